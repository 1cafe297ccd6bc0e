"""Who may do what at the Regionale Experttafel (the `rules` library), used by views and admin.

- the table of a region is its workers with the role ``expert_table`` or ``expert_table_chair``
  and that region: they see its queue, sessions and figures; everyone else gets a 404;
- the chair (``expert_table_chair``) alone plans sessions, sets agendas and records decisions;
- a case's regisseur (today) brings it to the table, sees the outcome of its escalations, sends
  the referral of a tailored arrangement; regisseur or chair marks the follow-up done;
- personal data of an escalated family (names, analysis, plan, referrals) reach the table only
  while the family's consent for the expert table is in force — the same rule as
  ``casusregie.policies.family_scope``; without it the table sees the family ref and the
  question, no names.

Tables (issue 19): a region has its expert table and may configure others (Beschermingstafel,
Zorgbemiddelingstafel, ...). A worker with an expert-table role sits at the region's expert table
and at each other table of the region that lists them as a member; the chair role chairs the
tables the worker sits at. An escalation or a session belongs to one table: whoever does not sit
at that table gets a 404 for it, like another region's.

Object-level predicates take an escalation, a session, a table, a region (or its id); queryset
filters (``table_escalations``, ``table_sessions``) make lists obey the same rule in SQL.
"""

from __future__ import annotations

import datetime as dt

import rules
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from casusregie.models import Consent, Region, RegisseurPeriod, Role, Worker
from casusregie.policies import (
    EXPERT_TABLE_ROLES,
    add_family_scope,
    consent_for_expert_table,
    roles_of,
)

from .models import Escalation, Table, TableKind, TableSession


def table_region_id(user) -> int | None:
    """The region whose expert table ``user`` sits at (member or chair), or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if roles_of(user) & EXPERT_TABLE_ROLES and user.region_id:
        return user.region_id
    return None


def chaired_region_id(user) -> int | None:
    """The region whose expert table ``user`` chairs, or None."""
    region = table_region_id(user)
    if region is not None and Role.EXPERT_TABLE_CHAIR in roles_of(user):
        return region
    return None


def tables_of(user) -> QuerySet[Table]:
    """The tables ``user`` sits at: the region's expert table, and the region's other tables
    that list them as a member (only with an expert-table role)."""
    region = table_region_id(user)
    if region is None:
        return Table.objects.none()
    mine = Table.members.through.objects.filter(worker=user.pk).values("table")
    return Table.objects.filter(Q(kind=TableKind.EXPERT_TABLE) | Q(pk__in=mine), region=region)


def table_of(obj) -> int | None:
    """The table an escalation, session or table belongs to (None for a region)."""
    if isinstance(obj, Table):
        return obj.pk
    if isinstance(obj, Escalation | TableSession):
        return obj.table_id
    return None


def _at_table_of(user, obj) -> bool:
    table = table_of(obj)
    return table is None or tables_of(user).filter(pk=table).exists()


def region_of(obj) -> int | None:
    """The region an escalation, session or region (id) belongs to."""
    if obj is None:
        return None
    if isinstance(obj, int):
        return obj
    if isinstance(obj, Region):
        return obj.pk
    if isinstance(obj, TableSession | Table):
        return obj.region_id
    if isinstance(obj, Escalation):
        return obj.case.family.municipality.region_id
    raise TypeError(f"no region for {type(obj).__name__}")


def consent_in_force(on: dt.date | None = None, case_path: str = "case") -> Exists:
    """Annotation (on Escalation; elsewhere name the ``case_path``): the family's consent for
    the expert table is in force on ``on`` (today)."""
    on = on or timezone.localdate()
    return Exists(Consent.objects.filter(consent_for_expert_table(on), case=OuterRef(case_path)))


def escalated_families(user: Worker, on: dt.date) -> Q:
    """What the table sees of ``casusregie.policies.family_scope``: the families with an
    escalation at the table of the user's region, while the family's consent for the expert
    table is in force on ``on``."""
    if not user.region_id:
        return Q(pk__in=[])
    consented = Consent.objects.filter(consent_for_expert_table(on), case=OuterRef("case"))
    escalated = Escalation.objects.filter(
        Exists(consented), case__family__municipality__region=user.region_id
    )
    # Uncorrelated, as casusregie.policies.team_families: one hashed subplan, not one per family.
    return Q(pk__in=escalated.values("case__family_id"))


add_family_scope(EXPERT_TABLE_ROLES, escalated_families)


def table_escalations(user, table: Table | None = None) -> QuerySet[Escalation]:
    """The escalations at the tables ``user`` sits at (at ``table`` only, when given; none
    for anyone else)."""
    region = table_region_id(user)
    if region is None:
        return Escalation.objects.none()
    found = Escalation.objects.filter(
        case__family__municipality__region=region, table__in=tables_of(user)
    )
    return found.filter(table=table) if table is not None else found


def table_sessions(user, table: Table | None = None) -> QuerySet[TableSession]:
    """The sessions of the tables ``user`` sits at (of ``table`` only, when given); a
    superuser (set-up account) sees all."""
    if getattr(user, "is_superuser", False) and user.is_active:
        found = TableSession.objects.all()
    elif table_region_id(user) is None:
        return TableSession.objects.none()
    else:
        found = TableSession.objects.filter(region=table_region_id(user), table__in=tables_of(user))
    return found.filter(table=table) if table is not None else found


def regisseur_escalations(user, on: dt.date | None = None) -> QuerySet[Escalation]:
    """Escalations of the open cases where ``user`` is the regisseur on ``on`` (today)."""
    on = on or timezone.localdate()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Escalation.objects.none()
    mine = RegisseurPeriod.objects.in_force(on).filter(worker=user).values("case")
    return Escalation.objects.filter(case__in=mine, case__closed_on__isnull=True)


# --- rules predicates -------------------------------------------------------------------------


@rules.predicate
def sits_at_the_table(user, obj=None) -> bool:
    """A member or the chair of the table (of ``obj``'s region and table, when given)."""
    region = table_region_id(user)
    if region is None:
        return False
    return obj is None or (region_of(obj) == region and _at_table_of(user, obj))


@rules.predicate
def chairs_the_table(user, obj=None) -> bool:
    """The chair of the table (of ``obj``'s region and table, when given)."""
    region = chaired_region_id(user)
    if region is None:
        return False
    return obj is None or (region_of(obj) == region and _at_table_of(user, obj))


@rules.predicate
def is_regisseur_of(user, escalation: Escalation | None) -> bool:
    """The regisseur of the escalation's (open) case today."""
    if escalation is None:
        return False
    return regisseur_escalations(user).filter(pk=escalation.pk).exists()


rules.add_perm("escalations.view_table", sits_at_the_table)
rules.add_perm("escalations.chair_table", chairs_the_table)
rules.add_perm("escalations.send_tailored_referral", is_regisseur_of)
rules.add_perm("escalations.close_escalation", is_regisseur_of | chairs_the_table)
# The view also asks the family's consent for the table when it is the chair who reads.
rules.add_perm("escalations.read_decision_letter", is_regisseur_of | chairs_the_table)
