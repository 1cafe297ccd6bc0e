"""The expert table's pages: the regisseur's aanmelding and inbox, the table's queue, sessions,
decisions and figures."""

from django.urls import path

from .views import expert_table as views

urlpatterns = [
    path("gezinnen/<str:ref>/experttafel/", views.family_escalations, name="escalation-submit"),
    path("experttafel/mijn-aanmeldingen/", views.inbox, name="escalation-inbox"),
    path(
        "experttafel/aanmeldingen/<str:escalation_ref>/verwijzen/",
        views.send_referral,
        name="escalation-send-referral",
    ),
    path(
        "experttafel/aanmeldingen/<str:escalation_ref>/afronden/",
        views.close,
        name="escalation-close",
    ),
    path("tafels/aanmelden/", views.call_list, name="table-call-list"),
    path(
        "tafels/<str:table_ref>/aanmelden/<str:case_ref>/",
        views.call,
        name="table-call",
    ),
    path("experttafel/", views.queue, name="expert-table-queue"),
    path(
        "experttafel/aanmeldingen/<str:escalation_ref>/agenderen/",
        views.agenda_add,
        name="expert-table-agenda-add",
    ),
    path("experttafel/zittingen/", views.sessions, name="expert-table-sessions"),
    path("experttafel/zittingen/plannen/", views.session_plan, name="expert-table-session-plan"),
    path(
        "experttafel/zittingen/<str:session_ref>/",
        views.session_detail,
        name="expert-table-session",
    ),
    path(
        "experttafel/zittingen/<str:session_ref>/agenda/<str:escalation_ref>/verwijderen/",
        views.agenda_remove,
        name="expert-table-agenda-remove",
    ),
    path(
        "experttafel/zittingen/<str:session_ref>/agenda/<str:escalation_ref>/besluit/",
        views.decision,
        name="expert-table-decision",
    ),
    path(
        "experttafel/zittingen/<str:session_ref>/agenda/<str:escalation_ref>/uitkomst/",
        views.outcome,
        name="expert-table-outcome",
    ),
    path(
        "experttafel/zittingen/<str:session_ref>/agenda/<str:escalation_ref>/punt/",
        views.agenda_item,
        name="expert-table-agenda-item",
    ),
    path(
        "experttafel/zittingen/<str:session_ref>/agenda/<str:escalation_ref>/uitnodigen/",
        views.invite,
        name="expert-table-invite",
    ),
    path(
        "experttafel/aanmeldingen/<str:escalation_ref>/brief/<str:audience>/",
        views.decision_letter,
        name="escalation-letter",
    ),
    path(
        "experttafel/aanmeldingen/<str:escalation_ref>/brief/<str:audience>/pdf/",
        views.decision_letter_pdf,
        name="escalation-letter-pdf",
    ),
    path("experttafel/cijfers/", views.figures_page, name="expert-table-figures"),
]
