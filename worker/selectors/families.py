"""Reads for the worker pages: families within the reader's scope, with no N+1.

Every function takes the reading user: the scope comes from ``policies.visible_families``, so a
family outside it is simply not found (a 404, never a 403).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pghistory.models
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from analyses.models import Analysis, Participant
from casusregie.models import (
    Carer,
    Case,
    Consent,
    EducationPeriod,
    Family,
    FamilyMove,
    InvolvedProfessional,
    LocalTeam,
    RegieTransfer,
    RegisseurPeriod,
    Worker,
    Youth,
)
from casusregie.policies import visible_families
from flags.models import Flag, Severity
from plans.models import Action, Evaluation, Goal, PerspectivePlan, Plan
from referrals.models import Provider, Referral

FAMILY_LIST_PAGE = 25


def family_list(user, query: str = "") -> QuerySet[Family]:
    """Families in scope, searchable by family ref or a member's name (never by BSN)."""
    families = visible_families(user).select_related("municipality")
    query = query.strip()
    if query:
        families = families.filter(
            Q(ref__iexact=query)
            | Q(youths__name__icontains=query)
            | Q(carers__name__icontains=query)
        ).distinct()
    return families.prefetch_related(
        Prefetch("youths", queryset=Youth.objects.order_by("birth_date", "ref")),
        Prefetch("carers", queryset=Carer.objects.order_by("id")),  # as registered
    ).order_by("ref")


def families_for_page() -> QuerySet[Family]:
    """Families with everything the family page shows (not scoped: pass it to
    ``casusregie.policies.family_or_404``)."""
    return Family.objects.select_related("municipality").prefetch_related(
        Prefetch("carers", queryset=Carer.objects.order_by("id")),  # as registered
        Prefetch(
            "youths",
            queryset=Youth.objects.order_by("birth_date", "ref").prefetch_related(
                Prefetch("education", queryset=EducationPeriod.objects.order_by("-from_date"))
            ),
        ),
        Prefetch(
            "cases",
            queryset=Case.objects.select_related("local_team")
            .order_by("-opened_on")
            .prefetch_related(
                Prefetch(
                    "regisseurs",
                    queryset=RegisseurPeriod.objects.select_related("worker").order_by(
                        "-from_date"
                    ),
                ),
                Prefetch(
                    "consents",
                    queryset=Consent.objects.select_related("provider", "recorded_by"),
                ),
                Prefetch(
                    "involved",
                    queryset=InvolvedProfessional.objects.order_by("-from_date", "-id"),
                ),
                *_garp_prefetches(),
            ),
        ),
    )


def _garp_prefetches() -> list[Prefetch]:
    """The case's current analysis and plan, referrals, open flags and pending hand-over."""
    return [
        Prefetch(
            "analyses",
            queryset=Analysis.objects.filter(is_current=True).prefetch_related(
                "findings", "explanations", "strengths"
            ),
            to_attr="current_analyses",
        ),
        Prefetch(
            "plans",
            queryset=Plan.objects.filter(is_current=True).prefetch_related(
                Prefetch(
                    "goals",
                    queryset=Goal.objects.prefetch_related(
                        Prefetch("actions", queryset=Action.objects.order_by("due_on", "id"))
                    ),
                ),
                "evaluations",
            ),
            to_attr="current_plans",
        ),
        Prefetch(
            "referrals",
            queryset=Referral.objects.select_related(
                "product", "provider", "youth", "alternative_provider", "alternative_product"
            ).order_by("-created_at"),
        ),
        Prefetch(
            "flags",
            queryset=Flag.objects.filter(resolved_on__isnull=True).order_by("severity", "since"),
            to_attr="open_flags",
        ),
        Prefetch(
            "perspective_plans",
            queryset=PerspectivePlan.objects.select_related("youth"),
        ),
        Prefetch(
            "transfers",
            queryset=RegieTransfer.objects.filter(
                confirmed_on__isnull=True, cancelled_on__isnull=True
            ).select_related("to_worker", "from_worker"),
            to_attr="pending_transfers",
        ),
        Prefetch(
            "moves",
            queryset=FamilyMove.objects.filter(
                confirmed_on__isnull=True, cancelled_on__isnull=True
            ).select_related("to_team", "to_municipality", "proposed_by"),
            to_attr="pending_moves",
        ),
    ]


def current_regisseur(case: Case) -> RegisseurPeriod | None:
    """From the prefetched periods: the one in force today."""
    today = timezone.localdate()
    for period in case.regisseurs.all():
        if period.from_date <= today and (period.until is None or period.until > today):
            return period
    return None


@dataclass(frozen=True)
class People:
    """The people around the family: involved now (and the GI holding regie, if any), ended."""

    current: list[InvolvedProfessional]
    ended: list[InvolvedProfessional]
    gi_regie: InvolvedProfessional | None


def people_around(case: Case) -> People:
    """From the prefetched involvements: who is involved today, who was."""
    today = timezone.localdate()
    current, ended = [], []
    for professional in case.involved.all():
        if professional.until is not None and professional.until <= today:
            ended.append(professional)
        elif professional.from_date <= today:
            current.append(professional)
    gi_regie = next((p for p in current if p.holds_regie), None)
    return People(current=current, ended=ended, gi_regie=gi_regie)


