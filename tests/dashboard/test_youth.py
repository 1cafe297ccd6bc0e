"""Thuiszitters now and youths turning 18 in care: by hand, and as the rulebook sees them."""

from __future__ import annotations

import datetime as dt

import pytest

from flags.models import Flag, RuleSetting
from flags.services import sweep
from tests.factories import PerspectivePlanFactory

from .conftest import D, at_home, family, observations, referral, refresh, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def thuiszitters(place):
    p = place
    k1, (y1, y2) = family(
        p.m1, p.t1, dt.date(2026, 1, 5), births=[dt.date(2010, 5, 1), dt.date(2008, 10, 1)]
    )
    at_home(y1, dt.date(2026, 8, 24))  # 3 months on D itself: 92 days at home
    at_home(y2, dt.date(2026, 9, 1))  # 18 since 1 October: no longer of school age
    k2, (y3,) = family(p.m2, p.t2, dt.date(2026, 1, 5), births=[dt.date(2015, 1, 1)])
    at_home(y3, dt.date(2026, 10, 25), "not_enrolled")  # a month tomorrow: 30 days
    k3, (y4,) = family(p.m1, p.t1, dt.date(2026, 1, 5), births=[dt.date(2012, 6, 1)])
    at_home(y4, dt.date(2026, 10, 24))  # a month today: 31 days
    _k4, (y5,) = family(
        p.m1, p.t1, dt.date(2025, 1, 5), dt.date(2026, 6, 1), births=[dt.date(2013, 1, 1)]
    )
    at_home(y5, dt.date(2026, 3, 1))  # no open case: not judged
    return p


def test_thuiszitters_now_by_the_rules_thresholds(thuiszitters):
    r = thuiszitters.region
    refresh(r)
    assert value(r, "thuiszitters", "nu") == 3
    assert value(r, "thuiszitters_under_warning", "nu") == 1  # y3: 30 days
    assert value(r, "thuiszitters_warning", "nu") == 1  # y4: one month on D
    assert value(r, "thuiszitters_violation", "nu") == 1  # y1: three months on D
    assert value(r, "days_at_home_median", "nu") == 31  # 30, 31, 92
    assert observations(r, "days_at_home_median", "nu") == 3
    assert value(r, "thuiszitters", "nu", "municipality", "GM0001") == 2
    assert value(r, "thuiszitters", "nu", "local_team", "lt-zuid") == 1


def test_the_warning_and_violation_bands_are_the_rules_own_flags(thuiszitters):
    r = thuiszitters.region
    sweep(D, region=r)
    refresh(r)
    flagged = Flag.objects.filter(rule="THUISZITTER_3M", resolved_on__isnull=True)
    assert flagged.count() == value(r, "thuiszitters_warning", "nu") + value(
        r, "thuiszitters_violation", "nu"
    )
    assert flagged.filter(severity="violation").count() == 1


def test_the_regions_own_thuiszitter_thresholds_move_the_bands(thuiszitters):
    r = thuiszitters.region
    RuleSetting.objects.create(region=r, rule="THUISZITTER_3M", warning=2, violation=4)
    refresh(r)
    assert value(r, "thuiszitters_under_warning", "nu") == 2
    assert value(r, "thuiszitters_warning", "nu") == 1
    assert value(r, "thuiszitters_violation", "nu") == 0


@pytest.fixture
def turning_18(place):
    p = place
    d = dt.date
    k, (ya, yb, yc, yd, ye) = family(
        p.m1,
        p.t1,
        d(2025, 1, 1),
        births=[d(2008, 10, 1), d(2009, 5, 24), d(2009, 5, 25), d(2009, 1, 1), d(2009, 2, 1)],
    )

    def care(youth, product, started, status="started", ended=None):
        referral(
            k if youth.family_id == k.family_id else k2,
            youth,
            product,
            p.a,
            status,
            sent=started,
            answered=started,
            started=started,
            ended=ended,
        )

    care(ya, p.stay, d(2026, 2, 1))  # 18 since 1 October
    PerspectivePlanFactory(case=k, youth=ya, kind="transition_18", status="draft")
    care(yb, p.spec, d(2026, 3, 1))  # 18 on 24 May 2027: half a year before is D itself
    PerspectivePlanFactory(case=k, youth=yb, kind="transition_18", status="agreed")
    care(yc, p.spec, d(2026, 3, 1))  # a day later: not yet in the window
    care(yd, p.basic, d(2026, 3, 1))  # basic care only
    care(ye, p.spec, d(2026, 3, 1), "ended", D)  # care ended on D
    k2, (yf,) = family(p.m2, p.t2, d(2025, 1, 1), births=[d(2008, 12, 1)])
    care(yf, p.spec, d(2026, 6, 1))  # 18 on 1 December, no plan at all
    return p


def test_youths_turning_18_in_care_and_their_transition_plan(turning_18):
    r = turning_18.region
    refresh(r)
    assert value(r, "turning_18", "nu") == 3
    assert value(r, "turning_18_not_yet", "nu") == 2
    assert value(r, "turning_18_already", "nu") == 1
    assert value(r, "transition_plan_agreed", "nu") == 1
    assert value(r, "transition_plan_draft", "nu") == 1
    assert value(r, "transition_plan_none", "nu") == 1
    assert value(r, "turning_18", "nu", "municipality", "GM0002") == 1


def test_those_without_an_agreed_plan_are_the_transition_18_flags(turning_18):
    r = turning_18.region
    sweep(D, region=r)
    refresh(r)
    open_flags = Flag.objects.filter(rule="TRANSITION_18", resolved_on__isnull=True).count()
    assert open_flags == 2
    assert open_flags == value(r, "transition_plan_draft", "nu") + value(
        r, "transition_plan_none", "nu"
    )
