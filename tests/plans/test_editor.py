"""The plan editor: one plan, goals tied to explanations, actions, evaluations, perspective
plans; what the rulebook then judges; scope, access log and queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analyses import services as analyses
from casusregie.models import AccessAction, AccessLogEntry
from flags.models import Flag
from flags.services import sweep
from plans import services
from plans.models import Action, Evaluation, Goal, PerspectivePart, PerspectivePlan, Plan
from referrals.lifecycle import Status
from tests.analyses.test_editor import draft_with
from tests.factories import (
    EvaluationFactory,
    PlanFactory,
    ProductFactory,
    ReferralFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, family, **kwargs) -> str:
    return reverse(name, kwargs={"ref": family.ref, **kwargs})


def today() -> dt.date:
    return timezone.localdate()


def years_ago(years: int, days: int = 0) -> dt.date:
    day = today()
    try:
        born = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        born = dt.date(day.year - years, 2, 28)
    return born - dt.timedelta(days=days)


@pytest.fixture
def analysis(case):
    """The case's established analysis with two explanations."""
    return analyses.establish_analysis(analysis=draft_with(case, explanations=2))


@pytest.fixture
def plan(case, analysis):
    return services.start_plan(case=case)


def unresolved(rule: str) -> set[int]:
    return set(
        Flag.objects.filter(rule=rule, resolved_on__isnull=True).values_list(
            "subject_id", flat=True
        )
    )


# --- the plan, goals and actions ------------------------------------------------------------------


def test_one_plan_per_case(login, regisseur, case, analysis):
    client = login(regisseur)
    assert "Plan beginnen" in client.get(url("plan-editor", case.family)).content.decode()
    assert client.post(url("plan-start", case.family)).status_code == 302
    response = client.post(url("plan-start", case.family))
    assert response.status_code == 400
    assert "al een plan" in response.content.decode()
    assert Plan.objects.filter(case=case, is_current=True).count() == 1


def test_a_goal_is_tied_to_explanations_of_the_current_analysis(login, regisseur, case, plan):
    first, second = case.analyses.get().explanations.all()
    response = login(regisseur).post(
        url("plan-goal-add", case.family),
        {"doel-text": "Noor gaat weer elke dag naar school", "doel-explanations": [first.pk]},
    )
    assert response.status_code == 302
    goal = plan.goals.get()
    assert list(goal.explanations.all()) == [first]
    page = login(regisseur).get(url("plan-editor", case.family)).content.decode()
    assert "Noor gaat weer elke dag naar school" in page


def test_a_goal_without_an_explanation_is_refused(login, regisseur, case, plan):
    response = login(regisseur).post(
        url("plan-goal-add", case.family), {"doel-text": "Rust in huis"}
    )
    assert response.status_code == 400
    assert not Goal.objects.exists()
    with pytest.raises(ValidationError, match="ten minste één verklaring"):
        services.add_goal(plan=plan, text="Rust in huis", explanation_ids=[])


def test_a_goal_is_not_tied_to_a_draft_or_another_case(case, plan, foreign_case):
    analyses.start_analysis(case=case)  # version 2, a draft beside the established version
    draft_explanation = case.analyses.get(version=2).explanations.first()
    foreign = draft_with(foreign_case).explanations.get()
    for explanation in (draft_explanation, foreign):
        with pytest.raises(ValidationError, match="huidige analyse"):
            services.add_goal(plan=plan, text="Doel", explanation_ids=[explanation.pk])


