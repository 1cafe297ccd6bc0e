"""Issue 16 in a real browser: a regisseur records that a youth has been at home for four
months (the rulebook flags it on commit), then closes the case with a warme overdracht; the
closed case stays readable without edit forms. Screenshots in test-results/."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from casusregie.models import Case, CloseReason, Worker
from flags.models import Flag
from tests.e2e.login import log_in_as
from tests.factories import CaseFactory, FamilyFactory, RegisseurPeriodFactory, YouthFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_a_regisseur_records_a_youth_at_home_and_closes_the_case(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    anna = Worker.objects.get(username="anna")
    today = timezone.localdate()
    family = FamilyFactory(municipality=anna.local_team.municipalities.first())
    case = CaseFactory(
        family=family, local_team=anna.local_team, opened_on=today - dt.timedelta(days=300)
    )
    RegisseurPeriodFactory(case=case, worker=anna, from_date=case.opened_on)
    youth = YouthFactory(family=family, name="Milan Bakker", birth_date=dt.date(2012, 4, 2))
    log_in_as(page, "anna")
    page.goto(f"/gezinnen/{family.ref}/")

    # Onderwijs: a BRIN code of the wrong shape is refused next to the field, nothing lost
    section = page.locator("section", has=page.get_by_role("heading", name="Onderwijs"))
    section.locator("summary", has_text="Onderwijs van Milan Bakker vastleggen").click()
    section.get_by_label("Status").select_option(label="Ingeschreven, thuis")
    home_since = today - dt.timedelta(days=125)
    section.get_by_label("Vanaf").fill(home_since.isoformat())
    section.get_by_label("School", exact=True).fill("Wolfert Lyceum")
    section.get_by_label("BRIN-code").fill("A1B2")
    section.get_by_label("Soort onderwijs").select_option(label="Regulier onderwijs")
    section.get_by_label("Leerplichtambtenaar").fill("Fatima El Amrani")
    section.get_by_label("Telefoon leerplicht").fill("010-4981234")
    section.get_by_role("button", name="Periode vastleggen").click()
    expect(page.get_by_text(re.compile("Een BRIN-code heeft 4 tekens")).first).to_be_visible()
    section = page.locator("section", has=page.get_by_role("heading", name="Onderwijs"))
    expect(section.get_by_label("School", exact=True)).to_have_value("Wolfert Lyceum")
    screenshot("education-brin-refused")
    section.get_by_label("BRIN-code").fill("20BC")
    section.get_by_role("button", name="Periode vastleggen").click()
    expect(page.get_by_text("De onderwijsperiode is vastgelegd.")).to_be_visible()

    # The rulebook re-judged the case on commit: THUISZITTER_3M, a violation
    flag = Flag.objects.get(rule="THUISZITTER_3M", subject_id=youth.pk)
    assert flag.severity == "violation" and flag.resolved_on is None
    page.reload()
    expect(page.get_by_text("Thuiszitter langer dan drie maanden")).to_be_visible()
    expect(page.get_by_text("BRIN 20BC")).to_be_visible()
    screenshot("education-youth-at-home")

    # Afsluiten: doelen bereikt, warme overdracht to the basis
    page.locator("summary", has_text="Casus afsluiten (warme overdracht)").click()
    closing = page.locator("section", has=page.get_by_role("heading", name="Casus afsluiten"))
    closing.get_by_label("Reden van afsluiten").select_option(value=CloseReason.GOALS_REACHED)
    closing.get_by_label("Warme overdracht aan").fill("Buurthuis De Esch, jongerenwerker Sem")
    closing.get_by_label("Gesloten op").fill(today.isoformat())
    screenshot("case-closing-form")
    closing.get_by_role("button", name="Casus afsluiten").click()
    expect(page.get_by_text("De casus is gesloten.")).to_be_visible()
    expect(page.get_by_role("heading", name="Casus gesloten")).to_be_visible()
    expect(page.get_by_text("Buurthuis De Esch, jongerenwerker Sem", exact=True)).to_be_visible()
    expect(page.get_by_text("Periode vastleggen")).to_have_count(0)
    screenshot("case-closed-read-only")

    case.refresh_from_db()
    assert case.close_reason == CloseReason.GOALS_REACHED and not case.is_open
    flag.refresh_from_db()
    assert flag.resolution == "case_closed"
    assert Case.objects.filter(family=family).count() == 1
    assert not [e for e in page.console_errors if not e.startswith("Failed to load resource")]
