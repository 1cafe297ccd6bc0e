"""The sweep: every rule as of a date, reconciled with the open flags, set-based.

One transaction per region, under an advisory lock on that region, so two sweeps started at
once run one after the other; the partial unique constraint on open flags is the last line of
defence. A region can also be swept one municipality at a time (``municipality=``, one Celery
task each, in parallel: ``flags.tasks.sweep_all(split=True)``): every subject of a rule belongs
to one family and so to one municipality, so the municipalities' sweeps touch disjoint flags.
Such a sweep holds its region's lock *shared* and its municipality's exclusively: sweeps of
different municipalities run side by side, two of one municipality one after the other, and a
whole-region (or per-case) sweep waits for them all, and they for it.

Nothing here loops over cases in Python: each step is one SQL statement over the
whole region, so the number of queries does not grow with the number of cases.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _

from casusregie.models import Notification, NotificationKind, Region, SweepRequest
from casusregie.notifications import EMAIL_DUE_SQL, FAMILY_PAGE, mail_on_commit
from escalations.services import describe_rulebook_escalations

from .calendar import ensure_calendar
from .emails import send_flag_emails
from .models import Flag, FlagNote, RuleSetting
from .rules import RULES, Rule, Thresholds, Unit

logger = logging.getLogger(__name__)

# Advisory lock keys (int, int) in use: 7410 here, 7411 the access log's chain, 7412 the
# calendar and the dashboard's refresh, 7413 and 7414 here.
SWEEP_LOCK_CLASS = 7410  # first key of pg_advisory_xact_lock(int, int); the second is the region
MUNICIPALITY_LOCK_CLASS = 7413  # … the second is the municipality
ANALYZE_LOCK = (7414, 0)  # one sweep at a time refreshes flags_flag's statistics


@dataclass
class SweepResult:
    as_of: dt.date
    regions: int = 0
    hits: int = 0
    opened: int = 0
    raised: int = 0
    resolved: int = 0
    escalated: int = 0
    escalations_submitted: int = 0
    notifications: int = 0
    regisseur_notices: int = 0  # meldingen (casusregie.Notification) for newly opened flags
    per_rule: dict[str, int] = field(default_factory=dict)

    def add(self, other: SweepResult) -> None:
        for name in (
            "regions",
            "hits",
            "opened",
            "raised",
            "resolved",
            "escalated",
            "escalations_submitted",
            "notifications",
            "regisseur_notices",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for code, n in other.per_rule.items():
            self.per_rule[code] = self.per_rule.get(code, 0) + n

    @property
    def changed(self) -> bool:
        return bool(
            self.opened or self.raised or self.resolved or self.escalated or self.notifications
        )


def thresholds_for(region: Region) -> dict[str, Thresholds]:
    """The region's thresholds per rule: its own settings, else the rulebook's defaults."""
    own = {s.rule: s for s in RuleSetting.objects.filter(region=region)}
    result = {}
    for rule in RULES:
        s = own.get(rule.code)
        result[rule.code] = (
            Thresholds(warning=s.warning, violation=s.violation, escalate_after=s.escalate_after)
            if s
            else rule.defaults
        )
    return result


def sweep(
    as_of: dt.date,
    *,
    region: Region | None = None,
    case_ids: Iterable[int] | None = None,
    municipality: int | None = None,
) -> SweepResult:
    """Judge every open case (of ``region``, of ``municipality`` (an id), or only ``case_ids``)
    as of ``as_of``."""
    ids = sorted(set(case_ids)) if case_ids is not None else None
    if municipality is not None:
        regions = Region.objects.filter(municipalities__id=municipality)
    elif ids is not None:
        regions = Region.objects.filter(municipalities__families__cases__id__in=ids).distinct()
    elif region is not None:
        regions = Region.objects.filter(pk=region.pk)
    else:
        regions = Region.objects.all()
    ensure_calendar(as_of)
    total = SweepResult(as_of=as_of)
    for r in regions.order_by("pk"):
        total.add(_sweep_region(as_of, r, ids, municipality))
    logger.info(
        "sweep as of %s: %s regions, %s opened, %s raised, %s resolved, %s escalated",
        as_of,
        total.regions,
        total.opened,
        total.raised,
        total.resolved,
        total.escalated,
    )
    return total


_OPEN_CASE = """
open_case AS (
    SELECT c.id AS case_id, c.family_id, c.opened_on, c.local_team_id
    FROM casusregie_case c
    JOIN casusregie_family fa ON fa.id = c.family_id
    JOIN casusregie_municipality m ON m.id = fa.municipality_id
    WHERE c.closed_on IS NULL AND m.region_id = %(region)s
      AND (%(municipality)s::bigint IS NULL OR m.id = %(municipality)s::bigint)
      AND (%(case_ids)s::bigint[] IS NULL OR c.id = ANY(%(case_ids)s::bigint[]))
)"""

_SCOPE_CASE = """
scope_case AS (
    SELECT c.id AS case_id, c.closed_on
    FROM casusregie_case c
    JOIN casusregie_family fa ON fa.id = c.family_id
    JOIN casusregie_municipality m ON m.id = fa.municipality_id
    WHERE m.region_id = %(region)s
      AND (%(municipality)s::bigint IS NULL OR m.id = %(municipality)s::bigint)
      AND (%(case_ids)s::bigint[] IS NULL OR c.id = ANY(%(case_ids)s::bigint[]))
)"""

_DROP_TEMP_TABLES = "DROP TABLE IF EXISTS sweep_hits, sweep_rules, sweep_changed"
_MATCH = "h.rule = f.rule AND h.subject_type = f.subject_type AND h.subject_id = f.subject_id"


def _threshold_date(unit: Unit, param: str) -> str:
    """SQL for the date ``r.start`` + the threshold in ``param`` (NULL when it has none)."""
    if unit == Unit.DAYS:
        return f"(r.start + %({param})s::int)"
    if unit == Unit.MONTHS:
        # PostgreSQL clamps to the month's last day: 30 Nov + 3 months = 28/29 Feb.
        return f"(r.start + make_interval(months => %({param})s::int))::date"
    # The n-th working day strictly after S (S itself does not count); 0 working days is S
    # itself, also when S is a weekend day (whose ordinal is that of the working day before).
    return (
        f"(CASE WHEN %({param})s::int = 0 THEN r.start ELSE"
        " (SELECT t.day FROM flags_calendarday s JOIN flags_calendarday t"
        f" ON t.is_working_day AND t.ordinal = s.ordinal + %({param})s::int"
        " WHERE s.day = r.start) END)"
    )


def rule_hits_sql(rule: Rule) -> str:
    """INSERT the rule's current hits (subject, severity, since) into ``sweep_hits``."""
    vdate = _threshold_date(rule.unit, "violation")
    wdate = _threshold_date(rule.unit, "warning")
    # The rule's rows are materialised first, so the thresholds are computed only for them.
    return f"""
WITH {_OPEN_CASE},
rule_rows AS MATERIALIZED ({rule.sql})
INSERT INTO sweep_hits (rule, subject_type, subject_id, case_id, severity, since)
SELECT %(rule)s, %(subject_type)s, subject_id, case_id,
       CASE WHEN vdate <= %(d)s THEN 'violation' ELSE 'warning' END,
       CASE WHEN vdate <= %(d)s THEN vdate ELSE wdate END
FROM (
    SELECT r.subject_id, r.case_id, {vdate} AS vdate, {wdate} AS wdate
    FROM rule_rows r
) t
WHERE vdate <= %(d)s OR wdate <= %(d)s
"""


