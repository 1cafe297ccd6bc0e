"""/health/ reports the database, Redis and a live Celery worker; 200 only when all are up."""

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def short_ping(settings):
    settings.HEALTHCHECK_CELERY_PING_TIMEOUT = 1.0


def test_health_is_200_with_every_part_up_when_a_worker_runs(client, short_ping):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        response = client.get("/health/?format=json")
    assert response.status_code == 200
    parts = response.json()
    assert parts["CeleryPingHealthCheck"] == "working"
    assert parts["RedisHealthCheck"] == "working"
    assert parts["DatabaseBackend"] == "working"
    assert all(v == "working" for v in parts.values())


def test_health_is_not_200_and_names_the_missing_worker(client, short_ping):
    response = client.get("/health/?format=json")
    assert response.status_code >= 500
    parts = response.json()
    assert parts["CeleryPingHealthCheck"] != "working"
    assert parts["DatabaseBackend"] == "working"


def test_health_page_is_html_by_default(client, short_ping):
    response = client.get("/health/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
