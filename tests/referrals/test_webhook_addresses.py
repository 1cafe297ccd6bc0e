"""Webhooks never reach inside: internal addresses are refused at registration and at every
delivery (the address checked is the address connected to), no redirects, a time-out, https in
production, and the HTTP call holds no database lock."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from referrals import outbound
from referrals.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from referrals.webhooks import MAX_BACKOFF_SECONDS, deliver_due
from tests.referrals.conftest import PUBLIC_IP

SECRET = "een-lang-geheim-voor-de-test"

INTERNAL = [
    "http://127.0.0.1:6379/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://[::1]:8000/",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://[::127.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[fec0::1]/hook",
    "http://[64:ff9b::a00:1]/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://224.0.0.1/hook",
    "http://[ff02::1]/hook",
    "http://240.0.0.1/hook",
    "http://255.255.255.255/hook",
    "http://100.64.0.1/hook",
    "http://localhost:8000/hook",
]


class Receiver:
    """A local receiver: ``answer`` is (status, headers) or a callable run per request."""

    def __init__(self, answer=(204, {}), delay: float = 0.0) -> None:
        self.answer, self.delay = answer, delay
        self.received: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                receiver.received.append(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(receiver.delay)
                answer = receiver.answer() if callable(receiver.answer) else receiver.answer
                status, headers = answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def _register(api, url: str):
    return api.put("/api/v1/webhook/", {"url": url, "secret": SECRET}, format="json")


# -- at registration ---------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("url", INTERNAL)
def test_an_internal_address_is_refused_at_registration(api, url):
    response = _register(api, url)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    [param] = response.json()["invalid_params"]
    assert param["name"] == "url"
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_the_refusal_says_why_in_dutch(api):
    [param] = _register(api, "http://169.254.169.254/latest/").json()["invalid_params"]
    assert param["code"] == "refused_address"
    assert "intern of gereserveerd netwerkadres" in param["reason"]


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0x7f000001"])
def test_decimal_octal_and_hex_forms_of_ipv4_are_refused(host):
    with pytest.raises(outbound.RefusedAddress):
        outbound.check_url(f"http://{host}/hook")


@pytest.mark.django_db
def test_a_public_address_is_registered(api, resolve):
    resolve["aanbieder.example.org"] = [PUBLIC_IP, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert _register(api, "https://aanbieder.example.org/hook").status_code == 200
    assert _register(api, f"https://{PUBLIC_IP}:8443/hook").status_code == 200


@pytest.mark.django_db
def test_every_address_a_host_resolves_to_is_checked(api, resolve):
    resolve["half.example.org"] = [PUBLIC_IP, "10.1.2.3"]
    assert _register(api, "https://half.example.org/hook").status_code == 400


@pytest.mark.django_db
def test_a_host_that_does_not_resolve_is_refused(api, monkeypatch):
    def not_found(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", not_found)
    response = _register(api, "https://nergens.example.org/hook")
    assert response.status_code == 400
    assert "niet te vinden" in response.json()["invalid_params"][0]["reason"]


@pytest.mark.django_db
def test_production_registers_https_only(api, settings):
    settings.WEBHOOK_HTTPS_ONLY = True
    assert _register(api, f"http://{PUBLIC_IP}/hook").status_code == 400
    assert _register(api, f"https://{PUBLIC_IP}/hook").status_code == 200
    settings.WEBHOOK_HTTPS_ONLY = False
    assert _register(api, f"http://{PUBLIC_IP}/hook").status_code == 200


@pytest.mark.django_db
def test_loopback_is_allowed_only_when_the_setting_says_so(api, settings):
    assert _register(api, "http://127.0.0.1:9/hook").status_code == 400
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    assert _register(api, "http://127.0.0.1:9/hook").status_code == 200
    assert _register(api, "http://10.0.0.1/hook").status_code == 400  # only loopback


def test_allow_loopback_stops_start_up_in_production():
    env = {
        **os.environ,
        "PRODUCTION": "true",
        "WEBHOOK_ALLOW_LOOPBACK": "true",
        "SECRET_KEY": "x" * 50,
        "BSN_ENCRYPTION_KEYS": "q6nOVhFJDHkKmlLnWmD7cq5G2h3nGl9q3u3o1g1eJ1U=",
        "BSN_HASH_KEY": "y" * 40,
        "ACCESS_LOG_KEY": "z" * 40,
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "WEBHOOK_ALLOW_LOOPBACK" in done.stderr


# -- at delivery -------------------------------------------------------------------------------
def _subscribe(provider, url: str) -> None:
    """Stored as it is (an address registered before the check, or since re-pointed)."""
    WebhookSubscription.objects.update_or_create(
        provider=provider, defaults={"url": url, "secret": SECRET}
    )


@pytest.mark.django_db
def test_a_host_that_now_resolves_inside_is_refused_at_delivery(
    api, resolve, receiver, make_referral, provider
):
    resolve["rebind.example.org"] = [PUBLIC_IP]
    assert _register(api, f"http://rebind.example.org:{receiver.port}/hook").status_code == 200
    resolve["rebind.example.org"] = ["127.0.0.1"]  # DNS re-pointed after registration
    make_referral()

    before = timezone.now()
    assert deliver_due() == 0

    assert receiver.received == []
    event = OutboxEvent.objects.get()
    assert event.delivered_at is None and event.attempts == 1
    assert event.last_error.startswith("refused")
    # undeliverable: no retry storm, the next try at the longest backoff
    assert event.next_attempt_at >= before + dt.timedelta(seconds=MAX_BACKOFF_SECONDS)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status_code is None and "127.0.0.1" in delivery.error


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f.1", "[::ffff:127.0.0.1]"])
def test_a_stored_internal_address_is_refused_at_delivery(host, receiver, make_referral, provider):
    _subscribe(provider, f"http://{host}:{receiver.port}/hook")
    make_referral()
    assert deliver_due() == 0
    assert receiver.received == []
    assert OutboxEvent.objects.get().last_error.startswith("refused")


@pytest.mark.django_db
def test_loopback_allowed_delivers(settings, receiver, make_referral, provider):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    _subscribe(provider, receiver.url)
    make_referral()
    assert deliver_due() == 1
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_an_allowed_host_is_called_also_over_http_in_production(
    settings, receiver, make_referral, provider, api
):
    settings.WEBHOOK_HTTPS_ONLY = True
    settings.WEBHOOK_ALLOWED_HOSTS = [f"127.0.0.1:{receiver.port}"]
    assert _register(api, receiver.url).status_code == 200
    assert _register(api, "http://127.0.0.1:1/hook").status_code == 400  # another port
    make_referral()
    assert deliver_due() == 1
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_production_delivers_over_https_only(settings, receiver, make_referral, provider):
    settings.WEBHOOK_HTTPS_ONLY = True
    settings.WEBHOOK_ALLOW_LOOPBACK = True  # not the reason for the refusal
    _subscribe(provider, receiver.url)
    make_referral()
    assert deliver_due() == 0
    assert receiver.received == []
    assert "https" in OutboxEvent.objects.get().last_error


@pytest.mark.django_db
def test_a_redirect_is_not_followed(settings, make_referral, provider):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    target = Receiver()
    redirecting = Receiver(answer=(307, {"Location": target.url}))
    try:
        _subscribe(provider, redirecting.url)
        make_referral()
        assert deliver_due() == 0
        assert len(redirecting.received) == 1
        assert target.received == []
        event = OutboxEvent.objects.get()
        assert event.delivered_at is None and "307" in event.last_error
    finally:
        target.stop()
        redirecting.stop()


@pytest.mark.django_db
def test_a_slow_receiver_times_out(settings, make_referral, provider):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    slow = Receiver(delay=2.0)
    try:
        _subscribe(provider, slow.url)
        make_referral()
        started = time.monotonic()
        assert deliver_due() == 0
        assert time.monotonic() - started < 1.5
        delivery = WebhookDelivery.objects.get()
        assert delivery.status_code is None and "timed out" in delivery.error.lower()
    finally:
        slow.stop()


# -- no database lock during the call ----------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_http_call_runs_with_no_transaction_and_no_row_lock(
    settings, make_referral, provider, monkeypatch
):
    """The receiver, from another connection, locks the event's row with NOWAIT while the
    delivery waits for its answer: under a held row lock that fails at once."""
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    seen: dict[str, object] = {}

    def lock_the_row():
        try:
            with transaction.atomic():
                OutboxEvent.objects.select_for_update(nowait=True).get()
            seen["locked_by_receiver"] = True
        except OperationalError as exc:
            seen["locked_by_receiver"] = exc
        finally:
            connection.close()
        return 204, {}

    real_post = outbound.post

    def post(*args, **kwargs):
        seen["in_atomic_block"] = connection.in_atomic_block
        return real_post(*args, **kwargs)

    monkeypatch.setattr(outbound, "post", post)
    r = Receiver(answer=lock_the_row)
    try:
        _subscribe(provider, r.url)
        make_referral()  # with real commits the nudge on commit delivers (Celery is eager)
        deliver_due()
    finally:
        r.stop()
    assert seen["in_atomic_block"] is False
    assert seen["locked_by_receiver"] is True
    assert OutboxEvent.objects.get().delivered_at is not None


@pytest.mark.django_db
def test_a_claimed_batch_is_not_claimed_twice(settings, receiver, make_referral, provider):
    """The lease: while one worker calls, another finds the batch not due."""
    from referrals.webhooks import _claim

    _subscribe(provider, receiver.url)
    make_referral()
    assert len(_claim(10)) == 1
    assert _claim(10) == []
    event = OutboxEvent.objects.get()
    assert event.next_attempt_at > timezone.now() + dt.timedelta(seconds=30)
