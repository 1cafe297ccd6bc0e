import os

import pytest

from tests import scenarios


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test of the shared scenarios fails before any fixture when they are not there."""
    if item.get_closest_marker("scenarios"):
        scenarios.fail_if_missing()


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Tasks run in-process unless a test asks for the real worker."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


#: The test suite's own key for the access log's seals (config/settings.py: ACCESS_LOG_KEY).
TEST_ACCESS_LOG_KEY = "test-suite-access-log-key-not-for-any-server"


@pytest.fixture(autouse=True)
def _access_log_key(settings):
    settings.ACCESS_LOG_KEY = TEST_ACCESS_LOG_KEY


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Each test run gets its own test database (suffix: the process id), so two runs on one
    machine (a developer's and CI's, or two developers') never drop each other's database."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        test = db.setdefault("TEST", {})
        base = test.get("NAME") or f"test_{db['NAME']}"
        test["NAME"] = f"{base}_p{os.getpid()}"


def verified_login(client, user):
    """Log ``user`` in with a verified second factor (as after the TOTP step)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def login(client):
    """``login(user)``: the test client, logged in with both factors."""
    return lambda user, on=None: verified_login(on or client, user)