def _sweep_region(
    as_of: dt.date, region: Region, case_ids: list[int] | None, municipality: int | None = None
) -> SweepResult:
    result = SweepResult(as_of=as_of, regions=1)
    thresholds = thresholds_for(region)
    base = {"d": as_of, "region": region.pk, "case_ids": case_ids, "municipality": municipality}
    with transaction.atomic(), connection.cursor() as cursor:
        if municipality is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SWEEP_LOCK_CLASS, region.pk])
        else:
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s, %s), pg_advisory_xact_lock(%s, %s)",
                [SWEEP_LOCK_CLASS, region.pk, MUNICIPALITY_LOCK_CLASS, municipality],
            )
        # These statements are short; compiling them (JIT) costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        # ON COMMIT DROP cleans up after a real transaction; inside an outer one (tests, or a
        # caller's transaction) an earlier sweep's tables may still be there.
        cursor.execute(_DROP_TEMP_TABLES)
        cursor.execute(
            "CREATE TEMP TABLE sweep_hits (rule varchar(64), subject_type varchar(16),"
            " subject_id bigint, case_id bigint, severity varchar(16), since date)"
            " ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE sweep_rules (rule varchar(64) PRIMARY KEY,"
            " owner_role varchar(32), thresholds jsonb) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE sweep_changed (flag_id bigint, kind varchar(16)) ON COMMIT DROP"
        )
        cursor.execute(
            "INSERT INTO sweep_rules SELECT * FROM jsonb_to_recordset(%s::jsonb)"
            " AS x(rule varchar, owner_role varchar, thresholds jsonb)",
            [
                json.dumps(
                    [
                        {
                            "rule": rule.code,
                            "owner_role": str(rule.owner),
                            "thresholds": thresholds[rule.code].as_json(rule.unit),
                        }
                        for rule in RULES
                    ]
                )
            ],
        )
        for rule in RULES:
            t = thresholds[rule.code]
            cursor.execute(
                rule_hits_sql(rule),
                {
                    **base,
                    "rule": rule.code,
                    "subject_type": str(rule.subject),
                    "violation": t.violation,
                    "warning": t.warning,
                },
            )
            result.per_rule[rule.code] = cursor.rowcount
            result.hits += cursor.rowcount
        cursor.execute("CREATE INDEX ON sweep_hits (rule, subject_type, subject_id)")
        cursor.execute("ANALYZE sweep_hits")

        # Resolve the open flags whose condition no longer holds (or whose case closed).
        cursor.execute(
            f"""
            WITH {_SCOPE_CASE}
            UPDATE flags_flag f
            SET resolved_on = %(d)s,
                resolution = CASE WHEN sc.closed_on IS NULL THEN 'condition_cleared'
                                  ELSE 'case_closed' END
            FROM scope_case sc
            WHERE f.case_id = sc.case_id AND f.resolved_on IS NULL
              AND NOT EXISTS (SELECT 1 FROM sweep_hits h WHERE {_MATCH} AND h.case_id = f.case_id)
            """,
            base,
        )
        result.resolved = cursor.rowcount
        # A youth's flag belongs to the case it was judged in: when the family's case closed and
        # a new one opened, the old flag resolves (case_closed) even if only the new case is in
        # scope, and the new case gets a flag of its own.
        cursor.execute(
            f"""
            UPDATE flags_flag f
            SET resolved_on = %(d)s,
                resolution = CASE WHEN c.closed_on IS NULL THEN 'condition_cleared'
                                  ELSE 'case_closed' END
            FROM sweep_hits h, casusregie_case c
            WHERE {_MATCH} AND f.resolved_on IS NULL AND f.case_id <> h.case_id
              AND c.id = f.case_id
            """,
            base,
        )
        result.resolved += cursor.rowcount

        # Raise warnings that became violations; severity never goes down.
        cursor.execute(
            f"""
            WITH raised AS (
                UPDATE flags_flag f
                SET severity = 'violation', since = h.since, raised_on = %(d)s,
                    thresholds = sr.thresholds
                FROM sweep_hits h JOIN sweep_rules sr ON sr.rule = h.rule
                WHERE {_MATCH} AND f.resolved_on IS NULL
                  AND f.severity = 'warning' AND h.severity = 'violation'
                RETURNING f.id
            )
            INSERT INTO sweep_changed SELECT id, 'raised' FROM raised
            """,
            base,
        )
        result.raised = cursor.rowcount

        # Keep `since` true for the severity a flag has (data may have been corrected).
        cursor.execute(
            f"""
            UPDATE flags_flag f SET since = h.since
            FROM sweep_hits h
            WHERE {_MATCH} AND f.resolved_on IS NULL
              AND f.severity = h.severity AND f.since <> h.since
            """,
            base,
        )

        # Open a flag for every hit without an open one.
        cursor.execute(
            """
            WITH opened AS (
                INSERT INTO flags_flag (rule, subject_type, subject_id, case_id, severity, since,
                                        opened_on, resolution, owner_role, thresholds)
                SELECT h.rule, h.subject_type, h.subject_id, h.case_id, h.severity, h.since,
                       %(d)s, '', sr.owner_role, sr.thresholds
                FROM sweep_hits h JOIN sweep_rules sr ON sr.rule = h.rule
                -- A hit that has an open flag already meets the partial unique index.
                ON CONFLICT (rule, subject_type, subject_id) WHERE resolved_on IS NULL
                DO NOTHING
                RETURNING id
            )
            INSERT INTO sweep_changed SELECT id, 'opened' FROM opened
            """,
            base,
        )
        result.opened = cursor.rowcount
        if result.opened + result.raised > 10_000:
            # Many new rows since the planner last looked (a first sweep): let it look again,
            # or the escalation step plans nested loops over a table it thinks is empty.
            # ANALYZE locks the table against another ANALYZE until this transaction ends: a
            # municipality's sweep running beside another one's skips it rather than wait.
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", list(ANALYZE_LOCK))
            if municipality is None or cursor.fetchone()[0]:
                cursor.execute("ANALYZE flags_flag")

        result.escalations_submitted, result.escalated = _escalate(cursor, base)
        result.notifications = _notify(cursor, base)
        result.regisseur_notices, mail_due = _notify_regisseurs(cursor, base)
        cursor.execute(_DROP_TEMP_TABLES)

    if result.notifications:
        transaction.on_commit(send_flag_emails.delay)
    if mail_due:
        mail_on_commit()
    return result


