"""403, 404 and 500: a Dutch page inside the layout, problem+json under /api/ (DEBUG off)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from casusregie.models import RegisseurPeriod, Role
from config.error_pages import LAST_RESORT_PAGE, server_error
from tests.config.error_urls import DeliberateFailure
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    RegionFactory,
    WorkerFactory,
)

ERROR_URLS = "tests.config.error_urls"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _debug_off(settings) -> None:
    settings.DEBUG = False


@pytest.fixture
def broken_client() -> Client:
    """A client that gets the 500 page instead of the exception (as a browser would)."""
    return Client(raise_request_exception=False)


@pytest.fixture
def regisseur_world() -> dict:
    """A regisseur of team 1 with a family of their own, and a family of another region."""
    region, other_region = RegionFactory(code="r1"), RegionFactory(code="r2")
    m1 = MunicipalityFactory(code="GM0001", region=region)
    m3 = MunicipalityFactory(code="GM0003", region=other_region)
    team, other_team = LocalTeamFactory(municipalities=[m1]), LocalTeamFactory(municipalities=[m3])
    opened = dt.date(2026, 1, 5)
    regisseur = WorkerFactory(local_team=team, roles=[Role.REGISSEUR])
    own = FamilyFactory(municipality=m1)
    own_case = CaseFactory(family=own, local_team=team, opened_on=opened)
    RegisseurPeriod.objects.create(case=own_case, worker=regisseur, from_date=opened)
    foreign = FamilyFactory(municipality=m3)
    CaseFactory(family=foreign, local_team=other_team, opened_on=opened)
    return {"regisseur": regisseur, "own": own, "foreign": foreign}


def assert_in_layout(page: str, heading: str) -> None:
    assert '<html lang="nl">' in page
    assert f'<h1 id="error-title">{heading}</h1>' in page
    assert 'class="skip-link" href="#inhoud"' in page
    assert 'class="site-footer"' in page
    assert '<a href="/">Naar de startpagina</a>' in page
    assert "Not Found" not in page and "Server Error" not in page


def assert_menu(page: str) -> None:
    assert 'aria-label="Hoofdmenu"' in page
    assert f'href="{reverse("family-list")}">Gezinnen</a>' in page
    assert "Uitloggen" in page


# --- 404 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_url_is_the_dutch_404_page_inside_the_layout(client):
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert_in_layout(page, "Pagina niet gevonden")
    assert 'aria-label="Hoofdmenu"' not in page  # not logged in: no menu


@pytest.mark.django_db
def test_an_unknown_url_keeps_the_menu_for_a_logged_in_worker(login, regisseur_world):
    client = login(regisseur_world["regisseur"])
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    page = response.content.decode()
    assert_in_layout(page, "Pagina niet gevonden")
    assert_menu(page)


@pytest.mark.django_db
def test_a_family_outside_the_workers_scope_is_the_dutch_404_page(login, regisseur_world):
    client = login(regisseur_world["regisseur"])
    own = client.get(reverse("family-detail", args=[regisseur_world["own"].ref]))
    assert own.status_code == 200
    response = client.get(reverse("family-detail", args=[regisseur_world["foreign"].ref]))
    assert response.status_code == 404
    page = response.content.decode()
    assert_in_layout(page, "Pagina niet gevonden")
    assert_menu(page)
    assert regisseur_world["foreign"].ref not in page


@pytest.mark.django_db
def test_an_unknown_api_url_stays_problem_json(client):
    response = client.get("/api/v1/bestaat-niet/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404 and body["code"] == "not_found"
    assert body["title"] == "Niet gevonden"


@pytest.mark.django_db
def test_an_unknown_referral_in_the_api_stays_problem_json(client):
    from referrals.models import ProviderAPIKey
    from tests.factories import ProviderFactory

    _, key = ProviderAPIKey.objects.create_key(name="fouten", provider=ProviderFactory())
    response = client.get("/api/v1/referrals/bestaat-niet/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404


# --- 403 -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_permission_denied_is_the_dutch_403_page_with_the_menu(login, regisseur_world):
    client = login(regisseur_world["regisseur"])
    response = client.get("/test-fout/403/")
    assert response.status_code == 403
    page = response.content.decode()
    assert_in_layout(page, "Geen toegang")
    assert_menu(page)
    assert "niet voor u" not in page  # the exception's message is not shown


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_permission_denied_under_the_api_is_problem_json(client):
    response = client.get("/api/v1/test-fout/403/")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 403 and body["code"] == "permission_denied"


# --- 500 -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_an_exception_is_the_dutch_500_page_inside_the_layout(broken_client):
    response = broken_client.get("/test-fout/500/")
    assert response.status_code == 500
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert_in_layout(page, "Er ging iets mis")
    assert "kapot" not in page and "DeliberateFailure" not in page


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_the_500_page_shows_no_menu_even_when_logged_in(login, regisseur_world, broken_client):
    client = login(regisseur_world["regisseur"], on=broken_client)
    response = client.get("/test-fout/500/")
    assert response.status_code == 500
    page = response.content.decode()
    assert_in_layout(page, "Er ging iets mis")
    assert 'aria-label="Hoofdmenu"' not in page
    assert "hx-headers" not in page  # no CSRF token: the page does not need the request


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_an_exception_under_the_api_is_problem_json(broken_client):
    response = broken_client.get("/api/v1/test-fout/500/")
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 500 and body["code"] == "server_error"
    assert "kapot" not in response.content.decode()


def test_the_500_page_needs_neither_the_database_nor_the_user():
    """No django_db mark: any query here raises. The request has no ``user`` either."""
    request = RequestFactory().get("/gezinnen/f-1/")
    assert not hasattr(request, "user")
    try:
        raise DeliberateFailure("kapot")
    except DeliberateFailure:
        response = server_error(request)
    assert response.status_code == 500
    assert_in_layout(response.content.decode(), "Er ging iets mis")


def test_when_even_the_500_template_fails_a_plain_dutch_page_is_served():
    request = RequestFactory().get("/gezinnen/f-1/")
    with mock.patch("config.error_pages.loader.get_template", side_effect=RuntimeError("stuk")):
        try:
            raise DeliberateFailure("kapot")
        except DeliberateFailure:
            response = server_error(request)
    assert response.status_code == 500
    assert response.content.decode() == LAST_RESORT_PAGE
