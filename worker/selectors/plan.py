"""Reads for the plan editor: a fixed number of queries, however many goals and actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from analyses.models import Analysis, AnalysisDomain, AnalysisStatus, Explanation, Strength
from casusregie.models import Carer, Case, Family, RegisseurPeriod, Worker, Youth
from plans.models import Action, Evaluation, Goal, PerspectiveKind, PerspectivePlan, Plan
from plans.services import PERSPECTIVE_FROM_AGE, birthday
from referrals.selectors import PlanProgress, plan_progress

from .analysis import open_flags

#: The rules of the rulebook whose open flags the plan page shows.
PLAN_RULES = (
    "NO_PLAN",
    "PLAN_EVALUATION_OVERDUE",
    "PERSPECTIVE_PLAN_16",
    "TRANSITION_18",
    "CRISIS_NO_RETURN_PLAN",
)


@dataclass
class YouthPerspective:
    """One youth of the family with the perspective plans of this case."""

    youth: Youth
    age: int
    plans: list[PerspectivePlan]

    @property
    def from_16(self) -> bool:
        return self.age >= PERSPECTIVE_FROM_AGE

    @property
    def has_transition_plan(self) -> bool:
        return any(p.kind == PerspectiveKind.TRANSITION_18 for p in self.plans)


@dataclass
class PlanPage:
    plan: Plan | None
    explanations: list[Explanation]  # of the current analysis: what goals can be tied to
    workers: list[Worker]  # of the case's team: who can own an action
    youths: list[YouthPerspective]
    flags: list = field(default_factory=list)
    #: The providers' progress on the goals (oplopen met het gezin): each goal carries
    #: ``provider_progress`` (each provider's latest report), each evaluation
    #: ``provider_progress`` (the reports made for it).
    progress: PlanProgress = field(default_factory=lambda: PlanProgress({}, {}))

    @property
    def latest_progress(self) -> list[tuple[Goal, list]]:
        """The goals with a provider's report, each with the latest report of each provider:
        what a pending evaluation is held with."""
        return [(g, g.provider_progress) for g in self.goals if g.provider_progress]

    @property
    def goals(self) -> list[Goal]:
        return list(self.plan.goals.all()) if self.plan else []

    @property
    def evaluations(self) -> list[Evaluation]:
        """The plan's evaluations, each marked ``is_late`` (see ``mark_late``)."""
        return list(self.plan.evaluations.all()) if self.plan else []


def is_late(evaluation: Evaluation, today: dt.date) -> bool:
    """Past its planned date and not held: the plan page says "te laat"."""
    return evaluation.held_on is None and evaluation.planned_on < today


def mark_late(evaluations, today: dt.date) -> None:
    for evaluation in evaluations:
        evaluation.is_late = is_late(evaluation, today)


def age_on(birth: dt.date, on: dt.date) -> int:
    years = on.year - birth.year
    return years if on >= birthday(birth, years) else years - 1


def current_explanations(case: Case) -> list[Explanation]:
    """The explanations of the case's current analysis: what a goal can be tied to."""
    return list(
        Explanation.objects.filter(analysis__case=case, analysis__is_current=True)
        .select_related("analysis")
        .order_by("position", "id")
    )


def team_workers(case: Case) -> list[Worker]:
    """The active workers of the case's team: who can own an action."""
    return list(
        Worker.objects.filter(local_team=case.local_team_id, is_active=True).order_by(
            "name", "username"
        )
    )


