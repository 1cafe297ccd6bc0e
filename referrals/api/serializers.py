"""What a provider sees of a referral: only what the referral needs."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from plans.models import (
    AdultService,
    PerspectiveKind,
    PerspectivePart,
    PerspectivePlan,
    PerspectiveStatus,
)
from plans.services import PART_MAX_LENGTH, PartInput, missing_parts
from referrals.codes import decline_reasons, ijw_end_reasons
from referrals.models import (
    PROGRESS_TEXT_MAX,
    Product,
    ProductCapacity,
    ProgressScale,
    Provider,
    Referral,
    WebhookSubscription,
)

SAFE_CODE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CodeRelatedField(serializers.SlugRelatedField):
    """A reference by ref or code; anything that cannot be a code is refused before a query."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SAFE_CODE.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:64])
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """Only JSON true and false (no 0, 1, "yes")."""

    TRUE_VALUES = {True}
    FALSE_VALUES = {False}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)


class YouthSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("Naam van de jeugdige"))
    birth_date = serializers.DateField(help_text=_("Geboortedatum"))


class MunicipalitySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("CBS-code, bijvoorbeeld GM0599"))
    name = serializers.CharField()


class ProductSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    segment = serializers.CharField(help_text=_("Code van het inkoopsegment van de regio"))
    ijw_category = serializers.CharField(help_text=_("iJw-productcategorie"))
    specialist = serializers.BooleanField()
    out_of_home = serializers.BooleanField(help_text=_("Plaatst de jeugdige buiten huis"))
    crisis = serializers.BooleanField(help_text=_("Crisiszorg: mag starten vóór de analyse"))


class BridgingSerializer(serializers.Serializer):
    on_from = serializers.DateField(help_text=_("Vanaf wanneer"))
    description = serializers.CharField(help_text=_("Wat er tijdens het wachten gebeurt"))
    by = serializers.CharField(help_text=_("Door wie (leeg als niet genoemd)"))

    def get_fields(self) -> dict:  # "from" is a Python keyword: declared as on_from
        fields = super().get_fields()
        return {("from" if name == "on_from" else name): f for name, f in fields.items()}


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()


class CarerContactSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("Naam van de opvoeder"))
    phone = serializers.CharField(help_text=_("Telefoon (leeg als niet bekend)"))
    email = serializers.CharField(help_text=_("E-mail (leeg als niet bekend)"))


class AnalysisSerializer(serializers.Serializer):
    status = serializers.CharField()
    established_on = serializers.DateField(allow_null=True)
    domains = serializers.DictField(child=serializers.CharField())
    explanations = serializers.ListField(child=serializers.CharField())


# For ProviderReferralSerializer.to_representation: DRF's renderings of a date and a moment.
_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()


