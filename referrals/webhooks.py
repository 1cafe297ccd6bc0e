"""Delivering the outbox to providers' webhooks: signed, retried with backoff, logged.

Each event is posted as JSON with the headers ``X-Casusregie-Event-Id`` (so a receiver can drop
duplicates), ``X-Casusregie-Timestamp`` and ``X-Casusregie-Signature: sha256=<hex>``, the
HMAC-SHA256 of ``"{timestamp}.{body}"`` with the subscription's secret. Events of one referral
are delivered in order: an event waits while an earlier one of its referral is undelivered.
A failed delivery is retried after 5 s, 10 s, 20 s … up to every 10 minutes, without end, so a
receiver that is down for an hour loses nothing. The address is checked at every delivery
(``referrals.outbound``): one that resolves to an internal address is refused, logged, and tried
again only every 10 minutes; redirects are not followed; the calls hold no database lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from config.celery import Nudge

from . import outbound
from .models import OutboxEvent, WebhookDelivery

logger = logging.getLogger(__name__)

RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": True, "max_retries": 8}

MAX_BACKOFF_SECONDS = 600
CLAIM_BATCH = 10  # events claimed per transaction; the lease grows with it


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def deliver_due(limit: int = 100) -> int:
    """Try every due event once (oldest first); return how many were delivered.

    The HTTP calls run outside any transaction and hold no row lock: a short transaction
    claims a batch (``SKIP LOCKED``, then a lease: ``next_attempt_at`` moves past the time the
    batch may take, so another worker skips it), the calls follow, and each result is written
    in a transaction of its own. A worker that dies mid-batch leaves its events to be tried
    again when the lease ends (receivers drop duplicates by ``X-Casusregie-Event-Id``).
    """
    delivered = attempted = 0
    client = outbound.session()
    try:
        while attempted < limit:
            # Delivering the head of a referral's queue makes its next event due: go round.
            due = _claim(min(limit - attempted, CLAIM_BATCH))
            if not due:
                break
            round_delivered = sum(_deliver(client, event) for event in due)
            attempted += len(due)
            delivered += round_delivered
            if not round_delivered:
                break
    finally:
        client.close()
    return delivered


def _lease(count: int) -> dt.timedelta:
    """How long a claimed batch is kept from other workers: each call's time-outs, and a margin."""
    return dt.timedelta(seconds=count * 2 * settings.WEBHOOK_TIMEOUT_SECONDS + 30)


def _claim(count: int) -> list[OutboxEvent]:
    now = timezone.now()
    earlier_pending = OutboxEvent.objects.filter(
        referral=OuterRef("referral"), delivered_at__isnull=True, pk__lt=OuterRef("pk")
    )
    with transaction.atomic():
        due = list(
            OutboxEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                delivered_at__isnull=True,
                next_attempt_at__lte=now,
                provider__webhook__active=True,
            )
            .exclude(Exists(earlier_pending))
            .select_related("provider__webhook")
            .order_by("pk")[:count]
        )
        if due:
            OutboxEvent.objects.filter(pk__in=[e.pk for e in due]).update(
                next_attempt_at=now + _lease(len(due))
            )
    return due


def _deliver(client, event: OutboxEvent) -> int:
    hook = event.provider.webhook
    body = json.dumps({"event_id": str(event.event_id), **event.payload}).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Casusregie-Event-Id": str(event.event_id),
        "X-Casusregie-Timestamp": timestamp,
        "X-Casusregie-Signature": sign(hook.secret, timestamp, body),
    }
    started = time.monotonic()
    refused = False
    try:
        status, error = outbound.post(client, hook.url, body, headers)
    except outbound.RefusedAddress as exc:
        # Undeliverable as registered: logged, and tried again only at the longest backoff.
        status, error, refused = None, str(exc)[:500], True
        logger.warning("webhook of provider %s refused: %s", event.provider.ref, error)
    duration = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        WebhookDelivery.objects.create(
            event=event, status_code=status, error=error, duration_ms=duration
        )
        event.attempts += 1
        if status is not None and 200 <= status < 300:
            event.delivered_at, event.last_error = timezone.now(), ""
            event.save(update_fields=["attempts", "delivered_at", "last_error"])
            return 1
        event.last_error = error or f"HTTP {status}"
        wait = dt.timedelta(seconds=MAX_BACKOFF_SECONDS) if refused else backoff(event.attempts)
        event.next_attempt_at = timezone.now() + wait
        event.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    return 0


# The delivery task lives beside what it runs, so that ``services`` can nudge it on commit
# without importing the task wrappers (``referrals.tasks``, which import ``services``); its name
# stays ``referrals.tasks.deliver_outbox`` for beat and for messages already queued.
# One run delivers batches until the due events are done or this time is up: after an outage
# (of Redis, of the receiver) the backlog goes out at once, not one batch per beat interval.
DELIVERY_RUN_SECONDS = 30


@shared_task(name="referrals.tasks.deliver_outbox", base=Nudge, **RETRY)
def deliver_outbox(batch: int = 100) -> int:
    """Deliver due outbox events (nudged on commit after each change, and every few seconds;
    a message the broker could not take is made up for by the periodic run)."""
    total, until = 0, time.monotonic() + DELIVERY_RUN_SECONDS
    while True:
        delivered = deliver_due(limit=batch)
        total += delivered
        if delivered < batch or time.monotonic() >= until:
            return total
