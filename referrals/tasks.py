"""Celery tasks of the referrals: webhook delivery from the outbox, and expiry."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services
from .services import expire_unanswered as expire
from .webhooks import RETRY, deliver_outbox  # noqa: F401 - found here by Celery


@shared_task(name="referrals.tasks.expire_unanswered", **RETRY)
def expire_unanswered() -> int:
    return expire(timezone.localdate())


@shared_task(name="referrals.tasks.delete_expired_idempotency_records", **RETRY)
def delete_expired_idempotency_records() -> int:
    return services.delete_expired_idempotency_records(timezone.now())
