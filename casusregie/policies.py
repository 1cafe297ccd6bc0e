"""Who may see and change what, per object (the `rules` library).

One source of truth: each policy is a queryset filter (``family_scope``) so that lists are
filtered in SQL, and the object-level `rules` predicates ask the same filter about one object.
Views, the admin and the API use these; a family outside the scope is a 404, never a 403.

- a worker (regisseur role) sees families of the municipalities their local team serves;
- a team lead sees the families with a case of their own team;
- members of a region's expert table see families with an escalation at their region's table,
  and only while the family's consent for the expert table is in force;
- policy staff see aggregates only: no family;
- a provider sees its own referrals (``referrals.selectors.referrals_for_provider``);
- a superuser (technical set-up account) sees everything, every read still logged.
"""

from __future__ import annotations

import datetime as dt

import rules
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import Case, Consent, ConsentPurpose, Family, Role, Worker


def roles_of(user) -> frozenset[str]:
    """The user's roles, read once per request object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_casusregie_roles", None)
    if cached is None:
        cached = frozenset(user.role_memberships.values_list("role", flat=True))
        user._casusregie_roles = cached
    return cached


def consent_for_expert_table(on: dt.date) -> Q:
    """Consents (on Consent) that let the expert table see the case on ``on``."""
    return Q(purpose=ConsentPurpose.EXPERT_TABLE, given_on__lte=on) & (
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on)
    )


CASE_WORK_ROLES = frozenset({Role.REGISSEUR, Role.TEAM_LEAD})
EXPERT_TABLE_ROLES = frozenset({Role.EXPERT_TABLE, Role.EXPERT_TABLE_CHAIR})


def family_scope(user, on: dt.date | None = None, roles: frozenset[str] | None = None) -> Q:
    """A filter on Family: the families whose personal data ``user`` may see.

    ``roles`` narrows the roles taken into account (e.g. only the case-work roles).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    roles = roles_of(user) if roles is None else roles_of(user) & roles
    on = on or timezone.localdate()
    scope = Q(pk__in=[])
    if Role.REGISSEUR in roles and user.local_team_id:
        scope |= Q(municipality__local_teams=user.local_team_id)
    if Role.TEAM_LEAD in roles and user.local_team_id:
        scope |= Q(
            Exists(Case.objects.filter(family=OuterRef("pk"), local_team=user.local_team_id))
        )
    if roles & EXPERT_TABLE_ROLES and user.region_id:
        from escalations.models import Escalation

        consented = Consent.objects.filter(consent_for_expert_table(on), case=OuterRef("case"))
        escalated = Escalation.objects.filter(
            Exists(consented),
            case__family=OuterRef("pk"),
            case__family__municipality__region=user.region_id,
        )
        scope |= Q(Exists(escalated))
    return scope


def visible_families(user, roles: frozenset[str] | None = None):
    """The families ``user`` may see (no duplicates, one query when evaluated)."""
    inner = Family.objects.filter(family_scope(user, roles=roles)).values("pk")
    return Family.objects.filter(pk__in=inner)


def may_see_family(user, family: Family, roles: frozenset[str] | None = None) -> bool:
    return visible_families(user, roles=roles).filter(pk=family.pk).exists()


# --- rules predicates -------------------------------------------------------------------------


@rules.predicate
def can_see_family(user: Worker, family: Family | None) -> bool:
    if family is None:
        return False
    return may_see_family(user, family)


@rules.predicate
def works_the_case(user: Worker, family: Family | None) -> bool:
    """Team members who do the case work: the regisseur role or the team lead, not the table."""
    if family is None:
        return False
    return may_see_family(user, family, roles=CASE_WORK_ROLES)


@rules.predicate
def leads_the_team(user: Worker, family: Family | None) -> bool:
    """The team lead of a team that has (had) a case of this family."""
    if family is None:
        return False
    return may_see_family(user, family, roles=frozenset({Role.TEAM_LEAD}))


@rules.predicate
def sees_aggregates(user: Worker) -> bool:
    return bool(roles_of(user) & ({Role.POLICY} | EXPERT_TABLE_ROLES))


@rules.predicate
def is_team_lead(user: Worker) -> bool:
    return Role.TEAM_LEAD in roles_of(user)


rules.add_perm("casusregie.view_family_record", can_see_family)
rules.add_perm("casusregie.change_family_record", works_the_case)
rules.add_perm("casusregie.reveal_bsn", works_the_case)
rules.add_perm("casusregie.manage_consent", works_the_case)
rules.add_perm("casusregie.export_access_history", leads_the_team)
rules.add_perm("casusregie.view_statistics", sees_aggregates)
