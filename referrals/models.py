"""Providers, their products and contracts, and referrals with their lifecycle."""

from __future__ import annotations

import uuid

import pghistory
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from casusregie import refs

from .lifecycle import (
    NEEDS_ANSWERED_ON,
    NEEDS_ENDED_ON,
    NEEDS_SENT_ON,
    NEEDS_STARTED_ON,
    OPEN_STATUSES,
    Status,
)
from .outbound import WebhookURLValidator

SEGMENT_CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
#: The decline reasons after which the provider names an alternative (another provider or
#: product) or says explicitly that it knows none: geen nee zonder alternatief (001 Bijlage E).
DECLINE_CODES_NEEDING_AN_ALTERNATIVE = ("no_capacity", "not_right_care")


class Segment(models.Model):
    """One of a region's purchasing segments (its own list: Holland Rijnland's seven, Rijnmond's
    lots). No rule or routing step reads a segment's code; they read a product's marks."""

    region = models.ForeignKey(
        "casusregie.Region",
        on_delete=models.PROTECT,
        related_name="segments",
        verbose_name=_("jeugdregio"),
    )
    code = models.CharField(
        _("code"),
        max_length=64,
        validators=[
            RegexValidator(
                SEGMENT_CODE_PATTERN, _("Kleine letters, cijfers en _, beginnend met een letter.")
            )
        ],
    )
    name = models.CharField(_("naam"), max_length=200)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segmenten")
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="segment_code_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=SEGMENT_CODE_PATTERN), name="segment_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """A regionally contracted zorgaanbieder."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.provider_ref)
    name = models.CharField(_("naam"), max_length=200)
    agb_code = models.CharField(_("AGB-code"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("zorgaanbieder")
        verbose_name_plural = _("zorgaanbieders")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product of the regional offer, with the three marks the rulebook reads."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="products", verbose_name=_("segment")
    )
    specialist = models.BooleanField(_("specialistisch"), default=True)
    out_of_home = models.BooleanField(
        _("buiten huis"),
        default=False,
        help_text=_(
            "Plaatst de jeugdige buiten het gezin: verblijf, pleegzorg, gezinshuis, crisisopvang."
        ),
    )
    crisis = models.BooleanField(
        _("crisiszorg"),
        default=False,
        help_text=_("Mag worden verzonden en gestart vóór de verklarende analyse is vastgesteld."),
    )
    ijw_category = models.CharField(_("iJw-productcategorie"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("producten")
        ordering = ["code"]
        indexes = [models.Index(fields=["segment"], name="product_segment_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Contract(models.Model):
    """A provider's contract for a product in some municipalities over a period."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="contracts")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="contracts")
    municipalities = models.ManyToManyField("casusregie.Municipality", related_name="contracts")
    valid_from = models.DateField(_("geldig vanaf"))
    valid_until = models.DateField(_("geldig tot en met"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracten")
        ordering = ["provider", "product", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="contract_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} – {self.product}"


def _status_in(statuses) -> Q:
    return Q(status__in=[str(s) for s in statuses])


class Referrer(models.TextChoices):
    """Who referred the youth (iJw "type verwijzer", Jeugdwet art. 2.6 lid 1): the iJw codes
    (``codes.json``, ``ijw_referrers``). 07 "onbekend" is only for care started before 2015."""

    MUNICIPALITY = "01", _("Gemeente")
    GP = "02", _("Huisarts")
    YOUTH_DOCTOR = "03", _("Jeugdarts")
    GI = "04", _("Gecertificeerde instelling (GI)")
    MEDICAL_SPECIALIST = "05", _("Medisch specialist")
    SELF = "06", _("Zelfverwijzer")
    COURT = "08", _("Rechter, Raad voor de Kinderbescherming of Officier van Justitie")


@pghistory.track(  # ReferralEvent is the lifecycle log; this is the row history
    model_name="ReferralHistory", obj_field=pghistory.ObjForeignKey(related_name="history")
)
class Referral(models.Model):
    """A verwijzing: the regisseur's request for specialist care by a regional provider."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.referral_ref)
    case = models.ForeignKey(
        "casusregie.Case",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("casus"),
    )
    youth = models.ForeignKey(
        "casusregie.Youth",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("jeugdige"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("product")
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("zorgaanbieder"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    question = models.TextField(_("hulpvraag"), blank=True)
    referrer = models.CharField(
        _("verwijzer"),
        max_length=2,
        choices=Referrer.choices,
        default=Referrer.MUNICIPALITY,
        db_default=Referrer.MUNICIPALITY,
    )
    sent_on = models.DateField(_("verzonden op"), null=True, blank=True)
    answered_on = models.DateField(_("beantwoord op"), null=True, blank=True)
    decline_code = models.CharField(_("reden afwijzing (code)"), max_length=32, blank=True)
    decline_reason = models.CharField(_("reden afwijzing"), max_length=500, blank=True)
    alternative_provider = models.ForeignKey(
        "Provider",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voorgestelde andere aanbieder"),
    )
    alternative_product = models.ForeignKey(
        "Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voorgesteld ander product"),
    )
    # True: the provider declined and said it knows no alternative; False: it did not say so
    # (it named one, or the reason needs none); NULL: a decline recorded before the choice was
    # asked (issue 18), which the constraint below leaves as it was.
    no_alternative_known = models.BooleanField(
        _("geen alternatief bekend"), null=True, blank=True, default=False, db_default=False
    )
    started_on = models.DateField(_("zorg gestart op"), null=True, blank=True)
    ended_on = models.DateField(_("zorg beëindigd op"), null=True, blank=True)
    end_code = models.CharField(_("reden beëindiging (iJw)"), max_length=2, blank=True)
    end_reason = models.CharField(_("reden beëindiging"), max_length=500, blank=True)
    expired_on = models.DateField(_("verlopen op"), null=True, blank=True)
    bridging_from = models.DateField(_("overbrugging vanaf"), null=True, blank=True)
    bridging_description = models.CharField(_("overbrugging: wat"), max_length=500, blank=True)
    bridging_by = models.CharField(_("overbrugging: door wie"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("versie"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("verwijzing")
        verbose_name_plural = _("verwijzingen")
        ordering = ["ref"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="referral_status_known"
            ),
            models.CheckConstraint(
                condition=Q(referrer__in=Referrer.values), name="referral_referrer_known"
            ),
            models.CheckConstraint(
                condition=~_status_in(NEEDS_SENT_ON) | Q(sent_on__isnull=False),
                name="referral_sent_has_sent_on",
                violation_error_message=_("Een verzonden verwijzing heeft een verzenddatum."),
            ),
            models.CheckConstraint(
                condition=~_status_in(NEEDS_ANSWERED_ON) | Q(answered_on__isnull=False),
                name="referral_answered_has_answered_on",
                violation_error_message=_("Een beantwoorde verwijzing heeft een antwoorddatum."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.DECLINED) | ~Q(decline_reason=""),
                name="referral_decline_has_reason",
                violation_error_message=_("Geen nee zonder reden: een afwijzing noemt de reden."),
            ),
            models.CheckConstraint(
                condition=~Q(
                    status=Status.DECLINED,
                    decline_code__in=DECLINE_CODES_NEEDING_AN_ALTERNATIVE,
                )
                | Q(alternative_provider__isnull=False)
                | Q(alternative_product__isnull=False)
                | Q(no_alternative_known=True)
                | Q(no_alternative_known__isnull=True),
                name="referral_decline_names_an_alternative",
                violation_error_message=_(
                    "Bij geen capaciteit of niet de juiste zorg noemt de afwijzing een andere "
                    "aanbieder of een ander product, of uitdrukkelijk: geen alternatief bekend."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(no_alternative_known=True)
                | Q(
                    status=Status.DECLINED,
                    alternative_provider__isnull=True,
                    alternative_product__isnull=True,
                ),
                name="referral_no_alternative_known_fits",
                violation_error_message=_(
                    "‘Geen alternatief bekend’ hoort bij een afwijzing zonder voorgesteld "
                    "alternatief."
                ),
            ),
            models.CheckConstraint(
                condition=Q(no_alternative_known__isnull=False) | Q(status=Status.DECLINED),
                name="referral_no_alternative_unknown_only_declined",
            ),
            models.CheckConstraint(
                condition=_status_in(NEEDS_STARTED_ON) & Q(started_on__isnull=False)
                | ~_status_in(NEEDS_STARTED_ON) & Q(started_on__isnull=True),
                name="referral_started_on_fits_status",
                violation_error_message=_("Alleen gestarte zorg heeft een startdatum."),
            ),
            models.CheckConstraint(
                condition=_status_in(NEEDS_ENDED_ON) & Q(ended_on__isnull=False) & ~Q(end_reason="")
                | ~_status_in(NEEDS_ENDED_ON) & Q(ended_on__isnull=True),
                name="referral_ended_on_fits_status",
                violation_error_message=_("Beëindigde zorg heeft een einddatum en een reden."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.DRAFT)
                | Q(sent_on__isnull=True, answered_on__isnull=True),
                name="referral_draft_has_no_dates",
            ),
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True)
                | Q(sent_on__isnull=False, answered_on__gte=F("sent_on")),
                name="referral_answered_after_sent",
                violation_error_message=_("Een verwijzing wordt beantwoord na verzending."),
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(answered_on__isnull=False, started_on__gte=F("answered_on")),
                name="referral_started_after_answered",
                violation_error_message=_("Zorg start niet vóór de toewijzing."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=False, ended_on__gte=F("started_on")),
                name="referral_ended_after_started",
                violation_error_message=_("Zorg eindigt niet vóór de start."),
            ),
            models.CheckConstraint(
                condition=Q(status=Status.EXPIRED, expired_on__isnull=False)
                | ~Q(status=Status.EXPIRED) & Q(expired_on__isnull=True),
                name="referral_expired_on_fits_status",
                violation_error_message=_("Alleen een verlopen verwijzing heeft een vervaldatum."),
            ),
            models.CheckConstraint(
                condition=Q(expired_on__isnull=True) | Q(expired_on__gte=F("sent_on")),
                name="referral_expired_after_sent",
                violation_error_message=_("Een verwijzing verloopt na verzending."),
            ),
            models.CheckConstraint(
                condition=Q(bridging_from__isnull=True, bridging_description="", bridging_by="")
                | Q(bridging_from__isnull=False, sent_on__isnull=False)
                & Q(bridging_from__gte=F("sent_on"))
                & ~Q(bridging_description=""),
                name="referral_bridging_complete",
                violation_error_message=_(
                    "Overbrugging noemt wat er gebeurt en vanaf wanneer, niet vóór de verzending."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["case"], name="referral_case_idx"),
            models.Index(fields=["youth"], name="referral_youth_idx"),
            # The provider API's cursor (updated_at, id), with and without a status filter: a
            # page is read from the index in order, no sort of all the provider's referrals.
            models.Index(
                fields=["provider", "status", "updated_at", "id"],
                name="referral_provider_status_idx",
            ),
            models.Index(
                fields=["provider", "updated_at", "id"], name="referral_provider_updated_idx"
            ),
            models.Index(fields=["status", "sent_on"], name="referral_status_sent_idx"),
            # The provider portal's inbox: its open referrals oldest first, a page by keyset
            # (sent_on, id) read from the index in order; per status for its filter.
            models.Index(
                fields=["provider", "sent_on", "id"],
                condition=Q(status__in=[str(s) for s in OPEN_STATUSES]),
                name="referral_provider_open_idx",
            ),
            models.Index(
                fields=["provider", "status", "sent_on", "id"],
                name="referral_provider_status_sent",
            ),
        ]

    def __str__(self) -> str:
        return self.ref


class ProviderRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coördinator")
    STAFF = "staff", _("Medewerker")


class ProviderMembership(models.Model):
    """A worker who logs in for a provider (its portal, ``/aanbieder/``): one provider per
    worker, as its coordinator or staff.

    A provider user is no local-team or region worker: the database refuses a membership for a
    worker with a local team, a region, a role, staff or superuser status, and refuses those to
    a worker with a membership (triggers, migration 0012). A deactivated membership keeps the
    worker a provider user, without access to the portal.
    """

    worker = models.OneToOneField(
        "casusregie.Worker",
        on_delete=models.CASCADE,
        related_name="provider_membership",
        verbose_name=_("medewerker"),
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("zorgaanbieder"),
    )
    role = models.CharField(
        _("rol bij de aanbieder"),
        max_length=16,
        choices=ProviderRole.choices,
        default=ProviderRole.STAFF,
    )
    active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("toegevoegd op"), auto_now_add=True)
    created_by = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("toegevoegd door"),
    )
    deactivated_at = models.DateTimeField(_("gedeactiveerd op"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gedeactiveerd door"),
    )

    class Meta:
        verbose_name = _("medewerker van een aanbieder")
        verbose_name_plural = _("medewerkers van aanbieders")
        ordering = ["provider", "role", "worker"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=ProviderRole.values), name="provider_membership_role_known"
            ),
            models.CheckConstraint(
                condition=Q(active=True, deactivated_at__isnull=True)
                | Q(active=False, deactivated_at__isnull=False),
                name="provider_membership_deactivated_fits",
            ),
            models.CheckConstraint(
                condition=Q(created_by__isnull=True) | ~Q(created_by=F("worker")),
                name="provider_membership_not_by_oneself",
                violation_error_message=_("U voegt uzelf niet toe aan een aanbieder."),
            ),
        ]
        indexes = [models.Index(fields=["provider", "active"], name="provider_membership_idx")]

    def __str__(self) -> str:
        return f"{self.worker}: {self.provider} ({self.get_role_display()})"

    @property
    def is_coordinator(self) -> bool:
        return self.role == ProviderRole.COORDINATOR


class ReferralEvent(models.Model):
    """History of a referral: one row per transition, with the actor and the time."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor_kind = models.CharField(max_length=16)
    actor_worker = models.ForeignKey(
        "casusregie.Worker", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_provider = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("verwijzingsgebeurtenis")
        verbose_name_plural = _("verwijzingsgebeurtenissen")
        ordering = ["referral", "at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status} → {self.to_status}"


class ProviderAPIKeyManager(APIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        # The key and its provider in one query: every API request looks a key up.
        return super().get_usable_keys().select_related("provider")


class ProviderAPIKey(AbstractAPIKey):
    """A provider's API key; only its hash is stored (djangorestframework-api-key)."""

    objects = ProviderAPIKeyManager()
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="api_keys")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API-sleutel van een aanbieder")
        verbose_name_plural = _("API-sleutels van aanbieders")


class ProductCapacity(models.Model):
    """A provider's reported capacity for a product: free places and expected wait."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="capacities")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="capacities")
    available_places = models.PositiveIntegerField(_("vrije plaatsen"))
    expected_wait_days = models.PositiveIntegerField(_("verwachte wachttijd (dagen)"), null=True)
    reported_at = models.DateTimeField(_("gemeld op"), auto_now=True)

    class Meta:
        verbose_name = _("capaciteit")
        verbose_name_plural = _("capaciteit")
        constraints = [
            models.UniqueConstraint(fields=["provider", "product"], name="capacity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.product}: {self.available_places}"


class WebhookSubscription(models.Model):
    """Where a provider wants to hear about changes to its referrals (signed with ``secret``)."""

    provider = models.OneToOneField(Provider, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(
        _("adres"),
        max_length=500,
        validators=[URLValidator(schemes=["https", "http"]), WebhookURLValidator()],
        help_text=_(
            "Een openbaar https-adres; een intern of gereserveerd netwerkadres wordt geweigerd "
            "(http alleen buiten productie)."
        ),
    )
    secret = models.CharField(_("geheim"), max_length=200)
    active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return f"{self.provider}: {self.url}"


class OutboxEvent(models.Model):
    """A change to a referral, written in the same transaction, delivered later by Celery."""

    event_id = models.UUIDField(_("gebeurtenis-id"), unique=True, default=uuid.uuid4)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="outbox")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="outbox")
    kind = models.CharField(_("soort"), max_length=32)
    payload = models.JSONField(_("inhoud"))
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("uitgaande gebeurtenis")
        verbose_name_plural = _("uitgaande gebeurtenissen")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True),
                name="outbox_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


class WebhookDelivery(models.Model):
    """The delivery log: one row per attempt."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("aflevering")
        verbose_name_plural = _("afleveringen")
        ordering = ["event", "attempted_at"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.status_code or self.error}"


class IdempotencyRecord(models.Model):
    """A request with an ``Idempotency-Key`` that was answered, so a repeat is not performed
    again. Only what rebuilds the answer is kept: the status and the referral it was about (a
    repeat is answered with the referral as it is now, consent as it is now); for a refused
    request its problem document (about the request, no family data). Kept for
    ``IDEMPOTENCY_TTL_HOURS``; an older record is deleted and its key counts as new."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status_code = models.PositiveIntegerField()
    referral_ref = models.CharField(max_length=64, blank=True)
    problem = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "key"], name="idempotency_key_unique"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return self.key


class ProgressScale(models.TextChoices):
    """Where a goal of the plan stands, as the provider reports it at an evaluation."""

    NOT_STARTED = "not_started", _("Niet begonnen")
    WORKING = "working", _("Mee bezig")
    REACHED = "reached", _("Bereikt")


#: The longest progress text a provider may report (a short text, not a report).
PROGRESS_TEXT_MAX = 1000


class GoalProgress(models.Model):
    """Oplopen met het gezin: a provider's report on one goal of the case's current plan, for
    a referral in its care, under the family's consent to share the analysis and the goals.

    Append-only: a new report is a new row, the latest per goal is what counts. That the goal
    (and the evaluation, if any) belongs to the referral's case's plan is checked by
    ``services.report_goal_progress`` and again by a trigger (migration 0013)."""

    referral = models.ForeignKey(
        Referral,
        on_delete=models.CASCADE,
        related_name="goal_progress",
        verbose_name=_("verwijzing"),
    )
    goal = models.ForeignKey(
        "plans.Goal",
        on_delete=models.CASCADE,
        related_name="progress_reports",
        verbose_name=_("doel"),
    )
    evaluation = models.ForeignKey(
        "plans.Evaluation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_reports",
        verbose_name=_("evaluatie"),
    )
    scale = models.CharField(_("voortgang"), max_length=16, choices=ProgressScale.choices)
    text = models.CharField(_("toelichting"), max_length=PROGRESS_TEXT_MAX)
    reported_at = models.DateTimeField(_("gemeld op"), default=timezone.now)
    reported_by_worker = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gemeld door"),
        help_text=_("Leeg bij een melding via de API van de aanbieder."),
    )

    class Meta:
        verbose_name = _("voortgang op een doel")
        verbose_name_plural = _("voortgang op doelen")
        ordering = ["goal", "-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale__in=ProgressScale.values),
                name="goal_progress_scale_known",
                violation_error_message=_("Onbekende voortgang van een doel."),
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="goal_progress_has_text",
                violation_error_message=_("Een voortgangsmelding heeft een toelichting."),
            ),
        ]
        indexes = [
            # The latest report per goal: the plan page's and the provider API's read.
            models.Index(
                fields=["goal", "referral", "-reported_at", "-id"],
                name="goal_progress_latest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} / {self.goal_id}: {self.scale}"
