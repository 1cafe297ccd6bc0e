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
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _

from casusregie.models import (
    Case,
    Municipality,
    Notification,
    NotificationKind,
    Region,
    SweepRequest,
)
from casusregie.notifications import EMAIL_DUE_SQL, FAMILY_PAGE, mail_on_commit
from escalations.services import describe_rulebook_escalations

from .calendar import ensure_calendar
from .emails import send_flag_emails
from .models import Flag, FlagNote, JudgementDue, PendingThreshold, RuleSetting, SweepMark
from .rules import RULES, RULES_BY_CODE, Rule, Thresholds, Unit

logger = logging.getLogger(__name__)

# Advisory lock keys (int, int) in use: 7410 here, 7411 the access log's chain, 7412 the
# calendar and the dashboard's refresh, 7413 and 7414 here.
SWEEP_LOCK_CLASS = 7410  # first key of pg_advisory_xact_lock(int, int); the second is the region
MUNICIPALITY_LOCK_CLASS = 7413  # … the second is the municipality
ANALYZE_LOCK = (7414, 0)  # one sweep at a time refreshes flags_flag's statistics
DUE_ANALYZE_LOCK = (7414, 1)  # and flags_judgementdue's, after a full sweep
PENDING_ANALYZE_LOCK = (7414, 2)  # and flags_pendingthreshold's


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
    cases_judged: int = 0  # by a daily sweep: the cases due and requested
    dates_judged: int = 0  # by a daily sweep: the dates it judged (more than one when late)
    crossings: int = 0  # by a daily sweep: thresholds come of cases it did not judge
    full_sweeps: int = 0  # regions a daily sweep swept in full (no mark, or a new fingerprint)
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
            "cases_judged",
            "dates_judged",
            "crossings",
            "full_sweeps",
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


# The cases a sweep judges. A full sweep reads every case of its region (or municipality); a
# sweep of some cases (the daily sweep's requested and due ones, ``case_ids``) starts from the
# temp table ``sweep_cases`` of their ids (ANALYZEd), so the planner drives every statement from
# that small set (index scans, nested loops) instead of hashing whole tables and filtering after
# (docs/performance.md, issue 21). ``{judged}`` is one of the two below; the rest of every
# statement is the same text for both kinds of sweep.
_ALL_CASES = "casusregie_case c"
_JUDGED_CASES = "sweep_cases jc JOIN casusregie_case c ON c.id = jc.case_id"
# The daily sweep's cases with a violation due to escalate, judged or not (``_escalate``).
_ESCALATING_CASES = "sweep_escalating jc JOIN casusregie_case c ON c.id = jc.case_id"

_OPEN_CASE = """
open_case AS (
    SELECT c.id AS case_id, c.family_id, c.opened_on, c.local_team_id
    FROM {judged}
    JOIN casusregie_family fa ON fa.id = c.family_id
    JOIN casusregie_municipality m ON m.id = fa.municipality_id
    WHERE c.closed_on IS NULL AND m.region_id = %(region)s
      AND (%(municipality)s::bigint IS NULL OR m.id = %(municipality)s::bigint)
)"""

_SCOPE_CASE = """
scope_case AS (
    SELECT c.id AS case_id, c.closed_on
    FROM {judged}
    JOIN casusregie_family fa ON fa.id = c.family_id
    JOIN casusregie_municipality m ON m.id = fa.municipality_id
    WHERE m.region_id = %(region)s
      AND (%(municipality)s::bigint IS NULL OR m.id = %(municipality)s::bigint)
)"""


def _judged(sql: str, case_ids: list[int] | None) -> str:
    """``sql`` for a full sweep (``case_ids`` None) or for the cases in ``sweep_cases``."""
    return sql.replace("{judged}", _ALL_CASES if case_ids is None else _JUDGED_CASES)


_DROP_TEMP_TABLES = (
    "DROP TABLE IF EXISTS sweep_hits, sweep_rules, sweep_changed, sweep_ahead, sweep_cases,"
    " sweep_crossed, sweep_escalating, sweep_notice_case, sweep_due"
)
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
    """INSERT the rule's current hits (subject, severity, since) into ``sweep_hits``, and its
    conditions that hold with a warning or violation date still ahead into ``sweep_ahead``
    (they become ``PendingThreshold`` rows)."""
    vdate = _threshold_date(rule.unit, "violation")
    wdate = _threshold_date(rule.unit, "warning")
    # The rule's rows are materialised first, so the thresholds are computed only for them.
    return f"""
WITH {_OPEN_CASE},
rule_rows AS MATERIALIZED ({rule.sql}),
judged AS MATERIALIZED (
    SELECT r.subject_id, r.case_id, {vdate} AS vdate, {wdate} AS wdate
    FROM rule_rows r
),
ahead AS (
    INSERT INTO sweep_ahead
        (rule, subject_type, subject_id, case_id, warning_on, violation_on, next_on)
    SELECT %(rule)s, %(subject_type)s, subject_id, case_id, wdate, vdate,
           least(CASE WHEN vdate > %(d)s THEN vdate END, CASE WHEN wdate > %(d)s THEN wdate END)
    FROM judged WHERE vdate > %(d)s OR wdate > %(d)s
)
INSERT INTO sweep_hits (rule, subject_type, subject_id, case_id, severity, since)
SELECT %(rule)s, %(subject_type)s, subject_id, case_id,
       CASE WHEN vdate <= %(d)s THEN 'violation' ELSE 'warning' END,
       CASE WHEN vdate <= %(d)s THEN vdate ELSE wdate END
FROM judged
WHERE vdate <= %(d)s OR wdate <= %(d)s
"""


