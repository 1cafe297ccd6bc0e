"""The second factor's first enrolment needs a one-time code from an administrator.

Without a valid code no QR code and no device; a code works once, for its own worker, until it
expires; only its hash is stored; the functional administrator issues it in the admin (shown
once), never for their own account.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.enrolment import enrolment_code_hash
from casusregie.models import EnrolmentCode
from casusregie.services import issue_enrolment_code
from tests.conftest import verified_login
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db
PASSWORD = "geheim-wachtwoord-123"
SETUP = reverse("otp-setup")


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def worker():
    return WorkerFactory()


@pytest.fixture
def admin_worker():
    admin = WorkerFactory(is_staff=True)
    return admin


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def password_login(client, worker):
    response = client.post(reverse("login"), {"username": worker.username, "password": PASSWORD})
    assert response["Location"].startswith(SETUP)
    return client


def enrol(client, worker, code: str):
    """Enrolment code, then the first TOTP code of the fresh key; the last response."""
    response = client.post(SETUP, {"enrolment_code": code})
    if response.status_code != 302:
        return response
    device = TOTPDevice.objects.get(user=worker, confirmed=False)
    return client.post(SETUP, {"token": code_for(device)})


def test_without_a_code_the_password_alone_shows_no_key_and_links_nothing(client, worker):
    password_login(client, worker)
    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert "inschrijfcode" in html.lower()
    assert "data:image/svg+xml" not in html  # no QR code, no key
    assert not TOTPDevice.objects.filter(user=worker).exists()
    # a token without a code is refused: still the code form, nothing confirmed
    refused = client.post(SETUP, {"token": "123456"})
    assert refused.status_code == 200
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert client.get(reverse("home"))["Location"].startswith(SETUP)


def test_a_wrong_code_is_refused(client, worker):
    issue_enrolment_code(worker, issued_by=None)
    password_login(client, worker)
    response = client.post(SETUP, {"enrolment_code": "AAAA-BBBB-CCCC"})
    assert response.status_code == 200
    assert "klopt niet" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=worker).exists()


def test_with_a_code_enrolment_works_once(client, worker):
    code = issue_enrolment_code(worker, issued_by=None)
    password_login(client, worker)
    after_code = client.post(SETUP, {"enrolment_code": code.lower().replace("-", " ")})
    assert after_code.status_code == 302
    assert "data:image/svg+xml" in client.get(SETUP).content.decode()  # the key, only now
    device = TOTPDevice.objects.get(user=worker, confirmed=False)
    assert client.post(SETUP, {"token": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home"), follow=True).status_code == 200
    assert EnrolmentCode.objects.get(worker=worker).used_at is not None
    # the same code again (the device removed, say a lost phone): refused
    TOTPDevice.objects.filter(user=worker).delete()
    client.logout()
    password_login(client, worker)
    again = client.post(SETUP, {"enrolment_code": code})
    assert again.status_code == 200
    assert not TOTPDevice.objects.filter(user=worker).exists()


def test_an_expired_code_is_refused_one_still_valid_is_not(client, worker):
    code = issue_enrolment_code(worker, issued_by=None)
    entry = EnrolmentCode.objects.get(worker=worker)
    password_login(client, worker)
    EnrolmentCode.objects.filter(pk=entry.pk).update(
        expires_at=timezone.now() + dt.timedelta(seconds=30)
    )
    assert client.post(SETUP, {"enrolment_code": code}).status_code == 302  # still valid
    EnrolmentCode.objects.filter(pk=entry.pk).update(
        issued_at=timezone.now() - dt.timedelta(days=4), expires_at=timezone.now()
    )
    # expired between the two steps: the TOTP code no longer links the device
    device = TOTPDevice.objects.get(user=worker, confirmed=False)
    response = client.post(SETUP, {"token": code_for(device)})
    assert response.status_code == 200
    assert 'name="enrolment_code"' in response.content.decode()  # back to the code
    device.refresh_from_db()
    assert not device.confirmed
    refused = client.post(SETUP, {"enrolment_code": code})
    assert refused.status_code == 200
    assert "verlopen" in refused.content.decode()


def test_the_code_expires_after_the_setting(worker, settings):
    settings.ENROLMENT_CODE_HOURS = 72
    issue_enrolment_code(worker, issued_by=None)
    entry = EnrolmentCode.objects.get(worker=worker)
    assert entry.expires_at - entry.issued_at == dt.timedelta(hours=72)


def test_another_workers_code_does_not_enrol(client, worker):
    code = issue_enrolment_code(WorkerFactory(), issued_by=None)
    password_login(client, worker)
    assert client.post(SETUP, {"enrolment_code": code}).status_code == 200
    assert not TOTPDevice.objects.filter(user=worker).exists()


def test_a_new_code_replaces_the_unused_one(worker):
    first = issue_enrolment_code(worker, issued_by=None)
    second = issue_enrolment_code(worker, issued_by=None)
    assert first != second
    assert list(
        EnrolmentCode.objects.filter(worker=worker).values_list("code_hash", flat=True)
    ) == [enrolment_code_hash(second)]


def test_only_the_hash_is_stored_and_the_database_holds_the_rules(worker):
    code = issue_enrolment_code(worker, issued_by=None)
    entry = EnrolmentCode.objects.get(worker=worker)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert code.replace("-", "") not in entry.code_hash
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():  # a second unused code
        EnrolmentCode.objects.create(worker=worker, code_hash="a" * 64, expires_at=entry.expires_at)
    with pytest.raises(IntegrityError), transaction.atomic():  # not a hash
        EnrolmentCode.objects.filter(pk=entry.pk).update(code_hash=code)
    with pytest.raises(IntegrityError), transaction.atomic():  # used after expiry
        EnrolmentCode.objects.filter(pk=entry.pk).update(used_at=entry.expires_at)
    with pytest.raises(IntegrityError), transaction.atomic():  # expires before issue
        EnrolmentCode.objects.filter(pk=entry.pk).update(expires_at=now - dt.timedelta(days=9))


def test_the_demo_and_verified_workers_never_need_a_code(client, worker):
    verified_login(client, worker)
    assert client.get(SETUP)["Location"].startswith(reverse("otp-verify"))


def test_nobody_issues_a_code_for_their_own_account(admin_worker):
    with pytest.raises(PermissionDenied):
        issue_enrolment_code(admin_worker, issued_by=admin_worker)
    assert not EnrolmentCode.objects.exists()


def test_the_functional_administrator_issues_codes_in_the_admin_shown_once(
    client, admin_worker, worker
):
    from django.contrib.auth.models import Permission

    admin_worker.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_worker", "change_worker"])
    )
    verified_login(client, admin_worker)
    response = client.post(
        reverse("admin:casusregie_worker_changelist"),
        {"action": "issue_enrolment_codes", "_selected_action": [worker.pk, admin_worker.pk]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    shown = re.findall(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>", html)
    assert len(shown) == 1  # the worker's; not the administrator's own
    entry = EnrolmentCode.objects.get()
    assert entry.worker == worker and entry.issued_by == admin_worker
    assert entry.code_hash == enrolment_code_hash(shown[0])
    assert "eigen account" in html
    # a second look at the list shows no code
    assert (
        shown[0] not in client.get(reverse("admin:casusregie_worker_changelist")).content.decode()
    )
    # and the code works for the worker
    client.logout()
    password_login(client, worker)
    assert enrol(client, worker, shown[0]).status_code == 302
    assert TOTPDevice.objects.get(user=worker).confirmed


def test_without_the_change_permission_the_action_is_not_offered(client, admin_worker, worker):
    from django.contrib.auth.models import Permission

    admin_worker.user_permissions.add(Permission.objects.get(codename="view_worker"))
    verified_login(client, admin_worker)
    response = client.post(
        reverse("admin:casusregie_worker_changelist"),
        {"action": "issue_enrolment_codes", "_selected_action": [worker.pk]},
    )
    assert not EnrolmentCode.objects.exists()
    assert response.status_code in (200, 302)


def test_the_operator_command_prints_a_working_code(client, worker):
    out = io.StringIO()
    call_command("enrolment_code", worker.username, stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()
    password_login(client, worker)
    assert enrol(client, worker, code).status_code == 302
    assert TOTPDevice.objects.get(user=worker).confirmed
