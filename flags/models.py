"""The rulebook's models: flags with their lifecycle, thresholds per region, notes, the inbox.

At most one open flag per rule and subject is a partial unique constraint, so a re-run of the
sweep, or two workers racing, can never duplicate a flag.
"""

from __future__ import annotations

from django.db import models
from django.db.models import ExpressionWrapper, F, IntegerField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import IsNull
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    WARNING = "warning", _("Waarschuwing")
    VIOLATION = "violation", _("Overtreding")


class SubjectType(models.TextChoices):
    YOUTH = "youth", _("Jeugdige")
    CASE = "case", _("Casus")
    REFERRAL = "referral", _("Verwijzing")
    ESCALATION = "escalation", _("Aanmelding experttafel")


class Resolution(models.TextChoices):
    CONDITION_CLEARED = "condition_cleared", _("Opgelost")
    CASE_CLOSED = "case_closed", _("Casus gesloten")


class OwnerRole(models.TextChoices):
    REGISSEUR = "regisseur", _("Regisseur")
    TEAM_LEAD = "team_lead", _("Teamleider")
    EXPERT_TABLE_CHAIR = "expert_table_chair", _("Voorzitter experttafel")


class RuleSetting(models.Model):
    """A region's own thresholds for one rule; without a row the rulebook's defaults apply."""

    region = models.ForeignKey(
        "casusregie.Region",
        on_delete=models.CASCADE,
        related_name="rule_settings",
        verbose_name=_("regio"),
    )
    rule = models.CharField(_("regel"), max_length=64)
    warning = models.PositiveIntegerField(
        _("waarschuwing na"), null=True, blank=True, help_text=_("In de eenheid van de regel.")
    )
    violation = models.PositiveIntegerField(
        _("overtreding na"), help_text=_("In de eenheid van de regel.")
    )
    escalate_after = models.PositiveIntegerField(_("escaleren na (dagen)"), null=True, blank=True)

    class Meta:
        verbose_name = _("drempel per regio")
        verbose_name_plural = _("drempels per regio")
        ordering = ["region", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["region", "rule"], name="rule_setting_unique"),
            models.CheckConstraint(
                condition=Q(warning__isnull=True) | Q(warning__lte=models.F("violation")),
                name="rule_setting_warning_before_violation",
                violation_error_message=_("De waarschuwing komt niet na de overtreding."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region}: {self.rule}"


class CalendarDay(models.Model):
    """Every day with its working-day ordinal: the number of working days up to and including it.

    Working days are Monday–Friday less Dutch national holidays. "S + n working days" is the
    working day whose ordinal is ``ordinal(S) + n``.
    """

    day = models.DateField(primary_key=True)
    is_working_day = models.BooleanField()
    ordinal = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("kalenderdag")
        verbose_name_plural = _("kalenderdagen")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["ordinal"],
                condition=Q(is_working_day=True),
                name="calendar_working_ordinal",
            ),
        ]

    def __str__(self) -> str:
        return self.day.isoformat()


