"""Login with a second factor (TOTP, django-otp); django-axes locks out repeated failures.

Flow: ``/login/`` (username + password) → ``/login/2fa/`` (the 6-digit code) → the page asked
for. A worker without a confirmed authenticator is sent to ``/login/2fa/instellen/`` first: there
the one-time enrolment code an administrator issued comes first, and only then the QR code of a
fresh key; confirming it with a first TOTP code uses the enrolment code (one transaction).
"""

from __future__ import annotations

import base64
from functools import wraps

import segno
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.selectors import valid_enrolment_code
from casusregie.services import confirm_first_device, confirm_first_device_by_single_sign_on

from ..selectors import identity_providers_for_login

ENROLMENT_SESSION_KEY = "casusregie_enrolment_code"
#: Set by the single sign-on's callback (views/oidc.py): the organisation's identity provider
#: vouched for this login, so a first authenticator is linked without an enrolment code.
SINGLE_SIGN_ON_SESSION_KEY = "casusregie_single_sign_on"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("home")


def _with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({'next': target})}"


def _second_factor_url_for(user) -> str:
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return reverse("otp-verify")
    return reverse("otp-setup")


#: Set at login (``referrals.sessions``) for a provider user (a worker with a provider
#: membership): the worker pages do not exist for them (404); their pages are the provider's
#: portal (``/aanbieder/``), which checks the membership itself on every request.
PROVIDER_USER_SESSION_KEY = "casusregie_provider_user"


def is_provider_session(request: HttpRequest) -> bool:
    return bool(request.session.get(PROVIDER_USER_SESSION_KEY))


#: Methods that may change data: a page answering one runs in one transaction.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def login_step_due(request: HttpRequest) -> HttpResponse | None:
    """The login step still due before a page (the password, then the second factor), or None
    once both are done. For the worker pages and the provider's portal alike."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_verified():
        return redirect(_with_next(_second_factor_url_for(request.user), request.get_full_path()))
    return None


def worker_required(view):
    """Logged in and verified with the second factor; otherwise to the login step that is due.

    A request that may change data (a POST) runs the whole view in one transaction, so the
    change and its access-log entry commit together or not at all: a failed log write undoes
    the change, a failed change leaves no entry (docs/privacy.md). Reads stay in autocommit.

    A provider user (``is_provider_session``) gets a 404 on every worker page.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if is_provider_session(request):
            raise Http404
        if (step := login_step_due(request)) is not None:
            return step
        if request.method in UNSAFE_METHODS:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return wrapped


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = False

    def get_success_url(self) -> str:
        return _with_next(_second_factor_url_for(self.request.user), super().get_success_url())

    def get_context_data(self, **kwargs):
        # the organisations' single sign-on (casusregie.views.oidc), when one is configured
        return super().get_context_data(identity_providers=identity_providers_for_login(), **kwargs)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code uit uw authenticator-app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}
        ),
    )


def _login_required_first(request: HttpRequest):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@never_cache
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    if response := _login_required_first(request):
        return response
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect(_with_next(reverse("otp-setup"), _safe_next(request)))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(_safe_next(request))
        form.add_error("token", _("Deze code klopt niet of is verlopen. Probeer de volgende."))
    return render(
        request, "registration/otp_verify.html", {"form": form, "next": _safe_next(request)}
    )


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label=_("Inschrijfcode van functioneel beheer"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args, worker, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.worker = worker
        self.code = None

    def clean_enrolment_code(self) -> str:
        value = self.cleaned_data["enrolment_code"]
        self.code = valid_enrolment_code(self.worker, code=value)
        if self.code is None:
            raise forms.ValidationError(
                _(
                    "Deze inschrijfcode klopt niet, is al gebruikt of is verlopen. "
                    "Vraag functioneel beheer om een nieuwe."
                )
            )
        return value


@never_cache
@sensitive_post_parameters("token", "enrolment_code")
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Link a first authenticator app: the enrolment code (not after a single sign-on: the
    organisation's identity provider vouched for the login), then scan the QR code and confirm."""
    if response := _login_required_first(request):
        return response
    user = request.user
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return redirect(_with_next(reverse("otp-verify"), _safe_next(request)))
    code_id = request.session.get(ENROLMENT_SESSION_KEY)
    by_single_sign_on = bool(request.session.get(SINGLE_SIGN_ON_SESSION_KEY))
    if not by_single_sign_on and (
        code_id is None or valid_enrolment_code(user, pk=code_id) is None
    ):
        request.session.pop(ENROLMENT_SESSION_KEY, None)
        posted = request.POST if "enrolment_code" in request.POST else None
        code_form = EnrolmentCodeForm(posted, worker=user)
        if request.method == "POST" and code_form.is_valid():
            # A fresh key, shown only now: nobody saw it before the enrolment code was given.
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            TOTPDevice.objects.create(user=user, confirmed=False, name="authenticator")
            request.session[ENROLMENT_SESSION_KEY] = code_form.code.pk
            return redirect(_with_next(reverse("otp-setup"), _safe_next(request)))
        return render(
            request,
            "registration/otp_setup.html",
            {"code_form": code_form, "next": _safe_next(request)},
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name="authenticator")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if by_single_sign_on:
                confirm_first_device_by_single_sign_on(device)
            elif not confirm_first_device(user, code_id, device):
                request.session.pop(ENROLMENT_SESSION_KEY, None)
                return redirect(_with_next(reverse("otp-setup"), _safe_next(request)))
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("Deze code klopt niet. Controleer de tijd op uw telefoon."))
    qr = segno.make(device.config_url, error="m")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "next": _safe_next(request),
            "qr_data_uri": qr.svg_data_uri(scale=4, dark="#000", light="#fff"),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


class LogoutView(auth_views.LogoutView):
    pass
