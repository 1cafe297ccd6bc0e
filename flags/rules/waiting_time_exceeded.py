from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A referral sent whose care has not started (and that was not declined, withdrawn or expired).
SQL = """
SELECT r.id AS subject_id, oc.case_id, r.sent_on AS start
FROM open_case oc
JOIN referrals_referral r ON r.case_id = oc.case_id
WHERE r.status IN ('sent', 'accepted')
"""

RULE = Rule(
    code="WAITING_TIME_EXCEEDED",
    title=_("Wachttijd overschreden (treeknorm)"),
    explanation=_(
        "De zorg is nog niet gestart, terwijl de verwijzing al lang geleden is verstuurd. De "
        "treeknorm is vier weken tot de toewijzing en zes weken tot de start van de zorg."
    ),
    subject=SubjectType.REFERRAL,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(warning=28, violation=70, escalate_after=14),
    source="004 RET; treeknorm",
    sql=SQL,
)
