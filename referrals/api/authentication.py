"""Provider authentication by API key (``Authorization: Api-Key <key>``; stored hashed)."""

from __future__ import annotations

import logging

import pghistory
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from redis.exceptions import RedisError
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.models import AbstractAPIKey

from referrals.models import Provider, ProviderAPIKey

KEYWORD = "Api-Key"
logger = logging.getLogger(__name__)


class APIKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>`` for a key of ``key_model``; ``request.auth`` becomes
    the key's ``owner_field`` (a provider, or a region for the statistics export)."""

    key_model: type[AbstractAPIKey]
    owner_field: str

    def authenticate(self, request):
        header = get_authorization_header(request).decode("latin-1", errors="replace").split()
        if not header:
            return None
        if len(header) != 2 or header[0] != KEYWORD:
            raise AuthenticationFailed(_("Gebruik de kop ‘Authorization: Api-Key <sleutel>’."))
        try:
            key = self.key_model.objects.get_from_key(header[1])
        except self.key_model.DoesNotExist:
            raise AuthenticationFailed(_("Ongeldige API-sleutel.")) from None
        if key.revoked or key.has_expired:
            raise AuthenticationFailed(_("Deze API-sleutel is ingetrokken of verlopen."))
        request._request.api_key_prefix = key.prefix  # for throttling per key
        return AnonymousUser(), getattr(key, self.owner_field)

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ProviderKeyAuthentication(APIKeyAuthentication):
    key_model = ProviderAPIKey
    owner_field = "provider"

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None:
            # The change history names the provider that answered (the request's history
            # context is open for every change: pghistory.middleware.HistoryMiddleware).
            pghistory.context(provider=found[1].pk)
        return found


class HasProviderKey(BasePermission):
    message = _("Alleen voor zorgaanbieders met een geldige API-sleutel.")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Provider)


class ProviderRateThrottle(SimpleRateThrottle):
    """Throttling per API key (per address for requests without one).

    The counts live in the cache (Redis). When it cannot be reached the request is let through
    and that is logged: a provider's answer is stored in PostgreSQL and must not fail because
    Redis is down (``make fault-redis-down``); throttling resumes when Redis is back.
    """

    scope = "provider"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("throttle: cache unavailable, request allowed (%s)", exc)
            return True

    def get_cache_key(self, request, view) -> str:
        prefix = getattr(request._request, "api_key_prefix", None)
        ident = f"key-{prefix}" if prefix else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ProviderKeyScheme(OpenApiAuthenticationExtension):
    target_class = "referrals.api.authentication.ProviderKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <sleutel>`; maak een sleutel met "
            "`manage.py provider_key create AANBIEDER_REF`.",
        }
