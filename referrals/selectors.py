"""Reads of referrals: what a provider may see, with no N+1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import JSONObject
from django.utils import timezone

from analyses.models import Analysis, DomainFinding, Explanation
from casusregie.models import Carer, Consent, ConsentPurpose, RegisseurPeriod
from plans.models import Evaluation, Goal, PerspectiveKind, PerspectivePlan
from plans.services import PERSPECTIVE_FROM_AGE, birthday

from .lifecycle import Status
from .models import GoalProgress, Provider, Referral

#: A provider has the youth in its care while its referral is accepted or started.
IN_CARE = (Status.ACCEPTED, Status.STARTED)


def consent_in_force(provider_id, on: dt.date, purpose: str = ConsentPurpose.SHARE_ANALYSIS) -> Q:
    """Consents (on Consent) of ``purpose`` with that provider in force on ``on``: given on or
    before it, not withdrawn on or before it (a withdrawal takes effect the day it is made).
    The analysis and the plan's goals are shared under ``SHARE_ANALYSIS``; the family's contact
    details under ``SHARE_CONTACT``."""
    return Q(
        provider=provider_id,
        purpose=purpose,
        given_on__lte=on,
    ) & (Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))


def is_consent_in_force(case_id: int, provider_id: int, on: dt.date, purpose: str) -> bool:
    return Consent.objects.filter(consent_in_force(provider_id, on, purpose), case=case_id).exists()


# -- what the family shared with the provider of a referral (the worker's pages) -----------------
@dataclass(frozen=True)
class Shared:
    """One purpose of sharing with a referral's provider: since when, withdrawn when."""

    given_on: dt.date | None = None
    withdrawn_on: dt.date | None = None
    in_force: bool = False


@dataclass(frozen=True)
class Sharing:
    """What the family shared with the provider of a referral: the analysis (with the plan's
    goals) and the contact details, each as its latest consent with that provider."""

    analysis: Shared
    contact: Shared


def sharing_with(provider_id: int, consents: Iterable[Consent], on: dt.date) -> Sharing:
    """From the case's ``consents`` (already loaded: no query), what is shared with the provider
    on ``on``: per purpose the consent in force, else the latest one (withdrawn or to come)."""

    def shared(purpose: str) -> Shared:
        mine = [c for c in consents if c.provider_id == provider_id and c.purpose == purpose]
        if not mine:
            return Shared()

        def in_force(c: Consent) -> bool:
            return c.given_on <= on and (c.withdrawn_on is None or c.withdrawn_on > on)

        chosen = max(mine, key=lambda c: (in_force(c), c.given_on, c.pk))
        return Shared(chosen.given_on, chosen.withdrawn_on, in_force(chosen))

    return Sharing(
        analysis=shared(ConsentPurpose.SHARE_ANALYSIS),
        contact=shared(ConsentPurpose.SHARE_CONTACT),
    )


def addressed_to(provider: Provider) -> QuerySet[Referral]:
    """The referrals addressed to ``provider``: sent to it, so not drafts. Only their keys: for
    a change, which the service reads again under lock."""
    return _addressed(provider).only("pk")


def addressed_with_family(provider: Provider) -> QuerySet[Referral]:
    """The referrals addressed to ``provider``, with what a report on one needs: its case and
    the family's ref (for the access log), one query."""
    return (
        _addressed(provider)
        .select_related("case__family")
        .only("pk", "ref", "case_id", "provider_id", "case__family_id", "case__family__ref")
    )


def _addressed(provider: Provider) -> QuerySet[Referral]:
    return Referral.objects.filter(provider=provider).exclude(status="draft")