class Flag(models.Model):
    """A signaal: one rule violated by one subject, with its lifecycle."""

    rule = models.CharField(_("regel"), max_length=64)
    subject_type = models.CharField(
        _("soort onderwerp"), max_length=16, choices=SubjectType.choices
    )
    subject_id = models.BigIntegerField(_("onderwerp"))
    case = models.ForeignKey(
        "casusregie.Case", on_delete=models.CASCADE, related_name="flags", verbose_name=_("casus")
    )
    severity = models.CharField(_("ernst"), max_length=16, choices=Severity.choices)
    since = models.DateField(_("sinds"))
    opened_on = models.DateField(_("geopend op"))
    raised_on = models.DateField(_("verhoogd op"), null=True, blank=True)
    resolved_on = models.DateField(_("opgelost op"), null=True, blank=True)
    resolution = models.CharField(
        _("reden oplossing"), max_length=32, choices=Resolution.choices, blank=True
    )
    escalated_on = models.DateField(_("geëscaleerd op"), null=True, blank=True)
    escalation = models.ForeignKey(
        "escalations.Escalation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("aanmelding experttafel"),
    )
    owner_role = models.CharField(_("eigenaar"), max_length=32, choices=OwnerRole.choices)
    thresholds = models.JSONField(_("drempels"), default=dict)

    class Meta:
        verbose_name = _("signaal")
        verbose_name_plural = _("signalen")
        ordering = ["rule", "subject_type", "subject_id", "opened_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id"],
                condition=Q(resolved_on__isnull=True),
                name="flag_one_open_per_rule_and_subject",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="flag_severity_known"
            ),
            models.CheckConstraint(
                condition=Q(subject_type__in=SubjectType.values), name="flag_subject_type_known"
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True, resolution="")
                | Q(resolved_on__isnull=False, resolution__in=Resolution.values),
                name="flag_resolution_fits",
            ),
            models.CheckConstraint(
                condition=Q(escalated_on__isnull=True) | Q(severity=Severity.VIOLATION),
                name="flag_only_violations_escalate",
            ),
        ]
        indexes = [
            models.Index(
                fields=["case"], condition=Q(resolved_on__isnull=True), name="flag_open_case_idx"
            ),
            # The open violations by the date they escalate (``since`` + ``escalate_after``
            # days): the daily sweep escalates the ones due without judging their cases.
            models.Index(
                ExpressionWrapper(
                    F("since")
                    + Cast(KeyTextTransform("escalate_after", "thresholds"), IntegerField()),
                    output_field=models.DateField(),
                ),
                # Only the violations of rules that escalate: the planner's statistics then
                # count the ones that can come due, not the many that never do.
                condition=Q(
                    IsNull(KeyTextTransform("escalate_after", "thresholds"), False),
                    resolved_on__isnull=True,
                    severity=Severity.VIOLATION,
                    escalated_on__isnull=True,
                ),
                name="flag_escalation_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject_type}:{self.subject_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None


class FlagNote(models.Model):
    """A worker's note on a flag; acknowledging a flag does not resolve it."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        "casusregie.Worker", on_delete=models.PROTECT, related_name="flag_notes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("notitie"))
    acknowledges = models.BooleanField(_("gezien"), default=True)

    class Meta:
        verbose_name = _("notitie bij signaal")
        verbose_name_plural = _("notities bij signalen")
        ordering = ["flag", "created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class NotificationKind(models.TextChoices):
    OPENED = "opened", _("Nieuw signaal")
    RAISED = "raised", _("Signaal verhoogd naar overtreding")


class Notification(models.Model):
    """The in-app inbox: a new or raised flag for its owner."""

    # Indexed as the first column of ``notification_once_per_kind``: no index of its own.
    recipient = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("soort"), max_length=16, choices=NotificationKind.choices)
    created_on = models.DateField(_("datum"))
    read_at = models.DateTimeField(_("gelezen"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("gemaild"), null=True, blank=True)

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "flag", "kind"], name="notification_once_per_kind"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.flag}"


class JudgementDue(models.Model):
    """The next date on which the rulebook's judgement of an open case can change while its data
    stay as they are (herbeoordeling op datum): a warning or violation threshold of a condition
    that holds, an escalation's date, or a date in the case's data that a rule compares with D
    (a 5th, 16th or 18th birthday, the end of care, a planned evaluation…). Written by every
    sweep for the cases it judged; the daily sweep judges the cases whose date has come
    (``flags.services.sweep_daily``). No row: nothing changes until the data do. No foreign
    key, as ``SweepRequest``: a purged case's row is simply never found again."""

    case_id = models.BigIntegerField(_("casus"), primary_key=True)
    next_on = models.DateField(_("opnieuw beoordelen op"), db_index=True)

    class Meta:
        verbose_name = _("herbeoordeling op datum")
        verbose_name_plural = _("herbeoordelingen op datum")

    def __str__(self) -> str:
        return f"case {self.case_id} on {self.next_on}"


class PendingThreshold(models.Model):
    """A condition that holds in an open case, as of the sweep that last judged the case, whose
    warning or violation date is still ahead (drempel in aantocht). While the case's data stay
    as they are the condition goes on holding, so on ``next_on`` the daily sweep opens or raises
    its flag from this row without judging the case again (``flags.services.sweep_daily``);
    afterwards ``next_on`` moves to the violation date, or the row goes. Every sweep that judges
    a case replaces its rows. No foreign key, as ``JudgementDue``."""

    rule = models.CharField(_("regel"), max_length=64)
    subject_type = models.CharField(_("soort onderwerp"), max_length=16)
    subject_id = models.BigIntegerField(_("onderwerp"))
    case_id = models.BigIntegerField(_("casus"), db_index=True)
    warning_on = models.DateField(_("waarschuwing op"), null=True)
    violation_on = models.DateField(_("overtreding op"), null=True)
    next_on = models.DateField(_("eerstvolgende drempel"), db_index=True)

    class Meta:
        verbose_name = _("drempel in aantocht")
        verbose_name_plural = _("drempels in aantocht")
        constraints = [
            models.CheckConstraint(
                condition=Q(next_on=models.F("warning_on")) | Q(next_on=models.F("violation_on")),
                name="pending_threshold_next_is_a_threshold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject_type} {self.subject_id} on {self.next_on}"


class SweepMark(models.Model):
    """How far the daily sweep has judged a municipality's cases: every date up to
    ``swept_through``, with the thresholds, calendar and rulebook of ``fingerprint``. A
    different fingerprint (or no mark) makes the next daily sweep a full one."""

    municipality = models.OneToOneField(
        "casusregie.Municipality",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sweep_mark",
        verbose_name=_("gemeente"),
    )
    swept_through = models.DateField(_("beoordeeld tot en met"))
    fingerprint = models.CharField(_("regels, drempels en kalender"), max_length=64)
    full_on = models.DateField(_("laatste volledige beoordeling"))

    class Meta:
        verbose_name = _("stand van de dagelijkse beoordeling")
        verbose_name_plural = _("standen van de dagelijkse beoordeling")

    def __str__(self) -> str:
        return f"{self.municipality_id} through {self.swept_through}"
