from django.urls import path

from . import views

urlpatterns = [
    path("gezinnen/<str:ref>/dossier.json", views.family_export, name="dossier-family-export"),
]
