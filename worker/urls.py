"""The worker pages: start page, caseload, team, families, the editors, the expert table."""

from django.urls import include, path

from .views import caseload, families, family_portal, people

urlpatterns = [
    path("", families.home, name="home"),
    path("mijn-caseload/", caseload.caseload, name="caseload"),
    path("team/", caseload.team, name="team"),
    path("gezinnen/", families.family_list, name="family-list"),
    path("gezinnen/nieuw/", caseload.register_family, name="family-register"),
    path("gezinnen/<str:ref>/", families.family_detail, name="family-detail"),
    path(
        "gezinnen/<str:ref>/gezinsportaal/",
        family_portal.family_portal_page,
        name="family-portal-worker",
    ),
    path(
        "gezinnen/<str:ref>/gezinsportaal/uitnodigen/",
        family_portal.family_portal_invite,
        name="family-portal-invite",
    ),
    path(
        "gezinnen/<str:ref>/gezinsportaal/antwoord/",
        family_portal.family_portal_answer,
        name="family-portal-answer",
    ),
    path(
        "gezinnen/<str:ref>/gezinsportaal/zichtbaar/<str:referral_ref>/",
        family_portal.family_portal_disclose,
        name="family-portal-disclose",
    ),
    path(
        "gezinnen/<str:ref>/gezinsportaal/accounts/<str:account_ref>/beeindigen/",
        family_portal.family_portal_deactivate,
        name="family-portal-deactivate",
    ),
    path("gezinnen/<str:ref>/bsn/", families.reveal_bsn, name="family-reveal-bsn"),
    path("gezinnen/<str:ref>/toestemming/", families.consent_add, name="family-consent-add"),
    path(
        "gezinnen/<str:ref>/toestemming/<int:consent_id>/intrekken/",
        families.consent_withdraw,
        name="family-consent-withdraw",
    ),
    path("gezinnen/<str:ref>/betrokkenen/", people.involved_add, name="family-involved-add"),
    path(
        "gezinnen/<str:ref>/betrokkenen/<int:professional_id>/corrigeren/",
        people.involved_correct,
        name="family-involved-correct",
    ),
    path(
        "gezinnen/<str:ref>/betrokkenen/<int:professional_id>/beeindigen/",
        people.involved_end,
        name="family-involved-end",
    ),
    path(
        "gezinnen/<str:ref>/verwijzingen/<str:referral_ref>/overbrugging/",
        families.bridging_record,
        name="referral-bridging",
    ),
    path(
        "gezinnen/<str:ref>/regie/overdragen/",
        caseload.transfer_propose,
        name="regie-transfer-propose",
    ),
    path("gezinnen/<str:ref>/verhuizen/", caseload.move_propose, name="family-move-propose"),
    path(
        "verhuizingen/<int:move_id>/bevestigen/", caseload.move_confirm, name="family-move-confirm"
    ),
    path("verhuizingen/<int:move_id>/intrekken/", caseload.move_cancel, name="family-move-cancel"),
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
