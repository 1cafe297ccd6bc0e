"""Referrals and their outcomes, and the flows between local and regional care.

- *Sent*: referrals with ``sent_on`` in the period; their *outcome* is their status now:
  accepted (accepted, started or ended), declined (by the provider's reason code), expired,
  withdrawn, or still open (sent, no answer yet).
- *Care started* and *care ended* in the period, split into local (a basic product) and
  regional (a specialist product, contracted by the region); specialist care that ended while
  the family's case stayed open is *back to local*, else *case closed*.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import ALL_DIMENSIONS, Measure, Topic, breakdown, insert

_all = breakdown(ALL_DIMENSIONS)

OUTCOMES = insert(
    f"""
SELECT p.kind, p.start, p."end", {_all.columns},
       count(*) AS sent,
       count(*) FILTER (WHERE b.status IN ('accepted', 'started', 'ended')) AS accepted,
       count(*) FILTER (WHERE b.status = 'declined') AS declined,
       count(*) FILTER (WHERE b.status = 'expired') AS expired,
       count(*) FILTER (WHERE b.status = 'withdrawn') AS withdrawn,
       count(*) FILTER (WHERE b.status = 'sent') AS open
FROM stat_referral b
JOIN stat_period p ON b.sent_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {_all.grouping_sets}
""",
    [
        ("referrals_sent", "''", "sent", None),
        ("outcome_accepted", "''", "accepted", None),
        ("outcome_declined", "''", "declined", None),
        ("outcome_expired", "''", "expired", None),
        ("outcome_withdrawn", "''", "withdrawn", None),
        ("outcome_open", "''", "open", None),
    ],
)

DECLINE_REASONS = insert(
    f"""
SELECT p.kind, p.start, p."end", {_all.columns},
       b.reason, count(*) AS declined
FROM (SELECT r.*, coalesce(nullif(r.decline_code, ''), 'other') AS reason
      FROM stat_referral r WHERE r.status = 'declined') b
JOIN stat_period p ON b.sent_on BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", b.reason, {_all.grouping_sets}
""",
    [("declined_by_reason", "g.reason", "declined", None)],
)


def _care_event(measure: str, day: str, category: str) -> str:
    return insert(
        f"""
SELECT p.kind, p.start, p."end", {_all.columns},
       {category} AS category, count(*) AS n
FROM stat_referral b
JOIN stat_period p ON b.{day} BETWEEN p.start AND p."end" AND p.kind <> 'now'
GROUP BY p.kind, p.start, p."end", {category}, {_all.grouping_sets}
""",
        [(measure, "g.category", "n", None)],
    )


CARE_STARTED = _care_event(
    "care_started", "started_on", "CASE WHEN b.specialist THEN 'regional' ELSE 'local' END"
)
CARE_ENDED = _care_event(
    "care_ended",
    "ended_on",
    "CASE WHEN NOT b.specialist THEN 'local'"
    " WHEN b.case_closed_on IS NULL OR b.case_closed_on > b.ended_on THEN 'back_to_local'"
    " ELSE 'case_closed' END",
)

TOPIC = Topic(
    code="referrals",
    title=_("Verwijzingen en doorstroom"),
    measures=(
        Measure("referrals_sent", _("Verzonden")),
        Measure("outcome_accepted", _("Toegewezen")),
        Measure("outcome_declined", _("Afgewezen")),
        Measure("outcome_expired", _("Verlopen")),
        Measure("outcome_withdrawn", _("Ingetrokken")),
        Measure("outcome_open", _("Nog zonder antwoord")),
        Measure("declined_by_reason", _("Afgewezen, naar reden")),
        Measure("care_started", _("Zorg gestart")),
        Measure("care_ended", _("Zorg beëindigd")),
    ),
    statements=(OUTCOMES, DECLINE_REASONS, CARE_STARTED, CARE_ENDED),
)
