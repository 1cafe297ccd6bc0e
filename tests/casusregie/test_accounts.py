"""Accounts: password + TOTP, lockout, session expiry, strong passwords, deploy settings, CSP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.services import issue_enrolment_code
from tests.conftest import verified_login
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db
PASSWORD = "geheim-wachtwoord-123"
BASE_DIR = Path(__file__).resolve().parents[2]


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += offset * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def worker():
    return WorkerFactory()


@pytest.fixture
def device(worker):
    return TOTPDevice.objects.create(user=worker, name="telefoon", confirmed=True)


def test_the_password_alone_does_not_open_a_page(client, worker, device):
    response = client.post(reverse("login"), {"username": worker.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp-verify"))
    page = client.get(reverse("family-list"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("otp-verify"))


def test_the_right_code_logs_in_and_goes_where_asked(client, worker, device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows down guessing; not under test here
    client.post(reverse("login"), {"username": worker.username, "password": PASSWORD})
    target = reverse("family-list")
    wrong = client.post(
        f"{reverse('otp-verify')}?next={target}", {"token": code_for(device, offset=10)}
    )
    assert wrong.status_code == 200
    assert "klopt niet" in wrong.content.decode()
    right = client.post(f"{reverse('otp-verify')}?next={target}", {"token": code_for(device)})
    assert right.status_code == 302
    assert right["Location"] == target
    assert client.get(target).status_code == 200


def test_a_foreign_next_is_not_followed(client, worker, device):
    client.post(reverse("login"), {"username": worker.username, "password": PASSWORD})
    response = client.post(
        f"{reverse('otp-verify')}?next=https://evil.example/", {"token": code_for(device)}
    )
    assert response["Location"] == reverse("home")


def test_a_worker_without_an_authenticator_links_one_first(client, worker, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    code = issue_enrolment_code(worker, issued_by=WorkerFactory())
    response = client.post(reverse("login"), {"username": worker.username, "password": PASSWORD})
    assert response["Location"].startswith(reverse("otp-setup"))
    assert client.post(reverse("otp-setup"), {"enrolment_code": code}).status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user=worker, confirmed=False)
    assert client.post(reverse("otp-setup"), {"token": code_for(device, 10)}).status_code == 200
    assert client.post(reverse("otp-setup"), {"token": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home"), follow=True).status_code == 200


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, worker, device):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": worker.username, "password": "x"})
        assert response.status_code == 200
    locked = client.post(reverse("login"), {"username": worker.username, "password": "x"})
    assert locked.status_code == 429
    right = client.post(reverse("login"), {"username": worker.username, "password": PASSWORD})
    assert right.status_code == 429
    assert "geblokkeerd" in right.content.decode()


def test_one_failure_less_than_the_limit_still_logs_in(client, worker, device):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": worker.username, "password": "x"})
    right = client.post(reverse("login"), {"username": worker.username, "password": PASSWORD})
    assert right.status_code == 302


def test_the_session_expires_after_half_an_hour_of_inactivity(client, worker):
    verified_login(client, worker)
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each request starts the half hour again


def test_a_logged_out_worker_is_logged_out(client, worker):
    verified_login(client, worker)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("weak", ["kort-1", "123456789012", "password1234", "medewerker1234"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak, user=WorkerFactory.build(username="medewerker1234"))


def test_a_long_uncommon_password_is_accepted():
    validate_password("Lantaarn-Maasbrug-2026", user=WorkerFactory.build())


def test_pages_carry_a_strict_content_security_policy(client, worker):
    verified_login(client, worker)
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "PRODUCTION": "true",
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "ALLOWED_HOSTS": "casusregie.example.nl",
        "BSN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BSN_HASH_KEY": Fernet.generate_key().decode(),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests, never in deployment
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_guessing_codes_is_slowed_down(client, worker, device):
    client.post(reverse("login"), {"username": worker.username, "password": PASSWORD})
    client.post(reverse("otp-verify"), {"token": code_for(device, offset=10)})
    # right after a wrong code, even the right one waits (django-otp's throttling)
    assert client.post(reverse("otp-verify"), {"token": code_for(device)}).status_code == 200
