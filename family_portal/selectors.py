"""What a family account sees in the gezinsportaal: its own family only, never a worker's
internal notes (evaluation reports, flags, the table's deliberation), and per youth what the
law gives: a youth sees what concerns them; carers see their children under 16, and an item
about a youth of 16 or older only where the regisseur chose so (``CarerDisclosure``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q
from django.utils import timezone

from analyses.models import Analysis, AnalysisStatus, FamilyStory
from casusregie.models import (
    AccessLogEntry,
    CarerDisclosure,
    Case,
    Consent,
    FamilyAccount,
    FamilyMessage,
    RegisseurPeriod,
    Worker,
    Youth,
)
from casusregie.services import FAMILY_OWN_AGE, age_on
from escalations.models import Decision
from plans.models import Action, Evaluation, Goal, Plan, PlanResponse
from referrals.lifecycle import Status
from referrals.models import Provider, ProviderMembership, Referral


def open_case(account: FamilyAccount) -> Case | None:
    return (
        Case.objects.filter(family_id=account.family_id, closed_on__isnull=True)
        .select_related("local_team")
        .first()
    )


def regisseur(case: Case | None) -> Worker | None:
    if case is None:
        return None
    period = (
        RegisseurPeriod.objects.in_force(timezone.localdate())
        .filter(case=case)
        .select_related("worker__local_team")
        .first()
    )
    return period.worker if period else None


def _youths(account: FamilyAccount) -> list[Youth]:
    return list(Youth.objects.filter(family_id=account.family_id).order_by("birth_date", "id"))


def visible_referrals_query(account: FamilyAccount, youths: list[Youth]) -> Q:
    """The referrals this account may see, as a filter."""
    if account.youth_id:
        return Q(youth_id=account.youth_id)
    today = timezone.localdate()
    young = [y.pk for y in youths if age_on(y.birth_date, today) < FAMILY_OWN_AGE]
    disclosed = CarerDisclosure.objects.filter(
        item_type="referral", shown=True, youth__family_id=account.family_id
    ).values("item_ref")
    return Q(youth_id__in=young) | Q(ref__in=disclosed)


@dataclass
class ReferralLine:
    referral: Referral
    waiting_days: int | None  # from sent to accepted, or to today while it waits
    treatment_waiting_days: int | None  # from accepted to started, or to today


def referrals(account: FamilyAccount, case: Case | None) -> list[ReferralLine]:
    if case is None:
        return []
    today = timezone.localdate()
    rows = (
        Referral.objects.filter(case=case)
        .exclude(status=Status.DRAFT)
        .filter(visible_referrals_query(account, _youths(account)))
        .select_related("provider", "product", "youth")
        .order_by("-sent_on", "id")
    )
    lines = []
    for r in rows:
        waiting = None
        if r.sent_on:
            end = r.answered_on if r.status != Status.SENT else today
            waiting = ((end or today) - r.sent_on).days
        treatment = None
        if r.status in (Status.ACCEPTED, Status.STARTED, Status.ENDED) and r.answered_on:
            treatment = ((r.started_on or today) - r.answered_on).days
        lines.append(ReferralLine(r, waiting, treatment))
    return lines


def hidden_refs(account: FamilyAccount, case_ids: list[int]) -> set[str]:
    """Refs of the family's data this account may not see (another youth's, for a youth; a
    16+ youth's referrals not disclosed, for carers): left out of its access history too."""
    youths = _youths(account)
    hidden: set[str] = set()
    if account.youth_id:
        hidden |= {y.ref for y in youths if y.pk != account.youth_id}
    hidden |= set(
        Referral.objects.filter(case_id__in=case_ids)
        .exclude(visible_referrals_query(account, youths))
        .values_list("ref", flat=True)
    )
    return hidden


def current_plan(case: Case | None) -> Plan | None:
    if case is None:
        return None
    return (
        Plan.objects.filter(case=case, is_current=True)
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=Goal.objects.order_by("position", "id").prefetch_related(
                    Prefetch("actions", queryset=Action.objects.order_by("due_on", "id"))
                ),
            )
        )
        .first()
    )


def next_evaluation(plan: Plan | None) -> dt.date | None:
    if plan is None:
        return None
    evaluation = (
        Evaluation.objects.filter(plan=plan, held_on__isnull=True).order_by("planned_on").first()
    )
    return evaluation.planned_on if evaluation else None


def own_response(plan: Plan | None, account: FamilyAccount) -> PlanResponse | None:
    if plan is None:
        return None
    return (
        PlanResponse.objects.filter(plan=plan, account=account)
        .prefetch_related("objections")
        .first()
    )


def _with_parts():
    return (
        "findings",
        "explanations",
        "strengths",
        Prefetch("stories", queryset=FamilyStory.objects.select_related("account")),
    )


