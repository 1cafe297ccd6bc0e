"""Time each statement of one dashboard refresh on a bench database, rolled back.

Run on a database that ``tests.bench.sweep`` or ``tests.bench.dashboard`` built::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casusregie_dashboard \\
      .venv/bin/python -m config.embedded exec -- .venv/bin/python -m tests.bench.refresh_profile

Refreshes the bench region as of ``--as-of`` on one connection inside a transaction that is
rolled back, and prints the refresh's time and its slowest statements (a figure statement by its
measures); ``--connections 2`` times the refresh over two connections instead (committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time


class _Rollback(Exception):
    pass


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24))
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument(
        "--connections",
        type=int,
        default=1,
        help="more than 1: the refresh over that many connections, committed (not rolled back)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    from dashboard.services import refresh_statistics

    from .generate import reference_data

    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - started, sql))

    region = reference_data().region
    if args.connections > 1:
        # Each connection's statements are timed only on this thread's: time the whole.
        settings.DASHBOARD_REFRESH_CONNECTIONS = args.connections
        started = time.perf_counter()
        result = refresh_statistics(args.as_of, region=region)
        total = time.perf_counter() - started
        print(
            f"refresh over {args.connections} connections: {total:.1f} s, {result.figures} figures"
        )
        return 0
    settings.DASHBOARD_REFRESH_CONNECTIONS = 1
    try:
        with transaction.atomic(), connection.execute_wrapper(timed):
            started = time.perf_counter()
            result = refresh_statistics(args.as_of, region=region)
            total = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    print(f"refresh: {total:.1f} s, {result.figures} figures, {len(timings)} statements")
    for seconds, sql in sorted(timings, key=lambda t: -t[0])[: args.top]:
        text = " ".join(sql.split())
        # A figure statement by its measures (the codes in its VALUES), others by their text.
        measures = re.findall(r"\('([a-z0-9_]+)', (?:''|[a-z]\.)", text)
        print(f"{seconds:7.2f} s  {', '.join(measures) if measures else text[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
