"""Outflow by closing reason, herhaalde zorg, and buitenregulier onderwijs (issue 16)."""

from __future__ import annotations

import datetime as dt

import pytest

from casusregie.models import Case, CloseReason, EducationPeriod

from .conftest import D, family, refresh, value

pytestmark = pytest.mark.django_db


def closed(case, on, reason="", to="Buurthuis"):
    Case.objects.filter(pk=case.pk).update(
        closed_on=on, close_reason=reason, handed_over_to=to if reason else ""
    )


def test_outflow_counts_the_closed_cases_by_reason(place):
    p = place
    k1, _ = family(p.m1, p.t1, dt.date(2026, 1, 5))
    closed(k1, dt.date(2026, 3, 2), CloseReason.GOALS_REACHED)
    k2, _ = family(p.m1, p.t1, dt.date(2026, 1, 5))
    closed(k2, dt.date(2026, 4, 1), CloseReason.GOALS_REACHED)
    k3, _ = family(p.m2, p.t2, dt.date(2026, 1, 5))
    closed(k3, dt.date(2026, 11, 2), CloseReason.MOVED)
    k4, _ = family(p.m2, p.t2, dt.date(2025, 1, 5))
    closed(k4, dt.date(2026, 6, 1))  # imported: no reason
    family(p.m1, p.t1, dt.date(2026, 1, 5))  # still open
    k6, _ = family(p.m1, p.t1, dt.date(2024, 1, 5))
    closed(k6, dt.date(2025, 6, 1), CloseReason.MOVED)  # another year
    r = p.region
    refresh(r)
    assert value(r, "cases_closed") == 4
    assert value(r, "cases_closed_by_reason", category="goals_reached") == 2
    assert value(r, "cases_closed_by_reason", category="moved") == 1
    assert value(r, "cases_closed_by_reason", category="unknown") == 1
    assert value(r, "cases_closed_by_reason", category="deceased") is None
    assert value(r, "cases_closed", "2026-11") == 1
    assert value(r, "cases_closed", "2025") == 1
    assert value(r, "cases_closed", dimension="local_team", member="lt-noord") == 2
    assert value(r, "cases_closed_by_reason", "2026", "municipality", "GM0002", "moved") == 1


def test_repeat_care_counts_the_cases_opened_within_12_months_of_a_closing(place):
    p = place
    k1, _ = family(p.m1, p.t1, dt.date(2025, 1, 6))
    closed(k1, dt.date(2025, 12, 1), CloseReason.FAMILY_STOPS)
    Case.objects.create(
        family=k1.family, local_team=p.t1, opened_on=dt.date(2026, 5, 4), is_repeat_care=True
    )
    family(p.m1, p.t1, dt.date(2026, 2, 2))
    family(p.m2, p.t2, dt.date(2026, 3, 2))
    r = p.region
    refresh(r)
    assert value(r, "cases_opened") == 3
    assert value(r, "cases_opened_repeat") == 1
    assert value(r, "cases_opened_first") == 2
    assert value(r, "cases_opened_repeat", dimension="local_team", member="lt-zuid") == 0


def test_buitenregulier_now_and_the_flow_towards_it(place):
    p = place
    k1, (y1, y2, y3) = family(
        p.m1,
        p.t1,
        dt.date(2026, 1, 5),
        births=[dt.date(2014, 1, 1), dt.date(2012, 1, 1), dt.date(2013, 1, 1)],
    )
    for youth, periods in [
        # from regular to special in 2026: buitenregulier now, and one to it
        (y1, [("attending", "regular", dt.date(2020, 9, 1)), ("attending", "special", D)]),
        # at home, then praktijkonderwijs
        (
            y2,
            [("absent", "", dt.date(2026, 2, 1)), ("attending", "practical", dt.date(2026, 3, 1))],
        ),
        # always special: buitenregulier now, no flow (where it came from is not known)
        (y3, [("attending", "special", dt.date(2019, 9, 1))]),
    ]:
        for status, school_type, from_date in periods:
            EducationPeriod.objects.create(
                youth=youth, status=status, school_type=school_type, from_date=from_date
            )
    _k2, (y4,) = family(
        p.m2, p.t2, dt.date(2025, 1, 5), dt.date(2026, 1, 5), births=[dt.date(2014, 1, 1)]
    )
    EducationPeriod.objects.create(
        youth=y4, status="attending", school_type="special", from_date=dt.date(2026, 1, 4)
    )  # no open case now; the flow counted while the case was open
    EducationPeriod.objects.create(
        youth=y4, status="attending", school_type="regular", from_date=dt.date(2025, 9, 1)
    )
    r = p.region
    refresh(r)
    assert value(r, "buitenregulier", "nu") == 2
    assert value(r, "praktijkonderwijs", "nu") == 1
    assert value(r, "to_buitenregulier") == 2  # y1 and y4
    assert value(r, "to_buitenregulier", "2026-11") == 1
    assert value(r, "to_buitenregulier", dimension="local_team", member="lt-zuid") == 1
