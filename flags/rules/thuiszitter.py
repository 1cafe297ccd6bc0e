from django.utils.translation import gettext_lazy as _

from flags.models import OwnerRole, SubjectType

from .base import Rule, Thresholds, Unit

# A youth of compulsory-education age (5 <= age < 18, no startkwalificatie) whose current
# education period is not_enrolled/absent. start: the first period of the unbroken run of
# not_enrolled/absent periods that is current on D, or the 5th birthday if that is later.
SQL = """
WITH youth AS (
    SELECT y.id AS youth_id, oc.case_id, y.birth_date
    FROM casusregie_youth y
    JOIN open_case oc ON oc.family_id = y.family_id
    WHERE NOT y.has_startkwalificatie
      AND %(d)s >= flags_birthday(y.birth_date, 5)
      AND %(d)s < flags_birthday(y.birth_date, 18)
), period AS (
    SELECT e.youth_id, e.from_date, e.status IN ('not_enrolled', 'absent') AS at_home
    FROM casusregie_educationperiod e
    JOIN youth ON youth.youth_id = e.youth_id
    WHERE e.from_date <= %(d)s
), current AS (
    SELECT DISTINCT ON (youth_id) youth_id, at_home
    FROM period ORDER BY youth_id, from_date DESC
), last_break AS (
    SELECT youth_id, max(from_date) AS from_date FROM period WHERE NOT at_home GROUP BY youth_id
), run AS (
    SELECT p.youth_id, min(p.from_date) AS start
    FROM period p
    JOIN current c ON c.youth_id = p.youth_id AND c.at_home
    LEFT JOIN last_break b ON b.youth_id = p.youth_id
    WHERE b.from_date IS NULL OR p.from_date > b.from_date
    GROUP BY p.youth_id
)
SELECT youth.youth_id AS subject_id, youth.case_id,
       greatest(run.start, flags_birthday(youth.birth_date, 5)) AS start
FROM run JOIN youth ON youth.youth_id = run.youth_id
"""

RULE = Rule(
    code="THUISZITTER_3M",
    title=_("Thuiszitter langer dan drie maanden"),
    explanation=_(
        "Deze jeugdige is leerplichtig maar zit thuis: niet ingeschreven of ingeschreven maar "
        "afwezig. Geen jeugdige zit langer dan drie maanden thuis; zorg samen met school en "
        "leerplicht voor een passende plek."
    ),
    subject=SubjectType.YOUTH,
    owner=OwnerRole.REGISSEUR,
    unit=Unit.MONTHS,
    defaults=Thresholds(warning=1, violation=3, escalate_after=28),
    source="001 §2.3 pijler 1.3",
    sql=SQL,
)
