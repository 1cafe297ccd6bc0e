"""Retention: families destroyed 20 years after their last case closed, history included."""

from __future__ import annotations

import datetime as dt
import io

import pghistory
import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie import retention
from casusregie.access_log import Access, record_access, verify_chain
from casusregie.models import AccessLogEntry, Carer, Case, Family, Youth
from flags.models import Flag
from referrals.lifecycle import Status
from referrals.models import Referral
from tests.factories import (
    AnalysisFactory,
    CarerFactory,
    CaseFactory,
    EducationPeriodFactory,
    EscalationFactory,
    FamilyFactory,
    PlanFactory,
    ReferralFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2046, 6, 15)
LONG_AGO = timezone.localdate() - relativedelta(years=21)


def closed_family(closed_on: dt.date, *, full: bool = False) -> Family:
    family = FamilyFactory()
    case = CaseFactory(family=family, opened_on=closed_on - dt.timedelta(days=400))
    youth = YouthFactory(family=family)
    CarerFactory(family=family)
    if full:
        EducationPeriodFactory(youth=youth)
        AnalysisFactory(case=case, established_on=case.opened_on)
        PlanFactory(case=case)
        ReferralFactory(case=case, youth=youth, status=Status.SENT, sent_on=case.opened_on)
        EscalationFactory(case=case, submitted_on=case.opened_on)
        Flag.objects.create(
            rule="NO_PLAN",
            subject_type="case",
            subject_id=case.pk,
            case=case,
            severity="warning",
            opened_on=case.opened_on,
            since=case.opened_on,
        )
    with pghistory.context(user=None):
        youth.name = "Gewijzigd"
        youth.save()
    Case.objects.filter(pk=case.pk).update(closed_on=closed_on)
    return family


@pytest.mark.parametrize(
    ("closed_on", "destroyed"),
    [
        (dt.date(2026, 6, 14), True),  # the day before exactly 20 years: more than 20 years ago
        (dt.date(2026, 6, 15), False),  # exactly 20 years ago: kept
        (dt.date(2026, 6, 16), False),  # the day after
    ],
)
def test_the_boundary_is_exactly_the_retention_period(closed_on, destroyed):
    family = closed_family(closed_on)
    assert retention.expired_families(AS_OF).filter(pk=family.pk).exists() is destroyed


def test_29_february_minus_twenty_years_is_28_february():
    assert retention.cutoff(dt.date(2048, 2, 29)) == dt.date(2028, 2, 29)
    assert retention.cutoff(dt.date(2044, 2, 29), years=1) == dt.date(2043, 2, 28)


def test_a_family_with_an_open_case_or_a_recent_one_is_kept():
    with_open = closed_family(dt.date(2020, 1, 1))
    CaseFactory(family=with_open, opened_on=dt.date(2045, 1, 1))
    with_recent = closed_family(dt.date(2020, 1, 1))
    CaseFactory(family=with_recent, opened_on=dt.date(2040, 1, 1), closed_on=dt.date(2041, 1, 1))
    never_a_case = FamilyFactory()
    expired = closed_family(dt.date(2020, 1, 1))
    ids = set(retention.expired_families(AS_OF).values_list("pk", flat=True))
    assert ids == {expired.pk}
    assert never_a_case.pk not in ids


def test_execute_destroys_everything_of_the_family_and_keeps_the_access_log():
    gone = closed_family(dt.date(2020, 1, 1), full=True)
    kept = closed_family(dt.date(2040, 1, 1), full=True)
    record_access(
        actor_kind="worker",
        actor="w-1",
        accesses=[Access(gone.ref, "family", gone.ref)],
        purpose="regie",
    )
    gone_youths = list(Youth.objects.filter(family=gone).values_list("pk", flat=True))
    gone_cases = list(Case.objects.filter(family=gone).values_list("pk", flat=True))

    counts = retention.purge(AS_OF)

    assert counts["families"] == 1
    assert not Family.objects.filter(pk=gone.pk).exists()
    assert not Youth.objects.filter(pk__in=gone_youths).exists()
    assert not Carer.objects.filter(family_id=gone.pk).exists()
    assert not Referral.objects.filter(case_id__in=gone_cases).exists()
    assert not Flag.objects.filter(case_id__in=gone_cases).exists()
    for label, event_model in retention.tracked_event_models().items():
        path = retention.FAMILY_PATHS[label]
        kept_rows = apps.get_model(label).objects.filter(**{f"{path}__in": [kept.pk]})
        kept_ids = set(kept_rows.values_list("pk", flat=True))
        leftover = event_model.objects.exclude(pgh_obj_id__in=kept_ids)
        assert not leftover.exists(), f"history of {label} survived the purge"
    assert Family.objects.filter(pk=kept.pk).exists()
    assert Youth.objects.filter(family=kept).exists()
    assert list(verify_chain()) == []
    log = AccessLogEntry.objects.filter(family_ref=gone.ref)
    assert set(log.values_list("action", flat=True)) == {"read", "destroy"}


def test_every_tracked_model_has_a_path_to_its_family():
    assert set(retention.tracked_event_models()) <= set(retention.FAMILY_PATHS)


def test_dry_run_counts_and_changes_nothing():
    gone = closed_family(LONG_AGO, full=True)
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert "would destroy 1 families" in out.getvalue()
    assert "casusregie.Youth: 1" in out.getvalue()
    assert Family.objects.filter(pk=gone.pk).exists()
    assert not AccessLogEntry.objects.filter(action="destroy").exists()


def test_execute_through_the_command():
    gone = closed_family(LONG_AGO)
    out = io.StringIO()
    call_command("purge_expired", "--execute", stdout=out)
    assert "destroyed 1 families" in out.getvalue()
    assert not Family.objects.filter(pk=gone.pk).exists()


def test_the_command_needs_exactly_one_mode():
    with pytest.raises(CommandError):
        call_command("purge_expired")


def test_the_purge_is_set_based():
    closed_family(dt.date(2020, 1, 1), full=True)
    with CaptureQueriesContext(connection) as one:
        retention.purge(AS_OF)
    for _ in range(5):
        closed_family(dt.date(2020, 1, 1), full=True)
    with CaptureQueriesContext(connection) as five:
        retention.purge(AS_OF)
    assert len(five) == len(one)


def test_as_of_in_the_future_is_refused():
    with pytest.raises(CommandError):
        call_command("purge_expired", "--dry-run", "--as-of", "2999-01-01")
