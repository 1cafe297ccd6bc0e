"""``make bench-pages``: server time and queries of every worker page on the demo data.

Runs in its own database ``casusregie_pages`` (dropped and made anew: migrate, demo_data). Each
page is requested as the demo user whose work it is, ``--repeat`` times after one warm-up, in
process (Django's test client: server time, no network). Prints a table and, as the last line,
JSON: {"pages": {name: {"p50_ms", "p95_ms", "max_ms", "queries"}}, "budget_ms": 300, "ok": …}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

DB = "casusregie_pages"
BUDGET_MS = 300


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)

    from .sweep import bench_database_url, recreate_database

    url = bench_database_url(os.environ["DATABASE_URL"], DB)
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
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from casusregie.models import Case, Family, RegieTransfer, Worker
    from tests.conftest import verified_login

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    call_command("demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115

    anna = Worker.objects.get(username="anna")
    family = (
        Family.objects.filter(cases__regisseurs__worker=anna, cases__closed_on__isnull=True)
        .order_by("-youths__birth_date")
        .first()
    )
    pages = {
        "caseload (anna)": ("anna", reverse("caseload")),
        "flags inbox (anna)": ("anna", reverse("flag-inbox")),
        "family list (anna)": ("anna", reverse("family-list")),
        "family page (anna)": ("anna", reverse("family-detail", args=[family.ref])),
        "referral wizard (anna)": ("anna", reverse("referral-wizard", args=[family.ref])),
        "register family (anna)": ("anna", reverse("family-register")),
        "team (tineke)": ("tineke", reverse("team")),
    }
    for name in ("analysis-edit", "plan-edit"):
        try:
            pages[f"{name} (anna)"] = ("anna", reverse(name, args=[family.ref]))
        except Exception:  # noqa: S112 - the editors may be named otherwise
            continue
    assert Case.objects.exists() and RegieTransfer is not None
    results = {}
    clients: dict[str, Client] = {}
    for name, (username, path) in pages.items():
        if username not in clients:
            clients[username] = verified_login(Client(), Worker.objects.get(username=username))
        client = clients[username]
        assert client.get(path).status_code == 200, name
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, name
        times.sort()
        results[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "max_ms": round(times[-1], 1),
            "queries": len(queries),
        }
        r = results[name]
        print(
            f"{name:<28} p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms  "
            f"max {r['max_ms']:>7.1f} ms  {r['queries']:>3} queries",
            file=sys.stderr,
        )
    ok = all(r["p95_ms"] <= BUDGET_MS for r in results.values())
    print(json.dumps({"pages": results, "budget_ms": BUDGET_MS, "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