# A referral as its provider sees it. The declared and model fields are the contract (and the
# OpenAPI schema); the representation is written out in ``to_representation``, equal to the
# field-by-field one (a test compares them): building a ModelSerializer's fields for each
# response cost more than all the rest of the representation (``make bench-api``).
class ProviderReferralSerializer(serializers.ModelSerializer):
    youth = serializers.SerializerMethodField()
    municipality = serializers.SerializerMethodField()
    product = serializers.SerializerMethodField()
    regisseur = serializers.SerializerMethodField()
    analysis = serializers.SerializerMethodField()
    family_contact = serializers.SerializerMethodField()
    bridging = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "ref",
            "status",
            "version",
            "question",
            "referrer",
            "youth",
            "municipality",
            "product",
            "regisseur",
            "analysis",
            "family_contact",
            "sent_on",
            "answered_on",
            "decline_code",
            "decline_reason",
            "no_alternative_known",
            "started_on",
            "ended_on",
            "end_code",
            "end_reason",
            "expired_on",
            "bridging",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, obj: Referral) -> dict:
        date = _DATE.to_representation
        return {
            "ref": obj.ref,
            "status": obj.status,
            "version": obj.version,
            "question": obj.question,
            "referrer": obj.referrer,
            "youth": self.get_youth(obj),
            "municipality": self.get_municipality(obj),
            "product": self.get_product(obj),
            "regisseur": self.get_regisseur(obj),
            "analysis": self.get_analysis(obj),
            "family_contact": self.get_family_contact(obj),
            "sent_on": date(obj.sent_on),
            "answered_on": date(obj.answered_on),
            "decline_code": obj.decline_code,
            "decline_reason": obj.decline_reason,
            "no_alternative_known": obj.no_alternative_known,
            "started_on": date(obj.started_on),
            "ended_on": date(obj.ended_on),
            "end_code": obj.end_code,
            "end_reason": obj.end_reason,
            "expired_on": date(obj.expired_on),
            "bridging": self.get_bridging(obj),
            "updated_at": _DATETIME.to_representation(obj.updated_at),
        }

    @extend_schema_field(YouthSerializer)
    def get_youth(self, obj: Referral) -> dict:
        return {"name": obj.youth.name, "birth_date": obj.youth.birth_date}

    @extend_schema_field(MunicipalitySerializer)
    def get_municipality(self, obj: Referral) -> dict:
        m = obj.case.family.municipality
        return {"code": m.code, "name": m.name}

    @extend_schema_field(ProductSerializer)
    def get_product(self, obj: Referral) -> dict:
        p = obj.product
        return {
            "code": p.code,
            "name": p.name,
            "segment": p.segment.code,
            "ijw_category": p.ijw_category,
            "specialist": p.specialist,
            "out_of_home": p.out_of_home,
            "crisis": p.crisis,
        }

    @extend_schema_field(BridgingSerializer(allow_null=True))
    def get_bridging(self, obj: Referral) -> dict | None:
        """The bridging support (overbrugging) the regisseur arranged while the youth waits."""
        if obj.bridging_from is None:
            return None
        return {
            "from": _DATE.to_representation(obj.bridging_from),
            "description": obj.bridging_description,
            "by": obj.bridging_by,
        }

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_regisseur(self, obj: Referral) -> dict | None:
        """Today's regisseur: annotated by ``selectors.referrals_for_provider``."""
        return obj.regisseur_contact

    @extend_schema_field(CarerContactSerializer(many=True, allow_null=True))
    def get_family_contact(self, obj: Referral) -> list[dict] | None:
        """The carers' names, phone numbers and e-mail addresses: only with the family's
        consent to share its contact details with this provider (else null)."""
        if not getattr(obj, "contact_shared", False):
            return None
        return [
            {"name": c.name, "phone": c.phone, "email": c.email}
            for c in obj.case.family.carers.all()
        ]

    @extend_schema_field(AnalysisSerializer(allow_null=True))
    def get_analysis(self, obj: Referral) -> dict | None:
        """Only with the family's consent to share the analysis with this provider."""
        if not getattr(obj, "analysis_shared", False):
            return None
        current = [a for a in obj.case.analyses.all() if a.is_current]
        if not current:
            return None
        a = current[0]
        return {
            "status": a.status,
            "established_on": a.established_on,
            "domains": {f.domain: f.text for f in a.findings.all()},
            "explanations": [e.text for e in a.explanations.all()],
        }


class AcceptSerializer(serializers.Serializer):
    pass


class DeclineSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(
        choices=list(decline_reasons().items()), help_text=_("Reden uit de codelijst")
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text=_("Toelichting")
    )
    alternative_provider = CodeRelatedField(
        slug_field="ref",
        queryset=Provider.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Voorstel: een andere aanbieder (referentie)"),
    )
    alternative_product = CodeRelatedField(
        slug_field="code",
        queryset=Product.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Voorstel: een ander product (code)"),
    )
    no_alternative_known = StrictBooleanField(
        required=False,
        default=False,
        help_text=_(
            "Bij no_capacity en not_right_care verplicht als u geen alternatieve aanbieder of "
            "product noemt: true betekent uitdrukkelijk ‘geen alternatief bekend’."
        ),
    )


