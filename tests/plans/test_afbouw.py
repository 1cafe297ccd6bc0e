"""Afbouw made visible: a goal's status (open, behaald, gestopt) and a held evaluation's outcome
(doorgaan, afschalen, stoppen, opschalen/escaleren), set by the current regisseur only, held by
the database's check constraints; an evaluation past its date and not held is "te laat"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from casusregie.models import Role
from plans import services
from plans.models import Evaluation, EvaluationOutcome, Goal, GoalStatus
from tests.factories import EvaluationFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def url(name: str, family, **kwargs) -> str:
    return reverse(name, kwargs={"ref": family.ref, **kwargs})


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def plan(case):
    from tests.analyses.test_editor import established

    established(case, explanations=2)
    return services.start_plan(case=case)


@pytest.fixture
def goal(plan):
    explanation = plan.case.analyses.get().explanations.first()
    return services.add_goal(
        plan=plan, text="Noor gaat elke dag naar school", explanation_ids=[explanation.pk]
    )


@pytest.fixture
def colleague(team):
    """A regisseur of the same team who is not this case's regisseur."""
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Kees Jansen")


def held(plan) -> Evaluation:
    evaluation = services.plan_evaluation(plan=plan, planned_on=today())
    return services.record_evaluation(
        evaluation=evaluation, held_on=today(), notes="Besproken met het gezin"
    )


# --- the goal's status ----------------------------------------------------------------------------


def test_a_new_goal_is_open(goal):
    assert goal.status == GoalStatus.OPEN


@pytest.mark.parametrize("status", [GoalStatus.REACHED, GoalStatus.STOPPED, GoalStatus.OPEN])
def test_the_regisseur_sets_a_goals_status(goal, regisseur, status):
    services.set_goal_status(goal=goal, status=status, by=regisseur)
    goal.refresh_from_db()
    assert goal.status == status


def test_only_the_current_regisseur_sets_a_goals_status(goal, colleague):
    with pytest.raises(ValidationError, match="huidige regisseur"):
        services.set_goal_status(goal=goal, status=GoalStatus.REACHED, by=colleague)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.OPEN


def test_an_unknown_status_is_refused_by_the_service_and_the_database(goal, regisseur):
    with pytest.raises(ValidationError, match="open, behaald of gestopt"):
        services.set_goal_status(goal=goal, status="halfway", by=regisseur)
    with pytest.raises(IntegrityError, match="goal_status_known"), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(status="halfway")


def test_a_goals_status_change_is_in_its_history(goal, regisseur):
    services.set_goal_status(goal=goal, status=GoalStatus.REACHED, by=regisseur)
    events = Goal.pgh_event_model.objects.filter(pgh_obj=goal).order_by("pgh_id")
    assert [e.status for e in events] == [GoalStatus.OPEN, GoalStatus.REACHED]


# --- the evaluation's outcome ---------------------------------------------------------------------


def test_recording_an_evaluation_with_its_outcome(plan, regisseur):
    evaluation = services.plan_evaluation(plan=plan, planned_on=today())
    services.record_evaluation(
        evaluation=evaluation,
        held_on=today(),
        notes="Het gaat beter; minder hulp nodig",
        outcome=EvaluationOutcome.SCALE_DOWN,
        by=regisseur,
    )
    evaluation.refresh_from_db()
    assert evaluation.outcome == EvaluationOutcome.SCALE_DOWN
    assert evaluation.get_outcome_display() == "Afschalen"


@pytest.mark.parametrize("outcome", EvaluationOutcome.values)
def test_the_regisseur_sets_a_held_evaluations_outcome(plan, regisseur, outcome):
    evaluation = held(plan)
    services.set_evaluation_outcome(evaluation=evaluation, outcome=outcome, by=regisseur)
    evaluation.refresh_from_db()
    assert evaluation.outcome == outcome


def test_only_the_current_regisseur_sets_an_outcome(plan, colleague):
    evaluation = held(plan)
    with pytest.raises(ValidationError, match="huidige regisseur"):
        services.set_evaluation_outcome(
            evaluation=evaluation, outcome=EvaluationOutcome.STOP, by=colleague
        )
    evaluation_to_record = services.plan_evaluation(plan=plan, planned_on=today())
    with pytest.raises(ValidationError, match="huidige regisseur"):
        services.record_evaluation(
            evaluation=evaluation_to_record,
            held_on=today(),
            notes="Besproken",
            outcome=EvaluationOutcome.STOP,
            by=colleague,
        )
    evaluation_to_record.refresh_from_db()
    assert evaluation_to_record.held_on is None  # refused as a whole


