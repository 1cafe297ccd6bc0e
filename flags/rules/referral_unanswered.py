from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A referral still `sent`: not accepted, declined, withdrawn or expired. start: sent_on.
SQL = """
SELECT r.id AS subject_id, oc.case_id, r.sent_on AS start
FROM open_case oc
JOIN referrals_referral r ON r.case_id = oc.case_id
WHERE r.status = 'sent'
"""

RULE = Rule(
    code="REFERRAL_UNANSWERED",
    title=_("Verwijzing niet beantwoord"),
    explanation=_(
        "De zorgaanbieder heeft deze verwijzing nog niet toegewezen of afgewezen. Neem contact "
        "op met de aanbieder; de aanbieder is ook op de hoogte gebracht."
    ),
    subject=SubjectType.REFERRAL,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.WORKING_DAYS,
    defaults=Thresholds(violation=5),
    source="001 §2.3 pijler 2.3 (wachttijden); afgeleide drempel",
    sql=SQL,
)
