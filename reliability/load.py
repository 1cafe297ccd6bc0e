"""Providers answering their referrals through the API, one thread per provider, in phases.

Each answer is recorded with the phase it was sent in (``before``, ``outage``, ``after``…), so
a scenario can say what the API did while a server was down. Stopping the load starts no new
referral; an answer in flight is retried (same request) until it gets a final answer.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict

from .providers import Answer, Client, Outcome, answer_referral
from .report import percentile


class Load:
    def __init__(
        self,
        port: int,
        keys: dict[str, str],
        refs: dict[str, list[str]],
        clients: int,
        fail_fast_seconds: float = 5.0,
        pause: float = 0.0,
        steps_per_referral: int = 1,
    ) -> None:
        self.port, self.keys, self.refs = port, keys, refs
        self.providers = sorted(p for p in refs if p in keys)[:clients]
        self.fail_fast_seconds, self.pause = fail_fast_seconds, pause
        self.steps_per_referral = steps_per_referral
        self.phase = "before"
        self.lock = threading.Lock()
        self.outcomes = {p: Outcome() for p in self.providers}
        # phase -> kind ("read"/"write") -> list of (status, seconds)
        self.answers: dict[str, dict[str, list[tuple[int | None, float]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for i, provider in enumerate(self.providers):
            thread = threading.Thread(target=self._run, args=(i, provider), daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self, finish_within: float = 120) -> None:
        self._stop.set()
        deadline = time.monotonic() + finish_within
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))

    def _record(self, kind: str, answer: Answer) -> None:
        with self.lock:
            self.answers[self.phase][kind].append((answer.status, answer.seconds))

    def _run(self, i: int, provider: str) -> None:
        client = Client(self.port, self.keys[provider])
        outcome = self.outcomes[provider]
        for n, ref in enumerate(self.refs[provider]):
            for _step in range(self.steps_per_referral):  # accept, start, end: one by one
                if self._stop.is_set():
                    return
                before = len(outcome.stored)
                answer_referral(
                    client,
                    ref,
                    n + i,
                    outcome,
                    deadline=time.monotonic() + 300,
                    on_answer=self._record,
                    fail_fast_seconds=self.fail_fast_seconds,
                )
                if self.pause:
                    time.sleep(self.pause)
                if len(outcome.stored) == before:
                    break  # nothing more to do on this referral

    # -- figures --------------------------------------------------------------------------------
    def stored(self) -> list[tuple[str, str, int]]:
        return [s for o in self.outcomes.values() for s in o.stored]

    def phase_figures(self, phase: str) -> dict:
        by_kind = self.answers.get(phase, {})
        every = [a for kind in by_kind.values() for a in kind]
        statuses = Counter(str(s) if s is not None else "none" for s, _ in every)
        failures = [sec for s, sec in every if s is None or s >= 500]
        return {
            "requests": len(every),
            "statuses": dict(sorted(statuses.items())),
            "errors_5xx_or_none": len(failures),
            "max_failure_s": round(max(failures, default=0.0), 3),
            "p95_write_ms": round(percentile([s for _, s in by_kind.get("write", [])], 95) * 1000),
            "p95_read_ms": round(percentile([s for _, s in by_kind.get("read", [])], 95) * 1000),
        }

    def totals(self) -> dict:
        return {
            "answers_stored": len(self.stored()),
            "answers_replayed": sum(o.replayed for o in self.outcomes.values()),
            "answers_refused": sum(len(o.refused) for o in self.outcomes.values()),
            "answers_unfinished": sum(len(o.unfinished) for o in self.outcomes.values()),
            "retries": sum(o.retries for o in self.outcomes.values()),
            "slow_failures": sum(o.slow_failures for o in self.outcomes.values()),
        }


def check_stored(stored: list[tuple[str, str, int]]) -> dict:
    """Every acknowledged answer is in the database: its history row, its outbox event."""
    from referrals.lifecycle import ActorKind
    from referrals.models import OutboxEvent, ReferralEvent

    to_status = {"accept": "accepted", "decline": "declined", "start": "started", "end": "ended"}
    kinds = {"accept": "accepted", "decline": "declined", "start": "started", "end": "ended"}
    events = set(
        ReferralEvent.objects.filter(actor_kind=ActorKind.PROVIDER).values_list(
            "referral__ref", "to_status"
        )
    )
    outbox = set(OutboxEvent.objects.values_list("referral__ref", "kind"))
    acknowledged = {(ref, to_status[action]) for ref, action, _version in stored}
    lost = acknowledged - events
    lost_events = {(ref, kinds[action]) for ref, action, _v in stored} - outbox
    return {
        "answers_in_db": len(events),
        "lost_answers": len(lost),
        "lost_outbox_events": len(lost_events),
        "unacknowledged_in_db": len(events - acknowledged),
        "outbox_events": OutboxEvent.objects.count(),
    }


def wait_for_delivery(receiver, timeout: float) -> dict:
    """Wait until every outbox event is delivered (or ``timeout``); what arrived, and how."""
    from referrals.models import OutboxEvent

    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if not OutboxEvent.objects.filter(delivered_at__isnull=True).exists():
            break
        time.sleep(1)
    waited = time.monotonic() - started
    time.sleep(2)  # a duplicate would come now, if at all
    ids = {str(i) for i in OutboxEvent.objects.values_list("event_id", flat=True)}
    received = receiver.event_ids()
    return {
        "undelivered": OutboxEvent.objects.filter(delivered_at__isnull=True).count(),
        "delivery_wait_s": round(waited, 1),
        "events_received": len(received & ids),
        "events_missing": len(ids - received),
        "events_unknown": len(received - ids),
        "duplicates": receiver.duplicates(),
        "out_of_order": receiver.out_of_order(),
        "bad_signatures": receiver.bad_signatures,
    }
