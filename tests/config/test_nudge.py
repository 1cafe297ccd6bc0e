"""``Nudge.soon``: one queued run per second per process serves every change of that second."""

from __future__ import annotations

import pytest

from config.celery import Nudge, app
from referrals.tasks import deliver_outbox


@pytest.fixture
def clock(monkeypatch, settings):
    """A settable monotonic clock, the real (not eager) path, and apply_async recorded."""
    now = [1000.0]
    queued: list[dict] = []
    answers = iter(())

    def apply_async(args=None, kwargs=None, **options):
        queued.append(options)
        return next(answers, "queued")

    monkeypatch.setattr("config.celery.time.monotonic", lambda: now[0])
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert not app.conf.task_always_eager
    monkeypatch.setattr(deliver_outbox, "apply_async", apply_async)
    monkeypatch.setattr(Nudge, "_queued_until", {})

    class Clock:
        def at(self, t: float) -> None:
            now[0] = t

        def fail_next(self, n: int) -> None:
            nonlocal answers
            answers = iter([None] * n)

    clock = Clock()
    clock.queued = queued
    return clock


def test_one_run_is_queued_per_second_and_starts_after_the_changes_it_serves(clock):
    deliver_outbox.soon()
    assert clock.queued == [{"countdown": 1.0}]
    clock.at(1000.5)
    deliver_outbox.soon()  # the queued run starts at 1001: it will see this change
    assert len(clock.queued) == 1
    clock.at(1000.999)
    deliver_outbox.soon()
    assert len(clock.queued) == 1
    clock.at(1001.0)  # the queued run may have started: queue the next
    deliver_outbox.soon()
    assert clock.queued == [{"countdown": 1.0}, {"countdown": 1.0}]


def test_a_run_the_broker_did_not_take_is_not_relied_on(clock):
    clock.fail_next(1)
    deliver_outbox.soon()  # broker down: nothing queued
    deliver_outbox.soon()  # so the next change tries again
    assert len(clock.queued) == 2
    deliver_outbox.soon()
    assert len(clock.queued) == 2


def test_eager_runs_every_time(monkeypatch, settings):
    runs = []
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(deliver_outbox, "apply_async", lambda *a, **k: runs.append(k))
    deliver_outbox.soon()
    deliver_outbox.soon()
    assert runs == [{}, {}]
