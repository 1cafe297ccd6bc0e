"""The Regionale Experttafel: escalated cases (aanmeldingen) and their discussion."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casusregie import refs


class EscalationSource(models.TextChoices):
    REGISSEUR = "regisseur", _("Regisseur")
    RULEBOOK = "rulebook", _("Signalering")
    IMPORT = "import", _("Import")


class Escalation(models.Model):
    """A case brought to its region's expert table; open until it is discussed."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.escalation_ref)
    case = models.ForeignKey(
        "casusregie.Case",
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("casus"),
    )
    submitted_on = models.DateField(_("aangemeld op"))
    reason = models.TextField(_("reden / vraag aan de tafel"))
    source = models.CharField(
        _("bron"),
        max_length=16,
        choices=EscalationSource.choices,
        default=EscalationSource.REGISSEUR,
    )
    submitted_by = models.ForeignKey(
        "casusregie.Worker", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    discussed_on = models.DateField(_("besproken op"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("aanmelding experttafel")
        verbose_name_plural = _("aanmeldingen experttafel")
        ordering = ["submitted_on", "ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(discussed_on__isnull=True),
                name="escalation_one_open_per_case",
                violation_error_message=_("Deze casus staat al open bij de experttafel."),
            ),
            models.CheckConstraint(
                condition=Q(discussed_on__isnull=True) | Q(discussed_on__gte=F("submitted_on")),
                name="escalation_discussed_after_submitted",
            ),
        ]

    def __str__(self) -> str:
        return self.ref