_ESCALATE_DUE = """
    f.resolved_on IS NULL AND f.severity = 'violation' AND f.escalated_on IS NULL
    AND (f.thresholds ->> 'escalate_after') IS NOT NULL
    AND f.since + (f.thresholds ->> 'escalate_after')::int <= %(d)s
"""


def _escalate(cursor, params: dict) -> tuple[int, int]:
    """Escalate violations open long enough: link to the case's open escalation, or submit one.
    A submitted one then says in words which flags (their rules' titles), since when, and what
    was tried (``escalations.services.describe_rulebook_escalations``; the titles go down)."""
    cursor.execute(
        f"""
        WITH {_OPEN_CASE}
        INSERT INTO escalations_escalation
            (ref, case_id, submitted_on, reason, source, created_at, updated_at)
        SELECT DISTINCT 'e-auto-' || f.case_id || '-' || to_char(%(d)s::date, 'YYYYMMDD'),
               f.case_id, %(d)s::date, %(reason)s, 'rulebook', now(), now()
        FROM flags_flag f JOIN open_case oc ON oc.case_id = f.case_id
        WHERE {_ESCALATE_DUE}
          AND NOT EXISTS (
              SELECT 1 FROM escalations_escalation e
              WHERE e.case_id = f.case_id AND e.discussed_on IS NULL
          )
        ON CONFLICT DO NOTHING
        RETURNING id
        """,
        {
            **params,
            "reason": _("Aangemeld door de signalering: een overtreding bleef te lang open."),
        },
    )
    new_ids = [row[0] for row in cursor.fetchall()]
    submitted = len(new_ids)
    cursor.execute(
        f"""
        WITH {_OPEN_CASE}
        UPDATE flags_flag f SET escalated_on = %(d)s, escalation_id = e.id
        FROM open_case oc, escalations_escalation e
        WHERE oc.case_id = f.case_id AND e.case_id = f.case_id AND e.discussed_on IS NULL
          AND {_ESCALATE_DUE}
        """,
        params,
    )
    escalated = cursor.rowcount
    if new_ids:
        cursor.execute(
            "SELECT escalation_id, rule, since FROM flags_flag WHERE escalation_id = ANY(%s)",
            [new_ids],
        )
        titles = {rule.code: str(rule.title) for rule in RULES}
        describe_rulebook_escalations(
            [(e, titles.get(code, code), since) for e, code, since in cursor.fetchall()],
            params["d"],
        )
    return submitted, escalated


