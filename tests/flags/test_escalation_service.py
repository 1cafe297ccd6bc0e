"""The minimal escalation service: one open escalation per case, joined when there is one."""

from __future__ import annotations

import datetime as dt

import pytest

from escalations.models import Escalation
from escalations.services import submit_escalation

pytestmark = pytest.mark.django_db
D = dt.date


def test_submit_escalation_brings_the_case_to_the_table(garp_case, regisseur):
    case = garp_case(D(2026, 9, 1))
    escalation = submit_escalation(
        case=case, reason="Geen passend aanbod", by=regisseur, submitted_on=D(2026, 11, 2)
    )
    assert (escalation.case, escalation.submitted_on, escalation.source) == (
        case,
        D(2026, 11, 2),
        "regisseur",
    )
    assert escalation.submitted_by == regisseur


def test_submitting_twice_joins_the_case_s_open_escalation(garp_case):
    case = garp_case(D(2026, 9, 1))
    first = submit_escalation(case=case, reason="a", submitted_on=D(2026, 11, 2))
    second = submit_escalation(case=case, reason="b", submitted_on=D(2026, 11, 3))
    assert second == first
    assert Escalation.objects.count() == 1


def test_after_discussion_a_new_escalation_can_be_submitted(garp_case):
    case = garp_case(D(2026, 9, 1))
    first = submit_escalation(case=case, reason="a", submitted_on=D(2026, 11, 2))
    first.discussed_on = D(2026, 11, 10)
    first.save()
    second = submit_escalation(case=case, reason="b", submitted_on=D(2026, 11, 12))
    assert second != first
    assert Escalation.objects.count() == 2
