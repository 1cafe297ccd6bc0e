"""Waiting times against the treeknorm, and the referrals waiting now.

- *Aanmeldwachttijd*: days from ``sent_on`` to ``answered_on`` of referrals accepted by the
  provider (status accepted, started or ended), in the period in which they were accepted.
- *Behandelwachttijd*: days from ``answered_on`` to ``started_on`` of referrals whose care
  started, in the period in which care started.
- Median and 90th percentile (``percentile_cont``: interpolated), with the number of waits and
  how many were within the norm (at most the norm's days).
- The norms are the region's thresholds of WAITING_TIME_EXCEEDED (RULES.md, treeknorm 4 + 6
  weeks): the warning (default 28 days) is the norm from sent to accepted, the violation minus
  the warning (default 70 − 28 = 42 days) the norm from accepted to started.
- Waiting now: referrals sent and not answered, and accepted and not started, on the refresh
  date, and how many of them have waited longer than the norm.
- Youths waiting now, with and without bridging support (RULES.md v2, WAITING_WITHOUT_BRIDGING):
  the youths with a referral waiting on the refresh date in the same sense (sent or accepted,
  care not started); *met overbrugging* when one of their waiting referrals has bridging
  support that has begun by then (``bridging_from`` on or before the date), otherwise *zonder*.
  With + without = waiting. By segment, product or provider a youth counts with its waiting
  referrals of that kind (a youth waiting for two kinds counts under both).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import ALL_DIMENSIONS, Kind, Measure, Topic, breakdown, insert

_all = breakdown(ALL_DIMENSIONS)


def _realised(leg: str, day: str, wait: str, statuses: str, norm: str) -> str:
    return insert(
        f"""
SELECT p.kind, p.start, p."end", {_all.columns},
       count(*) AS n,
       count(*) FILTER (WHERE {wait} <= %({norm})s) AS within_norm,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY {wait}) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY {wait}) AS p90
FROM stat_referral b
JOIN stat_period p ON b.{day} BETWEEN p.start AND p."end" AND p.kind <> 'now'
WHERE b.status IN ({statuses})
GROUP BY p.kind, p.start, p."end", {_all.grouping_sets}
""",
        [
            (f"{leg}_count", "''", "n", None),
            (f"{leg}_within_norm", "''", "within_norm", None),
            (f"{leg}_wait_median", "''", "round(median::numeric, 1)", "n"),
            (f"{leg}_wait_p90", "''", "round(p90::numeric, 1)", "n"),
        ],
    )


ACCEPT = _realised(
    "accept",
    "answered_on",
    "b.answered_on - b.sent_on",
    "'accepted', 'started', 'ended'",
    "accept_norm",
)
START = _realised(
    "start", "started_on", "b.started_on - b.answered_on", "'started', 'ended'", "start_norm"
)

WAITING_NOW = insert(
    f"""
SELECT p.kind, p.start, p."end", {_all.columns},
       count(*) FILTER (WHERE b.status = 'sent') AS for_answer,
       count(*) FILTER (WHERE b.status = 'sent' AND p."end" - b.sent_on > %(accept_norm)s)
           AS for_answer_over_norm,
       count(*) FILTER (WHERE b.status = 'accepted') AS for_start,
       count(*) FILTER (WHERE b.status = 'accepted'
                          AND p."end" - b.answered_on > %(start_norm)s) AS for_start_over_norm
FROM stat_referral b
JOIN stat_period p ON p.kind = 'now'
WHERE b.status IN ('sent', 'accepted')
GROUP BY p.kind, p.start, p."end", {_all.grouping_sets}
""",
    [
        ("waiting_for_answer", "''", "for_answer", None),
        ("waiting_for_answer_over_norm", "''", "for_answer_over_norm", None),
        ("waiting_for_start", "''", "for_start", None),
        ("waiting_for_start_over_norm", "''", "for_start_over_norm", None),
    ],
)

WAITING_YOUTHS = insert(
    f"""
SELECT kind, start, "end", dimension, member, count(*) AS waiting,
       count(*) FILTER (WHERE bridged) AS bridged
FROM (
    SELECT p.kind, p.start, p."end", {_all.columns}, b.youth_id,
           bool_or(b.bridging_from IS NOT NULL AND b.bridging_from <= p."end") AS bridged
    FROM stat_referral b
    JOIN stat_period p ON p.kind = 'now'
    WHERE b.status IN ('sent', 'accepted')
    GROUP BY p.kind, p.start, p."end", b.youth_id, {_all.grouping_sets}
) y
GROUP BY kind, start, "end", dimension, member
""",
    [
        ("waiting_youths", "''", "waiting", None),
        ("waiting_youths_bridged", "''", "bridged", None),
        ("waiting_youths_unbridged", "''", "waiting - bridged", None),
    ],
)

# The norms the figures were computed with, shown beside them.
NORMS = """
INSERT INTO dashboard_figure (region_id, period_kind, period_start, period_end, dimension,
                              member, label, measure, category, value, observations)
VALUES (%(region)s, 'now', %(d)s, %(d)s, 'region', %(region_code)s, %(region_name)s,
        'treeknorm_accept_days', '', %(accept_norm)s, NULL),
       (%(region)s, 'now', %(d)s, %(d)s, 'region', %(region_code)s, %(region_name)s,
        'treeknorm_start_days', '', %(start_norm)s, NULL)
"""

TOPIC = Topic(
    code="waiting",
    title=_("Wachttijden"),
    measures=(
        Measure("accept_count", _("Toegewezen")),
        Measure("accept_within_norm", _("Toegewezen binnen de norm")),
        Measure("accept_wait_median", _("Aanmeldwachttijd, mediaan"), Kind.DAYS),
        Measure("accept_wait_p90", _("Aanmeldwachttijd, 90e percentiel"), Kind.DAYS),
        Measure("start_count", _("Gestart")),
        Measure("start_within_norm", _("Gestart binnen de norm")),
        Measure("start_wait_median", _("Behandelwachttijd, mediaan"), Kind.DAYS),
        Measure("start_wait_p90", _("Behandelwachttijd, 90e percentiel"), Kind.DAYS),
        Measure("waiting_for_answer", _("Wacht nu op antwoord")),
        Measure("waiting_for_answer_over_norm", _("Wacht op antwoord, langer dan de norm")),
        Measure("waiting_for_start", _("Wacht nu op start")),
        Measure("waiting_for_start_over_norm", _("Wacht op start, langer dan de norm")),
        Measure("waiting_youths", _("Wachtende jeugdigen")),
        Measure("waiting_youths_bridged", _("met overbrugging")),
        Measure("waiting_youths_unbridged", _("zonder overbrugging")),
        Measure("treeknorm_accept_days", _("Treeknorm aanmelding (dagen)"), Kind.PUBLIC),
        Measure("treeknorm_start_days", _("Treeknorm behandeling (dagen)"), Kind.PUBLIC),
    ),
    statements=(NORMS, ACCEPT, START, WAITING_NOW, WAITING_YOUTHS),
)
