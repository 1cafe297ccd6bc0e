"""The one plan of a case (goals, actions, evaluations) and perspective plans per youth."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _


@pghistory.track()
class Plan(models.Model):
    """The (gezins)plan. A case has one current plan; it counts as agreed once ``agreed_on``."""

    case = models.ForeignKey(
        "casusregie.Case", on_delete=models.CASCADE, related_name="plans", verbose_name=_("casus")
    )
    is_current = models.BooleanField(_("huidig plan"), default=True)
    agreed_on = models.DateField(_("afgesproken op"), null=True, blank=True)
    # who agreed, and how (issue 20): the regisseur recording it, or a family account
    agreed_by = models.CharField(
        _("afgesproken door"), max_length=200, blank=True, default="", db_default=""
    )
    agreed_how = models.CharField(
        _("afgesproken via"), max_length=16, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plannen")
        ordering = ["case", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(is_current=True), name="plan_one_current_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.case}"


class GoalStatus(models.TextChoices):
    """Where a goal stands: still worked on, reached, or stopped (afbouw made visible)."""

    OPEN = "open", _("Open")
    REACHED = "reached", _("Behaald")
    STOPPED = "stopped", _("Gestopt")


@pghistory.track()
class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveIntegerField(_("volgorde"), default=0)
    text = models.TextField(_("doel"))
    status = models.CharField(
        _("status"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.OPEN
    )
    explanations = models.ManyToManyField(
        "analyses.Explanation", blank=True, related_name="goals", verbose_name=_("verklaringen")
    )

    class Meta:
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        ordering = ["plan", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values),
                name="goal_status_known",
                violation_error_message=_("Onbekende status van een doel."),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


@pghistory.track()
class Action(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("actie"))
    owner = models.CharField(_("wie"), max_length=200)
    owner_worker = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_actions",
        verbose_name=_("medewerker"),
        help_text=_("Als een medewerker de actie uitvoert; ‘wie’ houdt dan diens naam."),
    )
    due_on = models.DateField(_("uiterlijk op"), null=True, blank=True)
    done_on = models.DateField(_("gedaan op"), null=True, blank=True)

    class Meta:
        verbose_name = _("actie")
        verbose_name_plural = _("acties")
        ordering = ["goal", "due_on", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class EvaluationOutcome(models.TextChoices):
    """What a held evaluation decided for the help: go on, scale down (afschalen), stop, or
    scale up / escalate. Empty while the evaluation was not held (or held before outcomes)."""

    CONTINUE = "continue", _("Doorgaan")
    SCALE_DOWN = "scale_down", _("Afschalen")
    STOP = "stop", _("Stoppen")
    ESCALATE = "escalate", _("Opschalen/escaleren")


@pghistory.track()
class Evaluation(models.Model):
    """A planned review of the plan; held once ``held_on`` is set, with its ``outcome``."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="evaluations")
    planned_on = models.DateField(_("gepland op"))
    held_on = models.DateField(_("gehouden op"), null=True, blank=True)
    notes = models.TextField(_("verslag"), blank=True)
    outcome = models.CharField(  # db_default: rows written in bulk (bench, imports) too
        _("uitkomst"),
        max_length=16,
        choices=EvaluationOutcome.choices,
        blank=True,
        default="",
        db_default="",
    )

    class Meta:
        verbose_name = _("evaluatie")
        verbose_name_plural = _("evaluaties")
        ordering = ["plan", "planned_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=EvaluationOutcome.values),
                name="evaluation_outcome_known",
                violation_error_message=_("Onbekende uitkomst van een evaluatie."),
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(held_on__isnull=False),
                name="evaluation_outcome_when_held",
                violation_error_message=_("Alleen een gehouden evaluatie heeft een uitkomst."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["plan", "planned_on"],
                condition=Q(held_on__isnull=True),
                name="evaluation_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Evaluatie {self.planned_on}"


class PerspectiveKind(models.TextChoices):
    RETURN_HOME = "return_home", _("Terugkeer naar huis")
    TRANSITION_18 = "transition_18", _("Overgang 18-/18+")


class PerspectiveStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    AGREED = "agreed", _("Afgesproken")


class PerspectivePart(models.TextChoices):
    """The structured parts of a perspective plan. Each is a text or marked not applicable
    (``<part>_na``); an agreed plan has every part one or the other. The adult services
    contact also says which services (``adult_services_wmo`` …) and its text is the contact."""

    HOUSING = "housing", _("Wonen")
    SCHOOL_OR_WORK = "school_or_work", _("School of werk")
    INCOME = "income", _("Inkomen")
    HELP_AT_HOME = "help_at_home", _("Hulp thuis")
    ADULT_SERVICES = "adult_services", _("Contact volwassenenzorg")


class AdultService(models.TextChoices):
    """Which adult services the youth is in contact with for after 18 (the field is
    ``adult_services_<value>``)."""

    WMO = "wmo", _("Wmo")
    GGZ = "ggz", _("ggz")
    DEBT_HELP = "debt_help", _("schuldhulp")


def _filled(part: str) -> Q:
    """A part that counts for agreeing: text with a non-space character, or not applicable;
    the adult services contact also names at least one service."""
    text = Q(**{f"{part}__regex": r"\S"})
    if part == PerspectivePart.ADULT_SERVICES:
        any_service = Q()
        for service in AdultService.values:
            any_service |= Q(**{f"adult_services_{service}": True})
        text &= any_service
    return text | Q(**{f"{part}_na": True})


def _text_or_na(part: str) -> Q:
    """Not applicable means nothing written (and, for adult services, none chosen)."""
    empty = Q(**{part: ""})
    if part == PerspectivePart.ADULT_SERVICES:
        for service in AdultService.values:
            empty &= Q(**{f"adult_services_{service}": False})
    return Q(**{f"{part}_na": False}) | empty


def _part_text(label: str) -> models.TextField:
    # db_default: rows written in bulk (bench, dossier imports) need not name the parts
    return models.TextField(label, blank=True, default="", db_default="")


def _flag(label: str) -> models.BooleanField:
    return models.BooleanField(label, default=False, db_default=False)


@pghistory.track()
class PerspectivePlan(models.Model):
    """Perspectiefplan / toekomstplan for one youth of the case.

    Drafted by the provider in whose care the youth is (``drafted_by_provider``) and/or a
    worker of the case (``drafted_by_worker``); agreed by the case's regisseur or team lead
    (``agreed_by``, ``agreed_on``) once every part is written or marked not applicable.
    ``version`` goes up with every change (the provider API's ETag)."""

    case = models.ForeignKey(
        "casusregie.Case", on_delete=models.CASCADE, related_name="perspective_plans"
    )
    youth = models.ForeignKey(
        "casusregie.Youth", on_delete=models.CASCADE, related_name="perspective_plans"
    )
    kind = models.CharField(_("soort"), max_length=16, choices=PerspectiveKind.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PerspectiveStatus.choices,
        default=PerspectiveStatus.DRAFT,
    )
    started_on = models.DateField(_("gestart op"))
    notes = models.TextField(_("toelichting"), blank=True)
    housing = _part_text(_("wonen"))
    housing_na = _flag(_("wonen: niet van toepassing"))
    school_or_work = _part_text(_("school of werk"))
    school_or_work_na = _flag(_("school of werk: niet van toepassing"))
    income = _part_text(_("inkomen"))
    income_na = _flag(_("inkomen: niet van toepassing"))
    help_at_home = _part_text(_("hulp thuis"))
    help_at_home_na = _flag(_("hulp thuis: niet van toepassing"))
    adult_services = _part_text(_("contact volwassenenzorg"))
    adult_services_na = _flag(_("contact volwassenenzorg: niet van toepassing"))
    adult_services_wmo = _flag(_("Wmo"))
    adult_services_ggz = _flag(_("ggz"))
    adult_services_debt_help = _flag(_("schuldhulp"))
    drafted_by_provider = models.ForeignKey(
        "referrals.Provider",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opgesteld door (aanbieder)"),
    )
    drafted_by_worker = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opgesteld door (medewerker)"),
    )
    agreed_by = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afgesproken door"),
    )
    agreed_on = models.DateField(_("afgesproken op"), null=True, blank=True)
    version = models.PositiveIntegerField(_("versie"), default=1, db_default=1)

    class Meta:
        verbose_name = _("perspectiefplan")
        verbose_name_plural = _("perspectiefplannen")
        ordering = ["case", "youth", "kind", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PerspectiveKind.values), name="perspective_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PerspectiveStatus.values), name="perspective_status_known"
            ),
            *(
                models.CheckConstraint(
                    condition=_text_or_na(part),
                    name=f"perspective_{part}_text_or_na",
                    violation_error_message=_(
                        "Een onderdeel is ingevuld óf niet van toepassing, niet allebei."
                    ),
                )
                for part in PerspectivePart.values
            ),
            models.CheckConstraint(
                condition=~Q(status=PerspectiveStatus.AGREED)
                | _filled(PerspectivePart.HOUSING)
                & _filled(PerspectivePart.SCHOOL_OR_WORK)
                & _filled(PerspectivePart.INCOME)
                & _filled(PerspectivePart.HELP_AT_HOME)
                & _filled(PerspectivePart.ADULT_SERVICES),
                name="perspective_agreed_parts_complete",
                violation_error_message=_(
                    "Een afgesproken perspectiefplan heeft elk onderdeel ingevuld of op ‘niet "
                    "van toepassing’."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status=PerspectiveStatus.AGREED, agreed_on__isnull=False)
                | ~Q(status=PerspectiveStatus.AGREED)
                & Q(agreed_on__isnull=True, agreed_by__isnull=True),
                name="perspective_agreed_on_fits_status",
                violation_error_message=_(
                    "Alleen een afgesproken perspectiefplan heeft een datum van afspraak."
                ),
            ),
        ]
        indexes = [models.Index(fields=["youth", "kind"], name="perspective_youth_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.youth}"

    def adult_service_values(self) -> list[str]:
        """The adult services chosen, as ``AdultService`` values in their order."""
        return [s for s in AdultService.values if getattr(self, f"adult_services_{s}")]


class AgreedHow(models.TextChoices):
    """How the plan was agreed: recorded by the regisseur, or by the family in the portal."""

    REGISSEUR = "regisseur", _("Vastgelegd door de regisseur")
    FAMILY_PORTAL = "family_portal", _("Door het gezin in het gezinsportaal")


class PlanResponse(models.Model):
    """A family account's answer to the plan in the gezinsportaal: agreed, or not (with what it
    does not agree with: a note, and per goal in ``GoalObjection``). One per account and plan;
    a new answer replaces the old."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="responses")
    account = models.ForeignKey(
        "casusregie.FamilyAccount", on_delete=models.CASCADE, related_name="plan_responses"
    )
    agrees = models.BooleanField(_("akkoord"))
    note = models.TextField(_("toelichting"), blank=True, default="")
    answered_at = models.DateTimeField(_("beantwoord op"))

    class Meta:
        verbose_name = _("reactie van het gezin op het plan")
        verbose_name_plural = _("reacties van het gezin op het plan")
        constraints = [
            models.UniqueConstraint(fields=["plan", "account"], name="plan_response_once"),
            models.CheckConstraint(
                condition=Q(LessThanOrEqual(Length("note"), 2000)),
                name="plan_response_note_length",
            ),
        ]

    def __str__(self) -> str:
        return f"reactie {self.account_id} op plan {self.plan_id}"


class GoalObjection(models.Model):
    """What a family account does not agree with in one goal of the plan."""

    response = models.ForeignKey(PlanResponse, on_delete=models.CASCADE, related_name="objections")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objections")
    text = models.TextField(_("wat klopt er niet"))

    class Meta:
        verbose_name = _("bezwaar tegen een doel")
        verbose_name_plural = _("bezwaren tegen doelen")
        constraints = [
            models.UniqueConstraint(fields=["response", "goal"], name="goal_objection_once"),
            models.CheckConstraint(
                condition=Q(
                    GreaterThanOrEqual(Length("text"), 1), LessThanOrEqual(Length("text"), 2000)
                ),
                name="goal_objection_length",
            ),
        ]

    def __str__(self) -> str:
        return f"bezwaar {self.response_id} bij doel {self.goal_id}"
