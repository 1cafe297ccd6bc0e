"""Issue 16 point 5 in a real browser: on the family page the regisseur adds the GI (regie bij
de GI) and the huisarts, after one typo the form keeps what was typed and says what is wrong in
Dutch, and the page shows both; then corrects the huisarts' contact (a bad phone number first:
refused at the field, nothing lost) and the history keeps the old one. Screenshots in
test-results/."""

from __future__ import annotations

import io

import pghistory.models
import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from casusregie.models import InvolvedProfessional, RegisseurPeriod
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _add(section, **fields) -> None:
    section.locator("summary", has_text="Betrokkene toevoegen").click()
    form = section.locator("form", has=section.page.get_by_role("button", name="Toevoegen"))
    form.get_by_label("Rol").select_option(label=fields["role"])
    form.get_by_label("Organisatie").fill(fields["organisation"])
    form.get_by_label("Contactpersoon").fill(fields.get("contact", ""))
    form.get_by_label("Telefoon").fill(fields.get("phone", ""))
    form.get_by_label("E-mail").fill(fields.get("email", ""))
    if fields.get("regie"):
        form.get_by_label("Regie bij de GI").check()
    form.get_by_role("button", name="Toevoegen", exact=True).click()


def test_the_regisseur_adds_the_gi_and_the_huisarts(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    today = timezone.localdate()
    period = (
        RegisseurPeriod.objects.in_force(today)
        .filter(worker__username="anna", case__closed_on__isnull=True)
        .select_related("case__family")
        .order_by("case__family__ref")
        .first()
    )
    family = period.case.family
    log_in_as(page, "anna")
    page.goto(f"/gezinnen/{family.ref}/")
    section = page.locator("#betrokkenen")
    expect(section.get_by_role("heading", name="Betrokkenen")).to_be_visible()

    _add(
        section,
        role="GI jeugdbescherming",
        organisation="Jeugdbescherming west",
        contact="Fatima El Amrani",
        phone="071 888 12 34",
        regie=True,
    )
    expect(page.get_by_text("Jeugdbescherming west is vastgelegd als betrokkene.")).to_be_visible()
    expect(page.locator("#betrokkenen").get_by_text("Regie bij de GI:")).to_be_visible()

    # A typo in the e-mail address: a Dutch message at the field, nothing typed is lost.
    section = page.locator("#betrokkenen")
    _add(
        section,
        role="Huisarts",
        organisation="Huisartsenpraktijk De Linde",
        contact="dr. M. Yilmaz",
        phone="071 512 34 56",
        email="praktijk@delinde",
    )
    section = page.locator("#betrokkenen")
    form = section.locator("form", has=page.get_by_role("button", name="Toevoegen", exact=True))
    expect(form.get_by_text("Voer een geldig e-mailadres in.")).to_be_visible()
    expect(form.get_by_label("Organisatie")).to_have_value("Huisartsenpraktijk De Linde")
    expect(form.get_by_label("Telefoon")).to_have_value("071 512 34 56")
    form.get_by_label("E-mail").fill("praktijk@delinde.example")
    form.get_by_role("button", name="Toevoegen", exact=True).click()
    expect(
        page.get_by_text("Huisartsenpraktijk De Linde is vastgelegd als betrokkene.")
    ).to_be_visible()

    table = page.locator("#betrokkenen table")
    expect(table.get_by_role("cell", name="Jeugdbescherming west")).to_be_visible()
    expect(table.get_by_role("cell", name="Huisartsenpraktijk De Linde")).to_be_visible()
    page.locator("#betrokkenen").scroll_into_view_if_needed()
    screenshot("betrokkenen")
    assert sorted(
        InvolvedProfessional.objects.filter(case=period.case).values_list("role", "holds_regie")
    ) == [("gi_jeugdbescherming", True), ("huisarts", False)]

    # Correct the huisarts' contact: a bad phone number is refused at its field, nothing lost.
    huisarts = InvolvedProfessional.objects.get(case=period.case, role="huisarts")
    row = page.locator("#betrokkenen tr", has_text="Huisartsenpraktijk De Linde")
    row.locator("summary", has_text="Corrigeren").click()
    correction = row.locator("form", has=page.get_by_role("button", name="Correctie opslaan"))
    expect(correction.get_by_label("Contactpersoon")).to_have_value("dr. M. Yilmaz")
    correction.get_by_label("Contactpersoon").fill("dr. M. Yılmaz")
    correction.get_by_label("Telefoon").fill("bel maar")
    correction.get_by_role("button", name="Correctie opslaan").click()
    row = page.locator("#betrokkenen tr", has_text="Huisartsenpraktijk De Linde")
    correction = row.locator("form", has=page.get_by_role("button", name="Correctie opslaan"))
    expect(correction.get_by_text("Vul een telefoonnummer in met cijfers")).to_be_visible()
    expect(correction.get_by_label("Contactpersoon")).to_have_value("dr. M. Yılmaz")
    screenshot("betrokkene-corrigeren-fout")
    correction.get_by_label("Telefoon").fill("071 512 34 57")
    correction.get_by_role("button", name="Correctie opslaan").click()
    expect(
        page.get_by_text("De gegevens van Huisartsenpraktijk De Linde zijn gecorrigeerd.")
    ).to_be_visible()
    expect(page.locator("#betrokkenen table").get_by_text("dr. M. Yılmaz")).to_be_visible()
    screenshot("betrokkene-gecorrigeerd")
    huisarts.refresh_from_db()
    assert (huisarts.contact_name, huisarts.phone) == ("dr. M. Yılmaz", "071 512 34 57")
    events = pghistory.models.Events.objects.references(huisarts).order_by("pgh_id")
    assert [e.pgh_data["contact_name"] for e in events] == ["dr. M. Yilmaz", "dr. M. Yılmaz"]
    assert not [e for e in page.console_errors if not e.startswith("Failed to load resource")]
