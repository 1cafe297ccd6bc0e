"""In a real browser, on the demo data: the regisseur opens the plan as the family sees it from
the plan editor, on screen and as printed (print media), and downloads its PDF. Screenshots in
test-results/."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from analyses import services as analyses
from casusregie import services as casusregie
from casusregie.models import Family, Worker
from plans import services as plans
from plans.models import EvaluationOutcome, GoalStatus
from tests.analyses.test_editor import draft_with
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def family_with_plan(regisseur: Worker) -> Family:
    """A family the regisseur registers, with an established analysis and an agreed plan: a
    goal reached, one open with an action, an evaluation held with its outcome."""
    today = timezone.localdate()
    family = casusregie.register_family(
        by=regisseur,
        municipality=regisseur.local_team.municipalities.first(),
        carers=[casusregie.Person(name="Ilse Veldhuis", birth_date=None)],
        youths=[casusregie.Person(name="Sara Veldhuis", birth_date=dt.date(2011, 5, 17))],
    )
    case = family.cases.get()
    case.opened_on = today - dt.timedelta(days=60)
    case.save(update_fields=["opened_on"])
    analysis = analyses.establish_analysis(analysis=draft_with(case, explanations=2, findings=3))
    first, second = analysis.explanations.all()
    plan = plans.start_plan(case=case)
    school = plans.add_goal(
        plan=plan, text="Sara gaat elke dag naar school", explanation_ids=[first.pk]
    )
    money = plans.add_goal(
        plan=plan, text="Moeder heeft overzicht over de schulden", explanation_ids=[second.pk]
    )
    plans.add_action(
        goal=money, description="Aanmelden bij schuldhulp", owner="moeder", due_on=today
    )
    plans.set_goal_status(goal=school, status=GoalStatus.REACHED, by=regisseur)
    plans.agree_plan(plan=plan, agreed_on=today)
    evaluation = plans.plan_evaluation(plan=plan, planned_on=today)
    plans.record_evaluation(
        evaluation=evaluation,
        held_on=today,
        notes="Sara gaat weer; de hulp kan minder.",
        outcome=EvaluationOutcome.SCALE_DOWN,
        by=regisseur,
    )
    return family


def test_the_regisseur_prints_the_plan_for_the_family_meeting(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    family = family_with_plan(Worker.objects.get(username="anna"))
    log_in_as(page, "anna")
    page.goto(f"/gezinnen/{family.ref}/plan/")
    page.get_by_role("link", name="Plan en analyse afdrukken voor het gezinsgesprek").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Plan en verklarende analyse van gezin {family.ref}"
    )
    expect(page.get_by_role("heading", name="Verklarende analyse", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Doelen en acties", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Terug naar het plan")).to_be_visible()
    screenshot("plan-document")

    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Terug naar het plan")).to_be_hidden()
    screenshot("plan-document-print")
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="Als PDF downloaden").click()
    pdf = download.value
    assert pdf.suggested_filename == f"plan-{family.ref}.pdf"
    with open(pdf.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