def test_actions_have_an_owner_and_a_due_date(login, regisseur, team, case, plan):
    goal = services.add_goal(
        plan=plan,
        text="Schulden in beeld",
        explanation_ids=[plan.case.analyses.get().explanations.first().pk],
    )
    client = login(regisseur)
    due = (today() + dt.timedelta(days=14)).isoformat()
    prefix = f"actie-{goal.pk}"
    post = client.post(
        url("plan-action-add", case.family, goal_id=goal.pk),
        {
            f"{prefix}-description": "Afspraak schuldhulp maken",
            f"{prefix}-owner": "moeder",
            f"{prefix}-due_on": due,
        },
    )
    assert post.status_code == 302
    post = client.post(
        url("plan-action-add", case.family, goal_id=goal.pk),
        {
            f"{prefix}-description": "Overleg met school",
            f"{prefix}-owner_worker": regisseur.pk,
            f"{prefix}-due_on": due,
        },
    )
    assert post.status_code == 302
    mother, worker = goal.actions.order_by("id")
    assert (mother.owner, mother.owner_worker, mother.due_on.isoformat()) == ("moeder", None, due)
    assert (worker.owner, worker.owner_worker) == ("Sanne Bakker", regisseur)

    # neither, both, or a worker of another team: refused, with the typed text kept
    for data in (
        {f"{prefix}-owner": ""},
        {f"{prefix}-owner": "vader", f"{prefix}-owner_worker": regisseur.pk},
    ):
        response = client.post(
            url("plan-action-add", case.family, goal_id=goal.pk),
            {f"{prefix}-description": "Nog een actie", f"{prefix}-due_on": due, **data},
        )
        assert response.status_code == 400
        assert "Nog een actie" in response.content.decode()
    outsider = WorkerFactory()
    with pytest.raises(ValidationError, match="team van deze casus"):
        services.add_action(goal=goal, description="x", owner_worker=outsider, due_on=today())
    assert goal.actions.count() == 2

    assert client.post(url("plan-action-done", case.family, action_id=mother.pk)).status_code == 302
    mother.refresh_from_db()
    assert mother.done_on == today()


def test_agreeing_the_plan_needs_a_goal_and_clears_no_plan(
    login, regisseur, case, plan, django_capture_on_commit_callbacks
):
    sweep(today(), case_ids=[case.pk])
    assert unresolved("NO_PLAN") == {case.pk}
    client = login(regisseur)
    response = client.post(
        url("plan-agree", case.family), {"afspraak-agreed_on": today().isoformat()}
    )
    assert response.status_code == 400
    assert "ten minste één doel" in response.content.decode()
    services.add_goal(
        plan=plan, text="Doel", explanation_ids=[case.analyses.get().explanations.first().pk]
    )
    with django_capture_on_commit_callbacks(execute=True):  # the rulebook re-judges the case
        response = client.post(
            url("plan-agree", case.family), {"afspraak-agreed_on": today().isoformat()}
        )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.agreed_on == today()
    assert unresolved("NO_PLAN") == set()


def test_an_agreement_is_not_dated_in_the_future(case, plan):
    services.add_goal(
        plan=plan, text="Doel", explanation_ids=[case.analyses.get().explanations.first().pk]
    )
    with pytest.raises(ValidationError, match="toekomst"):
        services.agree_plan(plan=plan, agreed_on=today() + dt.timedelta(days=1))


# --- evaluations ----------------------------------------------------------------------------------


def test_an_evaluation_is_planned_and_recorded(
    login, regisseur, case, plan, django_capture_on_commit_callbacks
):
    client = login(regisseur)
    planned = today() + dt.timedelta(days=42)
    post = client.post(
        url("plan-evaluation-add", case.family), {"evaluatie-planned_on": planned.isoformat()}
    )
    assert post.status_code == 302
    evaluation = plan.evaluations.get()
    assert (evaluation.planned_on, evaluation.held_on) == (planned, None)

    prefix = f"evaluatie-{evaluation.pk}"
    next_date = today() + dt.timedelta(days=90)
    with django_capture_on_commit_callbacks(execute=True):
        post = client.post(
            url("plan-evaluation-record", case.family, evaluation_id=evaluation.pk),
            {
                f"{prefix}-held_on": today().isoformat(),
                f"{prefix}-notes": "Noor gaat weer drie dagen naar school; schuldhulp loopt.",
                f"{prefix}-outcome": "continue",
                f"{prefix}-next_planned_on": next_date.isoformat(),
            },
        )
    assert post.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.held_on == today()
    assert evaluation.notes.startswith("Noor gaat weer")
    assert plan.evaluations.filter(held_on__isnull=True).get().planned_on == next_date


def test_recording_an_overdue_evaluation_resolves_its_flag(case, plan):
    overdue = EvaluationFactory(plan=plan, planned_on=today() - dt.timedelta(days=30))
    sweep(today(), case_ids=[case.pk])
    assert unresolved("PLAN_EVALUATION_OVERDUE") == {case.pk}
    services.record_evaluation(evaluation=overdue, held_on=today(), notes="Besproken met het gezin")
    sweep(today(), case_ids=[case.pk])
    assert unresolved("PLAN_EVALUATION_OVERDUE") == set()


