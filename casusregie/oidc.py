"""Single sign-on for workers over OpenID Connect: mozilla-django-oidc, one client per
organisation's identity provider (``IdentityProvider``, managed in the admin).

mozilla-django-oidc reads one provider from the settings; here its settings are the chosen
provider's, looked up per login: ``provider_settings`` gives the endpoints (from the provider's
row, or its discovery document), the client ID and the secret (from the environment variable
the row names). The provider of a login is bound to the login's ``state`` in the session
(``casusregie.views.oidc``), never taken from the callback's query string. Who the account is
and whether it brought a second factor are the core's rules (``selectors.worker_for_identity``,
``selectors.second_factor_asserted``); this module only speaks the protocol and checks the
ID token beyond what the library does (issuer, audience, authorised party).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from .models import IdentityProvider, Worker
from .selectors import SingleSignOnRefused, second_factor_asserted, worker_for_identity

logger = logging.getLogger("casusregie.oidc")

DISCOVERY_CACHE_SECONDS = 300
DISCOVERY_PATH = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class ProviderSettings:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    client_id: str
    client_secret: str
    sign_algorithm: str

    def as_oidc_settings(self) -> dict[str, str]:
        """In mozilla-django-oidc's setting names."""
        return {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.authorization_endpoint,
            "OIDC_OP_TOKEN_ENDPOINT": self.token_endpoint,
            "OIDC_OP_USER_ENDPOINT": self.userinfo_endpoint,
            "OIDC_OP_JWKS_ENDPOINT": self.jwks_uri,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_RP_SIGN_ALGO": self.sign_algorithm,
        }


def _unavailable(reason: str) -> SingleSignOnRefused:
    return SingleSignOnRefused(
        _("Inloggen via uw organisatie lukt nu niet. Log in met uw wachtwoord of probeer later."),
        reason,
    )


def _invalid(reason: str) -> SingleSignOnRefused:
    return SingleSignOnRefused(_("Inloggen via uw organisatie is niet gelukt."), reason)


def _discovery(issuer: str) -> dict:
    key = f"oidc-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        try:
            response = requests.get(
                issuer.rstrip("/") + DISCOVERY_PATH,
                timeout=settings.OIDC_TIMEOUT,
                allow_redirects=False,
            )
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise _unavailable(f"discovery failed: {type(exc).__name__}") from exc
        if not isinstance(document, dict) or document.get("issuer") != issuer:
            # OpenID Connect Discovery 1.0, section 4.3: the issuer must be the one asked.
            raise _unavailable("discovery names another issuer")
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def discovery(issuer: str) -> dict:
    """The issuer's discovery document (cached, its ``issuer`` checked; also the gezinsportaal's
    broker, ``family_portal.broker``), or ``SingleSignOnRefused``."""
    return _discovery(issuer)


def provider_settings(provider: IdentityProvider) -> ProviderSettings:
    """The provider's endpoints and client credentials, or ``SingleSignOnRefused``."""
    secret = os.environ.get(provider.client_secret_variable, "")
    if not secret:
        raise _unavailable(f"{provider.client_secret_variable} not set")
    endpoints = {
        name: getattr(provider, name)
        for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
    }
    if not provider.endpoints_given:
        document = _discovery(provider.issuer)
        endpoints = {name: value or document.get(name, "") for name, value in endpoints.items()}
    if not all(endpoints.values()):
        raise _unavailable("endpoint missing")
    if settings.PRODUCTION and not all(
        url.startswith("https://") for url in [provider.issuer, *endpoints.values()]
    ):
        raise _unavailable("not https")
    return ProviderSettings(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=secret,
        sign_algorithm=provider.sign_algorithm,
        **endpoints,
    )


def check_id_token_claims(payload: dict, *, issuer: str, client_id: str) -> None:
    """Beyond the library's checks (signature, expiry, nonce): the ID token is from ``issuer``
    and for ``client_id`` (and authorised for it when it names several audiences)."""
    audience = payload.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if payload.get("iss") != issuer:
        raise _invalid("ID token from another issuer")
    if client_id not in audiences:
        raise _invalid("ID token for another client")
    if len(audiences) > 1 and payload.get("azp") != client_id:
        raise _invalid("ID token authorised for another party")


@dataclass(frozen=True)
class SingleSignOn:
    """What the callback learnt: who, through which provider, with a second factor or not."""

    worker: Worker
    provider: IdentityProvider
    second_factor: bool


class WorkerOIDCBackend(OIDCAuthenticationBackend):
    """Authenticates the OpenID Connect callback only (any other login: ``None``).

    The callback view puts the login's provider on the request (``request.oidc_provider``);
    on success the backend leaves a ``SingleSignOn`` on ``request.oidc_login``, on a refusal
    the ``SingleSignOnRefused`` on ``request.oidc_refusal``. It grants no permissions itself
    (the ``ModelBackend`` does): it only says who logged in.
    """

    def __init__(self, *args, **kwargs) -> None:
        # mozilla-django-oidc reads its settings here; ours are the provider's, per login.
        self.UserModel = get_user_model()
        self._settings: dict[str, str] = {}

    def get_settings(self, attr: str, *args):
        if attr in self._settings:
            return self._settings[attr]
        return import_from_settings(attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs) -> Worker | None:
        provider = getattr(request, "oidc_provider", None) if request is not None else None
        if provider is None or "nonce" not in kwargs:
            return None
        try:
            self.configure(provider, provider_settings(provider))
            return super().authenticate(request, **kwargs)
        except SingleSignOnRefused as refusal:
            request.oidc_refusal = refusal
        except requests.RequestException as exc:  # the provider did not answer (well)
            request.oidc_refusal = _unavailable(f"provider: {type(exc).__name__}")
        except (SuspiciousOperation, KeyError, ValueError) as exc:
            # a bad signature or nonce, a token answer without an ID token
            request.oidc_refusal = _invalid(f"protocol: {type(exc).__name__}: {exc}"[:200])
        return None

    def configure(self, provider: IdentityProvider, config: ProviderSettings) -> None:
        """Speak to ``provider`` (what the library's ``__init__`` reads from the settings)."""
        self.provider = provider
        self._settings = config.as_oidc_settings()
        for name, value in self._settings.items():
            setattr(self, name, value)
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.issuer = config.issuer

    def verify_token(self, token: str, **kwargs) -> dict:
        """The library checks the signature, expiry and nonce; we add issuer and audience."""
        payload = super().verify_token(token, **kwargs)
        check_id_token_claims(payload, issuer=self.issuer, client_id=self.OIDC_RP_CLIENT_ID)
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> Worker:
        """Match, never create (least privilege): ``selectors.worker_for_identity``."""
        user_info = self.get_userinfo(access_token, id_token, payload)
        if user_info.get("sub") != payload.get("sub"):
            raise _invalid("userinfo for another subject")
        worker = worker_for_identity(self.provider, {**payload, **user_info})
        self.request.oidc_login = SingleSignOn(
            worker=worker,
            provider=self.provider,
            second_factor=second_factor_asserted(self.provider, payload),
        )
        return worker

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)  # inactive workers are logged out

    # Permissions come from the ModelBackend alone.
    def get_user_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_all_permissions(self, user_obj, obj=None) -> set:
        return set()

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, user_obj, app_label) -> bool:
        return False

    def with_perm(self, perm, is_active=True, include_superusers=True, obj=None):
        return self.UserModel._default_manager.none()
