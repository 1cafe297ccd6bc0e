"""Reads of the expert table: the queue, sessions, a case's escalations, the regisseur's inbox.

Each list is one query plus a fixed number of prefetches, whatever its length. The case summary
(youths, the analysis's explanations, the plan's goals, referrals, the flags that led to the
escalation) is read only for escalations whose family's consent for the expert table is in
force (``consented``, annotated in SQL): without it, the table gets no personal data at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from analyses.models import Analysis
from casusregie.models import (
    GI_ROLES,
    Carer,
    Case,
    InvolvedProfessional,
    InvolvedRole,
    RegisseurPeriod,
    Youth,
)
from escalations import policies
from escalations.models import (
    AgendaItem,
    CallerKind,
    Decision,
    Escalation,
    Invitation,
    Table,
    TableKind,
    TableSession,
)
from flags.models import Flag
from flags.rules import RULES_BY_CODE
from plans.models import Goal, Plan
from referrals.models import Referral

# Shown with the escalation: how long it waits, and where it is planned.
_AGENDA = Prefetch(
    "agenda_items",
    queryset=AgendaItem.objects.select_related("session").order_by("-session__held_on"),
    to_attr="planned_items",
)


QUEUE_PAGE = 25


def tables(user) -> list[Table]:
    """The tables the user sits at, the expert table first (the pages' table choice)."""
    return list(policies.tables_of(user).order_by("kind", "name"))


def table_of_page(mine: list[Table], ref: str | None) -> Table | None:
    """The table a page is about: the one named by ``ref`` among the user's tables (``mine``),
    or without ``ref`` the region's expert table; None when it is not one of theirs."""
    chosen = [t for t in mine if (t.ref == ref if ref else t.is_expert_table)]
    return chosen[0] if chosen else None


def queue(
    user,
    number: str | int | None = None,
    today: dt.date | None = None,
    table: Table | None = None,
) -> Page:
    """Page ``number`` (the first when absent or not a page) of the waiting escalations at the
    user's tables (at ``table`` only, when given), oldest first, each with ``waiting_days``,
    ``consented`` and (when consented) its case summary: the escalations of that page only
    (a region's queue at scale holds thousands), in a fixed number of queries."""
    today = today or timezone.localdate()
    waiting = (
        policies.table_escalations(user, table)
        .filter(discussed_on__isnull=True, case__closed_on__isnull=True)
        .select_related("case__family", "case__local_team", "table")
        .annotate(consented=policies.consent_in_force(today))
        .prefetch_related(_AGENDA)
        .order_by("submitted_on", "ref")
    )
    page = Paginator(waiting, QUEUE_PAGE).get_page(number)
    page.object_list = escalations = list(page.object_list)
    for escalation in escalations:
        escalation.waiting_days = (today - escalation.submitted_on).days
    attach_summaries([e for e in escalations if e.consented], today)
    return page


def attach_summaries(escalations: Iterable[Escalation], today: dt.date | None = None) -> None:
    """Read the case summary of these (consented) escalations: a fixed number of queries."""
    today = today or timezone.localdate()
    escalations = list(escalations)
    cases = [e.case for e in escalations]
    prefetch_related_objects(
        escalations,
        Prefetch("flags", queryset=Flag.objects.order_by("severity", "since", "id")),
        Prefetch(
            "declined_referrals", queryset=Referral.objects.select_related("product", "provider")
        ),
    )
    prefetch_related_objects(
        cases,
        Prefetch("family__youths", queryset=Youth.objects.order_by("birth_date", "ref")),
        Prefetch(
            "analyses",
            queryset=Analysis.objects.filter(is_current=True).prefetch_related("explanations"),
            to_attr="current_analyses",
        ),
        Prefetch(
            "plans",
            queryset=Plan.objects.filter(is_current=True).prefetch_related(
                Prefetch("goals", queryset=Goal.objects.order_by("position", "id"))
            ),
            to_attr="current_plans",
        ),
        Prefetch(
            "referrals",
            queryset=Referral.objects.select_related("product", "provider", "youth").order_by(
                "created_at", "id"
            ),
            to_attr="referral_history",
        ),
        Prefetch(
            "regisseurs",
            queryset=RegisseurPeriod.objects.filter(from_date__lte=today)
            .exclude(until__lte=today)
            .select_related("worker"),
            to_attr="current_regisseurs",
        ),
    )
    for escalation in escalations:
        for flag in escalation.flags.all():
            rule = RULES_BY_CODE.get(flag.rule)
            flag.title = rule.title if rule else flag.rule
    for case in cases:
        case.analysis = case.current_analyses[0] if case.current_analyses else None
        case.plan = case.current_plans[0] if case.current_plans else None
        case.regisseur = case.current_regisseurs[0].worker if case.current_regisseurs else None


def upcoming_sessions(
    user, today: dt.date | None = None, table: Table | None = None
) -> QuerySet[TableSession]:
    """Sessions of the user's tables (of ``table``, when given) from today on, soonest first
    (to plan escalations on)."""
    today = today or timezone.localdate()
    return (
        policies.table_sessions(user, table).filter(held_on__gte=today).order_by("held_on", "ref")
    )


def sessions(user, table: Table | None = None) -> QuerySet[TableSession]:
    """The sessions of the user's tables (of ``table``, when given), newest first."""
    return (
        policies.table_sessions(user, table)
        .annotate(item_count=Count("items", distinct=True))
        .prefetch_related("members")
        .order_by("-held_on", "ref")
    )


def session_for_page(user, ref: str, today: dt.date | None = None) -> TableSession:
    """One session of the user's table with its agenda (``TableSession.DoesNotExist`` when it
    is not theirs); each agenda item's escalation carries ``consented`` and its summary."""
    today = today or timezone.localdate()
    items = (
        AgendaItem.objects.select_related(
            "escalation__case__family",
            "escalation__case__local_team",
            "escalation__decision__product",
            "escalation__decision__session",
        )
        .prefetch_related(
            "escalation__decision__providers",
            "escalation__decision__referrals",
            Prefetch(
                "invitations",
                queryset=Invitation.objects.select_related("worker").order_by("kind", "id"),
            ),
        )
        .annotate(consented=policies.consent_in_force(today, "escalation__case"))
        .order_by("position", "id")
    )
    session = (
        policies.table_sessions(user)
        .filter(region=policies.table_region_id(user))
        .select_related("region", "table", "planned_by")
        .prefetch_related(
            "members",
            Prefetch("items", queryset=items, to_attr="agenda"),
            Prefetch(
                "invitations",
                queryset=Invitation.objects.filter(item__isnull=True)
                .select_related("worker")
                .order_by("worker__name", "id"),
                to_attr="member_invitations",
            ),
        )
        .get(ref=ref)
    )
    set_planned_starts(session, session.agenda)
    for item in session.agenda:
        escalation = item.escalation
        escalation.consented = item.consented
        escalation.waiting_days = (
            (escalation.discussed_on or today) - escalation.submitted_on
        ).days
    attach_summaries([i.escalation for i in session.agenda if i.consented], today)
    return session


def set_planned_starts(session: TableSession, items: Iterable[AgendaItem]) -> None:
    """Each item's ``planned_start`` and ``planned_end``: the session's start plus the
    durations of the items before it, in agenda order (none when the session has no time)."""
    if session.starts_at is None:
        for item in items:
            item.planned_start = item.planned_end = None
        return
    at = dt.datetime.combine(session.held_on, session.starts_at)
    for item in items:
        item.planned_start = at.time()
        at += dt.timedelta(minutes=item.duration_minutes)
        item.planned_end = at.time()
        item.runs_over = session.ends_at is not None and at.time() > session.ends_at


def overlapping_sessions(session: TableSession) -> list[TableSession]:
    """Other sessions of the same table (not another table of the region) on the same day whose
    times overlap this one's: a warning for the chair, not a refusal (two rooms, two chairs
    may be fine)."""
    if session.starts_at is None or session.ends_at is None:
        return []
    return list(
        TableSession.objects.filter(
            table=session.table_id,
            held_on=session.held_on,
            starts_at__lt=session.ends_at,
            ends_at__gt=session.starts_at,
        )
        .exclude(pk=session.pk)
        .order_by("starts_at", "ref")
    )


def decision_letter(escalation: Escalation) -> Escalation:
    """The escalation with what a decision letter names: the decision, its session, the
    family's youths and carers, the case's regisseur and team (a fixed number of queries)."""
    escalation = (
        Escalation.objects.select_related(
            "case__family",
            "case__local_team",
            "decision__session__region",
            "decision__product",
            "decision__decided_by",
        )
        .prefetch_related(
            "decision__providers",
            Prefetch("case__family__youths", queryset=Youth.objects.order_by("birth_date", "ref")),
            Prefetch("case__family__carers", queryset=Carer.objects.order_by("name", "ref")),
        )
        .get(pk=escalation.pk)
    )
    today = timezone.localdate()
    period = (
        RegisseurPeriod.objects.filter(case=escalation.case_id, from_date__lte=today)
        .exclude(until__lte=today)
        .select_related("worker")
        .first()
    )
    escalation.case.regisseur = period.worker if period else None
    return escalation


def follow_ups(user, today: dt.date | None = None) -> list[Decision]:
    """The table's decisions on the regisseur's open cases whose follow-up is not done yet,
    soonest follow-up first, with ``due`` (the date has come): one query."""
    today = today or timezone.localdate()
    decisions = list(
        Decision.objects.filter(
            escalation__in=policies.regisseur_escalations(user, today).filter(
                closed_on__isnull=True
            )
        )
        .select_related("escalation__case__family", "session")
        .order_by("follow_up_on", "id")
    )
    for decision in decisions:
        decision.due = decision.follow_up_on <= today
    return decisions


def escalations_of_family(family) -> list[Escalation]:
    """Every escalation of the family's cases, newest first, with its decision and agenda."""
    return list(
        Escalation.objects.filter(case__family=family)
        .select_related("case", "decision__product", "decision__session", "submitted_by")
        .prefetch_related(
            _AGENDA,
            "declined_referrals__product",
            "declined_referrals__provider",
            "decision__providers",
            "decision__referrals__provider",
        )
        .order_by("-submitted_on", "-id")
    )


def inbox(user, today: dt.date | None = None) -> list[Escalation]:
    """The regisseur's escalations that are not closed: decided ones (to act on) first, by
    follow-up date; then those waiting for the table, oldest first."""
    today = today or timezone.localdate()
    escalations = list(
        policies.regisseur_escalations(user, today)
        .filter(closed_on__isnull=True)
        .select_related("case__family", "decision__product", "decision__session")
        .prefetch_related(
            _AGENDA,
            "decision__providers",
            "decision__referrals",
            Prefetch("case__family__youths", queryset=Youth.objects.order_by("birth_date", "ref")),
        )
    )
    for escalation in escalations:
        escalation.waiting_days = (today - escalation.submitted_on).days
    escalations.sort(
        key=lambda e: (
            e.is_waiting,
            _decision(e).follow_up_on if _decision(e) else e.submitted_on,
            e.ref,
        )
    )
    return escalations


def _decision(escalation: Escalation) -> Decision | None:
    try:
        return escalation.decision
    except Decision.DoesNotExist:
        return None


def decision_of(escalation: Escalation) -> Decision | None:
    return _decision(escalation)


def table_escalation(user, ref: str) -> Escalation:
    """One escalation of the user's table (``Escalation.DoesNotExist`` otherwise)."""
    return (
        policies.table_escalations(user)
        .select_related("case__family__municipality", "table")
        .get(ref=ref)
    )


def youths_of(case: Case) -> list[Youth]:
    return list(case.family.youths.order_by("birth_date", "ref"))


def calls(user, today: dt.date | None = None) -> list[tuple[Case, list[Table], Escalation | None]]:
    """The open cases for which ``user`` may call a table of the case's region (not its expert
    table: that is the family page's aanmelding): as a GI or
    Veilig Thuis recorded with their account among the case's involved professionals, or as
    the case's regisseur, for the tables that let them (``services.caller_kinds_of``, read
    here in a fixed number of queries). Each with its open escalation, if any."""
    today = today or timezone.localdate()
    involved: dict[int, set[str]] = {}
    for case_id, role in (
        InvolvedProfessional.objects.in_force(today)
        .filter(worker=user, case__closed_on__isnull=True)
        .values_list("case_id", "role")
    ):
        kind = (
            CallerKind.GI
            if role in {r.value for r in GI_ROLES}
            else CallerKind.VEILIG_THUIS
            if role == InvolvedRole.VEILIG_THUIS
            else None
        )
        if kind:
            involved.setdefault(case_id, set()).add(kind)
    for case_id in (
        RegisseurPeriod.objects.in_force(today)
        .filter(worker=user, case__closed_on__isnull=True)
        .values_list("case_id", flat=True)
    ):
        involved.setdefault(case_id, set()).add(CallerKind.REGISSEUR)
    cases = list(
        Case.objects.filter(pk__in=involved)
        .select_related("family__municipality")
        .order_by("family__ref", "ref")
    )
    regions = {c.family.municipality.region_id for c in cases}
    member_of = set(policies.tables_of(user).values_list("pk", flat=True))
    by_region: dict[int, list[Table]] = {}
    # the expert table is called from the family page (with the consent and what was tried)
    tables_here = Table.objects.filter(region__in=regions).exclude(kind=TableKind.EXPERT_TABLE)
    for table in tables_here.order_by("kind", "name"):
        by_region.setdefault(table.region_id, []).append(table)
    open_at = {
        e.case_id: e
        for e in Escalation.objects.filter(
            case__in=cases, discussed_on__isnull=True
        ).select_related("table")
    }
    rows = []
    for case in cases:
        kinds = involved[case.pk]
        tables = [
            t
            for t in by_region.get(case.family.municipality.region_id, [])
            if (kinds | ({CallerKind.TABLE_MEMBER} if t.pk in member_of else set()))
            & set(t.callers)
        ]
        if tables:
            rows.append((case, tables, open_at.get(case.pk)))
    return rows
