"""Retention: families whose last case closed more than RETENTION_YEARS ago are destroyed, with
every copy of their data (history included); the access log is kept and records the destruction."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

import pghistory
import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from analyses.models import DomainFinding, Explanation, Strength
from casusregie.access_log import Access, record_access, verify_chain
from casusregie.models import (
    AccessAction,
    AccessLogEntry,
    Consent,
    ConsentPurpose,
    Family,
    NotificationKind,
    RegieTransfer,
)
from casusregie.models import Notification as Melding
from flags.models import Flag, FlagNote, Notification
from plans.models import Action, Goal
from referrals.models import IdempotencyRecord, OutboxEvent, ReferralEvent, WebhookDelivery
from retention import services as retention
from tests.factories import (
    AnalysisFactory,
    CarerFactory,
    CaseFactory,
    EducationPeriodFactory,
    EscalationFactory,
    EvaluationFactory,
    FamilyFactory,
    InvolvedProfessionalFactory,
    PerspectivePlanFactory,
    PlanFactory,
    ReferralFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 26)
LONG_AGO = dt.date(2005, 6, 1)  # expired on AS_OF with 20 years
RECENT = dt.date(2020, 6, 1)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def family_closed_on(*closed: dt.date | None, ref: str | None = None) -> Family:
    """A family with one case per date (None: an open case)."""
    family = FamilyFactory(**({"ref": ref} if ref else {}))
    for closed_on in closed:
        opened_on = (closed_on or AS_OF) - dt.timedelta(days=400)
        CaseFactory(family=family, opened_on=opened_on, closed_on=closed_on)
    return family


def expired_refs(as_of: dt.date, years: int | None = None) -> set[str]:
    return set(retention.expired_families(as_of, years).values_list("ref", flat=True))


def postgres_says_expired(closed_on: dt.date, as_of: dt.date, years: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::date + make_interval(years => %s) < %s", [closed_on, years, as_of]
        )
        return cursor.fetchone()[0]


# --- the boundary -----------------------------------------------------------------------------

BOUNDARIES = [
    # closed on, purge on, years, expired?
    ("2006-03-15", "2026-03-14", 20, False),  # the day before the end
    ("2006-03-15", "2026-03-15", 20, False),  # the last day kept
    ("2006-03-15", "2026-03-16", 20, True),  # the day after
    ("2004-02-29", "2024-02-29", 20, False),  # 29 February + 20 years is 29 February
    ("2004-02-29", "2024-03-01", 20, True),
    ("2080-02-29", "2100-02-28", 20, False),  # 2100 is no leap year: kept up to 28 February
    ("2080-02-29", "2100-03-01", 20, True),
    ("2020-02-29", "2021-02-27", 1, False),
    ("2020-02-29", "2021-02-28", 1, False),  # 29 February + 1 year is 28 February
    ("2020-02-29", "2021-03-01", 1, True),
    ("2023-02-28", "2024-02-29", 1, True),  # purged on a leap day
    ("2023-03-01", "2024-02-29", 1, False),
]


@pytest.mark.parametrize(("closed", "as_of", "years", "expired"), BOUNDARIES)
def test_the_boundary(closed, as_of, years, expired):
    family = family_closed_on(d(closed))
    assert retention.is_expired(d(closed), d(as_of), years) is expired
    assert (family.ref in expired_refs(d(as_of), years)) is expired
    assert postgres_says_expired(d(closed), d(as_of), years) is expired  # one definition


def test_the_period_is_a_setting(settings):
    family = family_closed_on(d("2016-03-15"))
    settings.RETENTION_YEARS = 10
    assert retention.retention_end(d("2016-03-15")) == d("2026-03-15")
    assert family.ref in expired_refs(d("2026-03-16"))
    assert family.ref not in expired_refs(d("2026-03-15"))


@given(
    closed=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31)),
    as_of=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2150, 12, 31)),
    years=st.integers(min_value=1, max_value=40),
)
def test_the_last_expired_closing_day_splits_exactly(closed, as_of, years):
    last = retention.last_expired_closing_day(as_of, years)
    assert (closed <= last) is retention.is_expired(closed, as_of, years)


def test_an_open_case_keeps_the_family():
    family = family_closed_on(d("1990-01-01"), None)
    assert family.ref not in expired_refs(AS_OF)


def test_a_recent_case_keeps_the_family():
    family = family_closed_on(d("1990-01-01"), RECENT)
    assert family.ref not in expired_refs(AS_OF)


def test_a_family_without_cases_is_not_destroyed_by_this_rule():
    family = FamilyFactory()
    assert family.ref not in expired_refs(AS_OF)


# --- a family with everything ---------------------------------------------------------------


def populate(family: Family, marker: str) -> dict[type[models.Model], set[int]]:
    """Every kind of row that hangs off a family, each text naming ``marker``, with history
    (also of an object deleted since) under a context, an admin log row and access-log entries.
    Returns the ids of what was made, per model."""
    made: dict[type[models.Model], set[int]] = defaultdict(set)

    def keep(*objs):
        for obj in objs:
            made[type(obj)].add(obj.pk)
        return objs[0]

    worker = WorkerFactory()
    with pghistory.context(url=f"/gezinnen/{marker}/", marker=marker):
        keep(family)
        carer = keep(CarerFactory(family=family, name=f"Ouder {marker}"))
        youth = keep(YouthFactory(family=family, name=f"Kind {marker}"))
        youth.name = f"Kind {marker} (hernoemd)"
        youth.save()
        keep(EducationPeriodFactory(youth=youth, school=f"School {marker}"))
        cases = list(family.cases.all())
        keep(*cases)
        case = cases[0]
        keep(RegisseurPeriodFactory(case=case, worker=worker, until=case.closed_on))
        keep(
            RegieTransfer.objects.create(
                case=case,
                to_worker=worker,
                proposed_by=worker,
                note=marker,
                proposed_on=case.opened_on,
                confirmed_on=case.opened_on,
            )
        )
        keep(
            Consent.objects.create(
                case=case, purpose=ConsentPurpose.EXPERT_TABLE, given_on=case.opened_on
            )
        )
        keep(
            Melding.objects.create(
                recipient=worker,
                kind=NotificationKind.FLAG_OPENED,
                case=case,
                text=f"Nieuw signaal: {marker}",
                url_name="family-detail",
                url_args=[family.ref],
            )
        )
        keep(InvolvedProfessionalFactory(case=case, organisation=f"Huisarts {marker}"))
        analysis = keep(AnalysisFactory(case=case, participants=[marker]))
        finding = keep(
            DomainFinding.objects.create(analysis=analysis, domain="onderwijs", text=marker)
        )
        explanation = keep(Explanation.objects.create(analysis=analysis, text=marker))
        explanation.findings.add(finding)
        keep(Strength.objects.create(analysis=analysis, text=marker))
        gone = Strength.objects.create(analysis=analysis, text=f"verwijderd {marker}")
        made[Strength].add(gone.pk)
        gone.delete()  # its history stays behind, under the analysis
        plan = keep(PlanFactory(case=case))
        goal = keep(Goal.objects.create(plan=plan, text=marker))
        goal.explanations.add(explanation)
        keep(Action.objects.create(goal=goal, description=marker, owner="moeder"))
        keep(EvaluationFactory(plan=plan, notes=marker))
        keep(PerspectivePlanFactory(case=case, youth=youth, notes=marker))
        referral = keep(ReferralFactory(case=case, youth=youth, question=marker))
        keep(
            ReferralEvent.objects.create(
                referral=referral, to_status="draft", actor_kind="worker", data={"m": marker}
            )
        )
        outbox = keep(
            OutboxEvent.objects.create(
                provider=referral.provider, referral=referral, kind="x", payload={"m": marker}
            )
        )
        keep(WebhookDelivery.objects.create(event=outbox, error=marker))
        keep(
            IdempotencyRecord.objects.create(
                provider=referral.provider,
                key=marker,
                method="POST",
                path=f"/api/v1/referrals/{referral.ref}/accept/",
                status_code=200,
                referral_ref=referral.ref,
            )
        )
        escalation = keep(EscalationFactory(case=case, reason=marker))
        flag = keep(
            Flag.objects.create(
                rule="r1",
                subject_type="case",
                subject_id=case.pk,
                case=case,
                severity="violation",
                since=case.opened_on,
                opened_on=case.opened_on,
                escalation=escalation,
                owner_role="regisseur",
                thresholds={"m": marker},
            )
        )
        keep(FlagNote.objects.create(flag=flag, author=worker, text=marker))
        keep(
            Notification.objects.create(
                recipient=worker, flag=flag, kind="opened", created_on=AS_OF
            )
        )
    LogEntry.objects.create(
        user=worker,
        content_type=ContentType.objects.get_for_model(carer),
        object_id=str(carer.pk),
        object_repr=carer.name,
        action_flag=CHANGE,
        change_message=marker,
    )
    record_access(
        actor_kind="worker",
        actor=worker.username,
        accesses=[Access(family.ref, "youth", youth.ref)],
        purpose="regie",
    )
    return made


def rows_naming(marker: str) -> dict[str, int]:
    """Per table (the access log aside), how many rows mention ``marker`` anywhere."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table == AccessLogEntry._meta.db_table:
                continue
            quoted = connection.ops.quote_name(table)
            scan = f"SELECT count(*) FROM {quoted} x WHERE x::text LIKE %s"  # noqa: S608
            cursor.execute(scan, [f"%{marker}%"])
            if count := cursor.fetchone()[0]:
                found[table] = count
    return found


