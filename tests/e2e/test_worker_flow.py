"""Issue 6 in a real browser, as a new worker would on the demo data: log in, register a family
with a youth, write and establish the analysis with the family, agree a plan, send a referral,
see a flag, and hand regie over (the new regisseur confirms). Screenshots in test-results/."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from casusregie.models import Family
from referrals.models import Contract, Referral
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def click(page, name: str, scope=None) -> None:
    (scope or page).get_by_role("button", name=name, exact=True).click()


def test_a_worker_does_garp_from_registration_to_hand_over(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    log_in_as(page, "anna")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn caseload")
    screenshot("caseload")

    # 1 Gezin: register a family with a youth and a carer
    page.get_by_role("link", name="Nieuw gezin").click()
    page.get_by_label("Gemeente").select_option(label="Rotterdam (GM0599)")
    youth = page.locator(".person").nth(0)
    youth.get_by_label("Naam").fill("Sara Veldhuis")
    youth.get_by_label("Geboortedatum").fill("2011-05-17")
    carer = page.locator("fieldset").nth(1).locator(".person").nth(0)
    carer.get_by_label("Naam").fill("Ilse Veldhuis")
    click(page, "Gezin registreren")
    expect(page.get_by_text("Het gezin is geregistreerd; u bent de regisseur.")).to_be_visible()
    family = Family.objects.get(youths__name="Sara Veldhuis")
    expect(page.get_by_text("Regisseur: Anna de Vries")).to_be_visible()

    # 1 Analyse: written with the family, then established
    page.get_by_role("link", name="Analyse starten").click()
    click(page, "Analyse beginnen")
    participants = page.locator("#deelnemers")
    participants.get_by_label("Jeugdige").check()
    participants.get_by_label("Opvoeders").check()
    click(page, "Deelnemers opslaan")
    findings = page.locator("#bevindingen")
    findings.get_by_label("Onderwijs").fill("Sara verzuimt sinds de zomer vaak.")
    findings.get_by_label("Bestaanszekerheid en schulden").fill("Moeder heeft schulden.")
    click(page, "Bevindingen opslaan")
    explanations = page.locator("#verklaringen")
    explanations.get_by_label(re.compile(r"^Verklaring\b")).fill(
        "De zorgen over geld geven spanning thuis; Sara blijft thuis om te helpen."
    )
    explanations.get_by_label(re.compile("Onderwijs:")).check()
    explanations.get_by_label(re.compile("Bestaanszekerheid en schulden:")).check()
    click(page, "Verklaring toevoegen")
    click(page, "Versie 1 vaststellen")
    expect(page.get_by_text(re.compile("Versie 1 is vastgesteld op"))).to_be_visible()

    # 1 Plan: a goal from the explanation, an action, an evaluation, agreed with the family
    page.goto(f"/gezinnen/{family.ref}/")
    page.get_by_role("link", name="Plan opstellen").click()
    click(page, "Plan beginnen")
    goals = page.locator("#doelen")
    goals.get_by_label(re.compile(r"^Doel\b")).last.fill("Sara gaat weer elke dag naar school.")
    goals.get_by_label(re.compile("De zorgen over geld")).last.check()
    click(page, "Doel toevoegen")
    goal = page.locator("#doelen article").first
    goal.locator("summary", has_text="Actie toevoegen").click()
    goal.get_by_label(re.compile(r"^Actie\b")).fill("Gesprek met school en leerplicht")
    goal.get_by_label("Of wie (naam)").fill("Anna")
    goal.get_by_label(re.compile("^Uiterlijk op")).fill("2026-12-15")
    click(page, "Actie toevoegen", goal)
    page.locator("#evaluaties").get_by_label(re.compile("^Evaluatie gepland op")).fill("2027-02-01")
    click(page, "Evaluatie plannen")
    click(page, "Plan afspreken")
    expect(page.get_by_text(re.compile("Met het gezin afgesproken op"))).to_be_visible()

    # a referral, with the routing proposals and their reasons
    page.goto(f"/gezinnen/{family.ref}/")
    page.get_by_role("link", name="Verwijzen naar specialistische zorg").click()
    page.get_by_label("Sara Veldhuis").check()
    contract = Contract.objects.filter(
        municipalities=family.municipality, product__specialist=True
    ).first()
    page.get_by_label("Product").select_option(value=str(contract.product.pk))
    click(page, "Voorstellen tonen")
    expect(page.get_by_text("Gecontracteerd voor").first).to_be_visible()
    proposal = page.locator(".proposals > li").first
    proposal.get_by_label("Hulpvraag voor de aanbieder").fill("Ondersteuning bij schoolgang.")
    proposal.get_by_role("button", name=re.compile("^Verzenden aan")).click()
    expect(page.get_by_text(re.compile("De verwijzing naar .* is verzonden"))).to_be_visible()
    assert Referral.objects.get(case__family=family).status == "sent"
    screenshot("family-page")

    # a flag: the inbox explains it and leads to the place to act
    page.get_by_role("link", name="Signalen").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn signalen")
    first = page.locator("ol.flags > li").first
    expect(
        first.get_by_role("link", name=re.compile("Naar de plek om te handelen"))
    ).to_be_visible()
    first.get_by_text("Notitie toevoegen").click()
    first.get_by_label("Wat doet u ermee?").fill("Besproken in het teamoverleg.")
    click(page, "Notitie opslaan", first)
    expect(page.get_by_text("Uw notitie staat bij het signaal.")).to_be_visible()
    screenshot("flags-inbox")

    # regie hand-over: proposed by Anna, she keeps regie until Bram confirms
    page.goto(f"/gezinnen/{family.ref}/")
    page.get_by_text("Regie overdragen").click()
    page.get_by_label("Nieuwe regisseur", exact=True).select_option(label="Bram Jansen")
    click(page, "Overdracht voorstellen")
    expect(page.get_by_text(re.compile("Overdracht aan Bram Jansen voorgesteld"))).to_be_visible()
    expect(page.get_by_text("Regisseur: Anna de Vries")).to_be_visible()
    click(page, "Uitloggen")
    log_in_as(page, "bram")
    expect(page.get_by_text("Regie aan u overgedragen")).to_be_visible()
    click(page, "Regie overnemen")
    expect(page.get_by_text("U bent nu de regisseur van dit gezin.")).to_be_visible()
    expect(page.get_by_text("Regisseur: Bram Jansen")).to_be_visible()
    screenshot("family-page-after-hand-over")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
