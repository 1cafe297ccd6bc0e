"""The analysis editor, included under ``gezinnen/<str:ref>/analyse/``."""

from django.urls import path

from .views import analysis as views

urlpatterns = [
    path("", views.editor, name="analysis-editor"),
    path("beginnen/", views.start, name="analysis-start"),
    path("deelnemers/", views.participants, name="analysis-participants"),
    path("bevindingen/", views.findings, name="analysis-findings"),
    path("verklaringen/", views.explanation_add, name="analysis-explanation-add"),
    path(
        "verklaringen/<int:explanation_id>/",
        views.explanation_change,
        name="analysis-explanation-change",
    ),
    path(
        "verklaringen/<int:explanation_id>/verwijderen/",
        views.explanation_delete,
        name="analysis-explanation-delete",
    ),
    path("krachten/", views.strength_add, name="analysis-strength-add"),
    path(
        "krachten/<int:strength_id>/verwijderen/",
        views.strength_delete,
        name="analysis-strength-delete",
    ),
    path("vaststellen/", views.establish, name="analysis-establish"),
    path("concept-weggooien/", views.discard, name="analysis-discard"),
    path("versies/<int:version>/", views.version_detail, name="analysis-version"),
]
