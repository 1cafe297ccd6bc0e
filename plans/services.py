"""Writes of the plan: one current plan per case, its goals, actions and evaluations, and the
perspective plans of the case's youths. Each write checks its business rule in a
transaction and asks the rulebook to re-judge the case when a flag may depend on it:

- NO_PLAN: a current plan agreed (``agreed_on``) by the day judged;
- PLAN_EVALUATION_OVERDUE: a planned evaluation of the current plan not held;
- PERSPECTIVE_PLAN_16: a youth of 16+ in specialist care needs a ``transition_18`` perspective
  plan (any status); TRANSITION_18 wants it *agreed* from half a year before 18;
- CRISIS_NO_RETURN_PLAN: a youth placed out of home (a product marked ``out_of_home``) needs a
  ``return_home`` one.

A perspective plan has structured parts (wonen, school of werk, inkomen, hulp thuis, contact
volwassenenzorg), each written or marked not applicable; agreeing needs all of them (service
and database constraint). The rules still read only kind and status.

Goals carry a status (open, reached, stopped) and held evaluations an outcome (continue,
scale down, stop, escalate), so the afbouw of help is visible; only the case's current
regisseur sets them (``set_goal_status``, ``set_evaluation_outcome``).

Goals are tied to explanations of the case's *current* analysis (the version in force, see
``analyses.services``); when a new version is established the goals follow the copies of
their explanations: ``establish_analysis_with_plan`` establishes the version and moves the
links (``follow_new_analysis_version``) in one transaction. The analysis knows nothing of the
plan (it is the floor below); pages establish a version through this function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analyses import services as analyses
from analyses.models import Analysis, Explanation
from casusregie.models import Case, RegisseurPeriod, Worker, Youth
from casusregie.policies import may_hand_over
from casusregie.rejudge import request_case_sweep
from casusregie.services import family_plain_text

from .models import (
    Action,
    AdultService,
    AgreedHow,
    Evaluation,
    EvaluationOutcome,
    Goal,
    GoalObjection,
    GoalStatus,
    PerspectiveKind,
    PerspectivePart,
    PerspectivePlan,
    PerspectiveStatus,
    Plan,
    PlanResponse,
)

#: A transition_18 perspective plan (toekomstplan) starts from this age (seed 003, 004).
PERSPECTIVE_FROM_AGE = 16


def birthday(birth: dt.date, years: int) -> dt.date:
    """The day one turns ``years``: 1 March for a 29 February child in a non-leap year (as the
    database function ``flags_birthday`` that the rulebook uses)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def _open(case: Case) -> Case:
    if not case.is_open:
        raise ValidationError(_("Deze casus is gesloten."))
    return case


def _locked_plan(plan: Plan) -> Plan:
    plan = Plan.objects.select_for_update().select_related("case").get(pk=plan.pk)
    _open(plan.case)
    if not plan.is_current:
        raise ValidationError(_("Dit plan is niet meer het huidige plan van de casus."))
    return plan


def _ensure_current_regisseur(case: Case, by: Worker | None) -> None:
    """Refuse anyone but the case's regisseur today or the team lead of the case's team (who
    also works on the plan, e.g. while the case has no regisseur)."""
    current = RegisseurPeriod.objects.in_force(timezone.localdate()).filter(case=case).first()
    if by is None or not may_hand_over(by, case, current):
        raise ValidationError(
            _("Alleen de huidige regisseur of de teamleider van de casus kan dit doen.")
        )