def consent_in_force(consent: Consent) -> bool:
    today = timezone.localdate()
    return consent.given_on <= today and (
        consent.withdrawn_on is None or consent.withdrawn_on > today
    )


@dataclass(frozen=True)
class HistoryLine:
    at: Any
    label: str
    model: str
    changes: dict[str, Any]
    user: str


HISTORY_LIMIT = 50
HIDDEN_FIELDS = {"id", "created_at", "updated_at", "version"}
# Lists of codes without choices on their field (the analysis's participants) in words.
PARTICIPANT_WORDS = dict(Participant.choices)
LABELS = {"insert": _("aangemaakt"), "update": _("gewijzigd"), "delete": _("verwijderd")}


def _in_words(field, value: Any) -> str | None:
    """A stored value as the page says it: a choice's label, ja/nee, a list as words, a date
    as "5 januari 2026"; None for an empty value (no empty rows)."""
    if value is None or value == "" or value == []:
        return None
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, list):
        words = [str(choices.get(v, PARTICIPANT_WORDS.get(v, v))) for v in value]
        return ", ".join(words)
    if value in choices:
        return str(choices[value])
    if isinstance(field, DateField) and isinstance(value, str):
        try:
            return date_format(dt.date.fromisoformat(value[:10]), "j F Y")
        except ValueError:
            return value
    return str(value)


