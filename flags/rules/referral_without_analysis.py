from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A referral for a specialist product that is not crisis care, now sent/accepted/started, that
# was sent while the case had no established analysis (none, a draft, or established after the
# sent date). Crisis care may start before the analysis (CRISIS_ANALYSIS_OVERDUE asks for it). Any
# established version counts, not only the current one: a referral sent while version 1 was in
# force stays valid when version 2 is established later (analyses.services).
SQL = """
SELECT r.id AS subject_id, oc.case_id, r.sent_on AS start
FROM open_case oc
JOIN referrals_referral r ON r.case_id = oc.case_id
JOIN referrals_product pr ON pr.id = r.product_id AND pr.specialist AND NOT pr.crisis
WHERE r.status IN ('sent', 'accepted', 'started')
  AND NOT EXISTS (
      SELECT 1 FROM analyses_analysis a
      WHERE a.case_id = oc.case_id AND a.status = 'established'
        AND a.established_on <= r.sent_on
  )
"""

RULE = Rule(
    code="REFERRAL_WITHOUT_ANALYSIS",
    title=_("Verwijzing zonder vastgestelde analyse"),
    explanation=_(
        "Deze verwijzing naar specialistische hulp is verstuurd zonder vastgestelde verklarende "
        "analyse. Stel de analyse samen met het gezin vast; die gaat aan elke verwijzing vooraf."
    ),
    subject=SubjectType.REFERRAL,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(violation=0),
    source="001 §2.3 pijler 1.1",
    sql=SQL,
)
