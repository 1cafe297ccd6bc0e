from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A referral declined on S (answered_on) or expired unanswered on S (expired_on) — silence is a
# no too — with no other referral for the same youth (in the open case) sent on or after S. An
# escalation does not end the flag: a new referral does.
SQL = """
SELECT refused.subject_id, refused.case_id, refused.start
FROM (
    SELECT r.id AS subject_id, oc.case_id, r.youth_id,
           CASE r.status WHEN 'declined' THEN r.answered_on ELSE r.expired_on END AS start
    FROM open_case oc
    JOIN referrals_referral r ON r.case_id = oc.case_id
    WHERE r.status IN ('declined', 'expired')
) refused
WHERE NOT EXISTS (
    SELECT 1 FROM referrals_referral other
    WHERE other.case_id = refused.case_id AND other.youth_id = refused.youth_id
      AND other.id <> refused.subject_id AND other.sent_on >= refused.start
)
"""

RULE = Rule(
    code="DECLINED_WITHOUT_ALTERNATIVE",
    title=_("Afgewezen of verlopen zonder alternatief"),
    explanation=_(
        "Deze verwijzing is afgewezen, of verlopen zonder antwoord, en de jeugdige heeft nog "
        "geen nieuwe verwijzing. Geen nee zonder alternatief, en zwijgen is ook nee: verwijs "
        "opnieuw, of meld de casus aan bij de Regionale Experttafel."
    ),
    subject=SubjectType.REFERRAL,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.WORKING_DAYS,
    defaults=Thresholds(violation=10, escalate_after=0),
    source="001 Bijlage E (geen nee, zonder alternatief)",
    sql=SQL,
)
