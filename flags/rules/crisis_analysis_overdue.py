from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A referral for a crisis product (the product's mark crisis), started on S and not ended (the
# end date counts as ended), while the case has no analysis established on or before D. Crisis
# care may start before the analysis; the analysis is then due. Any established version counts,
# as for REFERRAL_WITHOUT_ANALYSIS. start: the start of care.
SQL = """
SELECT r.id AS subject_id, oc.case_id, r.started_on AS start
FROM open_case oc
JOIN referrals_referral r ON r.case_id = oc.case_id
JOIN referrals_product pr ON pr.id = r.product_id AND pr.crisis
WHERE r.started_on <= %(d)s AND (r.ended_on IS NULL OR r.ended_on > %(d)s)
  AND NOT EXISTS (
      SELECT 1 FROM analyses_analysis a
      WHERE a.case_id = oc.case_id AND a.status = 'established' AND a.established_on <= %(d)s
  )
"""

RULE = Rule(
    code="CRISIS_ANALYSIS_OVERDUE",
    title=_("Crisiszorg zonder vastgestelde analyse"),
    explanation=_(
        "De crisiszorg voor deze jeugdige is gestart zonder vastgestelde verklarende analyse. "
        "Crisiszorg mag direct beginnen, maar werk dan meteen aan perspectief: stel de analyse "
        "samen met het gezin vast."
    ),
    subject=SubjectType.REFERRAL,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(warning=14, violation=28),
    source="001 (crisis: tijdelijke, veilige plek, direct perspectief); 003; afgeleide drempel",
    sql=SQL,
)