def referrals_for_provider(provider: Provider) -> QuerySet[Referral]:
    """The referrals addressed to ``provider`` (not drafts), ready for the API serializer.

    One query: the youth, product and municipality joined; ``analysis_shared`` and
    ``contact_shared`` (the family's consent to share the analysis, and its contact details,
    with this provider, in force today) and ``regisseur_contact`` (name and e-mail of today's
    regisseur, or None) as subqueries. The analysis and the carers are loaded only for the
    referrals that may show them: ``with_shared_analyses``.
    """
    today = timezone.localdate()
    consent = Consent.objects.filter(consent_in_force(provider.pk, today), case=OuterRef("case"))
    contact = Consent.objects.filter(
        consent_in_force(provider.pk, today, ConsentPurpose.SHARE_CONTACT), case=OuterRef("case")
    )
    regisseur = (
        RegisseurPeriod.objects.in_force(today)
        .filter(case=OuterRef("case"))
        .order_by()
        .values(contact=JSONObject(name="worker__name", email="worker__email"))[:1]
    )
    return (
        _addressed(provider)
        .select_related("youth", "product__segment", "case__family__municipality")
        # Of the joined rows only what the representation and the access log use: fewer
        # values to convert per row. A provider never gets the BSN: it is not even read.
        .only(
            *(f.name for f in Referral._meta.concrete_fields),
            "youth__name",
            "youth__birth_date",
            "product__code",
            "product__name",
            "product__segment__code",
            "product__ijw_category",
            "product__specialist",
            "product__out_of_home",
            "product__crisis",
            "case__family__ref",
            "case__family__municipality__code",
            "case__family__municipality__name",
        )
        .annotate(
            analysis_shared=Exists(consent),
            contact_shared=Exists(contact),
            regisseur_contact=Subquery(regisseur),
        )
    )


def with_shared_analyses(referrals: Sequence[Referral]) -> Sequence[Referral]:
    """Load the current analysis (findings, explanations) of the cases of those ``referrals``
    whose family consented to share it: three queries when any did, none otherwise; and the
    carers of the families that consented to share their contact details: one query when any
    did, none otherwise."""
    families = [r.case.family for r in referrals if getattr(r, "contact_shared", False)]
    if families:
        carers = Carer.objects.only("ref", "family_id", "name", "phone", "email").order_by(
            "name", "ref"
        )
        prefetch_related_objects(families, Prefetch("carers", queryset=carers))
    cases = [r.case for r in referrals if getattr(r, "analysis_shared", False)]
    if cases:
        # The models' default orderings start with a foreign key, which orders by the related
        # model's ordering: a join per query. Within one analysis these orders are the same.
        current = (
            Analysis.objects.filter(is_current=True)
            .order_by()
            .prefetch_related(
                Prefetch("findings", queryset=DomainFinding.objects.order_by("domain")),
                Prefetch("explanations", queryset=Explanation.objects.order_by("position", "id")),
            )
        )
        prefetch_related_objects(cases, Prefetch("analyses", queryset=current))
    return referrals


# -- oplopen met het gezin: the plan's goals and the providers' progress ------------------------
def current_goals(case_id: int) -> list[Goal]:
    """The goals of the case's current plan, in the plan's order (one query)."""
    return list(
        Goal.objects.filter(plan__case=case_id, plan__is_current=True)
        .order_by("position", "id")
        .only("id", "plan_id", "position", "text", "status")
    )


@dataclass
class ProviderPlan:
    """What the provider of a referral sees of the case's current plan: its goals (each with
    ``latest_progress``, this provider's latest report, or None) and its evaluations."""

    goals: list[Goal]
    evaluations: list[Evaluation]


def plan_for_provider(referral: Referral) -> ProviderPlan | None:
    """The current plan's goals and evaluations for the provider of ``referral``, read by
    ``referrals_for_provider`` (its ``analysis_shared``: the goals are shared under the
    consent that shares the analysis). None without that consent. Three queries with it
    (goals, evaluations, this provider's latest reports), none without."""
    if not getattr(referral, "analysis_shared", False):
        return None
    goals = current_goals(referral.case_id)
    evaluations = plan_evaluations(plan__case=referral.case_id, plan__is_current=True)
    latest = {
        p.goal_id: p
        for p in GoalProgress.objects.filter(
            goal__in=[g.pk for g in goals], referral__provider=referral.provider_id
        )
        .order_by("goal_id", "-reported_at", "-id")
        .distinct("goal_id")
    }
    for goal in goals:
        goal.latest_progress = latest.get(goal.pk)
    return ProviderPlan(goals, evaluations)


def current_goal_of(referral: Referral, goal_id: int) -> Goal | None:
    """The goal ``goal_id`` if it is one of the current plan of the referral's case."""
    return (
        Goal.objects.filter(pk=goal_id, plan__case=referral.case_id, plan__is_current=True)
        .only("id", "plan_id")
        .first()
    )


def plan_evaluations(**where) -> list[Evaluation]:
    """The evaluations ``where`` selects (e.g. ``plan=…``), in their order, with what a progress
    report shows of them (one query): the API's and the portal's."""
    return list(
        Evaluation.objects.filter(**where)
        .order_by("planned_on", "id")
        .only("id", "plan_id", "planned_on", "held_on")
    )