def established_analysis(case: Case | None) -> Analysis | None:
    if case is None:
        return None
    return (
        Analysis.objects.filter(case=case, is_current=True, status=AnalysisStatus.ESTABLISHED)
        .prefetch_related(*_with_parts())
        .first()
    )


def draft_analysis(case: Case | None) -> Analysis | None:
    if case is None:
        return None
    return (
        Analysis.objects.filter(case=case, status=AnalysisStatus.DRAFT)
        .prefetch_related(Prefetch("stories", queryset=FamilyStory.objects.all()))
        .first()
    )


def decisions(case: Case | None) -> list[Decision]:
    if case is None:
        return []
    return list(
        Decision.objects.filter(escalation__case=case)
        .select_related("session", "product")
        .order_by("-created_at")
    )


def consents(case: Case | None) -> list[Consent]:
    if case is None:
        return []
    return list(Consent.objects.filter(case=case).select_related("provider").order_by("-given_on"))


def own_consent(account: FamilyAccount, consent_id: int) -> Consent | None:
    """A consent of the account's own family (any of its cases), or None."""
    return Consent.objects.filter(pk=consent_id, case__family_id=account.family_id).first()


def providers_of(case: Case | None) -> list[Provider]:
    if case is None:
        return []
    return list(Provider.objects.filter(referrals__case=case).distinct().order_by("name"))


def messages(case: Case | None) -> list[FamilyMessage]:
    if case is None:
        return []
    return list(
        FamilyMessage.objects.filter(case=case).select_related("worker").order_by("created_at")
    )


@dataclass
class HistoryLine:
    entry: AccessLogEntry
    who: str  # a worker's name, or the kind of party
    role: str
    organisation: str


ROLE_WORDS = {
    "worker": "medewerker",
    "provider": "zorgaanbieder",
    "family": "uw gezin (gezinsportaal)",
    "system": "het systeem",
    "region": "de regio (cijfers zonder namen)",
}


HISTORY_PAGE_SIZE = 50


def access_history_entries(account: FamilyAccount):
    """Every entry of the access log about the account's family, newest first, less what this
    account may not see (``hidden_refs``): a queryset, to page or to read whole."""
    family = account.family
    case_ids = list(Case.objects.filter(family=family).values_list("pk", flat=True))
    return (
        AccessLogEntry.objects.filter(family_ref=family.ref)
        .exclude(object_ref__in=hidden_refs(account, case_ids))
        .order_by("-at", "-id")
    )


def access_history_page(account: FamilyAccount, number: object) -> Page:
    """One page (``HISTORY_PAGE_SIZE`` entries) of ``access_history``; a page number out of
    range or not a number gives the nearest page. Its ``object_list`` are ``HistoryLine``s."""
    page = Paginator(access_history_entries(account), HISTORY_PAGE_SIZE).get_page(number)
    page.object_list = history_lines(list(page.object_list))
    return page


def access_history(account: FamilyAccount) -> list[HistoryLine]:
    """Who looked at the family's file (AVG art. 15), whole (the download)."""
    return history_lines(list(access_history_entries(account)))


def history_lines(entries: list[AccessLogEntry]) -> list[HistoryLine]:
    """The entries in words: a worker with name, roles and team, a provider's user with the
    provider. Two queries, whatever the number of entries."""
    worker_refs = {
        e.actor.split(" ", 1)[0] for e in entries if e.actor_kind in ("worker", "provider")
    }
    workers = {
        w.ref: w
        for w in Worker.objects.filter(ref__in=worker_refs)
        .select_related("local_team", "region")
        .prefetch_related("role_memberships")
    }
    memberships = {
        m.worker.ref: m.provider.name
        for m in ProviderMembership.objects.filter(worker__ref__in=worker_refs).select_related(
            "worker", "provider"
        )
    }
    lines = []
    for e in entries:
        who, role, organisation = ROLE_WORDS.get(e.actor_kind, e.actor_kind), "", ""
        worker = workers.get(e.actor.split(" ", 1)[0])
        if e.actor_kind == "worker" and worker is not None:
            who = worker.name or worker.get_username()
            role = ", ".join(
                sorted(str(m.get_role_display()) for m in worker.role_memberships.all())
            )
            organisation = (
                worker.local_team.name
                if worker.local_team
                else (worker.region.name if worker.region else "")
            )
        elif e.actor_kind == "provider":
            who = worker.name if worker is not None and worker.name else ROLE_WORDS["provider"]
            role = ROLE_WORDS["provider"]
            organisation = memberships.get(e.actor.split(" ", 1)[0]) or (
                e.actor.split(" voor ", 1)[1] if " voor " in e.actor else e.actor
            )
        elif e.actor_kind == "family":
            role = ROLE_WORDS["family"]
        lines.append(HistoryLine(e, who, role, organisation))
    return lines
