"""The plan editor: thin views over ``plans.services`` and ``worker.selectors.plan``.

Every page needs ``casusregie.change_family_record`` (a family out of scope is a 404) and
writes the access log; changes with action ``change``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casusregie.access_log import Access, record_worker_access
from casusregie.models import Case, Family
from casusregie.selectors import open_case_of
from casusregie.views.accounts import worker_required
from plans import services
from plans.forms import (
    ActionForm,
    AgreeForm,
    EvaluationOutcomeForm,
    EvaluationPlanForm,
    EvaluationRecordForm,
    GoalForm,
    GoalStatusForm,
    PerspectiveForm,
    PerspectivePlanForm,
)
from plans.models import Action, Evaluation, Goal, PerspectivePart, PerspectivePlan, Plan

from ..editing import CHANGE_PERM, apply_form, changed, editing_view, editor_family_or_404
from ..selectors import plan as selectors

PURPOSE = "regie en hulpverlening: plan"


def _accesses(family: Family, case: Case | None, page) -> list[Access]:
    if case is None:
        return [Access(family.ref, "family", family.ref)]
    items = [
        Access(family.ref, "plan", str(page.plan.pk))
        if page.plan
        else Access(family.ref, "case", case.ref)
    ]
    items += [Access(family.ref, "youth", y.youth.ref) for y in page.youths]
    return items


def _editor_page(
    request: HttpRequest,
    family: Family,
    case: Case | None,
    *,
    bound: dict | None = None,
    errors: list[str] = (),
    status: int = 200,
) -> HttpResponse:
    page = selectors.plan_page(case, family) if case is not None else None
    record_worker_access(request, _accesses(family, case, page), purpose=PURPOSE)
    bound = bound or {}
    context = {"family": family, "case": case, "page": page, "errors": list(errors)}
    if page is not None:
        today = timezone.localdate()

        def form(key: str, make):
            return bound.get(key) or make()

        explanations = page.explanations
        context["goal_form"] = form(
            "goal_form", lambda: GoalForm(prefix="doel", explanations=explanations)
        )
        context["goals"] = [
            {
                "goal": goal,
                "form": form(
                    f"goal-{goal.pk}",
                    lambda goal=goal: GoalForm(
                        prefix=f"doel-{goal.pk}",
                        explanations=explanations,
                        initial={
                            "text": goal.text,
                            "explanations": [
                                str(e.pk) for e in goal.explanations.all() if e.analysis.is_current
                            ],
                        },
                    ),
                ),
                "open": f"goal-{goal.pk}" in bound,
                "status_form": form(
                    f"goal-status-{goal.pk}",
                    lambda goal=goal: GoalStatusForm(
                        prefix=f"status-{goal.pk}", initial={"status": goal.status}
                    ),
                ),
                "action_form": form(
                    f"action-{goal.pk}",
                    lambda goal=goal: ActionForm(prefix=f"actie-{goal.pk}", workers=page.workers),
                ),
                "action_open": f"action-{goal.pk}" in bound,
            }
            for goal in page.goals
        ]
        context["evaluations"] = [
            (
                evaluation,
                form(
                    f"outcome-{evaluation.pk}",
                    lambda evaluation=evaluation: EvaluationOutcomeForm(
                        prefix=f"uitkomst-{evaluation.pk}",
                        initial={"outcome": evaluation.outcome},
                    ),
                )
                if evaluation.held_on
                else form(
                    f"evaluation-{evaluation.pk}",
                    lambda evaluation=evaluation: EvaluationRecordForm(
                        prefix=f"evaluatie-{evaluation.pk}", initial={"held_on": today}
                    ),
                ),
                f"evaluation-{evaluation.pk}" in bound or f"outcome-{evaluation.pk}" in bound,
            )
            for evaluation in page.evaluations
        ]
        context["evaluation_form"] = form(
            "evaluation_form", lambda: EvaluationPlanForm(prefix="evaluatie")
        )
        context["agree_form"] = form(
            "agree_form", lambda: AgreeForm(prefix="afspraak", initial={"agreed_on": today})
        )
        context["perspective_form"] = form(
            "perspective_form",
            lambda: PerspectiveForm(
                prefix="perspectief",
                youths=[y.youth for y in page.youths],
                initial={"started_on": today},
            ),
        )
        for y in page.youths:
            for p in y.plans:
                p.form = form(
                    f"perspective-{p.pk}",
                    lambda p=p: PerspectivePlanForm(
                        prefix=f"perspectief-{p.pk}", initial=PerspectivePlanForm.values_of(p)
                    ),
                )
                p.missing = [PerspectivePart(part).label for part in services.missing_parts(p)]
    return render(request, "plans/editor.html", context, status=status)


editing = editing_view(_editor_page)  # a POST that changes the open case's plan


def _plan(case: Case) -> Plan:
    plan = Plan.objects.filter(case=case, is_current=True).first()
    if plan is None:
        raise ValidationError(_("Deze casus heeft nog geen plan. Begin eerst het plan."))
    return plan


def _done(
    request: HttpRequest,
    family: Family,
    accesses: list[tuple[str, object]],
    message: str,
    anchor: str = "",
) -> HttpResponse:
    logged = [Access(family.ref, kind, str(ref)) for kind, ref in accesses]
    return changed(
        request, family, logged, message, editor="plan-editor", purpose=PURPOSE, anchor=anchor
    )


@require_GET
@worker_required
def editor(request: HttpRequest, ref: str) -> HttpResponse:
    family = editor_family_or_404(request, ref, CHANGE_PERM)
    return _editor_page(request, family, open_case_of(family))


@editing
def start(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    plan = services.start_plan(case=case)
    return _done(request, family, [("plan", plan.pk)], _("Het plan is begonnen."))


@editing
def agree(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    plan = _plan(case)
    form = AgreeForm(request.POST, prefix="afspraak")
    apply_form(
        "agree_form",
        form,
        lambda data: services.agree_plan(plan=plan, agreed_on=data["agreed_on"]),
    )
    return _done(
        request,
        family,
        [("plan", plan.pk)],
        _("Het plan is met het gezin afgesproken."),
        "afspraak",
    )


def _explanations(case: Case):
    return selectors.current_explanations(case)


@editing
def goal_add(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    plan = _plan(case)
    form = GoalForm(request.POST, prefix="doel", explanations=_explanations(case))
    goal = apply_form(
        "goal_form",
        form,
        lambda data: services.add_goal(
            plan=plan, text=data["text"], explanation_ids=form.explanation_ids()
        ),
    )
    return _done(request, family, [("goal", goal.pk)], _("Het doel is toegevoegd."), "doelen")


def _goal(case: Case, goal_id: int) -> Goal:
    return get_object_or_404(
        Goal.objects.select_related("plan"), pk=goal_id, plan__case=case, plan__is_current=True
    )


@editing
def goal_change(request: HttpRequest, family: Family, case: Case, goal_id: int) -> HttpResponse:
    goal = _goal(case, goal_id)
    form = GoalForm(request.POST, prefix=f"doel-{goal.pk}", explanations=_explanations(case))
    apply_form(
        f"goal-{goal.pk}",
        form,
        lambda data: services.change_goal(
            goal=goal, text=data["text"], explanation_ids=form.explanation_ids()
        ),
    )
    return _done(
        request, family, [("goal", goal.pk)], _("Het doel is gewijzigd."), f"doel-{goal.pk}"
    )


@editing
def goal_delete(request: HttpRequest, family: Family, case: Case, goal_id: int) -> HttpResponse:
    goal = _goal(case, goal_id)
    services.remove_goal(goal=goal)
    return _done(request, family, [("goal", goal_id)], _("Het doel is verwijderd."), "doelen")


@editing
def goal_status(request: HttpRequest, family: Family, case: Case, goal_id: int) -> HttpResponse:
    goal = _goal(case, goal_id)
    form = GoalStatusForm(request.POST, prefix=f"status-{goal.pk}")
    goal = apply_form(
        f"goal-status-{goal.pk}",
        form,
        lambda data: services.set_goal_status(goal=goal, status=data["status"], by=request.user),
    )
    return _done(
        request,
        family,
        [("goal", goal.pk)],
        _("De status van het doel is nu ‘%(status)s’.") % {"status": goal.get_status_display()},
        f"doel-{goal.pk}",
    )


@editing
def action_add(request: HttpRequest, family: Family, case: Case, goal_id: int) -> HttpResponse:
    goal = _goal(case, goal_id)
    form = ActionForm(request.POST, prefix=f"actie-{goal.pk}", workers=selectors.team_workers(case))
    action = apply_form(
        f"action-{goal.pk}",
        form,
        lambda data: services.add_action(
            goal=goal,
            description=data["description"],
            owner=data["owner"],
            owner_worker=form.worker(),
            due_on=data["due_on"],
        ),
    )
    return _done(
        request, family, [("action", action.pk)], _("De actie is toegevoegd."), f"doel-{goal.pk}"
    )


def _action(case: Case, action_id: int) -> Action:
    return get_object_or_404(
        Action.objects.select_related("goal__plan"),
        pk=action_id,
        goal__plan__case=case,
        goal__plan__is_current=True,
    )


@editing
def action_done(request: HttpRequest, family: Family, case: Case, action_id: int) -> HttpResponse:
    action = _action(case, action_id)
    services.complete_action(action=action)
    return _done(
        request,
        family,
        [("action", action.pk)],
        _("De actie is afgevinkt."),
        f"doel-{action.goal_id}",
    )


@editing
def action_delete(request: HttpRequest, family: Family, case: Case, action_id: int) -> HttpResponse:
    action = _action(case, action_id)
    services.remove_action(action=action)
    return _done(
        request,
        family,
        [("action", action_id)],
        _("De actie is verwijderd."),
        f"doel-{action.goal_id}",
    )


@editing
def evaluation_add(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    plan = _plan(case)
    form = EvaluationPlanForm(request.POST, prefix="evaluatie")
    evaluation = apply_form(
        "evaluation_form",
        form,
        lambda data: services.plan_evaluation(plan=plan, planned_on=data["planned_on"]),
    )
    return _done(
        request,
        family,
        [("evaluation", evaluation.pk)],
        _("De evaluatie is gepland."),
        "evaluaties",
    )


def _evaluation(case: Case, evaluation_id: int) -> Evaluation:
    return get_object_or_404(
        Evaluation.objects.select_related("plan"),
        pk=evaluation_id,
        plan__case=case,
        plan__is_current=True,
    )


@editing
def evaluation_record(
    request: HttpRequest, family: Family, case: Case, evaluation_id: int
) -> HttpResponse:
    evaluation = _evaluation(case, evaluation_id)
    form = EvaluationRecordForm(request.POST, prefix=f"evaluatie-{evaluation.pk}")
    apply_form(
        f"evaluation-{evaluation.pk}",
        form,
        lambda data: services.record_evaluation(
            evaluation=evaluation,
            held_on=data["held_on"],
            notes=data["notes"],
            next_planned_on=data["next_planned_on"],
            outcome=data["outcome"],
            by=request.user,
        ),
    )
    return _done(
        request,
        family,
        [("evaluation", evaluation.pk)],
        _("De evaluatie is vastgelegd."),
        "evaluaties",
    )


@editing
def evaluation_outcome(
    request: HttpRequest, family: Family, case: Case, evaluation_id: int
) -> HttpResponse:
    evaluation = _evaluation(case, evaluation_id)
    form = EvaluationOutcomeForm(request.POST, prefix=f"uitkomst-{evaluation.pk}")
    apply_form(
        f"outcome-{evaluation.pk}",
        form,
        lambda data: services.set_evaluation_outcome(
            evaluation=evaluation, outcome=data["outcome"], by=request.user
        ),
    )
    return _done(
        request,
        family,
        [("evaluation", evaluation.pk)],
        _("De uitkomst van de evaluatie is vastgelegd."),
        "evaluaties",
    )


@editing
def evaluation_delete(
    request: HttpRequest, family: Family, case: Case, evaluation_id: int
) -> HttpResponse:
    evaluation = _evaluation(case, evaluation_id)
    services.cancel_evaluation(evaluation=evaluation)
    return _done(
        request,
        family,
        [("evaluation", evaluation_id)],
        _("De geplande evaluatie is geschrapt."),
        "evaluaties",
    )


@editing
def perspective_add(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    form = PerspectiveForm(request.POST, prefix="perspectief", youths=list(family.youths.all()))
    perspective = apply_form(
        "perspective_form",
        form,
        lambda data: services.add_perspective_plan(
            case=case,
            youth=form.chosen_youth(),
            kind=data["kind"],
            started_on=data["started_on"],
            notes=data["notes"],
            drafted_by_worker=request.user,
        ),
    )
    return _done(
        request,
        family,
        [("perspective_plan", perspective.pk), ("youth", perspective.youth.ref)],
        _("Het perspectiefplan is begonnen."),
        "perspectief",
    )


def _perspective(case: Case, perspective_id: int) -> PerspectivePlan:
    return get_object_or_404(
        PerspectivePlan.objects.select_related("youth"), pk=perspective_id, case=case
    )


@editing
def perspective_change(
    request: HttpRequest, family: Family, case: Case, perspective_id: int
) -> HttpResponse:
    perspective = _perspective(case, perspective_id)
    form = PerspectivePlanForm(request.POST, prefix=f"perspectief-{perspective.pk}")
    apply_form(
        f"perspective-{perspective.pk}",
        form,
        lambda data: services.change_perspective_plan(
            perspective=perspective,
            notes=data["notes"],
            parts=form.parts_input(),
            by_worker=request.user,
        ),
    )
    return _done(
        request,
        family,
        [("perspective_plan", perspective.pk), ("youth", perspective.youth.ref)],
        _("Het perspectiefplan is opgeslagen."),
        f"perspectief-{perspective.pk}",
    )


@editing
def perspective_agree(
    request: HttpRequest, family: Family, case: Case, perspective_id: int
) -> HttpResponse:
    perspective = _perspective(case, perspective_id)
    # What the plan holds now, so that a part still missing is refused next to that part.
    prefix = f"perspectief-{perspective.pk}"
    apply_form(
        f"perspective-{perspective.pk}",
        PerspectivePlanForm.bound_to(perspective, prefix),
        lambda data: services.agree_perspective_plan(plan=perspective, by_worker=request.user),
    )
    return _done(
        request,
        family,
        [("perspective_plan", perspective.pk), ("youth", perspective.youth.ref)],
        _("Het perspectiefplan is afgesproken."),
        f"perspectief-{perspective.pk}",
    )
