"""Points 2–4: what the family sees and does, and who looked at its file."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from analyses.models import Analysis, AnalysisStatus, FamilyStory
from casusregie.access_log import Access, record_access
from casusregie.models import (
    AccessLogEntry,
    CarerDisclosure,
    Consent,
    ConsentPurpose,
    FamilyMessage,
    Notification,
)
from family_portal.selectors import HISTORY_PAGE_SIZE
from plans.models import Action, PlanResponse
from tests.conftest import verified_login
from tests.factories import EvaluationFactory, GoalFactory, PlanFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/referrals/"


@pytest.fixture
def plan(case):
    plan = PlanFactory(case=case, agreed_on=None)
    school = GoalFactory(plan=plan, text="Noor gaat weer naar school")
    GoalFactory(plan=plan, text="Rust in huis")
    Action.objects.create(goal=school, description="Gesprek met de mentor", owner="Mira")
    EvaluationFactory(plan=plan, planned_on=timezone.localdate(), notes="INTERN VERSLAG")
    return plan


def test_home_shows_the_regisseur_and_how_to_reach_them(as_family, mother_account, regisseur):
    regisseur.email = "regisseur@wijkteam.nl"
    regisseur.save()
    page = as_family(mother_account).get(reverse("family-home")).content.decode()
    assert regisseur.name in page and "mailto:regisseur@wijkteam.nl" in page


def test_the_plan_shows_goals_actions_and_the_next_evaluation_not_internal_notes(
    as_family, mother_account, plan
):
    page = as_family(mother_account).get(reverse("family-plan")).content.decode()
    assert "Noor gaat weer naar school" in page and "Gesprek met de mentor" in page
    assert "Volgende keer dat we samen kijken" in page
    assert "INTERN VERSLAG" not in page


def test_one_disagrees_with_a_goal_the_other_agrees(
    client, as_family, mother_account, youth_account, plan
):
    school = plan.goals.get(text__startswith="Noor")
    response = as_family(mother_account).post(
        reverse("family-plan"), {"agrees": "nee", f"doel-{school.pk}": "Eerst rust, dan school"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.agreed_on is None  # a disagreement agrees nothing
    client.post(reverse("family-logout"))
    as_family(youth_account).post(reverse("family-plan"), {"agrees": "ja"})
    plan.refresh_from_db()
    assert plan.agreed_on == timezone.localdate()
    assert (plan.agreed_by, plan.agreed_how) == ("Noor de Jong (jongere)", "family_portal")
    mother_says = PlanResponse.objects.get(account=mother_account)
    assert not mother_says.agrees
    assert [(o.goal_id, o.text) for o in mother_says.objections.all()] == [
        (school.pk, "Eerst rust, dan school")
    ]


def test_the_regisseur_sees_the_disagreement(client, regisseur, mother_account, plan):
    from plans.services import answer_plan_by_family

    school = plan.goals.first()
    answer_plan_by_family(
        plan=plan, account=mother_account, agrees=False, objections={school.pk: "Te snel"}
    )
    verified_login(client, regisseur)
    page = client.get(reverse("family-portal-worker", args=[plan.case.family.ref])).content
    assert "niet akkoord" in page.decode() and "Te snel" in page.decode()


def test_disagreeing_without_saying_what_is_refused(as_family, mother_account, plan):
    response = as_family(mother_account).post(reverse("family-plan"), {"agrees": "nee"})
    assert response.status_code == 400
    assert not PlanResponse.objects.exists()


def test_ons_verhaal_only_on_a_draft(as_family, mother_account, case):
    client = as_family(mother_account)
    established = Analysis.objects.get(case=case)
    assert (
        "Ons verhaal: wat wilt u zelf"
        not in client.get(reverse("family-analysis")).content.decode()
    )
    draft = Analysis.objects.create(
        case=case, version=2, is_current=False, status=AnalysisStatus.DRAFT
    )
    response = client.post(reverse("family-analysis"), {"text": "Wij willen eerst rust."})
    assert response.status_code == 302
    story = FamilyStory.objects.get()
    assert (story.analysis_id, story.text) == (draft.pk, "Wij willen eerst rust.")
    assert not established.stories.exists()


def test_the_familys_withdrawal_removes_the_analysis_from_the_provider_api_at_once(
    as_family, mother_account, make_referral, api, case, provider
):
    referral = make_referral()
    consent = Consent.objects.create(
        case=case,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        provider=provider,
        given_on=case.opened_on,
    )
    assert api.get(f"{API}{referral.ref}/").json()["analysis"]["status"] == "established"
    client = as_family(mother_account)
    response = client.post(reverse("family-consent-withdraw-own", args=[consent.pk]))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_by_account == mother_account
    assert api.get(f"{API}{referral.ref}/").json()["analysis"] is None
    # and given again by the family itself
    client.post(reverse("family-consent"), {"choice": f"analysis:{provider.pk}"})
    assert Consent.objects.get(withdrawn_on__isnull=True).given_by_account == mother_account
    assert api.get(f"{API}{referral.ref}/").json()["analysis"]["status"] == "established"


def test_a_question_reaches_the_regisseur_and_the_answer_the_family(
    client, as_family, mother_account, regisseur, case
):
    family = as_family(mother_account)
    assert family.post(reverse("family-questions"), {"text": "Wanneer komt u?"}).status_code == 302
    note = Notification.objects.get(recipient=regisseur)
    assert note.kind == "family_message" and note.url_name == "family-portal-worker"
    worker = verified_login(client.__class__(), regisseur)
    assert (
        "Wanneer komt u?"
        in worker.get(reverse("family-portal-worker", args=[case.family.ref])).content.decode()
    )
    worker.post(reverse("family-portal-answer", args=[case.family.ref]), {"text": "Dinsdag."})
    assert FamilyMessage.objects.get(account=mother_account).read_at is not None
    assert "Dinsdag." in family.get(reverse("family-questions")).content.decode()


@pytest.mark.parametrize(
    "text",
    ["<script>alert(1)</script>", "<b>vet</b>", "x" * 2001, "   ", "a\x00b"],
)
def test_messages_are_hostile_input(as_family, mother_account, text):
    response = as_family(mother_account).post(reverse("family-questions"), {"text": text})
    assert response.status_code == 400
    assert not FamilyMessage.objects.exists()


def test_a_message_of_exactly_the_limit_is_taken(as_family, mother_account):
    as_family(mother_account).post(reverse("family-questions"), {"text": "x" * 2000})
    assert FamilyMessage.objects.get().text == "x" * 2000


def test_referrals_with_waiting_time_per_youth_and_the_carers_see_16_plus_only_when_chosen(
    client, as_family, mother_account, youth_account, make_referral, regisseur, youth
):
    referral = make_referral()
    assert referral.youth == youth  # 16 today
    seen = as_family(youth_account).get(reverse("family-help")).content.decode()
    assert referral.provider.name in seen and "Wachttijd tot antwoord: 0 dagen" in seen
    client.post(reverse("family-logout"))
    hidden = as_family(mother_account).get(reverse("family-help")).content.decode()
    assert referral.provider.name not in hidden
    worker = verified_login(client.__class__(), regisseur)
    worker.post(
        reverse("family-portal-disclose", args=[youth.family.ref, referral.ref]), {"shown": "1"}
    )
    assert CarerDisclosure.objects.get().shown
    assert AccessLogEntry.objects.filter(
        object_ref=referral.ref, purpose__contains="zichtbaar gemaakt voor de ouders"
    ).exists()
    shown = as_family(mother_account).get(reverse("family-help")).content.decode()
    assert referral.provider.name in shown


def test_who_looked_at_my_file(client, as_family, mother_account, regisseur, case):
    worker = verified_login(client.__class__(), regisseur)
    worker.get(reverse("family-detail", args=[case.family.ref]))
    family = as_family(mother_account)
    page = family.get(reverse("family-history")).content.decode()
    assert regisseur.name in page and "Regisseur" in page and regisseur.local_team.name in page
    assert "regie en hulpverlening" in page
    csv = family.get(reverse("family-history-csv"))
    assert csv["Content-Type"].startswith("text/csv") and regisseur.name in csv.content.decode()
    logged = AccessLogEntry.objects.filter(actor_kind="family", object_type="access_history")
    assert sorted(logged.values_list("action", flat=True)) == ["export", "read"]


def test_the_history_is_paged_newest_first_in_a_constant_number_of_queries(
    as_family, mother_account, regisseur, case, django_assert_num_queries
):
    def read(n: int) -> None:
        for i in range(n):
            record_access(
                actor_kind="worker",
                actor=f"{regisseur.ref} (x)",
                purpose=f"lezing {i:03}",
                accesses=[Access(case.family.ref, "family", case.family.ref)],
            )

    read(HISTORY_PAGE_SIZE - 2)  # with the two readings of the history below: one page full
    family = as_family(mother_account)
    family.get(reverse("family-history"))
    with django_assert_num_queries(15):  # with workers in it
        first = family.get(reverse("family-history")).content.decode()
    assert "Pagina 1 van" not in first  # one page: no paging
    read(HISTORY_PAGE_SIZE + 5)
    with django_assert_num_queries(15):  # with workers in it
        first = family.get(reverse("family-history")).content.decode()
    assert "Pagina 1 van 3" in first and "?pagina=2" in first
    assert f"lezing {HISTORY_PAGE_SIZE + 4:03}" in first and "lezing 000" not in first
    last = family.get(reverse("family-history") + "?pagina=3").content.decode()
    assert "lezing 000" in last and "?pagina=2" in last
    assert "lezing 000" in family.get(reverse("family-history") + "?pagina=99").content.decode()
    assert family.get(reverse("family-history") + "?pagina=x").status_code == 200


def test_the_download_holds_every_line_and_no_formula_runs(
    as_family, mother_account, regisseur, case
):
    regisseur.name = '=HYPERLINK("http://example.invalid","klik")'
    regisseur.save()
    for i in range(HISTORY_PAGE_SIZE + 1):
        record_access(
            actor_kind="worker",
            actor=f"{regisseur.ref} (x)",
            purpose="@SUM(1)" if i == 0 else "regie",
            accesses=[Access(case.family.ref, "family", case.family.ref)],
        )
    text = as_family(mother_account).get(reverse("family-history-csv")).content.decode()
    assert text.startswith("\ufefftijdstip;wie;")
    rows = text.splitlines()[1:]
    assert len(rows) == HISTORY_PAGE_SIZE + 1
    assert all(";\"'=HYPERLINK(" in row for row in rows)
    assert sum(";'@SUM(1)" in row for row in rows) == 1
    assert not any(";=" in row or ";@" in row for row in rows)


def test_a_youths_history_leaves_out_another_youths_data(
    as_family, youth_account, little, regisseur, case
):
    record_access(
        actor_kind="worker",
        actor=f"{regisseur.ref} (x)",
        purpose="regie en hulpverlening",
        accesses=[Access(case.family.ref, "youth", little.ref)],
    )
    page = as_family(youth_account).get(reverse("family-history")).content.decode()
    assert little.ref not in page and "youth" not in page


PAGES = [
    "family-home",
    "family-plan",
    "family-analysis",
    "family-help",
    "family-consent",
    "family-questions",
    "family-history",
]


@pytest.mark.parametrize(
    "name, queries",
    [
        ("family-home", 13),
        ("family-plan", 13),
        ("family-analysis", 14),
        ("family-help", 9),
        ("family-consent", 10),
        ("family-questions", 9),
        ("family-history", 12),
    ],
)
def test_pages_have_pinned_query_counts(
    as_family, mother_account, plan, make_referral, django_assert_num_queries, name, queries
):
    make_referral()
    client = as_family(mother_account)
    client.get(reverse(name))  # warm: the session
    with django_assert_num_queries(queries):
        assert client.get(reverse(name)).status_code == 200
