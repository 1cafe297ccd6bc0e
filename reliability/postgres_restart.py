"""``make fault-postgres-restart``: PostgreSQL restarts while providers answer referrals.

gunicorn, a Celery worker and Celery beat run on a PostgreSQL and Redis of our own; provider
clients answer referrals (retrying the same request, same Idempotency-Key, on a failure). Then
PostgreSQL is stopped (fast shutdown: open connections are cut), stays down ``--outage``
seconds, and starts again. gunicorn and Celery are not touched.

Verdict: during the outage every failed request fails fast (an answer within
``--fail-fast`` seconds) with 503 and Retry-After — no 500, no hang; afterwards the API answers
200 again within ``--recover-within`` seconds, with the same gunicorn and Celery processes;
every acknowledged answer is stored and every outbox event is delivered once, in order.

Last line: {"outage_requests": …, "outage_503": …, "errors_500": …, "max_failure_s": …,
"recovered_after_s": …, "lost_answers": …, "undelivered": …, "duplicates": …, "ok": …}
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


def verdict(f: dict) -> bool:
    return (
        f.get("outage_requests", 0) > 0
        and f.get("outage_503", 0) > 0
        and f.get("errors_500", 1) == 0
        and f.get("no_answer", 1) == 0
        and f.get("slow_failures", 1) == 0
        and f.get("recovered_after_s") is not None
        and f["recovered_after_s"] <= f.get("recover_within_s", 30)
        and f.get("processes_restarted", 1) == 0
        and f.get("lost_answers", 1) == 0
        and f.get("undelivered", 1) == 0
        and f.get("events_missing", 1) == 0
        and f.get("duplicates", 1) == 0
        and f.get("out_of_order", 1) == 0
    )


def scenario(
    youths: int, clients: int, before: float, outage: float, fail_fast: float, recover: float
) -> tuple:
    figures: dict = {
        "youths": youths,
        "clients": clients,
        "outage_s": outage,
        "fail_fast_s": fail_fast,
        "recover_within_s": recover,
    }
    with Lab("fault-postgres-restart") as lab:
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
        from django.db import connection

        keys = seed(youths, receiver.url)
        refs = answerable_refs()
        worker = lab.celery_worker(env, concurrency=2)
        beat = lab.celery_beat(env)
        web, port = lab.gunicorn(env, workers=2)
        pids = {p.name: p.pid for p in (worker, beat, web)}

        load = Load(port, keys, refs, clients, fail_fast_seconds=fail_fast)
        load.start()
        time.sleep(before)
        connection.close()  # the driver's own connection goes with the server
        log(f"stopping PostgreSQL for {outage:.0f} s")
        load.phase = "outage"
        pg.stop("fast")
        time.sleep(outage)
        pg.start()
        back = time.monotonic()
        log("PostgreSQL is back")
        load.phase = "after"
        # Recovered: the first 200 after the restart (reads and writes of every client).
        recovered = None
        while time.monotonic() < back + max(recover, 10) + 5:
            after = load.answers.get("after", {})
            oks = [a for kind in after.values() for a in kind if a[0] == 200]
            if oks and recovered is None:
                recovered = round(time.monotonic() - back, 1)
            time.sleep(0.2)
        load.stop()
        figures["recovered_after_s"] = recovered
        figures["processes_restarted"] = sum(
            1 for p in (worker, beat, web) if not p.alive() or p.pid != pids[p.name]
        )
        for phase in ("before", "outage", "after"):
            figures[phase] = load.phase_figures(phase)
        every = [
            status
            for phase in load.answers.values()
            for kind in phase.values()
            for status, _s in kind
        ]
        figures["outage_requests"] = figures["outage"]["requests"]
        figures["outage_503"] = figures["outage"]["statuses"].get("503", 0)
        figures["errors_500"] = sum(1 for s in every if s is not None and s >= 500 and s != 503)
        figures["no_answer"] = sum(1 for s in every if s is None)
        figures["max_failure_s"] = max(figures[p]["max_failure_s"] for p in load.answers)
        figures.update(load.totals())
        figures.update(check_stored(load.stored()))
        figures.update(wait_for_delivery(receiver, timeout=120))
        receiver.stop()
    return figures, verdict(figures)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--youths", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--before", type=float, default=15)
    parser.add_argument("--outage", type=float, default=15)
    parser.add_argument("--fail-fast", type=float, default=2.0)
    parser.add_argument("--recover-within", type=float, default=15)
    args = parser.parse_args(argv)
    return run(
        lambda: scenario(
            args.youths,
            args.clients,
            args.before,
            args.outage,
            args.fail_fast,
            args.recover_within,
        )
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
