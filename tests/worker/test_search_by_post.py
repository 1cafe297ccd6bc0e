"""Searching for a family (issue 17.6): the terms — a name, or a BSN someone types — travel in
a POST and never in a URL, the server's log or the access log. A GET with ``?q=`` does not
search: it is sent back to the page without the terms."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from django.urls import reverse

from casusregie.models import AccessLogEntry, Role
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)
from worker.selectors import families as family_selectors

pytestmark = pytest.mark.django_db
TERM = "Zoekvanger"


def shown(ref: str, html: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(ref)}(?![\w-])", html) is not None


@pytest.fixture
def anna():
    team = LocalTeamFactory(municipalities=[MunicipalityFactory(region=RegionFactory())])
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR])


def family_of(anna, name: str):
    family = FamilyFactory(municipality=anna.local_team.municipalities.get())
    YouthFactory(family=family, name=name, birth_date=dt.date(2012, 3, 1))
    case = CaseFactory(family=family, local_team=anna.local_team, opened_on=dt.date(2026, 1, 5))
    RegisseurPeriodFactory(case=case, worker=anna, from_date=case.opened_on)
    return family


@pytest.fixture
def found(anna):
    return family_of(anna, f"Noor {TERM}")


@pytest.fixture
def other(anna):
    return family_of(anna, "Sem Visser")


@pytest.mark.parametrize("page", ["family-list", "caseload"])
def test_a_get_with_terms_does_not_search_and_drops_them(client, anna, found, page):
    verified_login(client, anna)
    response = client.get(reverse(page), {"q": TERM})
    assert response.status_code == 302
    assert response["Location"] == reverse(page)
    assert not AccessLogEntry.objects.exists()  # nothing was searched, nothing shown


def test_the_caseload_keeps_its_flag_filter_when_dropping_the_terms(client, anna):
    verified_login(client, anna)
    response = client.get(reverse("caseload"), {"q": TERM, "signalen": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('caseload')}?signalen=1"


@pytest.mark.parametrize("page", ["family-list", "caseload"])
def test_a_post_searches(client, anna, found, other, page):
    verified_login(client, anna)
    everyone = client.get(reverse(page)).content.decode()
    assert shown(found.ref, everyone) and shown(other.ref, everyone)
    searched = client.post(reverse(page), {"q": TERM})
    assert searched.status_code == 200
    html = searched.content.decode()
    assert shown(found.ref, html) and not shown(other.ref, html)
    assert f'value="{TERM}"' in html  # the field keeps what was typed


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def every_log_line():
    """Every line any logger writes during the test, at every level."""
    collect = Collect()
    loggers = [logging.getLogger(), *map(logging.getLogger, list(logging.root.manager.loggerDict))]
    levels = [(each, each.level) for each in loggers]
    for each in loggers:
        each.addHandler(collect)
        each.setLevel(logging.DEBUG)
    yield collect.lines
    for each, level in levels:
        each.removeHandler(collect)
        each.setLevel(level)


@pytest.mark.parametrize("page", ["family-list", "caseload"])
def test_the_terms_are_in_no_url_no_log_line_and_no_access_log_entry(
    client, anna, found, every_log_line, page
):
    verified_login(client, anna)
    assert client.get("/bestaat-niet/").status_code == 404
    assert [line for line in every_log_line if "/bestaat-niet/" in line], "the collector works"
    response = client.post(reverse(page), {"q": TERM})
    assert response.status_code == 200
    assert TERM not in response.wsgi_request.get_full_path()
    html = response.content.decode()
    assert not [u for u in re.findall(r'(?:href|action)="([^"]*)"', html) if TERM in u]
    assert not [line for line in every_log_line if TERM in line]
    entries = AccessLogEntry.objects.filter(family_ref=found.ref)
    assert entries.exists()
    assert not [e for e in entries.values_list() if TERM in str(e)]


def test_the_pages_of_a_search_are_posts_too(client, anna, found, monkeypatch):
    second = family_of(anna, f"Mila {TERM}")
    monkeypatch.setattr(family_selectors, "FAMILY_LIST_PAGE", 1)
    verified_login(client, anna)
    first_page = client.post(reverse("family-list"), {"q": TERM}).content.decode()
    assert 'name="pagina" value="2"' in first_page
    assert "?q=" not in first_page
    next_page = client.post(reverse("family-list"), {"q": TERM, "pagina": "2"}).content.decode()
    on_first = {ref for ref in (found.ref, second.ref) if shown(ref, first_page)}
    on_next = {ref for ref in (found.ref, second.ref) if shown(ref, next_page)}
    assert len(on_first) == len(on_next) == 1 and on_first != on_next
