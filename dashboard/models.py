"""The region's dashboard: summary tables, refreshed set-based, read by the pages and the API.

``Figure`` holds one number per region, period, breakdown member, measure and category; the
refresh (``services.refresh_statistics``) replaces a region's rows in one transaction, so a
page always reads one consistent refresh. Nothing here names a family or a youth: the finest
grain is a municipality, local team, segment, product or provider.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Maand")
    QUARTER = "quarter", _("Kwartaal")
    YEAR = "year", _("Jaar")
    NOW = "now", _("Nu")


class Dimension(models.TextChoices):
    """The breakdowns ("indeling") of every figure."""

    REGION = "region", _("Regio")
    MUNICIPALITY = "municipality", _("Gemeente")
    LOCAL_TEAM = "local_team", _("Lokaal team")
    SEGMENT = "segment", _("Segment")
    PRODUCT = "product", _("Product")
    PROVIDER = "provider", _("Aanbieder")


class Figure(models.Model):
    """One number of the dashboard (a count, a median, a percentile) for one breakdown member."""

    region = models.ForeignKey(
        "casusregie.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("regio")
    )
    period_kind = models.CharField(_("soort periode"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("eerste dag"))
    period_end = models.DateField(_("laatste dag"))
    dimension = models.CharField(_("indeling"), max_length=16, choices=Dimension.choices)
    member = models.CharField(_("onderdeel"), max_length=64)
    label = models.CharField(_("naam"), max_length=200)
    measure = models.CharField(_("cijfer"), max_length=48)
    category = models.CharField(_("categorie"), max_length=64, blank=True)
    value = models.FloatField(_("waarde"), null=True)
    observations = models.PositiveIntegerField(_("waarnemingen"), null=True)

    class Meta:
        verbose_name = _("cijfer")
        verbose_name_plural = _("cijfers")
        indexes = [
            models.Index(
                fields=["region", "period_kind", "period_start", "dimension"],
                name="figure_lookup_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.member} {self.period_start}"


class Refresh(models.Model):
    """The latest refresh of a region's figures: as of which day, when, and how long it took."""

    region = models.OneToOneField(
        "casusregie.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("regio")
    )
    as_of = models.DateField(_("stand per"))
    finished_at = models.DateTimeField(_("vernieuwd op"))
    duration_ms = models.PositiveIntegerField(_("duur (ms)"))
    figures = models.PositiveIntegerField(_("aantal cijfers"))

    class Meta:
        verbose_name = _("vernieuwing dashboard")
        verbose_name_plural = _("vernieuwingen dashboard")

    def __str__(self) -> str:
        return f"{self.region}: {self.as_of}"


class MunicipalityPopulation(models.Model):
    """CBS: the number of youths aged 0–17 living in a municipality on 1 January of a year."""

    municipality = models.ForeignKey(
        "casusregie.Municipality",
        on_delete=models.CASCADE,
        related_name="populations",
        verbose_name=_("gemeente"),
    )
    year = models.PositiveSmallIntegerField(
        _("jaar"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    youth_population = models.PositiveIntegerField(
        _("jeugdigen 0–17 jaar"), help_text=_("CBS, bevolking op 1 januari van het jaar.")
    )

    class Meta:
        verbose_name = _("jeugdbevolking")
        verbose_name_plural = _("jeugdbevolking")
        ordering = ["municipality", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="municipality_population_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.youth_population}"


class RegionAPIKeyManager(APIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        # The key and its region in one query: every API request looks a key up.
        return super().get_usable_keys().select_related("region")


class RegionAPIKey(AbstractAPIKey):
    """A region's key for the open statistics export (only its hash is stored)."""

    objects = RegionAPIKeyManager()
    region = models.ForeignKey(
        "casusregie.Region", on_delete=models.CASCADE, related_name="api_keys"
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API-sleutel van een regio")
        verbose_name_plural = _("API-sleutels van regio's")
