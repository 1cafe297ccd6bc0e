"""Tablet width and keyboard use: no sideways scrolling, a skip link, visible focus."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from casusregie.models import Family
from tests.e2e.conftest import RESULTS
from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def tablet(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 768, "height": 1024}, locale="nl-NL"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_pages_fit_a_tablet(tablet):
    call_command("demo_data", stdout=io.StringIO())
    log_in_as(tablet, "anna")
    for path in ["/mijn-caseload/", "/signalen/", "/gezinnen/", "/gezinnen/nieuw/"]:
        tablet.goto(path)
        assert fits(tablet), f"{path} scrolls sideways at 768 px"
    family = Family.objects.filter(cases__regisseurs__worker__username="anna").first()
    tablet.goto(f"/gezinnen/{family.ref}/")
    assert fits(tablet)
    tablet.screenshot(path=str(RESULTS / "tablet-family-page.png"), full_page=True)


def test_the_keyboard_reaches_the_content_first(page):
    call_command("demo_data", stdout=io.StringIO())
    log_in_as(page, "anna")
    page.goto("/mijn-caseload/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    outline = page.evaluate(
        "(() => { const a = document.querySelector('main a'); a.focus();"
        " return getComputedStyle(a).outlineStyle; })()"
    )
    assert outline != "none"
