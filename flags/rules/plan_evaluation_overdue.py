from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# The current plan's earliest planned evaluation that has not been held. start: its date.
SQL = """
SELECT oc.case_id AS subject_id, oc.case_id, min(e.planned_on) AS start
FROM open_case oc
JOIN plans_plan p ON p.case_id = oc.case_id AND p.is_current
JOIN plans_evaluation e ON e.plan_id = p.id AND e.held_on IS NULL
GROUP BY oc.case_id
HAVING min(e.planned_on) < %(d)s
"""

RULE = Rule(
    code="PLAN_EVALUATION_OVERDUE",
    title=_("Evaluatie van het plan te laat"),
    explanation=_(
        "De geplande evaluatie van het plan is niet gehouden. Evalueer het plan met het gezin "
        "en leg de uitkomst vast."
    ),
    subject=SubjectType.CASE,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.DAYS,
    defaults=Thresholds(violation=14),
    source="000 (afbouw en evaluatie); afgeleide drempel",
    sql=SQL,
)
