from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A referral declined on S with no other referral for the same youth (in the open case) sent
# on or after S. An escalation does not end the flag: a new referral does.
SQL = """
SELECT r.id AS subject_id, oc.case_id, r.answered_on AS start
FROM open_case oc
JOIN referrals_referral r ON r.case_id = oc.case_id
WHERE r.status = 'declined'
  AND NOT EXISTS (
      SELECT 1 FROM referrals_referral other
      WHERE other.case_id = oc.case_id AND other.youth_id = r.youth_id AND other.id <> r.id
        AND other.sent_on >= r.answered_on
  )
"""

RULE = Rule(
    code="DECLINED_WITHOUT_ALTERNATIVE",
    title=_("Afgewezen zonder alternatief"),
    explanation=_(
        "Deze verwijzing is afgewezen en de jeugdige heeft nog geen nieuwe verwijzing. Geen nee "
        "zonder alternatief: verwijs opnieuw, of meld de casus aan bij de Regionale Experttafel."
    ),
    subject=SubjectType.REFERRAL,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.WORKING_DAYS,
    defaults=Thresholds(violation=10, escalate_after=0),
    source="001 Bijlage E (geen nee, zonder alternatief)",
    sql=SQL,
)