def test_an_evaluation_needs_a_summary_and_a_date_not_in_the_future(case, plan):
    evaluation = EvaluationFactory(plan=plan, planned_on=today())
    with pytest.raises(ValidationError, match="Vat samen"):
        services.record_evaluation(evaluation=evaluation, held_on=today(), notes=" ")
    with pytest.raises(ValidationError, match="toekomst"):
        services.record_evaluation(
            evaluation=evaluation, held_on=today() + dt.timedelta(days=1), notes="Goed gesprek"
        )
    with pytest.raises(ValidationError, match="vandaag of later"):
        services.plan_evaluation(plan=plan, planned_on=today() - dt.timedelta(days=1))
    evaluation.refresh_from_db()
    assert evaluation.held_on is None


# --- perspective plans ----------------------------------------------------------------------------


def test_a_perspective_plan_for_a_youth_of_16(login, regisseur, case, family):
    sixteen = YouthFactory(family=family, name="Daan de Jong", birth_date=years_ago(16, days=30))
    ReferralFactory(
        case=case,
        youth=sixteen,
        product=ProductFactory(code="AMB-SPEC", specialist=True),
        status=Status.STARTED,
        sent_on=opened_plus(10),
        answered_on=opened_plus(12),
        started_on=opened_plus(20),
    )
    sweep(today(), case_ids=[case.pk])
    assert unresolved("PERSPECTIVE_PLAN_16") == {sixteen.pk}
    client = login(regisseur)
    page = client.get(url("plan-editor", case.family)).content.decode()
    assert "begin het toekomstplan voor de overgang 18-/18+" in page

    post = client.post(
        url("plan-perspective-add", case.family),
        {
            "perspectief-youth": sixteen.pk,
            "perspectief-kind": "transition_18",
            "perspectief-started_on": today().isoformat(),
            "perspectief-notes": "Wonen, werk en geld na 18 met Daan bespreken",
        },
    )
    assert post.status_code == 302
    perspective = PerspectivePlan.objects.get(youth=sixteen)
    assert (perspective.kind, perspective.status, perspective.case) == (
        "transition_18",
        "draft",
        case,
    )
    sweep(today(), case_ids=[case.pk])
    assert unresolved("PERSPECTIVE_PLAN_16") == set()

    agree = url("plan-perspective-agree", case.family, perspective_id=perspective.pk)
    assert client.post(agree).status_code == 400  # its parts are not written yet
    services.change_perspective_plan(
        perspective=perspective,
        parts={part: services.PartInput(not_applicable=True) for part in PerspectivePart.values},
    )
    assert client.post(agree).status_code == 302
    perspective.refresh_from_db()
    assert perspective.status == "agreed"


def opened_plus(days: int) -> dt.date:
    return dt.date(2026, 1, 5) + dt.timedelta(days=days)


def test_the_transition_plan_starts_at_16(case, family):
    fifteen = YouthFactory(family=family, birth_date=years_ago(15, days=200))
    with pytest.raises(ValidationError, match="vanaf 16 jaar"):
        services.add_perspective_plan(case=case, youth=fifteen, kind="transition_18")
    # a plan for returning home after a placement has no age
    services.add_perspective_plan(case=case, youth=fifteen, kind="return_home")
    with pytest.raises(ValidationError, match="al een perspectiefplan"):
        services.add_perspective_plan(case=case, youth=fifteen, kind="return_home")


def test_a_youth_of_another_family_gets_no_perspective_plan(case, foreign_case):
    stranger = YouthFactory(family=foreign_case.family, birth_date=years_ago(17))
    with pytest.raises(ValidationError, match="hoort niet bij het gezin"):
        services.add_perspective_plan(case=case, youth=stranger, kind="transition_18")


# --- scope and the access log ---------------------------------------------------------------------


def test_out_of_scope_is_a_404(client, login, case, plan, other_team_worker, policy_worker):
    for user in (other_team_worker, policy_worker):
        assert login(user, on=client).get(url("plan-editor", case.family)).status_code == 404
    response = login(other_team_worker, on=client).post(
        url("plan-evaluation-add", case.family), {"evaluatie-planned_on": today().isoformat()}
    )
    assert response.status_code == 404
    assert not Evaluation.objects.exists()


