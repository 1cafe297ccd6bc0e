"""The sweep runs on Celery: daily by beat, for the changed cases after a change, on a real
worker."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import DatabaseError
from django.urls import reverse

from casusregie.models import Role, SweepRequest
from config.celery import app
from flags.models import Flag
from flags.tasks import sweep_all, sweep_requested
from tests.conftest import verified_login
from tests.factories import WorkerFactory

D = dt.date


def test_beat_runs_the_sweep_daily_at_six_in_amsterdam():
    entry = settings.CELERY_BEAT_SCHEDULE["daily-sweep"]
    assert entry["task"] == "flags.tasks.sweep_all"
    assert entry["schedule"].hour == {6} and entry["schedule"].minute == {0}
    assert settings.CELERY_TIMEZONE == "Europe/Amsterdam"


def test_the_tasks_retry_on_database_errors():
    for task in (sweep_all, sweep_requested):
        assert DatabaseError in task.autoretry_for
        assert task.max_retries >= 5


@pytest.mark.django_db
def test_sweep_all_sweeps_as_of_the_given_day(garp_case):
    garp_case(D(2026, 12, 18), with_regisseur=False)
    assert sweep_all.delay("2026-12-28").get() == {
        "as_of": "2026-12-28",
        "opened": 1,
        "resolved": 0,
    }
    assert Flag.objects.get().rule == "NO_REGISSEUR"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_rejudges_the_requested_cases(garp_case):
    case = garp_case(D(2026, 1, 5), with_regisseur=False)
    other = garp_case(D(2026, 1, 5), with_regisseur=False)
    for _change in range(2):  # two changes asked for it (their nudges left aside): judged once
        SweepRequest.objects.create(case_id=case.pk)
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = sweep_requested.delay().get(timeout=30)
    finally:
        app.conf.task_always_eager = True
    assert result == {"cases": 1, "opened": 1, "resolved": 0}
    assert Flag.objects.filter(case=case, rule="NO_REGISSEUR").exists()
    assert not Flag.objects.filter(case=other).exists()
    assert not SweepRequest.objects.exists()


def test_beat_takes_up_sweep_requests_whose_nudge_was_lost():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-requested"]
    assert entry["task"] == "flags.tasks.sweep_requested"
    assert entry["schedule"] <= 60


@pytest.mark.django_db
def test_changing_a_case_in_the_admin_rejudges_it(
    client, garp_case, django_capture_on_commit_callbacks
):
    case = garp_case(D(2026, 1, 5), with_regisseur=False)
    verified_login(client, WorkerFactory(roles=[Role.ADMIN], is_staff=True, is_superuser=True))
    url = reverse("admin:casusregie_case_change", args=[case.pk])
    data = {
        "ref": case.ref,
        "family": case.family_id,
        "local_team": case.local_team_id,
        "opened_on": "2026-01-05",
        "closed_on": "",
        "regisseurs-TOTAL_FORMS": "0",
        "regisseurs-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:1500]
    assert callbacks
    assert Flag.objects.filter(case=case, rule="NO_REGISSEUR").exists()
