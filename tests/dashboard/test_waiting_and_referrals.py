"""Waiting times against the treeknorm, referrals and their outcomes: by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from flags.models import RuleSetting
from referrals.models import Referral

from .conftest import D, family, observations, referral, refresh, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(place):
    p = place
    k, (ya, yb, yc, yd) = family(p.m1, p.t1, dt.date(2026, 1, 5), births=[dt.date(2012, 1, 1)] * 4)
    d = dt.date
    # accepted after 28 days (within the norm), started 12 days later
    referral(
        k,
        ya,
        p.spec,
        p.a,
        "started",
        sent=d(2026, 5, 1),
        answered=d(2026, 5, 29),
        started=d(2026, 6, 10),
    )
    # accepted after 29 days (over the norm), started the next day
    referral(
        k,
        yb,
        p.basic,
        p.b,
        "started",
        sent=d(2026, 4, 1),
        answered=d(2026, 4, 30),
        started=d(2026, 5, 1),
    )
    # accepted on 1 July, the first day of the month; not started: waiting since then
    referral(k, yc, p.stay, p.b, "accepted", sent=d(2026, 6, 30), answered=d(2026, 7, 1))
    referral(
        k,
        yd,
        p.spec,
        p.a,
        "declined",
        sent=d(2026, 10, 1),
        answered=d(2026, 10, 5),
        decline_code="no_capacity",
    )
    referral(k, yd, p.spec, p.b, "sent", sent=d(2026, 10, 6))  # 49 days without an answer
    referral(k, ya, p.spec, p.a, "expired", sent=d(2026, 3, 1))
    referral(k, ya, p.basic, p.a, "draft")  # never sent: in no figure
    referral(k, yb, p.basic, p.b, "withdrawn", sent=d(2026, 2, 10))
    referral(k, yc, p.spec, p.a, "sent", sent=d(2026, 10, 27))  # exactly 28 days on D
    refresh(p.region)
    return p


def test_aanmeldwachttijd_median_and_90th_percentile_against_the_norm(world):
    r = world.region
    assert value(r, "accept_count") == 3  # 28, 29 and 1 days
    assert value(r, "accept_wait_median") == 28
    assert value(r, "accept_wait_p90") == 28.8  # 28 + 0.8 × (29 − 28), interpolated
    assert observations(r, "accept_wait_median") == 3
    assert value(r, "accept_within_norm") == 2  # 28 days is within the 28-day norm; 29 is not


def test_behandelwachttijd_median_and_90th_percentile(world):
    r = world.region
    assert value(r, "start_count") == 2  # 12 and 1 days
    assert value(r, "start_wait_median") == 6.5
    assert value(r, "start_wait_p90") == 10.9
    assert value(r, "start_within_norm") == 2


def test_a_wait_belongs_to_the_month_in_which_it_ended(world):
    r = world.region
    assert value(r, "accept_count", "2026-06") is None  # accepted on 1 July, not in June
    assert value(r, "accept_count", "2026-07") == 1
    assert value(r, "accept_wait_median", "2026-07") == 1
    assert value(r, "start_count", "2026-05") == 1


def test_waits_by_provider(world):
    r = world.region
    assert value(r, "accept_wait_median", "2026", "provider", "p-a") == 28
    assert value(r, "accept_wait_median", "2026", "provider", "p-b") == 15  # 29 and 1


def test_waiting_now_and_over_the_norm(world):
    r = world.region
    assert value(r, "waiting_for_answer", "nu") == 2
    assert value(r, "waiting_for_answer_over_norm", "nu") == 1  # 49 days; 28 days is not over
    assert value(r, "waiting_for_start", "nu") == 1
    assert value(r, "waiting_for_start_over_norm", "nu") == 1  # 146 days since 1 July
    assert value(r, "treeknorm_accept_days", "nu") == 28
    assert value(r, "treeknorm_start_days", "nu") == 42


def test_the_treeknorm_follows_the_regions_waiting_time_thresholds(world):
    r = world.region
    RuleSetting.objects.create(region=r, rule="WAITING_TIME_EXCEEDED", warning=21, violation=63)
    refresh(r)
    assert value(r, "treeknorm_accept_days", "nu") == 21
    assert value(r, "treeknorm_start_days", "nu") == 42
    assert value(r, "accept_within_norm") == 1  # only the 1-day wait
    assert value(r, "waiting_for_answer_over_norm", "nu") == 2  # 28 days is over 21


def test_referrals_sent_and_their_outcomes(world):
    r = world.region
    assert value(r, "referrals_sent") == 8  # every referral but the draft
    assert value(r, "outcome_accepted") == 3
    assert value(r, "outcome_declined") == 1
    assert value(r, "outcome_expired") == 1
    assert value(r, "outcome_withdrawn") == 1
    assert value(r, "outcome_open") == 2
    assert value(r, "declined_by_reason", category="no_capacity") == 1
    assert value(r, "referrals_sent", "2026-10") == 3
    assert value(r, "referrals_sent", "2026-09") is None


def test_referrals_per_segment(world):
    r = world.region
    assert value(r, "referrals_sent", "2026", "segment", "ambulant") == 7
    assert value(r, "referrals_sent", "2026", "segment", "verblijf") == 1
    assert value(r, "outcome_accepted", "2026", "segment", "verblijf") == 1


# -- waiting youths with and without bridging support (issue 15) --------------------------------
def _bridged(ref, on):
    Referral.objects.filter(pk=ref.pk).update(bridging_from=on, bridging_description="Gesprekken")


@pytest.fixture
def waiting_youths(place):
    """In Beekdorp four youths: y1 waits with bridging, y2 with bridging planned after D, y3
    waits for two kinds of care with bridging on one of them, y4's care has started."""
    p, d = place, dt.date
    k, (y1, y2, y3, y4) = family(p.m2, p.t2, d(2026, 1, 5), births=[d(2012, 1, 1)] * 4)
    _bridged(referral(k, y1, p.spec, p.a, "sent", sent=d(2026, 11, 2)), D - dt.timedelta(days=3))
    _bridged(
        referral(k, y2, p.stay, p.b, "accepted", sent=d(2026, 10, 1), answered=d(2026, 10, 8)),
        D + dt.timedelta(days=5),
    )
    referral(k, y3, p.spec, p.a, "sent", sent=d(2026, 11, 2))
    _bridged(
        referral(k, y3, p.basic, p.b, "accepted", sent=d(2026, 10, 1), answered=d(2026, 10, 2)),
        d(2026, 10, 2),
    )
    _bridged(
        referral(
            k,
            y4,
            p.spec,
            p.a,
            "started",
            sent=d(2026, 9, 1),
            answered=d(2026, 9, 2),
            started=d(2026, 10, 1),
        ),
        d(2026, 9, 2),
    )
    refresh(p.region)
    return p


