"""The open export: the same figures as JSON, for a region's key only, logged, in the schema."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from casusregie.models import AccessLogEntry
from dashboard.models import RegionAPIKey
from referrals.models import ProviderAPIKey

from .conftest import family, refresh

pytestmark = pytest.mark.django_db
URL = "/api/v1/stats/"


@pytest.fixture
def figures(place):
    for _ in range(4):
        family(place.m1, place.t1, dt.date(2026, 1, 5), births=[dt.date(2012, 1, 1)])
    for _ in range(5):
        family(place.m2, place.t2, dt.date(2026, 1, 5), births=[dt.date(2012, 1, 1)])
    refresh(place.region)
    return place


def _api(key: str | None) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}") if key else APIClient()


def _key(region) -> str:
    return RegionAPIKey.objects.create_key(name="bi", region=region)[1]


def test_the_url_is_the_one_the_issue_asks_for():
    assert reverse("region-stats") == URL


def test_a_regions_key_gets_its_figures_with_small_cells_hidden(figures):
    response = _api(_key(figures.region)).get(URL, {"periode": "2026", "indeling": "gemeente"})
    assert response.status_code == 200
    body = response.json()
    assert body["region"] == "r1" and body["breakdown"] == "gemeente"
    assert body["period"]["code"] == "2026" and "2026-K3" in body["periods"]
    tables = {t["name"]: t for t in body["tables"]}
    rows = {r["member"]: r["values"] for r in tables["in-zorg"]["rows"]}
    assert rows["GM0001"]["families_in_care"] == "<5"
    assert rows["GM0002"]["families_in_care"] == 5
    assert rows["r1"]["families_in_care"] == 10
    assert {"trend-in-zorg", "wachttijd-aanmelding", "thuiszitters", "signalen"} <= set(tables)


def test_the_json_has_the_same_cells_as_the_page(client, figures):
    from casusregie.models import Role
    from tests.conftest import verified_login
    from tests.factories import WorkerFactory

    gert = WorkerFactory(local_team=None, region=figures.region, roles=[Role.POLICY])
    page = verified_login(client, gert).get(
        reverse("dashboard-care"), {"periode": "2026", "indeling": "gemeente", "csv": "in-zorg"}
    )
    body = _api(_key(figures.region)).get(URL, {"periode": "2026", "indeling": "gemeente"})
    table = next(t for t in body.json()["tables"] if t["name"] == "in-zorg")
    as_csv = [line.split(",")[2] for line in page.content.decode().splitlines()[1:]]
    as_json = [r["values"]["families_in_care"] for r in table["rows"]]
    assert as_csv == [str(v) for v in as_json]


def test_without_a_regions_key_it_is_401(figures):
    provider_key = ProviderAPIKey.objects.create_key(name="p", provider=figures.a)[1]
    for key in (None, provider_key, "nonsense.key"):
        response = _api(key).get(URL)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"


def test_an_unsupported_method_is_a_405_whatever_the_key(figures):
    assert _api("nonsense.key").generic("TRACE", URL).status_code == 405
    assert _api(_key(figures.region)).post(URL, {}).status_code == 405


def test_a_revoked_key_is_401(figures):
    key = _key(figures.region)
    RegionAPIKey.objects.update(revoked=True)
    assert _api(key).get(URL).status_code == 401


def test_an_unknown_period_or_breakdown_is_a_400_problem(figures):
    api = _api(_key(figures.region))
    response = api.get(URL, {"periode": "1999"})
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "periode"
    assert api.get(URL, {"indeling": "straat"}).status_code == 400


def test_a_region_without_figures_yet_is_a_404_problem(place):
    response = _api(_key(place.region)).get(URL)
    assert response.status_code == 404
    assert response.json()["code"] == "no_figures"


def test_every_export_is_in_the_access_log_without_a_family(figures):
    key = _key(figures.region)
    before = AccessLogEntry.objects.count()
    _api(key).get(URL, {"periode": "2026-K3", "indeling": "team"})
    entry = AccessLogEntry.objects.order_by("id")[before:].get()
    assert (entry.actor_kind, entry.family_ref, entry.object_type) == ("region", "", "statistics")
    assert entry.action == "export" and entry.object_ref == "api 2026-K3 team"
    assert entry.actor == f"{key.split('.')[0]} (r1)"


def test_the_export_is_a_fixed_number_of_queries(figures, django_assert_num_queries):
    api = _api(_key(figures.region))
    api.get(URL)
    # the key (with its region), the refresh, the period's figures, the months; the access log
    # (the entries, the chain's seal)
    with django_assert_num_queries(6):
        assert api.get(URL, {"indeling": "aanbieder"}).status_code == 200


def test_region_key_creates_lists_and_revokes_keys(place):
    out, err = io.StringIO(), io.StringIO()
    call_command("region_key", "create", "r1", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert "shown once" in err.getvalue()
    key = RegionAPIKey.objects.get_from_key(secret)
    assert key.region == place.region
    listing = io.StringIO()
    call_command("region_key", "list", stdout=listing)
    assert f"{key.prefix}  r1" in listing.getvalue()
    call_command("region_key", "revoke", key.prefix, stdout=io.StringIO())
    assert RegionAPIKey.objects.get(pk=key.pk).revoked
    with pytest.raises(CommandError):
        call_command("region_key", "create", "nergens")


def test_the_export_is_in_the_openapi_schema():
    from pathlib import Path

    from django.conf import settings

    schema = (Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text()
    assert "/api/v1/stats/:" in schema
    assert "RegionApiKey" in schema
