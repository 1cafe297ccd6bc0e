"""Figures for the expert table: aggregated over a region — all its tables together (issue 19:
the expert table and the tables the region configured) — no names, set-based SQL.

Over a window of whole calendar months ending with the month of ``today``:

- **per month** (of submission): escalations submitted, how many of those have been discussed,
  and the median waiting days from submission to discussion (of the discussed ones);
- **waiting days** over the window: the median for the discussed escalations submitted in it,
  and how many are still waiting (of open cases, as in the queue);
- **decisions** per kind, by the date of the session they were taken at;
- **returned within three months**: a decision *returned* when a new escalation for the same
  case was submitted on a later day, at most three calendar months after the decision's day
  (S < submitted ≤ S + 3 months, the date clamped to the month's last day as in RULES.md).
  Only decisions whose three months have passed by ``today`` are judged (S + 3 months ≤
  today); the share is returned / judged.

Four statements, whatever the number of escalations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from .models import DecisionKind

# The region's escalations, with their case's closing date: both queries start from it.
REGION_ESCALATION = """region_escalation AS (
    SELECT e.id, e.case_id, e.submitted_on, e.discussed_on, c.closed_on AS case_closed_on
    FROM escalations_escalation e
    JOIN casusregie_case c ON c.id = e.case_id
    JOIN casusregie_family f ON f.id = c.family_id
    JOIN casusregie_municipality m ON m.id = f.municipality_id
    WHERE m.region_id = %(region)s
)"""

MONTHS_SQL = f"""
WITH
{REGION_ESCALATION},
months AS (
    SELECT generate_series(%(start)s::date, %(end)s::date, interval '1 month')::date AS month
)
SELECT mo.month,
       count(re.id) AS submitted,
       count(re.discussed_on) AS discussed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY re.discussed_on - re.submitted_on)
           FILTER (WHERE re.discussed_on IS NOT NULL) AS median_wait
FROM months mo
LEFT JOIN region_escalation re
       ON re.submitted_on >= mo.month AND re.submitted_on < (mo.month + interval '1 month')
GROUP BY mo.month
ORDER BY mo.month
"""  # noqa: S608 - composed of this module's constants only

WAITING_SQL = f"""
WITH
{REGION_ESCALATION}
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY discussed_on - submitted_on)
           FILTER (WHERE discussed_on IS NOT NULL AND submitted_on >= %(start)s),
       count(*) FILTER (WHERE discussed_on IS NOT NULL AND submitted_on >= %(start)s),
       count(*) FILTER (WHERE discussed_on IS NULL AND case_closed_on IS NULL)
FROM region_escalation
"""  # noqa: S608 - composed of this module's constants only

DECISIONS_SQL = """
SELECT d.kind, count(*)
FROM escalations_decision d
JOIN escalations_tablesession s ON s.id = d.session_id
WHERE s.region_id = %(region)s AND s.held_on >= %(start)s AND s.held_on <= %(today)s
GROUP BY d.kind
"""

RETURNED_SQL = """
SELECT count(*) AS judged,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM escalations_escalation later
           WHERE later.case_id = e.case_id AND later.id <> e.id
             AND later.submitted_on > s.held_on
             AND later.submitted_on <= (s.held_on + interval '3 months')::date
       )) AS returned
FROM escalations_decision d
JOIN escalations_tablesession s ON s.id = d.session_id
JOIN escalations_escalation e ON e.id = d.escalation_id
WHERE s.region_id = %(region)s AND s.held_on >= %(start)s
  AND (s.held_on + interval '3 months')::date <= %(today)s
"""


@dataclass(frozen=True)
class Month:
    month: dt.date
    submitted: int
    discussed: int
    median_wait: float | None


@dataclass(frozen=True)
class TableFigures:
    start: dt.date
    today: dt.date
    months: list[Month]
    median_wait: float | None
    discussed: int
    waiting_now: int
    decisions: list[tuple[str, str, int]]  # (kind, Dutch label, count), in the order of kinds
    judged: int
    returned: int

    @property
    def returned_share(self) -> float | None:
        return self.returned / self.judged if self.judged else None


def window_start(today: dt.date, months: int) -> dt.date:
    """The first day of the window of ``months`` whole months ending with today's month."""
    return today.replace(day=1) - relativedelta(months=months - 1)


def table_figures(region_id: int, today: dt.date | None = None, months: int = 12) -> TableFigures:
    today = today or timezone.localdate()
    start = window_start(today, months)
    params = {"region": region_id, "start": start, "end": today.replace(day=1), "today": today}
    with connection.cursor() as cursor:
        cursor.execute(MONTHS_SQL, params)
        rows = [Month(m, s, d, None if w is None else float(w)) for m, s, d, w in cursor]
        cursor.execute(WAITING_SQL, params)
        median, discussed, waiting_now = cursor.fetchone()
        cursor.execute(DECISIONS_SQL, params)
        per_kind = dict(cursor.fetchall())
        cursor.execute(RETURNED_SQL, params)
        judged, returned = cursor.fetchone()
    return TableFigures(
        start=start,
        today=today,
        months=rows,
        median_wait=None if median is None else float(median),
        discussed=discussed,
        waiting_now=waiting_now,
        decisions=[(k.value, str(k.label), per_kind.get(k.value, 0)) for k in DecisionKind],
        judged=judged,
        returned=returned,
    )
