"""In care, local and regional, the youth share: each figure against hand-computed values."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.models import Figure, MunicipalityPopulation
from tests.factories import CaseFactory, YouthFactory

from .conftest import family, referral, refresh, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(place):
    """Five families of region r1 (and one of r2), as drawn in the comments."""
    p = place
    # F1, Aadorp, team Noord: open since 15 March; y2 turns 18 on 1 October 2026
    k1, (y1, y2) = family(
        p.m1, p.t1, dt.date(2026, 3, 15), births=[dt.date(2010, 5, 1), dt.date(2008, 10, 1)]
    )
    # F2, Beekdorp: a case of team Zuid closed on 1 February, then one of team Noord
    k2, (y3,) = family(
        p.m2, p.t2, dt.date(2025, 1, 1), dt.date(2026, 2, 1), births=[dt.date(2015, 1, 1)]
    )
    k3 = CaseFactory(family=k2.family, local_team=p.t1, opened_on=dt.date(2026, 2, 1))
    # F3: a case opened and closed on 30 September: never open for a whole day
    family(p.m1, p.t1, dt.date(2026, 9, 30), dt.date(2026, 9, 30), births=[dt.date(2012, 1, 1)])
    # F4: opened on 1 October, the first day of the month
    family(p.m1, p.t1, dt.date(2026, 10, 1), births=[dt.date(2012, 6, 1)])
    # F5: closed on 1 July, so last in care on 30 June
    k5, (y5,) = family(
        p.m1, p.t1, dt.date(2025, 6, 1), dt.date(2026, 7, 1), births=[dt.date(2013, 1, 1)]
    )
    # another region's family counts nowhere in r1
    family(p.other, p.t3, dt.date(2025, 1, 1), births=[dt.date(2014, 1, 1)])
    # y1: specialist care 10 June – 1 August (ended while F1's case stays open)
    referral(
        k1,
        y1,
        p.spec,
        p.a,
        "ended",
        sent=dt.date(2026, 5, 1),
        answered=dt.date(2026, 5, 29),
        started=dt.date(2026, 6, 10),
        ended=dt.date(2026, 8, 1),
    )
    # y3: basic care from 1 May, running
    referral(
        k3,
        y3,
        p.basic,
        p.b,
        "started",
        sent=dt.date(2026, 4, 1),
        answered=dt.date(2026, 4, 30),
        started=dt.date(2026, 5, 1),
    )
    # y5: specialist care 1 February – 1 July, the day F5's case closed
    referral(
        k5,
        y5,
        p.spec,
        p.b,
        "ended",
        sent=dt.date(2026, 1, 10),
        answered=dt.date(2026, 1, 20),
        started=dt.date(2026, 2, 1),
        ended=dt.date(2026, 7, 1),
    )
    refresh(p.region)
    return p


@pytest.mark.parametrize(
    "code, families, youths, youths_0_17, regional, local",
    [
        ("2026-06", 3, 4, 4, 2, 2),  # F1, F2, F5; y1 and y5 in specialist care
        ("2026-07", 2, 3, 3, 1, 2),  # F5 closed on 1 July; y5's care ended that day
        ("2026-08", 2, 3, 3, None, 3),  # y1's care ended on 1 August: not in August
        ("2026-09", 2, 3, 3, None, 3),  # F3's case was never open a whole day
        ("2026-10", 3, 4, 3, None, 4),  # F4 opened on 1 October; y2 is 18 on 1 October
        ("2026", 4, 5, 5, 2, 3),  # F2 counts once, though two of its cases were open
        ("2025", 2, 2, 2, None, 2),  # F2 (first case) and F5
        ("nu", 3, 4, 3, None, 4),  # on 24 November 2026
    ],
)
def test_families_and_youths_in_care_per_period(
    world, code, families, youths, youths_0_17, regional, local
):
    r = world.region
    assert value(r, "families_in_care", code) == families
    assert value(r, "youths_in_care", code) == youths
    assert value(r, "youths_0_17_in_care", code) == youths_0_17
    assert value(r, "youths_regional", code) == (regional or 0)
    assert value(r, "youths_local", code) == local


def test_a_family_counts_with_the_team_of_its_last_case_in_the_period(world):
    r = world.region
    # January: F2's first case (team Zuid) was open all month, its second opened in February
    assert value(r, "families_in_care", "2026-01", "local_team", "lt-zuid") == 1
    assert value(r, "families_in_care", "2026-02", "local_team", "lt-zuid") is None
    assert value(r, "families_in_care", "2026-02", "local_team", "lt-noord") == 2
    # over the year: F2 in team Noord only
    assert value(r, "families_in_care", "2026", "local_team", "lt-noord") == 4
    assert value(r, "families_in_care", "2026", "local_team", "lt-zuid") is None
    assert value(r, "families_in_care", "2025", "local_team", "lt-zuid") == 1


def test_by_municipality_the_members_add_up_to_the_region(world):
    r = world.region
    assert value(r, "youths_in_care", "2026-07", "municipality", "GM0001") == 2
    assert value(r, "youths_in_care", "2026-07", "municipality", "GM0002") == 1
    labels = set(
        Figure.objects.filter(region=r, dimension="municipality").values_list("label", flat=True)
    )
    assert labels == {"Aadorp", "Beekdorp"}


def test_another_region_is_neither_counted_nor_refreshed(world):
    assert not Figure.objects.exclude(region=world.region).exists()
    assert not Figure.objects.filter(member="GM0009").exists()


@pytest.mark.parametrize(
    "dimension, member, youths",
    [
        ("provider", "p-a", 1),
        ("provider", "p-b", 1),
        ("segment", "ambulant", 2),
        ("product", "AMB-SPEC", 1),
        ("product", "AMB-BAS", 1),
    ],
)
def test_youths_receiving_care_in_july_by_provider_segment_and_product(
    world, dimension, member, youths
):
    assert value(world.region, "youths_receiving_care", "2026-07", dimension, member) == youths


def test_care_that_ended_on_the_first_of_the_month_is_not_in_that_month(world):
    assert value(world.region, "youths_receiving_care", "2026-08", "provider", "p-a") is None


def test_flows_between_local_and_regional_care(world):
    r = world.region
    assert value(r, "care_started", "2026", category="regional") == 2
    assert value(r, "care_started", "2026", category="local") == 1
    # y1's case stayed open: back to local; y5's case closed the day care ended
    assert value(r, "care_ended", "2026", category="back_to_local") == 1
    assert value(r, "care_ended", "2026", category="case_closed") == 1
    assert value(r, "care_started", "2026-06", category="regional") == 1  # y1 on 10 June


def test_the_youth_population_is_the_latest_cbs_year_up_to_the_period(place):
    p = place
    MunicipalityPopulation.objects.create(municipality=p.m1, year=2026, youth_population=1000)
    MunicipalityPopulation.objects.create(municipality=p.m1, year=2025, youth_population=990)
    MunicipalityPopulation.objects.create(municipality=p.m2, year=2025, youth_population=500)
    refresh(p.region)
    assert value(p.region, "youth_population", "2026") == 1500  # Beekdorp's 2025 count
    assert value(p.region, "youth_population", "2025") == 1490
    assert value(p.region, "youth_population", "2024") is None
    assert value(p.region, "youth_population", "2026-07", "municipality", "GM0001") == 1000


def test_a_youth_born_after_the_period_is_not_in_care_in_it(place):
    p = place
    k, _ = family(p.m1, p.t1, dt.date(2025, 1, 1), births=[dt.date(2015, 1, 1)])
    YouthFactory(family=k.family, birth_date=dt.date(2026, 8, 15))
    refresh(p.region)
    assert value(p.region, "youths_in_care", "2026-07") == 1
    assert value(p.region, "youths_in_care", "2026-08") == 2
    assert value(p.region, "families_in_care", "2026-08") == 1