def _notify(cursor, params: dict) -> int:
    """Each new or raised flag reaches its owner's inbox (the team lead when no regisseur)."""
    cursor.execute(
        """
        WITH changed AS (
            SELECT f.id, f.case_id, f.owner_role, ch.kind, c.local_team_id
            FROM sweep_changed ch
            JOIN flags_flag f ON f.id = ch.flag_id
            JOIN casusregie_case c ON c.id = f.case_id
        ), current_regisseur AS MATERIALIZED (
            SELECT p.case_id, p.worker_id FROM casusregie_regisseurperiod p
            WHERE p.case_id IN (SELECT case_id FROM changed)
              AND p.from_date <= %(d)s AND (p.until IS NULL OR p.until > %(d)s)
        ), holder AS (
            SELECT w.id, w.local_team_id, w.region_id, rm.role
            FROM casusregie_worker w
            JOIN casusregie_rolemembership rm ON rm.worker_id = w.id
            WHERE w.is_active AND rm.role IN ('team_lead', 'expert_table_chair')
        )
        INSERT INTO flags_notification (recipient_id, flag_id, kind, created_on)
        SELECT cr.worker_id, ch.id, ch.kind, %(d)s
        FROM changed ch JOIN current_regisseur cr ON cr.case_id = ch.case_id
        WHERE ch.owner_role = 'regisseur'
        UNION
        SELECT h.id, ch.id, ch.kind, %(d)s
        FROM changed ch JOIN holder h ON h.role = 'team_lead' AND h.local_team_id = ch.local_team_id
        WHERE ch.owner_role = 'team_lead'
           OR (ch.owner_role = 'regisseur'
               AND NOT EXISTS (SELECT 1 FROM current_regisseur cr WHERE cr.case_id = ch.case_id))
        UNION
        SELECT h.id, ch.id, ch.kind, %(d)s
        FROM changed ch JOIN holder h ON h.role = 'expert_table_chair' AND h.region_id = %(region)s
        WHERE ch.owner_role = 'expert_table_chair'
        ON CONFLICT DO NOTHING
        """,
        params,
    )
    return cursor.rowcount


