"""In a real browser: two-step login, the family page, the BSN shown on request (htmx), no
Content-Security-Policy violations."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from casusregie.models import AccessLogEntry, Family
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_a_regisseur_logs_in_in_two_steps_and_reveals_a_bsn(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    log_in_as(page, "anna")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Gezinnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gezinnen")
    page.locator("table a").first.click()
    expect(page.get_by_role("heading", name="Gezin", exact=True)).to_be_visible()
    family = Family.objects.get(ref=page.url.rstrip("/").rsplit("/", 1)[1])
    youth = family.youths.exclude(bsn_encrypted="").first()
    assert youth.bsn not in page.content()
    before = AccessLogEntry.objects.filter(object_type="youth_bsn").count()
    page.get_by_role("button", name=f"Toon BSN van {youth.name}").click()
    expect(page.locator(f"#bsn-{youth.ref}")).to_contain_text(youth.bsn)
    assert "/bsn/" in page.url or youth.bsn not in page.url
    assert AccessLogEntry.objects.filter(object_type="youth_bsn").count() == before + 1
    screenshot("family-page-bsn-revealed")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_a_policy_officer_finds_no_family(page):
    call_command("demo_data", stdout=io.StringIO())
    log_in_as(page, "gert")
    page.goto("/gezinnen/")
    expect(page.get_by_text("Geen gezinnen gevonden.")).to_be_visible()
    some_family = Family.objects.order_by("ref").first()
    response = page.goto(f"/gezinnen/{some_family.ref}/")
    assert response.status == 404


def test_a_family_outside_the_scope_is_a_dutch_404_inside_the_site(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    log_in_as(page, "anna")  # Wijkteam Delfshaven, Rotterdam
    elsewhere = Family.objects.filter(municipality__name="Schiedam").order_by("ref").first()
    response = page.goto(f"/gezinnen/{elsewhere.ref}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")
    assert page.locator("html").get_attribute("lang") == "nl"
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()
    assert all(carer.name not in page.content() for carer in elsewhere.carers.all())
    screenshot("family-outside-scope-404")
    page.get_by_role("link", name="Naar de startpagina").click()
    expect(page).to_have_url(re.compile(r"/mijn-caseload/$"))
