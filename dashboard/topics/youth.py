"""Thuiszitters now, and youths turning 18 in care with their transition plan.

Both reuse the rulebook's own definitions: the queries of THUISZITTER_3M and TRANSITION_18
(``flags/rules``) run here as they run in the sweep, over the region's open cases on the
refresh date.

- *Thuiszitter*: a row of THUISZITTER_3M's query: a youth of compulsory-education age at home
  (not enrolled, or enrolled and absent) on the date; *days at home*: the date minus the first
  day of the unbroken run at home (or the 5th birthday, if later). Split by the region's own
  thresholds of the rule: under the warning (default 1 month), from the warning to the
  violation (default 3 months), and from the violation on.
- *Turning 18 in care*: a youth in an open case with specialist care running on the date and
  within half a year of the 18th birthday, or past it (the window of TRANSITION_18). Its
  transition status: a ``transition_18`` perspective plan agreed, only a draft, or none; those
  without an agreed plan are exactly TRANSITION_18's rows.
- *Buitenregulier*: a youth of compulsory-education age (5 to 18, as THUISZITTER_3M) in an open
  case whose education period current on the date is ``attending`` at a school of the kind
  ``special`` (speciaal (voortgezet) onderwijs); beside it those at ``practical``
  (praktijkonderwijs), which is regular secondary education and not counted as buitenregulier.
- *Naar buitenregulier* (uitstroom naar buitenregulier onderwijs, seed 000): in the period, a
  youth's new period at a ``special`` school while the period before it was at a school of
  another kind (or at home); the first period recorded does not count (where the youth came
  from is not known). Counted with the family's case open on that day.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from flags.rules import RULES_BY_CODE

from .base import CASE_DIMENSIONS, OPEN_CASE, Kind, Measure, Topic, breakdown, insert

_case = breakdown(CASE_DIMENSIONS)
# Where a rule's row is: its case's municipality and local team.
_PLACE = "JOIN stat_case c ON c.case_id = r.case_id"
_KEYS = "c.mun_id, c.team_id"

THUISZITTERS = insert(
    f"""
WITH {OPEN_CASE},
rule_rows AS MATERIALIZED ({RULES_BY_CODE["THUISZITTER_3M"].sql})
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) AS n,
       count(*) FILTER (WHERE b.since_warning > p."end") AS under_warning,
       count(*) FILTER (WHERE b.since_warning <= p."end" AND b.since_violation > p."end")
           AS warning,
       count(*) FILTER (WHERE b.since_violation <= p."end") AS violation,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY p."end" - b.start) AS median
FROM (
    SELECT r.start, {_KEYS},
           (r.start + make_interval(months => %(thuiszitter_warning)s))::date AS since_warning,
           (r.start + make_interval(months => %(thuiszitter_violation)s))::date
               AS since_violation
    FROM rule_rows r
    {_PLACE}
) b
JOIN stat_period p ON p.kind = 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [
        ("thuiszitters", "''", "n", None),
        ("thuiszitters_under_warning", "''", "under_warning", None),
        ("thuiszitters_warning", "''", "warning", None),
        ("thuiszitters_violation", "''", "violation", None),
        ("days_at_home_median", "''", "round(median::numeric, 1)", "n"),
    ],
)

