from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# Specialist care started and not ended, and no agreed transition_18 perspective plan (also
# after the 18th birthday). start: the later of the 18th birthday minus 6 months (clamped to the
# month's end) and the earliest start of the care still running.
SQL = """
SELECT subject_id, case_id, start FROM (
    SELECT y.id AS subject_id, oc.case_id,
           greatest((flags_birthday(y.birth_date, 18) - interval '6 months')::date,
                    min(r.started_on)) AS start
    FROM open_case oc
    JOIN casusregie_youth y ON y.family_id = oc.family_id
    JOIN referrals_referral r ON r.case_id = oc.case_id AND r.youth_id = y.id
    JOIN referrals_product pr ON pr.id = r.product_id AND pr.specialist
    WHERE r.started_on <= %(d)s AND (r.ended_on IS NULL OR r.ended_on > %(d)s)
      AND NOT EXISTS (
          SELECT 1 FROM plans_perspectiveplan pp
          WHERE pp.case_id = oc.case_id AND pp.youth_id = y.id
            AND pp.kind = 'transition_18' AND pp.status = 'agreed'
      )
    GROUP BY y.id, oc.case_id
) t
WHERE start <= %(d)s
"""

RULE = Rule(
    code="TRANSITION_18",
    title=_("Overgang naar 18 niet geregeld"),
    explanation=_(
        "Deze jeugdige wordt binnen een half jaar 18 (of is al 18) en krijgt specialistische "
        "hulp, zonder afgesproken plan voor de overgang 18-/18+. Spreek het plan af met de "
        "jeugdige, het gezin en de volwassenenzorg."
    ),
    subject=SubjectType.YOUTH,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(violation=0, escalate_after=28),
    source="001 §3.4 (18-/18+)",
    sql=SQL,
)
