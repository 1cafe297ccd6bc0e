"""``make fault-redis-down``: Redis stops while providers answer referrals through the API.

gunicorn, a Celery worker and Celery beat run on a PostgreSQL and Redis of our own; provider
clients answer referrals (accept, decline, start, end: If-Match, Idempotency-Key, retrying
the same request on a failure). Then Redis is stopped for ``--outage`` seconds and comes back
*empty* (no persistence: every queued message is gone, the worst case), while the answers go on.

Verdict: every answer during the outage succeeds (no 5xx: the answer and its outbox event live
in PostgreSQL; the broker only speeds delivery up); every acknowledged answer is in the
database with its outbox event; after Redis returns every event reaches the receiver, each
event id exactly once, in order per referral, with a valid signature.

Last line: {"answers_stored": …, "outage_errors": …, "pending_when_redis_returned": …,
"lost_answers": …, "undelivered": …, "duplicates": …, "out_of_order": …, "ok": …}
"""

from __future__ import annotations

import argparse
import sys
import time

from .load import Load, check_stored, wait_for_delivery
from .providers import answerable_refs, seed
from .receiver import Receiver
from .report import run
from .servers import Lab, free_port, log

THROTTLE = "100000/minute"  # the throttle still counts in Redis on every request; it never bites


def verdict(f: dict) -> bool:
    return (
        f.get("outage_requests", 0) > 0
        and f.get("outage_errors", 1) == 0
        and f.get("pending_when_redis_returned", 0) > 0
        and f.get("errors", 1) == 0
        and f.get("answers_stored", 0) > 0
        and f.get("lost_answers", 1) == 0
        and f.get("lost_outbox_events", 1) == 0
        and f.get("undelivered", 1) == 0
        and f.get("events_missing", 1) == 0
        and f.get("duplicates", 1) == 0
        and f.get("out_of_order", 1) == 0
        and f.get("bad_signatures", 1) == 0
    )


def scenario(youths: int, clients: int, before: float, outage: float, after: float) -> tuple:
    figures: dict = {"youths": youths, "clients": clients, "outage_s": outage}
    with Lab("fault-redis-down") as lab:
        pg = lab.start_postgres()
        redis = lab.start_redis()
        receiver = Receiver(free_port())
        receiver.start()
        env = lab.env(
            pg.create_database("casusregie"),
            API_THROTTLE_RATE=THROTTLE,
            WEBHOOK_ALLOWED_HOSTS=receiver.allowed_host,
        )
        lab.setup_django(env)
        from django.utils import timezone

        from referrals.models import OutboxEvent

        keys = seed(youths, receiver.url)
        refs = answerable_refs()
        lab.celery_worker(env, concurrency=2)
        lab.celery_beat(env)
        _web, port = lab.gunicorn(env, workers=2)

        load = Load(port, keys, refs, clients)
        load.start()
        time.sleep(before)
        log(f"stopping Redis for {outage:.0f} s")
        load.phase = "outage"
        redis.stop()
        time.sleep(outage)
        pending = OutboxEvent.objects.filter(delivered_at__isnull=True)
        figures["pending_when_redis_returned"] = pending.count()
        redis.start()
        returned, cutoff = time.monotonic(), timezone.now()
        log(f"Redis is back (empty); {figures['pending_when_redis_returned']} events waiting")
        load.phase = "after"
        while time.monotonic() < returned + after:
            left = pending.filter(created_at__lte=cutoff).count()
            if not left and "delivered_after_return_s" not in figures:
                figures["delivered_after_return_s"] = round(time.monotonic() - returned, 1)
            time.sleep(0.5)
        load.stop()
        figures.update(load.totals())
        for phase in ("before", "outage", "after"):
            figures[phase] = load.phase_figures(phase)
        figures["outage_requests"] = figures["outage"]["requests"]
        figures["outage_errors"] = figures["outage"]["errors_5xx_or_none"]
        figures["errors"] = sum(figures[p]["errors_5xx_or_none"] for p in ("before", "after"))
        figures.update(check_stored(load.stored()))
        figures.update(wait_for_delivery(receiver, timeout=180))
        receiver.stop()
    return figures, verdict(figures)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--youths", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--before", type=float, default=15)
    parser.add_argument("--outage", type=float, default=30)
    parser.add_argument("--after", type=float, default=15)
    args = parser.parse_args(argv)
    return run(lambda: scenario(args.youths, args.clients, args.before, args.outage, args.after))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
