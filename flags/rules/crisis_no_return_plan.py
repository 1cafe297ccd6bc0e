from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A referral for a crisis or verblijf product, started and not ended, while the youth has no
# perspective plan of kind return_home (whatever its status). start: the start of care.
SQL = """
SELECT r.id AS subject_id, oc.case_id, r.started_on AS start
FROM open_case oc
JOIN referrals_referral r ON r.case_id = oc.case_id
JOIN referrals_product pr ON pr.id = r.product_id AND pr.segment IN ('crisis', 'verblijf')
WHERE r.started_on <= %(d)s AND (r.ended_on IS NULL OR r.ended_on > %(d)s)
  AND NOT EXISTS (
      SELECT 1 FROM plans_perspectiveplan pp
      WHERE pp.case_id = oc.case_id AND pp.youth_id = r.youth_id AND pp.kind = 'return_home'
  )
"""

RULE = Rule(
    code="CRISIS_NO_RETURN_PLAN",
    title=_("Crisis of verblijf zonder terugkeerplan"),
    explanation=_(
        "Deze jeugdige verblijft in crisisopvang of verblijf zonder perspectiefplan voor de "
        "terugkeer naar huis. Een tijdelijke plek vraagt direct perspectief op terugkeer."
    ),
    subject=SubjectType.REFERRAL,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(warning=7, violation=28, escalate_after=14),
    source="001 §2.2.3; 004",
    sql=SQL,
)