def leftovers(made: dict[type[models.Model], set[int]]) -> dict[str, int]:
    """Rows of those ids still anywhere: their own table, their history, many-to-many links."""
    left = {}
    events = retention._event_models()
    for model, ids in made.items():
        tables = [(model, model._meta.pk.name)] + [
            (e, "pgh_obj_id") for e in events if e.pgh_tracked_model is model
        ]
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            tables.append((through, f"{model._meta.model_name}_id"))
        for table_model, column in tables:
            if n := table_model.objects.filter(**{f"{column}__in": ids}).count():
                left[table_model._meta.db_table] = n
    return left


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts


def test_execute_destroys_every_copy_and_keeps_the_rest():
    old = family_closed_on(LONG_AGO, d("2004-01-10"), ref="f-VERLOPEN")
    kept = family_closed_on(LONG_AGO, RECENT, ref="f-BEWAARD")
    old_made = populate(old, "VERLOPEN")
    kept_made = populate(kept, "BEWAARD")
    kept_rows, kept_left = rows_naming("BEWAARD"), leftovers(kept_made)
    assert rows_naming("VERLOPEN")  # the scan does find them
    assert leftovers(old_made).keys() == kept_left.keys()

    purge = retention.destroy_expired(AS_OF, actor="test")

    assert purge.families == 1
    assert rows_naming("VERLOPEN") == {}
    assert leftovers(old_made) == {}
    assert rows_naming("BEWAARD") == kept_rows
    assert leftovers(kept_made) == kept_left
    assert purge.rows["casusregie_family"] == 1
    assert purge.rows["casusregie_case"] == 2
    assert purge.rows["casusregie_youthevent"] == 2  # created, renamed
    assert purge.rows["analyses_strengthevent"] == 2  # also the one deleted before
    assert purge.rows["pghistory_context"] == 1
    assert purge.rows["django_admin_log"] == 1
    assert purge.rows["referrals_idempotencyrecord"] == 1
    assert purge.rows["analyses_explanation_findings"] == 1
    assert purge.rows["plans_goal_explanations"] == 1


