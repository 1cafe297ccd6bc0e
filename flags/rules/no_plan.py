from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# An open case with no agreed plan. start: the case's opening.
SQL = """
SELECT oc.case_id AS subject_id, oc.case_id, oc.opened_on AS start
FROM open_case oc
WHERE NOT EXISTS (
    SELECT 1 FROM plans_plan p
    WHERE p.case_id = oc.case_id AND p.is_current AND p.agreed_on <= %(d)s
)
"""

RULE = Rule(
    code="NO_PLAN",
    title=_("Geen afgesproken plan"),
    explanation=_(
        "Deze casus heeft nog geen plan dat met het gezin is afgesproken. Eén gezin, één plan: "
        "leg doelen, acties en evaluatiemomenten vast."
    ),
    subject=SubjectType.CASE,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(warning=28, violation=42),
    source="001 Bijlage D (GARP)",
    sql=SQL,
)
