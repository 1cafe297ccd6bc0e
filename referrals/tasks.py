"""Celery tasks of the referrals: webhook delivery from the outbox, and expiry."""

from __future__ import annotations

import time

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from config.celery import Nudge

RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": True, "max_retries": 8}


# One run delivers batches until the due events are done or this time is up: after an outage
# (of Redis, of the receiver) the backlog goes out at once, not one batch per beat interval.
DELIVERY_RUN_SECONDS = 30


@shared_task(name="referrals.tasks.deliver_outbox", base=Nudge, **RETRY)
def deliver_outbox(batch: int = 100) -> int:
    """Deliver due outbox events (nudged on commit after each change, and every few seconds;
    a message the broker could not take is made up for by the periodic run)."""
    from .webhooks import deliver_due

    total, until = 0, time.monotonic() + DELIVERY_RUN_SECONDS
    while True:
        delivered = deliver_due(limit=batch)
        total += delivered
        if delivered < batch or time.monotonic() >= until:
            return total


@shared_task(name="referrals.tasks.expire_unanswered", **RETRY)
def expire_unanswered() -> int:
    from .services import expire_unanswered as expire

    return expire(timezone.localdate())