TRANSITION_18 = insert(
    f"""
WITH {OPEN_CASE},
rule_rows AS MATERIALIZED ({RULES_BY_CODE["TRANSITION_18"].sql}),
turning AS (
    SELECT DISTINCT y.id AS youth_id, oc.case_id, flags_birthday(y.birth_date, 18) AS birthday
    FROM open_case oc
    JOIN casusregie_youth y ON y.family_id = oc.family_id
    JOIN referrals_referral rf ON rf.case_id = oc.case_id AND rf.youth_id = y.id
    JOIN referrals_product pr ON pr.id = rf.product_id AND pr.specialist
    WHERE rf.started_on <= %(d)s AND (rf.ended_on IS NULL OR rf.ended_on > %(d)s)
      AND (flags_birthday(y.birth_date, 18) - interval '6 months')::date <= %(d)s
)
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) AS n,
       count(*) FILTER (WHERE b.birthday > p."end") AS not_yet_18,
       count(*) FILTER (WHERE b.birthday <= p."end") AS already_18,
       count(*) FILTER (WHERE NOT b.without_agreed_plan) AS agreed,
       count(*) FILTER (WHERE b.without_agreed_plan AND b.has_plan) AS draft,
       count(*) FILTER (WHERE NOT b.has_plan) AS no_plan
FROM (
    SELECT r.birthday, {_KEYS},
           -- IN, not EXISTS: one hash of the rule's rows, not a scan of them per youth (a
           -- correlated EXISTS over the CTE took 4 s of 5.5 s at 1,000,000 youths)
           (r.youth_id, r.case_id) IN (SELECT rr.subject_id, rr.case_id FROM rule_rows rr)
               AS without_agreed_plan,
           EXISTS (SELECT 1 FROM plans_perspectiveplan pp
                   WHERE pp.case_id = r.case_id AND pp.youth_id = r.youth_id
                     AND pp.kind = 'transition_18') AS has_plan
    FROM turning r
    {_PLACE}
) b
JOIN stat_period p ON p.kind = 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [
        ("turning_18", "''", "n", None),
        ("turning_18_not_yet", "''", "not_yet_18", None),
        ("turning_18_already", "''", "already_18", None),
        ("transition_plan_agreed", "''", "agreed", None),
        ("transition_plan_draft", "''", "draft", None),
        ("transition_plan_none", "''", "no_plan", None),
    ],
)

BUITENREGULIER = insert(
    f"""
WITH {OPEN_CASE},
youth AS (
    SELECT y.id AS youth_id, oc.case_id
    FROM casusregie_youth y
    JOIN open_case oc ON oc.family_id = y.family_id
    WHERE %(d)s >= flags_birthday(y.birth_date, 5) AND %(d)s < flags_birthday(y.birth_date, 18)
), current AS (
    SELECT DISTINCT ON (e.youth_id) e.youth_id, e.status, e.school_type
    FROM casusregie_educationperiod e
    JOIN youth ON youth.youth_id = e.youth_id
    WHERE e.from_date <= %(d)s
    ORDER BY e.youth_id, e.from_date DESC
)
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) FILTER (WHERE b.status = 'attending' AND b.school_type = 'special') AS special,
       count(*) FILTER (WHERE b.status = 'attending' AND b.school_type = 'practical')
           AS practical
FROM (
    SELECT cu.status, cu.school_type, {_KEYS}
    FROM current cu
    JOIN youth r ON r.youth_id = cu.youth_id
    {_PLACE}
) b
JOIN stat_period p ON p.kind = 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [
        ("buitenregulier", "''", "special", None),
        ("praktijkonderwijs", "''", "practical", None),
    ],
)

TO_BUITENREGULIER = insert(
    f"""
WITH change AS (
    SELECT e.youth_id, y.family_id, e.from_date, e.status, e.school_type,
           lag(e.school_type) OVER w AS before_type, lag(e.status) OVER w AS before_status
    FROM casusregie_educationperiod e
    JOIN casusregie_youth y ON y.id = e.youth_id
    WHERE y.family_id IN (SELECT family_id FROM stat_case)
    WINDOW w AS (PARTITION BY e.youth_id ORDER BY e.from_date)
)
SELECT p.kind, p.start, p."end", {_case.columns}, count(*) AS n
FROM (
    SELECT ch.from_date, c.mun_id, c.team_id
    FROM change ch
    JOIN stat_case c ON c.family_id = ch.family_id AND c.opened_on <= ch.from_date
     AND (c.closed_on IS NULL OR c.closed_on > ch.from_date)
    WHERE ch.status = 'attending' AND ch.school_type = 'special'
      AND ch.before_status IS NOT NULL
      AND NOT (ch.before_status = 'attending' AND ch.before_type = 'special')
) b
JOIN stat_period p ON b.from_date BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [("to_buitenregulier", "''", "n", None)],
)

TOPIC = Topic(
    code="youth",
    title=_("Thuiszitters en 18-/18+"),
    measures=(
        Measure("thuiszitters", _("Thuiszitters nu")),
        Measure("thuiszitters_under_warning", _("Korter dan de waarschuwing")),
        Measure("thuiszitters_warning", _("Waarschuwing")),
        Measure("thuiszitters_violation", _("Langer dan de norm")),
        Measure("days_at_home_median", _("Dagen thuis, mediaan"), Kind.DAYS),
        Measure("turning_18", _("Wordt 18 of is 18, in specialistische zorg")),
        Measure("turning_18_not_yet", _("Nog geen 18")),
        Measure("turning_18_already", _("Al 18")),
        Measure("transition_plan_agreed", _("Plan 18-/18+ afgesproken")),
        Measure("transition_plan_draft", _("Plan in concept")),
        Measure("transition_plan_none", _("Geen plan")),
        Measure("buitenregulier", _("Buitenregulier (speciaal (v)so) nu")),
        Measure("praktijkonderwijs", _("Praktijkonderwijs nu")),
        Measure("to_buitenregulier", _("Naar buitenregulier onderwijs")),
    ),
    statements=(THUISZITTERS, TRANSITION_18, BUITENREGULIER, TO_BUITENREGULIER),
)
