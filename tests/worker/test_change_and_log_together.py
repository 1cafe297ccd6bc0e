"""A page's change and its access-log entry commit together (issue 17.6): every POST behind
``worker_required`` runs in one transaction, so a failed log write undoes the change and a
refused change leaves its entry only with what was really done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from analyses.models import Analysis
from casusregie import access_log
from casusregie.models import AccessAction, AccessLogEntry, EducationPeriod, Role
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna():
    team = LocalTeamFactory(municipalities=[MunicipalityFactory(region=RegionFactory())])
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR])


@pytest.fixture
def case(anna):
    family = FamilyFactory(municipality=anna.local_team.municipalities.get())
    case = CaseFactory(family=family, local_team=anna.local_team, opened_on=dt.date(2026, 1, 5))
    RegisseurPeriodFactory(case=case, worker=anna, from_date=case.opened_on)
    return case


@pytest.fixture
def noor(case):
    return YouthFactory(family=case.family, name="Noor de Jong", birth_date=dt.date(2012, 3, 1))


@pytest.fixture
def log_write_fails(monkeypatch):
    def fail(**kwargs):
        raise DatabaseError("the access log could not be written")

    monkeypatch.setattr(access_log, "record_access", fail)


def education_add(client, case, noor):
    prefix = f"onderwijs-{noor.ref}"
    return client.post(
        reverse("family-education-add", args=[case.family.ref, noor.ref]),
        {
            f"{prefix}-status": "attending",
            f"{prefix}-from_date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
            f"{prefix}-school": "Vmbo De Brug",
            f"{prefix}-school_type": "regular",
        },
    )


def test_a_family_page_change_commits_with_its_entry(client, anna, case, noor):
    verified_login(client, anna)
    assert education_add(client, case, noor).status_code == 302
    assert EducationPeriod.objects.filter(youth=noor).count() == 1
    assert AccessLogEntry.objects.filter(
        family_ref=case.family.ref, action=AccessAction.CHANGE, object_type="education_period"
    ).exists()


def test_a_failed_log_write_undoes_the_family_page_change(
    client, anna, case, noor, log_write_fails
):
    verified_login(client, anna)
    with pytest.raises(DatabaseError):
        education_add(client, case, noor)
    assert not EducationPeriod.objects.filter(youth=noor).exists()


def test_a_failed_log_write_undoes_the_editor_change(client, anna, case, log_write_fails):
    """The analysis editor's POSTs (``editing_view``) are behind the same decorator."""
    verified_login(client, anna)
    with pytest.raises(DatabaseError):
        client.post(reverse("analysis-start", kwargs={"ref": case.family.ref}))
    assert not Analysis.objects.filter(case=case).exists()


def test_a_change_that_fails_after_its_entry_leaves_no_entry(client, anna, case, monkeypatch):
    """The reverse: the entry is written, then the page fails: neither stays."""
    from worker.views import analysis

    def changed_then_fail(*args, **kwargs):
        access_log.record_worker_access(
            args[0], args[2], action=AccessAction.CHANGE, purpose=kwargs["purpose"]
        )
        raise DatabaseError("the page failed after logging")

    monkeypatch.setattr(analysis, "changed", changed_then_fail)
    before = AccessLogEntry.objects.count()
    verified_login(client, anna)
    with pytest.raises(DatabaseError):
        client.post(reverse("analysis-start", kwargs={"ref": case.family.ref}))
    assert not Analysis.objects.filter(case=case).exists()
    assert AccessLogEntry.objects.count() == before
