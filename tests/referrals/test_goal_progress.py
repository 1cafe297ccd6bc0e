"""Oplopen met het gezin (issue 18, point 4): a provider reports progress per goal of the plan
(``services.report_goal_progress``, the API's goals and progress endpoints), under the family's
consent and only for a referral in its care; the regisseur sees it on the plan page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casusregie.models import AccessLogEntry, Consent, ConsentPurpose
from referrals import services
from referrals.models import GoalProgress, ProgressScale
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    EvaluationFactory,
    GoalFactory,
    GoalProgressFactory,
    PlanFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/referrals/"


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def plan(case):
    return PlanFactory(case=case)


@pytest.fixture
def goals(plan):
    return [
        GoalFactory(plan=plan, position=1, text="Noor gaat weer elke dag naar school"),
        GoalFactory(plan=plan, position=2, text="Rust in huis bij het slapengaan"),
    ]


@pytest.fixture
def evaluation(plan):
    return EvaluationFactory(plan=plan, planned_on=today())


@pytest.fixture
def consent(case, provider):
    return Consent.objects.create(
        case=case,
        provider=provider,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on=dt.date(2026, 2, 1),
    )


@pytest.fixture
def in_care(make_referral, provider):
    """A referral the provider accepted."""
    referral = make_referral()
    return services.accept_referral(referral=referral, by=services.Actor.of_provider(provider))


def report(referral, goal, provider, **kwargs) -> GoalProgress:
    return services.report_goal_progress(
        referral=referral,
        goal=goal,
        scale=kwargs.pop("scale", ProgressScale.WORKING),
        text=kwargs.pop("text", "Drie dagen per week op school."),
        by=kwargs.pop("by", services.Actor.of_provider(provider)),
        **kwargs,
    )


# -- the service --------------------------------------------------------------------------------
def test_a_provider_reports_progress_on_a_goal_at_an_evaluation(
    in_care, goals, evaluation, provider, consent
):
    progress = report(in_care, goals[0], provider, evaluation=evaluation, text="  Gaat goed.  ")
    progress.refresh_from_db()
    assert (progress.referral_id, progress.goal_id, progress.evaluation_id) == (
        in_care.pk,
        goals[0].pk,
        evaluation.pk,
    )
    assert (progress.scale, progress.text, progress.reported_by_worker) == (
        "working",
        "Gaat goed.",
        None,
    )


def test_started_care_reports_too(in_care, goals, provider, consent):
    started = services.start_care(referral=in_care, by=services.Actor.of_provider(provider))
    assert report(started, goals[0], provider, scale=ProgressScale.REACHED).scale == "reached"


@pytest.mark.parametrize(
    "given, withdrawn, allowed",
    [
        (0, None, True),  # given today
        (1, None, False),  # given tomorrow: not yet in force
        (-30, 1, True),  # the day before the withdrawal
        (-30, 0, False),  # the day of the withdrawal
        (-30, -1, False),  # the day after
    ],
)
def test_only_with_the_familys_consent_in_force(
    in_care, goals, case, provider, given, withdrawn, allowed
):
    Consent.objects.create(
        case=case,
        provider=provider,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on=today() + dt.timedelta(days=given),
        withdrawn_on=None if withdrawn is None else today() + dt.timedelta(days=withdrawn),
    )
    if allowed:
        assert report(in_care, goals[0], provider).pk
    else:
        with pytest.raises(services.ReferralRefused) as refused:
            report(in_care, goals[0], provider)
        assert (refused.value.code, refused.value.status) == ("no_consent", 409)
        assert not GoalProgress.objects.exists()


def test_consent_to_share_the_contact_details_does_not_share_the_goals(
    in_care, goals, case, provider
):
    Consent.objects.create(
        case=case, provider=provider, purpose=ConsentPurpose.SHARE_CONTACT, given_on=today()
    )
    with pytest.raises(services.ReferralRefused, match="toestemming"):
        report(in_care, goals[0], provider)


@pytest.mark.parametrize("state", ["sent", "declined", "ended"])
def test_a_referral_not_in_care_is_refused(make_referral, goals, provider, consent, state):
    actor = services.Actor.of_provider(provider)
    referral = make_referral()
    if state == "declined":
        referral = services.decline_referral(
            referral=referral, by=actor, reason_code="other", reason="Past niet."
        )
    if state == "ended":
        referral = services.accept_referral(referral=referral, by=actor)
        referral = services.start_care(referral=referral, by=actor)
        referral = services.end_care(referral=referral, by=actor, end_code="31")
    with pytest.raises(services.ReferralRefused) as refused:
        report(referral, goals[0], provider)
    assert refused.value.code == "not_in_care"
    assert not GoalProgress.objects.exists()


def test_a_goal_of_another_case_is_refused(in_care, provider, consent):
    other = GoalFactory(plan=PlanFactory(case=CaseFactory()))
    with pytest.raises(services.InvalidInput) as refused:
        report(in_care, other, provider)
    assert (refused.value.code, refused.value.field) == ("goal_not_in_plan", "goal")


def test_a_goal_of_an_earlier_plan_of_the_case_is_refused(
    in_care, case, plan, goals, provider, consent
):
    plan.is_current = False
    plan.save()
    PlanFactory(case=case)
    with pytest.raises(services.InvalidInput, match="huidige plan"):
        report(in_care, goals[0], provider)


def test_an_evaluation_of_another_plan_is_refused(in_care, goals, provider, consent):
    elsewhere = EvaluationFactory(plan=PlanFactory(case=CaseFactory()))
    with pytest.raises(services.InvalidInput) as refused:
        report(in_care, goals[0], provider, evaluation=elsewhere)
    assert refused.value.field == "evaluation"


def test_another_provider_may_not_report(in_care, goals, consent):
    with pytest.raises(services.NotAllowed):
        report(in_care, goals[0], None, by=services.Actor.of_provider(ProviderFactory()))


@pytest.mark.parametrize(
    "text, code",
    [
        ("   ", "text_required"),
        ("x" * 1001, "text_too_long"),
        ("Gaat goed\x00", "text_control_characters"),
        ("Gaat\x1b[31m goed", "text_control_characters"),
    ],
)
def test_the_text_is_checked(in_care, goals, provider, consent, text, code):
    with pytest.raises(services.InvalidInput) as refused:
        report(in_care, goals[0], provider, text=text)
    assert (refused.value.code, refused.value.field) == (code, "text")


def test_a_thousand_characters_and_line_breaks_are_fine(in_care, goals, provider, consent):
    assert len(report(in_care, goals[0], provider, text="x" * 1000).text) == 1000
    assert report(in_care, goals[0], provider, text="Eerst.\nDan.").text == "Eerst.\nDan."


def test_an_unknown_scale_is_refused(in_care, goals, provider, consent):
    with pytest.raises(services.InvalidInput) as refused:
        report(in_care, goals[0], provider, scale="done")
    assert refused.value.field == "scale"


def test_the_database_keeps_a_report_within_its_case_and_scale(in_care, goals):
    other = GoalFactory(plan=PlanFactory(case=CaseFactory()))
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalProgressFactory(referral=in_care, goal=other)
    elsewhere = EvaluationFactory(plan=other.plan)
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalProgressFactory(referral=in_care, goal=goals[0], evaluation=elsewhere)
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalProgressFactory(referral=in_care, goal=goals[0], scale="done")
    assert GoalProgressFactory(referral=in_care, goal=goals[0]).pk


# -- the API ------------------------------------------------------------------------------------
def post(api, referral, goal_id, data):
    return api.post(f"{BASE}{referral.ref}/goals/{goal_id}/progress/", data, format="json")


def test_the_provider_reads_the_goals_with_its_latest_progress(
    api, in_care, goals, evaluation, provider, consent
):
    report(in_care, goals[0], provider, scale=ProgressScale.NOT_STARTED, text="Nog niet.")
    report(in_care, goals[0], provider, scale=ProgressScale.WORKING, text="Begonnen.")
    response = api.get(f"{BASE}{in_care.ref}/goals/")
    assert response.status_code == 200
    body = response.json()
    assert body["shared"] is True
    assert [g["text"] for g in body["goals"]] == [g.text for g in goals]
    first, second = body["goals"]
    assert (first["latest_progress"]["scale"], first["latest_progress"]["text"]) == (
        "working",
        "Begonnen.",
    )
    assert second["latest_progress"] is None
    assert body["evaluations"] == [
        {"id": evaluation.pk, "planned_on": today().isoformat(), "held_on": None}
    ]
    logged = AccessLogEntry.objects.filter(actor_kind="provider", object_type="goal")
    assert {e.object_ref for e in logged} == {str(g.pk) for g in goals}


def test_another_providers_report_is_not_shown(
    api, in_care, goals, case, provider, consent, other_provider
):
    other = services.create_referral(
        case=case,
        youth=in_care.youth,
        product=in_care.product,
        provider=other_provider,
        by=services.Actor.regisseur(case.regisseurs.get().worker),
    )
    GoalProgressFactory(referral=other, goal=goals[1], text="Van een ander.")
    body = api.get(f"{BASE}{in_care.ref}/goals/").json()
    assert all(g["latest_progress"] is None for g in body["goals"])


def test_without_consent_there_are_no_goals(api, in_care, goals):
    body = api.get(f"{BASE}{in_care.ref}/goals/").json()
    assert body == {"shared": False, "evaluations": [], "goals": []}


def test_withdrawn_consent_hides_the_goals_at_once(api, in_care, goals, consent):
    assert api.get(f"{BASE}{in_care.ref}/goals/").json()["shared"] is True
    consent.withdrawn_on = today()
    consent.save()
    assert api.get(f"{BASE}{in_care.ref}/goals/").json()["goals"] == []


def test_another_providers_referral_is_404(foreign_api, in_care, goals, consent):
    assert foreign_api.get(f"{BASE}{in_care.ref}/goals/").status_code == 404
    response = post(foreign_api, in_care, goals[0].pk, {"scale": "working", "text": "x"})
    assert response.status_code == 404
    assert not GoalProgress.objects.exists()


def test_the_provider_posts_progress(api, in_care, goals, evaluation, consent):
    response = post(
        api,
        in_care,
        goals[1].pk,
        {"scale": "reached", "text": "Slaapt weer goed.", "evaluation": evaluation.pk},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["goal"], body["evaluation"], body["scale"], body["text"]) == (
        goals[1].pk,
        evaluation.pk,
        "reached",
        "Slaapt weer goed.",
    )
    assert GoalProgress.objects.get().referral_id == in_care.pk
    assert AccessLogEntry.objects.filter(
        actor_kind="provider", action="change", object_type="goal_progress"
    ).exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"scale": "done", "text": "x"}, "scale"),
        ({"scale": "working"}, "text"),
        ({"scale": "working", "text": "x" * 1001}, "text"),
        ({"scale": "working", "text": "bel\x07"}, "text"),
        ({"scale": "working", "text": "x", "evaluation": "elf"}, "evaluation"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, in_care, goals, consent, data, field):
    response = post(api, in_care, goals[0].pk, data)
    assert response.status_code == 400
    assert field in [p["name"] for p in response.json()["invalid_params"]]
    assert not GoalProgress.objects.exists()


def test_an_evaluation_of_another_plan_is_a_400(api, in_care, goals, consent):
    elsewhere = EvaluationFactory(plan=PlanFactory(case=CaseFactory()))
    response = post(
        api, in_care, goals[0].pk, {"scale": "working", "text": "x", "evaluation": elsewhere.pk}
    )
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "evaluation"


def test_a_goal_outside_the_plan_is_404(api, in_care, goals, consent):
    other = GoalFactory(plan=PlanFactory(case=CaseFactory()))
    assert post(api, in_care, other.pk, {"scale": "working", "text": "x"}).status_code == 404
    assert post(api, in_care, 2_000_000_000, {"scale": "working", "text": "x"}).status_code == 404


def test_not_in_care_or_without_consent_is_a_409(api, make_referral, in_care, goals):
    sent = make_referral()
    response = post(api, in_care, goals[0].pk, {"scale": "working", "text": "x"})
    assert (response.status_code, response.json()["code"]) == (409, "no_consent")
    Consent.objects.create(
        case=sent.case,
        provider=sent.provider,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on=today(),
    )
    response = post(api, sent, goals[0].pk, {"scale": "working", "text": "x"})
    assert (response.status_code, response.json()["code"]) == (409, "not_in_care")


def test_the_goals_cost_a_fixed_number_of_queries(
    api, in_care, plan, goals, provider, consent, django_assert_num_queries
):
    """The key; the referral (consents as subqueries); goals; evaluations; this provider's
    latest reports; the access log (the entries, the chain's seal)."""
    report(in_care, goals[0], provider)
    with django_assert_num_queries(7):
        assert api.get(f"{BASE}{in_care.ref}/goals/").status_code == 200
    for n in range(5):
        goal = GoalFactory(plan=plan)
        report(in_care, goal, provider)
        EvaluationFactory(plan=plan, planned_on=today() + dt.timedelta(days=n))
    with django_assert_num_queries(7):
        assert len(api.get(f"{BASE}{in_care.ref}/goals/").json()["goals"]) == 7


def test_without_consent_the_goals_cost_no_query_of_their_own(
    api, in_care, goals, django_assert_num_queries
):
    with django_assert_num_queries(4):
        assert api.get(f"{BASE}{in_care.ref}/goals/").json()["shared"] is False


def test_a_report_costs_a_fixed_number_of_queries(
    api, in_care, goals, evaluation, consent, django_assert_num_queries
):
    """The key; savepoint; the referral; the goal; the evaluation; under the service's
    savepoint: the lock, the consent, the plan, the insert; the access log (entries, seal)."""
    data = {"scale": "working", "text": "Gaat goed.", "evaluation": evaluation.pk}
    with CaptureQueriesContext(connection) as first:
        assert post(api, in_care, goals[0].pk, data).status_code == 201
    with CaptureQueriesContext(connection) as second:
        assert post(api, in_care, goals[1].pk, data).status_code == 201
    assert len(first) == len(second) == REPORT_QUERIES, "\n".join(
        q["sql"][:120] for q in first.captured_queries
    )


REPORT_QUERIES = 14


# -- the regisseur's plan page ------------------------------------------------------------------
def test_the_regisseur_sees_the_latest_progress_per_goal_and_per_evaluation(
    client, regisseur, case, in_care, goals, evaluation, provider, consent
):
    report(in_care, goals[0], provider, scale=ProgressScale.NOT_STARTED, text="Nog niet.")
    report(in_care, goals[0], provider, scale=ProgressScale.WORKING, text="Drie dagen per week.")
    verified_login(client, regisseur)
    page = client.get(reverse("plan-editor", args=[case.family.ref])).content.decode()
    goal_part = page[
        page.index(f'id="doel-{goals[0].pk}"') : page.index(f'id="doel-{goals[1].pk}"')
    ]
    assert "Drie dagen per week." in goal_part and provider.name in goal_part
    assert "mee bezig" in goal_part and "Nog niet." not in goal_part
    assert timezone.localtime().strftime("%Y") in goal_part
    later = page[page.index(f'id="doel-{goals[1].pk}"') :]
    assert "Nog geen voortgang gemeld door een aanbieder." in later
    evaluations = page[page.index('id="evaluaties"') :]
    assert "Laatste voortgang van de aanbieders" in evaluations
    assert "Drie dagen per week." in evaluations


def test_a_held_evaluation_shows_the_reports_made_for_it(
    client, regisseur, case, in_care, goals, evaluation, provider, consent
):
    report(
        in_care,
        goals[1],
        provider,
        scale=ProgressScale.REACHED,
        text="Slaapt goed.",
        evaluation=evaluation,
    )
    evaluation.held_on, evaluation.notes = today(), "Besproken met het gezin."
    evaluation.save()
    verified_login(client, regisseur)
    page = client.get(reverse("plan-editor", args=[case.family.ref])).content.decode()
    evaluations = page[page.index('id="evaluaties"') :]
    assert "Voortgang gemeld door de aanbieders" in evaluations
    assert "Slaapt goed." in evaluations and "bereikt" in evaluations


def test_the_plan_page_costs_the_same_however_many_reports(
    client, regisseur, case, in_care, plan, goals, evaluation, provider, consent, other_provider
):
    verified_login(client, regisseur)
    url = reverse("plan-editor", args=[case.family.ref])
    client.get(url)
    report(in_care, goals[0], provider)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    other = services.create_referral(
        case=case,
        youth=in_care.youth,
        product=in_care.product,
        provider=other_provider,
        by=services.Actor.regisseur(regisseur),
    )
    for _ in range(4):
        goal = GoalFactory(plan=plan)
        report(in_care, goal, provider, evaluation=evaluation)
        GoalProgressFactory(referral=other, goal=goal)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large) == PLAN_PAGE_QUERIES, "\n".join(
        q["sql"][:120] for q in large.captured_queries
    )


PLAN_PAGE_QUERIES = 24  # as tests/plans/test_editor.py's EDITOR_QUERIES
