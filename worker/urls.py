"""The worker pages: start page, caseload, team, families, the editors, the expert table."""

from django.urls import include, path

from .views import caseload, families

urlpatterns = [
    path("", families.home, name="home"),
    path("mijn-caseload/", caseload.caseload, name="caseload"),
    path("team/", caseload.team, name="team"),
    path("gezinnen/", families.family_list, name="family-list"),
    path("gezinnen/nieuw/", caseload.register_family, name="family-register"),
    path("gezinnen/<str:ref>/", families.family_detail, name="family-detail"),
    path("gezinnen/<str:ref>/bsn/", families.reveal_bsn, name="family-reveal-bsn"),
    path("gezinnen/<str:ref>/toestemming/", families.consent_add, name="family-consent-add"),
    path(
        "gezinnen/<str:ref>/toestemming/<int:consent_id>/intrekken/",
        families.consent_withdraw,
        name="family-consent-withdraw",
    ),
    path(
        "gezinnen/<str:ref>/regie/overdragen/",
        caseload.transfer_propose,
        name="regie-transfer-propose",
    ),
    path(
        "overdrachten/<int:transfer_id>/bevestigen/",
        caseload.transfer_confirm,
        name="regie-transfer-confirm",
    ),
    path(
        "overdrachten/<int:transfer_id>/intrekken/",
        caseload.transfer_cancel,
        name="regie-transfer-cancel",
    ),
    path(
        "gezinnen/<str:ref>/inzage-log.csv",
        families.access_history_export,
        name="family-access-history",
    ),
    path("gezinnen/<str:ref>/", include("worker.urls_close")),
    path("gezinnen/<str:ref>/analyse/", include("worker.urls_analysis")),
    path("gezinnen/<str:ref>/plan/", include("worker.urls_plan")),
    path("", include("worker.urls_expert_table")),
]
