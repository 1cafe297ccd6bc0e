"""``make bench-sweep SIZE=N``: generate N youths, then time the full sweep, a re-sweep, the
floor, an incremental daily sweep after a realistic day, and naive.

The *floor* is one sequential pass over every table the rules read (named in their SQL): a
``count(*)`` of each, index scans off, timed in the same run. No sweep can read the data in
less; the sweep's ratio to it says how much it does beyond reading.

Runs in its own database ``casusregie_bench`` on the server of DATABASE_URL (dropped and made
anew), never the development or test database. The last line printed is JSON:
{"youths": N, "sweep_s": …, "resweep_s": …, "floor_s": …, "sweep_vs_floor": …,
"resweep_vs_floor": …, "daily_s": …, "daily_vs_floor": …, "daily_cases": …,
"daily_crossings": …, "daily_queries": …, "naive_estimate_s": …, "peak_rss_mb": …, "queries": …}

The *daily* figure is the scheduled sweep of the next day (``flags.services.sweep_daily``) after
a realistic day: 0.5% of the open cases changed (a sweep request each, as a change writes in its
transaction) plus the day's threshold crossings: the cases whose ``JudgementDue`` date is that
day (judged again) and the conditions whose ``PendingThreshold`` date is that day (applied
without judging their cases). A full sweep of that day afterwards must change nothing
(asserted).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import sys
import time
from urllib.parse import urlsplit, urlunsplit

BENCH_DB = "casusregie_bench"


def bench_database_url(url: str, name: str = BENCH_DB) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(url: str, name: str = BENCH_DB) -> None:
    import psycopg
    from psycopg import sql

    from config.embedded import ensure_database

    ensure_database(url)  # makes sure the server answers and the database exists
    parts = urlsplit(url)
    host = parts.netloc.split("@")[-1]
    conninfo = {"dbname": "postgres", "user": parts.username or "postgres"}
    if "%2F" in host:
        from urllib.parse import unquote

        conninfo["host"] = unquote(host)
    else:
        conninfo["host"] = parts.hostname
        if parts.port:
            conninfo["port"] = parts.port
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


TABLE_NAME = re.compile(r"\b(?:casusregie|analyses|plans|referrals|escalations|flags)_[a-z_]+\b")


def rule_tables() -> list[str]:
    """The tables the rules read: named in their SQL, with the open cases' own query."""
    from flags.rules import RULES
    from flags.services import _judged, rule_hits_sql

    named = set()
    for rule in RULES:
        # The full sweep's statements: every case, no judged-cases temp table.
        named |= set(TABLE_NAME.findall(_judged(rule_hits_sql(rule), None)))
    named.discard("flags_birthday")  # a function, not a table
    return sorted(named)