class StartSerializer(serializers.Serializer):
    started_on = serializers.DateField(
        required=False, help_text=_("Datum start zorg (standaard vandaag)")
    )

    def validate_started_on(self, value: dt.date) -> dt.date:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("De start van de zorg ligt niet in de toekomst."))
        return value


class EndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(required=False, help_text=_("Datum einde zorg"))
    end_code = serializers.ChoiceField(
        choices=list(ijw_end_reasons().items()), help_text=_("iJw-reden beëindiging")
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def validate_ended_on(self, value: dt.date) -> dt.date:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("Het einde van de zorg ligt niet in de toekomst."))
        return value


class CapacitySerializer(serializers.ModelSerializer):
    product = CodeRelatedField(slug_field="code", queryset=Product.objects.all())

    class Meta:
        model = ProductCapacity
        fields = ["product", "available_places", "expected_wait_days", "reported_at"]
        read_only_fields = ["reported_at"]
        extra_kwargs = {
            "available_places": {"max_value": 100_000},
            "expected_wait_days": {"required": False, "max_value": 3650},
        }


class WebhookSerializer(serializers.ModelSerializer):
    active = StrictBooleanField(required=False, default=True)

    class Meta:
        model = WebhookSubscription
        fields = ["url", "secret", "active"]
        extra_kwargs = {"secret": {"write_only": True, "min_length": 16}}


# --- the perspective plan ----------------------------------------------------------------------


class PerspectivePartSerializer(serializers.Serializer):
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=PART_MAX_LENGTH,
        help_text=_("Wat is afgesproken (leeg als nog niet ingevuld)"),
    )
    not_applicable = StrictBooleanField(
        required=False, default=False, help_text=_("Dit onderdeel is niet van toepassing")
    )


class AdultServicesPartSerializer(PerspectivePartSerializer):
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=PART_MAX_LENGTH,
        help_text=_("Het contact: met wie, waar, wanneer"),
    )
    services = serializers.ListField(
        child=serializers.ChoiceField(choices=AdultService.choices),
        required=False,
        default=list,
        max_length=len(AdultService.values),
        help_text=_("Welke volwassenenzorg: wmo, ggz, debt_help (schuldhulp)"),
    )


class PerspectivePartsSerializer(serializers.Serializer):
    housing = PerspectivePartSerializer(required=False, help_text=_("Wonen"))
    school_or_work = PerspectivePartSerializer(required=False, help_text=_("School of werk"))
    income = PerspectivePartSerializer(required=False, help_text=_("Inkomen"))
    help_at_home = PerspectivePartSerializer(required=False, help_text=_("Hulp thuis"))
    adult_services = AdultServicesPartSerializer(
        required=False, help_text=_("Contact volwassenenzorg (Wmo, ggz, schuldhulp)")
    )


class PerspectivePlanWriteSerializer(serializers.Serializer):
    """A PUT replaces the plan's text: a part left out is empty, notes left out are empty."""

    kind = serializers.ChoiceField(
        choices=PerspectiveKind.choices,
        required=False,
        help_text=_(
            "return_home (terugkeer naar huis) of transition_18 (overgang 18-/18+); standaard "
            "de eerste die voor de jeugdige geldt (return_home bij een plaatsing buiten huis)"
        ),
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=10000, help_text=_("Toelichting")
    )
    parts = PerspectivePartsSerializer(required=False, help_text=_("De onderdelen van het plan"))

    def parts_input(self) -> dict[str, PartInput]:
        """Every part as ``plans.services.PartInput`` (left out: empty)."""
        given = self.validated_data.get("parts") or {}
        return {
            part: PartInput(
                text=given.get(part, {}).get("text", ""),
                not_applicable=given.get(part, {}).get("not_applicable", False),
                services=tuple(given.get(part, {}).get("services", ())),
            )
            for part in PerspectivePart.values
        }


