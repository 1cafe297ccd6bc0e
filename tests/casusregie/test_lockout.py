"""Lockout (django-axes, casusregie/lockout.py): per username from one address, and per address.

A stranger elsewhere cannot lock a worker out; one address cannot try a password on every account
(and its own good login does not reset its count).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db
PASSWORD = "geheim-wachtwoord-123"
STRANGER, OFFICE, SPRAYER = "203.0.113.7", "198.51.100.20", "192.0.2.99"


@pytest.fixture
def worker():
    worker = WorkerFactory()
    TOTPDevice.objects.create(user=worker, name="telefoon", confirmed=True)
    return worker


def login(client, username: str, password: str, address: str):
    data = {"username": username, "password": password}
    return client.post(reverse("login"), data, REMOTE_ADDR=address)


def test_the_settings_count_username_with_address_and_address_alone():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"], "ip_address"]
    assert settings.AXES_HANDLER == "casusregie.lockout.LockoutHandler"
    assert settings.LOCKOUT_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT


def test_a_stranger_elsewhere_cannot_lock_the_worker_out(client, worker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, worker.username, "fout", STRANGER)
    assert login(client, worker.username, PASSWORD, STRANGER).status_code == 429
    assert login(client, worker.username, PASSWORD, OFFICE).status_code == 302


def test_the_worker_is_locked_from_the_address_of_the_failures(client, worker):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, worker.username, "fout", OFFICE).status_code == 200
    assert login(client, worker.username, "fout", OFFICE).status_code == 429  # the limit's
    assert login(client, worker.username, PASSWORD, OFFICE).status_code == 429


def test_one_address_trying_many_usernames_is_locked(client, worker):
    limit = settings.LOCKOUT_ADDRESS_FAILURE_LIMIT
    for n in range(limit - 1):  # one try per username: never a username's limit
        assert login(client, f"gok{n}", "Welkom2026!", SPRAYER).status_code == 200
    # one failure short of the address's limit: a real login from there still works ...
    assert login(client, worker.username, PASSWORD, SPRAYER).status_code == 302
    client.logout()
    # ... and does not reset the address's count: the next failure locks the address
    assert login(client, "gok-laatste", "Welkom2026!", SPRAYER).status_code == 429
    assert login(client, worker.username, PASSWORD, SPRAYER).status_code == 429
    assert login(client, worker.username, PASSWORD, OFFICE).status_code == 302


def test_a_good_login_resets_the_username_at_that_address(client, worker):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, worker.username, "fout", OFFICE)
    assert login(client, worker.username, PASSWORD, OFFICE).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, worker.username, "fout", OFFICE).status_code == 200


def behind_proxy(client, username: str, password: str, forwarded: str):
    data = {"username": username, "password": password}
    return client.post(
        reverse("login"), data, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
    )


def test_behind_a_proxy_the_header_it_writes_is_the_address(client, worker, settings):
    settings.LOCKOUT_CLIENT_ADDRESS_HEADER = "X-Forwarded-For"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # the client wrote the first entry itself (trying to pose as the office); the proxy
        # appended the stranger's real address last
        behind_proxy(client, worker.username, "fout", f"{OFFICE}, {STRANGER}")
    assert behind_proxy(client, worker.username, PASSWORD, STRANGER).status_code == 429
    assert behind_proxy(client, worker.username, PASSWORD, OFFICE).status_code == 302


def test_without_the_setting_the_header_is_ignored(client, worker, settings):
    settings.LOCKOUT_CLIENT_ADDRESS_HEADER = ""
    for n in range(settings.AXES_FAILURE_LIMIT):
        behind_proxy(client, worker.username, "fout", f"192.0.2.{n}")  # a client's own choice
    assert behind_proxy(client, worker.username, PASSWORD, OFFICE).status_code == 429
