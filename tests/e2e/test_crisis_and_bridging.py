"""Issue 15 in a real browser: the crisis route sent from the wizard without an established
analysis, and bridging support recorded on the family page while the referral waits; issue 18:
the family's consent ticked in the wizard and shown as shared on the referral. Screenshots in
test-results/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casusregie.models import Role
from referrals.models import Referral
from tests.e2e.login import code_for, log_in
from tests.factories import (
    CaseFactory,
    ContractFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    ProductFactory,
    ProviderFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    SegmentFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "e2e-crisis-2026"  # noqa: S105 - a test account's password
KEY = "3132333435363738393031323334353637383930"


@pytest.fixture
def world():
    region = RegionFactory(code="rijnmond", name="Rijnmond")
    municipality = MunicipalityFactory(code="GM0599", name="Rotterdam", region=region)
    team = LocalTeamFactory(name="Wijkteam Noord", municipalities=[municipality])
    worker = WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna de Vries")
    worker.set_password(PASSWORD)
    worker.save()
    TOTPDevice.objects.create(user=worker, name="e2e", key=KEY, confirmed=True)
    case = CaseFactory(
        family=FamilyFactory(municipality=municipality),
        local_team=team,
        opened_on=dt.date(2026, 11, 20),
    )
    RegisseurPeriodFactory(case=case, worker=worker)
    youth = YouthFactory(family=case.family, name="Sara Veldhuis")
    crisis = ProductFactory(
        code="CRISIS-THUIS",
        name="Crisishulp thuis",
        segment=SegmentFactory(region=region, code="crisis", name="Crisis"),
        crisis=True,
        ijw_category="45",
    )
    ambulant = ProductFactory(
        code="AMB-SPEC",
        name="Specialistische ambulante jeugdhulp",
        segment=SegmentFactory(region=region, code="ambulant", name="Ambulant"),
        ijw_category="45",
    )
    provider = ProviderFactory(name="Crisisdienst Rijnmond")
    ContractFactory(provider=provider, product=crisis, municipalities=[municipality])
    ContractFactory(provider=provider, product=ambulant, municipalities=[municipality])
    return worker, case, youth


def test_crisis_care_is_sent_at_once_and_bridging_is_recorded_on_the_family_page(
    page, screenshot, world
):
    worker, case, youth = world  # the case has no analysis at all
    log_in(page, worker.username, PASSWORD, lambda: code_for(KEY))
    page.goto(f"/gezinnen/{case.family.ref}/")
    page.get_by_role("link", name="Verwijzen naar specialistische zorg").click()

    # the crisis route is on the page at once, before any product or segment is chosen
    crisis = page.locator("section.crisis")
    expect(crisis.get_by_role("heading", name="Crisis: direct verwijzen")).to_be_visible()
    expect(
        crisis.get_by_text(re.compile("zonder vastgestelde verklarende analyse"))
    ).to_be_visible()
    expect(crisis.get_by_text(re.compile("CRISIS_ANALYSIS_OVERDUE"))).to_be_visible()
    proposal = crisis.locator(".crisis-proposals > li").first
    expect(proposal).to_contain_text("Crisisdienst Rijnmond — Crisishulp thuis")
    expect(proposal).not_to_contain_text("Specialistische ambulante jeugdhulp")
    proposal.get_by_label("Jeugdige").select_option(label="Sara Veldhuis")
    proposal.get_by_label("Hulpvraag voor de aanbieder").fill("Acute zorgen thuis, vannacht.")
    # the family's consent, asked per referral (issue 18): the analysis, and the contact details
    proposal.get_by_label(re.compile("verklarende analyse en de doelen van het plan")).check()
    proposal.get_by_label(re.compile("toestemming om zijn contactgegevens")).check()
    screenshot("wizard-crisis-route")
    proposal.get_by_role("button", name="Verzenden aan Crisisdienst Rijnmond").click()
    expect(
        page.get_by_text("De verwijzing naar Crisisdienst Rijnmond is verzonden.")
    ).to_be_visible()
    expect(
        page.get_by_text(re.compile("Crisiszorg is verzonden zonder vastgestelde"))
    ).to_be_visible()
    referral = Referral.objects.get(case=case)
    assert (referral.status, referral.product.code, referral.youth) == (
        "sent",
        "CRISIS-THUIS",
        youth,
    )

    # the family page: what was shared with the provider, since today
    item = page.locator(f"#verwijzing-{referral.ref}")
    sharing = item.locator(".sharing")
    expect(sharing).to_contain_text("Gedeeld met de aanbieder")
    expect(sharing.locator(".shared")).to_have_count(2)
    expect(sharing.locator(".shared").first).to_contain_text("gedeeld sinds")
    assert sorted(c.purpose for c in case.consents.all()) == ["share_analysis", "share_contact"]

    # the waiting referral has no bridging yet; record it there
    expect(item.get_by_text("Nog geen overbrugging tijdens het wachten.")).to_be_visible()
    item.get_by_text("Overbrugging vastleggen", exact=True).first.click()
    yesterday = (referral.sent_on - dt.timedelta(days=1)).isoformat()
    item.get_by_label("Overbrugging: wat").fill("Dagelijks contact met het crisisteam")
    item.get_by_label("Door wie").fill("Wijkteam Noord")
    item.get_by_label("Vanaf").fill(yesterday)
    item.get_by_role("button", name="Overbrugging vastleggen").click()
    item = page.locator(f"#verwijzing-{referral.ref}")
    expect(item.get_by_text(re.compile("begint niet vóór"))).to_be_visible()  # Dutch, no 500
    item.get_by_label("Vanaf").fill(referral.sent_on.isoformat())
    item.get_by_role("button", name="Overbrugging vastleggen").click()
    expect(page.get_by_text(re.compile("De overbrugging bij de verwijzing naar"))).to_be_visible()
    item = page.locator(f"#verwijzing-{referral.ref}")
    expect(item.locator(".bridging")).to_contain_text("Dagelijks contact met het crisisteam")
    expect(item.locator(".bridging")).to_contain_text("door Wijkteam Noord")
    screenshot("family-page-bridging")
    referral.refresh_from_db()
    assert referral.bridging_from == referral.sent_on
    assert referral.bridging_by == "Wijkteam Noord"
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
