from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# An open case without regie on D: no current regisseur, and no GI holding regie ("regie bij de
# GI": an involved professional with holds_regie, in force on D). start: the case's opening, or
# the end of its last regisseur period or of its last GI regie, whichever is latest.
SQL = """
SELECT oc.case_id AS subject_id, oc.case_id,
       greatest(oc.opened_on, (
           SELECT max(p.until) FROM casusregie_regisseurperiod p
           WHERE p.case_id = oc.case_id AND p.until <= %(d)s
       ), (
           SELECT max(g.until) FROM casusregie_involvedprofessional g
           WHERE g.case_id = oc.case_id AND g.holds_regie AND g.until <= %(d)s
       )) AS start
FROM open_case oc
WHERE NOT EXISTS (
    SELECT 1 FROM casusregie_regisseurperiod p
    WHERE p.case_id = oc.case_id AND p.from_date <= %(d)s AND (p.until IS NULL OR p.until > %(d)s)
)
AND NOT EXISTS (
    SELECT 1 FROM casusregie_involvedprofessional g
    WHERE g.case_id = oc.case_id AND g.holds_regie
      AND g.from_date <= %(d)s AND (g.until IS NULL OR g.until > %(d)s)
)
"""

RULE = Rule(
    code="NO_REGISSEUR",
    title=_("Casus zonder regisseur"),
    explanation=_(
        "Deze open casus heeft geen regisseur en de regie ligt ook niet bij een GI. Elk gezin "
        "heeft één regisseur met overzicht en eindverantwoordelijkheid: wijs als teamleider een "
        "regisseur toe."
    ),
    subject=SubjectType.CASE,
    owner=OwnerRole.TEAM_LEAD,
    unit=Unit.WORKING_DAYS,
    defaults=Thresholds(violation=5),
    source="001 Bijlage D (GARP, regie)",
    sql=SQL,
)
