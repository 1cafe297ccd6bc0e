"""In a real browser, on the demo data: the chair (fatima) runs a session of the expert table
as a meeting, from invitation to decision letter — plans it with a time and a place, puts a
consented aanmelding on its agenda (the dropdown tells the day's sessions apart), invites the
mother, sets the item's time and writes its minutes, records the decision with a word for the
family, and opens the letter to the family and its PDF. Screenshots in
``test-results/table-meeting-*.png``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from escalations.models import AgendaItem, Escalation, Invitation, TableSession
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_the_chair_runs_a_session_from_invitation_to_decision_letter(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    today = timezone.localdate()
    escalation = (
        Escalation.objects.filter(
            ref__startswith="demo-e",
            discussed_on__isnull=True,
            case__closed_on__isnull=True,
            case__consents__purpose="expert_table",
        )
        .order_by("ref")
        .first()
    )
    log_in_as(page, "fatima")

    # 1. Plan the session: a date, a time and a place; the members are invited.
    page.goto("/experttafel/zittingen/")
    page.get_by_label("Datum van de zitting").fill(today.isoformat())
    page.get_by_label("Begint om").fill("14:00")
    page.get_by_label("Eindigt om").fill("15:00")
    page.get_by_label("Plaats").fill("Stadskantoor, zaal 3")
    page.get_by_label("Eva de Boer").check()
    page.get_by_role("button", name="Zitting plannen").click()
    expect(page.get_by_text("De zitting is gepland.")).to_be_visible()
    session = TableSession.objects.get(held_on=today, place="Stadskantoor, zaal 3")
    expect(page.locator("main")).to_contain_text("14:00–15:00")
    assert Invitation.objects.filter(session=session, kind="member").count() == 2

    # 2. On the agenda from the queue: the dropdown names the date, the time and the place.
    page.goto("/experttafel/")
    item = page.locator(f"#aanmelding-{escalation.ref}")
    label = f"{today:%d-%m-%Y} 14:00–15:00, Stadskantoor, zaal 3"
    item.get_by_label("Zitting").select_option(label=label)
    item.get_by_role("button", name="Op de agenda zetten").click()
    expect(page.get_by_text(f"Aanmelding {escalation.ref} staat op de agenda")).to_be_visible()
    screenshot("table-meeting-1-queue")

    # 3. The session's page: invite the mother, set the item's time, write the minutes.
    page.goto(f"/experttafel/zittingen/{session.ref}/")
    item = page.locator(f"#aanmelding-{escalation.ref}")
    item.get_by_text("Gezin, jeugdige of een ander uitnodigen").click()
    item.get_by_label("Wie").select_option("family")
    item.get_by_label("Naam").fill("Moeder van het gezin")
    item.get_by_label("E-mailadres").fill("moeder@example.org")
    item.get_by_role("button", name="Uitnodigen").click()
    expect(page.get_by_text("Moeder van het gezin is uitgenodigd")).to_be_visible()
    item = page.locator(f"#aanmelding-{escalation.ref}")
    expect(item).to_contain_text("moeder@example.org")
    item.get_by_label("Duur (minuten)").fill("30")
    item.get_by_label("Notulen").fill("Besproken met de regisseur; school schuift aan.")
    item.get_by_role("button", name="Agendapunt opslaan").click()
    expect(page.get_by_text("Het agendapunt is bijgewerkt.")).to_be_visible()
    expect(page.locator(f"#aanmelding-{escalation.ref}")).to_contain_text("14:00–14:30")
    agenda_item = AgendaItem.objects.get(session=session, escalation=escalation)
    assert agenda_item.minutes.startswith("Besproken met de regisseur")
    screenshot("table-meeting-2-session")

    # 4. The decision, with a word for the family.
    item = page.locator(f"#aanmelding-{escalation.ref}")
    item.get_by_label("Advies aan de regisseur").check()
    item.get_by_label("Advies, afspraken of redenen").fill("Betrek de school bij het plan.")
    item.get_by_label("Uitleg voor het gezin").fill("We vragen de school om mee te denken.")
    item.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_text("is vastgelegd en gaat naar de regisseur")).to_be_visible()

    # 5. The letter to the family, as a page and as a PDF.
    page.locator(f"#aanmelding-{escalation.ref}").get_by_role("link", name="aan het gezin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wat de Experttafel heeft besloten")
    expect(page.locator("main")).to_contain_text("We vragen de school om mee te denken.")
    screenshot("table-meeting-3-letter")
    with page.expect_download() as download:
        page.get_by_role("link", name="Als PDF downloaden").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
