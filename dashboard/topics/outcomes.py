"""Outcomes (issue 19): placements out of home, repeat care, care ended as planned, and how
long it takes — per municipality and local team, in every period but "now".

- *Zorg gestart* (care started): referrals whose care started in the period (``started_on``
  in it); the same starts as the flow's *gestart, lokaal + regionaal* (a guarded sum).
- *Uithuisplaatsingen*: of those, the starts of a product that places the youth out of home
  (``Product.out_of_home``: residential care, foster care, family homes).
- *Herhaalde zorg binnen 12 maanden* (care level): of those, the starts for a youth whose
  earlier care (another referral) had ended on or before the start and at most 12 months
  before it (started on or before the end + 12 months; 31 March + 12 months is 31 March, 29
  February + 12 months is 28 February, as ``Case.is_repeat_care``).
- *Zorg beëindigd* (care ended): referrals whose care ended in the period (``ended_on`` in
  it), by the iJw end reason (``Referral.end_code``): *volgens plan* (31), *voortijdig of
  anders* (every other code), *niet vastgelegd* (no code: an import, or ended before the
  code was asked). The three add up to the care ended, which is the flow's *beëindigd* (a
  guarded sum). The share *volgens plan* is computed from the shown counts.
- *Doorlooptijd van eerste verwijzing tot start*: per case whose first care started in the
  period, the days from the first referral sent in the case to that first start; median and
  90th percentile, shown on five cases or more.
- *Doorlooptijd van opening tot afsluiting*: per case closed in the period, the days from
  ``opened_on`` to ``closed_on``; median and 90th percentile, shown on five cases or more.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import CASE_DIMENSIONS, Kind, Measure, Topic, breakdown, insert

_case = breakdown(CASE_DIMENSIONS)

CARE_STARTS = insert(
    f"""
WITH repeat AS (
    -- a hash join of the region's referrals with themselves on the youth (an EXISTS became a
    -- nested loop over the temporary table: 171 s at 100,000 youths)
    SELECT DISTINCT b.id
    FROM stat_referral b
    JOIN stat_referral e ON e.youth_id = b.youth_id AND e.id <> b.id
    WHERE b.started_on IS NOT NULL AND e.ended_on <= b.started_on
      AND b.started_on <= (e.ended_on + interval '12 months')::date
), start AS (
    SELECT b.*, rp.id IS NOT NULL AS repeat
    FROM stat_referral b
    LEFT JOIN repeat rp ON rp.id = b.id
    WHERE b.started_on IS NOT NULL
)
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) AS n,
       count(*) FILTER (WHERE b.out_of_home) AS out_of_home,
       count(*) FILTER (WHERE b.repeat) AS repeat
FROM start b
JOIN stat_period p ON b.started_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [
        ("care_starts", "''", "n", None),
        ("care_starts_out_of_home", "''", "out_of_home", None),
        ("care_starts_repeat", "''", "repeat", None),
    ],
)

CARE_ENDS = insert(
    f"""
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) AS n,
       count(*) FILTER (WHERE b.end_code = '31') AS as_planned,
       count(*) FILTER (WHERE b.end_code NOT IN ('', '31')) AS otherwise,
       count(*) FILTER (WHERE b.end_code = '') AS unknown
FROM stat_referral b
JOIN stat_period p ON b.ended_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [
        ("care_ends", "''", "n", None),
        ("care_ended_as_planned", "''", "as_planned", None),
        ("care_ended_otherwise", "''", "otherwise", None),
        ("care_ended_unknown", "''", "unknown", None),
    ],
)

TO_FIRST_START = insert(
    f"""
WITH first AS (
    SELECT r.case_id, min(r.sent_on) AS sent_on, min(r.started_on) AS started_on
    FROM stat_referral r
    GROUP BY r.case_id
    HAVING min(r.started_on) IS NOT NULL
)
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.started_on - f.sent_on) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY f.started_on - f.sent_on) AS p90
FROM first f
JOIN stat_case b ON b.case_id = f.case_id
JOIN stat_period p ON f.started_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [
        ("first_starts", "''", "n", None),
        ("to_first_start_median", "''", "round(median::numeric, 1)", "n"),
        ("to_first_start_p90", "''", "round(p90::numeric, 1)", "n"),
    ],
)

CASE_DURATION = insert(
    f"""
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY b.closed_on - b.opened_on) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY b.closed_on - b.opened_on) AS p90
FROM stat_case b
JOIN stat_period p ON b.closed_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [
        ("case_duration_median", "''", "round(median::numeric, 1)", "n"),
        ("case_duration_p90", "''", "round(p90::numeric, 1)", "n"),
    ],
)

TOPIC = Topic(
    code="outcomes",
    title=_("Uitkomsten"),
    measures=(
        Measure("care_starts", _("Zorg gestart")),
        Measure("care_starts_out_of_home", _("Uithuisplaatsingen")),
        Measure("care_starts_repeat", _("Herhaalde zorg binnen 12 maanden")),
        Measure("care_ends", _("Zorg beëindigd")),
        Measure("care_ended_as_planned", _("Volgens plan (iJw 31)")),
        Measure("care_ended_otherwise", _("Voortijdig of anders")),
        Measure("care_ended_unknown", _("Reden niet vastgelegd")),
        Measure("first_starts", _("Casussen met een eerste start")),
        Measure("to_first_start_median", _("Eerste verwijzing tot start, mediaan"), Kind.DAYS),
        Measure("to_first_start_p90", _("Eerste verwijzing tot start, 90e percentiel"), Kind.DAYS),
        Measure("case_duration_median", _("Opening tot afsluiting, mediaan"), Kind.DAYS),
        Measure("case_duration_p90", _("Opening tot afsluiting, 90e percentiel"), Kind.DAYS),
    ),
    statements=(CARE_STARTS, CARE_ENDS, TO_FIRST_START, CASE_DURATION),
)
