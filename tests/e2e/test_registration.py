"""Issue 16 points 4 and 6 in a real browser: registering a family.

- One family, one record: a youth already known in the region (by BSN, or by name and birth
  date) shows only "Al bekend: regisseur X van team Y" (no data of that family); the worker
  joins the family they may see, or registers anyway with a reason, which is kept
  (RegistrationDespiteMatch) and the read is in the access log.
- The form itself: a carer's address, phone and e-mail, the relation to each youth and gezag,
  the "Nog een jeugdige" / "Nog een opvoeder" rows (htmx) and "Verwijderen"; a bad phone number
  and postcode are refused with a Dutch message next to the field, keeping everything typed.

Screenshots in test-results/.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from casusregie.access_log import PURPOSE_REGISTRATION
from casusregie.models import (
    AccessLogEntry,
    CarerRelation,
    Family,
    RegisseurPeriod,
    RegistrationDespiteMatch,
    Youth,
)
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _row(page, legend: str, n: int):
    """Row ``n`` (from 0) of the fieldset ``legend`` (Jeugdigen / Opvoeders)."""
    return (
        page.locator("fieldset", has=page.locator("legend", has_text=legend))
        .locator(".person")
        .nth(n)
    )


def _rows(page, legend: str):
    return page.locator("fieldset", has=page.locator("legend", has_text=legend)).locator(".person")


def _add_row(page, legend: str, button: str) -> int:
    """Click "Nog een …" and wait for htmx to swap in the form with one row more; returns the
    new row's index."""
    before = _rows(page, legend).count()
    page.get_by_role("button", name=button).click()
    expect(_rows(page, legend)).to_have_count(before + 1)
    return before


def _start(page) -> None:
    page.goto("/gezinnen/nieuw/")
    page.get_by_label("Gemeente").select_option(label="Rotterdam (GM0599)")


def _fill_youth(page, n: int, *, name: str, birth: str, bsn: str = "") -> None:
    row = _row(page, "Jeugdigen", n)
    row.get_by_label("Naam", exact=True).fill(name)
    row.get_by_label("Geboortedatum", exact=True).fill(birth)
    row.get_by_label("BSN", exact=True).fill(bsn)


def _known_youth(today, *, team: str, bsn: bool) -> Youth:
    period = (
        RegisseurPeriod.objects.in_force(today)
        .filter(case__local_team__ref=team, case__closed_on__isnull=True)
        .select_related("case__family", "worker")
        .order_by("case__family__ref")
        .first()
    )
    youths = period.case.family.youths.order_by("ref")
    return (youths.exclude(bsn_encrypted="") if bsn else youths).first()