def floor_pass(tables: list[str]) -> tuple[float, dict[str, float]]:
    """Time one sequential scan of each table (``count(*)``); seconds in all and per table."""
    from django.db import connection, transaction

    per_table = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("SET LOCAL jit = off")  # as the sweep
        started = time.perf_counter()
        for table in tables:
            begun = time.perf_counter()
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - names from the rules
            cursor.fetchone()
            per_table[table] = time.perf_counter() - begun
        total = time.perf_counter() - started
    return total, per_table


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24))
    parser.add_argument("--naive-share", type=float, default=0.01)
    parser.add_argument("--changed-share", type=float, default=0.005)
    parser.add_argument("--database", default=BENCH_DB, help="dropped and made anew")
    parser.add_argument("--top", type=int, default=8, help="the full sweep's slowest statements")
    args = parser.parse_args(argv)

    url = bench_database_url(os.environ["DATABASE_URL"], args.database)
    print(f"bench database: {args.database}", file=sys.stderr)
    recreate_database(url, args.database)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casusregie.models import Case, SweepRequest
    from flags.models import JudgementDue, PendingThreshold
    from flags.services import sweep, sweep_daily, sweep_full

    from .generate import generate
    from .naive import naive_flags

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    counts = generate(args.size, args.as_of)
    generate_s = time.perf_counter() - started
    print(f"generated in {generate_s:.1f} s: {counts}", file=sys.stderr)
    # A settled production database is vacuumed; freshly COPY'd pages are not (hint bits).
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"vacuum analyze: {time.perf_counter() - started:.1f} s", file=sys.stderr)

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = sweep_full(args.as_of)
        sweep_s = time.perf_counter() - started
    print(
        f"sweep: {sweep_s:.2f} s, {result.hits} hits, {result.opened} opened, "
        f"{result.escalated} escalated, {len(queries)} queries",
        file=sys.stderr,
    )
    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[: args.top]
    for query in slowest:
        print(
            f"  {float(query['time']):7.3f} s  {' '.join(query['sql'].split())[:140]}",
            file=sys.stderr,
        )
    started = time.perf_counter()
    again = sweep(args.as_of)
    resweep_s = time.perf_counter() - started
    assert not again.changed, "a re-sweep with the same data and date changed something"
    print(f"re-sweep: {resweep_s:.2f} s, nothing changed", file=sys.stderr)

    tables = rule_tables()
    floor_s, per_table = floor_pass(tables)
    slowest = sorted(per_table.items(), key=lambda kv: -kv[1])[:4]
    print(
        f"floor: {floor_s:.2f} s for one sequential pass over {len(tables)} tables "
        f"({', '.join(f'{t} {s:.2f} s' for t, s in slowest)}, …); "
        f"sweep {sweep_s / floor_s:.1f}x, re-sweep {resweep_s / floor_s:.1f}x the floor",
        file=sys.stderr,
    )

    open_cases = list(
        Case.objects.filter(closed_on__isnull=True).order_by("pk").values_list("pk", flat=True)
    )

    # The next day: 0.5% of the open cases changed, and that day's threshold crossings.
    next_day = args.as_of + dt.timedelta(days=1)
    changed = open_cases[:: max(1, round(1 / args.changed_share))]
    SweepRequest.objects.bulk_create([SweepRequest(case_id=pk) for pk in changed])
    due = JudgementDue.objects.filter(next_on__lte=next_day).count()
    pending = PendingThreshold.objects.filter(next_on__lte=next_day).count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE casusregie_sweeprequest")
    with CaptureQueriesContext(connection) as daily_queries:
        started = time.perf_counter()
        day = sweep_daily(next_day)
        daily_s = time.perf_counter() - started
    assert day.full_sweeps == 0, "the daily sweep after a full one is incremental"
    print(
        f"daily sweep of {next_day}: {daily_s:.2f} s ({daily_s / floor_s:.1f}x the floor), "
        f"{day.cases_judged} cases judged ({len(changed)} changed, {due} due), "
        f"{day.crossings} thresholds applied (of {pending} pending), "
        f"{day.opened} opened, {day.raised} raised, {day.resolved} resolved, "
        f"{day.escalated} escalated, {len(daily_queries)} queries",
        file=sys.stderr,
    )
    started = time.perf_counter()
    check = sweep(next_day)
    check_s = time.perf_counter() - started
    assert not check.changed, "a full sweep after the daily sweep changed something"
    print(f"full sweep of {next_day} after it: {check_s:.2f} s, nothing changed", file=sys.stderr)
    step = max(1, round(1 / args.naive_share))
    sample = open_cases[::step]
    started = time.perf_counter()
    naive_flags(args.as_of, sample)
    naive_sample_s = time.perf_counter() - started
    naive_estimate_s = naive_sample_s * len(open_cases) / max(len(sample), 1)
    print(
        f"naive: {naive_sample_s:.2f} s for {len(sample)} of {len(open_cases)} open cases, "
        f"scaled: {naive_estimate_s:.0f} s ({naive_estimate_s / sweep_s:.0f}x the sweep)",
        file=sys.stderr,
    )
    figures = {
        "youths": counts["youth"],
        "sweep_s": round(sweep_s, 2),
        "resweep_s": round(resweep_s, 2),
        "floor_s": round(floor_s, 2),
        "sweep_vs_floor": round(sweep_s / floor_s, 1),
        "resweep_vs_floor": round(resweep_s / floor_s, 1),
        "daily_s": round(daily_s, 2),
        "daily_vs_floor": round(daily_s / floor_s, 1),
        "daily_cases": day.cases_judged,
        "daily_crossings": day.crossings,
        "daily_queries": len(daily_queries),
        "naive_estimate_s": round(naive_estimate_s, 1),
        "sweep_vs_naive": round(naive_estimate_s / sweep_s),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "queries": len(queries),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
