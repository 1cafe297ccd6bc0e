"""Celery tasks of the rulebook: thin wrappers around the services, idempotent, retried."""

from __future__ import annotations

import datetime as dt
import logging

from celery import group, shared_task
from django.utils import timezone

from casusregie.models import Municipality
from config.celery import Nudge

from .calendar import ensure_calendar
from .emails import RETRY, send_flag_emails  # noqa: F401 - found here by Celery
from .services import sweep_daily, sweep_full
from .services import sweep_requested as sweep_requested_cases

logger = logging.getLogger(__name__)


@shared_task(name="flags.tasks.sweep_all", **RETRY)
def sweep_all(as_of: str | None = None, split: bool = False, full: bool = False) -> dict:
    """The daily sweep of every region (Celery beat, 06:00 Europe/Amsterdam by default):
    incremental (``flags.services.sweep_daily``: the requested cases and those whose date is
    due), or with ``full`` every open case (beat, weekly; a daily sweep is full by itself after
    a change of thresholds, calendar or rulebook).

    ``split``: one ``sweep_municipality`` task per municipality, as a Celery group, so that
    several worker processes share the work (``make bench-scaleout``); each is idempotent,
    retried, and locked against a sweep of its region or of itself (``flags.services``).
    Without it: one transaction per region, here.
    """
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    if split:
        ensure_calendar(day)  # once, before the municipalities' sweeps start side by side
        ids = list(Municipality.objects.order_by("pk").values_list("pk", flat=True))
        group(sweep_municipality.s(day.isoformat(), pk, full) for pk in ids).apply_async()
        return {"as_of": day.isoformat(), "municipalities": len(ids)}
    result = sweep_full(day) if full else sweep_daily(day)
    return {"as_of": day.isoformat(), "opened": result.opened, "resolved": result.resolved}


@shared_task(name="flags.tasks.sweep_municipality", **RETRY)
def sweep_municipality(as_of: str, municipality_id: int, full: bool = False) -> dict:
    """One municipality's part of a split sweep (``sweep_all(split=True)``), of either kind."""
    day = dt.date.fromisoformat(as_of)
    run = sweep_full if full else sweep_daily
    result = run(day, municipality=municipality_id)
    return {
        "as_of": as_of,
        "municipality": municipality_id,
        "opened": result.opened,
        "resolved": result.resolved,
    }


@shared_task(name="flags.tasks.sweep_requested", base=Nudge, **RETRY)
def sweep_requested() -> dict:
    """Re-judge the cases changes asked for (``request_case_sweep``), all in one sweep: nudged
    on commit of each change, and every minute by beat for nudges that were lost."""
    result = sweep_requested_cases(timezone.localdate())
    return {"cases": result.cases, "opened": result.opened, "resolved": result.resolved}