def test_an_evaluation_not_held_has_no_outcome(plan, regisseur):
    evaluation = services.plan_evaluation(plan=plan, planned_on=today())
    with pytest.raises(ValidationError, match="als ze is gehouden"):
        services.set_evaluation_outcome(
            evaluation=evaluation, outcome=EvaluationOutcome.CONTINUE, by=regisseur
        )
    with pytest.raises(IntegrityError, match="evaluation_outcome_when_held"), transaction.atomic():
        Evaluation.objects.filter(pk=evaluation.pk).update(outcome=EvaluationOutcome.CONTINUE)


def test_an_unknown_outcome_is_refused_by_the_service_and_the_database(plan, regisseur):
    evaluation = held(plan)
    with pytest.raises(ValidationError, match="doorgaan, afschalen, stoppen"):
        services.set_evaluation_outcome(evaluation=evaluation, outcome="maybe", by=regisseur)
    with pytest.raises(IntegrityError, match="evaluation_outcome_known"), transaction.atomic():
        Evaluation.objects.filter(pk=evaluation.pk).update(outcome="maybe")


# --- the editor -----------------------------------------------------------------------------------


def test_the_editor_sets_a_goals_status(login, regisseur, case, goal):
    client = login(regisseur)
    response = client.post(
        url("plan-goal-status", case.family, goal_id=goal.pk),
        {f"status-{goal.pk}-status": "reached"},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.REACHED
    page = client.get(url("plan-editor", case.family)).content.decode()
    assert "behaald" in page


def test_the_editor_says_next_to_the_field_what_is_wrong(login, regisseur, case, goal):
    response = login(regisseur).post(
        url("plan-goal-status", case.family, goal_id=goal.pk), {f"status-{goal.pk}-status": "x"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_status-{goal.pk}-status_error"' in page
    assert "Kies een status van het doel: open, behaald of gestopt." in page


def test_another_regisseur_of_the_team_is_refused_on_the_page(login, colleague, case, goal):
    response = login(colleague).post(
        url("plan-goal-status", case.family, goal_id=goal.pk),
        {f"status-{goal.pk}-status": "stopped"},
    )
    assert response.status_code == 400
    assert "Alleen de huidige regisseur of de teamleider van de casus kan dit doen." in (
        response.content.decode()
    )
    goal.refresh_from_db()
    assert goal.status == GoalStatus.OPEN


def test_recording_an_evaluation_on_the_page_needs_an_outcome(login, regisseur, case, plan):
    evaluation = services.plan_evaluation(plan=plan, planned_on=today())
    prefix = f"evaluatie-{evaluation.pk}"
    record = url("plan-evaluation-record", case.family, evaluation_id=evaluation.pk)
    client = login(regisseur)
    data = {f"{prefix}-held_on": today().isoformat(), f"{prefix}-notes": "Het gaat goed"}
    response = client.post(record, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{prefix}-outcome_error"' in page
    assert "Kies de uitkomst van de evaluatie." in page
    response = client.post(record, {**data, f"{prefix}-outcome": "stop"})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.held_on, evaluation.outcome) == (today(), EvaluationOutcome.STOP)


def test_the_editor_sets_the_outcome_of_a_held_evaluation(login, regisseur, case, plan):
    evaluation = held(plan)
    response = login(regisseur).post(
        url("plan-evaluation-outcome", case.family, evaluation_id=evaluation.pk),
        {f"uitkomst-{evaluation.pk}-outcome": "escalate"},
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.outcome == EvaluationOutcome.ESCALATE


def test_an_evaluation_past_its_date_and_not_held_is_late(login, regisseur, case, plan):
    EvaluationFactory(plan=plan, planned_on=today() - dt.timedelta(days=1))
    EvaluationFactory(plan=plan, planned_on=today())  # due today: not late
    EvaluationFactory(  # held after its date: not late
        plan=plan, planned_on=today() - dt.timedelta(days=9), held_on=today(), notes="Gedaan"
    )
    page = login(regisseur).get(url("plan-editor", case.family)).content.decode()
    assert page.count("te laat") == 1


def test_the_team_lead_of_the_case_sets_a_goals_status_too(login, case, goal):
    from casusregie.models import Role
    from tests.factories import WorkerFactory

    lead = WorkerFactory(local_team=case.local_team, roles=[Role.TEAM_LEAD])
    response = login(lead).post(
        url("plan-goal-status", case.family, goal_id=goal.pk),
        {f"status-{goal.pk}-status": "reached"},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.REACHED
