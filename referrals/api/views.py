"""The provider API: referrals addressed to the provider, answered and reported on."""

from __future__ import annotations

import datetime as dt
import json
import re

import django_filters
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ParseError
from rest_framework.exceptions import ValidationError as InvalidRequest
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from casusregie.access_log import Access, record_access
from casusregie.models import AccessAction
from plans.models import PerspectiveKind, PerspectivePart, PerspectivePlan
from referrals import selectors, services
from referrals.lifecycle import Status
from referrals.models import IdempotencyRecord, ProductCapacity, Referral, WebhookSubscription

from .authentication import HasProviderKey, ProviderKeyAuthentication, ProviderRateThrottle
from .errors import PreconditionRequired, handle_exception
from .serializers import (
    SAFE_CODE,
    CapacitySerializer,
    DeclineSerializer,
    EndSerializer,
    GoalProgressSerializer,
    PerspectivePlanSerializer,
    PerspectivePlanWriteSerializer,
    ProgressReportSerializer,
    ProviderReferralSerializer,
    ReferralGoalsSerializer,
    StartSerializer,
    WebhookSerializer,
)

PROBLEM = OpenApiResponse(description="Fout (application/problem+json)")
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Verplicht: de versie (ETag) die u het laatst hebt opgehaald, bijvoorbeeld "
    '"3". Zonder deze kop volgt 428, met een verouderde versie 412.',
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Eigen unieke sleutel: een herhaald verzoek met dezelfde sleutel krijgt het "
    "eerste antwoord terug, zonder de wijziging nog eens uit te voeren.",
)
STATE_CHANGE_RESPONSES = {
    200: ProviderReferralSerializer,
    400: PROBLEM,
    404: PROBLEM,
    409: PROBLEM,
    412: PROBLEM,
    422: PROBLEM,
    428: PROBLEM,
}


class ProviderAPIView:
    authentication_classes = [ProviderKeyAuthentication]
    permission_classes = [HasProviderKey]
    throttle_classes = [ProviderRateThrottle]

    def get_exception_handler(self):
        return handle_exception


class SaneIsoDateTimeField(IsoDateTimeField):
    """ISO 8601, within what PostgreSQL stores: offsets up to ±14 hours, years 1900–9999.

    Checked after parsing (``to_python``): Django parses an ISO 8601 value itself before any
    input format, so a check in ``strptime`` alone let ``…-17:47`` through to a 500.
    """

    def strptime(self, value, format):
        return self._sane(super().strptime(value, format), ValueError(value))

    def to_python(self, value):
        parsed = super().to_python(value)
        invalid = ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed if parsed is None else self._sane(parsed, invalid)

    @staticmethod
    def _sane(parsed: dt.datetime, error: Exception) -> dt.datetime:
        offset = parsed.utcoffset()
        if parsed.year < 1900 or (offset is not None and abs(offset) > dt.timedelta(hours=14)):
            raise error
        return parsed


class SaneIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SaneIsoDateTimeField


class ReferralFilter(django_filters.FilterSet):
    # distinct=False: a status is a column of the referral, no join can repeat a row; the
    # default DISTINCT over every selected column cost a sort of each page (make bench-api).
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices,
        help_text="Alleen verwijzingen met deze status(sen).",
        distinct=False,
    )
    updated_since = SaneIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Alleen verwijzingen gewijzigd op of na dit moment (ISO 8601).",
    )

    class Meta:
        model = Referral
        fields = ["status", "updated_since"]


class ReferralCursor(CursorPagination):
    ordering = ("updated_at", "id")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


GOAL_ID = re.compile(r"^[1-9][0-9]{0,17}$")  # an id the database can hold
IDEMPOTENCY_KEY_FORMAT = re.compile(r"^[\x21-\x7e]{1,200}$")


def _etag(referral: Referral) -> str:
    return f'"{referral.version}"'


def _expected_version(request) -> int:
    raw = request.headers.get("If-Match")
    if raw is None:
        raise PreconditionRequired()
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ParseError(_('If-Match bevat geen versie zoals "3".'))
    return int(value)


