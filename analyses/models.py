"""The verklarende analyse: a structured, multi-domain explanation made *with* the family.

A case has one current analysis; establishing a new version keeps the earlier ones
(``is_current`` false). The database allows one current analysis and one draft per case. A
new version is written as a draft beside the current (established) one and becomes current
only once it is established (see ``analyses.services``).
"""

from __future__ import annotations

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _


class AnalysisStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    ESTABLISHED = "established", _("Vastgesteld")


class AnalysisDomain(models.TextChoices):
    ONDERWIJS = "onderwijs", _("Onderwijs")
    JEUGDHULP = "jeugdhulp", _("Jeugdhulp")
    GEZONDHEID = "gezondheid", _("Gezondheid en zorg")
    VEILIGHEID = "veiligheid", _("Veiligheid")
    BESTAANSZEKERHEID = "bestaanszekerheid", _("Bestaanszekerheid en schulden")
    GEZIN_NETWERK = "gezin_netwerk", _("Gezin en netwerk")
    HUISVESTING = "huisvesting", _("Huisvesting")


class Participant(models.TextChoices):
    YOUTH = "youth", _("Jeugdige")
    CARERS = "carers", _("Opvoeders")
    NETWORK = "network", _("Netwerk")
    SCHOOL = "school", _("School")
    PROVIDER = "provider", _("Zorgaanbieder")
    GP = "gp", _("Huisarts")
    OTHER = "other", _("Anders")


@pghistory.track()
class Analysis(models.Model):
    case = models.ForeignKey(
        "casusregie.Case",
        on_delete=models.CASCADE,
        related_name="analyses",
        verbose_name=_("casus"),
    )
    version = models.PositiveIntegerField(_("versie"), default=1)
    is_current = models.BooleanField(_("huidige versie"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.DRAFT
    )
    established_on = models.DateField(_("vastgesteld op"), null=True, blank=True)
    participants = ArrayField(
        models.CharField(max_length=32), default=list, blank=True, verbose_name=_("deelnemers")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("verklarende analyse")
        verbose_name_plural = _("verklarende analyses")
        ordering = ["case", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(is_current=True), name="analysis_one_current_per_case"
            ),
            models.UniqueConstraint(fields=["case", "version"], name="analysis_version_unique"),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status=AnalysisStatus.DRAFT),
                name="analysis_one_draft_per_case",
            ),
            models.CheckConstraint(
                condition=Q(status=AnalysisStatus.DRAFT) | Q(established_on__isnull=False),
                name="analysis_established_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AnalysisStatus.values), name="analysis_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} v{self.version} ({self.status})"

    @property
    def is_established(self) -> bool:
        return self.status == AnalysisStatus.ESTABLISHED

    @property
    def participant_labels(self) -> list[str]:
        """The participants by their Dutch names, in the order of ``Participant``."""
        labels = dict(Participant.choices)
        return [labels.get(p, p) for p in self.participants]


@pghistory.track()
class DomainFinding(models.Model):
    """What the analysis found in one domain (onderwijs, veiligheid, …)."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="findings")
    domain = models.CharField(_("domein"), max_length=32, choices=AnalysisDomain.choices)
    text = models.TextField(_("bevinding"))

    class Meta:
        verbose_name = _("bevinding")
        verbose_name_plural = _("bevindingen")
        ordering = ["analysis", "domain"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "domain"], name="finding_one_per_domain"),
        ]

    def __str__(self) -> str:
        return f"{self.get_domain_display()}: {self.text[:40]}"


@pghistory.track()
class Explanation(models.Model):
    """A verklaring / hypothese linking findings across domains."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="explanations")
    position = models.PositiveIntegerField(_("volgorde"), default=0)
    text = models.TextField(_("verklaring"))
    findings = models.ManyToManyField(DomainFinding, blank=True, related_name="explanations")
    derived_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("overgenomen uit"),
        help_text=_("De verklaring in de vorige versie waarvan deze een kopie is."),
    )

    class Meta:
        verbose_name = _("verklaring")
        verbose_name_plural = _("verklaringen")
        ordering = ["analysis", "position", "id"]

    def __str__(self) -> str:
        return self.text[:60]


@pghistory.track()
class Strength(models.Model):
    """Krachten / beschermende factoren."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="strengths")
    position = models.PositiveIntegerField(_("volgorde"), default=0)
    text = models.TextField(_("kracht"))

    class Meta:
        verbose_name = _("kracht")
        verbose_name_plural = _("krachten")
        ordering = ["analysis", "position", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class FamilyStory(models.Model):
    """ "Ons verhaal": the family's own words on the analysis, one text per family account,
    written in the gezinsportaal while the analysis is a draft (``analyses.services``)."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="stories")
    account = models.ForeignKey(
        "casusregie.FamilyAccount", on_delete=models.CASCADE, related_name="stories"
    )
    text = models.TextField(_("ons verhaal"))
    written_at = models.DateTimeField(_("geschreven op"))

    class Meta:
        verbose_name = _("ons verhaal")
        verbose_name_plural = _("ons verhaal")
        constraints = [
            models.UniqueConstraint(fields=["analysis", "account"], name="family_story_once"),
            models.CheckConstraint(
                condition=Q(
                    GreaterThanOrEqual(Length("text"), 1), LessThanOrEqual(Length("text"), 4000)
                ),
                name="family_story_length",
            ),
        ]

    def __str__(self) -> str:
        return f"ons verhaal {self.account_id} bij analyse {self.analysis_id}"
