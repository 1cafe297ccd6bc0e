"""The provider's portal (issue 18): progress per goal of the plan and the perspective plan on
the referral page, through the API's services."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from analyses.models import Explanation
from casusregie.models import AccessLogEntry, Consent, ConsentPurpose
from plans import services as plans
from plans.models import Evaluation, PerspectivePlan, PerspectiveStatus
from referrals import services
from referrals.models import GoalProgress
from tests.conftest import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(client, staff_user):
    return verified_login(client, staff_user)


@pytest.fixture
def in_care(make_referral, provider):
    return services.accept_referral(
        referral=make_referral(), by=services.Actor.of_provider(provider)
    )


def _goals(case, *texts: str):
    explanation = Explanation.objects.create(
        analysis=case.analyses.get(is_current=True), text="Angst rond school"
    )
    plan = plans.start_plan(case=case)
    return [plans.add_goal(plan=plan, text=t, explanation_ids=[explanation.pk]) for t in texts]


def _share(case, provider):
    return Consent.objects.create(
        case=case,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        provider=provider,
        given_on=timezone.localdate(),
    )


def _page(client, referral):
    return client.get(reverse("portal-referral", args=[referral.ref]))


def _progress_url(referral, goal) -> str:
    return reverse("portal-referral-goal-progress", args=[referral.ref, goal.pk])


def _sixteen_on(youth, day: dt.date) -> None:
    youth.birth_date = day.replace(year=day.year - 16)
    youth.save(update_fields=["birth_date"])


# --- progress per goal ---------------------------------------------------------------------------
def test_the_goals_show_a_form_each_and_a_report_is_recorded_by_the_staff_member(
    portal, in_care, case, provider, staff_user
):
    [school, sleep] = _goals(case, "Weer naar school", "Beter slapen")
    _share(case, provider)
    page = _page(portal, in_care).content.decode()
    assert f'id="form-goal-{school.pk}"' in page and f'id="form-goal-{sleep.pk}"' in page
    assert "U hebt nog geen voortgang op dit doel gemeld." in page
    response = portal.post(
        _progress_url(in_care, school),
        {f"goal-{school.pk}-scale": "working", f"goal-{school.pk}-text": "Drie dagen per week."},
    )
    assert response.status_code == 302
    [progress] = GoalProgress.objects.all()
    assert (progress.goal_id, progress.scale, progress.text) == (
        school.pk,
        "working",
        "Drie dagen per week.",
    )
    assert (progress.referral_id, progress.reported_by_worker_id) == (in_care.pk, staff_user.pk)
    page = _page(portal, in_care).content.decode()
    assert "Mee bezig" in page and "Drie dagen per week." in page


def test_a_report_for_an_evaluation_of_the_plan(portal, in_care, case, provider):
    [goal] = _goals(case, "Weer naar school")
    evaluation = Evaluation.objects.create(plan=goal.plan, planned_on=timezone.localdate())
    _share(case, provider)
    prefix = f"goal-{goal.pk}"
    response = portal.post(
        _progress_url(in_care, goal),
        {
            f"{prefix}-scale": "reached",
            f"{prefix}-text": "Gaat weer.",
            f"{prefix}-evaluation": evaluation.pk,
        },
    )
    assert response.status_code == 302
    assert GoalProgress.objects.get().evaluation_id == evaluation.pk


def test_bad_progress_is_a_400_beside_the_field_input_kept(portal, in_care, case, provider):
    [goal] = _goals(case, "Weer naar school")
    _share(case, provider)
    prefix = f"goal-{goal.pk}"
    response = portal.post(
        _progress_url(in_care, goal), {f"{prefix}-scale": "working", f"{prefix}-text": "   "}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Beschrijf kort de voortgang op dit doel." in page
    assert re.search(r'<input type="radio"[^>]*value="working"[^>]*checked', page)
    response = portal.post(
        _progress_url(in_care, goal), {f"{prefix}-scale": "done", f"{prefix}-text": "Gaat goed"}
    )
    assert response.status_code == 400 and "Gaat goed" in response.content.decode()
    assert not GoalProgress.objects.exists()


@pytest.mark.parametrize(("length", "status"), [(1000, 302), (1001, 400)])
def test_the_text_may_be_a_thousand_characters(portal, in_care, case, provider, length, status):
    [goal] = _goals(case, "Weer naar school")
    _share(case, provider)
    prefix = f"goal-{goal.pk}"
    response = portal.post(
        _progress_url(in_care, goal), {f"{prefix}-scale": "working", f"{prefix}-text": "a" * length}
    )
    assert response.status_code == status
    assert GoalProgress.objects.count() == (1 if status == 302 else 0)


def test_without_consent_no_goals_and_the_report_is_refused(portal, in_care, case, provider):
    [goal] = _goals(case, "Weer naar school")
    page = _page(portal, in_care).content.decode()
    assert "Weer naar school" not in page and 'id="not-shared"' in page
    prefix = f"goal-{goal.pk}"
    response = portal.post(
        _progress_url(in_care, goal), {f"{prefix}-scale": "working", f"{prefix}-text": "Gaat goed"}
    )
    assert response.status_code == 409
    assert "geen toestemming (meer) gegeven" in response.content.decode()
    assert not GoalProgress.objects.exists()


def test_a_referral_not_in_care_has_no_progress_form_and_is_refused(
    portal, make_referral, case, provider
):
    referral = make_referral()
    [goal] = _goals(case, "Weer naar school")
    _share(case, provider)
    assert 'id="form-goal-' not in _page(portal, referral).content.decode()
    prefix = f"goal-{goal.pk}"
    response = portal.post(
        _progress_url(referral, goal), {f"{prefix}-scale": "working", f"{prefix}-text": "Gaat goed"}
    )
    assert response.status_code == 409
    assert "toegewezen of gestart" in response.content.decode()


def test_a_goal_of_another_case_is_a_404(portal, in_care, provider, other_provider):
    from tests.factories import AnalysisFactory, CaseFactory

    other = CaseFactory()
    AnalysisFactory(case=other)
    [goal] = _goals(other, "Elders")
    response = portal.post(_progress_url(in_care, goal), {})
    assert response.status_code == 404


def test_the_goals_are_logged_as_read_and_the_report_as_a_change(
    portal, in_care, case, provider, staff_user
):
    [goal] = _goals(case, "Weer naar school")
    _share(case, provider)
    before = AccessLogEntry.objects.count()
    _page(portal, in_care)
    entries = list(AccessLogEntry.objects.order_by("id")[before:])
    assert {(e.object_type, e.object_ref) for e in entries} == {
        ("referral", in_care.ref),
        ("goal", str(goal.pk)),
    }
    assert all(e.actor.startswith(staff_user.ref) and e.action == "read" for e in entries)
    before = AccessLogEntry.objects.count()
    prefix = f"goal-{goal.pk}"
    portal.post(
        _progress_url(in_care, goal), {f"{prefix}-scale": "working", f"{prefix}-text": "Gaat goed"}
    )
    changed = [e for e in AccessLogEntry.objects.order_by("id")[before:] if e.action == "change"]
    assert {e.object_type for e in changed} == {"referral", "goal_progress"}


@pytest.mark.parametrize("count", [1, 3])
def test_the_page_with_goals_costs_the_same_queries_whatever_their_number(
    portal, in_care, case, provider, django_assert_num_queries, count
):
    goals = _goals(case, *(f"Doel {n}" for n in range(count)))
    _share(case, provider)
    for goal in goals:
        services.report_goal_progress(
            referral=in_care,
            goal=goal,
            scale="working",
            text="Gaat goed",
            by=services.Actor.of_provider(provider),
        )
    # session, user, device, membership, the referral, the analysis, its findings and
    # explanations, the goals, evaluations, latest reports, thresholds, the perspective plan's
    # access check, log and seal, the session's save
    with django_assert_num_queries(18):
        assert _page(portal, in_care).status_code == 200


def test_a_progress_report_has_pinned_queries(
    portal, in_care, case, provider, django_assert_num_queries
):
    [goal] = _goals(case, "Weer naar school")
    _share(case, provider)
    prefix = f"goal-{goal.pk}"
    # session, user, device, membership, the referral, the goal, the plan's evaluations; the
    # service: the referral locked, the consent, the plan, the report; log and seal, the session
    # (and pghistory's context per statement that writes)
    with django_assert_num_queries(20):
        response = portal.post(
            _progress_url(in_care, goal),
            {f"{prefix}-scale": "working", f"{prefix}-text": "Gaat goed"},
        )
    assert response.status_code == 302


# --- the perspective plan ------------------------------------------------------------------------
PARTS = {
    "housing": "Kamer zoeken via de woningcorporatie.",
    "school_or_work": "Mbo niveau 2.",
    "income": "Zorgtoeslag aanvragen.",
    "help_at_home_na": "on",
    "adult_services": "Wmo-consulent, gesprek in maart.",
    "adult_services_services": ["wmo", "debt_help"],
}


def _perspective_url(referral) -> str:
    return reverse("portal-referral-perspective-plan", args=[referral.ref])


@pytest.mark.parametrize(("days", "shown"), [(1, False), (0, True), (-1, True)])
def test_the_perspective_plan_is_there_from_the_16th_birthday(
    portal, in_care, youth, case, provider, days, shown
):
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate() + dt.timedelta(days=days))
    page = _page(portal, in_care).content.decode()
    assert ('id="perspectiefplan"' in page) is shown
    if shown:
        assert "nog niet begonnen" in page and 'id="form-perspective"' in page


def test_without_consent_the_perspective_plan_is_refused(portal, in_care, youth):
    _sixteen_on(youth, timezone.localdate())
    page = _page(portal, in_care).content.decode()
    assert 'id="perspective-refused"' in page and 'id="form-perspective"' not in page
    response = portal.post(_perspective_url(in_care), {"kind": "transition_18", **PARTS})
    assert response.status_code == 403
    assert not PerspectivePlan.objects.exists()


def test_a_provider_drafts_and_updates_the_perspective_plan(
    portal, in_care, youth, case, provider, staff_user
):
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate())
    response = portal.post(_perspective_url(in_care), {"kind": "transition_18", **PARTS})
    assert response.status_code == 302
    plan = PerspectivePlan.objects.get()
    assert (plan.kind, plan.status, plan.drafted_by_provider_id) == (
        "transition_18",
        PerspectiveStatus.DRAFT,
        provider.pk,
    )
    assert plan.help_at_home_na and plan.adult_service_values() == ["wmo", "debt_help"]
    page = _page(portal, in_care).content.decode()
    assert "Kamer zoeken via de woningcorporatie." in page
    assert f'name="version" value="{plan.version}"' in page
    response = portal.post(
        _perspective_url(in_care),
        {"kind": "transition_18", "version": plan.version, **PARTS, "income": "Bijbaan."},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.income, plan.version) == ("Bijbaan.", 2)


def test_a_part_both_written_and_not_applicable_is_a_400_beside_it(
    portal, in_care, youth, case, provider
):
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate())
    response = portal.post(
        _perspective_url(in_care),
        {"kind": "transition_18", **PARTS, "income_na": "on"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "niet allebei" in page and "Kamer zoeken via de woningcorporatie." in page
    assert not PerspectivePlan.objects.exists()


def test_a_stale_version_is_a_409_with_the_current_state(
    portal, api, in_care, youth, case, provider
):
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate())
    portal.post(_perspective_url(in_care), {"kind": "transition_18", **PARTS})
    plan = PerspectivePlan.objects.get()
    services.update_perspective_plan(
        referral=in_care,
        by=services.Actor.of_provider(provider),
        parts={"income": plans.PartInput(text="Via de API.")},
        expected_version=plan.version,
    )
    response = portal.post(
        _perspective_url(in_care),
        {"kind": "transition_18", "version": plan.version, **PARTS, "income": "Oud."},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Het perspectiefplan is intussen gewijzigd" in page and "Via de API." in page
    plan.refresh_from_db()
    assert plan.income == "Via de API."


def test_a_plan_begun_meanwhile_is_a_409(portal, in_care, youth, case, provider):
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate())
    services.draft_perspective_plan(referral=in_care, by=services.Actor.of_provider(provider))
    response = portal.post(_perspective_url(in_care), {"kind": "transition_18", **PARTS})
    assert response.status_code == 409
    assert PerspectivePlan.objects.get().housing == ""


def test_an_agreed_plan_is_read_only_with_who_agreed_and_when(
    portal, in_care, youth, case, provider, regisseur
):
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate())
    portal.post(_perspective_url(in_care), {"kind": "transition_18", **PARTS})
    plan = plans.agree_perspective_plan(plan=PerspectivePlan.objects.get(), by_worker=regisseur)
    page = _page(portal, in_care).content.decode()
    assert 'id="form-perspective"' not in page
    assert f"afgesproken door {regisseur.name}" in page
    assert timezone.localdate().strftime("%Y") in page
    response = portal.post(
        _perspective_url(in_care), {"kind": "transition_18", "version": plan.version, **PARTS}
    )
    assert response.status_code == 409
    assert "al afgesproken" in response.content.decode()


def test_the_perspective_plan_is_logged_as_read(portal, in_care, youth, case, provider):
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate())
    portal.post(_perspective_url(in_care), {"kind": "transition_18", **PARTS})
    plan = PerspectivePlan.objects.get()
    before = AccessLogEntry.objects.count()
    _page(portal, in_care)
    types = {(e.object_type, e.object_ref) for e in AccessLogEntry.objects.order_by("id")[before:]}
    assert ("perspective_plan", str(plan.pk)) in types


def test_the_page_with_the_perspective_plan_has_pinned_queries(
    portal, in_care, youth, case, provider, django_assert_num_queries
):
    _goals(case, "Weer naar school")
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate())
    services.draft_perspective_plan(referral=in_care, by=services.Actor.of_provider(provider))
    # as with goals, + the perspective plan
    with django_assert_num_queries(19):
        assert _page(portal, in_care).status_code == 200


@pytest.mark.parametrize("begun", [False, True])
def test_a_perspective_post_has_pinned_queries(
    portal, in_care, youth, case, provider, django_assert_num_queries, begun
):
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate())
    data = {"kind": "transition_18", **PARTS}
    if begun:
        plan = services.draft_perspective_plan(
            referral=in_care, by=services.Actor.of_provider(provider)
        )
        data["version"] = plan.version
    # the access check (referral, plan) in the view and again in the service under the case's
    # lock; drafting also reads the case and checks the kind is not there yet
    with django_assert_num_queries(22 if begun else 24):
        assert portal.post(_perspective_url(in_care), data).status_code == 302


def test_another_providers_user_gets_404(client, other_staff_user, in_care, youth, case, provider):
    [goal] = _goals(case, "Weer naar school")
    _share(case, provider)
    _sixteen_on(youth, timezone.localdate())
    other = verified_login(client, other_staff_user)
    prefix = f"goal-{goal.pk}"
    data = {f"{prefix}-scale": "working", f"{prefix}-text": "Gaat goed"}
    assert other.post(_progress_url(in_care, goal), data).status_code == 404
    assert other.post(_perspective_url(in_care), PARTS).status_code == 404
    assert not GoalProgress.objects.exists() and not PerspectivePlan.objects.exists()
