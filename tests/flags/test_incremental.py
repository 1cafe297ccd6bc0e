"""The daily sweep, incremental (issue 21): it judges only the cases changed or due, and gives
exactly the flags of a full sweep every day: the same flags, `since`, opening, raising,
resolving and escalation dates, escalations and inbox rows, also when it runs late or skips a
day. The naive evaluation (tests/bench/naive.py) agrees with both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casusregie.models import EducationPeriod, Notification, SweepRequest
from casusregie.rejudge import request_case_sweep
from escalations.models import Escalation
from flags.models import Flag, JudgementDue, PendingThreshold, RuleSetting, SweepMark
from flags.models import Notification as Inbox
from flags.services import sweep, sweep_daily, sweep_full, sweep_requested
from referrals.models import Referral
from tests.bench.generate import generate
from tests.bench.naive import naive_flags
from tests.factories import EvaluationFactory

from .test_properties import build, case_spec

D = dt.date
ONE = dt.timedelta(days=1)


def snapshot() -> dict[str, list]:
    """Everything a sweep writes, without ids (sequences do not roll back: an escalation the
    sweep submits is named by its ref)."""
    refs = dict(Escalation.objects.values_list("pk", "ref"))

    def subject(kind: str, pk: int) -> int | str:
        return refs[pk] if kind == "escalation" else pk

    return {
        "flags": sorted(
            (rule, kind, subject(kind, pk), *rest)
            for rule, kind, pk, *rest in Flag.objects.values_list(
                "rule",
                "subject_type",
                "subject_id",
                "case_id",
                "severity",
                "since",
                "opened_on",
                "raised_on",
                "resolved_on",
                "resolution",
                "escalated_on",
                "escalation__ref",
                "owner_role",
            )
        ),
        "escalations": sorted(
            Escalation.objects.values_list("ref", "case_id", "submitted_on", "source")
        ),
        "inbox": sorted(
            Inbox.objects.values_list(
                "recipient_id",
                "flag__rule",
                "flag__subject_type",
                "flag__case_id",
                "flag__opened_on",
                "kind",
                "created_on",
            )
        ),
        "meldingen": sorted(Notification.objects.values_list("recipient_id", "case_id", "text")),
    }


def same(got: dict[str, list], want: dict[str, list]) -> bool:
    """Equal snapshots; otherwise the rows only one has, for the assertion's message."""
    for key in want:
        only_got = sorted(set(got[key]) - set(want[key]), key=str)
        only_want = sorted(set(want[key]) - set(got[key]), key=str)
        assert (only_got, only_want) == ([], []), key
        assert got[key] == want[key], key
    return True


def open_hits() -> set[tuple]:
    return set(
        Flag.objects.filter(resolved_on__isnull=True).values_list(
            "rule", "subject_type", "subject_id", "severity", "since"
        )
    )


def change_some_cases(day: dt.date, k: int) -> None:
    """A day's changes, each with its request in the change's transaction: care ended, a youth
    back at school, an escalation discussed."""
    for r in Referral.objects.filter(
        started_on__isnull=False, started_on__lte=day, ended_on__isnull=True
    ).order_by("pk")[:k]:
        Referral.objects.filter(pk=r.pk).update(
            status="ended", ended_on=day, end_reason="doelen bereikt"
        )
        request_case_sweep(r.case_id)
    at_home = (
        EducationPeriod.objects.filter(status__in=["not_enrolled", "absent"], from_date__lt=day)
        .select_related("youth")
        .order_by("pk")[:k]
    )
    for period in at_home:
        EducationPeriod.objects.create(youth=period.youth, status="attending", from_date=day)
        case = period.youth.family.cases.filter(closed_on__isnull=True).first()
        if case:
            request_case_sweep(case)
    # By submission and case, not pk: which ids a sweep's escalations get is no part of the
    # contract (both sweeps number them by case, but the full sweep's run comes first).
    undiscussed = Escalation.objects.filter(discussed_on__isnull=True, submitted_on__lt=day)
    for e in undiscussed.order_by("submitted_on", "case_id")[:k]:
        Escalation.objects.filter(pk=e.pk).update(discussed_on=day)
        request_case_sweep(e.case_id)


def run(
    days: list[dt.date],
    judge: Callable[[dt.date], object],
    changes: dict[dt.date, int],
    check: Callable[[dt.date], None] | None = None,
) -> dict[str, list]:
    """Sweep on each of ``days`` (with that day's changes first, taken by the requested sweep
    as a worker would within a second), snapshot, and roll it all back."""
    with transaction.atomic():
        for day in days:
            if day in changes:
                change_some_cases(day, changes[day])
                sweep_requested(day)
            judge(day)
            if check:
                check(day)
        result = snapshot()
        transaction.set_rollback(True)
    return result


