"""Meldingen in a real browser: a provider takes a step on a referral of a regisseur's case;
the regisseur sees the count in the menu, opens the page, marks the melding read and the count
goes down. Screenshots in test-results/."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from casusregie.models import Notification, RegisseurPeriod, Worker
from referrals import services as referrals
from referrals.lifecycle import Status
from referrals.models import Referral
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


STEPS = (
    (Status.SENT, referrals.accept_referral, {}, "Verwijzing toegewezen"),
    (Status.ACCEPTED, referrals.start_care, {}, "Zorg gestart"),
    (Status.STARTED, referrals.end_care, {"end_code": "31"}, "Zorg beëindigd"),
)


def a_provider_takes_a_step() -> tuple[Worker, Referral, str]:
    """A provider answers, starts or ends care on a referral of a demo regisseur's case (as
    the API would): that regisseur, the referral and the kind of melding it gives."""
    today = timezone.localdate()
    for status, step, extra, label in STEPS:
        for username in ("anna", "bram", "tineke", "chantal", "dirk"):
            worker = Worker.objects.get(username=username)
            cases = RegisseurPeriod.objects.in_force(today).filter(worker=worker).values("case")
            referral = (
                Referral.objects.filter(case__in=cases, status=status)
                .select_related("provider")
                .order_by("ref")
                .first()
            )
            if referral is not None:
                by = referrals.Actor.of_provider(referral.provider)
                return worker, step(referral=referral, by=by, **extra), label
    raise AssertionError("the demo region has a referral with a next step for its provider")


def test_a_regisseur_sees_the_count_opens_the_page_and_marks_read(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())
    regisseur, referral, kind = a_provider_takes_a_step()
    unread = Notification.objects.filter(recipient=regisseur, read_at__isnull=True).count()
    assert unread >= 1

    log_in_as(page, regisseur.username)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    link = menu.get_by_role("link", name=re.compile(r"^Meldingen"))
    expect(link).to_have_text(f"Meldingen {unread} ongelezen")
    screenshot("notifications-menu-count")

    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meldingen")
    news = page.locator("li.notification.unread", has_text=referral.provider.name).first
    expect(news).to_contain_text(kind)
    expect(news).to_contain_text(f"casus {referral.case.ref}")
    expect(news.get_by_text("Nieuw", exact=True)).to_be_visible()
    screenshot("notifications-page-unread")

    news.get_by_role("button", name=re.compile("^Markeer als gelezen")).click()
    expect(page.locator("li.notification.unread", has_text=referral.provider.name)).to_have_count(0)
    if unread == 1:
        expect(link).to_have_text("Meldingen")
    else:
        expect(link).to_have_text(f"Meldingen {unread - 1} ongelezen")
    screenshot("notifications-page-read")

    # Opening it goes to the family page of the case.
    page.locator("li.notification", has_text=referral.provider.name).first.get_by_role(
        "link", name=re.compile("^Bekijken")
    ).click()
    expect(page).to_have_url(re.compile(rf"/gezinnen/{referral.case.family.ref}/$"))
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
