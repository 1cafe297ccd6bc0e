"""Issue 16 point 3 in a real browser: a family moves.

- To a team of another area: regisseur anna (Wijkteam Delfshaven, Rotterdam) proposes a move
  to Jeugdteam Schiedam; until it is confirmed the case stays with anna and the receiving side
  does not see the family; team lead sanne sees it under "Verhuizingen naar uw team" on her team
  page, chooses regisseur dirk and confirms. Access follows the case (docs/worker-app.md): dirk
  sees the family, anna gets a 404.
- A move proposed and withdrawn ("Verhuizing intrekken"): nothing changes.
- To another region: the family's dossier is downloaded and the export is in the access log.

Screenshots in test-results/.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from casusregie.models import AccessLogEntry, FamilyMove, RegisseurPeriod
from tests.e2e.conftest import RESULTS
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _annas_families(today, n: int = 2):
    periods = (
        RegisseurPeriod.objects.in_force(today)
        .filter(worker__username="anna", case__closed_on__isnull=True)
        .select_related("case__family")
        .order_by("case__family__ref")
    )
    return [p.case for p in periods[:n]]


def _as(browser, live_server, username: str):
    """A second user in a browser context of their own."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 900}, locale="nl-NL"
    )
    other = context.new_page()
    other.set_default_timeout(10_000)
    log_in_as(other, username)
    return context, other


def test_a_move_to_another_team_is_confirmed_by_the_receiving_team_lead(
    page, screenshot, browser, live_server
):
    call_command("demo_data", stdout=io.StringIO())
    today = timezone.localdate()
    case = _annas_families(today, 1)[0]
    family = case.family
    log_in_as(page, "anna")
    page.goto(f"/gezinnen/{family.ref}/")
    page.locator("summary", has_text="Gezin verhuist").click()
    page.get_by_label("Naar team en gemeente").select_option(label="Jeugdteam Schiedam (Schiedam)")
    page.get_by_label("Toelichting voor het ontvangende team").fill("Verhuist per 1 januari")
    page.get_by_role("button", name="Verhuizing voorstellen").click()
    expect(
        page.get_by_text("Verhuizing naar Jeugdteam Schiedam (Schiedam) voorgesteld")
    ).to_be_visible()
    screenshot("verhuizing-voorgesteld")
    move = FamilyMove.objects.get(case=case)
    assert move.is_pending

    context, sanne = _as(browser, live_server, "sanne")
    try:
        # during the hand-over the receiving team needs to know: it may open the family
        # (issue 17: casusregie.policies.team_families), while the case stays with anna's team
        assert sanne.goto(f"/gezinnen/{family.ref}/").status == 200
        sanne.goto("/team/")
        moves = sanne.locator(
            "section", has=sanne.get_by_role("heading", name="Verhuizingen naar uw team")
        )
        expect(moves).to_be_visible()
        item = moves.locator("li", has_text=family.ref)
        expect(item).to_contain_text("Verhuist per 1 januari")
        for youth in family.youths.all():  # only the ref, no names before it is theirs
            expect(item).not_to_contain_text(youth.name)
        item.get_by_label("Nieuwe regisseur").select_option(label="Dirk Visser")
        sanne.screenshot(path=str(RESULTS / "verhuizing-bevestigen-teamleider.png"), full_page=True)
        item.get_by_role("button", name="Verhuizing bevestigen").click()
        expect(sanne.get_by_role("heading", name="Verhuizingen naar uw team")).to_have_count(0)
    finally:
        context.close()

    case.refresh_from_db()
    family.refresh_from_db()
    assert (case.local_team.ref, family.municipality.name) == ("lt-schiedam", "Schiedam")
    assert RegisseurPeriod.objects.in_force(today).get(case=case).worker.username == "dirk"
    # access follows the case: anna no longer sees the family, dirk does
    assert page.goto(f"/gezinnen/{family.ref}/").status == 404
    context, dirk = _as(browser, live_server, "dirk")
    try:
        assert dirk.goto(f"/gezinnen/{family.ref}/").status == 200
        expect(dirk.get_by_role("heading", name="Gezin", exact=True)).to_be_visible()
        dirk.screenshot(
            path=str(RESULTS / "verhuizing-bevestigd-nieuwe-regisseur.png"), full_page=True
        )
    finally:
        context.close()
    assert not [e for e in page.console_errors if not e.startswith("Failed to load resource")]


def test_a_move_is_withdrawn_and_nothing_changes(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    case = _annas_families(timezone.localdate(), 2)[1]
    team = case.local_team
    log_in_as(page, "anna")
    page.goto(f"/gezinnen/{case.family.ref}/")
    page.locator("summary", has_text="Gezin verhuist").click()
    page.get_by_label("Naar team en gemeente").select_option(label="Wijkteam Noord (Rotterdam)")
    page.get_by_role("button", name="Verhuizing voorstellen").click()
    expect(page.get_by_role("button", name="Verhuizing intrekken")).to_be_visible()
    page.get_by_role("button", name="Verhuizing intrekken").click()
    expect(page.get_by_text("De verhuizing is ingetrokken.")).to_be_visible()
    expect(page.locator("summary", has_text="Gezin verhuist")).to_be_visible()
    screenshot("verhuizing-ingetrokken")
    move = FamilyMove.objects.get(case=case)
    assert move.cancelled_on == timezone.localdate() and not move.is_pending
    case.refresh_from_db()
    assert case.local_team == team
    assert page.goto(f"/gezinnen/{case.family.ref}/").status == 200


def test_a_move_to_another_region_downloads_the_family_s_dossier_and_logs_it(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    family = _annas_families(timezone.localdate(), 1)[0].family
    log_in_as(page, "anna")
    page.goto(f"/gezinnen/{family.ref}/")
    page.locator("summary", has_text="Gezin verhuist").click()
    screenshot("verhuizing-andere-regio")
    with page.expect_download() as download:
        page.get_by_role(
            "link", name="dossier van dit gezin downloaden voor de ontvangende regio"
        ).click()
    path = download.value.path()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [f["ref"] for f in doc["families"]] == [family.ref]
    entry = AccessLogEntry.objects.get(object_type="dossier")
    assert (entry.family_ref, entry.action, entry.purpose) == (
        family.ref,
        "export",
        "verhuizing naar een andere regio",
    )
    assert "anna" in entry.actor