def daily(start: dt.date, n: int) -> list[dt.date]:
    return [start + i * ONE for i in range(n)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("seed", "start"),
    [
        (12, D(2026, 12, 20)),  # Christmas and New Year in the working days
        (13, D(2028, 2, 20)),  # a leap day
    ],
)
def test_daily_incremental_sweeps_give_the_flags_of_daily_full_sweeps_also_late_or_skipped(
    seed, start
):
    generate(300, start, seed=seed, progress=False)
    days = daily(start, 28)
    changes = {start + 2 * ONE: 3, start + 9 * ONE: 2, start + 18 * ONE: 3}
    full = run(days, sweep, changes)
    assert len({f[0] for f in full["flags"] if f[8] is not None}) >= 5, "flags resolve"
    assert any(f[6] > start for f in full["flags"]), "flags open after the first day"
    assert any(f[10] is not None and f[10] > start for f in full["flags"]), "and escalate"

    judged: list[int] = []

    def incremental(day: dt.date) -> None:
        judged.append(sweep_daily(day).cases_judged)

    def naive_agrees(day: dt.date) -> None:
        if (day - start).days % 7 == 6:
            assert open_hits() == naive_flags(day), day

    assert same(run(days, incremental, changes, naive_agrees), full)
    open_cases = 300 // 2
    assert max(judged[1:]) < open_cases / 3, "the daily sweep judges a few cases, not all"

    # A day skipped, a sweep three days late, a week late: the same history.
    late = [d for i, d in enumerate(days) if i not in {4, 11, 12, 13, 20, 21, 22, 23, 24, 25}]
    assert same(run(late, lambda day: sweep_daily(day), changes), full)


@pytest.mark.django_db
def test_a_full_sweep_after_daily_sweeps_changes_nothing_and_the_naive_evaluation_agrees():
    start = D(2026, 11, 24)
    generate(600, start, seed=15, progress=False)
    for day in daily(start, 20):
        sweep_daily(day)
    end = start + 19 * ONE
    before = snapshot()
    result = sweep_full(end)
    assert not result.changed
    assert snapshot() == before
    assert open_hits() == naive_flags(end)


@pytest.mark.django_db
def test_the_daily_sweep_judges_the_requested_and_the_due_cases_only(
    garp_case, youth_in, django_assert_num_queries
):
    sleeper = garp_case(D(2026, 1, 5))  # a regisseur, a plan, an analysis: nothing due
    late = garp_case(D(2026, 3, 2), with_regisseur=False)  # NO_REGISSEUR 5 working days on
    for case in (sleeper, late):
        youth_in(case, birth_date=D(2015, 6, 1))
    first = sweep_daily(D(2026, 3, 2))
    assert first.full_sweeps == 1
    # NO_REGISSEUR holds for the late case: its violation is pending, nothing else is ahead.
    pending = PendingThreshold.objects.get()
    assert (pending.case_id, pending.rule, pending.next_on) == (
        late.pk,
        "NO_REGISSEUR",
        D(2026, 3, 9),
    )
    assert not JudgementDue.objects.exists()

    quiet = sweep_daily(D(2026, 3, 3))
    assert (quiet.full_sweeps, quiet.cases_judged, quiet.dates_judged) == (0, 0, 0)
    request_case_sweep(sleeper)
    asked = sweep_daily(D(2026, 3, 4))
    assert (asked.cases_judged, asked.dates_judged) == (1, 1)
    assert not SweepRequest.objects.exists()
    # On the threshold's day the flag opens from the pending row, without judging the case.
    assert sweep_daily(D(2026, 3, 8)).dates_judged == 0
    due = sweep_daily(D(2026, 3, 9))
    assert (due.cases_judged, due.crossings, due.dates_judged, due.opened) == (0, 1, 1, 1)
    flag = Flag.objects.get()
    assert (flag.case_id, flag.severity, flag.since) == (late.pk, "violation", D(2026, 3, 9))
    assert not PendingThreshold.objects.exists()
    assert SweepMark.objects.get().swept_through == D(2026, 3, 9)