def test_the_access_log_is_kept_and_records_the_destruction():
    old = family_closed_on(LONG_AGO, ref="f-VERLOPEN")
    populate(old, "VERLOPEN")
    before = list(AccessLogEntry.objects.filter(family_ref=old.ref).values_list("id", flat=True))
    assert before

    retention.destroy_expired(AS_OF, actor="manage.py purge_expired")

    entries = AccessLogEntry.objects.filter(family_ref=old.ref).order_by("id")
    assert [e.id for e in entries][: len(before)] == before
    destroyed = entries.get(action=AccessAction.DESTROY)
    assert (destroyed.actor_kind, destroyed.actor) == ("system", "manage.py purge_expired")
    assert (destroyed.object_type, destroyed.object_ref) == ("family", old.ref)
    assert destroyed.purpose == retention.PURPOSE
    assert list(verify_chain()) == []


def test_a_dry_run_changes_nothing():
    old = family_closed_on(LONG_AGO, ref="f-VERLOPEN")
    populate(old, "VERLOPEN")
    before = table_counts()

    preview = retention.preview_expired(AS_OF)

    assert table_counts() == before
    assert preview.families == 1 and not preview.executed
    executed = retention.destroy_expired(AS_OF)
    assert executed.rows == preview.rows  # the dry run counted exactly what goes


