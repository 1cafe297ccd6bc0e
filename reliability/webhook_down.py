"""``make fault-webhook-down``: the providers' webhook receiver is down for 10 minutes.

gunicorn and a Celery worker run on a PostgreSQL and Redis of our own; provider clients take
referrals through their steps (accept, start, end: several events per referral). The receiver
goes down (its port closed: connections refused) for ``--down-minutes`` of *outbox time*, then
comes back.

The clock is accelerated ``--speed`` times for the outbox: every tick the driver moves each
undelivered event's ``next_attempt_at`` back by the simulated time that passed beyond the real
time, and plays Celery beat (``deliver_outbox`` every 10 simulated seconds, as in production).
The backoff (5 s, 10 s, 20 s … up to 10 minutes) is the product's own, unchanged.

Verdict: after the receiver returns, every event arrives, each event id exactly once, in order
per referral (versions never go back), signed; deliveries were retried during the outage.

Last line: {"events": …, "attempts_max": …, "down_minutes": …, "delivered_after_return_sim_s":
…, "events_missing": …, "duplicates": …, "out_of_order": …, "ok": …}
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
import time

from .load import Load, check_stored, wait_for_delivery
from .providers import answerable_refs, seed
from .receiver import Receiver
from .report import run
from .servers import Lab, free_port, log

BEAT_SECONDS = 10  # production's deliver-outbox interval (config/settings.py)


class FastClock:
    """Outbox time running ``speed`` times faster than real time, with beat on that clock."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.tick = BEAT_SECONDS / speed  # real seconds between two beats
        self.simulated = 0.0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()

    def _run(self) -> None:
        from django.db import connection
        from django.db.models import F

        from referrals.models import OutboxEvent
        from referrals.tasks import deliver_outbox

        last = time.monotonic()
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            real = now - last
            last = now
            extra = dt.timedelta(seconds=real * (self.speed - 1))
            OutboxEvent.objects.filter(delivered_at__isnull=True).update(
                next_attempt_at=F("next_attempt_at") - extra
            )
            self.simulated += real * self.speed
            deliver_outbox.delay()  # beat, on the fast clock
        connection.close()


def verdict(f: dict) -> bool:
    return (
        f.get("events", 0) > 0
        and f.get("events_during_outage", 0) > 0
        and f.get("attempts_max", 0) >= 3
        and f.get("delivered_while_down", 1) == 0
        and f.get("lost_answers", 1) == 0
        and f.get("undelivered", 1) == 0
        and f.get("events_missing", 1) == 0
        and f.get("duplicates", 1) == 0
        and f.get("out_of_order", 1) == 0
        and f.get("bad_signatures", 1) == 0
    )


def scenario(youths: int, clients: int, down_minutes: float, speed: float) -> tuple:
    figures: dict = {"youths": youths, "down_minutes": down_minutes, "speed": speed}
    with Lab("fault-webhook-down") as lab:
        pg = lab.start_postgres()
        lab.start_redis()
        receiver = Receiver(free_port())
        receiver.start()
        env = lab.env(
            pg.create_database("casusregie"),
            API_THROTTLE_RATE="100000/minute",
            WEBHOOK_ALLOWED_HOSTS=receiver.allowed_host,
        )
        lab.setup_django(env)
        from django.db.models import Max

        from referrals.models import OutboxEvent

        keys = seed(youths, receiver.url)
        refs = answerable_refs()
        lab.celery_worker(env, concurrency=2)
        _web, port = lab.gunicorn(env, workers=2)
        clock = FastClock(speed)
        clock.start()

        load = Load(port, keys, refs, clients, steps_per_referral=3, pause=0.2)
        load.start()
        deadline = time.monotonic() + 60
        while len(receiver.arrivals) < 10 and time.monotonic() < deadline:
            time.sleep(0.2)  # first some events delivered while the receiver is up
        figures["delivered_before_outage"] = len(receiver.arrivals)
        receiver.stop()
        went_down = clock.simulated
        arrived_before = len(receiver.arrivals)
        log(f"receiver down for {down_minutes} simulated minutes")
        load.phase = "outage"
        while clock.simulated - went_down < down_minutes * 60:
            time.sleep(0.2)
        load.stop()
        figures["events_during_outage"] = OutboxEvent.objects.filter(
            delivered_at__isnull=True
        ).count()
        figures["delivered_while_down"] = len(receiver.arrivals) - arrived_before
        receiver.start()
        back = clock.simulated
        log(f"receiver back; {figures['events_during_outage']} events waiting")
        figures.update(wait_for_delivery(receiver, timeout=max(120, 1200 / speed)))
        figures["delivered_after_return_sim_s"] = round(clock.simulated - back)
        clock.stop()
        figures.update(load.totals())
        figures.update(check_stored(load.stored()))
        figures["events"] = OutboxEvent.objects.count()
        figures["attempts_max"] = OutboxEvent.objects.aggregate(m=Max("attempts"))["m"] or 0
        figures["outage_requests"] = load.phase_figures("outage")["requests"]
        figures["outage_api_errors"] = load.phase_figures("outage")["errors_5xx_or_none"]
        receiver.stop()
    return figures, verdict(figures)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--youths", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--down-minutes", type=float, default=10)
    parser.add_argument("--speed", type=float, default=20, help="outbox clock speed-up")
    args = parser.parse_args(argv)
    return run(lambda: scenario(args.youths, args.clients, args.down_minutes, args.speed))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