def _sweep_region(
    as_of: dt.date,
    region: Region,
    case_ids: list[int] | None,
    municipality: int | None = None,
    *,
    crossings: bool = False,
) -> SweepResult:
    """Judge the open cases of ``region`` (or of ``municipality``), or only ``case_ids``, as
    of ``as_of``. With ``crossings`` (the daily sweep; ``case_ids`` then the cases it judges)
    also the thresholds due of the cases it does not judge (``PendingThreshold``) and every
    escalation due in scope: the whole of what a full sweep would change on that date."""
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
            # The flags opened or raised, with what their notices need of them.
            "CREATE TEMP TABLE sweep_changed (flag_id bigint, kind varchar(16), case_id bigint,"
            " rule varchar(64), owner_role varchar(32)) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE sweep_ahead (rule varchar(64), subject_type varchar(16),"
            " subject_id bigint, case_id bigint, warning_on date, violation_on date,"
            " next_on date) ON COMMIT DROP"
        )
        if case_ids is not None:
            # The cases judged, as a table the planner knows the size of (see _JUDGED_CASES).
            cursor.execute(
                "CREATE TEMP TABLE sweep_cases (case_id bigint PRIMARY KEY) ON COMMIT DROP"
            )
            cursor.execute(
                "INSERT INTO sweep_cases SELECT DISTINCT unnest(%s::bigint[])", [case_ids]
            )
            cursor.execute("ANALYZE sweep_cases")
            # A few per cent of the cases: an index probe per judged case, from the cache, is
            # cheaper than a pass over the table, which the default cost of a random page (4,
            # a spinning disk's) hides from the planner.
            cursor.execute("SET LOCAL random_page_cost = 1.1")
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
                _judged(rule_hits_sql(rule), case_ids),
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
        if crossings:
            # The conditions of the cases not judged whose threshold has come: they still hold
            # (their data did not change, or the case would be judged), so each is a hit.
            cursor.execute("CREATE TEMP TABLE sweep_crossed (id bigint) ON COMMIT DROP")
            cursor.execute(_CROSSING_HITS, base)
            result.crossings = cursor.rowcount
            result.hits += cursor.rowcount
            cursor.execute("ANALYZE sweep_crossed")
        cursor.execute("CREATE INDEX ON sweep_hits (rule, subject_type, subject_id)")
        cursor.execute("ANALYZE sweep_hits")

        # Resolve the open flags whose condition no longer holds (or whose case closed).
        cursor.execute(
            _judged(
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
                case_ids,
            ),
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
                RETURNING f.id, f.case_id, f.rule, f.owner_role
            )
            INSERT INTO sweep_changed SELECT id, 'raised', case_id, rule, owner_role FROM raised
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
                RETURNING id, case_id, rule, owner_role
            )
            INSERT INTO sweep_changed SELECT id, 'opened', case_id, rule, owner_role FROM opened
            """,
            base,
        )
        result.opened = cursor.rowcount
        if case_ids is None and result.opened + result.raised > 10_000:
            # Many new rows since the planner last looked (a first sweep): let it look again,
            # or the escalation step plans nested loops over a table it thinks is empty. (A
            # daily sweep's few per cent of new rows do not change its plans.)
            # ANALYZE locks the table against another ANALYZE until this transaction ends: a
            # municipality's sweep running beside another one's skips it rather than wait.
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", list(ANALYZE_LOCK))
            if municipality is None or cursor.fetchone()[0]:
                cursor.execute("ANALYZE flags_flag")

        if crossings:
            # The daily sweep escalates every violation due in its scope, as a full sweep does:
            # their cases from the flags' index of escalation dates, as a table the planner
            # knows the size of (its estimate from a partial index's expression is a guess).
            cursor.execute(
                "CREATE TEMP TABLE sweep_escalating (case_id bigint PRIMARY KEY) ON COMMIT DROP"
            )
            cursor.execute(
                f"INSERT INTO sweep_escalating SELECT DISTINCT f.case_id FROM flags_flag f"
                f" WHERE {_ESCALATE_DUE}",
                base,
            )
            cursor.execute("ANALYZE sweep_escalating")
            escalating = _ESCALATING_CASES
        else:
            escalating = _ALL_CASES if case_ids is None else _JUDGED_CASES
        new_escalations, result.escalated = _escalate(cursor, base, escalating)
        result.escalations_submitted = len(new_escalations)
        _notice_cases(cursor, base)
        result.notifications = _notify(cursor, base)
        result.regisseur_notices, mail_due = _notify_regisseurs(cursor, base)
        escalation = thresholds["ESCALATION_NOT_DISCUSSED"]
        evaluation = thresholds["PLAN_EVALUATION_OVERDUE"]
        dates = {
            **base,
            "esc_violation": escalation.violation,
            "esc_warning": escalation.warning,
            "eval_violation": evaluation.violation,
            "eval_warning": evaluation.warning,
        }
        _record_judgement_due(cursor, dates, new_escalations)
        _record_pending_thresholds(cursor, base, crossings=crossings)
        cursor.execute(_DROP_TEMP_TABLES)

    if result.notifications:
        transaction.on_commit(send_flag_emails.delay)
    if mail_due:
        mail_on_commit()
    return result


# The date an open violation escalates (the expression of ``flag_escalation_due_idx``).
_ESCALATION_ON = "f.since + (f.thresholds ->> 'escalate_after')::int"
_ESCALATE_DUE = f"""
    f.resolved_on IS NULL AND f.severity = 'violation' AND f.escalated_on IS NULL
    AND (f.thresholds ->> 'escalate_after') IS NOT NULL
    AND {_ESCALATION_ON} <= %(d)s