def evaluation_of_plan(plan_id: int, evaluation_id: int) -> Evaluation | None:
    return Evaluation.objects.filter(pk=evaluation_id, plan=plan_id).only("id", "plan_id").first()


@dataclass
class PlanProgress:
    """The providers' progress on a plan's goals, for the regisseur's plan page."""

    latest: dict[int, list[GoalProgress]]  # goal id -> the latest report of each provider
    by_evaluation: dict[int, list[GoalProgress]]  # evaluation id -> the reports made for it

    def latest_for(self, goal_id: int) -> list[GoalProgress]:
        return self.latest.get(goal_id, [])

    def of_evaluation(self, evaluation_id: int) -> list[GoalProgress]:
        return self.by_evaluation.get(evaluation_id, [])


def plan_progress(plan_id: int | None) -> PlanProgress:
    """Every progress report on the goals of the plan, with its provider: one query. Per goal
    the latest report of each provider, newest first; per evaluation the reports made for it
    in the plan's order of goals."""
    if plan_id is None:
        return PlanProgress({}, {})
    reports = list(
        GoalProgress.objects.filter(goal__plan=plan_id)
        .select_related("referral__provider", "goal")
        .order_by("-reported_at", "-id")
    )
    latest: dict[int, list[GoalProgress]] = {}
    seen: set[tuple[int, int]] = set()
    by_evaluation: dict[int, list[GoalProgress]] = {}
    for report in reports:  # newest first: the first of a (goal, provider) is its latest
        key = (report.goal_id, report.referral.provider_id)
        if key not in seen:
            seen.add(key)
            latest.setdefault(report.goal_id, []).append(report)
        if report.evaluation_id is not None:
            by_evaluation.setdefault(report.evaluation_id, []).append(report)
    for items in by_evaluation.values():
        items.sort(key=lambda r: (r.goal.position, r.goal_id, -r.reported_at.timestamp()))
    return PlanProgress(latest, by_evaluation)


# --- the perspective plan a provider drafts -----------------------------------------------------


def referral_for_perspective(provider: Provider, ref: str) -> Referral | None:
    """The referral ``ref`` addressed to ``provider``, with what deciding on its perspective
    plan needs, in one query: the youth (name, birth date; never the BSN), the product's
    out-of-home mark, the case (open?) and its family's ref (the access log), and
    ``consent_in_force`` (the family's consent to share with this provider, today)."""
    today = timezone.localdate()
    consent = Consent.objects.filter(consent_in_force(provider.pk, today), case=OuterRef("case"))
    return (
        _addressed(provider)
        .filter(ref=ref)
        .select_related("youth", "product", "case__family")
        .only(
            "pk",
            "ref",
            "status",
            "version",
            "case_id",
            "youth_id",
            "product_id",
            "provider_id",
            "youth__name",
            "youth__birth_date",
            "youth__family_id",
            "product__out_of_home",
            "case__family_id",
            "case__closed_on",
            "case__family__ref",
        )
        .annotate(consent_in_force=Exists(consent))
        .first()
    )


def perspective_kinds(referral: Referral, on: dt.date) -> list[str]:
    """Which perspective plans the referral's provider may draft for its youth on ``on``:
    none unless the youth is in its care (referral accepted or started); the plan for
    returning home when the product places the youth out of home (``out_of_home``); the
    toekomstplan 18-/18+ from the 16th birthday on. The first is the default."""
    if referral.status not in IN_CARE:
        return []
    kinds = []
    if referral.product.out_of_home:
        kinds.append(PerspectiveKind.RETURN_HOME.value)
    if on >= birthday(referral.youth.birth_date, PERSPECTIVE_FROM_AGE):
        kinds.append(PerspectiveKind.TRANSITION_18.value)
    return kinds


def perspective_plan_of(referral: Referral, kind: str) -> PerspectivePlan | None:
    """The perspective plan of ``kind`` for the referral's case and youth, with who drafted
    and who agreed it (one query)."""
    return (
        PerspectivePlan.objects.filter(
            case_id=referral.case_id, youth_id=referral.youth_id, kind=kind
        )
        .select_related("drafted_by_provider", "drafted_by_worker", "agreed_by")
        .order_by("started_on", "pk")
        .first()
    )
