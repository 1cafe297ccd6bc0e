"""Issue 19.4: figures a policy officer can read — no empty axes, rule titles, norm lines told
apart, tables folded under their chart, and a CSV a Dutch spreadsheet reads right."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse

from casusregie.models import Role
from dashboard.tables import LINE_STYLES, Chart, Column, Row, Table
from flags.rules import RULES_BY_CODE
from tests.conftest import verified_login
from tests.factories import WorkerFactory

from .conftest import family, referral, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def gert(place):
    return WorkerFactory(local_team=None, region=place.region, roles=[Role.POLICY])


@pytest.fixture
def waits(place):
    """Nine youths in care in Aadorp; six referrals accepted in 2026 after 1, 1, 1, 2, 2 and 2
    days: a median of 1.5 days on six waits."""
    case, youths = family(place.m1, place.t1, dt.date(2026, 1, 5), births=[dt.date(2012, 1, 1)] * 9)
    for i, days in enumerate((1, 1, 1, 2, 2, 2)):
        sent = dt.date(2026, 3, 2 + i)
        referral(
            case,
            youths[i],
            place.basic,
            place.a,
            "accepted",
            sent=sent,
            answered=sent + dt.timedelta(days=days),
        )
    refresh(place.region)
    return place


def _section(html: str, name: str) -> str:
    start = html.index(f'aria-labelledby="{name}-titel"')
    return html[start : html.index("</section>", start)]


def test_a_chart_with_only_small_counts_says_too_little_data_instead_of_an_axis(
    client, waits, gert
):
    client = verified_login(client, gert)
    html = client.get(reverse("dashboard-referrals"), {"periode": "2026"}).content.decode()
    # nothing declined: every decline reason "<5"
    empty = _section(html, "afwijzingen")
    assert "Te weinig gegevens" in empty
    assert "<canvas" not in empty and 'id="grafiek-afwijzingen"' not in html
    assert "<details" in empty  # the table is still there, with its "<5"
    # six accepted referrals: the count and the median (on six waits) are shown, so a chart
    html = client.get(reverse("dashboard-waiting"), {"periode": "2026"}).content.decode()
    shown = _section(html, "wachttijd-aanmelding")
    assert "<canvas" in shown and "Te weinig gegevens" not in shown


def test_a_chart_is_empty_only_when_none_of_its_values_may_be_shown():
    def table(values):
        rows = [Row("r1", "Regio", {"n": v}, total=True) for v in values]
        return Table("t", "T", "", "Regio", [Column("n", "N")], rows, chart=Chart("bar", ("n",)))

    assert table(["<5"]).chart_is_empty and table(["<5"]).chart_data() is None
    assert table([None]).chart_is_empty  # withheld against differencing
    assert not table(["<5", 5]).chart_is_empty
    assert table(["<5", 5]).chart_data()["datasets"][0]["data"] == [None, 5]


def test_the_explanations_name_the_rules_by_their_titles_not_their_codes(client, waits, gert):
    client = verified_login(client, gert)
    for name in ("dashboard-youth", "dashboard-table"):
        html = client.get(reverse(name), {"periode": "2026"}).content.decode()
        visible = re.sub(r"<[^>]+>", " ", html)
        for code in RULES_BY_CODE:
            assert code not in visible, (name, code)
    youth = client.get(reverse("dashboard-youth")).content.decode()
    assert str(RULES_BY_CODE["THUISZITTER_3M"].title) in youth
    assert str(RULES_BY_CODE["TRANSITION_18"].title) in youth
    per_rule = client.get(reverse("dashboard-table")).content.decode()
    assert str(RULES_BY_CODE["WAITING_TIME_EXCEEDED"].title) in _section(
        per_rule, "signalen-per-regel"
    )


def test_two_norm_lines_differ_in_colour_and_in_dash_and_carry_their_labels():
    lines = (("norm aanmelding", 28), ("norm behandeling", 42))
    t = Table(
        "t",
        "T",
        "",
        "Maand",
        [Column("m", "Mediaan", "dagen", "days")],
        [Row("2026-01", "jan 2026", {"m": 20.0})],
        chart=Chart("line", ("m",), unit="dagen", lines=lines),
    )
    first, second = t.chart_data()["lines"]
    assert (first["label"], first["value"]) == ("norm aanmelding", 28)
    assert (second["label"], second["value"]) == ("norm behandeling", 42)
    assert first["colour"] != second["colour"] and first["dash"] != second["dash"]
    # no style is shared by two of the lines any chart may have
    assert len({s["colour"] for s in LINE_STYLES}) == len({str(s["dash"]) for s in LINE_STYLES})
    assert len({s["colour"] for s in LINE_STYLES}) == len(LINE_STYLES)


def test_the_page_labels_the_norm_lines_in_words_under_the_chart(client, waits, gert):
    html = verified_login(client, gert).get(reverse("dashboard-waiting"), {"periode": "2026"})
    section = _section(html.content.decode(), "wachttijd-aanmelding")
    data = json.loads(re.search(r'type="application/json">(.*?)</script>', section).group(1))
    assert [line["label"] for line in data["lines"]] == ["norm"]
    assert data["lines"][0]["value"] == 28 and data["lines"][0]["dash"]
    assert '<ul class="norm-lines">' in section and "norm: 28 dagen" in section


def test_tables_are_folded_under_their_chart(client, waits, gert):
    client = verified_login(client, gert)
    for name in ("dashboard", "dashboard-care", "dashboard-waiting"):
        html = client.get(reverse(name)).content.decode()
        assert html.count('<details class="table-view">') >= 2
        assert "<details open" not in html and 'table-view" open' not in html


def test_the_dutch_csv_has_a_bom_semicolons_and_decimal_commas(client, waits, gert):
    client = verified_login(client, gert)
    query = {"periode": "2026", "csv": "wachttijd-aanmelding"}
    dutch = client.get(reverse("dashboard-waiting"), {**query, "opmaak": "nl"})
    assert dutch["Content-Type"] == "text/csv; charset=utf-8"
    assert dutch["Content-Disposition"].endswith('-nl.csv"')
    body = dutch.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark
    text = body[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["code", "Regio", "Toegewezen"]
    assert text.splitlines()[0].split(";")[:3] == ["code", "Regio", "Toegewezen"]
    region = rows[-1]
    assert region[2] == "5"  # six accepted, rounded to fives
    assert region[3] == "1,5"  # the median, with a decimal comma
    assert "1.5" not in text
    # the plain one beside it: comma, decimal point, no BOM
    plain = client.get(reverse("dashboard-waiting"), query).content
    assert not plain.startswith(b"\xef\xbb\xbf")
    plain_rows = list(csv.reader(io.StringIO(plain.decode())))
    assert plain_rows[-1][3] == "1.5" and len(plain_rows[-1]) == len(region)


def test_the_page_links_both_csv_downloads(client, waits, gert):
    html = verified_login(client, gert).get(reverse("dashboard-waiting"), {"periode": "2026"})
    section = _section(html.content.decode(), "wachttijd-aanmelding")
    assert "csv=wachttijd-aanmelding&amp;opmaak=nl" in section
    assert section.count("csv=wachttijd-aanmelding") == 2
