"""With Redis down, a provider's answer is still stored and answered 200 (make fault-redis-down).

The answer and its outbox event are written in PostgreSQL; the broker message after the commit
only hurries delivery along (the periodic run delivers it anyway), and the throttle's counts in
Redis are let go while Redis cannot be reached.
"""

from __future__ import annotations

import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from config.celery import app
from referrals.api.authentication import ProviderRateThrottle
from referrals.models import OutboxEvent
from referrals.tasks import deliver_outbox

pytestmark = pytest.mark.django_db
BASE = "/api/v1/referrals/"
NOTHING_LISTENS = "redis://127.0.0.1:9/0"  # the discard port: connection refused


@pytest.fixture
def broker_down(settings, monkeypatch):
    """The real Celery path (not eager) to a broker address where nothing listens."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = NOTHING_LISTENS
    # Forget connections made by earlier tests (their producers point at the real broker).
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    assert not app.conf.task_always_eager and app.conf.broker_url == NOTHING_LISTENS
    yield
    app._pool = None
    app.amqp._producer_pool = None


class DownCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise RedisConnectionError(
                "Error 111 connecting to 127.0.0.1:6379. Connection refused."
            )

        return fail


@pytest.fixture
def cache_down(monkeypatch):
    monkeypatch.setattr(ProviderRateThrottle, "cache", DownCache())


def test_a_nudge_the_broker_cannot_take_is_logged_not_raised(broker_down, caplog):
    started = time.monotonic()
    assert deliver_outbox.delay() is None
    assert time.monotonic() - started < 3
    assert "broker unavailable, referrals.tasks.deliver_outbox not queued" in caplog.text


def test_an_answer_with_redis_down_is_stored_and_answered_200(
    api, make_referral, broker_down, cache_down, django_capture_on_commit_callbacks
):
    referral = make_referral()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(f"{BASE}{referral.ref}/accept/", {}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert callbacks, "the change asked for delivery and a case sweep after the commit"
    event = OutboxEvent.objects.get(referral=referral, kind="accepted")
    assert event.delivered_at is None  # waiting for the periodic delivery


def test_a_read_with_the_throttle_cache_down_is_answered(api, make_referral, cache_down, caplog):
    referral = make_referral()
    assert api.get(f"{BASE}{referral.ref}/").status_code == 200
    assert "throttle: cache unavailable, request allowed" in caplog.text
