"""``make bench-dashboard [SIZE=N]``: N youths (default 1,000,000), then the dashboard's refresh
and every dashboard page and the JSON export, timed.

Runs in its own database ``casusregie_dashboard`` on the server of DATABASE_URL (dropped and
made anew): migrate, generate (``tests/bench/generate.py``, COPY), ``VACUUM ANALYZE``, the
sweep (the figures count flags and escalations), the CBS youth population of the bench
municipalities, then the refresh twice (the second must write the same figures). Each page is
requested as a policy officer of the bench region, ``--repeat`` times after one warm-up, in
process (Django's test client: server time, no network), for the default period and the
breakdowns ``regio``, ``team`` and ``aanbieder``. Prints a table and, as the last line, JSON:
{"youths", "refresh_s", "rerefresh_s", "figures", "pages": {name: {"p50_ms", "p95_ms",
"max_ms", "queries"}}, "budget_ms": 300, "ok": …}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time

DB = "casusregie_dashboard"
BUDGET_MS = 300  # server time per page, p95 (issue 19)
YOUTH_POPULATION = 750_000  # per bench municipality: 6,000,000 youths 0–17 in the 8


def _timed(client, path: str, params: dict, repeat: int, **headers) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(path, params, **headers).status_code == 200, path
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path, params, **headers)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, path
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "queries": len(queries),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24))
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)

    from .sweep import bench_database_url, recreate_database

    url = bench_database_url(os.environ["DATABASE_URL"], DB)
    print(f"bench database: {DB}", file=sys.stderr)
    recreate_database(url, DB)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from rest_framework.test import APIClient

    from casusregie.models import Municipality, Role, RoleMembership, Worker
    from dashboard.models import Figure, MunicipalityPopulation, RegionAPIKey
    from dashboard.services import refresh_statistics
    from flags.services import sweep
    from tests.conftest import verified_login

    from .generate import generate, reference_data

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    counts = generate(args.size, args.as_of)
    print(f"generated in {time.perf_counter() - started:.1f} s: {counts}", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    started = time.perf_counter()
    swept = sweep(args.as_of)
    print(f"sweep: {time.perf_counter() - started:.1f} s, {swept.opened} flags", file=sys.stderr)

    region = reference_data().region
    for municipality in Municipality.objects.filter(region=region):
        MunicipalityPopulation.objects.update_or_create(
            municipality=municipality,
            year=args.as_of.year,
            defaults={"youth_population": YOUTH_POPULATION},
        )
    started = time.perf_counter()
    result = refresh_statistics(args.as_of, region=region)
    refresh_s = time.perf_counter() - started
    first = sorted(
        Figure.objects.values_list(
            "dimension", "member", "measure", "category", "period_start", "value"
        )
    )
    print(f"refresh: {refresh_s:.1f} s, {result.figures} figures", file=sys.stderr)
    started = time.perf_counter()
    refresh_statistics(args.as_of, region=region)
    rerefresh_s = time.perf_counter() - started
    again = sorted(
        Figure.objects.values_list(
            "dimension", "member", "measure", "category", "period_start", "value"
        )
    )
    assert again == first, "a second refresh with the same data and date changed the figures"
    print(f"re-refresh: {rerefresh_s:.1f} s, the same figures", file=sys.stderr)

    officer, created = Worker.objects.get_or_create(
        ref="bench-policy", defaults={"username": "bench-policy", "region": region}
    )
    if created:
        RoleMembership.objects.create(worker=officer, role=Role.POLICY)
    client = verified_login(Client(), officer)
    results = {}
    pages = [
        "dashboard",
        "dashboard-care",
        "dashboard-waiting",
        "dashboard-referrals",
        "dashboard-youth",
        "dashboard-table",
    ]
    for name in pages:
        for breakdown in ("regio", "team", "aanbieder"):
            label = f"{name} ({breakdown})"
            results[label] = _timed(client, reverse(name), {"indeling": breakdown}, args.repeat)
    key = RegionAPIKey.objects.create_key(name="bench", region=region)[1]
    api = APIClient()
    for breakdown in ("regio", "gemeente", "aanbieder"):
        results[f"api /api/v1/stats/ ({breakdown})"] = _timed(
            api,
            reverse("region-stats"),
            {"indeling": breakdown},
            args.repeat,
            HTTP_AUTHORIZATION=f"Api-Key {key}",
        )
    for label, r in results.items():
        print(
            f"{label:<38} p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms  "
            f"max {r['max_ms']:>7.1f} ms  {r['queries']:>3} queries",
            file=sys.stderr,
        )
    ok = all(r["p95_ms"] <= BUDGET_MS for r in results.values())
    print(
        json.dumps(
            {
                "youths": counts["youth"],
                "refresh_s": round(refresh_s, 1),
                "rerefresh_s": round(rerefresh_s, 1),
                "figures": result.figures,
                "pages": results,
                "budget_ms": BUDGET_MS,
                "ok": ok,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