def _text(value: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(message)
    return text


def _not_in_future(day: dt.date, message: str) -> dt.date:
    if day > timezone.localdate():
        raise ValidationError(message)
    return day


# --- the plan -----------------------------------------------------------------------------------


@transaction.atomic
def start_plan(*, case: Case) -> Plan:
    """The case's one plan (1 Gezin, 1 Plan); refused when the case already has one."""
    case = _open(Case.objects.select_for_update().get(pk=case.pk))
    if Plan.objects.filter(case=case, is_current=True).exists():
        raise ValidationError(_("Deze casus heeft al een plan; werk dat bij."))
    return Plan.objects.create(case=case, is_current=True)


@transaction.atomic
def agree_plan(*, plan: Plan, agreed_on: dt.date | None = None) -> Plan:
    """The family and the regisseur agree the plan (on ``agreed_on``, default today)."""
    plan = _locked_plan(plan)
    agreed_on = _not_in_future(
        agreed_on or timezone.localdate(), _("Een plan kan niet in de toekomst zijn afgesproken.")
    )
    if agreed_on < plan.case.opened_on:
        raise ValidationError(_("Een plan kan niet zijn afgesproken voordat de casus begon."))
    if not plan.goals.exists():
        raise ValidationError(_("Leg ten minste één doel vast voordat u het plan afspreekt."))
    plan.agreed_on = agreed_on
    plan.agreed_by, plan.agreed_how = "", AgreedHow.REGISSEUR
    plan.save(update_fields=["agreed_on", "agreed_by", "agreed_how", "updated_at"])
    request_case_sweep(plan.case_id)
    return plan


# --- the family's answer to the plan (the gezinsportaal) -----------------------------------------


def family_member_label(account) -> str:
    """Who agreed, as the plan records it: the carer's or the youth's name and kind."""
    person = account.person
    kind = _("ouder/verzorger") if account.carer_id else _("jongere")
    return f"{person.name} ({kind})"[:200]


@transaction.atomic
def answer_plan_by_family(
    *, plan: Plan, account, agrees: bool, note: str = "", objections: Mapping[int, str] = ()
) -> PlanResponse:
    """A family account agrees the plan, or says what it does not agree with (a note, and a text
    per goal in ``objections``: goal id → text). The first agreement of a plan not yet agreed
    sets ``agreed_on`` today, with who agreed and how; a later disagreement leaves it, and the
    regisseur sees it on the gezinsportaal's worker page."""
    plan = _locked_plan(plan)
    if plan.case.family_id != account.family_id:
        raise ValidationError(_("Dit plan hoort niet bij uw gezin."))
    objections = dict(objections or {})
    note = family_plain_text(note) if (note or "").strip() else ""
    if agrees:
        objections, note = {}, note
    elif not objections and not note:
        raise ValidationError(_("Schrijf bij ten minste één doel wat u er niet goed aan vindt."))
    goals = {g.pk: g for g in plan.goals.all()}
    if set(objections) - set(goals):
        raise ValidationError(_("Dit doel hoort niet bij uw plan."))
    response, _created = PlanResponse.objects.update_or_create(
        plan=plan,
        account=account,
        defaults={"agrees": agrees, "note": note, "answered_at": timezone.now()},
    )
    response.objections.all().delete()
    GoalObjection.objects.bulk_create(
        GoalObjection(response=response, goal=goals[goal_id], text=family_plain_text(text))
        for goal_id, text in sorted(objections.items())
    )
    if agrees and plan.agreed_on is None:
        if not goals:
            raise ValidationError(_("Dit plan heeft nog geen doelen."))
        plan.agreed_on = timezone.localdate()
        plan.agreed_by = family_member_label(account)
        plan.agreed_how = AgreedHow.FAMILY_PORTAL
        plan.save(update_fields=["agreed_on", "agreed_by", "agreed_how", "updated_at"])
        request_case_sweep(plan.case_id)
    return response


# --- goals and actions --------------------------------------------------------------------------


def _current_explanations(case: Case, explanation_ids: Iterable[int]) -> list[Explanation]:
    ids = {int(i) for i in explanation_ids}
    if not ids:
        raise ValidationError(
            _("Koppel het doel aan ten minste één verklaring uit de verklarende analyse.")
        )
    found = list(
        Explanation.objects.filter(pk__in=ids, analysis__case=case, analysis__is_current=True)
    )
    if len(found) != len(ids):
        raise ValidationError(
            _("Koppel een doel alleen aan verklaringen uit de huidige analyse van deze casus.")
        )
    return found


@transaction.atomic
def add_goal(*, plan: Plan, text: str, explanation_ids: Iterable[int]) -> Goal:
    """A goal, tied to one or more explanations of the current analysis."""
    plan = _locked_plan(plan)
    text = _text(text, _("Schrijf het doel op."))
    explanations = _current_explanations(plan.case, explanation_ids)
    last = plan.goals.aggregate(p=Max("position"))["p"]
    goal = Goal.objects.create(plan=plan, text=text, position=0 if last is None else last + 1)
    goal.explanations.set(explanations)
    return goal


@transaction.atomic
def change_goal(*, goal: Goal, text: str, explanation_ids: Iterable[int]) -> Goal:
    plan = _locked_plan(goal.plan)
    goal.text = _text(text, _("Schrijf het doel op."))
    explanations = _current_explanations(plan.case, explanation_ids)
    goal.save(update_fields=["text"])
    goal.explanations.set(explanations)
    return goal


@transaction.atomic
def remove_goal(*, goal: Goal) -> None:
    """Remove a goal with its actions."""
    _locked_plan(goal.plan)
    goal.delete()


@transaction.atomic
def set_goal_status(*, goal: Goal, status: str, by: Worker) -> Goal:
    """The goal is reached, stopped, or open again; only the current regisseur says so."""
    plan = _locked_plan(goal.plan)
    _ensure_current_regisseur(plan.case, by)
    if status not in GoalStatus.values:
        raise ValidationError(
            {"status": _("Kies een status van het doel: open, behaald of gestopt.")}
        )
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if goal.status != status:
        goal.status = status
        goal.save(update_fields=["status"])
    return goal


@transaction.atomic
def add_action(
    *,
    goal: Goal,
    description: str,
    due_on: dt.date,
    owner: str = "",
    owner_worker: Worker | None = None,
) -> Action:
    """A concrete step with who does it (a name, e.g. ‘moeder’ or ‘school’, or a worker of the
    case's team) and the date it is due."""
    plan = _locked_plan(goal.plan)
    description = _text(description, _("Beschrijf de actie."))
    owner = (owner or "").strip()
    if owner_worker is not None and owner:
        raise ValidationError(_("Kies een medewerker óf vul een naam in, niet allebei."))
    if owner_worker is not None:
        if owner_worker.local_team_id != plan.case.local_team_id or not owner_worker.is_active:
            raise ValidationError(_("Kies een medewerker van het team van deze casus."))
        owner = str(owner_worker)[:200]
    if not owner:
        raise ValidationError(_("Vul in wie de actie uitvoert, of kies een medewerker."))
    if due_on is None:
        raise ValidationError(_("Vul in wanneer de actie uiterlijk gedaan is."))
    if due_on < plan.case.opened_on:
        raise ValidationError(_("Een actie kan niet uiterlijk vóór het begin van de casus."))
    return Action.objects.create(
        goal=goal, description=description, owner=owner, owner_worker=owner_worker, due_on=due_on
    )


@transaction.atomic
def complete_action(*, action: Action, done_on: dt.date | None = None) -> Action:
    _locked_plan(action.goal.plan)
    if action.done_on is not None:
        raise ValidationError(_("Deze actie is al gedaan."))
    action.done_on = _not_in_future(
        done_on or timezone.localdate(), _("Een actie kan niet in de toekomst gedaan zijn.")
    )
    action.save(update_fields=["done_on"])
    return action


@transaction.atomic
def remove_action(*, action: Action) -> None:
    _locked_plan(action.goal.plan)
    action.delete()


# --- evaluations --------------------------------------------------------------------------------


@transaction.atomic
def plan_evaluation(*, plan: Plan, planned_on: dt.date) -> Evaluation:
    """A date to evaluate the plan with the family (today or later)."""
    plan = _locked_plan(plan)
    if planned_on < timezone.localdate():
        raise ValidationError(_("Plan een evaluatie vandaag of later."))
    if plan.evaluations.filter(planned_on=planned_on, held_on__isnull=True).exists():
        raise ValidationError(_("Op die datum staat al een evaluatie gepland."))
    evaluation = Evaluation.objects.create(plan=plan, planned_on=planned_on)
    request_case_sweep(plan.case_id)
    return evaluation


@transaction.atomic
def record_evaluation(
    *,
    evaluation: Evaluation,
    held_on: dt.date,
    notes: str,
    next_planned_on: dt.date | None = None,
    outcome: str = "",
    by: Worker | None = None,
) -> Evaluation:
    """The evaluation was held: when, and what came out of it; optionally the next date and
    its outcome for the help (``outcome``, set by the current regisseur ``by``, as in
    ``set_evaluation_outcome``)."""
    plan = _locked_plan(evaluation.plan)
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.held_on is not None:
        raise ValidationError(_("Deze evaluatie is al vastgelegd."))
    _not_in_future(held_on, _("Een evaluatie kan niet in de toekomst gehouden zijn."))
    if held_on < plan.case.opened_on:
        raise ValidationError(
            _("Een evaluatie kan niet vóór het begin van de casus gehouden zijn.")
        )
    evaluation.held_on = held_on
    evaluation.notes = _text(notes, _("Vat samen wat de evaluatie opleverde."))
    evaluation.save(update_fields=["held_on", "notes"])
    if outcome:
        set_evaluation_outcome(evaluation=evaluation, outcome=outcome, by=by)
    if next_planned_on is not None:
        plan_evaluation(plan=plan, planned_on=next_planned_on)
    request_case_sweep(plan.case_id)
    return evaluation


@transaction.atomic
def set_evaluation_outcome(*, evaluation: Evaluation, outcome: str, by: Worker) -> Evaluation:
    """What a held evaluation decided for the help: doorgaan, afschalen, stoppen or
    opschalen/escaleren; only the current regisseur sets (or corrects) it."""
    plan = _locked_plan(evaluation.plan)
    _ensure_current_regisseur(plan.case, by)
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.held_on is None:
        raise ValidationError(
            _("Een evaluatie krijgt een uitkomst als ze is gehouden; leg dat eerst vast.")
        )
    if outcome not in EvaluationOutcome.values:
        raise ValidationError(
            {"outcome": _("Kies de uitkomst: doorgaan, afschalen, stoppen of opschalen/escaleren.")}
        )
    if evaluation.outcome != outcome:
        evaluation.outcome = outcome
        evaluation.save(update_fields=["outcome"])
    return evaluation


@transaction.atomic
def cancel_evaluation(*, evaluation: Evaluation) -> None:
    """Remove a planned evaluation that was not held (a held one stays on record)."""
    plan = _locked_plan(evaluation.plan)
    if evaluation.held_on is not None:
        raise ValidationError(_("Een gehouden evaluatie blijft bewaard."))
    evaluation.delete()
    request_case_sweep(plan.case_id)


# --- perspective plans --------------------------------------------------------------------------
#
# Who may *draft* a perspective plan for a provider (the provider in whose care the youth is,
# with the family's consent) reads referrals, which stand above this app: those checks are in
# ``referrals.services.draft_perspective_plan`` / ``update_perspective_plan``, which call
# ``add_perspective_plan`` / ``change_perspective_plan`` here. Agreeing is the case's own
# (``agree_perspective_plan``).


@dataclass(frozen=True)
class PartInput:
    """One part of a perspective plan as written: its text, or ``not_applicable``; for the
    adult services contact (``adult_services``) also which services (``AdultService``
    values) — its text is then the contact (who, where)."""

    text: str = ""
    not_applicable: bool = False
    services: tuple[str, ...] = ()


#: part → ``PartInput``; a part left out stays as it is.
PartsInput = Mapping[str, PartInput]

PART_MAX_LENGTH = 5000

MISSING_PART_MESSAGES: dict[str, str] = {
    PerspectivePart.HOUSING: gettext_lazy(
        "Vul het onderdeel wonen in, of zet het op ‘niet van toepassing’."
    ),
    PerspectivePart.SCHOOL_OR_WORK: gettext_lazy(
        "Vul het onderdeel school of werk in, of zet het op ‘niet van toepassing’."
    ),
    PerspectivePart.INCOME: gettext_lazy(
        "Vul het onderdeel inkomen in, of zet het op ‘niet van toepassing’."
    ),
    PerspectivePart.HELP_AT_HOME: gettext_lazy(
        "Vul het onderdeel hulp thuis in, of zet het op ‘niet van toepassing’."
    ),
    PerspectivePart.ADULT_SERVICES: gettext_lazy(
        "Kies bij contact volwassenenzorg welke (Wmo, ggz, schuldhulp) en vul het contact in, "
        "of zet het op ‘niet van toepassing’."
    ),
}


def is_part_filled(perspective: PerspectivePlan, part: str) -> bool:
    """Written (a non-space character; for adult services also a service chosen) or not
    applicable: what the constraint ``perspective_agreed_parts_complete`` asks."""
    if getattr(perspective, f"{part}_na"):
        return True
    written = bool(getattr(perspective, part).strip())
    if part == PerspectivePart.ADULT_SERVICES:
        return written and bool(perspective.adult_service_values())
    return written


def missing_parts(perspective: PerspectivePlan) -> dict[str, str]:
    """The parts still to write before the plan can be agreed, each with its Dutch message,
    in the order of ``PerspectivePart``."""
    return {
        part: str(MISSING_PART_MESSAGES[part])
        for part in PerspectivePart.values
        if not is_part_filled(perspective, part)
    }


def _write_parts(perspective: PerspectivePlan, parts: PartsInput) -> list[str]:
    """Set the given parts on ``perspective`` (not saved); every refusal at once, per part.
    Returns the fields set."""
    errors: dict[str, str] = {}
    fields: list[str] = []
    for part, value in parts.items():
        if part not in PerspectivePart.values:
            errors["parts"] = _("Onbekend onderdeel van een perspectiefplan: %(part)s.") % {
                "part": str(part)[:40]
            }
            continue
        text = (value.text or "").strip()
        services = tuple(dict.fromkeys(value.services or ()))
        if len(text) > PART_MAX_LENGTH:
            errors[part] = _("Schrijf dit onderdeel in ten hoogste %(n)s tekens.") % {
                "n": PART_MAX_LENGTH
            }
        elif value.not_applicable and (text or services):
            errors[part] = _(
                "Vul dit onderdeel in óf zet het op ‘niet van toepassing’, niet allebei."
            )
        elif services and part != PerspectivePart.ADULT_SERVICES:
            errors[part] = _("Alleen bij contact volwassenenzorg kiest u Wmo, ggz of schuldhulp.")
        elif any(s not in AdultService.values for s in services):
            errors[part] = _("Kies bij contact volwassenenzorg uit Wmo, ggz en schuldhulp.")
        if part in errors:
            continue
        setattr(perspective, part, text)
        setattr(perspective, f"{part}_na", bool(value.not_applicable))
        fields += [part, f"{part}_na"]
        if part == PerspectivePart.ADULT_SERVICES:
            for service in AdultService.values:
                setattr(perspective, f"adult_services_{service}", service in services)
                fields.append(f"adult_services_{service}")
    if errors:
        raise ValidationError(errors)
    return fields


class PerspectivePlanChanged(Exception):
    """The perspective plan's version is not the one expected: changed meanwhile."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


@transaction.atomic
def add_perspective_plan(
    *,
    case: Case,
    youth: Youth,
    kind: str,
    started_on: dt.date | None = None,
    notes: str = "",
    parts: PartsInput | None = None,
    drafted_by_worker: Worker | None = None,
    drafted_by_provider_id: int | None = None,
) -> PerspectivePlan:
    """A perspectiefplan for one youth: the toekomstplan for the 18-/18+ transition (from 16)
    or the plan for returning home after a placement (crisis, verblijf); a draft, with the
    ``parts`` written so far and who drafted it (a worker of the case, or the provider whose
    id ``referrals.services.draft_perspective_plan`` vouches for)."""
    case = _open(Case.objects.select_for_update().get(pk=case.pk))
    if youth.family_id != case.family_id:
        raise ValidationError(_("Deze jeugdige hoort niet bij het gezin van deze casus."))
    if kind not in PerspectiveKind.values:
        raise ValidationError({"kind": _("Onbekende soort perspectiefplan.")})
    started_on = _not_in_future(
        started_on or timezone.localdate(),
        _("Een perspectiefplan kan niet in de toekomst gestart zijn."),
    )
    if kind == PerspectiveKind.TRANSITION_18 and started_on < birthday(
        youth.birth_date, PERSPECTIVE_FROM_AGE
    ):
        raise ValidationError(
            _(
                "Het toekomstplan voor de overgang 18-/18+ begint vanaf 16 jaar; %(name)s is "
                "dan nog geen 16."
            )
            % {"name": youth.name}
        )
    if PerspectivePlan.objects.filter(case=case, youth=youth, kind=kind).exists():
        raise ValidationError(
            _("Voor %(name)s is er al een perspectiefplan ‘%(kind)s’; werk dat bij.")
            % {"name": youth.name, "kind": PerspectiveKind(kind).label}
        )
    perspective = PerspectivePlan(
        case=case,
        youth=youth,
        kind=kind,
        started_on=started_on,
        notes=(notes or "").strip(),
        drafted_by_worker=drafted_by_worker,
        drafted_by_provider_id=drafted_by_provider_id,
    )
    _write_parts(perspective, parts or {})
    perspective.save()
    request_case_sweep(case.pk)
    return perspective


def _locked_perspective(perspective: PerspectivePlan) -> PerspectivePlan:
    perspective = (
        PerspectivePlan.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=perspective.pk)
    )
    _open(perspective.case)
    return perspective


@transaction.atomic
def change_perspective_plan(
    *,
    perspective: PerspectivePlan,
    notes: str | None = None,
    parts: PartsInput | None = None,
    by_worker: Worker | None = None,
    drafted_by_provider_id: int | None = None,
    expected_version: int | None = None,
) -> PerspectivePlan:
    """Write the notes and the given ``parts`` (``None``: left as they are). A worker of the
    case (``by_worker``) may correct an agreed plan too, as long as every part stays filled
    or not applicable; a provider's draft goes through ``referrals.services``. With
    ``expected_version``, a plan changed meanwhile is refused (``PerspectivePlanChanged``)."""
    perspective = _locked_perspective(perspective)
    if expected_version is not None and expected_version != perspective.version:
        raise PerspectivePlanChanged(perspective.version)
    fields = _write_parts(perspective, parts or {})
    if notes is not None:
        perspective.notes = notes.strip()
        fields.append("notes")
    if perspective.status == PerspectiveStatus.AGREED:
        missing = missing_parts(perspective)
        if missing:
            raise ValidationError(missing)
    if by_worker is not None and perspective.drafted_by_worker_id is None:
        perspective.drafted_by_worker = by_worker
        fields.append("drafted_by_worker")
    if drafted_by_provider_id is not None:
        perspective.drafted_by_provider_id = drafted_by_provider_id
        fields.append("drafted_by_provider")
    perspective.version += 1
    perspective.save(update_fields=[*dict.fromkeys(fields), "version"])
    return perspective


@transaction.atomic
def agree_perspective_plan(*, plan: PerspectivePlan, by_worker: Worker) -> PerspectivePlan:
    """The youth, the family (and for 18+: adult services) agree the perspective plan; the
    case's current regisseur (or the team lead of its team) records it, today. Refused, with a
    message per part, while a part is neither written nor marked not applicable."""
    perspective = _locked_perspective(plan)
    _ensure_current_regisseur(perspective.case, by_worker)
    if perspective.status == PerspectiveStatus.AGREED:
        raise ValidationError(_("Dit perspectiefplan is al afgesproken."))
    missing = missing_parts(perspective)
    if missing:
        raise ValidationError(missing)
    perspective.status = PerspectiveStatus.AGREED
    perspective.agreed_on = timezone.localdate()
    perspective.agreed_by = by_worker
    perspective.version += 1
    perspective.save(update_fields=["status", "agreed_on", "agreed_by", "version"])
    request_case_sweep(perspective.case_id)
    return perspective


PARTS_NOT_RECORDED_NOTE = (
    "Afgesproken vóór de onderdelen van het perspectiefplan werden vastgelegd; de onderdelen "
    "staan daarom op ‘niet van toepassing’."
)


def parts_not_recorded() -> dict[str, object]:
    """The field values of a plan agreed before its parts were recorded (an imported dossier
    names only the status): every part not applicable, and a note that says why (as
    migration plans 0006 did for the plans agreed then)."""
    return {f"{part}_na": True for part in PerspectivePart.values} | {
        "notes": PARTS_NOT_RECORDED_NOTE
    }


# --- following the analysis ---------------------------------------------------------------------


def follow_new_analysis_version(*, case: Case, copies: Mapping[int, int]) -> int:
    """A new analysis version was established: the current plan's goals that were tied to an
    explanation of the earlier version are tied to its copy instead (``copies``: earlier
    explanation id → copy id). Links to explanations left out of the new version stay, so
    the page can show them as from an earlier version. Returns how many links moved."""
    through = Goal.explanations.through
    links = list(
        through.objects.filter(
            goal__plan__case=case, goal__plan__is_current=True, explanation_id__in=list(copies)
        ).values_list("pk", "goal_id", "explanation_id")
    )
    through.objects.bulk_create(
        [through(goal_id=goal_id, explanation_id=copies[old]) for _pk, goal_id, old in links],
        ignore_conflicts=True,
    )
    through.objects.filter(pk__in=[pk for pk, _goal, _old in links]).delete()
    return len(links)


@transaction.atomic
def establish_analysis_with_plan(*, analysis: Analysis) -> Analysis:
    """Establish the analysis's draft (``analyses.services.establish_analysis``) and let the
    current plan follow: its goals tied to explanations of the version this one replaces are
    tied to their copies (``follow_new_analysis_version``), in the same transaction."""
    replaced = (
        Analysis.objects.filter(case_id=analysis.case_id, is_current=True)
        .exclude(pk=analysis.pk)
        .values_list("pk", flat=True)
        .first()
    )
    established = analyses.establish_analysis(analysis=analysis)
    if replaced is not None:
        follow_new_analysis_version(
            case=established.case,
            copies=dict(
                Explanation.objects.filter(
                    analysis=established, derived_from__analysis=replaced
                ).values_list("derived_from_id", "pk")
            ),
        )
    return established
