"""Inputs that `make fuzz` found answered with a 500; each is now a clear 400."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
BASE = "/api/v1/referrals/"


@pytest.mark.parametrize(
    "since",
    [
        "5875-10-15T00:24:11.056174-17:47",  # an offset PostgreSQL cannot store
        "2026-01-01T00:00:00+14:30",
        "1899-12-31T23:59:59Z",
        "2026-01-01T00:00:00-14:01",
    ],
)
def test_updated_since_outside_what_postgresql_stores_is_a_400(api, make_referral, since):
    make_referral()
    response = api.get(BASE, {"updated_since": since})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["invalid_params"][0]["name"] == "updated_since"


@pytest.mark.parametrize("since", ["2026-01-01T00:00:00+14:00", "2026-01-01T00:00:00-12:00"])
def test_updated_since_at_the_edges_is_accepted(api, make_referral, since):
    make_referral()
    assert api.get(BASE, {"updated_since": since}).status_code == 200
