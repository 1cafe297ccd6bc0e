"""Retention: a family is destroyed once its last case has been closed for RETENTION_YEARS.

The unit is the family. It expires when it has no open case and its most recently closed case
closed more than ``RETENTION_YEARS`` (Jeugdwet: 20) years before the day of the purge:

    closed_on + N years < as_of        (29 February + N years is 28 February in a common year)

so a case closed on 2006-03-15 is kept up to and including 2026-03-15 and destroyed from
2026-03-16 on. A family without any case is never destroyed by this rule.

Destroying a family deletes everything that hangs off it — carers, youths, education periods,
cases, regisseur periods and hand-overs, consents, analyses and plans with their children,
referrals with their events, outbox, webhook deliveries and idempotency records, escalations,
flags with their notes and notifications — and every copy of that data: the pghistory event
rows of those objects (also of objects deleted earlier, found through the parent they were
recorded under), the history contexts only they referred to, and Django admin log rows about
them. The meldingen about its cases go too (a worker's inbox row names the case). The access
log is kept (it is append-only and has no foreign keys); the purge appends one
"destroy" entry per family.

Set-based: the ids to destroy are collected into a temporary table by one statement per model,
then one DELETE per table removes them; the number of statements does not depend on the number
of families. Everything runs in one transaction. This is the one write that reaches into the
other apps' tables: destroying a family is all-or-nothing across them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pghistory.models
import pgtrigger
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from casusregie.access_log import Access, record_access
from casusregie.models import AccessAction, Case, Family

PURPOSE = "bewaartermijn verstreken (Jeugdwet art. 7.3.8)"
OBJECTS = "retention_object"  # temporary: (model label, id) of every row to destroy
CONTEXTS = "retention_context"  # temporary: history contexts the destroyed events referred to


@dataclass(frozen=True)
class Part:
    """A model whose rows go with the family: those under one of ``parents`` (FK field names,
    each pointing to an earlier part). The first part, the family, is selected by expiry."""

    label: str
    parents: tuple[str, ...] = ()

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)


# Parents before children: each part's rows are found through parts listed before it.
PARTS: tuple[Part, ...] = (
    Part("casusregie.Family"),
    Part("casusregie.Carer", ("family",)),
    Part("casusregie.Youth", ("family",)),
    Part("casusregie.EducationPeriod", ("youth",)),
    Part("casusregie.CarerRelation", ("carer", "youth")),
    Part("casusregie.Case", ("family",)),
    Part("casusregie.RegisseurPeriod", ("case",)),
    Part("casusregie.RegieTransfer", ("case",)),
    Part("casusregie.FamilyMove", ("case",)),
    Part("casusregie.RegistrationDespiteMatch", ("family", "matched")),
    Part("casusregie.BreakGlassGrant", ("family",)),
    Part("casusregie.Consent", ("case",)),
    Part("casusregie.Notification", ("case",)),
    Part("casusregie.InvolvedProfessional", ("case",)),
    Part("casusregie.FamilyAccount", ("family", "carer", "youth")),
    Part("casusregie.FamilyLoginCode", ("account",)),
    Part("casusregie.FamilyMessage", ("case", "account")),
    Part("casusregie.CarerDisclosure", ("youth",)),
    Part("analyses.Analysis", ("case",)),
    Part("analyses.DomainFinding", ("analysis",)),
    Part("analyses.Explanation", ("analysis",)),
    Part("analyses.Strength", ("analysis",)),
    Part("analyses.FamilyStory", ("analysis", "account")),
    Part("plans.Plan", ("case",)),
    Part("plans.Goal", ("plan",)),
    Part("plans.Action", ("goal",)),
    Part("plans.Evaluation", ("plan",)),
    Part("plans.PlanResponse", ("plan", "account")),
    Part("plans.GoalObjection", ("response", "goal")),
    Part("plans.PerspectivePlan", ("case", "youth")),
    Part("referrals.Referral", ("case", "youth")),
    Part("referrals.ReferralEvent", ("referral",)),
    Part("referrals.GoalProgress", ("referral", "goal")),
    Part("referrals.OutboxEvent", ("referral",)),
    Part("referrals.WebhookDelivery", ("event",)),
    Part("escalations.Escalation", ("case",)),
    Part("escalations.AgendaItem", ("escalation",)),
    Part("escalations.Invitation", ("item",)),
    Part("escalations.Decision", ("escalation",)),
    Part("flags.Flag", ("case",)),
    Part("flags.FlagNote", ("flag",)),
    Part("flags.Notification", ("flag",)),
)


# --- the retention period ---------------------------------------------------------------------


def retention_years() -> int:
    return settings.RETENTION_YEARS


def retention_end(closed_on: dt.date, years: int | None = None) -> dt.date:
    """The last day data of a case closed on ``closed_on`` is kept (29 Feb → 28 Feb)."""
    return closed_on + relativedelta(years=retention_years() if years is None else years)


def is_expired(closed_on: dt.date, as_of: dt.date, years: int | None = None) -> bool:
    return retention_end(closed_on, years) < as_of


def last_expired_closing_day(as_of: dt.date, years: int | None = None) -> dt.date:
    """The latest closing day that has expired on ``as_of``: every earlier day has too.

    ``retention_end`` never decreases, so the expired closing days are all days up to this
    one. Found from ``as_of - N years`` in at most a few steps (29 February).
    """
    day = as_of - relativedelta(years=retention_years() if years is None else years)
    while not is_expired(day, as_of, years):
        day -= dt.timedelta(days=1)
    while is_expired(day + dt.timedelta(days=1), as_of, years):
        day += dt.timedelta(days=1)
    return day


# --- selectors --------------------------------------------------------------------------------


def expired_families(as_of: dt.date | None = None, years: int | None = None):
    """Families without an open case whose last case closed on or before the last expired day."""
    as_of = as_of or timezone.localdate()
    return (
        Family.objects.alias(
            open_cases=Count("cases", filter=Q(cases__closed_on__isnull=True)),
            last_closed=Max("cases__closed_on"),
        )
        .filter(open_cases=0, last_closed__lte=last_expired_closing_day(as_of, years))
        .order_by()
    )


@dataclass(frozen=True)
class Purge:
    """What a purge destroyed (or, in a dry run, would destroy): rows per table."""

    as_of: dt.date
    years: int
    last_closing_day: dt.date
    families: int
    rows: dict[str, int]
    executed: bool

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def preview_expired(as_of: dt.date | None = None, years: int | None = None) -> Purge:
    """A dry run: how many rows per table a purge on ``as_of`` would destroy. Writes no data
    (only the session's temporary tables, dropped before returning)."""
    return _run(as_of, years, execute=False)


def destroy_expired(
    as_of: dt.date | None = None,
    years: int | None = None,
    *,
    actor: str = "retention",
) -> Purge:
    """Destroy every expired family with all its data, in one transaction, and append one
    "destroy" entry per family to the access log."""
    return _run(as_of, years, execute=True, actor=actor)


# --- the plan: which rows, in which order -----------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _key(model: type[models.Model]) -> str:
    """The model's key in the temporary table; it matches ``app_label.model`` of content types."""
    return model._meta.label_lower


def _in_set(column: str, model: type[models.Model]) -> tuple[str, list]:
    return f"{column} IN (SELECT id FROM {OBJECTS} WHERE model = %s)", [_key(model)]


def _event_models() -> list[type[models.Model]]:
    """Every pghistory event table (a copy of tracked rows), tracked model known."""
    return [
        m
        for m in apps.get_models()
        if issubclass(m, pghistory.models.Event)
        and m._meta.managed
        and not m._meta.proxy
        and getattr(m, "pgh_tracked_model", None) is not None
    ]


def _deletion_trackers() -> list[str]:
    """The history triggers that copy a row as it is deleted, as pgtrigger URIs."""
    return [
        f"{event.pgh_tracked_model._meta.label}:{trigger.name}"
        for event in _event_models()
        for trigger in getattr(event.pgh_tracked_model._meta, "triggers", [])
        if "DELETE" in str(getattr(trigger, "operation", "")).upper()
    ]


def _history_of(model: type[models.Model]) -> list[type[models.Model]]:
    return [e for e in _event_models() if e.pgh_tracked_model is model]


def _parents_where(part: Part, table_model: type[models.Model]) -> tuple[str, list] | None:
    """``t.<fk> IN set(parent) OR …`` for the part's parents, as columns of ``table_model`` (the
    part's own table or one of its history tables; None if the latter lacks them all)."""
    parts, params = [], []
    for name in part.parents:
        field = part.model._meta.get_field(name)
        try:
            column = table_model._meta.get_field(name).column
        except FieldDoesNotExist:  # a history table that does not copy this field
            continue
        sql, p = _in_set(f"t.{_q(column)}", field.related_model)
        parts.append(sql)
        params += p
    if not parts:
        return None
    return "(" + " OR ".join(parts) + ")", params


def _collect_statements() -> Iterator[tuple[str, list]]:
    """One INSERT per part after the family: its rows under a parent being destroyed, and the
    objects its history recorded under such a parent (deleted since, their history kept)."""
    for part in PARTS[1:]:
        model = part.model
        selects, params = [], []
        for table_model, id_column in [(model, model._meta.pk.column)] + [
            (event, event._meta.get_field("pgh_obj").column) for event in _history_of(model)
        ]:
            where = _parents_where(part, table_model)
            if where is None:
                continue
            selects.append(
                f"SELECT %s, t.{_q(id_column)} FROM {_q(table_model._meta.db_table)} t "
                f"WHERE {where[0]}"
            )
            params += [_key(model), *where[1]]
        yield (
            f"INSERT INTO {OBJECTS} (model, id) {' UNION '.join(selects)} ON CONFLICT DO NOTHING",
            params,
        )


def _contexts_statement() -> tuple[str, list]:
    selects, params = [], []
    for part in PARTS:
        for event in _history_of(part.model):
            where, p = _in_set("t.pgh_obj_id", part.model)
            selects.append(
                f"SELECT t.pgh_context_id FROM {_q(event._meta.db_table)} t "
                f"WHERE {where} AND t.pgh_context_id IS NOT NULL"
            )
            params += p
    return (
        f"INSERT INTO {CONTEXTS} (id) {' UNION '.join(selects)} ON CONFLICT DO NOTHING",
        params,
    )


@dataclass(frozen=True)
class Step:
    """The rows of one table to destroy: ``table AS t WHERE where``."""

    table: str
    where: str
    params: list


def _steps() -> list[Step]:
    """Children before parents (foreign keys are checked at commit, but the order reads right)."""
    steps: list[Step] = []
    planned = {part.model for part in PARTS}
    for part in PARTS:  # many-to-many link rows touching a destroyed object
        for field in part.model._meta.many_to_many:
            through = field.remote_field.through
            if not through._meta.auto_created:
                continue
            wheres, params = [], []
            for fk in through._meta.get_fields():
                if fk.many_to_one and fk.related_model in planned:
                    sql, p = _in_set(f"t.{_q(fk.column)}", fk.related_model)
                    wheres.append(sql)
                    params += p
            steps.append(Step(through._meta.db_table, " OR ".join(wheres), params))
    referral = apps.get_model("referrals.Referral")
    idempotency = apps.get_model("referrals.IdempotencyRecord")
    sql, params = _in_set("r.id", referral)
    steps.append(
        Step(  # stored answers of the provider API about a destroyed referral
            idempotency._meta.db_table,
            f"EXISTS (SELECT 1 FROM {_q(referral._meta.db_table)} r WHERE {sql} "
            "AND r.provider_id = t.provider_id "
            "AND strpos(t.path, '/referrals/' || r.ref || '/') > 0)",
            params,
        )
    )
    if apps.is_installed("django.contrib.admin"):
        steps.append(
            Step(  # the admin's change log names the object (object_repr) and what changed
                "django_admin_log",
                "EXISTS (SELECT 1 FROM django_content_type ct "
                f"JOIN {OBJECTS} o ON o.model = ct.app_label || '.' || ct.model "
                "WHERE ct.id = t.content_type_id AND o.id::text = t.object_id)",
                [],
            )
        )
    for part in reversed(PARTS):
        model = part.model
        for event in _history_of(model):
            where, params = _in_set("t.pgh_obj_id", model)
            steps.append(Step(event._meta.db_table, where, params))
        where, params = _in_set(f"t.{_q(model._meta.pk.column)}", model)
        steps.append(Step(model._meta.db_table, where, params))
    # History contexts (who, which URL) that only destroyed events referred to.
    still_used, params = [], []
    for event in _event_models():
        tracked = event.pgh_tracked_model
        keep = f"SELECT 1 FROM {_q(event._meta.db_table)} e WHERE e.pgh_context_id = t.id"
        if tracked in planned:
            sql, p = _in_set("e.pgh_obj_id", tracked)
            keep += f" AND NOT ({sql})"
            params += p
        still_used.append(f"NOT EXISTS ({keep})")
    steps.append(
        Step(
            pghistory.models.Context._meta.db_table,
            f"t.id IN (SELECT id FROM {CONTEXTS}) AND " + " AND ".join(still_used),
            params,
        )
    )
    return steps


# --- the run ----------------------------------------------------------------------------------


def _run(
    as_of: dt.date | None, years: int | None, *, execute: bool, actor: str = "retention"
) -> Purge:
    as_of = as_of or timezone.localdate()
    years = retention_years() if years is None else years
    family, case = Family, Case
    expired_sql, expired_params = (
        expired_families(as_of, years).values("id").query.sql_with_params()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{OBJECTS}, pg_temp.{CONTEXTS}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {OBJECTS} (model text, id bigint, PRIMARY KEY (model, id)) "
            f"ON COMMIT DROP; CREATE TEMPORARY TABLE {CONTEXTS} (id uuid PRIMARY KEY) "
            "ON COMMIT DROP"
        )
        cursor.execute(
            f"INSERT INTO {OBJECTS} (model, id) SELECT %s, id FROM ({expired_sql}) expired",
            [_key(family), *expired_params],
        )
        if execute:
            # Lock the families and their cases, then look again: a case opened (or reopened)
            # meanwhile keeps its family; one opened from now on waits for us and then fails.
            in_families, p = _in_set("f.id", family)
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM "
                f"{_q(family._meta.db_table)} f JOIN {_q(case._meta.db_table)} c "
                f"ON c.family_id = f.id WHERE {in_families} ORDER BY f.id, c.id "
                "FOR UPDATE OF f, c) locked",
                p,
            )
            cursor.execute(
                f"DELETE FROM {OBJECTS} WHERE model = %s AND id NOT IN ({expired_sql})",
                [_key(family), *expired_params],
            )
        cursor.execute(f"ANALYZE {OBJECTS}")
        for sql, params in _collect_statements():
            cursor.execute(sql, params)
        cursor.execute(f"ANALYZE {OBJECTS}")
        cursor.execute(*_contexts_statement())
        in_families, p = _in_set("id", family)
        cursor.execute(
            f"SELECT ref FROM {_q(family._meta.db_table)} WHERE {in_families} ORDER BY ref", p
        )
        refs = [ref for (ref,) in cursor.fetchall()]
        steps = _steps()
        if execute:
            rows = {}
            # A model whose history records deletions (DeleteEvent) would write a new copy as
            # its row goes: the purge's own deletions are not recorded.
            with pgtrigger.ignore(*_deletion_trackers()):
                for step in steps:
                    cursor.execute(
                        f"DELETE FROM {_q(step.table)} AS t WHERE {step.where}", step.params
                    )
                    rows[step.table] = cursor.rowcount
        else:
            counts = ", ".join(
                f"(SELECT count(*) FROM {_q(step.table)} AS t WHERE {step.where})" for step in steps
            )
            cursor.execute(f"SELECT {counts}", [p for step in steps for p in step.params])
            rows = dict(zip((step.table for step in steps), cursor.fetchone(), strict=True))
        cursor.execute(f"DROP TABLE {OBJECTS}, {CONTEXTS}")
        if execute:
            record_access(
                actor_kind="system",
                actor=actor,
                accesses=[Access(ref, "family", ref) for ref in refs],
                action=AccessAction.DESTROY,
                purpose=PURPOSE,
            )
    return Purge(
        as_of=as_of,
        years=years,
        last_closing_day=last_expired_closing_day(as_of, years),
        families=len(refs),
        rows=rows,
        executed=execute,
    )
