"""Reads of the provider's portal: the provider user, the inbox with its norms, one referral.

The referrals are those of ``referrals.selectors.referrals_for_provider``, the API's selector:
what the portal shows a provider is exactly what its API client gets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from analyses.models import Analysis
from casusregie.models import Worker
from casusregie.working_days import add_working_days, working_days_after
from flags.rules import Thresholds
from flags.selectors import thresholds_of_rules
from plans.models import Evaluation, Goal, PerspectiveKind, PerspectivePlan
from referrals import selectors as referral_selectors
from referrals import services as referral_services
from referrals.lifecycle import OPEN_STATUSES, Status
from referrals.models import (
    Product,
    ProductCapacity,
    Provider,
    ProviderMembership,
    Referral,
)

#: The rulebook's rules the inbox measures a referral against (RULES.md): the answer norm (5
#: working days after sending) and the waiting-time norm (the treeknorm: 28 and 70 days).
ANSWER_NORM = "REFERRAL_UNANSWERED"
WAITING_NORM = "WAITING_TIME_EXCEEDED"
INBOX_PAGE_SIZE = 50
INBOX_STATUSES = tuple(str(s) for s in OPEN_STATUSES)


def active_membership(user) -> ProviderMembership | None:
    """The user's membership of a provider, when it is active (with the provider): one query."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return (
        ProviderMembership.objects.select_related("provider")
        .filter(worker=user, active=True)
        .order_by("pk")  # one at most (one provider per worker); no join for an ordering
        .first()
    )


@dataclass(frozen=True)
class Norm:
    """Where a referral stands against one norm on ``today``."""

    due_on: dt.date | None  # the day the norm is exceeded (violation)
    warning_on: dt.date | None
    elapsed: int  # working days (answer norm) or calendar days (waiting norm) since sending
    limit: int

    def level(self, today: dt.date) -> str:
        if self.due_on is not None and today >= self.due_on:
            return "violation"
        if self.warning_on is not None and today >= self.warning_on:
            return "warning"
        return ""


def answer_norm(sent_on: dt.date, thresholds: Thresholds, today: dt.date) -> Norm:
    """REFERRAL_UNANSWERED's reckoning: exceeded on and after the n-th working day after the
    sending (the sending day itself not counted), as the rulebook's sweep counts it."""
    return Norm(
        due_on=add_working_days(sent_on, thresholds.violation),
        warning_on=(
            add_working_days(sent_on, thresholds.warning)
            if thresholds.warning is not None
            else None
        ),
        elapsed=working_days_after(sent_on, today),
        limit=thresholds.violation,
    )


def waiting_norm(sent_on: dt.date, thresholds: Thresholds, today: dt.date) -> Norm:
    """WAITING_TIME_EXCEEDED's reckoning: calendar days from the sending (warning, violation)."""
    return Norm(
        due_on=sent_on + dt.timedelta(days=thresholds.violation),
        warning_on=(
            sent_on + dt.timedelta(days=thresholds.warning)
            if thresholds.warning is not None
            else None
        ),
        elapsed=(today - sent_on).days,
        limit=thresholds.violation,
    )


@dataclass(frozen=True)
class InboxRow:
    referral: Referral
    answer: Norm | None  # only while the referral waits for an answer (sent)
    waiting: Norm | None  # only while care has not started (sent, accepted)
    answer_level: str
    waiting_level: str


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str  # "" on the last page
    status: str


def _provider_referrals(provider: Provider) -> QuerySet[Referral]:
    # The region for the norms' thresholds: a column of the join the selector already makes.
    return referral_selectors.referrals_for_provider(provider).annotate(
        region_id=F("case__family__municipality__region_id")
    )


def parse_cursor(raw: str) -> tuple[dt.date, int] | None:
    """``2026-11-02.1234``: the last row of the previous page (sent_on, id); None if none or
    not one."""
    day, _sep, pk = (raw or "").partition(".")
    try:
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def inbox(
    provider: Provider, *, status: str = "", cursor: str = "", size: int = INBOX_PAGE_SIZE
) -> InboxPage:
    """The provider's new, accepted and running referrals (``OPEN_STATUSES``), oldest sent
    first, a page at a time by keyset (sent_on, id): read from the index
    ``referral_provider_open_idx`` (or ``referral_provider_status_sent`` for one status) in
    order, whatever the provider's size. Two queries: the page and the regions' thresholds."""
    statuses = (status,) if status in INBOX_STATUSES else INBOX_STATUSES
    referrals = _provider_referrals(provider).filter(status__in=statuses).order_by("sent_on", "id")
    after = parse_cursor(cursor)
    if after is not None:
        day, pk = after
        referrals = referrals.filter(Q(sent_on__gt=day) | Q(sent_on=day, id__gt=pk))
    page = list(referrals[: size + 1])
    more, page = len(page) > size, page[:size]
    today = timezone.localdate()
    rows = with_norms(page, today)
    last = page[-1] if page else None
    next_cursor = f"{last.sent_on.isoformat()}.{last.pk}" if more and last else ""
    return InboxPage(
        rows=rows, next_cursor=next_cursor, status=status if status in statuses else ""
    )


