"""Celery tasks of the rulebook: thin wrappers around the services, idempotent, retried."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import Nudge

from .models import Notification
from .rules import RULES_BY_CODE

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(name="flags.tasks.sweep_all", **RETRY)
def sweep_all(as_of: str | None = None, split: bool = False) -> dict:
    """The daily sweep of every region (Celery beat, 06:00 Europe/Amsterdam by default).

    ``split``: one ``sweep_municipality`` task per municipality, as a Celery group, so that
    several worker processes share the work (``make bench-scaleout``); each is idempotent,
    retried, and locked against a sweep of its region or of itself (``flags.services``).
    Without it: one transaction per region, here.
    """
    import datetime as dt

    from .calendar import ensure_calendar
    from .services import sweep

    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    if split:
        from celery import group

        from casusregie.models import Municipality

        ensure_calendar(day)  # once, before the municipalities' sweeps start side by side
        ids = list(Municipality.objects.order_by("pk").values_list("pk", flat=True))
        group(sweep_municipality.s(day.isoformat(), pk) for pk in ids).apply_async()
        return {"as_of": day.isoformat(), "municipalities": len(ids)}
    result = sweep(day)
    return {"as_of": day.isoformat(), "opened": result.opened, "resolved": result.resolved}


@shared_task(name="flags.tasks.sweep_municipality", **RETRY)
def sweep_municipality(as_of: str, municipality_id: int) -> dict:
    """One municipality's part of a split sweep (``sweep_all(split=True)``)."""
    import datetime as dt

    from .services import sweep

    result = sweep(dt.date.fromisoformat(as_of), municipality=municipality_id)
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
    from .services import sweep_requested as sweep

    result = sweep(timezone.localdate())
    return {"cases": result.cases, "opened": result.opened, "resolved": result.resolved}


@shared_task(name="flags.tasks.send_flag_emails", base=Nudge, **RETRY)
def send_flag_emails() -> int:
    """E-mail unread, un-mailed notifications to their recipients (off by default)."""
    if not settings.FLAG_EMAIL_ENABLED:
        return 0
    sent = 0
    with transaction.atomic():
        pending = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True, read_at__isnull=True)
            .exclude(recipient__email="")
            .select_related("recipient", "flag")[:500]
        )
        for note in pending:
            rule = RULES_BY_CODE.get(note.flag.rule)
            title = str(rule.title) if rule else note.flag.rule
            send_mail(
                subject=_("Casusregie: %(title)s") % {"title": title},
                message=_(
                    "Er is een signaal voor u in Casusregie: %(title)s (sinds %(since)s). "
                    "Log in om het te bekijken."
                )
                % {"title": title, "since": note.flag.since.isoformat()},
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[note.recipient.email],
            )
            note.emailed_at = timezone.now()
            note.save(update_fields=["emailed_at"])
            sent += 1
    return sent
