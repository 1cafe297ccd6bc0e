"""The core's pages: logging in (password, then the second factor; or the organisation's
single sign-on) and out; the meldingen."""

from django.urls import path

from .views import accounts, notifications, oidc

urlpatterns = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("login/2fa/", accounts.otp_verify, name="otp-verify"),
    path("login/2fa/instellen/", accounts.otp_setup, name="otp-setup"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("oidc/inloggen/", oidc.OIDCStartView.as_view(), name="oidc-start"),
    path("oidc/callback/", oidc.OIDCCallbackView.as_view(), name="oidc-callback"),
    path("meldingen/", notifications.notification_list, name="notifications"),
    path(
        "meldingen/alles-gelezen/",
        notifications.notifications_read_all,
        name="notifications-read-all",
    ),
    path("meldingen/e-mail/", notifications.notification_email, name="notifications-email"),
    path(
        "meldingen/<int:notification_id>/",
        notifications.notification_open,
        name="notification-open",
    ),
    path(
        "meldingen/<int:notification_id>/gelezen/",
        notifications.notification_read,
        name="notification-read",
    ),
]
