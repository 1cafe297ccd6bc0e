"""Webhooks: signed, retried with backoff after a failure, delivered once per event, in order."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from referrals.webhooks import backoff, deliver_due

pytestmark = pytest.mark.django_db
SECRET = "een-lang-geheim-voor-de-test"


class Receiver:
    """A local HTTP receiver that fails its first ``fail_first`` requests."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.received: list[tuple[dict, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.received.append((dict(self.headers), {"raw": body}))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _loopback_receivers(settings):
    """These receivers listen on 127.0.0.1: allowed for the tests, refused in production."""
    settings.WEBHOOK_ALLOW_LOOPBACK = True


@pytest.fixture
def receiver(provider):
    r = Receiver(fail_first=2)
    WebhookSubscription.objects.create(provider=provider, url=r.url, secret=SECRET)
    yield r
    r.stop()


def _due_now() -> None:
    OutboxEvent.objects.filter(delivered_at__isnull=True).update(next_attempt_at=timezone.now())


def test_a_failing_receiver_gets_every_event_later_once_signed_and_in_order(
    receiver, make_referral, provider
):
    referral = make_referral()
    services.accept_referral(referral=referral, by=services.Actor.of_provider(provider))

    assert deliver_due() == 0  # 503: the first event fails, the second waits behind it
    assert OutboxEvent.objects.get(kind="sent").attempts == 1
    assert deliver_due() == 0  # not yet due again (backoff)
    _due_now()
    assert deliver_due() == 0  # 503 again
    _due_now()
    assert deliver_due() == 2  # the receiver is back: both, in order
    _due_now()
    assert deliver_due() == 0  # nothing twice

    kinds = [json.loads(body["raw"])["type"] for _, body in receiver.received]
    assert kinds == ["referral.sent", "referral.accepted"]
    ids = [headers["X-Casusregie-Event-Id"] for headers, _ in receiver.received]
    assert len(set(ids)) == 2
    headers, body = receiver.received[0]
    expected = hmac.new(
        SECRET.encode(),
        f"{headers['X-Casusregie-Timestamp']}.".encode() + body["raw"],
        hashlib.sha256,
    ).hexdigest()
    assert headers["X-Casusregie-Signature"] == f"sha256={expected}"
    assert WebhookDelivery.objects.count() == 4  # two failures, two deliveries: all logged


def test_one_run_delivers_a_backlog_in_batches_until_it_is_done(provider, make_referral):
    """After an outage the backlog goes out in one run, batch after batch; not one batch per
    beat interval (``make fault-redis-down``)."""
    from referrals.tasks import deliver_outbox

    for _ in range(7):
        make_referral()  # one ``sent`` event each, waiting: no subscription yet
    r = Receiver()
    try:
        WebhookSubscription.objects.create(provider=provider, url=r.url, secret=SECRET)
        assert deliver_outbox.run(batch=3) == 7
        assert len(r.received) == 7
        assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
    finally:
        r.stop()


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(50) == dt.timedelta(minutes=10)


def test_events_wait_in_the_outbox_without_a_subscription(make_referral):
    make_referral()
    assert deliver_due() == 0
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 1


def test_a_webhook_address_is_https_or_http_only(api):
    for url in ["ftp://receiver.example/hook", "file:///etc/passwd"]:
        response = api.put("/api/v1/webhook/", {"url": url, "secret": "s" * 16}, format="json")
        assert response.status_code == 400, url
