"""The core's pages: logging in (password, then the second factor) and out."""

from django.urls import path

from .views import accounts

urlpatterns = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("login/2fa/", accounts.otp_verify, name="otp-verify"),
    path("login/2fa/instellen/", accounts.otp_setup, name="otp-setup"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
]
