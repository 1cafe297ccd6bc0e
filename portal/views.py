"""The provider's portal (``/aanbieder/``): the inbox, a referral and its answers, capacity,
and the coordinator's staff page. Thin: reads in ``portal.selectors``, every change through the
referral services (the API's), with the same version check."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casusregie.access_log import Access, record_access
from casusregie.models import AccessAction
from casusregie.views.accounts import UNSAFE_METHODS, login_step_due
from plans.models import PerspectiveStatus
from referrals import selectors as referral_selectors
from referrals import services
from referrals.lifecycle import Status
from referrals.models import Referral

from . import selectors
from .forms import (
    AcceptForm,
    CapacityForm,
    DeclineForm,
    EndForm,
    GoalProgressForm,
    PerspectivePlanForm,
    StaffForm,
    StartForm,
)

#: The purpose of a provider's reads, as the provider API logs them.
PURPOSE = "uitvoering verwijzing"


def provider_user_required(view=None, *, coordinator: bool = False):
    """Logged in with both factors, and an active member of a provider (``request.membership``);
    ``coordinator``: its coordinator. Anyone else gets a 404: the portal is not there for a
    worker of the municipality. A POST runs in one transaction (the change and its log)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (step := login_step_due(request)) is not None:
                return step
            membership = selectors.active_membership(request.user)
            if membership is None or (coordinator and not membership.is_coordinator):
                raise Http404
            request.membership = membership
            if request.method in UNSAFE_METHODS:
                with transaction.atomic():
                    return view(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def _log(
    request: HttpRequest,
    referrals: list[Referral],
    action: str = AccessAction.READ,
    extra: list[Access] | None = None,
) -> None:
    """Each shown referral in the access log, by the provider user on behalf of the provider;
    ``extra``: what else of the family was shown or changed (goals, a progress report, the
    perspective plan), as the provider API logs it."""
    user, provider = request.user, request.membership.provider
    record_access(
        actor_kind="provider",
        actor=f"{user.ref} ({user.get_username()}) voor {provider.ref} ({provider.name})",
        accesses=[
            *(Access(r.case.family.ref, "referral", r.ref) for r in referrals),
            *(extra or []),
        ],
        action=action,
        purpose=PURPOSE,
        origin=request.META.get("REMOTE_ADDR", ""),
    )


@require_GET
@provider_user_required
def inbox(request: HttpRequest) -> HttpResponse:
    provider = request.membership.provider
    page = selectors.inbox(
        provider, status=request.GET.get("status", ""), cursor=request.GET.get("na", "")
    )
    _log(request, [row.referral for row in page.rows])
    return render(
        request,
        "portal/inbox.html",
        {
            "page": page,
            "provider": provider,
            "statuses": [(s, Status(s).label) for s in selectors.INBOX_STATUSES],
        },
    )


def _forms_for(referral: Referral, provider, bound: dict | None = None) -> dict:
    """The forms the referral's status offers, each carrying the version shown."""
    initial = {"version": referral.version}
    forms: dict = {}
    if referral.status == Status.SENT:
        forms["accept"] = AcceptForm(initial=initial)
        forms["decline"] = DeclineForm(
            initial=initial,
            providers=selectors.alternative_providers(provider),
            products=selectors.products(),
        )
    elif referral.status == Status.ACCEPTED:
        forms["start"] = StartForm(initial=initial)
    elif referral.status == Status.STARTED:
        forms["end"] = EndForm(initial=initial)
    for kind, form in (bound or {}).items():
        if kind in forms:
            forms[kind] = form
    return forms


def _goal_forms(shown: selectors.ReferralView, bound: dict | None) -> None:
    """A progress form on each goal (``goal.progress_form``) while the referral is in care."""
    if shown.referral.status not in services.IN_CARE:
        return
    for goal in shown.goals:
        form = (bound or {}).get(f"goal-{goal.pk}")
        goal.progress_form = form or GoalProgressForm(
            prefix=f"goal-{goal.pk}", evaluations=shown.evaluations
        )


def _perspective_form(
    shown: selectors.ReferralView, bound: dict | None
) -> PerspectivePlanForm | None:
    """The form on the perspective plan while it is a draft (or not begun), else None."""
    perspective = shown.perspective
    if perspective is None or perspective.refused:
        return None
    if perspective.plan is not None and perspective.plan.status != PerspectiveStatus.DRAFT:
        return None
    if (bound or {}).get("perspective") is not None:
        return bound["perspective"]
    return PerspectivePlanForm(
        initial=PerspectivePlanForm.initial_of(perspective.kind, perspective.plan)
    )


def _shown_accesses(shown: selectors.ReferralView) -> list[Access]:
    """The family's goals and perspective plan the page shows, for the access log."""
    family = shown.referral.case.family.ref
    accesses = [Access(family, "goal", str(g.pk)) for g in shown.goals]
    if shown.perspective is not None and shown.perspective.plan is not None:
        accesses.append(Access(family, "perspective_plan", str(shown.perspective.plan.pk)))
    return accesses


def _referral_page(
    request: HttpRequest,
    ref: str,
    *,
    bound: dict | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    provider = request.membership.provider
    shown = selectors.referral_for_provider(provider, ref, request.user)
    referral = shown.referral
    _log(request, [referral], extra=_shown_accesses(shown))
    _goal_forms(shown, bound)
    return render(
        request,
        "portal/referral.html",
        {
            "provider": provider,
            "shown": shown,
            "referral": referral,
            "row": shown.row,
            "analysis": selectors.shared_analysis(referral),
            "goals": shown.goals,
            "evaluations": shown.evaluations,
            "perspective": shown.perspective,
            "perspective_form": _perspective_form(shown, bound),
            "forms": _forms_for(referral, provider, bound),
            "conflict": conflict,
        },
        status=status,
    )


@require_GET
@provider_user_required
def referral_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _referral_page(request, ref)


def stale_message() -> str:
    return _(
        "Deze verwijzing is intussen gewijzigd (bijvoorbeeld via uw koppeling of door een "
        "collega). Hieronder ziet u de huidige stand; bekijk die en probeer het zo nodig opnieuw."
    )


def _change(
    request: HttpRequest, ref: str, kind: str, form: Form, perform: Callable
) -> HttpResponse:
    """A provider's step on its referral: the service (the API's), with the version the form
    carried. Done: back to the referral (302). Bad input: 400, the message beside its field and
    the input kept. Changed meanwhile or no longer possible: 409 with the current state."""
    provider = request.membership.provider
    target = get_object_or_404(referral_selectors.addressed_to(provider), ref=ref)
    if not form.is_valid():
        return _referral_page(request, ref, bound={kind: form}, status=400)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    try:
        perform(
            referral=target,
            by=services.Actor.of_provider(provider, request.user),
            expected_version=version,
            **data,
        )
    except services.StaleVersion:
        return _referral_page(request, ref, conflict=stale_message(), status=409)
    except services.InvalidInput as refused:
        form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        return _referral_page(request, ref, bound={kind: form}, status=400)
    except services.ReferralRefused as refused:
        # Answered meanwhile (e.g. by the API): the service refuses the step before it reads the
        # version, yet for the user the news is that the referral changed since they saw it.
        if selectors.current_version(provider, target.pk) != version:
            return _referral_page(request, ref, conflict=stale_message(), status=409)
        return _referral_page(request, ref, conflict=refused.message, status=409)
    _log(request, [selectors.referral_for_log(provider, ref)], AccessAction.CHANGE)
    messages.success(request, _("Vastgelegd."))
    return redirect("portal-referral", ref=ref)


@require_POST
@provider_user_required
def referral_accept(request: HttpRequest, ref: str) -> HttpResponse:
    return _change(request, ref, "accept", AcceptForm(request.POST), services.accept_referral)


@require_POST
@provider_user_required
def referral_decline(request: HttpRequest, ref: str) -> HttpResponse:
    provider = request.membership.provider
    form = DeclineForm(
        request.POST,
        providers=selectors.alternative_providers(provider),
        products=selectors.products(),
    )
    return _change(request, ref, "decline", form, services.decline_referral)


@require_POST
@provider_user_required
def referral_start(request: HttpRequest, ref: str) -> HttpResponse:
    return _change(request, ref, "start", StartForm(request.POST), services.start_care)


@require_POST
@provider_user_required
def referral_end(request: HttpRequest, ref: str) -> HttpResponse:
    return _change(request, ref, "end", EndForm(request.POST), services.end_care)


@require_POST
@provider_user_required
def goal_progress(request: HttpRequest, ref: str, goal_id: int) -> HttpResponse:
    """Oplopen met het gezin: where one goal of the plan stands (``report_goal_progress``, the
    API's service). Done: back to the referral (302). Bad input: 400, the message beside its
    field, the input kept. Not in care or no consent (any more): 409 with the service's word."""
    provider = request.membership.provider
    referral = get_object_or_404(referral_selectors.addressed_with_family(provider), ref=ref)
    goal = referral_selectors.current_goal_of(referral, goal_id)
    if goal is None:
        raise Http404
    prefix = f"goal-{goal.pk}"
    form = GoalProgressForm(
        request.POST,
        prefix=prefix,
        evaluations=referral_selectors.plan_evaluations(plan=goal.plan_id),
    )
    if not form.is_valid():
        return _referral_page(request, ref, bound={prefix: form}, status=400)
    try:
        progress = services.report_goal_progress(
            referral=referral,
            goal=goal,
            scale=form.cleaned_data["scale"],
            text=form.cleaned_data["text"],
            by=services.Actor.of_provider(provider, request.user),
            evaluation=form.chosen_evaluation(),
        )
    except services.InvalidInput as refused:
        form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        return _referral_page(request, ref, bound={prefix: form}, status=400)
    except services.ReferralRefused as refused:
        return _referral_page(request, ref, conflict=refused.message, status=409)
    family = referral.case.family.ref
    _log(
        request,
        [referral],
        AccessAction.CHANGE,
        extra=[Access(family, "goal_progress", str(progress.pk))],
    )
    messages.success(request, _("Voortgang vastgelegd."))
    return redirect(f"{reverse('portal-referral', args=[ref])}#doel-{goal.pk}")


def _perspective_errors(form: PerspectivePlanForm, error: ValidationError) -> None:
    """The service's refusal of the input, each message beside its part."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages_ in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages_)


def perspective_stale_message() -> str:
    return _(
        "Het perspectiefplan is intussen gewijzigd (bijvoorbeeld via uw koppeling of door een "
        "collega). Hieronder ziet u de huidige stand; bekijk die en probeer het zo nodig opnieuw."
    )


@require_POST
@provider_user_required
def perspective_plan(request: HttpRequest, ref: str) -> HttpResponse:
    """The perspective plan of the referral's youth: begin it (``draft_perspective_plan``) or
    write the draft on (``update_perspective_plan``, with the version shown). Bad input: 400
    beside the part; changed meanwhile: 409 with the current state; agreed, case closed, no
    consent: refused with the service's word."""
    provider = request.membership.provider
    by = services.Actor.of_provider(provider, request.user)
    try:
        access = services.perspective_plan_access(by=by, referral_ref=ref)
    except services.NotFound as missing:
        raise Http404 from missing
    except services.NotAllowed as refused:
        return _referral_page(request, ref, conflict=refused.message, status=403)
    form = PerspectivePlanForm(request.POST)
    if not form.is_valid():
        return _referral_page(request, ref, bound={"perspective": form}, status=400)
    kind, version = form.cleaned_data["kind"], form.cleaned_data["version"]
    if kind != access.kind or (access.plan is None) != (version is None):
        # a plan begun (or another kind) since the page was shown: the current state
        return _referral_page(request, ref, conflict=perspective_stale_message(), status=409)
    try:
        if access.plan is None:
            plan = services.draft_perspective_plan(
                referral=access.referral,
                by=by,
                kind=kind,
                parts=form.parts_input(),
                notes=form.cleaned_data["notes"],
            )
        else:
            plan = services.update_perspective_plan(
                referral=access.referral,
                by=by,
                kind=kind,
                parts=form.parts_input(),
                notes=form.cleaned_data["notes"],
                expected_version=version,
            )
    except ValidationError as error:
        _perspective_errors(form, error)
        return _referral_page(request, ref, bound={"perspective": form}, status=400)
    except services.StaleVersion:
        return _referral_page(request, ref, conflict=perspective_stale_message(), status=409)
    except services.ReferralRefused as refused:
        return _referral_page(request, ref, conflict=refused.message, status=409)
    family = access.referral.case.family.ref
    _log(
        request,
        [access.referral],
        AccessAction.CHANGE,
        extra=[Access(family, "perspective_plan", str(plan.pk))],
    )
    messages.success(request, _("Perspectiefplan vastgelegd."))
    return redirect(f"{reverse('portal-referral', args=[ref])}#perspectiefplan")


@require_http_methods(["GET", "POST"])
@provider_user_required
def capacity(request: HttpRequest) -> HttpResponse:
    """The provider's capacity per product, as the API's capacity endpoint reports it."""
    provider = request.membership.provider
    products = selectors.contracted_products(provider)
    form = CapacityForm(request.POST or None, products=products)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.report_capacity(provider=provider, **form.cleaned_data)
            except services.InvalidInput as refused:
                form.add_error(
                    refused.field if refused.field in form.fields else None, refused.message
                )
            else:
                messages.success(request, _("Capaciteit gemeld."))
                return redirect("portal-capacity")
    return render(
        request,
        "portal/capacity.html",
        {"provider": provider, "capacities": selectors.capacities(provider), "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@provider_user_required(coordinator=True)
def staff(request: HttpRequest) -> HttpResponse:
    """The coordinator's page: the provider's users; add a staff member (an account and a
    one-time enrolment code for the authenticator, shown once)."""
    provider = request.membership.provider
    form = StaffForm(request.POST or None)
    status, code, added = 200, "", None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                added, code = services.add_provider_staff(
                    provider=provider, by=request.user, **form.cleaned_data
                )
            except services.InvalidInput as refused:
                form.add_error(
                    refused.field if refused.field in form.fields else None, refused.message
                )
            else:
                status, form = 200, StaffForm()
    return render(
        request,
        "portal/staff.html",
        {
            "provider": provider,
            "members": selectors.members(provider),
            "form": form,
            "added": added,
            "enrolment_code": code,
        },
        status=status,
    )


@require_POST
@provider_user_required(coordinator=True)
def staff_deactivate(request: HttpRequest, membership_id: int) -> HttpResponse:
    provider = request.membership.provider
    membership = selectors.member_of(provider, membership_id)
    try:
        services.deactivate_provider_member(membership=membership, by=request.user)
    except services.NotAllowed as refused:
        messages.error(request, refused.message)
        return redirect("portal-staff")
    messages.success(
        request, _("De toegang van %(name)s is beëindigd.") % {"name": membership.worker}
    )
    return redirect("portal-staff")
