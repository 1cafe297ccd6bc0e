"""Celery tasks of the referrals: webhook delivery from the outbox, and expiry."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from config.celery import Nudge

RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": True, "max_retries": 8}


@shared_task(name="referrals.tasks.deliver_outbox", base=Nudge, **RETRY)
def deliver_outbox() -> int:
    """Deliver due outbox events (queued on commit after each change, and every few seconds;
    a message the broker could not take is made up for by the periodic run)."""
    from .webhooks import deliver_due

    return deliver_due()


@shared_task(name="referrals.tasks.expire_unanswered", **RETRY)
def expire_unanswered() -> int:
    from .services import expire_unanswered as expire

    return expire(timezone.localdate())