"""


def _escalate(cursor, params: dict, cases: str) -> tuple[list[int], int]:
    """Escalate violations open long enough of the open ``cases`` in scope (the relation
    ``{judged}`` stands for): link to the case's open escalation, or submit one (at the
    region's expert table).
    A submitted one then says in words which flags (their rules' titles), since when, and what
    was tried (``escalations.services.describe_rulebook_escalations``; the titles go down)."""
    cursor.execute(
        f"""
        WITH {_OPEN_CASE}
        INSERT INTO escalations_escalation
            (ref, case_id, table_id, submitted_on, reason, source, created_at, updated_at)
        SELECT DISTINCT 'e-auto-' || f.case_id || '-' || to_char(%(d)s::date, 'YYYYMMDD'),
               f.case_id,
               (SELECT t.id FROM escalations_table t
                WHERE t.region_id = %(region)s AND t.kind = 'expert_table'),
               %(d)s::date, %(reason)s, 'rulebook', now(), now()
        FROM flags_flag f JOIN open_case oc ON oc.case_id = f.case_id
        WHERE {_ESCALATE_DUE}
          AND NOT EXISTS (
              SELECT 1 FROM escalations_escalation e
              WHERE e.case_id = f.case_id AND e.discussed_on IS NULL
          )
        ORDER BY f.case_id
        ON CONFLICT DO NOTHING
        RETURNING id
        """.replace("{judged}", cases),
        {
            **params,
            "reason": _("Aangemeld door de signalering: een overtreding bleef te lang open."),
        },
    )
    new_ids = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        f"""
        WITH {_OPEN_CASE}
        UPDATE flags_flag f SET escalated_on = %(d)s, escalation_id = e.id
        FROM open_case oc, escalations_escalation e
        WHERE oc.case_id = f.case_id AND e.case_id = f.case_id AND e.discussed_on IS NULL
          AND {_ESCALATE_DUE}
        """.replace("{judged}", cases),
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
    return new_ids, escalated


def _notice_cases(cursor, params: dict) -> None:
    """What the notices need of each case with a flag opened or raised (``sweep_notice_case``):
    its regisseur on D (none without one), its local team and its family's ref, for both kinds
    of notice: one look per case, not one per statement. Regisseur periods of a case do not
    overlap (an exclusion constraint), so a case has one at most."""
    # As the planner needs it: without, it guesses a few rows and loops.
    cursor.execute("ANALYZE sweep_changed")
    cursor.execute(
        "CREATE TEMP TABLE sweep_notice_case (case_id bigint PRIMARY KEY, worker_id bigint,"
        " local_team_id bigint, family_ref varchar(64)) ON COMMIT DROP"
    )
    cursor.execute(
        """
        INSERT INTO sweep_notice_case
        SELECT c.id, p.worker_id, c.local_team_id, fa.ref
        FROM (SELECT DISTINCT case_id FROM sweep_changed) ch
        JOIN casusregie_case c ON c.id = ch.case_id
        JOIN casusregie_family fa ON fa.id = c.family_id
        LEFT JOIN casusregie_regisseurperiod p ON p.case_id = c.id
             AND p.from_date <= %(d)s AND (p.until IS NULL OR p.until > %(d)s)
        """,
        params,
    )
    cursor.execute("ANALYZE sweep_notice_case")


def _notify(cursor, params: dict) -> int:
    """Each new or raised flag reaches its owner's inbox (the team lead when no regisseur)."""
    cursor.execute(
        """
        WITH holder AS (
            SELECT w.id, w.local_team_id, w.region_id, rm.role
            FROM casusregie_worker w
            JOIN casusregie_rolemembership rm ON rm.worker_id = w.id
            WHERE w.is_active AND rm.role IN ('team_lead', 'expert_table_chair')
        )
        INSERT INTO flags_notification (recipient_id, flag_id, kind, created_on)
        SELECT nc.worker_id, ch.flag_id, ch.kind, %(d)s
        FROM sweep_changed ch JOIN sweep_notice_case nc ON nc.case_id = ch.case_id
        WHERE ch.owner_role = 'regisseur' AND nc.worker_id IS NOT NULL
        UNION ALL
        SELECT h.id, ch.flag_id, ch.kind, %(d)s
        FROM sweep_changed ch
        JOIN sweep_notice_case nc ON nc.case_id = ch.case_id
        JOIN holder h ON h.role = 'team_lead' AND h.local_team_id = nc.local_team_id
        WHERE ch.owner_role = 'team_lead'
           OR (ch.owner_role = 'regisseur' AND nc.worker_id IS NULL)
        UNION ALL
        SELECT h.id, ch.flag_id, ch.kind, %(d)s
        FROM sweep_changed ch
        JOIN holder h ON h.role = 'expert_table_chair' AND h.region_id = %(region)s
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
            SELECT ch.case_id, count(*) AS n,
                   string_agg(DISTINCT COALESCE(%(titles)s::jsonb ->> ch.rule, ch.rule), '; ')
                       AS titles
            FROM sweep_changed ch
            WHERE ch.kind = 'opened'
            GROUP BY ch.case_id
        ), written AS (
            INSERT INTO {Notification._meta.db_table}
                (recipient_id, kind, case_id, text, url_name, url_args, created_at, email_due)
            SELECT w.id, %(kind)s, o.case_id,
                   left(replace(replace(CASE WHEN o.n = 1 THEN %(one)s ELSE %(many)s END,
                                        '{{count}}', o.n::text), '{{titles}}', o.titles), 300),
                   %(url_name)s, jsonb_build_array(nc.family_ref), now(), {EMAIL_DUE_SQL}
            FROM opened o
            JOIN sweep_notice_case nc ON nc.case_id = o.case_id
            JOIN casusregie_worker w ON w.id = nc.worker_id AND w.is_active
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


# The dates in a case's data that a rule compares with D, each as the first D on which the
# comparison turns: a birthday (5 and 18: THUISZITTER_3M, for a youth with a period at home;
# 16 and 18 less six months: PERSPECTIVE_PLAN_16 and TRANSITION_18, for a youth with specialist
# care not ended), the start and end of care, of a regisseur and of a GI's regie, an analysis
# established, a plan agreed, a school period's start, for a planned evaluation the first
# date PLAN_EVALUATION_OVERDUE can flag it (its threshold after ``planned_on``, at the
# earliest the day after: the rule holds from then on, but changes nothing before its
# threshold), and for an escalation submitted on D (the sweep's own: its
# ESCALATION_NOT_DISCUSSED row is there from the next sweep on) that rule's threshold date, at
# the earliest the next day. Each branch keeps only dates after D. The thresholds of the
# conditions that hold are not here: they are ``PendingThreshold`` rows, which the daily sweep
# applies without judging the case; nor are escalation dates, which it finds on the flags. A
# date too many costs a judgement that changes nothing; a date missing would be a change the
# daily sweep misses, so ``tests/flags/test_incremental.py`` compares it with full sweeps and the
# naive evaluation on generated regions at many dates.
_DATES_AHEAD_SQL = """
SELECT oc.case_id, b.on_date
FROM open_case oc JOIN casusregie_youth y ON y.family_id = oc.family_id
CROSS JOIN LATERAL (VALUES
    (flags_birthday(y.birth_date, 5)), (flags_birthday(y.birth_date, 18))
) b(on_date)
WHERE y.birth_date > %(d)s - interval '19 years' AND NOT y.has_startkwalificatie
  AND y.id IN (SELECT e.youth_id FROM casusregie_educationperiod e
               WHERE e.status IN ('not_enrolled', 'absent'))
  AND b.on_date > %(d)s
UNION ALL
SELECT oc.case_id, b.on_date
FROM open_case oc
JOIN referrals_referral r ON r.case_id = oc.case_id
JOIN referrals_product pr ON pr.id = r.product_id AND pr.specialist
JOIN casusregie_youth y ON y.id = r.youth_id AND y.family_id = oc.family_id
CROSS JOIN LATERAL (VALUES
    (flags_birthday(y.birth_date, 16)),
    ((flags_birthday(y.birth_date, 18) - interval '6 months')::date)
) b(on_date)
WHERE (r.ended_on IS NULL OR r.ended_on > %(d)s)
  AND y.birth_date > %(d)s - interval '19 years' AND b.on_date > %(d)s
UNION ALL
SELECT r.case_id, x.on_date
FROM referrals_referral r JOIN open_case oc ON oc.case_id = r.case_id
CROSS JOIN LATERAL (VALUES (r.started_on), (r.ended_on)) x(on_date)
WHERE (r.started_on > %(d)s OR r.ended_on > %(d)s) AND x.on_date > %(d)s
UNION ALL
SELECT p.case_id, x.on_date
FROM casusregie_regisseurperiod p JOIN open_case oc ON oc.case_id = p.case_id
CROSS JOIN LATERAL (VALUES (p.from_date), (p.until)) x(on_date)
WHERE (p.from_date > %(d)s OR p.until > %(d)s) AND x.on_date > %(d)s
UNION ALL
SELECT g.case_id, x.on_date
FROM casusregie_involvedprofessional g JOIN open_case oc ON oc.case_id = g.case_id
CROSS JOIN LATERAL (VALUES (g.from_date), (g.until)) x(on_date)
WHERE g.holds_regie AND (g.from_date > %(d)s OR g.until > %(d)s) AND x.on_date > %(d)s
UNION ALL
SELECT a.case_id, a.established_on
FROM analyses_analysis a JOIN open_case oc ON oc.case_id = a.case_id
WHERE a.status = 'established' AND a.established_on > %(d)s
UNION ALL
SELECT p.case_id, p.agreed_on
FROM plans_plan p JOIN open_case oc ON oc.case_id = p.case_id
WHERE p.is_current AND p.agreed_on > %(d)s
UNION ALL
SELECT r.case_id, greatest(least({eval_violation}, {eval_warning}), r.start + 1)
FROM (
    SELECT p.case_id, e.planned_on AS start
    FROM plans_plan p JOIN open_case oc ON oc.case_id = p.case_id
    JOIN plans_evaluation e ON e.plan_id = p.id AND e.held_on IS NULL
    WHERE p.is_current AND e.planned_on >= %(d)s
) r
UNION ALL
SELECT oc.case_id, e.from_date
FROM open_case oc JOIN casusregie_youth y ON y.family_id = oc.family_id
JOIN casusregie_educationperiod e ON e.youth_id = y.id
WHERE e.from_date > %(d)s
UNION ALL
SELECT r.case_id, {esc_due}
FROM (
    SELECT e.case_id, e.submitted_on AS start
    FROM escalations_escalation e JOIN open_case oc ON oc.case_id = e.case_id
    WHERE e.discussed_on IS NULL AND e.submitted_on >= %(d)s
) r
"""


# An escalation's first ESCALATION_NOT_DISCUSSED date (from ``r.start``, its submission), at
# the earliest the day after D.
_ESCALATION_DUE = "greatest(least({}, {}), %(d)s::date + 1)".format(
    _threshold_date(RULES_BY_CODE["ESCALATION_NOT_DISCUSSED"].unit, "esc_violation"),
    _threshold_date(RULES_BY_CODE["ESCALATION_NOT_DISCUSSED"].unit, "esc_warning"),
)
_DATES_AHEAD = _DATES_AHEAD_SQL.format(
    esc_due=_ESCALATION_DUE,
    eval_violation=_threshold_date(RULES_BY_CODE["PLAN_EVALUATION_OVERDUE"].unit, "eval_violation"),
    eval_warning=_threshold_date(RULES_BY_CODE["PLAN_EVALUATION_OVERDUE"].unit, "eval_warning"),
)


def _analyze_once(cursor, lock: tuple[int, int], table: str) -> None:
    """ANALYZE ``table`` unless another sweep's transaction (a split sweep's municipality
    beside this one) holds ``lock``: ANALYZE keeps its lock until commit, so the others skip
    rather than wait."""
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", list(lock))
    if cursor.fetchone()[0]:
        cursor.execute(f"ANALYZE {table}")


def _record_judgement_due(cursor, params: dict, new_escalations: list[int]) -> None:
    """Write, for every open case just judged, the next date its judgement can change without a
    change to its data (``JudgementDue``); the cases judged lose their old date. A case the
    daily sweep escalated without judging it gets its new escalation's date too.
    A full sweep writes only the dates that changed: most of a region's stay as they were, and
    rewriting all of them (a delete and an insert of some 330,000 rows at 1,000,000 youths)
    was 4-5 s of a full sweep that changed nothing."""
    table = JudgementDue._meta.db_table
    dates = f"""
        WITH {_OPEN_CASE},
        ahead AS ({_DATES_AHEAD})
        SELECT case_id, min(on_date) FROM ahead WHERE on_date > %(d)s GROUP BY case_id
    """
    if params["case_ids"] is not None:
        cursor.execute(f"DELETE FROM {table} WHERE case_id = ANY(%(case_ids)s)", params)
        cursor.execute(
            f"INSERT INTO {table} (case_id, next_on) {_judged(dates, params['case_ids'])}"
            f" ON CONFLICT (case_id) DO UPDATE SET next_on = EXCLUDED.next_on",
            params,
        )
    else:
        cursor.execute("CREATE TEMP TABLE sweep_due (case_id bigint, next_on date) ON COMMIT DROP")
        cursor.execute(f"INSERT INTO sweep_due {_judged(dates, None)}", params)
        cursor.execute("ANALYZE sweep_due")
        # The scope's cases without a date ahead any more lose their row; changed dates move;
        # new ones come. (sweep_due holds only cases in scope: it is drawn from open_case.)
        cursor.execute(
            _judged(
                f"""
            WITH {_SCOPE_CASE}
            DELETE FROM {table} j USING scope_case sc
            WHERE j.case_id = sc.case_id
              AND NOT EXISTS (SELECT 1 FROM sweep_due n WHERE n.case_id = j.case_id)
            """,
                None,
            ),
            params,
        )
        cursor.execute(
            f"UPDATE {table} j SET next_on = n.next_on FROM sweep_due n"
            f" WHERE j.case_id = n.case_id AND j.next_on <> n.next_on"
        )
        # A set difference, not NOT EXISTS: a first sweep's planner thinks the empty table has
        # a row, and a nested loop over it rescans the rows the statement itself inserts.
        cursor.execute(
            f"INSERT INTO {table} (case_id, next_on) SELECT case_id, next_on FROM sweep_due"
            f" EXCEPT ALL SELECT case_id, next_on FROM {table}"
        )
        # A full sweep wrote the dates: the next daily sweep's planner must know how few are
        # due (stale statistics said all, and it hashed every case to find them).
        _analyze_once(cursor, DUE_ANALYZE_LOCK, table)
    if new_escalations:
        cursor.execute(
            f"""
            INSERT INTO {table} AS j (case_id, next_on)
            SELECT r.case_id, {_ESCALATION_DUE}
            FROM (SELECT e.case_id, e.submitted_on AS start FROM escalations_escalation e
                  WHERE e.id = ANY(%(new)s)) r
            ON CONFLICT (case_id) DO UPDATE SET next_on = least(j.next_on, EXCLUDED.next_on)
            """,
            {**params, "new": new_escalations},
        )


# The conditions of the cases a daily sweep does not judge whose next threshold has come, as
# hits: a violation once its date has come, else a warning, each since its threshold's date.
# The rows applied go into ``sweep_crossed``, for ``_record_pending_thresholds``.
_CROSSING_HITS = _judged(
    f"""
WITH {_OPEN_CASE},
due AS MATERIALIZED (
    SELECT t.id, t.rule, t.subject_type, t.subject_id, t.case_id, t.warning_on, t.violation_on
    FROM flags_pendingthreshold t JOIN open_case oc ON oc.case_id = t.case_id
    WHERE t.next_on <= %(d)s
      AND NOT EXISTS (SELECT 1 FROM sweep_cases jc WHERE jc.case_id = t.case_id)
), crossed AS (
    INSERT INTO sweep_crossed SELECT id FROM due
)
INSERT INTO sweep_hits (rule, subject_type, subject_id, case_id, severity, since)
SELECT rule, subject_type, subject_id, case_id,
       CASE WHEN violation_on <= %(d)s THEN 'violation' ELSE 'warning' END,
       CASE WHEN violation_on <= %(d)s THEN violation_on ELSE warning_on END
FROM due
""",
    None,
)


def _record_pending_thresholds(cursor, params: dict, *, crossings: bool) -> None:
    """Replace the ``PendingThreshold`` rows of the cases just judged with their conditions'
    thresholds still ahead (``sweep_ahead``). After a daily sweep applied the ones due of the
    cases it did not judge, a row whose warning came waits for its violation; the rest go."""
    table = PendingThreshold._meta.db_table
    columns = "rule, subject_type, subject_id, case_id, warning_on, violation_on, next_on"
    if params["case_ids"] is not None:
        cursor.execute(f"DELETE FROM {table} WHERE case_id = ANY(%(case_ids)s)", params)
        new = f"SELECT {columns} FROM sweep_ahead"
    else:
        # A full sweep keeps the rows that stay as they were (as JudgementDue's): it deletes
        # the scope's rows not ahead any more, and inserts only the new ones (a set difference,
        # as JudgementDue's; the rows of other scopes in the table take nothing away).
        cursor.execute("ANALYZE sweep_ahead")
        cursor.execute(
            _judged(
                f"""
            WITH {_SCOPE_CASE}
            DELETE FROM {table} t USING scope_case sc
            WHERE t.case_id = sc.case_id AND NOT EXISTS (
                SELECT 1 FROM sweep_ahead a
                WHERE a.rule = t.rule AND a.subject_type = t.subject_type
                  AND a.subject_id = t.subject_id AND a.case_id = t.case_id
                  AND a.next_on = t.next_on
                  AND a.warning_on IS NOT DISTINCT FROM t.warning_on
                  AND a.violation_on IS NOT DISTINCT FROM t.violation_on)
            """,
                None,
            ),
            params,
        )
        new = f"SELECT {columns} FROM sweep_ahead EXCEPT ALL SELECT {columns} FROM {table}"
    cursor.execute(f"INSERT INTO {table} ({columns}) {new}")
    if crossings:
        # The rows just written are all after D; the ones applied (_CROSSING_HITS) wait for
        # their violation, or go.
        cursor.execute(
            f"""
            UPDATE {table} t SET next_on = t.violation_on FROM sweep_crossed x
            WHERE t.id = x.id AND t.violation_on > %(d)s
            """,
            params,
        )
        cursor.execute(
            f"DELETE FROM {table} t USING sweep_crossed x WHERE t.id = x.id AND t.next_on <= %(d)s",
            params,
        )
    if params["case_ids"] is None:
        # As JudgementDue's after a full sweep: the daily sweep's planner must know how few
        # are due.
        _analyze_once(cursor, PENDING_ANALYZE_LOCK, table)


def rulebook_version() -> str:
    """A digest of every rule's code, unit, default thresholds and SQL, and of the dates ahead:
    a new rulebook makes the next daily sweep a full one."""
    text = json.dumps(
        [
            [r.code, str(r.unit), r.defaults.as_json(r.unit), r.sql, str(r.subject), str(r.owner)]
            for r in RULES
        ]
        + [_DATES_AHEAD, rule_hits_sql(RULES[0])]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def sweep_fingerprint(region: Region) -> str:
    """The rulebook's version, the region's thresholds and the working-day calendar, as one
    digest: the daily sweep is incremental only while it is the one its mark recorded."""
    thresholds = thresholds_for(region)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(day::text || ordinal::text || is_working_day::text, ','"
            " ORDER BY day)) FROM flags_calendarday"
        )
        calendar = cursor.fetchone()[0] or ""
    text = json.dumps(
        [
            rulebook_version(),
            calendar,
            {code: t.as_json(RULES_BY_CODE[code].unit) for code, t in sorted(thresholds.items())},
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def sweep_daily(
    as_of: dt.date, *, region: Region | None = None, municipality: int | None = None
) -> SweepResult:
    """The scheduled daily sweep, incremental: per region (or one municipality), it judges the
    cases changes asked for (``SweepRequest``) and the cases whose ``JudgementDue`` date has
    come, nothing else. Every such date after the last daily sweep is judged on that date, in
    order (a case judged on one may be due again on a later one), so a sweep days late gives the
    flags daily sweeps would have, with the same ``since``, opening and resolving dates. Without
    a mark, or when the thresholds, the calendar or the rulebook changed since it was written,
    it is a full sweep (``sweep``) instead."""
    ensure_calendar(as_of)
    if municipality is not None:
        regions = Region.objects.filter(municipalities__id=municipality)
    elif region is not None:
        regions = Region.objects.filter(pk=region.pk)
    else:
        regions = Region.objects.all()
    total = SweepResult(as_of=as_of)
    for r in regions.order_by("pk"):
        total.add(_sweep_daily_region(as_of, r, municipality))
    logger.info(
        "daily sweep as of %s: %s cases judged, %s opened, %s raised, %s resolved, %s full",
        as_of,
        total.cases_judged,
        total.opened,
        total.raised,
        total.resolved,
        total.full_sweeps,
    )
    return total


def sweep_full(
    as_of: dt.date, *, region: Region | None = None, municipality: int | None = None
) -> SweepResult:
    """Judge every open case (``sweep``) and mark the municipalities swept through ``as_of``
    with today's fingerprint: ``sweep --full``, weekly by beat."""
    result = sweep(as_of, region=region, municipality=municipality)
    regions = (
        Region.objects.filter(municipalities__id=municipality)
        if municipality is not None
        else Region.objects.filter(pk=region.pk)
        if region is not None
        else Region.objects.all()
    )
    for r in regions:
        ids = Municipality.objects.filter(region=r)
        if municipality is not None:
            ids = ids.filter(pk=municipality)
        _mark(list(ids.values_list("pk", flat=True)), as_of, sweep_fingerprint(r), full=True)
    result.full_sweeps = result.regions
    return result


def _sweep_daily_region(as_of: dt.date, region: Region, municipality: int | None) -> SweepResult:
    municipalities = Municipality.objects.filter(region=region)
    if municipality is not None:
        municipalities = municipalities.filter(pk=municipality)
    municipality_ids = list(municipalities.order_by("pk").values_list("pk", flat=True))
    if not municipality_ids:
        return SweepResult(as_of=as_of, regions=1)  # a region without municipalities: no cases
    fingerprint = sweep_fingerprint(region)
    marks = list(SweepMark.objects.filter(municipality_id__in=municipality_ids))
    if len(marks) < len(municipality_ids) or any(m.fingerprint != fingerprint for m in marks):
        result = SweepResult(as_of=as_of)
        result.add(_sweep_region(as_of, region, None, municipality))
        result.full_sweeps = 1
        _mark(municipality_ids, as_of, fingerprint, full=True)
        return result
    scope = Case.objects.filter(family__municipality_id__in=municipality_ids)
    result = SweepResult(as_of=as_of)
    # Each date something is due on, from the day after the last daily sweep, in order.
    after = min(m.swept_through for m in marks) + dt.timedelta(days=1)
    while (first := _first_due(as_of, municipality_ids)) is not None:
        day = max(first, after)
        if day >= as_of:
            break
        ensure_calendar(day)
        due = _due_cases(day, municipality_ids)
        result.add(_sweep_region(day, region, due, municipality, crossings=True))
        result.cases_judged += len(due)
        result.dates_judged += 1
        after = day + dt.timedelta(days=1)
    with transaction.atomic():
        requested = _take_requests(scope)
        due = _due_cases(as_of, municipality_ids)
        ids = sorted(set(due) | set(requested))
        # ``first``: the loop's last look, something due on D itself when not None.
        if ids or first is not None:
            result.add(_sweep_region(as_of, region, ids, municipality, crossings=True))
            result.cases_judged += len(ids)
            result.dates_judged += 1
        _mark(municipality_ids, as_of, fingerprint, full=False)
    result.regions = 1
    return result


# The cases due by a date in some municipalities, driven from ``next_on``'s index: a join per
# due case, not a pass over every case and family (an ``IN`` of the scope's cases hashed them).
_DUE = f"""
    FROM {JudgementDue._meta.db_table} j
    JOIN casusregie_case c ON c.id = j.case_id
    JOIN casusregie_family fa ON fa.id = c.family_id
    WHERE j.next_on <= %(day)s AND fa.municipality_id = ANY(%(municipalities)s::bigint[])
"""


def _first_due(day: dt.date, municipality_ids: list[int]) -> dt.date | None:
    """The earliest date up to ``day`` on which something is due in the municipalities: a case
    to judge again, a pending threshold, or a violation to escalate."""
    with connection.cursor() as cursor:
        cursor.execute(
            # Each in its index's order, stopping at the first: three walks, no aggregate.
            f"""
            SELECT min(on_date) FROM (
                (SELECT j.next_on AS on_date {_DUE} ORDER BY j.next_on LIMIT 1)
                UNION ALL
                (SELECT t.next_on FROM {PendingThreshold._meta.db_table} t
                 JOIN casusregie_case c ON c.id = t.case_id AND c.closed_on IS NULL
                 JOIN casusregie_family fa ON fa.id = c.family_id
                 WHERE t.next_on <= %(day)s
                   AND fa.municipality_id = ANY(%(municipalities)s::bigint[])
                 ORDER BY t.next_on LIMIT 1)
                UNION ALL
                (SELECT {_ESCALATION_ON} FROM flags_flag f
                 JOIN casusregie_case c ON c.id = f.case_id AND c.closed_on IS NULL
                 JOIN casusregie_family fa ON fa.id = c.family_id
                 WHERE {_ESCALATE_DUE}
                   AND fa.municipality_id = ANY(%(municipalities)s::bigint[])
                 ORDER BY {_ESCALATION_ON} LIMIT 1)
            ) due
            """,
            {"day": day, "d": day, "municipalities": municipality_ids},
        )
        row = cursor.fetchone()
        return row[0] if row else None


def _due_cases(day: dt.date, municipality_ids: list[int]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT j.case_id {_DUE} ORDER BY j.case_id",
            {"day": day, "municipalities": municipality_ids},
        )
        return [case_id for (case_id,) in cursor.fetchall()]


def _take_requests(scope) -> list[int]:
    """Take (delete) the pending sweep requests of the cases in ``scope``; requests another
    worker is taking are skipped. Call inside the transaction that judges their cases."""
    taken = list(
        SweepRequest.objects.select_for_update(skip_locked=True)
        .filter(case_id__in=scope.values("pk"))
        .values_list("id", "case_id")
    )
    if taken:
        SweepRequest.objects.filter(id__in=[request_id for request_id, _case in taken]).delete()
    return sorted({case_id for _request, case_id in taken})


def _mark(municipality_ids: list[int], as_of: dt.date, fingerprint: str, *, full: bool) -> None:
    """Record the municipalities swept through ``as_of`` with ``fingerprint``, in one
    statement: a full sweep sets the date (and ``full_on``), a daily one never moves it back."""
    if not municipality_ids:
        return
    table = SweepMark._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} AS s (municipality_id, swept_through, fingerprint, full_on)
            SELECT unnest(%(ids)s::bigint[]), %(d)s, %(fingerprint)s, %(d)s
            ON CONFLICT (municipality_id) DO UPDATE
            SET swept_through = CASE WHEN %(full)s THEN EXCLUDED.swept_through
                                     ELSE greatest(s.swept_through, EXCLUDED.swept_through) END,
                fingerprint = EXCLUDED.fingerprint,
                full_on = CASE WHEN %(full)s THEN EXCLUDED.full_on ELSE s.full_on END
            """,
            {"ids": list(municipality_ids), "d": as_of, "fingerprint": fingerprint, "full": full},
        )


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
