"""Logging in with the organisation's account (OpenID Connect single sign-on).

Flow: the login page's button posts the provider to ``/oidc/inloggen/`` → the provider's own
login page → ``/oidc/callback/`` → logged in; with a second factor asserted by the provider
(``amr``/``acr``) straight to the page asked for, otherwise to the local TOTP step as after the
password. A refusal comes back to the login page with a Dutch message. The login is logged by
django-axes (its access log: username, address, time), as the password login is, and in the
application log (worker ref, provider, second factor; never an e-mail address).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import View
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from ..models import IdentityProvider
from ..oidc import SingleSignOn, provider_settings
from ..selectors import SingleSignOnRefused
from ..services import verify_by_identity_provider
from .accounts import SINGLE_SIGN_ON_SESSION_KEY, _safe_next, _second_factor_url_for, _with_next

logger = logging.getLogger("casusregie.oidc")

STATES = "oidc_states"  # mozilla-django-oidc's session key: state → nonce, PKCE verifier, time
#: Set in the session after a single sign-on: the provider's code. The account was vouched
#: for by the organisation, so a first TOTP enrolment may rely on it (issue 17, point 5).


def _refused(reason: str) -> SingleSignOnRefused:
    return SingleSignOnRefused(_("Inloggen via uw organisatie is niet gelukt."), reason)


class OIDCStartView(OIDCAuthenticationRequestView):
    """POST (with the CSRF token) from the login page: off to the provider's login page."""

    http_method_names = ["post"]

    def __init__(self, **kwargs) -> None:
        View.__init__(self, **kwargs)  # the library's __init__ reads one provider's settings
        self._settings: dict[str, str] = {}

    def get_settings(self, attr: str, *args):
        if attr in self._settings:
            return self._settings[attr]
        return import_from_settings(attr, *args)

    def post(self, request: HttpRequest) -> HttpResponse:
        slug = request.POST.get("provider", "")
        provider = IdentityProvider.objects.active().filter(slug=slug).first()
        if provider is None:
            messages.error(request, _("Deze organisatie biedt hier geen inloggen aan."))
            return redirect("login")
        try:
            config = provider_settings(provider)
        except SingleSignOnRefused as refusal:
            logger.warning("single sign-on unavailable: provider=%s %s", slug, refusal.reason)
            messages.error(request, refusal.message)
            return redirect("login")
        self._settings = config.as_oidc_settings()
        self.OIDC_OP_AUTH_ENDPOINT = config.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = config.client_id
        response = super().get(request)
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session[STATES][state]["provider"] = provider.pk
        request.session["oidc_login_next"] = _safe_next(request)
        request.session.modified = True
        return response


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the worker back here with a code and the login's state."""

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "")
        entry = request.session.get(STATES, {}).get(state) if state else None
        request.oidc_provider = None
        if isinstance(entry, dict) and entry.get("provider"):
            if time.time() - entry.get("added_on", 0) > settings.OIDC_STATE_MAX_AGE:
                del request.session[STATES][state]
                request.session.modified = True
                request.oidc_refusal = _refused("state expired")
                return self.login_failure()
            request.oidc_provider = (
                IdentityProvider.objects.active().filter(pk=entry["provider"]).first()
            )
        try:
            return super().get(request)
        except SuspiciousOperation:  # a state this session never started
            request.oidc_refusal = _refused("unknown state")
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        request = self.request
        refusal = getattr(request, "oidc_refusal", None) or _refused(
            "provider error" if request.GET.get("error") else "no login"
        )
        provider = getattr(request, "oidc_provider", None)
        logger.warning(
            "single sign-on refused: provider=%s reason=%s",
            provider.slug if provider else "-",
            refusal.reason,
        )
        messages.error(request, refusal.message)
        return redirect("login")

    def login_success(self) -> HttpResponse:
        login: SingleSignOn = self.request.oidc_login
        target = super().login_success()["Location"]  # auth.login: the session's new key
        self.request.session[SINGLE_SIGN_ON_SESSION_KEY] = login.provider.slug
        if login.second_factor:
            verify_by_identity_provider(self.request, worker=self.user, provider=login.provider)
        else:
            target = _with_next(_second_factor_url_for(self.user), target)
        logger.info(
            "single sign-on: worker=%s provider=%s second_factor=%s",
            self.user.ref,
            login.provider.slug,
            "identity provider" if login.second_factor else "local TOTP",
        )
        return redirect(target)
