"""``make bench-api``: the provider API on 1,000,000 youths (~300,000 referrals).

A PostgreSQL and Redis of our own, ``--youths`` youths generated (tests/bench/generate.py),
one API key per client; gunicorn (``--workers`` sync workers) with the production settings
(``reliability.bench_settings``: those of ``config.settings`` plus one bare endpoint).

(a) Saturation: 32 provider clients, each in a closed loop for 60 s: list its referrals
    (``?status=sent``, 20 a page), read one, answer it (If-Match from the ETag, an
    Idempotency-Key). Throughput and errors. The ceiling: the same 32 clients on a DRF view that
    only authenticates the key (``/api/v1/bench/ceiling/``) — what Django, DRF and the key
    check cost before any work.
(b) Latency at a fixed rate of 100 requests/s for 30 s, open loop: requests start on a fixed
    schedule whether or not earlier ones have finished, and each latency counts from its
    scheduled start (no coordinated omission); 2 in 5 list, 2 in 5 read, 1 in 5 answers.
    p50/p95/p99 per endpoint. For the record also at 60% of the saturation throughput.

The load generator is this module: asyncio on the standard library, one connection per request
(gunicorn's sync workers close each connection), so it costs the 2 cores little beside the
server. Throttling runs (its counts in Redis) but at a rate that never bites.

Last line: {"rps": …, "ceiling_rps": …, "ceiling_ratio": …, "p95_read_ms": …,
"p95_write_ms": …, "errors": …, "ok": …}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections import defaultdict, deque

from .providers import AS_OF
from .report import percentile, run
from .servers import Lab, log

CEILING = "/api/v1/bench/ceiling/"
BASE = "/api/v1/referrals/"
STEP = {"sent": "accept", "accepted": "start", "started": "end"}
BODY = {
    "accept": {},
    "decline": {"reason_code": "no_capacity", "no_alternative_known": True},
    "start": {},
    "end": {"end_code": "31"},
}
TARGETS = {"ceiling_ratio": 0.5, "p95_read_ms": 50, "p95_write_ms": 100, "errors": 0}


def verdict(f: dict) -> bool:
    return (
        f.get("rps", 0) > 0
        and f.get("ceiling_ratio", 0) >= TARGETS["ceiling_ratio"]
        and 0 < f.get("p95_read_ms", 10**9) <= TARGETS["p95_read_ms"]
        and 0 < f.get("p95_write_ms", 10**9) <= TARGETS["p95_write_ms"]
        and f.get("errors", 1) == 0
    )


async def request(
    port: int, method: str, path: str, key: str, body: dict | None = None, headers=None
) -> tuple[int | None, dict[str, str]]:
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Api-Key {key}",
        "X-Forwarded-Proto: https",
        "Accept: application/json",
        "Connection: close",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 60)
        writer.close()
    except (OSError, TimeoutError):
        return None, {}
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    try:
        status = int(head[0].split(" ", 2)[1])
    except (IndexError, ValueError):
        return None, {}
    fields = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return status, {k.lower(): v for k, v in fields.items()}


class Record:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, endpoint: str, status: int | None, seconds: float) -> None:
        self.latency[endpoint].append(seconds)
        self.statuses[endpoint][str(status)] += 1

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latency.values())

    @property
    def errors(self) -> int:
        return sum(
            n
            for by_status in self.statuses.values()
            for status, n in by_status.items()
            if status == "None" or int(status) >= 400
        )

    def percentiles(self) -> dict:
        return {
            endpoint: {
                "n": len(values),
                **{f"p{q}_ms": round(percentile(values, q) * 1000, 1) for q in (50, 95, 99)},
            }
            for endpoint, values in sorted(self.latency.items())
        }


async def saturate(port: int, clients: list[dict], seconds: float, ceiling: bool) -> Record:
    record = Record()
    end = time.monotonic() + seconds

    async def client(c: dict) -> None:
        while time.monotonic() < end:
            if ceiling:
                started = time.monotonic()
                status, _ = await request(port, "GET", CEILING, c["key"])
                record.add("ceiling", status, time.monotonic() - started)
                continue
            started = time.monotonic()
            status, _ = await request(port, "GET", f"{BASE}?status=sent&page_size=20", c["key"])
            record.add("list", status, time.monotonic() - started)
            if not c["work"]:
                continue
            ref, referral_status, _version = c["work"].popleft()
            started = time.monotonic()
            status, headers = await request(port, "GET", f"{BASE}{ref}/", c["key"])
            record.add("read", status, time.monotonic() - started)
            if status != 200 or time.monotonic() >= end:
                continue
            action = STEP[referral_status]
            started = time.monotonic()
            status, _ = await request(
                port,
                "POST",
                f"{BASE}{ref}/{action}/",
                c["key"],
                BODY[action],
                {"If-Match": headers.get("etag", '""'), "Idempotency-Key": str(uuid.uuid4())},
            )
            record.add(action, status, time.monotonic() - started)

    await asyncio.gather(*(client(c) for c in clients))
    return record


async def fixed_rate(port: int, clients: list[dict], rate: float, seconds: float) -> Record:
    """Open loop: request k starts at t0 + k / rate, whatever happened to the ones before."""
    record = Record()
    tasks = []
    t0 = time.monotonic() + 0.5
    readable = [(c, ref) for c in clients for ref, _s, _v in list(c["work"])[-50:]]

    async def one(k: int, scheduled: float) -> None:
        c = clients[k % len(clients)]
        kind = ("list", "list", "read", "read", "write")[k % 5]
        if kind == "list":
            status, _ = await request(port, "GET", f"{BASE}?status=sent&page_size=20", c["key"])
            endpoint = "list"
        elif kind == "read":
            reader, ref = readable[(k * 7919) % len(readable)]
            status, _ = await request(port, "GET", f"{BASE}{ref}/", reader["key"])
            endpoint = "read"
        elif not c["work"]:
            status, _ = await request(port, "GET", f"{BASE}?status=sent&page_size=20", c["key"])
            endpoint = "list"
        else:
            ref, referral_status, version = c["work"].popleft()
            endpoint = "decline" if referral_status == "sent" and k % 3 == 0 else None
            endpoint = endpoint or STEP[referral_status]
            status, _ = await request(
                port,
                "POST",
                f"{BASE}{ref}/{endpoint}/",
                c["key"],
                BODY[endpoint],
                {"If-Match": f'"{version}"', "Idempotency-Key": str(uuid.uuid4())},
            )
        record.add(endpoint, status, time.monotonic() - scheduled)

    for k in range(int(rate * seconds)):
        scheduled = t0 + k / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(k, scheduled)))
    await asyncio.gather(*tasks)
    return record


def server_times(clients: list[dict], n: int = 20) -> dict:
    """Where the time goes: each endpoint in this process (no HTTP, no contention), median
    milliseconds and queries per request; every request must succeed (an answer to a referral
    answered before would measure the refusal)."""
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    c = max(clients, key=lambda c: len(c["work"]))
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {c['key']}", HTTP_X_FORWARDED_PROTO="https")
    items = [c["work"].pop() for _ in range(min(2 * n, len(c["work"]) // 2))]
    answerable = iter(items)

    def answer(_i: int):
        ref, status, version = next(answerable)
        action = STEP[status]
        return client.post(
            f"{BASE}{ref}/{action}/",
            BODY[action],
            content_type="application/json",
            HTTP_IF_MATCH=f'"{version}"',
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )

    calls = {
        "ceiling": lambda i: client.get(CEILING),
        "list": lambda i: client.get(f"{BASE}?status=sent&page_size=20"),
        "read": lambda i: client.get(f"{BASE}{items[i][0]}/"),
        "answer": answer,
    }
    result = {}
    for name, call in calls.items():
        call(0)  # warm
        times, queries = [], []
        for i in range(1, min(n, len(items) // 2)):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = call(i)
                times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"in process, {name}: {response.status_code}")
            queries.append(len(captured))
        result[name] = {
            "median_ms": round(statistics.median(times) * 1000, 1),
            "queries": round(statistics.median(queries)),
        }
    return result


def summary(record: Record, rate: float) -> dict:
    reads = record.latency["list"] + record.latency["read"]
    writes = [s for e in ("accept", "decline", "start", "end") for s in record.latency[e]]
    return {
        "rate": rate,
        "requests": record.count,
        "statuses": {k: dict(v) for k, v in record.statuses.items()},
        "latency": record.percentiles(),
        "p95_read_ms": round(percentile(reads, 95) * 1000, 1),
        "p95_write_ms": round(percentile(writes, 95) * 1000, 1),
    }


def prepare(youths: int, clients: int) -> tuple[list[dict], dict]:
    """Generate the data; one key per client; each client its own referrals to answer."""
    from django.core.management import call_command
    from django.db import connection

    from referrals.models import Provider, ProviderAPIKey, Referral
    from tests.bench.generate import generate

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    counts = generate(youths, AS_OF, progress=False)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"generated {counts} in {time.monotonic() - started:.0f} s")
    providers = list(Provider.objects.order_by("ref"))
    result = []
    for i in range(clients):
        provider = providers[i % len(providers)]
        _key, secret = ProviderAPIKey.objects.create_key(name=f"bench-{i}", provider=provider)
        result.append({"provider": provider.pk, "key": secret, "work": deque()})
    by_provider = defaultdict(list)
    for c in result:
        by_provider[c["provider"]].append(c)
    rows = (
        Referral.objects.filter(status__in=list(STEP))
        .order_by("provider_id", "id")
        .values_list("provider_id", "ref", "status", "version")
    )
    seen: dict[int, int] = defaultdict(int)
    for provider_id, ref, status, version in rows.iterator():
        mine = by_provider.get(provider_id)
        if mine:
            mine[seen[provider_id] % len(mine)]["work"].append((ref, status, version))
            seen[provider_id] += 1
    return result, counts


def scenario(
    youths: int, clients: int, workers: int, seconds: float, rate: float, fixed_seconds: float
) -> tuple:
    figures: dict = {"youths": youths, "clients": clients, "gunicorn_workers": workers}
    with Lab("bench-api") as lab:
        pg = lab.start_postgres(shared_buffers="1GB", max_wal_size="8GB")
        lab.start_redis()
        env = lab.env(
            pg.create_database("casusregie"),
            DJANGO_SETTINGS_MODULE="reliability.bench_settings",
            API_THROTTLE_RATE="1000000/minute",
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",  # testserver: the in-process look
        )
        lab.setup_django(env)
        client_list, counts = prepare(youths, clients)
        figures.update(youths=counts["youth"], referrals=counts["referral"])
        figures["in_process"] = server_times(client_list)
        log(f"in process: {figures['in_process']}")
        lab.celery_worker(env, concurrency=1)
        _web, port = lab.gunicorn(env, workers=workers)

        log("warm-up (10 s)")
        asyncio.run(saturate(port, client_list, 10, ceiling=False))
        log(f"ceiling: {clients} clients for {seconds / 2:.0f} s")
        ceiling = asyncio.run(saturate(port, client_list, seconds / 2, ceiling=True))
        figures["ceiling_rps"] = round(ceiling.count / (seconds / 2), 1)
        log(f"saturation: {clients} clients for {seconds:.0f} s")
        sat = asyncio.run(saturate(port, client_list, seconds, ceiling=False))
        figures["rps"] = round(sat.count / seconds, 1)
        figures["ceiling_ratio"] = round(figures["rps"] / max(figures["ceiling_rps"], 0.1), 2)
        figures["saturation"] = {
            "requests": sat.count,
            "statuses": {k: dict(v) for k, v in sat.statuses.items()},
            "latency": sat.percentiles(),
        }
        log(f"fixed rate: {rate:.0f} requests/s for {fixed_seconds:.0f} s")
        fixed = asyncio.run(fixed_rate(port, client_list, rate, fixed_seconds))
        figures["fixed_rate"] = summary(fixed, rate)
        figures["p95_read_ms"] = figures["fixed_rate"]["p95_read_ms"]
        figures["p95_write_ms"] = figures["fixed_rate"]["p95_write_ms"]
        # For the record: the latency at a rate this machine can carry (60% of saturation).
        carried = max(5, round(figures["rps"] * 0.6))
        log(f"fixed rate: {carried} requests/s for {fixed_seconds:.0f} s")
        below = asyncio.run(fixed_rate(port, client_list, carried, fixed_seconds))
        figures["fixed_rate_carried"] = summary(below, carried)
        figures["errors"] = sat.errors + fixed.errors + ceiling.errors + below.errors
        figures["targets"] = TARGETS
    return figures, verdict(figures)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--youths", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--fixed-seconds", type=float, default=30)
    args = parser.parse_args(argv)
    return run(
        lambda: scenario(
            args.youths, args.clients, args.workers, args.seconds, args.rate, args.fixed_seconds
        )
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
