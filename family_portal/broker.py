"""DigiD (or eHerkenning) for the gezinsportaal through a municipality's OpenID Connect broker.

Configured by ``FAMILY_OIDC_*`` (``config/settings.py``); while ``FAMILY_OIDC_ISSUER`` is empty
the login page shows no button and both routes answer 404. The protocol is mozilla-django-oidc's
as for the workers' single sign-on (``casusregie.oidc``): discovery (its ``issuer`` checked),
state, nonce and PKCE (S256) kept in the session, the code exchanged for tokens, the ID token's
signature, expiry, nonce, issuer and audience checked. On top of that:

- the ID token's ``acr`` must be one of ``FAMILY_OIDC_ACR_VALUES`` (the minimum level and those
  above it), which are also asked for (``acr_values``). Such a login counts as both steps of
  the family login; a lower level is refused (no fall-back to the e-mailed code);
- who it is comes from ``casusregie.services.family_account_for_broker``: matched by the
  broker's subject or the BSN in ``FAMILY_OIDC_IDENTIFIER_CLAIM``, never created.

The login is in the family access log (purpose ``PURPOSE_BROKER_LOGIN``) and the application log
names the account's ref and the refusal's reason only: never a BSN, a subject or a token.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from casusregie import services
from casusregie.access_log import Access, record_family_access
from casusregie.models import AccessAction, FamilyAccount
from casusregie.oidc import ProviderSettings, check_id_token_claims, discovery
from casusregie.selectors import SingleSignOnRefused

from .session import log_in

logger = logging.getLogger("family_portal.broker")

STATES = "oidc_states"  # mozilla-django-oidc's session key: state → nonce, PKCE verifier, time
STATE_MARK = "family_broker"  # set on the states this login started (not a worker's)
CALLBACK_URL_NAME = "family-broker-callback"
PURPOSE_BROKER_LOGIN = "inloggen gezinsportaal via DigiD"


def enabled() -> bool:
    return bool(settings.FAMILY_OIDC_ISSUER)


def label() -> str:
    return settings.FAMILY_OIDC_LABEL


def _unavailable(reason: str) -> SingleSignOnRefused:
    return SingleSignOnRefused(
        _("Inloggen met %(label)s lukt nu niet. Probeer het later of log in met uw e-mailadres.")
        % {"label": label()},
        reason,
    )


def _failed(reason: str) -> SingleSignOnRefused:
    return SingleSignOnRefused(
        _("Inloggen met %(label)s is niet gelukt. Probeer het opnieuw.") % {"label": label()},
        reason,
    )


def broker_settings() -> ProviderSettings:
    """The broker's endpoints (from its discovery document) and our client credentials."""
    issuer = settings.FAMILY_OIDC_ISSUER
    try:
        document = discovery(issuer)
    except SingleSignOnRefused as refusal:
        raise _unavailable(refusal.reason) from None
    endpoints = {
        name: document.get(name) or ""
        for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
    }
    required = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if not all(isinstance(endpoints[name], str) and endpoints[name] for name in required):
        raise _unavailable("endpoint missing")
    if settings.PRODUCTION and not all(
        url.startswith("https://") for url in [issuer, *endpoints.values()] if url
    ):
        raise _unavailable("not https")
    return ProviderSettings(
        issuer=issuer,
        client_id=settings.FAMILY_OIDC_CLIENT_ID,
        client_secret=settings.FAMILY_OIDC_CLIENT_SECRET,
        sign_algorithm=settings.FAMILY_OIDC_SIGN_ALGORITHM,
        **endpoints,
    )


def _own_settings(config: ProviderSettings) -> dict[str, object]:
    """mozilla-django-oidc's settings for a family login: the broker's, our callback."""
    return {
        **config.as_oidc_settings(),
        "OIDC_AUTHENTICATION_CALLBACK_URL": CALLBACK_URL_NAME,
        "OIDC_RP_SCOPES": settings.FAMILY_OIDC_SCOPES,
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {"acr_values": " ".join(settings.FAMILY_OIDC_ACR_VALUES)},
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
    }


