from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A referral for a product that places the youth out of home (the product's mark out_of_home:
# verblijf, pleegzorg, gezinshuis, crisisopvang; not crisis help at home), started and not
# ended, while the youth has no perspective plan of kind return_home (whatever its status).
# Never a segment's code: every region cuts its segments differently. start: the start of care.
SQL = """
SELECT r.id AS subject_id, oc.case_id, r.started_on AS start
FROM open_case oc
JOIN referrals_referral r ON r.case_id = oc.case_id
JOIN referrals_product pr ON pr.id = r.product_id AND pr.out_of_home
WHERE r.started_on <= %(d)s AND (r.ended_on IS NULL OR r.ended_on > %(d)s)
  AND NOT EXISTS (
      SELECT 1 FROM plans_perspectiveplan pp
      WHERE pp.case_id = oc.case_id AND pp.youth_id = r.youth_id AND pp.kind = 'return_home'
  )
"""

RULE = Rule(
    code="CRISIS_NO_RETURN_PLAN",
    title=_("Buiten huis geplaatst zonder terugkeerplan"),
    explanation=_(
        "Deze jeugdige woont buiten huis (verblijf, pleegzorg, gezinshuis of crisisopvang) "
        "zonder perspectiefplan voor de terugkeer naar huis. Een tijdelijke plek vraagt direct "
        "perspectief op terugkeer."
    ),
    subject=SubjectType.REFERRAL,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(warning=7, violation=28, escalate_after=14),
    source="001 §2.2.3; 004",
    sql=SQL,
)