def test_a_goal_of_another_family_is_not_found(login, regisseur, case, plan, foreign_case):
    other_plan = PlanFactory(case=foreign_case)
    goal = Goal.objects.create(plan=other_plan, text="Ander gezin")
    response = login(regisseur).post(url("plan-goal-delete", case.family, goal_id=goal.pk))
    assert response.status_code == 404
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_reading_and_changing_write_the_access_log(login, regisseur, case, youth, plan):
    client = login(regisseur)
    before = AccessLogEntry.objects.count()
    assert client.get(url("plan-editor", case.family)).status_code == 200
    post = client.post(
        url("plan-evaluation-add", case.family), {"evaluatie-planned_on": today().isoformat()}
    )
    assert post.status_code == 302
    entries = list(AccessLogEntry.objects.order_by("id")[before:])
    assert [(e.action, e.object_type, e.object_ref) for e in entries] == [
        (AccessAction.READ, "plan", str(plan.pk)),
        (AccessAction.READ, "youth", youth.ref),
        (AccessAction.CHANGE, "evaluation", str(plan.evaluations.get().pk)),
    ]
    assert {e.family_ref for e in entries} == {case.family.ref}
    assert all(e.actor.startswith(regisseur.ref) and e.purpose for e in entries)


# --- queries --------------------------------------------------------------------------------------

# session, user, OTP device, roles; the family with its youths and cases; the permission; the
# plan with goals, their explanations and actions, evaluations; the current analysis's
# explanations; the team's workers; perspective plans; the providers' progress on the goals;
# open flags; the access log (the entries, the chain's seal); the menu's count of unread
# meldingen; saving the session
EDITOR_QUERIES = 24


def _editor_queries(client, family) -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("plan-editor", family)).status_code == 200
    return queries


def test_the_editor_has_a_constant_number_of_queries(login, regisseur, case, youth, plan):
    explanations = list(case.analyses.get().explanations.values_list("pk", flat=True))

    def goal_with_action(n: int) -> None:
        goal = services.add_goal(plan=plan, text=f"Doel {n}", explanation_ids=explanations)
        services.add_action(goal=goal, description=f"Actie {n}", owner="moeder", due_on=today())
        services.add_action(
            goal=goal, description=f"Actie {n}b", owner_worker=regisseur, due_on=today()
        )
        services.plan_evaluation(plan=plan, planned_on=today() + dt.timedelta(days=n))

    goal_with_action(1)
    services.add_perspective_plan(case=case, youth=youth, kind="return_home")
    client = login(regisseur)
    client.get(url("plan-editor", case.family))  # warm up (session, content types)
    small = _editor_queries(client, case.family)
    for n in range(2, 6):
        goal_with_action(n)
    YouthFactory(family=case.family)
    assert Goal.objects.filter(plan=plan).count() == 5 and Action.objects.count() == 10
    large = _editor_queries(client, case.family)
    assert len(large) == len(small), "\n".join(q["sql"][:160] for q in large.captured_queries)
    assert len(small) == EDITOR_QUERIES, "\n".join(q["sql"][:160] for q in small.captured_queries)


def test_the_editing_page_meets_the_accessibility_basics(login, regisseur, case, youth, plan):
    from tests.casusregie.test_accessibility import PageAudit

    explanation = case.analyses.get().explanations.first()
    goal = services.add_goal(plan=plan, text="Doel", explanation_ids=[explanation.pk])
    services.add_action(goal=goal, description="Actie", owner="moeder", due_on=today())
    services.plan_evaluation(plan=plan, planned_on=today())
    services.add_perspective_plan(case=case, youth=youth, kind="return_home")
    response = login(regisseur).get(url("plan-editor", case.family))
    audit = PageAudit()
    audit.feed(response.content.decode())
    assert audit.lang == "nl" and audit.h1 == 1
    assert {"main", "header", "footer", "nav"} <= set(audit.landmarks)
    for field in audit.fields:
        assert field.get("id") in audit.labels or field["_in_label"], field
    assert all(audit.buttons)
    assert "style=" not in response.content.decode()  # the Content-Security-Policy forbids it
