from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A youth aged 16 or more with specialist care started and not ended (the end date counts as
# ended) and no perspective plan of kind transition_18, whatever its status.
# start: the later of the 16th birthday and the earliest start of the care still running.
SQL = """
SELECT y.id AS subject_id, oc.case_id,
       greatest(flags_birthday(y.birth_date, 16), min(r.started_on)) AS start
FROM open_case oc
JOIN casusregie_youth y ON y.family_id = oc.family_id
JOIN referrals_referral r ON r.case_id = oc.case_id AND r.youth_id = y.id
JOIN referrals_product pr ON pr.id = r.product_id AND pr.specialist
WHERE %(d)s >= flags_birthday(y.birth_date, 16)
  AND r.started_on <= %(d)s AND (r.ended_on IS NULL OR r.ended_on > %(d)s)
  AND NOT EXISTS (
      SELECT 1 FROM plans_perspectiveplan pp
      WHERE pp.case_id = oc.case_id AND pp.youth_id = y.id AND pp.kind = 'transition_18'
  )
GROUP BY y.id, oc.case_id
"""

RULE = Rule(
    code="PERSPECTIVE_PLAN_16",
    title=_("Geen toekomstplan vanaf 16 jaar"),
    explanation=_(
        "Deze jeugdige is 16 of ouder en krijgt specialistische hulp, maar heeft nog geen "
        "toekomstplan voor de overgang naar 18. Begin het perspectiefplan 18-/18+."
    ),
    subject=SubjectType.YOUTH,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(violation=0),
    source="004 (perspectiefplan op 16); 003 (toekomstplan 16e jaar)",
    sql=SQL,
)
