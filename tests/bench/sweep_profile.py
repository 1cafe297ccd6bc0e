"""Time each statement of one incremental daily sweep on a bench database, rolled back.

Run on a database ``tests.bench.sweep`` built (it keeps it)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casusregie_bench_sweep21b \\
      .venv/bin/python -m config.embedded exec -- .venv/bin/python -m tests.bench.sweep_profile

In one transaction that is rolled back: the marks get today's fingerprint (a changed rulebook
would make the sweep a full one), 0.5% of the open cases a sweep request, and the day after the
earliest mark is swept with ``sweep_daily`` (``--full``: ``sweep_full``); prints the time of
the sweep, of the foreign-key checks its COMMIT would run (``SET CONSTRAINTS ALL IMMEDIATE``),
and its slowest statements. ``--explain`` also logs the plan (``auto_explain``:
analyze, buffers, nested statements) of every statement over 30 ms to ``--explain-file``, inside
the sweep, where its temp tables exist. ``--dump FILE`` writes the statements with their times
as JSON. ``--per-municipality`` sweeps each municipality's part of a split sweep in turn, in the
same transaction, and prints each one's time: the work the processes of a Celery group share.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time


class _Rollback(Exception):
    pass


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--changed-share", type=float, default=0.005)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--explain-file", default="sweep_explain.txt")
    parser.add_argument("--dump")
    parser.add_argument("--full", action="store_true", help="a full sweep of that day instead")
    parser.add_argument(
        "--per-municipality",
        action="store_true",
        help="each municipality's part of a split sweep in turn (the work a Celery group shares)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from casusregie.models import Case, Municipality, Region, SweepRequest
    from flags.models import JudgementDue, SweepMark
    from flags.services import SweepResult, sweep_daily, sweep_fingerprint, sweep_full

    day = SweepMark.objects.order_by("swept_through").first().swept_through + dt.timedelta(days=1)
    open_cases = list(
        Case.objects.filter(closed_on__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    changed = open_cases[:: max(1, round(1 / args.changed_share))]
    notes: list[str] = []
    try:
        with transaction.atomic():
            for region in Region.objects.all():
                SweepMark.objects.filter(municipality__region=region).update(
                    fingerprint=sweep_fingerprint(region)
                )
            SweepRequest.objects.bulk_create([SweepRequest(case_id=pk) for pk in changed])
            due = JudgementDue.objects.filter(next_on__lte=day).count()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE casusregie_sweeprequest")
                if args.explain:
                    connection.connection.add_notice_handler(
                        lambda d: notes.append(d.message_primary or "")
                    )
                    cursor.execute("LOAD 'auto_explain'")
                    for setting in (
                        "auto_explain.log_min_duration = 30",
                        "auto_explain.log_analyze = on",
                        "auto_explain.log_buffers = on",
                        "auto_explain.log_nested_statements = on",
                        "client_min_messages = log",
                    ):
                        cursor.execute(f"SET {setting}")
            run = sweep_full if args.full else sweep_daily
            parts: list[float] = []
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                if args.per_municipality:
                    result = SweepResult(as_of=day)
                    for pk in Municipality.objects.order_by("pk").values_list("pk", flat=True):
                        begun = time.perf_counter()
                        result.add(run(day, municipality=pk))
                        parts.append(time.perf_counter() - begun)
                else:
                    result = run(day)
                total = time.perf_counter() - started
            # What COMMIT would add: the foreign keys' checks, deferred until then.
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            checks = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    print(
        f"{'full' if args.full else 'daily'} sweep of {day}: {total:.2f} s, "
        f"{result.cases_judged} cases ({len(changed)} changed, {due} due), "
        f"{result.opened} opened, {result.raised} raised, "
        f"{result.escalated} escalated, {len(queries)} statements; "
        f"then the deferred foreign-key checks (COMMIT's work): {checks:.2f} s"
    )
    if parts:
        print("per municipality: " + ", ".join(f"{t:.2f}" for t in parts) + " s")
    slowest = sorted(enumerate(queries.captured_queries), key=lambda iq: -float(iq[1]["time"]))
    for i, query in slowest[: args.top]:
        print(f"#{i:3d} {float(query['time']):7.3f} s  {' '.join(query['sql'].split())[:160]}")
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump(queries.captured_queries, f)
    if args.explain:
        with open(args.explain_file, "w") as f:
            f.write("\n\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
