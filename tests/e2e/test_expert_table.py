"""In a real browser, on the demo data: a regisseur brings a case to the Regionale Experttafel,
the chair plans a session and records a tailored arrangement (maatwerk), and the regisseur
sends the resulting referral in one step. Screenshots in ``test-results/expert-table-*.png``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef
from django.utils import timezone
from playwright.sync_api import expect

from casusregie.models import Case
from escalations.models import Escalation, TableSession
from referrals.lifecycle import Status
from referrals.models import Referral, ReferralEvent
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def second_page(browser, live_server):
    """A second browser (its own cookies): the chair, while the regisseur stays logged in."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 900}, locale="nl-NL"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def annas_case() -> Case:
    """An open case of anna with an established analysis and nothing open at the table."""
    open_escalation = Escalation.objects.filter(case=OuterRef("pk"), discussed_on__isnull=True)
    return (
        Case.objects.filter(
            closed_on__isnull=True,
            regisseurs__worker__username="anna",
            regisseurs__until__isnull=True,
            analyses__is_current=True,
            analyses__status="established",
        )
        .exclude(Exists(open_escalation))
        .order_by("ref")
        .first()
    )


def test_escalate_decide_maatwerk_and_send_the_referral(page, second_page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    case = annas_case()
    family = case.family.ref
    csp = "Content Security Policy"

    # 1. The regisseur brings the case to the table from the family page.
    regisseur = page
    log_in_as(regisseur, "anna")
    regisseur.goto(f"/gezinnen/{family}/")
    regisseur.get_by_role("link", name="Regionale Experttafel: aanmelden en besluiten").click()
    expect(regisseur.get_by_role("heading", level=1)).to_contain_text("Regionale Experttafel")
    regisseur.get_by_label("Vraag aan de experttafel").fill(
        "Geen passend aanbod: school en zorg lopen langs elkaar heen. Wat kan wel?"
    )
    regisseur.get_by_label("Wat is al geprobeerd?").fill("Ambulante begeleiding; overleg school.")
    declined = regisseur.locator("input[name='declined_referrals']")
    if declined.count():
        declined.first.check()
    consent = regisseur.get_by_label("Het gezin geeft toestemming")
    if consent.count():  # asked while the family's consent for the table is not in force
        consent.check()
    regisseur.get_by_role("button", name="Aanmelden").click()
    expect(
        regisseur.get_by_text("De casus is aangemeld bij de Regionale Experttafel.")
    ).to_be_visible()
    escalation = Escalation.objects.get(case=case, discussed_on__isnull=True)
    screenshot("expert-table-1-escalated")

    # 2. The chair plans a session, puts the escalation on its agenda, records maatwerk.
    chair = second_page
    log_in_as(chair, "fatima")
    chair.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Experttafel"
    ).click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Wachtrij Regionale Experttafel")
    expect(chair.locator(f"#aanmelding-{escalation.ref}")).to_contain_text("Geen passend aanbod")
    chair.get_by_role("navigation", name="Tafels van de regio").get_by_role(
        "link", name="Zittingen"
    ).click()
    chair.get_by_label("Datum van de zitting").fill(timezone.localdate().isoformat())
    chair.get_by_label("Begint om").fill("13:00")
    chair.get_by_label("Eindigt om").fill("14:30")
    chair.get_by_label("Plaats").fill("Stadskantoor, zaal 5")
    chair.get_by_label("Eva de Boer").check()
    chair.get_by_role("button", name="Zitting plannen").click()
    expect(chair.get_by_text("De zitting is gepland.")).to_be_visible()
    session = TableSession.objects.get(held_on=timezone.localdate(), planned_by__username="fatima")
    chair.get_by_role("navigation", name="Tafels van de regio").get_by_role(
        "link", name="Wachtrij"
    ).click()
    item = chair.locator(f"#aanmelding-{escalation.ref}")
    item.get_by_label("Zitting").select_option(session.ref)
    item.get_by_role("button", name="Op de agenda zetten").click()
    expect(chair.get_by_text(f"Aanmelding {escalation.ref} staat op de agenda")).to_be_visible()
    screenshot_page(chair, "expert-table-2-queue")
    chair.goto(f"/experttafel/zittingen/{session.ref}/")
    item = chair.locator(f"#aanmelding-{escalation.ref}")
    item.get_by_label("Maatwerkarrangement").check()
    item.get_by_label("Advies, afspraken of redenen").fill(
        "Onderwijs-zorgarrangement op maat: twee dagdelen school, drie dagdelen zorg."
    )
    # the product with the name of the region's own segment (lot D in the demo region)
    item.get_by_label("Product (bij maatwerk of plaatsing)").select_option(
        label="Onderwijs-zorgarrangement (D Steun, hulp of behandeling overdag)"
    )
    item.get_by_label("De Schakel Onderwijszorg").check()
    item.get_by_role("button", name="Besluit vastleggen").click()
    expect(chair.get_by_text("is vastgelegd en gaat naar de regisseur")).to_be_visible()
    escalation.refresh_from_db()
    assert escalation.discussed_on == timezone.localdate()
    screenshot_page(chair, "expert-table-3-decision")
    assert not [e for e in chair.console_errors if csp in e]

    # 3. The decision reaches the regisseur, who sends the maatwerk referral in one step.
    regisseur.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Aanmeldingen experttafel"
    ).click()
    item = regisseur.locator(f"#aanmelding-{escalation.ref}")
    expect(item).to_contain_text("Maatwerkarrangement")
    item.locator("input[type='radio']").first.check()
    item.get_by_label("Hulpvraag voor de aanbieder").fill("Graag starten na de herfstvakantie.")
    item.get_by_role("button", name="Verwijzing verzenden").click()
    expect(
        regisseur.get_by_text("De maatwerkverwijzing is verzonden naar De Schakel Onderwijszorg.")
    ).to_be_visible()
    referral = Referral.objects.get(
        case=case,
        provider__name="De Schakel Onderwijszorg",
        status=Status.SENT,
        product__code="OZA",
    )
    assert ReferralEvent.objects.get(referral=referral, to_status=Status.DRAFT).data == {
        "tailored_decision": escalation.ref
    }
    screenshot("expert-table-4-referral-sent")
    assert not [e for e in regisseur.console_errors if csp in e]


def screenshot_page(page, name: str) -> None:
    from .conftest import RESULTS

    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)
