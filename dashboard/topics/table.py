"""The expert table and the rulebook: escalations, decisions, flags per rule.

- *Escalations*: submitted in the period (by source: regisseur, rulebook, import), discussed in
  the period, with the days from submission to discussion (median, 90th percentile); waiting
  now: submitted and not yet discussed on the refresh date, of open cases (as in the expert
  table's queue and its own figures, ``escalations/figures.py``).
- *Decisions*: the table's decisions (``escalations.Decision``) by kind (advice, tailored
  arrangement, protection table, return), in the period of the session (zitting) they were
  taken at, as the expert table counts them.
- *Flags*: opened, resolved and escalated in the period, per rule; open on the refresh date,
  per rule and severity. A flag belongs to the case it was judged in.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import CASE_DIMENSIONS, Kind, Measure, Topic, breakdown, insert

_case = breakdown(CASE_DIMENSIONS)
_ESCALATION_ROWS = """
SELECT e.*, c.mun_id, c.team_id, c.closed_on AS case_closed_on
FROM escalations_escalation e
JOIN stat_case c ON c.case_id = e.case_id
"""

ESCALATIONS_SUBMITTED = insert(
    f"""
SELECT p.kind, p.start, p."end", {_case.columns},
       b.source, count(*) AS n
FROM ({_ESCALATION_ROWS}) b
JOIN stat_period p ON b.submitted_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", GROUPING SETS ((b.source), ()), {_case.grouping_sets}
""",
    [("escalations_submitted", "coalesce(g.source, '')", "n", None)],
)

ESCALATIONS_DISCUSSED = insert(
    f"""
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY b.discussed_on - b.submitted_on) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY b.discussed_on - b.submitted_on) AS p90
FROM ({_ESCALATION_ROWS}) b
JOIN stat_period p ON b.discussed_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [
        ("escalations_discussed", "''", "n", None),
        ("escalation_days_median", "''", "round(median::numeric, 1)", "n"),
        ("escalation_days_p90", "''", "round(p90::numeric, 1)", "n"),
    ],
)

ESCALATIONS_WAITING = insert(
    f"""
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) AS n
FROM ({_ESCALATION_ROWS}) b
JOIN stat_period p ON p.kind = 'now'
WHERE b.submitted_on <= p."end" AND (b.discussed_on IS NULL OR b.discussed_on > p."end")
  AND b.case_closed_on IS NULL
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [("escalations_waiting", "''", "n", None)],
)


def decisions_by_kind() -> str:
    """The expert table's decisions per kind, by the period of the session they were taken at
    (``escalations.Decision``, one per escalation)."""
    return insert(
        f"""
SELECT p.kind, p.start, p."end", {_case.columns},
       d.kind AS decision, count(*) AS n
FROM ({_ESCALATION_ROWS}) b
JOIN escalations_decision d ON d.escalation_id = b.id
JOIN escalations_tablesession ts ON ts.id = d.session_id
JOIN stat_period p ON ts.held_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", d.kind, {_case.grouping_sets}
""",
        [("decisions", "g.decision", "n", None)],
    )


_FLAG_ROWS = """
SELECT f.*, c.mun_id, c.team_id
FROM flags_flag f
JOIN stat_case c ON c.case_id = f.case_id
"""


def _flag_event(measure: str, day: str) -> str:
    return insert(
        f"""
SELECT p.kind, p.start, p."end", {_case.columns},
       b.rule, count(*) AS n
FROM ({_FLAG_ROWS}) b
JOIN stat_period p ON b.{day} BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", GROUPING SETS ((b.rule), ()), {_case.grouping_sets}
""",
        [(measure, "coalesce(g.rule, '')", "n", None)],
    )


FLAGS_OPEN = insert(
    f"""
SELECT p.kind, p.start, p."end", {_case.columns},
       b.rule,
       count(*) AS n, count(*) FILTER (WHERE b.severity = 'violation') AS violations
FROM ({_FLAG_ROWS}) b
JOIN stat_period p ON p.kind = 'now'
WHERE b.opened_on <= p."end" AND (b.resolved_on IS NULL OR b.resolved_on > p."end")
GROUP BY p.kind, p.start, p."end", GROUPING SETS ((b.rule), ()), {_case.grouping_sets}
""",
    [
        ("flags_open", "coalesce(g.rule, '')", "n", None),
        ("flags_open_violation", "coalesce(g.rule, '')", "violations", None),
    ],
)

TOPIC = Topic(
    code="table",
    title=_("Experttafel en signalen"),
    measures=(
        Measure("escalations_submitted", _("Aangemeld")),
        Measure("escalations_discussed", _("Besproken")),
        Measure("escalation_days_median", _("Dagen tot bespreking, mediaan"), Kind.DAYS),
        Measure("escalation_days_p90", _("Dagen tot bespreking, 90e percentiel"), Kind.DAYS),
        Measure("escalations_waiting", _("Wacht nu op bespreking")),
        Measure("decisions", _("Besluiten")),
        Measure("flags_opened", _("Signalen geopend")),
        Measure("flags_resolved", _("Signalen opgelost")),
        Measure("flags_escalated", _("Signalen geëscaleerd")),
        Measure("flags_open", _("Signalen open nu")),
        Measure("flags_open_violation", _("… waarvan overtreding")),
    ),
    statements=(
        ESCALATIONS_SUBMITTED,
        ESCALATIONS_DISCUSSED,
        ESCALATIONS_WAITING,
        decisions_by_kind(),
        _flag_event("flags_opened", "opened_on"),
        _flag_event("flags_resolved", "resolved_on"),
        _flag_event("flags_escalated", "escalated_on"),
        FLAGS_OPEN,
    ),
)