@extend_schema_view(
    list=extend_schema(
        summary="Verwijzingen aan u",
        description="De verwijzingen die aan uw organisatie zijn gericht (geen concepten), "
        "oudste wijziging eerst, per pagina (cursor). Gebruik `updated_since` om bij te "
        "blijven.",
        tags=["Verwijzingen"],
    ),
    retrieve=extend_schema(
        summary="Eén verwijzing",
        description="Eén verwijzing met wat u nodig hebt om de zorg te bieden. De kop ETag is "
        "de versie; stuur die als If-Match bij een wijziging. De verklarende analyse "
        "(`analysis`) en de contactgegevens van het gezin (`family_contact`: de opvoeders met "
        "naam, telefoon en e-mail) staan er alleen in als het gezin daarvoor toestemming heeft "
        "gegeven, elk apart; zonder (of na intrekking van) die toestemming zijn ze null.",
        tags=["Verwijzingen"],
        responses={200: ProviderReferralSerializer, 404: PROBLEM},
    ),
)
class ProviderReferralViewSet(
    ProviderAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ProviderReferralSerializer
    filterset_class = ReferralFilter
    pagination_class = ReferralCursor
    lookup_field = "ref"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        return selectors.referrals_for_provider(self.request.auth)

    def filter_queryset(self, queryset):
        # The filters are the list's; one referral is found by its ref alone.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_object(self) -> Referral:
        # A ref that cannot be one (a NUL byte, surrogates, …) is simply not found.
        if not SAFE_CODE.match(self.kwargs.get(self.lookup_field, "")):
            raise NotFound()
        return super().get_object()

    access_purpose = "uitvoering verwijzing"

    def log_access(
        self, request, referrals, action: str = AccessAction.READ, extra: list[Access] = ()
    ) -> None:
        """The referrals read (and the carers whose contact details came with them)."""
        accesses = []
        for r in referrals:
            family = r.case.family
            accesses.append(Access(family.ref, "referral", r.ref))
            if getattr(r, "contact_shared", False):
                accesses += [Access(family.ref, "carer", c.ref) for c in family.carers.all()]
        record_access(
            actor_kind="provider",
            actor=f"{request.auth.ref} ({request.auth.name})",
            accesses=[*accesses, *extra],
            action=action,
            purpose=self.access_purpose,
            origin=request.META.get("REMOTE_ADDR", ""),
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        selectors.with_shared_analyses(page)
        self.log_access(request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        referral = self.get_object()
        selectors.with_shared_analyses([referral])
        self.log_access(request, [referral])
        return Response(self.get_serializer(referral).data, headers={"ETag": _etag(referral)})

    def _change(self, request, serializer_class, perform) -> Response:
        """A state change: If-Match, Idempotency-Key, the service, the new representation."""
        if not SAFE_CODE.match(self.kwargs.get(self.lookup_field, "")):
            raise NotFound()
        key = request.headers.get("Idempotency-Key")
        provider = request.auth
        if key is not None and not IDEMPOTENCY_KEY_FORMAT.match(key):
            raise ParseError(
                _("Idempotency-Key: 1 tot 200 zichtbare ASCII-tekens, bijvoorbeeld een UUID.")
            )
        expired = None
        if key:
            record = IdempotencyRecord.objects.filter(provider=provider, key=key).first()
            if record and services.is_idempotency_record_expired(record, timezone.now()):
                expired = record  # past IDEMPOTENCY_TTL_HOURS: the key counts as new
            elif record:
                return self._replay(request, record)
        try:
            with transaction.atomic():
                if expired is not None:
                    IdempotencyRecord.objects.filter(pk=expired.pk).delete()
                response = self._perform(request, serializer_class, perform)
                if key:
                    failed = response.status_code >= 400
                    IdempotencyRecord.objects.create(
                        provider=provider,
                        key=key[:200],
                        method=request.method,
                        path=request.path[:300],
                        status_code=response.status_code,
                        referral_ref="" if failed else response.data["ref"],
                        problem=json.loads(JSONRenderer().render(response.data))
                        if failed
                        else None,
                    )
        except IntegrityError:
            # Another request with the same key won the race: replay its answer. Without a key,
            # or when the change itself broke a rule, the exception handler answers 409 or 422.
            record = (
                IdempotencyRecord.objects.filter(provider=provider, key=key).first()
                if key
                else None
            )
            if record is None:
                raise
            return self._replay(request, record)
        return response

    def _perform(self, request, serializer_class, perform) -> Response:
        try:
            # The service locks and reads the referral itself: here only whether it is
            # addressed to this provider (404 otherwise), without the joins of the reading view.
            referral = get_object_or_404(
                selectors.addressed_to(request.auth), ref=self.kwargs[self.lookup_field]
            )
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            updated = perform(
                referral=referral,
                by=services.Actor.of_provider(request.auth),
                expected_version=_expected_version(request),
                **data.validated_data,
            )
        except (APIException, services.ReferralRefused, Http404) as exc:
            # Answered here, inside the idempotent transaction, so the answer can be stored.
            return handle_exception(exc, {"view": self, "request": request})
        fresh = self.get_queryset().get(pk=updated.pk)
        selectors.with_shared_analyses([fresh])
        self.log_access(request, [fresh], AccessAction.CHANGE)
        return Response(
            self.get_serializer(fresh).data,
            status=status.HTTP_200_OK,
            headers={"ETag": _etag(fresh)},
        )

    def _replay(self, request, record: IdempotencyRecord) -> Response:
        """The answer to a repeat: a refusal as it was; a change rebuilt now, with the
        referral's state and the family's consent as they are now, and logged as a read."""
        if record.method != request.method or record.path != request.path[:300]:
            return handle_exception(
                services.ReferralRefused(
                    "idempotency_key_reused",
                    str(_("Deze Idempotency-Key is al gebruikt voor een ander verzoek.")),
                ),
                {},
            )
        headers = {"Idempotency-Replayed": "true"}
        if record.problem is not None:
            return Response(
                record.problem,
                status=record.status_code,
                headers=headers,
                content_type="application/problem+json",
            )
        referral = self.get_queryset().filter(ref=record.referral_ref).first()
        if referral is None:
            return handle_exception(NotFound(), {"view": self, "request": request})
        selectors.with_shared_analyses([referral])
        self.log_access(request, [referral])
        headers["ETag"] = _etag(referral)
        return Response(
            self.get_serializer(referral).data, status=record.status_code, headers=headers
        )

    @extend_schema(
        summary="Doelen van het plan",
        description="Oplopen met het gezin: de doelen van het huidige plan van het gezin, elk "
        "met uw laatste melding van de voortgang, en de evaluaties van het plan. Alleen met "
        "toestemming van het gezin om de analyse (en daarmee de doelen) met u te delen; zonder "
        "die toestemming is `shared` false en zijn de lijsten leeg.",
        responses={200: ReferralGoalsSerializer, 404: PROBLEM},
        tags=["Oplopen met het gezin"],
    )
    @action(detail=True, methods=["get"])
    def goals(self, request, ref=None):
        referral = self.get_object()
        plan = selectors.plan_for_provider(referral)
        family = referral.case.family.ref
        goals = plan.goals if plan else []
        read = [Access(family, "goal", str(g.pk)) for g in goals]
        self.log_access(request, [referral], extra=read)
        data = {
            "shared": plan is not None,
            "evaluations": plan.evaluations if plan else [],
            "goals": goals,
        }
        return Response(ReferralGoalsSerializer(data).data)

    @extend_schema(
        summary="Voortgang op een doel melden",
        description="Meld bij een evaluatie hoe het met een doel van het plan staat: "
        "`not_started` (niet begonnen), `working` (mee bezig) of `reached` (bereikt), met een "
        "korte toelichting. Alleen bij een verwijzing die u hebt toegewezen of gestart (anders "
        "409 `not_in_care`) en met toestemming van het gezin om het plan met u te delen "
        "(anders 409 `no_consent`). Een doel buiten het huidige plan is 404. Elke melding "
        "blijft bewaard; de laatste telt.",
        request=ProgressReportSerializer,
        parameters=[
            OpenApiParameter(
                "goal_id",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description="Het id van het doel, uit de lijst van doelen van de verwijzing.",
            )
        ],
        responses={201: GoalProgressSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
        tags=["Oplopen met het gezin"],
        examples=[
            OpenApiExample(
                "Mee bezig",
                value={
                    "scale": "working",
                    "text": "Noor gaat weer drie dagen per week naar school.",
                    "evaluation": 12,
                },
                request_only=True,
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"goals/(?P<goal_id>[^/]+)/progress",
        url_name="goal-progress",
    )
    def goal_progress(self, request, ref=None, goal_id=None):
        # A ref or goal id that cannot be one is simply not found (a problem document).
        if not SAFE_CODE.match(ref or "") or not GOAL_ID.match(goal_id or ""):
            return handle_exception(NotFound(), {"view": self, "request": request})
        try:
            with transaction.atomic():
                referral = get_object_or_404(selectors.addressed_with_family(request.auth), ref=ref)
                goal = selectors.current_goal_of(referral, int(goal_id))
                if goal is None:
                    raise Http404
                data = ProgressReportSerializer(data=request.data)
                data.is_valid(raise_exception=True)
                evaluation = None
                if data.validated_data.get("evaluation") is not None:
                    evaluation = selectors.evaluation_of_plan(
                        goal.plan_id, data.validated_data["evaluation"]
                    )
                    if evaluation is None:
                        raise services.InvalidInput(
                            "evaluation_not_in_plan",
                            str(_("Deze evaluatie hoort niet bij het plan van dit doel.")),
                            "evaluation",
                        )
                progress = services.report_goal_progress(
                    referral=referral,
                    goal=goal,
                    scale=data.validated_data["scale"],
                    text=data.validated_data["text"],
                    by=services.Actor.of_provider(request.auth),
                    evaluation=evaluation,
                )
                family = referral.case.family.ref
                self.log_access(
                    request,
                    [referral],
                    AccessAction.CHANGE,
                    extra=[Access(family, "goal_progress", str(progress.pk))],
                )
        except (APIException, services.ReferralRefused, Http404) as exc:
            return handle_exception(exc, {"view": self, "request": request})
        return Response(GoalProgressSerializer(progress).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Toewijzen",
        description="U neemt de verwijzing aan (toewijzing). Alleen bij status ‘sent’.",
        request=None,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses=STATE_CHANGE_RESPONSES,
        tags=["Verwijzingen"],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, ref=None):
        from .serializers import AcceptSerializer

        return self._change(request, AcceptSerializer, services.accept_referral)

    @extend_schema(
        summary="Afwijzen",
        description="Geen nee zonder alternatief: noem de reden uit de codelijst en stel zo "
        "mogelijk een andere aanbieder of een ander product voor. Bij `no_capacity` en "
        "`not_right_care` is die keuze verplicht: een alternatief (aanbieder of product) of "
        "uitdrukkelijk `no_alternative_known: true`; anders volgt 400.",
        request=DeclineSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses=STATE_CHANGE_RESPONSES,
        tags=["Verwijzingen"],
        examples=[
            OpenApiExample(
                "Geen capaciteit, met alternatief",
                value={
                    "reason_code": "no_capacity",
                    "reason": "Wachtlijst van 12 weken.",
                    "alternative_provider": "p-maaskant",
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, ref=None):
        def perform(
            *,
            reason_code,
            reason="",
            alternative_provider=None,
            alternative_product=None,
            no_alternative_known=False,
            **kwargs,
        ):
            return services.decline_referral(
                reason_code=reason_code,
                reason=reason,
                alternative_provider=alternative_provider,
                alternative_product=alternative_product,
                no_alternative_known=no_alternative_known,
                **kwargs,
            )

        return self._change(request, DeclineSerializer, perform)

    @extend_schema(
        summary="Start zorg melden",
        description="De zorg is begonnen (na toewijzing).",
        request=StartSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses=STATE_CHANGE_RESPONSES,
        tags=["Verwijzingen"],
        examples=[OpenApiExample("Start", value={"started_on": "2026-11-20"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def start(self, request, ref=None):
        return self._change(request, StartSerializer, services.start_care)

    @extend_schema(
        summary="Einde zorg melden",
        description="De zorg is beëindigd, met de iJw-reden beëindiging.",
        request=EndSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses=STATE_CHANGE_RESPONSES,
        tags=["Verwijzingen"],
        examples=[
            OpenApiExample(
                "Volgens plan",
                value={"ended_on": "2026-11-20", "end_code": "31"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def end(self, request, ref=None):
        return self._change(request, EndSerializer, services.end_care)


@extend_schema_view(
    list=extend_schema(
        summary="Gemelde capaciteit",
        description="De capaciteit die u per product hebt gemeld.",
        tags=["Capaciteit"],
    ),
    create=extend_schema(
        summary="Capaciteit melden",
        description="Meld per product het aantal vrije plaatsen en de verwachte wachttijd; een "
        "nieuwe melding vervangt de vorige. De routering gebruikt dit.",
        tags=["Capaciteit"],
        responses={201: CapacitySerializer, 400: PROBLEM},
        examples=[
            OpenApiExample(
                "Melding",
                value={"product": "AMB-SPEC", "available_places": 3, "expected_wait_days": 14},
                request_only=True,
            )
        ],
    ),
)
class CapacityViewSet(
    ProviderAPIView, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = CapacitySerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProductCapacity.objects.none()
        return ProductCapacity.objects.filter(provider=self.request.auth).select_related("product")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        capacity = services.report_capacity(
            provider=request.auth,
            product=serializer.validated_data["product"],
            available_places=serializer.validated_data["available_places"],
            expected_wait_days=serializer.validated_data.get("expected_wait_days"),
        )
        return Response(self.get_serializer(capacity).data, status=status.HTTP_201_CREATED)


class WebhookView(ProviderAPIView, APIView):
    serializer_class = WebhookSerializer

    @extend_schema(
        summary="Uw webhook",
        description="Het adres waarop u meldingen van wijzigingen in uw verwijzingen ontvangt.",
        responses={200: WebhookSerializer, 404: PROBLEM},
        tags=["Webhook"],
    )
    def get(self, request):
        hook = get_object_or_404(WebhookSubscription, provider=request.auth)
        return Response(WebhookSerializer(hook).data)

    @extend_schema(
        summary="Webhook instellen",
        description="Elke wijziging wordt als JSON gepost, ondertekend met HMAC-SHA256 over "
        "`{timestamp}.{body}` met uw geheim (kop X-Casusregie-Signature: sha256=…), met een "
        "X-Casusregie-Event-Id om dubbele meldingen te herkennen. Mislukte afleveringen worden "
        "herhaald tot ze lukken.",
        request=WebhookSerializer,
        responses={200: WebhookSerializer, 400: PROBLEM},
        tags=["Webhook"],
        examples=[
            OpenApiExample(
                "Instellen",
                value={
                    "url": "https://aanbieder.example.org/casusregie",
                    "secret": "een-lang-geheim-van-ons",
                },
                request_only=True,
            )
        ],
    )
    def put(self, request):
        existing = WebhookSubscription.objects.filter(provider=request.auth).first()
        serializer = WebhookSerializer(existing, data=request.data)
        serializer.is_valid(raise_exception=True)
        hook = serializer.save(provider=request.auth)
        return Response(WebhookSerializer(hook).data)

    @extend_schema(
        summary="Webhook verwijderen",
        responses={204: None},
        tags=["Webhook"],
    )
    def delete(self, request):
        WebhookSubscription.objects.filter(provider=request.auth).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


KIND = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=PerspectiveKind.values,
    description="Welk perspectiefplan: return_home of transition_18; standaard de eerste die "
    "voor de jeugdige geldt (return_home bij een plaatsing buiten huis).",
)
PERSPECTIVE_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Bij een bestaand plan verplicht: de versie (ETag) die u het laatst hebt "
    'opgehaald, bijvoorbeeld "3" (zonder: 428, verouderd: 412). Niet nodig om het plan te '
    "beginnen.",
)


def _invalid(error: ValidationError) -> InvalidRequest:
    """A service's refusal of the input, with the field it is about: a part as ``parts.…``."""
    if not hasattr(error, "error_dict"):
        return InvalidRequest(error.messages)
    return InvalidRequest(
        {
            (
                f"parts.{name}"
                if name in PerspectivePart.values
                else "non_field_errors"
                if name == "__all__"
                else name
            ): messages
            for name, messages in error.message_dict.items()
        }
    )


class ProviderPerspectivePlanView(ProviderAPIView, APIView):
    """The perspective plan of a referral's youth, drafted by the provider in whose care the
    youth is (``referrals.services.perspective_plan_access`` says who may)."""

    serializer_class = PerspectivePlanSerializer
    access_purpose = "uitvoering verwijzing: perspectiefplan"

    def _access(self, request, ref: str, kind: str | None = None) -> services.PerspectiveAccess:
        if not SAFE_CODE.match(ref):
            raise NotFound()
        return services.perspective_plan_access(
            by=services.Actor.of_provider(request.auth), referral_ref=ref, kind=kind
        )

    def _answer(
        self, request, referral: Referral, plan: PerspectivePlan, action: str, code: int = 200
    ) -> Response:
        record_access(
            actor_kind="provider",
            actor=f"{request.auth.ref} ({request.auth.name})",
            accesses=[
                Access(referral.case.family.ref, "perspective_plan", str(plan.pk)),
            ],
            action=action,
            purpose=self.access_purpose,
            origin=request.META.get("REMOTE_ADDR", ""),
        )
        return Response(
            PerspectivePlanSerializer(plan, context={"referral": referral}).data,
            status=code,
            headers={"ETag": f'"{plan.version}"'},
        )

    @extend_schema(
        summary="Perspectiefplan van de jeugdige",
        description="Het perspectiefplan (terugkeer naar huis of overgang 18-/18+) van de "
        "jeugdige van deze verwijzing, dat u opstelt en de regisseur afspreekt. Alleen voor een "
        "jeugdige in uw zorg (verwijzing toegewezen of gestart) die 16 jaar of ouder is of "
        "buiten huis is geplaatst (anders 404), en met toestemming van het gezin (anders 403). "
        "404 met code no_perspective_plan: er is nog geen plan; begin het met PUT.",
        parameters=[KIND],
        responses={200: PerspectivePlanSerializer, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM},
        tags=["Perspectiefplan"],
    )
    def get(self, request, ref: str):
        kind = request.query_params.get("kind")
        if kind is not None and kind not in PerspectiveKind.values:
            self._access(request, ref)  # another provider's referral stays a 404
            raise InvalidRequest({"kind": [_("Kies return_home of transition_18.")]})
        access = self._access(request, ref, kind)
        if access.plan is None:
            raise services.NotFound(
                "no_perspective_plan",
                str(_("Er is nog geen perspectiefplan van deze soort; begin het met PUT.")),
            )
        return self._answer(request, access.referral, access.plan, AccessAction.READ)

    @extend_schema(
        summary="Perspectiefplan opstellen",
        description="Begin het perspectiefplan (201) of werk het concept bij (200; met If-Match). "
        "Een PUT vervangt de tekst van het plan: een weggelaten onderdeel is leeg. Elk "
        "onderdeel is een tekst of ‘niet van toepassing’ (niet allebei); bij contact "
        "volwassenenzorg ook welke (wmo, ggz, debt_help). De regisseur spreekt het plan af "
        "als elk onderdeel is ingevuld of niet van toepassing; daarna kunt u het niet meer "
        "wijzigen (409).",
        request=PerspectivePlanWriteSerializer,
        parameters=[PERSPECTIVE_IF_MATCH],
        responses={
            200: PerspectivePlanSerializer,
            201: PerspectivePlanSerializer,
            400: PROBLEM,
            403: PROBLEM,
            404: PROBLEM,
            409: PROBLEM,
            412: PROBLEM,
            422: PROBLEM,
            428: PROBLEM,
        },
        tags=["Perspectiefplan"],
        examples=[
            OpenApiExample(
                "Concept",
                value={
                    "kind": "transition_18",
                    "notes": "Besproken met Daan en zijn moeder.",
                    "parts": {
                        "housing": {"text": "Kamer zoeken via de woningcorporatie."},
                        "school_or_work": {"text": "Mbo niveau 2, stage bij de garage."},
                        "income": {"text": "Zorgtoeslag en studiefinanciering aanvragen."},
                        "help_at_home": {"not_applicable": True},
                        "adult_services": {
                            "services": ["wmo", "debt_help"],
                            "text": "Wmo-consulent van de gemeente, gesprek in maart.",
                        },
                    },
                },
                request_only=True,
            )
        ],
    )
    def put(self, request, ref: str):
        access = self._access(request, ref)  # 404 / 403 before a word about the input
        data = PerspectivePlanWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data.get("kind")
        if kind is not None and kind != access.kind:
            access = self._access(request, ref, kind)
        by = services.Actor.of_provider(request.auth)
        try:
            if access.plan is None:
                plan = services.draft_perspective_plan(
                    referral=access.referral,
                    by=by,
                    kind=access.kind,
                    parts=data.parts_input(),
                    notes=data.validated_data["notes"],
                )
                code = status.HTTP_201_CREATED
            else:
                plan = services.update_perspective_plan(
                    referral=access.referral,
                    by=by,
                    kind=access.kind,
                    parts=data.parts_input(),
                    notes=data.validated_data["notes"],
                    expected_version=_expected_version(request),
                )
                code = status.HTTP_200_OK
        except ValidationError as error:
            raise _invalid(error) from error
        fresh = selectors.perspective_plan_of(access.referral, plan.kind)
        return self._answer(request, access.referral, fresh, AccessAction.CHANGE, code)
