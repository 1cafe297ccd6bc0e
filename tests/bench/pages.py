"""``make bench-pages [SIZE=N] [KEEP=1]``: server time and queries of every worker page, on the
demo data or at N youths.

Without ``--size`` it runs in its own database ``casusregie_pages`` (dropped and made anew:
migrate, demo_data) and measures the demo users' pages. With ``--size N`` it runs in
``casusregie_pages_<N>``: migrate, then ``tests/bench/population.py`` (N youths by COPY, their
history, the sweep, the measured regisseur's caseload filled out) and measures the pages of the
regisseur, the team lead and an expert-table chair of that population. ``--keep`` reuses that
database when an earlier run finished building it (the database's comment says so), so a
second run only measures. Each page is requested ``--repeat`` times after one warm-up, in
process (Django's test client: server time, no network). Prints a table and, as the last line,
JSON: {"size", "build_s", "data", "pages": {name: {"p50_ms", "p95_ms", "max_ms", "queries"}},
"budget_ms": 300, "provider_budget_ms": 150, "ok": …}. The provider's portal (issue 18) is
measured too: the inbox and a referral page of a provider user (the demo's ``joost``; at N
youths a staff user of a provider holding 20,000 referrals, or N/50 when fewer), against 150 ms.
On the demo data also the gezinsportaal's pages (issue 20) of both demo family accounts.
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
PROVIDER_BUDGET_MS = 150  # the provider's portal (issue 18): its inbox at 1,000,000 youths
BUILT = "bench-pages population built"


def _database_comment(url: str, name: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [name],
            ).fetchone()
    except psycopg.OperationalError:
        return None
    return row[0] if row else None


def demo_pages() -> dict[str, tuple[str, str]]:
    from casusregie.models import Family, Worker

    anna = Worker.objects.get(username="anna")
    family = (
        Family.objects.filter(cases__regisseurs__worker=anna, cases__closed_on__isnull=True)
        .order_by("-youths__birth_date")
        .first()
    )
    from referrals.lifecycle import OPEN_STATUSES
    from referrals.models import Referral

    referral = (
        Referral.objects.filter(
            provider__memberships__worker__username="joost",
            status__in=[str(s) for s in OPEN_STATUSES],
        )
        .order_by("sent_on", "pk")
        .values_list("ref", flat=True)
        .first()
    )
    return {
        **pages_of("anna", "tineke", "fatima", family.ref, "joost", referral or ""),
        **family_pages(),
    }


#: The gezinsportaal's pages (issue 20), for each demo family account (``FAMILY_LOGINS``).
FAMILY_PAGES = ["home", "plan", "analysis", "help", "consent", "questions", "history"]
FAMILY = "family:"


def family_pages() -> dict[str, tuple[str, str]]:
    from django.urls import reverse

    from demo.accounts import FAMILY_LOGINS

    return {
        f"gezinsportaal {page} ({email.split('@')[0]})": (
            FAMILY + email,
            reverse(f"family-{page}"),
        )
        for email, _description in FAMILY_LOGINS
        for page in FAMILY_PAGES
    }


def family_client(email: str):
    """A client logged in as the family account with ``email`` (both login steps done)."""
    from django.test import Client

    from casusregie.models import FamilyAccount
    from family_portal.session import ACCOUNT_KEY

    client = Client()
    session = client.session
    session[ACCOUNT_KEY] = FamilyAccount.objects.get(email=email, is_active=True).pk
    session.save()
    return client


def budget_ms(name: str) -> int:
    return PROVIDER_BUDGET_MS if name.startswith("provider ") else BUDGET_MS


def provider_pages(user: str, referral: str) -> dict[str, tuple[str, str]]:
    """The provider's portal: its inbox (the first page, oldest first) and one referral."""
    from django.urls import reverse

    if not user:
        return {}
    pages = {f"provider inbox ({user})": (user, reverse("portal-inbox"))}
    if referral:
        pages[f"provider referral ({user})"] = (user, reverse("portal-referral", args=[referral]))
    return pages