def test_the_number_of_queries_does_not_grow_with_the_families():
    def queries(purge_or_preview, families: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            purge = purge_or_preview(AS_OF)
        assert purge.families == families
        return len(captured)

    populate(family_closed_on(LONG_AGO), "EEN")
    one = queries(retention.preview_expired, 1)
    for i in range(3):
        populate(family_closed_on(LONG_AGO), f"MEER{i}")
    assert queries(retention.preview_expired, 4) == one
    many = queries(retention.destroy_expired, 4)
    populate(family_closed_on(LONG_AGO), "LAATSTE")
    assert queries(retention.destroy_expired, 1) == many


def test_every_table_pointing_at_a_family_object_is_in_the_plan():
    """A new model with a foreign key to a family's data must join the purge plan."""
    planned = {part.model for part in retention.PARTS}
    events = set(retention._event_models())
    assert {event.pgh_tracked_model for event in events} <= planned  # every history is family data
    missing = []
    for model in apps.get_models(include_auto_created=True):
        if model in planned or model in events or model._meta.auto_created:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in planned:
                missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []


# --- the command ------------------------------------------------------------------------------


def purge_command(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--dry-run", "--execute"),
        ("--dry-run", "--as-of", "2026-13-01"),
        ("--execute", "--as-of", "2999-01-01"),  # only a dry run may look ahead
    ],
)
def test_the_command_wants_exactly_one_mode_and_a_real_date(args):
    with pytest.raises(CommandError):
        purge_command(*args)


def test_a_dry_run_may_look_ahead():
    family_closed_on(AS_OF - dt.timedelta(days=30), ref="f-LATER")
    out = purge_command("--dry-run", "--as-of", "2999-01-01")
    assert "1 families would be destroyed" in out


def test_the_command_dry_run_then_execute():
    old = family_closed_on(d("2006-03-15"), ref="f-VERLOPEN")
    family_closed_on(d("2006-03-16"), ref="f-NOG")

    out = purge_command("--dry-run", "--as-of", "2026-03-16")
    assert "1 families would be destroyed (dry run, nothing written)" in out
    assert "last case closed on or before 2006-03-15" in out
    assert Family.objects.filter(ref=old.ref).exists()

    out = purge_command("--execute", "--as-of", "2026-03-16")
    assert "1 families destroyed" in out
    assert "casusregie_family" in out and "1 destroy entries appended" in out
    assert list(Family.objects.values_list("ref", flat=True)) == ["f-NOG"]
