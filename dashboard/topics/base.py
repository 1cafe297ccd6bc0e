"""What a topic is: its measures (with how each is published) and its set-based statements.

Every statement is one ``INSERT INTO dashboard_figure … SELECT … GROUP BY`` over the whole
region, with the region's periods in the temporary table ``stat_period`` (kind, start, "end").
``breakdown`` writes the GROUPING SETS that give one row per breakdown member (and one for the
whole region) in a single pass; ``insert`` unpivots the aggregates into figure rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise


class Kind(StrEnum):
    COUNT = "count"  # people or events: under five shows as "<5", the rest rounded to fives
    DAYS = "days"  # a median or percentile of days: shown only with five observations or more
    PUBLIC = "public"  # public figures (CBS population): shown as they are


@dataclass(frozen=True)
class Measure:
    code: str
    title: Promise | str
    kind: Kind = Kind.COUNT


@dataclass(frozen=True)
class Topic:
    code: str
    title: Promise | str
    measures: tuple[Measure, ...]
    statements: tuple[str, ...]


# The breakdowns of the data: the key column in the statement's rows ``b``. Rows are grouped
# by ids (fast); ``insert`` puts in each member's code and name from ``stat_member``.
COLUMNS = {
    "municipality": "b.mun_id",
    "local_team": "b.team_id",
    "segment": "b.segment",
    "product": "b.product_id",
    "provider": "b.provider_id",
}
CASE_DIMENSIONS = ("municipality", "local_team")
CARE_DIMENSIONS = ("segment", "product", "provider")
ALL_DIMENSIONS = CASE_DIMENSIONS + CARE_DIMENSIONS


@dataclass(frozen=True)
class Breakdown:
    grouping_sets: str
    dimension: str
    member: str

    @property
    def columns(self) -> str:
        """The output columns ``dimension`` and ``member`` of a grouped row."""
        return f"{self.dimension} AS dimension, {self.member} AS member"


def breakdown(dimensions: tuple[str, ...], *, region_total: bool = True) -> Breakdown:
    """GROUPING SETS over ``dimensions`` (and the region as a whole), with the expressions that
    name each output row's dimension and member key (NULL for the region)."""
    sets = ["()"] if region_total else []
    sets += [f"({COLUMNS[d]})" for d in dimensions]
    dimension = " ".join(f"WHEN GROUPING({COLUMNS[d]}) = 0 THEN '{d}'" for d in dimensions)
    member = " ".join(
        f"WHEN GROUPING({COLUMNS[d]}) = 0 THEN {COLUMNS[d]}::text" for d in dimensions
    )
    return Breakdown(
        grouping_sets=f"GROUPING SETS ({', '.join(sets)})",
        dimension=f"CASE {dimension} ELSE 'region' END",
        member=f"CASE {member} END",
    )


def insert(select: str, measures: list[tuple[str, str, str, str | None]]) -> str:
    """``INSERT`` the rows of ``select`` (with columns kind, start, "end", dimension, member
    and the aggregates) as figures: one per (measure, category SQL, value SQL, observations
    SQL) for each row."""
    values = ",\n        ".join(
        f"('{code}', {category}, ({value})::float8, ({observations or 'NULL'})::int)"
        for code, category, value, observations in measures
    )
    return f"""
INSERT INTO dashboard_figure (region_id, period_kind, period_start, period_end, dimension,
                              member, label, measure, category, value, observations)
SELECT %(region)s, g.kind, g.start, g."end", g.dimension,
       coalesce(sm.code, %(region_code)s), coalesce(sm.label, %(region_name)s),
       m.measure, m.category, m.value, m.observations
FROM ({select}) g
LEFT JOIN stat_member sm ON sm.dimension = g.dimension AND sm.key = g.member
CROSS JOIN LATERAL (VALUES
        {values}
) AS m(measure, category, value, observations)
WHERE m.value IS NOT NULL
"""


# The region's cases and referrals with everything a breakdown needs, made once per refresh
# and read by every topic: (table, the SELECT that fills it). A refresh on one connection makes
# them temporary tables; one over several connections, unlogged tables in a schema of its own
# (dashboard/services.py).
SETUP = (
    (
        "stat_case",
        """
SELECT c.id AS case_id, c.family_id, c.opened_on, c.closed_on, c.close_reason,
       c.is_repeat_care, fa.municipality_id AS mun_id, c.local_team_id AS team_id,
       c.closed_on IS NULL OR c.closed_on > c.opened_on AS open_a_day,
       -- the opening of the family's next case that was open at least a day: a family's
       -- cases follow one another (at most one is open at a time)
       lead(c.opened_on) OVER (
           PARTITION BY c.family_id, c.closed_on IS NULL OR c.closed_on > c.opened_on
           ORDER BY c.opened_on, c.id) AS next_opened
FROM casusregie_case c
JOIN casusregie_family fa ON fa.id = c.family_id
JOIN casusregie_municipality m ON m.id = fa.municipality_id
WHERE m.region_id = %(region)s
""",
    ),
    (
        "stat_referral",
        """
SELECT r.id, r.case_id, r.youth_id, r.status, r.sent_on, r.answered_on, r.decline_code,
       r.started_on, r.ended_on, r.expired_on, r.bridging_from, r.end_code, c.family_id,
       c.closed_on AS case_closed_on,
       fa.municipality_id AS mun_id, c.local_team_id AS team_id,
       pr.segment_id AS segment, r.product_id, pr.specialist, pr.out_of_home, r.provider_id
FROM referrals_referral r
JOIN casusregie_case c ON c.id = r.case_id
JOIN casusregie_family fa ON fa.id = c.family_id
JOIN casusregie_municipality m ON m.id = fa.municipality_id
JOIN referrals_product pr ON pr.id = r.product_id
WHERE m.region_id = %(region)s AND r.sent_on IS NOT NULL
""",
    ),
    (
        "stat_member",
        """
SELECT 'municipality' AS dimension, id::text AS key, code, name AS label
FROM casusregie_municipality WHERE region_id = %(region)s
UNION ALL SELECT 'local_team', id::text, ref, name FROM casusregie_localteam
UNION ALL SELECT 'segment', id::text, code, name FROM referrals_segment
UNION ALL SELECT 'product', id::text, code, name FROM referrals_product
UNION ALL SELECT 'provider', id::text, ref, name FROM referrals_provider
""",
    ),
)
ANALYZED = ("stat_case", "stat_referral")  # the large ones, which the planner must know

# The region's open cases, as the rulebook's rules expect them (flags/rules/__init__.py).
OPEN_CASE = """
open_case AS (
    SELECT case_id, family_id, opened_on, team_id AS local_team_id
    FROM stat_case WHERE closed_on IS NULL
)"""
