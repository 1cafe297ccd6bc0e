"""In a real browser: the region's dashboard on the demo data, as the policy officer gert —
charts drawn from our own static files, tables beside them, no Content-Security-Policy
violations, and a screenshot in test-results/."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.login import log_in_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

ALL_CHARTS_DRAWN = (
    "() => Array.from(document.querySelectorAll('canvas[data-chart]'))"
    ".every(c => window.Chart && window.Chart.getChart(c))"
)


def wait_until_true(page, expression: str, timeout_s: float = 10) -> None:
    """Poll ``expression`` from the test's side. ``page.wait_for_function`` polls inside the
    page through a string evaluated there, which the strict Content-Security-Policy (no
    'unsafe-eval') refuses whenever the first check is not yet true: a flaky failure."""
    for _ in range(int(timeout_s * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout_s} s: {expression}")


def test_the_policy_officer_sees_the_dashboard_with_charts_and_tables(page, screenshot):
    call_command("demo_data", stdout=io.StringIO())  # refreshes the figures too
    log_in_as(page, "gert")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard Rijnmond")
    expect(page.get_by_text("Gezinnen in zorg").first).to_be_visible()
    charts = page.locator("canvas[data-chart]")
    assert charts.count() >= 4
    # Chart.js drew every chart: each canvas was given its size by the library
    wait_until_true(page, ALL_CHARTS_DRAWN)
    screenshot("dashboard-overview")
    # issue 19: the tables are folded under their charts; a click opens one
    first_table = page.locator("table.figures").first
    expect(first_table).to_be_hidden()
    page.get_by_text("Tabel met de cijfers").first.click()
    expect(first_table).to_be_visible()
    # every norm line a chart draws is also named in words under it
    lines_drawn = page.evaluate(
        "() => Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => JSON.parse(document.getElementById(c.dataset.chart).textContent))"
        ".reduce((n, d) => n + (d.lines || []).length, 0)"
    )
    assert page.locator(".norm-lines li").count() == lines_drawn
    # a section that says "te weinig gegevens" draws no chart
    for section in page.locator("section.block").all():
        if section.locator(".chart-empty").count():
            assert section.locator("canvas").count() == 0

    parts = page.get_by_role("navigation", name="Onderdelen van het dashboard")
    parts.get_by_role("link", name="Wachttijden").click()
    page.get_by_label("Indeling").select_option("aanbieder")
    page.get_by_role("button", name="Toon").click()
    expect(page.get_by_role("heading", name="Aanmeldwachttijd", exact=False)).to_be_visible()
    expect(page.locator("table.figures").first).to_contain_text("Jeugdzorg Horizon")
    wait_until_true(page, ALL_CHARTS_DRAWN)
    screenshot("dashboard-wachttijden-per-aanbieder")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    # no script errors (a missing favicon is no concern of ours)
    assert not [e for e in page.console_errors if not e.startswith("Failed to load resource")]