def with_norms(referrals: list[Referral], today: dt.date) -> list[InboxRow]:
    """Each referral with its age against the answer and the waiting-time norm (one query for
    the thresholds of the regions on the page)."""
    regions = {r.region_id for r in referrals}
    thresholds = thresholds_of_rules((ANSWER_NORM, WAITING_NORM), regions) if regions else {}
    rows = []
    for r in referrals:
        answer = waiting = None
        if r.status == Status.SENT:
            answer = answer_norm(r.sent_on, thresholds[r.region_id][ANSWER_NORM], today)
        if r.status in (Status.SENT, Status.ACCEPTED):
            waiting = waiting_norm(r.sent_on, thresholds[r.region_id][WAITING_NORM], today)
        rows.append(
            InboxRow(
                referral=r,
                answer=answer,
                waiting=waiting,
                answer_level=answer.level(today) if answer else "",
                waiting_level=waiting.level(today) if waiting else "",
            )
        )
    return rows


@dataclass(frozen=True)
class PerspectiveView:
    """The perspective plan the provider may draft for the referral's youth (as
    ``referrals.services.perspective_plan_access`` allows it), or why it may not: ``refused``
    (the family's consent not in force) and then no plan."""

    kind: str = ""
    plan: PerspectivePlan | None = None
    refused: str = ""

    def get_kind_label(self) -> str:
        return str(PerspectiveKind(self.kind).label) if self.kind else ""


@dataclass(frozen=True)
class ReferralView:
    """One referral as its provider's portal shows it."""

    row: InboxRow
    goals: list[Goal]  # the current plan's goals (``latest_progress``), only with consent
    evaluations: list[Evaluation]  # the current plan's evaluations, only with consent
    perspective: PerspectiveView | None  # None: no perspective plan for this youth here

    @property
    def referral(self) -> Referral:
        return self.row.referral


def perspective_for(
    provider: Provider, user: Worker | None, referral: Referral
) -> PerspectiveView | None:
    """The perspective plan of the referral's youth as the provider (user) may see it: the
    service's access check, the API's. None when there is none to draft (not in care, a youth
    neither 16 nor placed out of home); no query for a referral not in care."""
    if referral.status not in referral_services.IN_CARE:
        return None
    by = referral_services.Actor.of_provider(provider, user)
    try:
        access = referral_services.perspective_plan_access(by=by, referral_ref=referral.ref)
    except referral_services.NotAllowed as refused:
        return PerspectiveView(refused=refused.message)
    except referral_services.NotFound:
        return None
    return PerspectiveView(kind=access.kind, plan=access.plan)


def referral_for_provider(provider: Provider, ref: str, user: Worker | None = None) -> ReferralView:
    """The referral ``ref`` when it is addressed to ``provider`` (else a 404, also for another
    provider's): the API's selector, the established analysis, the current plan's goals with
    this provider's latest report on each and the plan's evaluations only while the family's
    consent to share them with this provider is in force (``plan_for_provider``, the API's),
    and the youth's perspective plan when the provider may draft it."""
    referral = _provider_referrals(provider).filter(ref=ref).first()
    if referral is None:
        raise Http404
    referral_selectors.with_shared_analyses([referral])
    plan = referral_selectors.plan_for_provider(referral)
    [row] = with_norms([referral], timezone.localdate())
    return ReferralView(
        row=row,
        goals=plan.goals if plan else [],
        evaluations=plan.evaluations if plan else [],
        perspective=perspective_for(provider, user, referral),
    )


def current_version(provider: Provider, referral_id: int) -> int:
    """The version of the provider's referral now (after a step was refused)."""
    return (
        referral_selectors.addressed_to(provider)
        .values_list("version", flat=True)
        .get(pk=referral_id)
    )


def referral_for_log(provider: Provider, ref: str) -> Referral:
    """The provider's referral with its family's ref only, for the access log of a change."""
    return (
        referral_selectors.addressed_to(provider)
        .select_related("case__family")
        .only("ref", "case__family__ref")
        .get(ref=ref)
    )


def shared_analysis(referral: Referral) -> Analysis | None:
    """The current analysis loaded by ``with_shared_analyses`` (consent in force), or None."""
    if not getattr(referral, "analysis_shared", False):
        return None
    current = [a for a in referral.case.analyses.all() if a.is_current]
    return current[0] if current else None


def alternative_providers(provider: Provider) -> QuerySet[Provider]:
    return Provider.objects.exclude(pk=provider.pk).only("pk", "ref", "name").order_by("name")


def products() -> QuerySet[Product]:
    return Product.objects.only("pk", "code", "name").order_by("code")


def capacities(provider: Provider) -> QuerySet[ProductCapacity]:
    """What the provider reported per product (as the API's capacity list)."""
    return (
        ProductCapacity.objects.filter(provider=provider)
        .select_related("product")
        .order_by("product__code")
    )


def contracted_products(provider: Provider) -> QuerySet[Product]:
    """The products the provider has (had) a contract for: what it reports capacity on."""
    return (
        Product.objects.filter(contracts__provider=provider)
        .distinct()
        .only("pk", "code", "name")
        .order_by("code")
    )


def members(provider: Provider) -> QuerySet[ProviderMembership]:
    """The provider's users, active first (for its coordinator's page)."""
    return (
        ProviderMembership.objects.filter(provider=provider)
        .select_related("worker")
        .order_by("-active", "role", "worker__name", "worker__username")
    )


def member_of(provider: Provider, membership_id: int) -> ProviderMembership:
    """A membership of ``provider`` (another provider's: a 404)."""
    membership = (
        ProviderMembership.objects.filter(provider=provider, pk=membership_id)
        .select_related("worker")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise Http404
    return membership
