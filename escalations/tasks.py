"""Celery task of the expert table: the meldingen of the follow-up dates (thin, idempotent)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="escalations.tasks.notify_follow_ups_due")
def notify_follow_ups_due(on: str | None = None) -> dict:
    """Daily (Celery beat): a melding for the regisseur of each decision whose follow-up date
    has come; a decision gets it once (``Decision.follow_up_noticed_on``)."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    return {"on": day.isoformat(), "meldingen": services.notify_follow_ups_due(day)}
