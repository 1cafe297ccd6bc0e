"""The refresh over several connections (issue 19, point 5): the same figures as on one, published
in one transaction, its schema gone afterwards, the old figures kept when it fails.

These tests commit their data (``transaction=True``): the refresh's own connections cannot see a
test's uncommitted rows, and inside a caller's transaction the refresh runs on one connection.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection

from dashboard import services
from dashboard.models import Figure, Refresh
from dashboard.periods import periods_as_of
from dashboard.topics import TOPICS
from dashboard.topics.base import Topic

from .conftest import D, at_home, family, referral
from .test_refresh import _figures

pytestmark = pytest.mark.django_db(transaction=True)


def _region_data(place) -> None:
    for i in range(4):
        team = place.t1 if i % 2 else place.t2
        municipality = place.m1 if i % 2 else place.m2
        case, (youth, sibling) = family(
            municipality,
            team,
            dt.date(2025, 3, 1 + i),
            closed=dt.date(2026, 6, 1) if i == 3 else None,
            births=[dt.date(2010 + i, 1, 1), dt.date(2008, 12, 1)],
        )
        at_home(youth, dt.date(2026, 8, 1 + i))
        referral(
            case,
            sibling,
            place.spec if i % 2 else place.stay,
            place.a,
            "ended" if i == 2 else "started",
            sent=dt.date(2025, 4, 1),
            answered=dt.date(2025, 4, 10),
            started=dt.date(2025, 5, 1),
            **({"ended": dt.date(2026, 2, 1)} if i == 2 else {}),
        )
    family(place.other, place.t3, dt.date(2026, 1, 1), births=[dt.date(2015, 1, 1)])


def _refresh_schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schema_name FROM information_schema.schemata"
            " WHERE schema_name LIKE 'dashboard_refresh_%%'"
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.fixture
def spread(monkeypatch):
    """Counts the refresh's runs over connections of their own."""
    calls = []
    original = services._spread

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_spread", counted)
    return calls


def test_over_two_connections_the_figures_are_those_of_one(place, settings, spread):
    _region_data(place)
    settings.DASHBOARD_REFRESH_CONNECTIONS = 1
    services.refresh_statistics(D, region=place.region)
    on_one = _figures(place.region)
    assert not spread  # one connection: no other connections used

    settings.DASHBOARD_REFRESH_CONNECTIONS = 2
    result = services.refresh_statistics(D, region=place.region)
    assert len(spread) == 2  # the region's tables, then the statements
    assert _figures(place.region) == on_one
    assert result.figures == len(on_one) > 100
    assert Refresh.objects.get(region=place.region).figures == len(on_one)
    assert _refresh_schemas() == []  # dropped after the refresh


def test_two_regions_refreshed_over_connections_keep_their_own_figures(place, settings):
    _region_data(place)
    settings.DASHBOARD_REFRESH_CONNECTIONS = 2
    services.refresh_statistics(D)  # every region
    other = place.other.region
    assert Figure.objects.filter(region=place.region).exists()
    assert Figure.objects.filter(region=other).exists()
    assert not Figure.objects.filter(region=other, member=place.m1.code).exists()
    assert _refresh_schemas() == []


def test_a_failing_statement_leaves_the_old_figures_and_no_schema(place, settings, monkeypatch):
    _region_data(place)
    settings.DASHBOARD_REFRESH_CONNECTIONS = 2
    services.refresh_statistics(D, region=place.region)
    before = _figures(place.region)
    refreshed = Refresh.objects.get(region=place.region).finished_at

    broken = Topic(code="broken", title="", measures=(), statements=("SELECT 1 / 0",))
    monkeypatch.setattr(services, "TOPICS", [*TOPICS, broken])
    with pytest.raises(DatabaseError):
        services.refresh_statistics(D + dt.timedelta(days=1), region=place.region)
    assert _figures(place.region) == before
    assert Refresh.objects.get(region=place.region).finished_at == refreshed
    assert _refresh_schemas() == []


def test_the_figures_are_replaced_in_one_transaction(place, settings, monkeypatch):
    """The old figures are deleted and the staged ones put in by one transaction: when it fails
    after the new figures are in (here: recording the refresh), the old ones are still there."""
    _region_data(place)
    settings.DASHBOARD_REFRESH_CONNECTIONS = 2
    services.refresh_statistics(D, region=place.region)
    before = _figures(place.region)

    def fail(*args, **kwargs):
        assert Figure.objects.filter(region=place.region).exists()  # the new ones, staged in
        raise DatabaseError("recording the refresh failed")

    monkeypatch.setattr(services, "_record", fail)
    with pytest.raises(DatabaseError):
        services.refresh_statistics(D + dt.timedelta(days=1), region=place.region)
    assert _figures(place.region) == before
    assert _refresh_schemas() == []


def test_a_schema_left_by_a_crashed_refresh_is_replaced(place, settings):
    _region_data(place)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA dashboard_refresh_{place.region.pk}")
        cursor.execute(f"CREATE TABLE dashboard_refresh_{place.region.pk}.stat_case (x int)")
    settings.DASHBOARD_REFRESH_CONNECTIONS = 2
    services.refresh_statistics(D, region=place.region)
    assert Figure.objects.filter(region=place.region).exists()
    assert _refresh_schemas() == []


def test_the_periods_fit_in_the_bits_of_one_bigint():
    """The youths in care with regional care mark their periods as bits of a bigint
    (topics/care.py): period ids must stay below 63."""
    assert len(periods_as_of(D)) <= 63