def _readable(event_model_label: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The tracked model's Dutch name and its fields by their Dutch names and values in words
    (no ids, no BSN, no empty values)."""
    try:
        event_model = apps.get_model(event_model_label)
        model = event_model.pgh_tracked_model
    except (LookupError, AttributeError):
        return event_model_label.split(".")[-1], {}
    fields = {}
    for name, value in data.items():
        if name in HIDDEN_FIELDS or name.startswith("pgh_") or name.endswith("_id"):
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if (shown := _in_words(field, value)) is not None:
            fields[str(field.verbose_name)] = shown
    return str(model._meta.verbose_name), fields


def family_history(family: Family, limit: int = HISTORY_LIMIT) -> list[HistoryLine]:
    """The change history (django-pghistory) of the family, its members and cases: newest
    first, with who made each change. BSNs are never in the history tables."""
    groups = [[family], list(family.carers.all()), list(family.youths.all())]
    groups.append(list(family.cases.all()))
    events = []
    for objects in filter(None, groups):  # references() takes one model at a time
        events += (
            pghistory.models.Events.objects.references(objects)
            .order_by("-pgh_created_at", "-pgh_id")
            .values(
                "pgh_slug",
                "pgh_created_at",
                "pgh_label",
                "pgh_model",
                "pgh_diff",
                "pgh_data",
                "pgh_context",
            )[:limit]
        )
    unique = {e["pgh_slug"]: e for e in events}  # an event can reference two of the objects
    events = sorted(unique.values(), key=lambda e: e["pgh_created_at"], reverse=True)[:limit]
    user_ids = {
        (e["pgh_context"] or {}).get("user") for e in events if (e["pgh_context"] or {}).get("user")
    }
    names = {w.pk: str(w) for w in Worker.objects.filter(pk__in=user_ids)}
    provider_ids = {
        (e["pgh_context"] or {}).get("provider")
        for e in events
        if (e["pgh_context"] or {}).get("provider")
    }
    providers = (
        {p.pk: p.name for p in Provider.objects.filter(pk__in=provider_ids)} if provider_ids else {}
    )
    lines = []
    for e in events:
        diff = e["pgh_diff"] or {}
        if e["pgh_label"] == "insert" or not diff:
            data = e["pgh_data"] or {}
        else:
            data = {k: v[1] for k, v in diff.items()}
        model, shown = _readable(e["pgh_model"], data)
        context = e["pgh_context"] or {}
        user_id, provider_id = context.get("user"), context.get("provider")
        if user_id:
            who = names.get(user_id, "")
        elif provider_id:
            who = _("%(provider)s (zorgaanbieder)") % {"provider": providers.get(provider_id, "")}
        else:
            who = ""
        lines.append(
            HistoryLine(
                at=e["pgh_created_at"],
                label=LABELS.get(e["pgh_label"], e["pgh_label"]),
                model=model,
                changes=shown,
                user=who,
            )
        )
    return lines


# --- caseload, team view, hand-overs ------------------------------------------------------------


def _annotated_cases(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Per case, in one query: open flags and whether one is a violation, the next open plan
    action and evaluation, referrals waiting for an answer, the current regisseur."""
    today = timezone.localdate()
    open_flags = Flag.objects.filter(case=OuterRef("pk"), resolved_on__isnull=True)
    next_action = (
        Action.objects.filter(
            goal__plan__case=OuterRef("pk"), goal__plan__is_current=True, done_on__isnull=True
        )
        .order_by(F("due_on").asc(nulls_last=True), "id")
        .values("due_on")[:1]
    )
    next_action_text = (
        Action.objects.filter(
            goal__plan__case=OuterRef("pk"), goal__plan__is_current=True, done_on__isnull=True
        )
        .order_by(F("due_on").asc(nulls_last=True), "id")
        .values("description")[:1]
    )
    next_evaluation = (
        Evaluation.objects.filter(
            plan__case=OuterRef("pk"), plan__is_current=True, held_on__isnull=True
        )
        .order_by("planned_on")
        .values("planned_on")[:1]
    )
    waiting = (
        Referral.objects.filter(case=OuterRef("pk"), status="sent")
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    flag_count = open_flags.values("case").annotate(n=Count("pk")).values("n")
    violations = open_flags.filter(severity=Severity.VIOLATION).values("case")
    regisseur = RegisseurPeriod.objects.in_force(today).filter(case=OuterRef("pk"))
    # Counts, not EXISTS: PostgreSQL may answer an EXISTS per row with a hash of every open
    # violation in the region (a scan of the whole table, growing with the data); a scalar
    # subquery stays an index look-up per case (docs/performance.md, worker pages at scale).
    return cases.select_related("family__municipality", "local_team").annotate(
        open_flag_count=Coalesce(Subquery(flag_count), 0),
        violation_count=Coalesce(Subquery(violations.annotate(n=Count("pk")).values("n")), 0),
        has_violation=ExpressionWrapper(Q(violation_count__gt=0), output_field=BooleanField()),
        next_action_due=Subquery(next_action),
        next_action=Subquery(next_action_text),
        next_evaluation=Subquery(next_evaluation),
        referrals_waiting=Coalesce(Subquery(waiting), 0),
        regisseur_name=Subquery(regisseur.values("worker__name")[:1]),
    )


def caseload(worker: Worker, query: str = "", only_flagged: bool = False) -> QuerySet[Case]:
    """Mijn caseload: open cases where ``worker`` is the regisseur today, worst first."""
    today = timezone.localdate()
    mine = RegisseurPeriod.objects.in_force(today).filter(worker=worker)
    cases = Case.objects.filter(closed_on__isnull=True, pk__in=mine.values("case"))
    query = query.strip()
    if query:
        members = Q(family__youths__name__icontains=query) | Q(
            family__carers__name__icontains=query
        )
        hits = Case.objects.filter(Q(family__ref__iexact=query) | Q(ref__iexact=query) | members)
        cases = cases.filter(pk__in=hits.values("pk"))
    cases = _annotated_cases(cases).prefetch_related(
        Prefetch("family__youths", queryset=Youth.objects.order_by("birth_date", "ref"))
    )
    if only_flagged:
        cases = cases.filter(open_flag_count__gt=0)
    return cases.order_by("-has_violation", "-open_flag_count", "family__ref")


def team_cases(lead: Worker) -> QuerySet[Case]:
    """The team lead's view: the team's open cases without a regisseur today or with open
    flags, those without a regisseur first."""
    cases = _annotated_cases(
        Case.objects.filter(closed_on__isnull=True, local_team=lead.local_team_id)
    ).annotate(  # the regisseur in force, not an EXISTS (see _annotated_cases)
        has_regisseur=ExpressionWrapper(
            Q(regisseur_name__isnull=False), output_field=BooleanField()
        )
    )
    return cases.filter(Q(has_regisseur=False) | Q(open_flag_count__gt=0)).order_by(
        "has_regisseur", "-has_violation", "-open_flag_count", "family__ref"
    )


def pending_transfers_for(worker: Worker) -> QuerySet[RegieTransfer]:
    return RegieTransfer.objects.filter(
        to_worker=worker, confirmed_on__isnull=True, cancelled_on__isnull=True
    ).select_related("case__family", "from_worker", "proposed_by")


def pending_transfer_of(case: Case) -> RegieTransfer | None:
    return (
        RegieTransfer.objects.filter(
            case=case, confirmed_on__isnull=True, cancelled_on__isnull=True
        )
        .select_related("to_worker", "from_worker")
        .first()
    )


def team_colleagues(case: Case) -> QuerySet[Worker]:
    return Worker.objects.filter(local_team=case.local_team_id, is_active=True).order_by("name")


def move_destinations(case: Case) -> list[tuple[str, str]]:
    """Where the family of ``case`` can move within its region: every (team, municipality) the
    region's teams work for, except where the case is now. One query."""
    pairs = (
        LocalTeam.municipalities.through.objects.filter(
            municipality__region_id=case.family.municipality.region_id
        )
        .exclude(localteam_id=case.local_team_id, municipality_id=case.family.municipality_id)
        .order_by("municipality__name", "localteam__name")
        .values_list("localteam_id", "localteam__name", "municipality_id", "municipality__name")
    )
    return [(f"{t}:{m}", f"{t_name} ({m_name})") for t, t_name, m, m_name in pairs]


def incoming_moves_for(worker: Worker) -> QuerySet[FamilyMove]:
    """Moves waiting for the receiving team: what its lead and regisseurs may confirm."""
    return FamilyMove.objects.filter(
        to_team=worker.local_team_id, confirmed_on__isnull=True, cancelled_on__isnull=True
    ).select_related("case__family", "from_team", "to_municipality", "proposed_by")
