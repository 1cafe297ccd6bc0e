"""In care: families and youths with an open case, local and regional care, the youth share.

- A family is *in care* in a period when one of its cases was open on a day of the period
  (open from ``opened_on`` up to, not including, ``closed_on``); its youths born by the end of
  the period are *youths in care*; those not yet 18 on the first day, *youths 0–17 in care*
  (set against the CBS count of youths 0–17 for "1 op 6 → 1 op 12").
- Care by a provider runs from ``started_on`` up to, not including, ``ended_on`` (RULES.md).
  A youth in care is *regional* in a period when specialist care (a product marked specialist,
  contracted by the region) ran on a day of it, else *local* (the local team, possibly with
  basic care): the two add up to the youths in care.
- A youth counts once per period; in a breakdown by local team, with the team of the case
  opened last among those open in the period.
- By segment, product and provider: the families and youths with care of that kind running.
- *Outflow* (uitstroom): cases closed in the period (``closed_on`` in it), by their closing
  reason (``unknown``: a closed case from an import, which carries no reason).
- *Repeat care* (herhaalde zorg): cases opened in the period, and of those the ones opened
  within 12 months of the family's last closing (``Case.is_repeat_care``, set when the case
  is reopened); the others are *first care*. First + repeat = opened.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import (
    CARE_DIMENSIONS,
    CASE_DIMENSIONS,
    Kind,
    Measure,
    Topic,
    breakdown,
    insert,
)

_case = breakdown(CASE_DIMENSIONS)
IN_CARE = insert(
    f"""
WITH case_period AS (
    -- a case open on a day of the period, and the family's last such case in it (its next
    -- case, if any, opened after the period): so a family counts once per period. Periods by
    -- their small integer id: the joins and groups below hash ints, not (text, date, date)
    SELECT p.id AS period_id, p."end", c.family_id, c.mun_id, c.team_id
    FROM stat_case c
    JOIN stat_period p
      ON c.opened_on <= p."end" AND (c.closed_on IS NULL OR c.closed_on > p.start)
     AND (c.next_opened IS NULL OR c.next_opened > p."end")
    WHERE c.open_a_day
), regional AS (
    -- per youth, the periods in which specialist care ran, as bits of one bigint (bit n:
    -- period id n; there are fewer than 64): a bit test per youth in care and period below,
    -- not a hash join of every such row (10 M at 1,000,000 youths) with these
    SELECT r.youth_id, bit_or(1::bigint << p.id) AS periods
    FROM stat_referral r
    JOIN stat_period p
      ON r.started_on <= p."end" AND (r.ended_on IS NULL OR r.ended_on > p.start)
    WHERE r.specialist
    GROUP BY r.youth_id
), youth AS (
    SELECT y.*, coalesce(s.periods, 0) AS regional_periods
    FROM (
        SELECT y.id, y.family_id, y.birth_date, flags_birthday(y.birth_date, 18) AS birthday_18,
               y.id = first_value(y.id) OVER (
                   PARTITION BY y.family_id ORDER BY y.birth_date, y.id) AS counts_family
        FROM casusregie_youth y
        WHERE y.family_id IN (SELECT family_id FROM stat_case)
    ) y
    LEFT JOIN regional s ON s.youth_id = y.id
), per_team_id AS (
    -- every youth in care once per period, in one municipality and one team: counts add up
    SELECT b.period_id, b.mun_id, b.team_id,
           count(*) FILTER (WHERE y.counts_family) AS families,
           count(*) AS youths,
           count(*) FILTER (WHERE y.birthday_18 > p.start) AS youths_0_17,
           count(*) FILTER (WHERE y.regional_periods & (1::bigint << b.period_id) <> 0)
               AS regional
    FROM case_period b
    JOIN stat_period p ON p.id = b.period_id
    JOIN youth y ON y.family_id = b.family_id AND y.birth_date <= b."end"
    GROUP BY b.period_id, b.mun_id, b.team_id
), per_team AS (
    SELECT p.kind, p.start, p."end", t.*
    FROM per_team_id t JOIN stat_period p ON p.id = t.period_id
)
SELECT b.kind, b.start, b."end", {_case.columns},
       sum(b.families) AS families, sum(b.youths) AS youths, sum(b.youths_0_17) AS youths_0_17,
       sum(b.regional) AS regional, sum(b.youths - b.regional) AS local
