"""Escalations to the expert table, its decisions, and flags per rule: by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from escalations.models import Decision, TableSession
from escalations.services import expert_table_of
from flags.models import Flag
from tests.factories import EscalationFactory

from .conftest import family, refresh, value

pytestmark = pytest.mark.django_db
d = dt.date


@pytest.fixture
def world(place):
    p = place
    k1, _ = family(p.m1, p.t1, d(2025, 6, 1), births=[d(2012, 1, 1)])
    k2, _ = family(p.m2, p.t2, d(2025, 6, 1), births=[d(2012, 1, 1)])
    e1 = EscalationFactory(case=k1, submitted_on=d(2026, 3, 2), discussed_on=d(2026, 3, 16))
    # submitted on the last day of the first quarter, discussed on the first of the second
    e2 = EscalationFactory(
        case=k2, submitted_on=d(2026, 3, 31), discussed_on=d(2026, 4, 1), source="rulebook"
    )
    EscalationFactory(case=k1, submitted_on=d(2026, 11, 20))  # waiting on D
    k3, _ = family(p.m2, p.t2, d(2025, 6, 1), d(2026, 11, 1), births=[d(2012, 1, 1)])
    EscalationFactory(case=k3, submitted_on=d(2026, 10, 1))  # its case closed: not waiting
    for escalation, kind in ((e1, "advice"), (e2, "return")):
        session = TableSession.objects.create(
            region=p.region, table=expert_table_of(p.region.pk), held_on=escalation.discussed_on
        )
        Decision.objects.create(
            escalation=escalation, session=session, kind=kind, text="…", follow_up_on=d(2026, 5, 1)
        )

    def flag(case, rule, subject, opened, resolved=None, severity="warning"):
        Flag.objects.create(
            rule=rule,
            subject_type="case",
            subject_id=subject,
            case=case,
            severity=severity,
            since=opened,
            opened_on=opened,
            resolved_on=resolved,
            resolution="condition_cleared" if resolved else "",
            owner_role="regisseur",
        )

    flag(k1, "THUISZITTER_3M", 1, d(2026, 2, 1), d(2026, 3, 1))
    flag(k1, "NO_PLAN", 2, d(2026, 3, 1), severity="violation")
    flag(k2, "NO_PLAN", 3, d(2025, 12, 31))
    flag(k2, "THUISZITTER_3M", 4, D_DAY)
    refresh(p.region)
    return p


D_DAY = d(2026, 11, 24)


def test_escalations_submitted_discussed_and_waiting(world):
    r = world.region
    assert value(r, "escalations_submitted") == 4
    assert value(r, "escalations_submitted", category="regisseur") == 3
    assert value(r, "escalations_submitted", category="rulebook") == 1
    assert value(r, "escalations_discussed") == 2
    assert value(r, "escalation_days_median") == 7.5  # 14 and 1 days
    assert value(r, "escalations_waiting", "nu") == 1


def test_an_escalation_counts_in_the_quarter_of_each_of_its_dates(world):
    r = world.region
    assert value(r, "escalations_submitted", "2026-K1") == 2
    assert value(r, "escalations_discussed", "2026-K1") == 1
    assert value(r, "escalations_discussed", "2026-K2") == 1
    assert value(r, "escalations_submitted", "2026-K1", "local_team", "lt-zuid") == 1


def test_decisions_by_kind_in_the_period_of_their_session(world):
    r = world.region
    assert value(r, "decisions", "2026", category="advice") == 1
    assert value(r, "decisions", "2026", category="return") == 1
    assert value(r, "decisions", "2026-03", category="return") is None  # its session: 1 April
    assert value(r, "decisions", "2026-04", category="return") == 1


def test_flags_opened_resolved_and_open_per_rule(world):
    r = world.region
    assert value(r, "flags_opened", category="THUISZITTER_3M") == 2
    assert value(r, "flags_opened", category="NO_PLAN") == 1  # the other opened in 2025
    assert value(r, "flags_opened") == 3  # all rules
    assert value(r, "flags_resolved", category="THUISZITTER_3M") == 1
    assert value(r, "flags_open", "nu", category="NO_PLAN") == 2
    assert value(r, "flags_open_violation", "nu", category="NO_PLAN") == 1
    assert value(r, "flags_open", "nu") == 3
    assert value(r, "flags_opened", "2025", "local_team", "lt-zuid", "NO_PLAN") == 1
    assert value(r, "flags_opened", "2026-11", "municipality", "GM0002") == 1  # opened on D