def test_a_known_youth_shows_only_who_to_ask_and_a_reason_is_kept(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    today = timezone.localdate()
    # A youth of Jeugdteam Schiedam: outside anna's scope (Wijkteam Delfshaven).
    known = _known_youth(today, team="lt-schiedam", bsn=True)
    family = known.family
    regisseur = RegisseurPeriod.objects.in_force(today).get(case__family=family).worker
    log_in_as(page, "anna")
    _start(page)
    _fill_youth(page, 0, name="Nieuwe Naam", birth="2015-05-05", bsn=known.bsn)
    _row(page, "Opvoeders", 0).get_by_label("Naam", exact=True).fill("Ouder Nieuw")
    page.get_by_role("button", name="Gezin registreren").click()

    alert = page.get_by_role("alert").filter(has_text="Al bekend in de regio")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(f"Al bekend: regisseur {regisseur.name} van Jeugdteam Schiedam.")
    expect(alert).to_contain_text("Vraag deze regisseur om een overdracht.")
    # no way into a family outside the scope: the one link asks to break the glass, no ref in it
    links = alert.get_by_role("link")
    expect(links).to_have_count(1)
    assert links.get_attribute("href") == reverse("break-glass")
    html = page.content()
    for secret in [family.ref, known.name, *family.carers.values_list("name", flat=True)]:
        assert secret not in html, secret
    assert known.bsn not in page.url
    # what was typed is kept
    expect(_row(page, "Jeugdigen", 0).get_by_label("BSN", exact=True)).to_have_value(known.bsn)
    screenshot("registratie-al-bekend")

    page.get_by_label("Toch een nieuw gezin registreren, omdat").fill(
        "Ander gezin: het BSN is door de school verkeerd doorgegeven."
    )
    page.get_by_role("button", name="Gezin registreren").click()
    expect(page.get_by_text("Het gezin is geregistreerd; u bent de regisseur.")).to_be_visible()
    new = Family.objects.exclude(ref__startswith="demo-").get()
    despite = RegistrationDespiteMatch.objects.get()
    assert (despite.family, despite.matched, despite.worker.username) == (new, family, "anna")
    assert despite.reason == "Ander gezin: het BSN is door de school verkeerd doorgegeven."
    screenshot("registratie-toch-geregistreerd")
    assert not [e for e in page.console_errors if not e.startswith("Failed to load resource")]


def test_a_youth_known_by_name_and_birth_date_in_the_own_team_is_joined(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    today = timezone.localdate()
    known = _known_youth(today, team="lt-delfshaven", bsn=False)
    families_before = Family.objects.count()
    log_in_as(page, "anna")
    _start(page)
    _fill_youth(page, 0, name=known.name, birth=known.birth_date.isoformat())
    page.get_by_role("button", name="Gezin registreren").click()
    alert = page.get_by_role("alert").filter(has_text="Al bekend in de regio")
    expect(alert).to_contain_text("Al bekend: regisseur")
    expect(alert).to_contain_text("Wijkteam Delfshaven")
    screenshot("registratie-al-bekend-aansluiten")
    alert.get_by_role("link", name="Aansluiten: naar het bestaande gezin").click()
    expect(page).to_have_url(f"{page.url.split('/gezinnen/')[0]}/gezinnen/{known.family.ref}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert Family.objects.count() == families_before  # joined: no second record
    # showing that a family in the scope is known is a read of it, in the access log
    assert AccessLogEntry.objects.filter(
        family_ref=known.family.ref, purpose=PURPOSE_REGISTRATION
    ).exists()
    assert not RegistrationDespiteMatch.objects.exists()


def test_the_registration_form_with_rows_contact_details_relations_and_gezag(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    log_in_as(page, "anna")
    _start(page)
    _fill_youth(page, 0, name="Sem Bakker", birth="2014-03-02")
    lotte = _add_row(page, "Jeugdigen", "Nog een jeugdige")
    expect(_row(page, "Jeugdigen", 0).get_by_label("Naam", exact=True)).to_have_value("Sem Bakker")
    expect(page.get_by_label("Gemeente")).to_have_value(re.compile(r"\d+"))  # kept too
    _fill_youth(page, lotte, name="Lotte Bakker", birth="2017-09-12")

    carer = _row(page, "Opvoeders", 0)
    carer.get_by_label("Naam", exact=True).fill("Ilse Bakker")
    carer.get_by_label("Adres", exact=True).fill("Schiedamseweg 12")
    carer.get_by_label("Postcode", exact=True).fill("30XX 1A")  # wrong
    carer.get_by_label("Woonplaats", exact=True).fill("Rotterdam")
    carer.get_by_label("Telefoon", exact=True).fill("bel me")  # wrong
    carer.get_by_label("E-mail", exact=True).fill("ilse@bakker.example")
    carer.get_by_label("Relatie tot jeugdige 1").select_option(label="Moeder")
    carer.get_by_label("Heeft gezag over jeugdige 1").check()
    carer.get_by_label(f"Relatie tot jeugdige {lotte + 1}").select_option(label="Moeder")
    carer.get_by_label(f"Heeft gezag over jeugdige {lotte + 1}").check()

    # A second carer row, typed in and then removed again.
    extra = _add_row(page, "Opvoeders", "Nog een opvoeder")
    expect(_row(page, "Opvoeders", 0).get_by_label("Telefoon", exact=True)).to_have_value("bel me")
    expect(_row(page, "Jeugdigen", lotte).get_by_label("Naam", exact=True)).to_have_value(
        "Lotte Bakker"
    )
    second = _row(page, "Opvoeders", extra)
    second.get_by_label("Naam", exact=True).fill("Per Vergissing")
    second.get_by_label("Verwijderen").check()

    page.get_by_role("button", name="Gezin registreren").click()
    carer = _row(page, "Opvoeders", 0)
    postcode = carer.locator(".field", has=page.get_by_label("Postcode", exact=True))
    phone = carer.locator(".field", has=page.get_by_label("Telefoon", exact=True))
    expect(postcode.locator(".error")).to_have_text("Een postcode is als 1234 AB.")
    expect(phone.locator(".error")).to_have_text("Een telefoonnummer is als 06 12345678.")
    # everything typed is kept
    expect(carer.get_by_label("Adres", exact=True)).to_have_value("Schiedamseweg 12")
    expect(carer.get_by_label("E-mail", exact=True)).to_have_value("ilse@bakker.example")
    expect(carer.get_by_label(f"Relatie tot jeugdige {lotte + 1}")).to_have_value("mother")
    expect(carer.get_by_label(f"Heeft gezag over jeugdige {lotte + 1}")).to_be_checked()
    expect(_row(page, "Jeugdigen", lotte).get_by_label("Naam", exact=True)).to_have_value(
        "Lotte Bakker"
    )
    expect(_row(page, "Opvoeders", extra).get_by_label("Verwijderen")).to_be_checked()
    screenshot("registratie-fouten-bij-het-veld")

    carer.get_by_label("Postcode", exact=True).fill("3024 ab")
    carer.get_by_label("Telefoon", exact=True).fill("06 12345678")
    page.get_by_role("button", name="Gezin registreren").click()
    expect(page.get_by_text("Het gezin is geregistreerd; u bent de regisseur.")).to_be_visible()
    screenshot("registratie-geregistreerd")

    family = Family.objects.exclude(ref__startswith="demo-").get()
    assert sorted(family.youths.values_list("name", flat=True)) == ["Lotte Bakker", "Sem Bakker"]
    ilse = family.carers.get()  # the removed row is not registered
    assert (ilse.name, ilse.address, ilse.postcode, ilse.city, ilse.phone, ilse.email) == (
        "Ilse Bakker",
        "Schiedamseweg 12",
        "3024 AB",
        "Rotterdam",
        "06 12345678",
        "ilse@bakker.example",
    )
    assert sorted(
        CarerRelation.objects.filter(carer=ilse).values_list("youth__name", "relation", "has_gezag")
    ) == [("Lotte Bakker", "mother", True), ("Sem Bakker", "mother", True)]
    assert not [e for e in page.console_errors if not e.startswith("Failed to load resource")]
