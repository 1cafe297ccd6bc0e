"""The flag lifecycle of RULES.md: open, raise, resolve, reopen, escalate once, notify."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext

from casusregie.models import Notification as Melding
from casusregie.models import RegisseurPeriod, Role
from casusregie.rejudge import request_case_sweep
from escalations.models import Escalation
from flags.models import Flag, Notification, RuleSetting
from flags.services import acknowledge_flag, sweep
from tests.factories import CaseFactory, EducationPeriodFactory, EscalationFactory, WorkerFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def thuiszitter(garp_case, youth_in):
    """A youth at home since 30 Sep 2026: warning 30 Oct, violation 30 Dec, escalation 27 Jan."""
    case = garp_case(D(2026, 9, 1))
    youth = youth_in(case)
    EducationPeriodFactory(youth=youth, status="attending", from_date=D(2018, 9, 1))
    EducationPeriodFactory(youth=youth, status="absent", from_date=D(2026, 9, 30))
    return youth


def test_a_warning_is_raised_to_violation_on_the_same_flag(thuiszitter, regisseur):
    sweep(D(2026, 11, 1))
    flag = Flag.objects.get(rule="THUISZITTER_3M")
    assert (flag.severity, flag.since, flag.opened_on) == (
        "warning",
        D(2026, 10, 30),
        D(2026, 11, 1),
    )

    sweep(D(2027, 1, 2))  # a late sweep still reports the true date
    flag.refresh_from_db()
    assert (flag.severity, flag.since, flag.raised_on) == (
        "violation",
        D(2026, 12, 30),
        D(2027, 1, 2),
    )
    assert Flag.objects.count() == 1
    kinds = sorted(Notification.objects.filter(recipient=regisseur).values_list("kind", flat=True))
    assert kinds == ["opened", "raised"]


def test_severity_never_goes_down_on_an_open_flag(thuiszitter):
    sweep(D(2027, 1, 2))
    # The data are corrected: the youth was at home from 15 Nov only (a warning on 2 Jan).
    thuiszitter.education.filter(status="absent").update(from_date=D(2026, 11, 15))
    sweep(D(2027, 1, 2))
    flag = Flag.objects.get(rule="THUISZITTER_3M", resolved_on__isnull=True)
    assert flag.severity == "violation"


def test_a_flag_resolves_when_the_condition_clears_and_a_new_one_opens_when_it_returns(
    thuiszitter,
):
    sweep(D(2026, 11, 1))
    EducationPeriodFactory(youth=thuiszitter, status="attending", from_date=D(2026, 11, 10))
    sweep(D(2026, 11, 10))
    first = Flag.objects.get(rule="THUISZITTER_3M")
    assert (first.resolved_on, first.resolution) == (D(2026, 11, 10), "condition_cleared")

    EducationPeriodFactory(youth=thuiszitter, status="not_enrolled", from_date=D(2026, 11, 20))
    sweep(D(2026, 12, 21))
    second = Flag.objects.get(rule="THUISZITTER_3M", resolved_on__isnull=True)
    assert second.pk != first.pk
    assert (second.severity, second.since) == ("warning", D(2026, 12, 20))


def test_closing_the_case_resolves_its_flags_with_case_closed(thuiszitter):
    sweep(D(2026, 11, 1))
    case = thuiszitter.family.cases.get()
    case.closed_on = D(2026, 11, 5)
    case.save()
    sweep(D(2026, 11, 5))
    assert list(Flag.objects.values_list("resolution", flat=True)) == ["case_closed"]


@pytest.mark.parametrize(
    ("day", "escalated"),
    [(D(2027, 1, 26), False), (D(2027, 1, 27), True)],  # violation 30 Dec + 28 days
)
def test_a_violation_is_escalated_after_escalate_after_days(thuiszitter, day, escalated):
    sweep(day)
    flag = Flag.objects.get(rule="THUISZITTER_3M")
    assert (flag.escalated_on is not None) == escalated
    if escalated:
        escalation = flag.escalation
        assert (escalation.submitted_on, escalation.source) == (day, "rulebook")
        assert escalation.case_id == flag.case_id


def test_escalation_links_to_the_case_s_open_escalation(thuiszitter):
    case = thuiszitter.family.cases.get()
    existing = EscalationFactory(case=case, submitted_on=D(2026, 12, 1))
    sweep(D(2027, 2, 1))
    assert Flag.objects.get(rule="THUISZITTER_3M").escalation == existing
    assert Escalation.objects.count() == 1


def test_a_flag_is_escalated_once_never_twice(thuiszitter):
    sweep(D(2027, 2, 1))
    escalation = Escalation.objects.get()
    escalation.discussed_on = D(2027, 2, 10)
    escalation.save()
    sweep(D(2027, 3, 1))
    flag = Flag.objects.get(rule="THUISZITTER_3M")
    assert flag.escalated_on == D(2027, 2, 1)
    assert Escalation.objects.count() == 1


def test_a_second_sweep_with_the_same_data_and_date_changes_nothing(thuiszitter, garp_case):
    garp_case(D(2026, 9, 1), with_regisseur=False, with_plan=False)
    first = sweep(D(2027, 2, 1))
    assert first.opened and first.escalated
    snapshot = _snapshot()
    second = sweep(D(2027, 2, 1))
    assert not second.changed
    assert _snapshot() == snapshot


def _snapshot():
    return (
        list(Flag.objects.order_by("pk").values()),
        list(Escalation.objects.order_by("pk").values()),
        list(Notification.objects.order_by("pk").values()),
    )


def test_the_database_refuses_a_second_open_flag_for_a_rule_and_subject(thuiszitter):
    sweep(D(2026, 11, 1))
    flag = Flag.objects.get()
    flag.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        flag.save()


def test_a_region_s_own_thresholds_are_used_and_recorded(thuiszitter, region):
    RuleSetting.objects.create(
        region=region, rule="THUISZITTER_3M", warning=2, violation=4, escalate_after=10
    )
    sweep(D(2026, 11, 29))
    assert not Flag.objects.exists()
    sweep(D(2026, 11, 30))
    flag = Flag.objects.get()
    assert (flag.severity, flag.since) == ("warning", D(2026, 11, 30))
    assert flag.thresholds == {
        "unit": "months",
        "warning": 2,
        "violation": 4,
        "escalate_after": 10,
    }


def test_no_regisseur_reaches_the_team_lead(garp_case, team_lead, regisseur):
    garp_case(D(2026, 12, 18), with_regisseur=False)
    sweep(D(2026, 12, 28))
    assert list(Notification.objects.values_list("recipient", flat=True)) == [team_lead.pk]


@pytest.mark.parametrize(
    ("until", "reaches"), [(D(2026, 11, 1), "team_lead"), (D(2026, 11, 2), "regisseur")]
)
def test_a_flag_reaches_the_regisseur_of_the_sweep_s_day_else_the_team_lead(
    thuiszitter, regisseur, team_lead, until, reaches
):
    # The period ends on ``until`` (exclusive): on 1 November the regisseur is gone, or not yet.
    RegisseurPeriod.objects.update(until=until)
    sweep(D(2026, 11, 1))
    recipient = {"team_lead": team_lead, "regisseur": regisseur}[reaches]
    assert list(Notification.objects.values_list("recipient", "kind")) == [(recipient.pk, "opened")]
    meldingen = list(Melding.objects.filter(kind="flag_opened").values_list("recipient", flat=True))
    assert meldingen == ([regisseur.pk] if reaches == "regisseur" else [])


def test_escalation_not_discussed_reaches_the_chair_of_the_region(garp_case, region):
    chair = WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE_CHAIR])
    EscalationFactory(case=garp_case(), submitted_on=D(2026, 3, 2))
    sweep(D(2026, 3, 16))
    assert list(Notification.objects.values_list("recipient", flat=True)) == [chair.pk]


def test_flag_e_mail_is_off_by_default_and_sent_when_enabled(thuiszitter, settings):
    sweep(D(2026, 11, 1))
    assert mail.outbox == []
    settings.FLAG_EMAIL_ENABLED = True
    sweep(D(2027, 1, 2))  # raised: a new notification, mailed on commit
    from flags.tasks import send_flag_emails

    send_flag_emails()
    assert len(mail.outbox) == 2
    assert "Thuiszitter" in mail.outbox[0].subject
    assert send_flag_emails() == 0  # each notification is mailed once


def test_acknowledging_a_flag_keeps_it_open(thuiszitter, regisseur):
    sweep(D(2026, 11, 1))
    flag = Flag.objects.get()
    note = acknowledge_flag(flag=flag, by=regisseur, text="Gesprek met school gepland.")
    sweep(D(2026, 11, 2))
    flag.refresh_from_db()
    assert flag.is_open and list(flag.notes.all()) == [note]


def test_request_case_sweep_rejudges_that_case_on_commit(
    garp_case, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 12, 28))
    case = garp_case(D(2026, 12, 18), with_regisseur=False)
    other = garp_case(D(2026, 12, 18), with_regisseur=False)
    with django_capture_on_commit_callbacks(execute=True):
        request_case_sweep(case)
    assert list(Flag.objects.values_list("case", flat=True)) == [case.pk]
    assert not Flag.objects.filter(case=other).exists()


def test_sweep_requested_takes_the_oldest_requests_and_judges_each_case_once(garp_case):
    from casusregie.models import SweepRequest
    from flags.services import sweep_requested

    cases = [garp_case(D(2026, 12, 18), with_regisseur=False) for _ in range(3)]
    for case in (cases[0], cases[1], cases[0], cases[2]):
        SweepRequest.objects.create(case_id=case.pk)
    first = sweep_requested(D(2026, 12, 28), limit=3)
    assert (first.cases, first.opened) == (2, 2)
    assert list(SweepRequest.objects.values_list("case_id", flat=True)) == [cases[2].pk]
    assert sweep_requested(D(2026, 12, 28)).cases == 1
    assert sweep_requested(D(2026, 12, 28)).cases == 0
    assert Flag.objects.filter(rule="NO_REGISSEUR").count() == 3


def test_a_failed_requested_sweep_leaves_its_requests_for_the_next_run(garp_case, monkeypatch):
    from casusregie.models import SweepRequest
    from flags import services

    case = garp_case(D(2026, 12, 18), with_regisseur=False)
    SweepRequest.objects.create(case_id=case.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "sweep", broken)
    with pytest.raises(RuntimeError):
        services.sweep_requested(D(2026, 12, 28))
    assert SweepRequest.objects.filter(case_id=case.pk).exists()


def test_the_sweep_s_query_count_does_not_grow_with_the_number_of_cases(
    garp_case, youth_in, django_assert_max_num_queries
):
    def populate(n):
        for _ in range(n):
            case = garp_case(D(2026, 9, 1), with_regisseur=False, with_plan=False)
            youth = youth_in(case)
            EducationPeriodFactory(youth=youth, status="absent", from_date=D(2026, 9, 30))

    from django.db import connection

    populate(2)
    with CaptureQueriesContext(connection) as small:
        sweep(D(2027, 2, 1))
    populate(20)
    with CaptureQueriesContext(connection) as large:
        sweep(D(2027, 2, 2))
    assert len(large) == len(small)
    assert Flag.objects.filter(resolved_on__isnull=True).count() == 22 * 3


def test_export_flags_prints_the_documented_format(thuiszitter):
    sweep(D(2026, 11, 1))
    out = io.StringIO()
    call_command("export_flags", stdout=out)
    assert json.loads(out.getvalue()) == [
        {
            "rule": "THUISZITTER_3M",
            "subject": {"type": "youth", "ref": thuiszitter.ref},
            "severity": "warning",
            "since": "2026-10-30",
            "escalated": False,
            "opened_on": "2026-11-01",
            "resolved_on": None,
        }
    ]


def test_export_flags_all_includes_resolved_ones(thuiszitter):
    sweep(D(2026, 11, 1))
    EducationPeriodFactory(youth=thuiszitter, status="attending", from_date=D(2026, 11, 3))
    sweep(D(2026, 11, 3))
    out = io.StringIO()
    call_command("export_flags", stdout=out)
    assert json.loads(out.getvalue()) == []
    out = io.StringIO()
    call_command("export_flags", "--all", stdout=out)
    assert [f["resolved_on"] for f in json.loads(out.getvalue())] == ["2026-11-03"]


def test_sweep_command_takes_a_date_and_refuses_a_bad_one(thuiszitter):
    out = io.StringIO()
    call_command("sweep", "--as-of", "2026-11-01", stdout=out)
    assert "1 opened" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("sweep", "--as-of", "2026-13-01")


@pytest.mark.parametrize("only_the_new_case", [False, True])
def test_a_youth_flag_of_a_closed_case_resolves_and_a_new_one_opens_in_the_family_s_new_case(
    thuiszitter, only_the_new_case
):
    sweep(D(2026, 11, 1))
    old_case = thuiszitter.family.cases.get()
    old_case.closed_on = D(2026, 11, 5)
    old_case.save()
    new_case = CaseFactory(
        family=old_case.family, local_team=old_case.local_team, opened_on=D(2026, 11, 6)
    )
    sweep(D(2026, 11, 6), case_ids=[new_case.pk] if only_the_new_case else None)
    old = Flag.objects.get(rule="THUISZITTER_3M", case=old_case)
    assert (old.resolved_on, old.resolution) == (D(2026, 11, 6), "case_closed")
    new = Flag.objects.get(rule="THUISZITTER_3M", resolved_on__isnull=True)
    assert (new.case_id, new.severity, new.since) == (new_case.pk, "warning", D(2026, 10, 30))


def test_a_threshold_of_zero_working_days_fires_on_s_itself_even_on_a_saturday(garp_case, region):
    RuleSetting.objects.create(region=region, rule="NO_REGISSEUR", violation=0)
    garp_case(D(2026, 11, 21), with_regisseur=False)  # a Saturday
    sweep(D(2026, 11, 21))
    flag = Flag.objects.get(rule="NO_REGISSEUR")
    assert (flag.severity, flag.since) == ("violation", D(2026, 11, 21))