FROM per_team b
GROUP BY b.kind, b.start, b."end", {_case.grouping_sets}
""",
    [
        ("families_in_care", "''", "families", None),
        ("youths_in_care", "''", "youths", None),
        ("youths_0_17_in_care", "''", "youths_0_17", None),
        ("youths_regional", "''", "regional", None),
        ("youths_local", "''", "local", None),
    ],
)

_care = breakdown(CARE_DIMENSIONS)
RECEIVING_CARE = insert(
    f"""
SELECT p.kind, p.start, p."end", {_care.columns},
       count(DISTINCT b.family_id) AS families, count(DISTINCT b.youth_id) AS youths
FROM stat_referral b
JOIN stat_period p ON b.started_on <= p."end" AND (b.ended_on IS NULL OR b.ended_on > p.start)
WHERE b.started_on IS NOT NULL
GROUP BY p.kind, p.start, p."end", {_care.grouping_sets}
""",
    [
        ("families_receiving_care", "''", "families", None),
        ("youths_receiving_care", "''", "youths", None),
    ],
)

# CBS youths 0–17 per municipality: the latest year up to the period's end; the region's is the
# sum over its municipalities that have a number.
_population = breakdown(("municipality",))
POPULATION = insert(
    f"""
SELECT p.kind, p.start, p."end", {_population.columns},
       sum(b.youth_population) AS population
FROM stat_period p
JOIN LATERAL (
    SELECT m.id AS mun_id,
           (SELECT mp.youth_population FROM dashboard_municipalitypopulation mp
            WHERE mp.municipality_id = m.id AND mp.year <= extract(year FROM p."end")
            ORDER BY mp.year DESC LIMIT 1) AS youth_population
    FROM casusregie_municipality m
    WHERE m.region_id = %(region)s
) b ON b.youth_population IS NOT NULL
GROUP BY p.kind, p.start, p."end", {_population.grouping_sets}
""",
    [("youth_population", "''", "population", None)],
)

CASES_CLOSED = insert(
    f"""
SELECT p.kind, p.start, p."end", {_case.columns}, count(*) AS closed
FROM stat_case b
JOIN stat_period p ON b.closed_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [("cases_closed", "''", "closed", None)],
)

CLOSE_REASONS = insert(
    f"""
SELECT p.kind, p.start, p."end", {_case.columns}, b.reason, count(*) AS closed
FROM (SELECT c.*, coalesce(nullif(c.close_reason, ''), 'unknown') AS reason
      FROM stat_case c WHERE c.closed_on IS NOT NULL) b
JOIN stat_period p ON b.closed_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", b.reason, {_case.grouping_sets}
""",
    [("cases_closed_by_reason", "g.reason", "closed", None)],
)

CASES_OPENED = insert(
    f"""
SELECT p.kind, p.start, p."end", {_case.columns},
       count(*) AS opened,
       count(*) FILTER (WHERE b.is_repeat_care) AS repeat,
       count(*) FILTER (WHERE NOT b.is_repeat_care) AS first
FROM stat_case b
JOIN stat_period p ON b.opened_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {_case.grouping_sets}
""",
    [
        ("cases_opened", "''", "opened", None),
        ("cases_opened_first", "''", "first", None),
        ("cases_opened_repeat", "''", "repeat", None),
    ],
)

TOPIC = Topic(
    code="care",
    title=_("In zorg"),
    measures=(
        Measure("families_in_care", _("Gezinnen in zorg")),
        Measure("youths_in_care", _("Jeugdigen in zorg")),
        Measure("youths_0_17_in_care", _("Jeugdigen 0–17 in zorg")),
        Measure("youths_local", _("Alleen lokaal")),
        Measure("youths_regional", _("Met regionale (specialistische) zorg")),
        Measure("families_receiving_care", _("Gezinnen met zorg")),
        Measure("youths_receiving_care", _("Jeugdigen met zorg")),
        Measure("youth_population", _("Jeugdigen 0–17 (CBS)"), Kind.PUBLIC),
        Measure("cases_closed", _("Casussen gesloten")),
        Measure("cases_closed_by_reason", _("Casussen gesloten, naar reden")),
        Measure("cases_opened", _("Casussen geopend")),
        Measure("cases_opened_first", _("Eerste zorg")),
        Measure("cases_opened_repeat", _("Herhaalde zorg (binnen 12 maanden)")),
    ),
    statements=(IN_CARE, RECEIVING_CARE, POPULATION, CASES_CLOSED, CLOSE_REASONS, CASES_OPENED),
)
