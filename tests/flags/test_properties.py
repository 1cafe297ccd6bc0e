"""Properties of the sweep: a repeated sweep changes nothing; two at once never duplicate."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalations.models import Escalation
from flags.models import Flag, Notification
from flags.services import sweep
from referrals.lifecycle import Status
from tests.factories import (
    EducationPeriodFactory,
    EscalationFactory,
    EvaluationFactory,
    ProductFactory,
    ReferralFactory,
)

D = dt.date
BASE = D(2026, 1, 1)

days = st.integers(min_value=0, max_value=400).map(lambda n: BASE + dt.timedelta(days=n))

case_spec = st.fixed_dictionaries(
    {
        "opened": days,
        "regisseur": st.booleans(),
        "plan": st.booleans(),
        "analysis": st.booleans(),
        "birth_year": st.integers(min_value=2006, max_value=2022),
        "home_from": st.none() | days,
        "referral": st.sampled_from(["none", "sent", "accepted", "declined", "started"]),
        "evaluation": st.none() | days,
        "escalation": st.none() | days,
    }
)


def build(spec: dict, garp_case, youth_in) -> None:
    case = garp_case(
        spec["opened"],
        with_regisseur=spec["regisseur"],
        with_plan=spec["plan"],
        with_analysis=spec["analysis"],
    )
    youth = youth_in(case, birth_date=D(spec["birth_year"], 2, 28))
    if spec["home_from"]:
        EducationPeriodFactory(youth=youth, status="absent", from_date=spec["home_from"])
    sent = spec["opened"]
    product = ProductFactory(code="AMB-SPEC")
    kind = spec["referral"]
    if kind == "sent":
        ReferralFactory(case=case, youth=youth, product=product, status=Status.SENT, sent_on=sent)
    elif kind in ("accepted", "declined", "started"):
        extra = {"decline_reason": "geen capaciteit"} if kind == "declined" else {}
        if kind == "started":
            extra["started_on"] = sent
        ReferralFactory(
            case=case,
            youth=youth,
            product=product,
            status=kind,
            sent_on=sent,
            answered_on=sent,
            **extra,
        )
    if spec["evaluation"] and spec["plan"]:
        EvaluationFactory(plan=case.plans.get(), planned_on=spec["evaluation"])
    if spec["escalation"]:
        EscalationFactory(case=case, submitted_on=spec["escalation"])


def snapshot():
    return (
        list(Flag.objects.order_by("pk").values()),
        list(Escalation.objects.order_by("pk").values()),
        list(Notification.objects.order_by("pk").values()),
    )


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(case_spec, min_size=1, max_size=4), as_of=days)
def test_sweeping_twice_changes_nothing(garp_case, youth_in, specs, as_of):
    for spec in specs:
        build(spec, garp_case, youth_in)
    as_of = max(as_of, D(2027, 3, 1))
    sweep(as_of)
    before = snapshot()
    assert not sweep(as_of).changed
    assert snapshot() == before
    # A later sweep may change things, but never duplicates an open flag.
    sweep(as_of + dt.timedelta(days=30))
    keys = list(
        Flag.objects.filter(resolved_on__isnull=True).values_list(
            "rule", "subject_type", "subject_id"
        )
    )
    assert len(keys) == len(set(keys))
    Flag.objects.all().delete()
    Escalation.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_never_duplicate_a_flag(garp_case, youth_in):
    for i in range(10):
        build(
            {
                "opened": D(2026, 1, 5) + dt.timedelta(days=i),
                "regisseur": i % 2 == 0,
                "plan": i % 3 == 0,
                "analysis": i % 4 != 0,
                "birth_year": 2010,
                "home_from": D(2026, 2, 1),
                "referral": ["sent", "declined", "started", "accepted", "none"][i % 5],
                "evaluation": D(2026, 3, 1) if i % 3 == 0 else None,
                "escalation": None,
            },
            garp_case,
            youth_in,
        )
    as_of = D(2026, 9, 1)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            sweep(as_of)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    concurrent = sorted(
        Flag.objects.values_list("rule", "subject_type", "subject_id", "severity", "since")
    )
    assert concurrent and len(concurrent) == len(set(concurrent))
    assert Escalation.objects.count() == len(set(Escalation.objects.values_list("case", flat=True)))

    Flag.objects.all().delete()
    Escalation.objects.filter(source="rulebook").delete()
    sweep(as_of)
    alone = sorted(
        Flag.objects.values_list("rule", "subject_type", "subject_id", "severity", "since")
    )
    assert concurrent == alone
    connection.close()