class AgreedBySerializer(serializers.Serializer):
    name = serializers.CharField()


class PerspectivePlanSerializer(serializers.Serializer):
    """A perspective plan as the provider that drafts it sees it."""

    referral = serializers.CharField(help_text=_("De verwijzing waarlangs u het plan opstelt"))
    kind = serializers.ChoiceField(choices=PerspectiveKind.choices)
    status = serializers.ChoiceField(choices=PerspectiveStatus.choices)
    version = serializers.IntegerField(help_text=_("De versie; ook de ETag"))
    started_on = serializers.DateField()
    notes = serializers.CharField()
    parts = PerspectivePartsSerializer()
    missing_parts = serializers.ListField(
        child=serializers.ChoiceField(choices=PerspectivePart.choices),
        help_text=_("Onderdelen die nog ingevuld of op ‘niet van toepassing’ moeten"),
    )
    drafted_by_provider = serializers.CharField(
        allow_null=True, help_text=_("Referentie van de aanbieder die het plan opstelde")
    )
    agreed_on = serializers.DateField(allow_null=True)
    agreed_by = AgreedBySerializer(allow_null=True, help_text=_("De regisseur die het afsprak"))

    def to_representation(self, plan: PerspectivePlan) -> dict:
        date = _DATE.to_representation
        parts = {
            part: {"text": getattr(plan, part), "not_applicable": getattr(plan, f"{part}_na")}
            for part in PerspectivePart.values
        }
        parts[PerspectivePart.ADULT_SERVICES]["services"] = plan.adult_service_values()
        provider = plan.drafted_by_provider
        return {
            "referral": self.context["referral"].ref,
            "kind": plan.kind,
            "status": plan.status,
            "version": plan.version,
            "started_on": date(plan.started_on),
            "notes": plan.notes,
            "parts": parts,
            "missing_parts": list(missing_parts(plan)),
            "drafted_by_provider": provider.ref if provider else None,
            "agreed_on": date(plan.agreed_on),
            "agreed_by": {"name": str(plan.agreed_by)} if plan.agreed_by else None,
        }


# A progress report on a goal as the provider reads it back.
class GoalProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    goal = serializers.IntegerField(read_only=True, source="goal_id")
    evaluation = serializers.IntegerField(
        read_only=True, allow_null=True, source="evaluation_id", help_text=_("Evaluatie (id)")
    )
    scale = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    reported_at = serializers.DateTimeField(read_only=True)


# What the provider reports on a goal; the service checks the text again (no control
# characters) and decides.
class ProgressReportSerializer(serializers.Serializer):
    scale = serializers.ChoiceField(
        choices=list(ProgressScale.choices), help_text=_("Voortgang op het doel")
    )
    text = serializers.CharField(
        max_length=PROGRESS_TEXT_MAX, help_text=_("Korte toelichting (hooguit 1000 tekens)")
    )
    evaluation = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("De evaluatie van het plan waarvoor u meldt (id), als er een is"),
    )


class PlanGoalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField(help_text=_("Volgorde in het plan"))
    text = serializers.CharField(help_text=_("Het doel"))
    status = serializers.CharField(help_text=_("Status in het plan: open, reached, stopped"))
    latest_progress = GoalProgressSerializer(
        allow_null=True, help_text=_("Uw laatste melding over dit doel")
    )


class PlanEvaluationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    planned_on = serializers.DateField(help_text=_("Gepland op"))
    held_on = serializers.DateField(allow_null=True, help_text=_("Gehouden op (of null)"))


class ReferralGoalsSerializer(serializers.Serializer):
    shared = serializers.BooleanField(
        help_text=_(
            "Of het gezin toestemming heeft gegeven om de analyse en de doelen met u te delen; "
            "zonder toestemming is de lijst leeg"
        )
    )
    evaluations = PlanEvaluationSerializer(
        many=True, help_text=_("De evaluaties van het plan: meld voortgang bij een evaluatie")
    )
    goals = PlanGoalSerializer(many=True)
