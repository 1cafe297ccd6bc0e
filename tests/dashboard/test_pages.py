"""The dashboard's pages: for policy staff and the expert table only, logged, without names,
small cells hidden alike on the page and in the CSV, in a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from casusregie.models import AccessLogEntry, Role
from dashboard.models import Refresh
from tests.casusregie.test_access_matrix import DASHBOARD_PAGES
from tests.conftest import verified_login
from tests.factories import WorkerFactory

from .conftest import D, family, refresh

pytestmark = pytest.mark.django_db

PAGES = sorted(n for n, p in DASHBOARD_PAGES.items() if p.method == "get")


@pytest.fixture
def gert(place):
    return WorkerFactory(local_team=None, region=place.region, roles=[Role.POLICY])


@pytest.fixture
def families(place):
    """Four families with an open case in Aadorp, five in Beekdorp: just under and at five."""
    for _ in range(4):
        family(place.m1, place.t1, dt.date(2026, 1, 5), births=[dt.date(2012, 1, 1)])
    for _ in range(5):
        family(place.m2, place.t2, dt.date(2026, 1, 5), births=[dt.date(2012, 1, 1)])
    refresh(place.region)
    return place


@pytest.mark.parametrize(
    "role, status",
    [
        (Role.POLICY, 200),
        (Role.EXPERT_TABLE, 200),
        (Role.EXPERT_TABLE_CHAIR, 200),
        (Role.REGISSEUR, 404),
        (Role.TEAM_LEAD, 404),
        (Role.ADMIN, 404),
    ],
)
@pytest.mark.parametrize("name", PAGES)
def test_only_policy_and_the_expert_table_see_the_dashboard(client, families, name, role, status):
    team = (
        None if role in (Role.POLICY, Role.EXPERT_TABLE, Role.EXPERT_TABLE_CHAIR) else (families.t1)
    )
    user = WorkerFactory(local_team=team, region=families.region, roles=[role])
    assert verified_login(client, user).get(reverse(name)).status_code == status


def test_a_policy_officer_without_a_region_gets_a_404(client, families):
    user = WorkerFactory(local_team=None, region=None, roles=[Role.POLICY])
    assert verified_login(client, user).get(reverse("dashboard")).status_code == 404


def test_without_login_it_is_the_login_page(client, families):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_under_five_shows_as_under_five_and_five_as_five(client, families, gert):
    page = verified_login(client, gert).get(
        reverse("dashboard-care"), {"indeling": "gemeente", "periode": "2026"}
    )
    rows = {r[0]: r for r in _table(page, "in-zorg")}
    assert rows["Aadorp"][1] == "<5"  # four families
    assert rows["Beekdorp"][1] == "5"  # five families
    assert rows["Regio Een"][1] == "10"  # nine, rounded to fives


def test_the_csv_shows_the_same_cells_as_the_page(client, families, gert):
    client = verified_login(client, gert)
    query = {"indeling": "gemeente", "periode": "2026"}
    page = _table(client.get(reverse("dashboard-care"), query), "in-zorg")
    response = client.get(reverse("dashboard-care"), {**query, "csv": "in-zorg"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["code", "Gemeente", "Gezinnen in zorg"]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["GM0001"][2] == "<5"
    assert by_code["GM0002"][2] == "5"
    assert [r[1:3] for r in rows[1:]] == [r[:2] for r in page]


def test_an_unknown_table_or_period_is_a_404(client, families, gert):
    client = verified_login(client, gert)
    assert client.get(reverse("dashboard-care"), {"csv": "geen-tabel"}).status_code == 404
    assert client.get(reverse("dashboard-care"), {"periode": "1999"}).status_code == 404
    assert client.get(reverse("dashboard-care"), {"indeling": "straat"}).status_code == 404


def test_no_names_and_no_family_on_any_page(client, families, gert):
    from casusregie.models import Family, Youth

    client = verified_login(client, gert)
    youth = Youth.objects.first()
    for name in PAGES:
        for breakdown in ("regio", "gemeente", "team", "aanbieder"):
            html = client.get(reverse(name), {"indeling": breakdown}).content.decode()
            assert youth.name not in html
            assert youth.bsn not in html
            assert not any(f.ref in html for f in Family.objects.all())


def test_every_view_of_the_figures_is_in_the_access_log_without_a_family(client, families, gert):
    client = verified_login(client, gert)
    before = AccessLogEntry.objects.count()
    client.get(reverse("dashboard-waiting"), {"periode": "2026-K3", "indeling": "aanbieder"})
    client.get(reverse("dashboard-waiting"), {"periode": "2026-K3", "csv": "wachtend-nu"})
    entries = list(AccessLogEntry.objects.order_by("id")[before:])
    assert [(e.object_type, e.family_ref, e.action) for e in entries] == [
        ("statistics", "", "read"),
        ("statistics", "", "export"),
    ]
    assert entries[0].object_ref == "wachttijden 2026-K3 aanbieder"
    assert entries[0].actor.startswith(gert.ref)


@pytest.mark.parametrize("name", PAGES)
def test_each_page_answers_in_a_fixed_number_of_queries(
    client, families, gert, name, django_assert_num_queries
):
    client = verified_login(client, gert)
    client.get(reverse(name))  # sessions, devices and the like warmed up
    with django_assert_num_queries(QUERIES):
        assert client.get(reverse(name), {"indeling": "team"}).status_code == 200


# session, user, OTP device, roles, region; the refresh, the period's figures, the months; the
# access log (the entries, the chain's seal); the menu's count of unread meldingen; the session
# saved (history context twice, a savepoint, the update, its release). Not one more with more
# data.
QUERIES = 14


@pytest.mark.parametrize("name", PAGES)
def test_every_page_with_figures_meets_the_wcag_basics(client, families, gert, name):
    from tests.casusregie.test_accessibility import PageAudit

    response = verified_login(client, gert).get(reverse(name), {"indeling": "gemeente"})
    audit = PageAudit()
    audit.feed(response.content.decode())
    assert audit.lang == "nl" and audit.h1 == 1
    assert {"main", "header", "footer", "nav"} <= set(audit.landmarks)
    for field in audit.fields:
        assert field.get("id") in audit.labels or field.get("aria-label"), field
    assert all(audit.buttons)


def test_before_the_first_refresh_the_page_says_so(client, place, gert):
    response = verified_login(client, gert).get(reverse("dashboard"))
    assert response.status_code == 200
    assert "Er zijn nog geen cijfers" in response.content.decode()


def test_the_button_refreshes_the_figures(client, place, gert):
    family(place.m1, place.t1, dt.date(2026, 1, 5), births=[dt.date(2012, 1, 1)])
    response = verified_login(client, gert).post(reverse("dashboard-refresh"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert Refresh.objects.get(region=place.region).figures > 0


def test_the_overview_shows_the_headline_figures_and_a_chart_per_table(client, families, gert):
    html = verified_login(client, gert).get(reverse("dashboard"), {"periode": "2026"})
    html = html.content.decode()
    assert "Gezinnen in zorg" in html
    assert html.count('<canvas data-chart="grafiek-') == html.count('type="application/json"')
    assert "dashboard/vendor/chart.umd.min.js" in html
    assert "<script>" not in html and " style=" not in html  # the CSP: no inline code


def _table(response, name: str) -> list[list[str]]:
    """The cells of one table of a page, as text."""
    from html.parser import HTMLParser

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.inside, self.cell = [], False, None

        def handle_starttag(self, tag, attrs):
            if tag == "section" and ("aria-labelledby", f"{name}-titel") in attrs:
                self.inside = True
            elif self.inside and tag == "tr":
                self.rows.append([])
            elif self.inside and tag in ("td", "th") and self.rows:
                self.cell = ""

        def handle_endtag(self, tag):
            if tag == "section":
                self.inside = False
            elif self.inside and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(self.cell.strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Cells()
    parser.feed(response.content.decode())
    return parser.rows[1:]  # without the header


assert D  # the refresh date of these tests


def test_the_waiting_page_shows_youths_with_and_without_bridging(client, families, gert):
    client = verified_login(client, gert)
    page = client.get(reverse("dashboard-waiting"), {"periode": "2026"})
    rows = _table(page, "wachtend-overbrugging")
    assert rows[-1][:4] == ["Regio Een", "<5", "<5", "<5"]  # nobody waits: under five
    html = page.content.decode()
    assert "Wachtende jeugdigen, met en zonder overbrugging" in html
    assert "met overbrugging" in html and "zonder overbrugging" in html
    overview = client.get(reverse("dashboard"), {"periode": "2026"}).content.decode()
    assert "Wachtend zonder overbrugging" in overview
