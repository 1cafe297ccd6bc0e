from django.urls import path

from . import views

urlpatterns = [
    path("gezinnen/<str:ref>/verwijzen/", views.referral_wizard, name="referral-wizard"),
]