def plan_page(case: Case, family: Family) -> PlanPage:
    """The current plan with goals (their explanations and actions) and evaluations, the
    explanations of the current analysis, the team's workers, the youths' perspective plans
    and the plan's open flags. ``family`` has its youths prefetched."""
    plan = (
        Plan.objects.filter(case=case, is_current=True)
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=Goal.objects.prefetch_related(
                    Prefetch(
                        "explanations",
                        queryset=Explanation.objects.select_related("analysis").order_by(
                            "position", "id"
                        ),
                    ),
                    Prefetch(
                        "actions",
                        queryset=Action.objects.select_related("owner_worker").order_by(
                            "done_on", "due_on", "id"
                        ),
                    ),
                ),
            ),
            "evaluations",
        )
        .first()
    )
    explanations = current_explanations(case)
    workers = team_workers(case)
    perspectives = list(
        PerspectivePlan.objects.filter(case=case)
        .select_related("drafted_by_provider", "drafted_by_worker", "agreed_by")
        .order_by("youth", "kind", "started_on")
    )
    today = timezone.localdate()
    progress = plan_progress(plan.pk if plan else None)
    if plan is not None:
        mark_late(plan.evaluations.all(), today)
        for goal in plan.goals.all():
            goal.provider_progress = progress.latest_for(goal.pk)
        for evaluation in plan.evaluations.all():
            evaluation.provider_progress = progress.of_evaluation(evaluation.pk)
    youths = [
        YouthPerspective(
            youth=y,
            age=age_on(y.birth_date, today),
            plans=[p for p in perspectives if p.youth_id == y.pk],
        )
        for y in family.youths.all()
    ]
    return PlanPage(
        plan=plan,
        explanations=explanations,
        workers=workers,
        youths=youths,
        flags=open_flags(case, PLAN_RULES),
        progress=progress,
    )


# --- the plan as the family sees it (print view and PDF) -------------------------------------


@dataclass
class DomainText:
    label: str  # the domain's Dutch name
    text: str


@dataclass
class PlanDocument:
    """What the print view and the PDF show for the family meeting: the family, the
    established analysis in force, the current plan and the regisseur."""

    family: Family
    case: Case
    youths: list[Youth]
    carers: list[Carer]
    regisseur: Worker | None
    analysis: Analysis | None  # the established version in force, if any
    domains: list[DomainText]  # the analysis's findings, in the order of ``AnalysisDomain``
    plan: Plan | None
    today: dt.date

    @property
    def goals(self) -> list[Goal]:
        return list(self.plan.goals.all()) if self.plan else []

    @property
    def evaluations(self) -> list[Evaluation]:
        return list(self.plan.evaluations.all()) if self.plan else []


def plan_document(case: Case, family: Family) -> PlanDocument:
    """The case's current plan (goals with their status, explanation numbers and actions;
    evaluations with their outcome, marked ``is_late``) and its established analysis
    (findings per domain, explanations, strengths), the family's carers and the case's
    regisseur today. ``family`` has its youths prefetched. A fixed number of queries."""
    today = timezone.localdate()
    analysis = (
        Analysis.objects.filter(case=case, is_current=True, status=AnalysisStatus.ESTABLISHED)
        .prefetch_related(
            "findings",
            Prefetch("explanations", queryset=Explanation.objects.order_by("position", "id")),
            Prefetch("strengths", queryset=Strength.objects.order_by("position", "id")),
        )
        .first()
    )
    plan = (
        Plan.objects.filter(case=case, is_current=True)
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=Goal.objects.prefetch_related(
                    Prefetch("explanations", queryset=Explanation.objects.order_by("id")),
                    Prefetch("actions", queryset=Action.objects.order_by("due_on", "id")),
                ),
            ),
            "evaluations",
        )
        .first()
    )
    domains: list[DomainText] = []
    if analysis is not None:
        found = {f.domain: f.text for f in analysis.findings.all()}
        domains = [
            DomainText(label=str(label), text=found[value])
            for value, label in AnalysisDomain.choices
            if found.get(value, "").strip()
        ]
    if plan is not None:
        numbers = (
            {e.pk: n for n, e in enumerate(analysis.explanations.all(), start=1)}
            if analysis
            else {}
        )
        for goal in plan.goals.all():
            goal.explanation_numbers = sorted(
                numbers[e.pk] for e in goal.explanations.all() if e.pk in numbers
            )
        mark_late(plan.evaluations.all(), today)
    period = (
        RegisseurPeriod.objects.in_force(today).filter(case=case).select_related("worker").first()
    )
    return PlanDocument(
        family=family,
        case=case,
        youths=list(family.youths.all()),
        carers=list(Carer.objects.filter(family=family).order_by("name", "ref")),
        regisseur=period.worker if period else None,
        analysis=analysis,
        domains=domains,
        plan=plan,
        today=today,
    )
