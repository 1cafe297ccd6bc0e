from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A referral still waiting for care (sent or accepted) with no bridging support (overbrugging)
# recorded on it. Recorded bridging ends the flag, whatever date it is recorded from.
# start: sent_on.
SQL = """
SELECT r.id AS subject_id, oc.case_id, r.sent_on AS start
FROM open_case oc
JOIN referrals_referral r ON r.case_id = oc.case_id
WHERE r.status IN ('sent', 'accepted') AND r.bridging_from IS NULL
"""

RULE = Rule(
    code="WAITING_WITHOUT_BRIDGING",
    title=_("Wachten zonder overbrugging"),
    explanation=_(
        "Deze jeugdige wacht al lang op zorg en er is geen overbrugging vastgelegd. Regel hulp "
        "voor de wachttijd en leg vast wat er gebeurt, door wie en vanaf wanneer."
    ),
    subject=SubjectType.REFERRAL,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(violation=28),
    source="004 (overbruggingsaanpak bij wachttijden); afgeleide drempel (treeknorm, 4 weken)",
    sql=SQL,
)
