"""The plan editor, included under ``gezinnen/<str:ref>/plan/``."""

from django.urls import path

from .views import plan as views
from .views import plan_document

urlpatterns = [
    path("", views.editor, name="plan-editor"),
    path("afdrukken/", plan_document.print_view, name="plan-print"),
    path("plan.pdf", plan_document.pdf, name="plan-pdf"),
    path("beginnen/", views.start, name="plan-start"),
    path("afspreken/", views.agree, name="plan-agree"),
    path("doelen/", views.goal_add, name="plan-goal-add"),
    path("doelen/<int:goal_id>/", views.goal_change, name="plan-goal-change"),
    path("doelen/<int:goal_id>/verwijderen/", views.goal_delete, name="plan-goal-delete"),
    path("doelen/<int:goal_id>/status/", views.goal_status, name="plan-goal-status"),
    path("doelen/<int:goal_id>/acties/", views.action_add, name="plan-action-add"),
    path("acties/<int:action_id>/gedaan/", views.action_done, name="plan-action-done"),
    path("acties/<int:action_id>/verwijderen/", views.action_delete, name="plan-action-delete"),
    path("evaluaties/", views.evaluation_add, name="plan-evaluation-add"),
    path(
        "evaluaties/<int:evaluation_id>/",
        views.evaluation_record,
        name="plan-evaluation-record",
    ),
    path(
        "evaluaties/<int:evaluation_id>/uitkomst/",
        views.evaluation_outcome,
        name="plan-evaluation-outcome",
    ),
    path(
        "evaluaties/<int:evaluation_id>/schrappen/",
        views.evaluation_delete,
        name="plan-evaluation-delete",
    ),
    path("perspectief/", views.perspective_add, name="plan-perspective-add"),
    path(
        "perspectief/<int:perspective_id>/",
        views.perspective_change,
        name="plan-perspective-change",
    ),
    path(
        "perspectief/<int:perspective_id>/afspreken/",
        views.perspective_agree,
        name="plan-perspective-agree",
    ),
]