def test_waiting_youths_with_and_without_bridging(waiting_youths):
    r = waiting_youths.region
    assert value(r, "waiting_youths", "nu") == 3  # y4's care started: no longer waiting
    assert value(r, "waiting_youths_bridged", "nu") == 2  # y1, and y3 on one of its two
    assert value(r, "waiting_youths_unbridged", "nu") == 1  # y2: bridging begins after D
    assert value(r, "waiting_youths", "nu", "municipality", "GM0002") == 3
    assert value(r, "waiting_youths", "2026") is None  # on the peildatum only


def test_bridging_planned_after_the_peildatum_is_not_yet_bridging(waiting_youths):
    r = waiting_youths.region
    assert value(r, "waiting_youths_unbridged", "nu", "segment", "verblijf") == 1
    assert value(r, "waiting_youths_bridged", "nu", "segment", "verblijf") == 0


def test_by_kind_of_care_a_youth_counts_with_its_waiting_referrals_of_that_kind(waiting_youths):
    r = waiting_youths.region
    # ambulant: y1 (bridged) and y3 (bridged on its basic referral, also ambulant)
    assert value(r, "waiting_youths", "nu", "segment", "ambulant") == 2
    assert value(r, "waiting_youths_bridged", "nu", "segment", "ambulant") == 2
    # AMB-SPEC: y1 bridged, y3 without bridging on that referral
    assert value(r, "waiting_youths_bridged", "nu", "product", "AMB-SPEC") == 1
    assert value(r, "waiting_youths_unbridged", "nu", "product", "AMB-SPEC") == 1
    # provider B: y2 (not yet) and y3 (bridged)
    assert value(r, "waiting_youths", "nu", "provider", "p-b") == 2


def test_a_segment_is_shown_by_the_regions_own_name(client, waiting_youths):
    from dashboard.models import Refresh
    from dashboard.pages import context, published
    from dashboard.periods import default_period

    r = waiting_youths.region
    refresh_row = Refresh.objects.get(region=r)
    ctx = context(r, refresh_row, default_period(refresh_row.as_of), "segment")
    table = next(t for t in published(ctx)["wachttijden"] if t.name == "wachtend-overbrugging")
    labels = {row.member: row.label for row in table.rows}
    assert labels == {
        "ambulant": "Ambulante jeugdhulp",
        "verblijf": "Jeugdhulp met verblijf",
        "r1": "Regio Een",
    }
    region_row = next(row for row in table.rows if row.total)
    # counts under five are "<5", as every other count
    assert region_row.values["waiting_youths"] == "<5"
    assert region_row.values["waiting_youths_unbridged"] == "<5"
