"""Who may see and change what, per object (the `rules` library).

One source of truth: each policy is a queryset filter (``family_scope``) so that lists are
filtered in SQL, and the object-level `rules` predicates ask the same filter about one object.
Views, the admin and the API use these; a family outside the scope is a 404, never a 403.

Need to know, per team (issue 17): a case-work worker (regisseur role, team lead) sees and
changes the families

- with a case of their own local team — open *or closed*: a family stays with the team that
  had it (its file, its reopening), until a confirmed move hands the case to another team;
- with a pending move (``FamilyMove``) to their team: the receiving team, during the move;
- with a pending regie hand-over (``RegieTransfer``) to them: the receiving regisseur;
- for which they broke the glass (``BreakGlassGrant``) and the grant is in force
  (``granted_at <= now < expires_at``): that worker, that family, for ``BREAK_GLASS_HOURS``.

Serving the family's municipality is not enough: a family of another team in the same city
is a 404 like any other family outside the scope. Also:

- members of a region's expert table see families with an escalation at their region's table,
  and only while the family's consent for the expert table is in force (that part of the scope
  is the expert table's: ``escalations.policies``, added here with ``add_family_scope``);
- policy staff see aggregates only: no family;
- a provider sees its own referrals (``referrals.selectors.referrals_for_provider``);
- a superuser (technical set-up account) sees everything, every read still logged.

The scope is one SQL filter (``EXISTS`` subqueries on Family), so a list, an object look-up
(``family_or_404``) and a `rules` predicate each cost one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import rules
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import (
    BreakGlassGrant,
    Case,
    ConsentPurpose,
    Family,
    FamilyMove,
    RegieTransfer,
    RegisseurPeriod,
    Role,
    Worker,
)


def roles_of(user) -> frozenset[str]:
    """The user's roles, read once per request object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return user.role_codes()


def consent_for_expert_table(on: dt.date) -> Q:
    """Consents (on Consent) that let the expert table see the case on ``on``."""
    return Q(purpose=ConsentPurpose.EXPERT_TABLE, given_on__lte=on) & (
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on)
    )


CASE_WORK_ROLES = frozenset({Role.REGISSEUR, Role.TEAM_LEAD})
EXPERT_TABLE_ROLES = frozenset({Role.EXPERT_TABLE, Role.EXPERT_TABLE_CHAIR})


#: Scopes that apps above the core add for their own roles (``add_family_scope``).
_family_scopes: list[tuple[frozenset[str], Callable[[Worker, dt.date], Q]]] = []


def add_family_scope(roles: frozenset[str], scope_of: Callable[[Worker, dt.date], Q]) -> None:
    """Let workers with one of ``roles`` also see the families ``scope_of(user, on)`` selects
    (a filter on Family). For an app above the core whose tables decide what its roles see,
    e.g. the expert table's escalations; registered once, from that app's ``AppConfig.ready``."""
    if (roles, scope_of) not in _family_scopes:
        _family_scopes.append((roles, scope_of))


def roles_opening_family_data() -> frozenset[str]:
    """The roles with which a worker sees some family's personal data: the case-work roles and
    every role an app above the core gave a scope (``add_family_scope``, e.g. the expert
    table's). Giving one in the admin needs a second administrator (``RoleRequest``)."""
    registered = frozenset().union(*(roles for roles, _scope in _family_scopes))
    return frozenset(str(role) for role in CASE_WORK_ROLES | registered)


def team_families(user, at: dt.datetime | None = None) -> Q:
    """A filter on Family: what a case-work worker needs to know (see the module's text): a
    case of their team (open or closed), a pending move to their team, a pending hand-over to
    them, or a break-the-glass grant of theirs in force at ``at`` (now)."""
    at = at or timezone.now()
    # One uncorrelated ``pk IN (… UNION …)``: PostgreSQL reads the team's few families from
    # the sources' indexes and joins them to Family (a semi-join). An OR of correlated EXISTS
    # ran once per family of the region (802 ms at 100,000 youths), an OR of separate IN
    # subqueries tested every family against each (395 ms at 1,000,000; docs/performance.md).
    sources = [
        RegieTransfer.objects.filter(
            to_worker=user.pk, confirmed_on__isnull=True, cancelled_on__isnull=True
        ).values("case__family_id"),
        BreakGlassGrant.objects.filter(
            worker=user.pk, granted_at__lte=at, expires_at__gt=at
        ).values("family_id"),
    ]
    if user.local_team_id:
        sources += [
            Case.objects.filter(local_team=user.local_team_id).values("family_id"),
            FamilyMove.objects.filter(
                to_team=user.local_team_id, confirmed_on__isnull=True, cancelled_on__isnull=True
            ).values("case__family_id"),
        ]
    first, *others = sources
    return Q(pk__in=first.union(*others))


def family_scope(
    user,
    on: dt.date | None = None,
    roles: frozenset[str] | None = None,
    at: dt.datetime | None = None,
) -> Q:
    """A filter on Family: the families whose personal data ``user`` may see (on day ``on``,
    at moment ``at``: today, now).

    ``roles`` narrows the roles taken into account (e.g. only the case-work roles).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    roles = roles_of(user) if roles is None else roles_of(user) & roles
    on = on or timezone.localdate()
    scope = Q(pk__in=[])
    if roles & CASE_WORK_ROLES:
        scope |= team_families(user, at)
    for scope_roles, scope_of in _family_scopes:
        if roles & scope_roles:
            scope |= scope_of(user, on)
    return scope


def visible_families(
    user, roles: frozenset[str] | None = None, families: QuerySet[Family] | None = None
) -> QuerySet[Family]:
    """The families ``user`` may see (no duplicates, one query when evaluated), from
    ``families`` (a queryset with what the caller needs loaded; default: all)."""
    inner = Family.objects.filter(family_scope(user, roles=roles)).values("pk")
    return (Family.objects.all() if families is None else families).filter(pk__in=inner)


def family_or_404(
    user,
    ref: str,
    perm: str = "casusregie.view_family_record",
    families: QuerySet[Family] | None = None,
) -> Family:
    """The family ``ref`` (from ``families``, see ``visible_families``) when ``user`` may see it
    and holds ``perm`` on it; otherwise a 404, never a 403: a family outside one's scope is
    not there (its existence is personal data too)."""
    try:
        family = visible_families(user, families=families).get(ref=ref)
    except Family.DoesNotExist:
        raise Http404 from None
    if not user.has_perm(perm, family):
        raise Http404
    return family


def may_hand_over(user, case: Case, current: RegisseurPeriod | None) -> bool:
    """Who may hand the case's regie over: its current regisseur (``current``, today's period),
    or the team lead of the case's team, who assigns it."""
    if current is not None and current.worker_id == user.pk:
        return True
    return Role.TEAM_LEAD in roles_of(user) and user.local_team_id == case.local_team_id


def may_close_case(user, case: Case, current: RegisseurPeriod | None) -> bool:
    """Who may close the case: the same as who may hand its regie over (``may_hand_over``)."""
    return may_hand_over(user, case, current)


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
    """The team lead of a team that has (had) a case of this family — not by a pending move
    or a break-the-glass grant (one query)."""
    if family is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if Role.TEAM_LEAD not in roles_of(user) or not user.local_team_id:
        return False
    return Case.objects.filter(family=family, local_team=user.local_team_id).exists()


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
