from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# An escalation of the open case, submitted and not yet discussed. start: submitted_on.
SQL = """
SELECT e.id AS subject_id, oc.case_id, e.submitted_on AS start
FROM open_case oc
JOIN escalations_escalation e ON e.case_id = oc.case_id
WHERE e.discussed_on IS NULL
"""

RULE = Rule(
    code="ESCALATION_NOT_DISCUSSED",
    title=_("Aanmelding experttafel niet besproken"),
    explanation=_(
        "Deze casus is aangemeld bij de Regionale Experttafel maar nog niet besproken. Plan de "
        "casus op een zitting: de tafel zoekt op korte termijn passende hulp."
    ),
    subject=SubjectType.ESCALATION,
    owner=OwnerRole.EXPERT_TABLE_CHAIR,
    unit=Unit.WORKING_DAYS,
    defaults=Thresholds(violation=10),
    source="004 (RET: op korte termijn passende hulp)",
    sql=SQL,
)