@pytest.mark.django_db
def test_a_planned_evaluation_is_judged_on_its_first_threshold_not_the_day_after_it(
    garp_case, youth_in, region
):
    RuleSetting.objects.create(
        region=region, rule="PLAN_EVALUATION_OVERDUE", warning=7, violation=14
    )
    case = garp_case(D(2026, 1, 5))
    youth_in(case, birth_date=D(2015, 6, 1))
    EvaluationFactory(plan=case.plans.get(), planned_on=D(2026, 3, 10))
    sweep_daily(D(2026, 3, 2))
    # From 11 March the rule holds, but it flags nothing before its warning, 7 days on.
    assert JudgementDue.objects.get(case_id=case.pk).next_on == D(2026, 3, 17)
    for day in (D(2026, 3, 11), D(2026, 3, 16)):
        quiet = sweep_daily(day)
        assert (quiet.cases_judged, quiet.dates_judged, quiet.opened) == (0, 0, 0)
    warned = sweep_daily(D(2026, 3, 17))
    assert (warned.cases_judged, warned.opened) == (1, 1)
    flag = Flag.objects.get()
    assert (flag.rule, flag.severity, flag.since) == (
        "PLAN_EVALUATION_OVERDUE",
        "warning",
        D(2026, 3, 17),
    )
    assert PendingThreshold.objects.get().next_on == D(2026, 3, 24)
    assert sweep_daily(D(2026, 3, 23)).raised == 0
    raised = sweep_daily(D(2026, 3, 24))
    assert (raised.cases_judged, raised.crossings, raised.raised) == (0, 1, 1)
    flag.refresh_from_db()
    assert (flag.severity, flag.since) == ("violation", D(2026, 3, 24))
    assert not sweep_full(D(2026, 3, 24)).changed


@pytest.mark.django_db
def test_a_daily_sweep_s_statements_do_not_grow_with_the_cases_judged(
    garp_case, youth_in, django_assert_num_queries
):
    cases = [garp_case(D(2026, 3, 2) + i * ONE, with_regisseur=False) for i in range(6)]
    for case in cases:
        youth_in(case)
    sweep_daily(D(2026, 3, 2))
    request_case_sweep(cases[0])
    with django_assert_num_queries(70) as one:
        sweep_daily(D(2026, 3, 3))
    request_case_sweep(*cases)
    with django_assert_num_queries(len(one)):
        sweep_daily(D(2026, 3, 4))


@pytest.mark.django_db
def test_a_new_threshold_or_rulebook_makes_the_next_daily_sweep_a_full_one(garp_case, region):
    garp_case(D(2026, 1, 5), with_regisseur=False)
    assert sweep_daily(D(2026, 3, 2)).full_sweeps == 1
    assert sweep_daily(D(2026, 3, 3)).full_sweeps == 0
    RuleSetting.objects.create(region=region, rule="NO_REGISSEUR", violation=7)
    assert sweep_daily(D(2026, 3, 4)).full_sweeps == 1
    assert sweep_daily(D(2026, 3, 5)).full_sweeps == 0
    SweepMark.objects.update(fingerprint="a rulebook of before")
    assert sweep_daily(D(2026, 3, 6)).full_sweeps == 1


@pytest.mark.django_db
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(case_spec, min_size=1, max_size=4),
    skipped=st.sets(st.integers(min_value=1, max_value=38), max_size=16),
)
def test_incremental_sweeps_on_any_days_give_the_history_of_daily_full_sweeps(
    garp_case, youth_in, specs, skipped
):
    for spec in specs:
        build(spec, garp_case, youth_in)
    days = daily(D(2027, 2, 10), 40)  # after every recorded date; birthdays on 28 February
    full = run(days, sweep, {})
    swept = [d for i, d in enumerate(days) if i not in skipped]
    assert same(run(swept, lambda day: sweep_daily(day), {}), full)
    Flag.objects.all().delete()


def _dates_with_place(table: str, key: str) -> dict[tuple, str]:
    """Each row's values with its ``ctid``: a row rewritten (deleted and inserted, or updated)
    gets a new one, a row left alone keeps it (within one transaction, too)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, ctid::text FROM {table}")  # noqa: S608 - constants
        return {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_a_full_sweep_rewrites_only_the_dates_that_changed_and_leaves_those_of_a_fresh_one():
    start = D(2026, 12, 20)
    generate(300, start, seed=12, progress=False)
    tables = {
        JudgementDue._meta.db_table: "case_id, next_on",
        PendingThreshold._meta.db_table: (
            "rule, subject_type, subject_id, case_id, warning_on, violation_on, next_on"
        ),
    }

    def rows() -> dict[str, dict[tuple, str]]:
        return {table: _dates_with_place(table, key) for table, key in tables.items()}

    sweep_full(start)
    before = rows()
    later = start + 2 * ONE  # as the daily test's first changes
    change_some_cases(later, 3)
    sweep_full(later)
    after = rows()
    for table in tables:
        kept = before[table].keys() & after[table].keys()
        assert len(kept) > len(after[table]) / 2, table
        # Every row that stayed as it was is the same row: not deleted and written again.
        assert {r: after[table][r] for r in kept} == {r: before[table][r] for r in kept}
        # And rows went (their date came, or their case changed) and came.
        assert before[table].keys() - after[table].keys(), table
        assert after[table].keys() - before[table].keys(), table
    # The same dates as a full sweep writes where there were none.
    JudgementDue.objects.all().delete()
    PendingThreshold.objects.all().delete()
    assert not sweep_full(later).changed
    assert {t: set(r) for t, r in rows().items()} == {t: set(r) for t, r in after.items()}