class FamilyBrokerBackend(OIDCAuthenticationBackend):
    """The token exchange and checks of one family login; called by the callback directly,
    never through Django's ``authenticate`` (a family account is not a user). Returns the
    ``FamilyAccount`` or raises ``SingleSignOnRefused``."""

    def __init__(self, config: ProviderSettings) -> None:
        # mozilla-django-oidc reads its settings in __init__; ours are the broker's.
        self._settings = _own_settings(config)
        for name, value in config.as_oidc_settings().items():
            setattr(self, name, value)
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.issuer = config.issuer

    def get_settings(self, attr: str, *args):
        if attr in self._settings:
            return self._settings[attr]
        return import_from_settings(attr, *args)

    def verify_token(self, token: str, **kwargs) -> dict:
        payload = super().verify_token(token, **kwargs)
        try:
            check_id_token_claims(payload, issuer=self.issuer, client_id=self.OIDC_RP_CLIENT_ID)
        except SingleSignOnRefused as refusal:
            raise _failed(refusal.reason) from None
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict) -> dict:
        if not self.OIDC_OP_USER_ENDPOINT:
            return {}
        info = super().get_userinfo(access_token, id_token, payload)
        if info.get("sub") != payload.get("sub"):
            raise _failed("userinfo for another subject")
        return info

    @sensitive_variables("claims")
    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> FamilyAccount:
        """Assurance first (the ID token's ``acr``), then the match: never created."""
        acr = payload.get("acr")
        if not isinstance(acr, str) or acr not in settings.FAMILY_OIDC_ACR_VALUES:
            raise SingleSignOnRefused(
                _(
                    "Uw inlog met %(label)s had niet het niveau dat het gezinsportaal vraagt. "
                    "Log in met de %(label)s app of met sms-controle, of log in met uw "
                    "e-mailadres."
                )
                % {"label": label()},
                "acr below the minimum",
            )
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        identifier = claims.get(settings.FAMILY_OIDC_IDENTIFIER_CLAIM)
        return services.family_account_for_broker(
            issuer=self.issuer,
            subject=str(payload.get("sub") or ""),
            identifier=identifier if isinstance(identifier, str) else "",
        )

    def login(self, request: HttpRequest, *, nonce: str, code_verifier: str | None):
        """The whole exchange for the callback's ``request``: the account or a refusal."""
        try:
            account = self.authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except requests.RequestException as exc:  # the broker did not answer (well)
            raise _unavailable(f"broker: {type(exc).__name__}") from None
        except (SuspiciousOperation, KeyError, ValueError, TypeError) as exc:
            # a bad signature or nonce, a token answer without an ID token
            raise _failed(f"protocol: {type(exc).__name__}") from None
        if account is None:
            raise _failed("no login")
        return account


class BrokerStartView(OIDCAuthenticationRequestView):
    """POST (with the CSRF token) from the family login page: off to the broker (DigiD).

    The family login starts from a fresh session, as the e-mailed link does: nobody else's
    login (a worker's in this browser) carries over."""

    http_method_names = ["post"]

    def __init__(self, **kwargs) -> None:
        View.__init__(self, **kwargs)  # the library's __init__ reads the settings' provider
        self._settings: dict[str, object] = {}

    def get_settings(self, attr: str, *args):
        if attr in self._settings:
            return self._settings[attr]
        return import_from_settings(attr, *args)

    def post(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        try:
            config = broker_settings()
        except SingleSignOnRefused as refusal:
            logger.warning("family broker login unavailable: %s", refusal.reason)
            messages.error(request, refusal.message)
            return redirect("family-login")
        request.session.flush()
        self._settings = _own_settings(config)
        self.OIDC_OP_AUTH_ENDPOINT = config.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = config.client_id
        response = super().get(request)
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session[STATES][state][STATE_MARK] = True
        request.session.pop("oidc_login_next", None)  # the family lands on its home page
        request.session.modified = True
        return response


def _refuse(request: HttpRequest, refusal: SingleSignOnRefused) -> HttpResponse:
    logger.warning("family broker login refused: reason=%s", refusal.reason)
    messages.error(request, refusal.message)
    return redirect("family-login")


@never_cache
@require_GET
def broker_callback(request: HttpRequest) -> HttpResponse:
    """The broker sends the family member back here with a code and the login's state."""
    if not enabled():
        raise Http404
    state = request.GET.get("state", "")
    states = request.session.get(STATES)
    entry = states.get(state) if state and isinstance(states, dict) else None
    if not isinstance(entry, dict) or not entry.get(STATE_MARK):
        return _refuse(request, _failed("unknown state"))
    del states[state]  # once: a replay finds no state
    request.session.modified = True
    if time.time() - entry.get("added_on", 0) > settings.OIDC_STATE_MAX_AGE:
        return _refuse(request, _failed("state expired"))
    if request.GET.get("error") or not request.GET.get("code"):
        return _refuse(request, _failed("broker error" if request.GET.get("error") else "no code"))
    try:
        backend = FamilyBrokerBackend(broker_settings())
        account = backend.login(
            request, nonce=entry["nonce"], code_verifier=entry.get("code_verifier")
        )
    except SingleSignOnRefused as refusal:
        return _refuse(request, refusal)
    if request.user.is_authenticated:  # a worker logged in here meanwhile: not into this session
        request.session.flush()
    log_in(request, account)
    record_family_access(
        request,
        account,
        [Access(account.family.ref, "family_account", account.ref)],
        purpose=PURPOSE_BROKER_LOGIN,
        action=AccessAction.CHANGE,
    )
    logger.info("family broker login: account=%s", account.ref)
    return redirect("family-home")
