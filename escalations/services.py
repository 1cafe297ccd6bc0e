"""Writes of the expert table: bringing a case to the table.

The sweep submits its escalations set-based in SQL (``flags.services``), with the same rule as
here: a case has at most one open escalation (a database constraint), and a new request for a
case that is already on the table joins the open escalation instead of making a second one.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from casusregie.models import Case, Worker

from .models import Escalation, EscalationSource


def open_escalation_of(case: Case) -> Escalation | None:
    """The case's escalation that has not been discussed yet, if any."""
    return Escalation.objects.filter(case=case, discussed_on__isnull=True).first()


def submit_escalation(
    *,
    case: Case,
    reason: str,
    by: Worker | None = None,
    source: str = EscalationSource.REGISSEUR,
    submitted_on: dt.date | None = None,
) -> Escalation:
    """Bring ``case`` to its region's expert table; the open escalation when there is one."""
    existing = open_escalation_of(case)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                case=case,
                reason=reason,
                submitted_by=by,
                source=source,
                submitted_on=submitted_on or timezone.localdate(),
            )
    except IntegrityError:
        # Someone else submitted one at the same moment: that one is the case's escalation.
        escalation = open_escalation_of(case)
        if escalation is None:
            raise
        return escalation

    from flags.services import request_case_sweep

    request_case_sweep(case)  # ESCALATION_NOT_DISCUSSED starts counting for this escalation
    return escalation
