"""The one plan of a case (goals, actions, evaluations) and perspective plans per youth."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


@pghistory.track()
class Plan(models.Model):
    """The (gezins)plan. A case has one current plan; it counts as agreed once ``agreed_on``."""

    case = models.ForeignKey(
        "casusregie.Case", on_delete=models.CASCADE, related_name="plans", verbose_name=_("casus")
    )
    is_current = models.BooleanField(_("huidig plan"), default=True)
    agreed_on = models.DateField(_("afgesproken op"), null=True, blank=True)
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


@pghistory.track()
class PerspectivePlan(models.Model):
    """Perspectiefplan / toekomstplan for one youth of the case."""

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
        ]
        indexes = [models.Index(fields=["youth", "kind"], name="perspective_youth_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.youth}"
