"""The open export: the dashboard's figures as JSON for the region's own BI tools.

``GET /api/v1/stats/?periode=2026-K3&indeling=gemeente`` with ``Authorization: Api-Key <key>``
(a region's key: ``manage.py region_key create REGION_CODE``). The same tables as the pages,
small cells hidden the same way; every request is in the access log, with no family.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from casusregie.access_log import Access, record_access
from casusregie.models import AccessAction, Region
from referrals.api.authentication import APIKeyAuthentication, ProviderRateThrottle
from referrals.api.errors import handle_exception, problem

from . import selectors
from .models import RegionAPIKey
from .pages import BREAKDOWNS, BadChoice, breakdown_of, choose, context, offered_periods, published
from .publication import HIDDEN

PURPOSE = "open export beleidsinformatie (geaggregeerd, zonder namen)"


class RegionKeyAuthentication(APIKeyAuthentication):
    key_model = RegionAPIKey
    owner_field = "region"


class HasRegionKey(BasePermission):
    message = "Alleen met een geldige API-sleutel van een regio."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Region)


class RegionKeyScheme(OpenApiAuthenticationExtension):
    target_class = "dashboard.api.RegionKeyAuthentication"
    name = "RegionApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <sleutel>` van een regio; maak een sleutel met "
            "`manage.py region_key create REGIOCODE`.",
        }


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField(help_text="Eenheid: leeg (aantal), ‘dagen’ of ‘%’.")


class RowSerializer(serializers.Serializer):
    member = serializers.CharField(help_text="Code van het onderdeel (CBS-code, team, …).")
    label = serializers.CharField()
    total = serializers.BooleanField(help_text="De rij van de hele regio.")
    values = serializers.DictField(
        child=serializers.JSONField(),
        help_text=f"Per kolom: een getal, ‘{HIDDEN}’ (minder dan vijf) of null (niet te "
        "berekenen, zoals een mediaan van minder dan vijf waarnemingen).",
    )


class TableSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField()
    columns = ColumnSerializer(many=True)
    rows = RowSerializer(many=True)


class PeriodSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class StatsSerializer(serializers.Serializer):
    region = serializers.CharField()
    as_of = serializers.DateField(help_text="De peildatum van de cijfers.")
    refreshed_at = serializers.DateTimeField()
    period = PeriodSerializer()
    breakdown = serializers.ChoiceField(choices=list(BREAKDOWNS))
    periods = serializers.ListField(child=serializers.CharField())
    tables = TableSerializer(many=True)


def _period(p) -> dict:
    return {"code": p.code, "label": p.label, "start": p.start, "end": p.end}


class RegionStatsView(APIView):
    authentication_classes = [RegionKeyAuthentication]
    permission_classes = [HasRegionKey]
    throttle_classes = [ProviderRateThrottle]  # the same rate per key as the provider API

    def get_exception_handler(self):
        return handle_exception

    def initial(self, request, *args, **kwargs):
        """An unsupported method is a 405 whatever the key (before authentication)."""
        if request.method.lower() not in self.http_method_names or not hasattr(
            self, request.method.lower()
        ):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="stats",
        summary="Cijfers van de regio (zonder namen)",
        description="De cijfers van het dashboard van de regio van de sleutel, voor één periode "
        "en één indeling: dezelfde tabellen als op de pagina's. Aantallen onder vijf staan als "
        f"‘{HIDDEN}’, andere aantallen zijn afgerond op vijftallen (zie docs/dashboard.md).",
        tags=["statistieken"],
        parameters=[
            OpenApiParameter(
                "periode",
                OpenApiTypes.STR,
                description="Een jaar (2026), kwartaal (2026-K3) of maand (2026-09) uit "
                "`periods`; standaard het lopende jaar.",
            ),
            OpenApiParameter(
                "indeling",
                OpenApiTypes.STR,
                enum=list(BREAKDOWNS),
                description="Uitsplitsing van de tabellen; standaard de hele regio.",
            ),
        ],
        responses={
            200: StatsSerializer,
            400: OpenApiResponse(description="Onbekende periode of indeling"),
            404: OpenApiResponse(description="Nog geen cijfers voor deze regio"),
        },
    )
    def get(self, request):
        region: Region = request.auth
        refresh = selectors.latest_refresh(region)
        if refresh is None:
            return problem(404, "no_figures", "Er zijn nog geen cijfers voor deze regio.")
        try:
            period, dimension = choose(
                refresh, request.query_params.get("periode"), request.query_params.get("indeling")
            )
        except BadChoice as exc:
            return problem(
                400,
                "invalid",
                exc.message,
                [{"name": exc.field, "code": "invalid_choice", "reason": exc.message}],
            )
        breakdown = breakdown_of(dimension)
        every = published(context(region, refresh, period, dimension))
        tables = [t for page_tables in every.values() for t in page_tables]
        record_access(
            actor_kind="region",
            actor=f"{request._request.api_key_prefix} ({region.code})",
            accesses=[Access("", "statistics", f"api {period.code} {breakdown}")],
            action=AccessAction.EXPORT,
            purpose=PURPOSE,
            origin=request.META.get("REMOTE_ADDR", ""),
        )
        body = {
            "region": region.code,
            "as_of": refresh.as_of,
            "refreshed_at": refresh.finished_at,
            "period": _period(period),
            "breakdown": breakdown,
            "periods": [p.code for p in offered_periods(refresh)],
            "tables": [t.as_json() for t in tables],
        }
        return Response(StatsSerializer(body).data)


urlpatterns = [path("", RegionStatsView.as_view(), name="region-stats")]