def _notify_regisseurs(cursor, params: dict) -> tuple[int, int]:
    """One melding per case for the flags this sweep opened, to the case's regisseur on the
    sweep's day (none without one): "Nieuw signaal: <rule>", or "3 nieuwe signalen: <rules>",
    linking to the family page. One statement for the whole sweep; a re-sweep opens nothing
    and so writes nothing. Returns (meldingen, of which due by e-mail)."""
    one = _("Nieuw signaal: %(titles)s") % {"titles": "{titles}"}
    many = _("%(count)s nieuwe signalen: %(titles)s") % {"count": "{count}", "titles": "{titles}"}
    cursor.execute(
        f"""
        WITH opened AS (
            SELECT f.case_id, count(*) AS n,
                   string_agg(DISTINCT COALESCE(%(titles)s::jsonb ->> f.rule, f.rule), '; ')
                       AS titles
            FROM sweep_changed ch JOIN flags_flag f ON f.id = ch.flag_id
            WHERE ch.kind = 'opened'
            GROUP BY f.case_id
        ), written AS (
            INSERT INTO {Notification._meta.db_table}
                (recipient_id, kind, case_id, text, url_name, url_args, created_at, email_due)
            SELECT w.id, %(kind)s, o.case_id,
                   left(replace(replace(CASE WHEN o.n = 1 THEN %(one)s ELSE %(many)s END,
                                        '{{count}}', o.n::text), '{{titles}}', o.titles), 300),
                   %(url_name)s, jsonb_build_array(fa.ref), now(), {EMAIL_DUE_SQL}
            FROM opened o
            JOIN casusregie_case c ON c.id = o.case_id
            JOIN casusregie_family fa ON fa.id = c.family_id
            JOIN casusregie_regisseurperiod p ON p.case_id = o.case_id
                 AND p.from_date <= %(d)s AND (p.until IS NULL OR p.until > %(d)s)
            JOIN casusregie_worker w ON w.id = p.worker_id AND w.is_active
            RETURNING email_due
        )
        SELECT count(*), count(*) FILTER (WHERE email_due) FROM written
        """,
        {
            **params,
            "kind": str(NotificationKind.FLAG_OPENED),
            "titles": json.dumps({rule.code: str(rule.title) for rule in RULES}),
            "one": one,
            "many": many,
            "url_name": FAMILY_PAGE,
        },
    )
    written, mail_due = cursor.fetchone()
    return written, mail_due


@dataclass(frozen=True)
class RequestedSweep:
    cases: int
    opened: int
    resolved: int


@transaction.atomic
def sweep_requested(as_of: dt.date, limit: int = 5000) -> RequestedSweep:
    """Take the pending sweep requests (up to ``limit``, oldest first; requests another worker
    is taking are skipped) and judge their cases in one sweep. The requests are deleted in the
    sweep's transaction: if the sweep fails they are there for the next run."""
    taken = list(
        SweepRequest.objects.select_for_update(skip_locked=True)
        .order_by("id")
        .values_list("id", "case_id")[:limit]
    )
    if not taken:
        return RequestedSweep(0, 0, 0)
    SweepRequest.objects.filter(id__in=[request_id for request_id, _case in taken]).delete()
    case_ids = {case_id for _request, case_id in taken}
    result = sweep(as_of, case_ids=case_ids)
    return RequestedSweep(len(case_ids), result.opened, result.resolved)


@transaction.atomic
def acknowledge_flag(*, flag: Flag, by, text: str) -> FlagNote:
    """A worker has seen the flag and says what they do about it; the flag stays open."""
    return FlagNote.objects.create(flag=flag, author=by, text=text, acknowledges=True)


@transaction.atomic
def escalate_flag(*, flag: Flag, by, reason: str) -> Flag:
    """The regisseur brings the flag's case to the expert table; the flag records it."""
    from django.core.exceptions import ValidationError

    from escalations.services import submit_escalation

    if not reason.strip():
        raise ValidationError(_("Schrijf de vraag aan de experttafel op."))
    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_on is not None:
        raise ValidationError(_("Dit signaal is al opgelost."))
    escalation = submit_escalation(case=flag.case, reason=reason, by=by)
    if flag.escalation_id is None:
        # The flag points to the escalation it led to. ``escalated_on`` stays the rulebook's
        # (escalate_after, violations only); a worker may bring any flag's case to the table.
        flag.escalation = escalation
        flag.save(update_fields=["escalation"])
    return flag