def pages_of(
    regisseur: str,
    lead: str,
    chair: str,
    family: str,
    provider_user: str = "",
    provider_referral: str = "",
) -> dict[str, tuple[str, str]]:
    from django.urls import reverse

    from casusregie.models import Family
    from referrals.models import Contract

    r, f = f" ({regisseur})", [family]
    youth = Family.objects.get(ref=family).youths.order_by("birth_date", "ref").first()
    product = Contract.objects.order_by("product__code").values_list("product", flat=True)[0]
    proposals = f"{reverse('referral-wizard', args=f)}?youth={youth.ref}&product={product}"
    return {
        f"caseload{r}": (regisseur, reverse("caseload")),
        f"flags inbox{r}": (regisseur, reverse("flag-inbox")),
        f"family list{r}": (regisseur, reverse("family-list")),
        f"family page{r}": (regisseur, reverse("family-detail", args=f)),
        f"analysis editor{r}": (regisseur, reverse("analysis-editor", args=f)),
        f"plan editor{r}": (regisseur, reverse("plan-editor", args=f)),
        f"plan print{r}": (regisseur, reverse("plan-print", args=f)),
        f"referral wizard{r}": (regisseur, reverse("referral-wizard", args=f)),
        f"referral wizard, proposals{r}": (regisseur, proposals),
        f"expert table (family){r}": (regisseur, reverse("escalation-submit", args=f)),
        f"my escalations{r}": (regisseur, reverse("escalation-inbox")),
        f"register family{r}": (regisseur, reverse("family-register")),
        f"notifications{r}": (regisseur, reverse("notifications")),
        f"team ({lead})": (lead, reverse("team")),
        f"family list ({lead})": (lead, reverse("family-list")),
        f"expert table queue ({chair})": (chair, reverse("expert-table-queue")),
        f"expert table sessions ({chair})": (chair, reverse("expert-table-sessions")),
        **provider_pages(provider_user, provider_referral),
    }


def measure(pages: dict[str, tuple[str, str]], repeat: int) -> dict[str, dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from casusregie.models import Worker
    from tests.conftest import verified_login

    results = {}
    clients: dict[str, Client] = {}
    for name, (username, path) in pages.items():
        if username not in clients and username.startswith(FAMILY):
            clients[username] = family_client(username.removeprefix(FAMILY))
        elif username not in clients:
            clients[username] = verified_login(Client(), Worker.objects.get(username=username))
        client = clients[username]
        assert client.get(path).status_code == 200, name
        times = []
        for _ in range(repeat):
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
            f"{name:<44} p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms  "
            f"max {r['max_ms']:>7.1f} ms  {r['queries']:>3} queries",
            file=sys.stderr,
        )
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--size", type=int, help="youths (default: the demo data)")
    parser.add_argument("--keep", action="store_true", help="reuse a database already built")
    args = parser.parse_args(argv)

    from .sweep import bench_database_url, recreate_database

    name = DB if args.size is None else f"{DB}_{args.size}"
    url = bench_database_url(os.environ["DATABASE_URL"], name)
    comment = _database_comment(url, name) if args.keep else None
    reuse = bool(comment and comment.startswith(BUILT))
    if not reuse:
        recreate_database(url, name)
    print(f"bench database: {name}{' (kept)' if reuse else ''}", file=sys.stderr)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["testserver"]
    build_s, data = None, {}
    if args.size is None:
        call_command("migrate", verbosity=0)
        if not reuse:
            call_command("demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
        pages = demo_pages()
    else:
        from .population import Measured, build_population

        if reuse:  # a kept population gets the migrations that came after it was built
            call_command("migrate", verbosity=0)
            measured = Measured(**json.loads(comment.removeprefix(BUILT + ": ")))
        else:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            measured = build_population(args.size, timezone.localdate())
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            build_s = round(time.perf_counter() - started, 1)
        data = {k: v for k, v in measured.__dict__.items() if k != "counts"}
        data["rows"] = measured.counts
        print(f"population: {json.dumps(data)}", file=sys.stderr)
        if build_s is not None:
            print(f"built in {build_s} s", file=sys.stderr)
        pages = pages_of(
            measured.regisseur,
            measured.team_lead,
            measured.chair,
            measured.family,
            measured.provider_user,
            measured.provider_referral,
        )
    if not reuse:
        info = json.dumps(measured.__dict__) if args.size is not None else "demo"
        with connection.cursor() as cursor:
            cursor.execute(f"COMMENT ON DATABASE {name} IS %s", [f"{BUILT}: {info}"])
    results = measure(pages, args.repeat)
    ok = all(r["p95_ms"] <= budget_ms(name) for name, r in results.items())
    print(
        json.dumps(
            {
                "size": args.size or "demo",
                "build_s": build_s,
                "data": data,
                "pages": results,
                "budget_ms": BUDGET_MS,
                "provider_budget_ms": PROVIDER_BUDGET_MS,
                "ok": ok,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
