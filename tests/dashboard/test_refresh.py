"""The refresh: idempotent, set-based (a fixed number of queries), on a clock and on demand."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import Figure, Refresh
from dashboard.periods import MONTHS, QUARTERS, YEARS, periods_as_of
from dashboard.tasks import refresh_statistics as refresh_task

from .conftest import D, at_home, family, referral, refresh

pytestmark = pytest.mark.django_db


def _figures(region):
    return sorted(
        Figure.objects.filter(region=region).values_list(
            "period_kind",
            "period_start",
            "period_end",
            "dimension",
            "member",
            "label",
            "measure",
            "category",
            "value",
            "observations",
        )
    )


def _some_data(place, n: int = 1):
    for i in range(n):
        k, (y,) = family(place.m1, place.t1, dt.date(2026, 1, 5), births=[dt.date(2012, 1, 1)])
        at_home(y, dt.date(2026, 9, 1 + i % 20))
        referral(
            k,
            y,
            place.spec,
            place.a,
            "started",
            sent=dt.date(2026, 2, 1),
            answered=dt.date(2026, 2, 10),
            started=dt.date(2026, 3, 1),
        )


def test_a_second_refresh_with_the_same_data_and_date_writes_the_same_figures(place):
    _some_data(place, 3)
    refresh(place.region)
    first = _figures(place.region)
    refresh(place.region)
    assert _figures(place.region) == first
    assert first
    assert Refresh.objects.filter(region=place.region).count() == 1


def test_a_refresh_replaces_the_regions_figures(place):
    _some_data(place)
    refresh(place.region)
    Figure.objects.filter(region=place.region).update(value=999)
    refresh(place.region)
    assert not Figure.objects.filter(region=place.region, value=999).exists()


def test_the_refresh_is_a_fixed_number_of_queries_whatever_the_data(place):
    def queries(n):
        _some_data(place, n)
        with CaptureQueriesContext(connection) as captured:
            refresh(place.region)
        return len(captured)

    queries(0)  # the first refresh creates the region's Refresh row
    assert queries(1) == queries(10)


def test_the_periods_are_months_quarters_and_years_up_to_the_date():
    periods = periods_as_of(D)
    assert len(periods) == MONTHS + QUARTERS + YEARS + 1
    codes = [p.code for p in periods]
    assert codes[0] == "2025-11" and codes[MONTHS - 1] == "2026-11"
    assert "2026-K4" in codes and "2024" in codes and codes[-1] == "nu"
    november = periods[MONTHS - 1]
    assert (november.start, november.end) == (dt.date(2026, 11, 1), D)  # so far
    assert november.label == "november 2026 t/m 24 november 2026"
    assert periods[MONTHS].label == "4e kwartaal 2025"


def test_the_command_refreshes_one_region_or_all(place):
    _some_data(place)
    out = io.StringIO()
    call_command("refresh_stats", "--as-of", D.isoformat(), "--region", "r1", stdout=out)
    assert "1 regions" in out.getvalue()
    assert Refresh.objects.get(region=place.region).as_of == D
    with pytest.raises(CommandError):
        call_command("refresh_stats", "--region", "nergens")
    with pytest.raises(CommandError):
        call_command("refresh_stats", "--as-of", "gisteren")


def test_the_celery_task_refreshes_every_region(place):
    _some_data(place)
    result = refresh_task.delay(as_of=D.isoformat()).get()
    assert result["regions"] == 2 and result["figures"] > 0
    assert Refresh.objects.get(region=place.region).as_of == D


def test_the_nightly_refresh_runs_an_hour_after_the_sweep():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-dashboard"]
    sweep = settings.CELERY_BEAT_SCHEDULE["daily-sweep"]["schedule"]
    assert entry["task"] == "dashboard.tasks.refresh_statistics"
    assert entry["schedule"].hour == {(next(iter(sweep.hour)) + 1) % 24}
