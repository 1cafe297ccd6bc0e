"""Providers as the scenarios play them: seed data, API keys, webhooks, and an HTTP client.

The client speaks to gunicorn over real TCP, as a provider would: ``Authorization: Api-Key``,
``X-Forwarded-Proto: https`` (production settings redirect plain http; this is what the TLS
proxy in front of gunicorn adds), If-Match from the ETag, a fresh Idempotency-Key per answer
that is kept for every retry of that answer.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import time
import uuid
from dataclasses import dataclass, field

AS_OF = dt.date(2026, 11, 24)
WEBHOOK_SECRET = "reliability-webhook-secret"  # noqa: S105 - a test receiver's shared secret


@dataclass
class Answer:
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    body: dict | list | None
    headers: dict[str, str]
    seconds: float
    error: str = ""


class Client:
    """One provider's HTTP client (a new connection per request: gunicorn's sync workers close
    the connection after each response anyway)."""

    def __init__(self, port: int, key: str, timeout: float = 30.0) -> None:
        self.port, self.key, self.timeout = port, key, timeout

    def request(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> Answer:
        all_headers = {
            "Authorization": f"Api-Key {self.key}",
            "X-Forwarded-Proto": "https",
            "Accept": "application/json",
            **(headers or {}),
        }
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=payload, headers=all_headers)
            resp = conn.getresponse()
            raw = resp.read()
            seconds = time.monotonic() - started
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            return Answer(
                resp.status, parsed, {k.lower(): v for k, v in resp.getheaders()}, seconds
            )
        except (OSError, http.client.HTTPException) as exc:
            return Answer(None, None, {}, time.monotonic() - started, f"{type(exc).__name__}")
        finally:
            conn.close()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)


# The provider's next step for a referral in each status, and its body.
def next_step(status: str, n: int) -> tuple[str, dict] | None:
    if status == "sent":
        if n % 3 == 2:
            return "decline", {
                "reason_code": "no_capacity",
                "reason": "Wachtlijst.",
                "no_alternative_known": True,
            }
        return "accept", {}
    if status == "accepted":
        return "start", {}  # started today (the server's today)
    if status == "started":
        return "end", {"end_code": "31"}
    return None


@dataclass
class Outcome:
    """What one provider client saw: every answer it got, and the changes it believes stored."""

    stored: list[tuple[str, str, int]] = field(default_factory=list)  # ref, action, new version
    statuses: dict[str, int] = field(default_factory=dict)  # "200", "503", "none", …
    slow_failures: int = 0  # a failure that took longer than the fail-fast limit
    failure_seconds: list[float] = field(default_factory=list)
    refused: list[tuple[str, str, int]] = field(default_factory=list)
    unfinished: list[tuple[str, str]] = field(default_factory=list)
    retries: int = 0
    replayed: int = 0

    def count(self, answer: Answer) -> None:
        key = str(answer.status) if answer.status is not None else "none"
        self.statuses[key] = self.statuses.get(key, 0) + 1


def answer_referral(
    client: Client,
    ref: str,
    n: int,
    outcome: Outcome,
    deadline: float,
    on_answer=None,
    fail_fast_seconds: float = 5.0,
) -> None:
    """Read the referral and take its next step; retry a failed read, and retry a failed answer
    as the very same request (same If-Match, same Idempotency-Key) until it gets a final answer
    or ``deadline`` passes; record what was stored."""
    base = f"/api/v1/referrals/{ref}/"
    while time.monotonic() < deadline:
        got = client.get(base)
        outcome.count(got)
        if on_answer:
            on_answer("read", got)
        if got.status == 200:
            break
        _note_failure(got, outcome, fail_fast_seconds)
        time.sleep(0.3)
    else:
        return
    step = next_step(got.body["status"], n)
    if step is None:
        return
    action, body = step
    headers = {"If-Match": got.headers.get("etag", '""'), "Idempotency-Key": str(uuid.uuid4())}
    while time.monotonic() < deadline:
        answer = client.request("POST", f"{base}{action}/", body, headers)
        outcome.count(answer)
        if on_answer:
            on_answer("write", answer)
        if answer.status == 200:
            if answer.headers.get("idempotency-replayed"):
                outcome.replayed += 1
            outcome.stored.append((ref, action, answer.body["version"]))
            return
        if answer.status is not None and answer.status < 500 and answer.status != 429:
            outcome.refused.append((ref, action, answer.status))
            return  # a final refusal (409, 412, 400): nothing stored
        _note_failure(answer, outcome, fail_fast_seconds)
        outcome.retries += 1
        time.sleep(0.3)
    outcome.unfinished.append((ref, action))


def _note_failure(answer: Answer, outcome: Outcome, fail_fast_seconds: float) -> None:
    if answer.status is None or answer.status >= 500:
        outcome.failure_seconds.append(answer.seconds)
        if answer.seconds > fail_fast_seconds:
            outcome.slow_failures += 1


# -- seed data ----------------------------------------------------------------------------------
def seed(youths: int, receiver_url: str | None) -> dict[str, str]:
    """Migrate, generate ``youths`` youths (tests/bench/generate.py, COPY), give every provider
    an API key (and a webhook to ``receiver_url``); return {provider ref: API key}."""
    from django.core.management import call_command
    from django.db import connection

    from referrals.models import Provider, ProviderAPIKey, WebhookSubscription
    from tests.bench.generate import generate

    call_command("migrate", verbosity=0)
    generate(youths, AS_OF, progress=False)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    keys = {}
    for provider in Provider.objects.order_by("ref"):
        _key, secret = ProviderAPIKey.objects.create_key(name="reliability", provider=provider)
        keys[provider.ref] = secret
        if receiver_url:
            WebhookSubscription.objects.update_or_create(
                provider=provider, defaults={"url": receiver_url, "secret": WEBHOOK_SECRET}
            )
    return keys


def answerable_refs(limit_per_provider: int | None = None) -> dict[str, list[str]]:
    """Per provider ref: referrals a provider can take a step on (sent, accepted, started)."""
    from referrals.models import Referral

    refs: dict[str, list[str]] = {}
    rows = (
        Referral.objects.filter(status__in=["sent", "accepted", "started"])
        .order_by("provider__ref", "ref")
        .values_list("provider__ref", "ref")
    )
    for provider_ref, ref in rows:
        bucket = refs.setdefault(provider_ref, [])
        if limit_per_provider is None or len(bucket) < limit_per_provider:
            bucket.append(ref)
    return refs
