"""The family pages: scoped by policy (out of scope is a 404), every read in the access log."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analyses.models import AnalysisDomain
from casusregie import services
from casusregie.access_log import (
    PURPOSE_CASE_WORK,
    Access,
    family_access_history,
    record_worker_access,
)
from casusregie.models import AccessAction, Consent, ConsentPurpose, Family, Role
from casusregie.policies import family_or_404, may_hand_over, roles_of
from casusregie.selectors import open_case_of
from casusregie.views.accounts import is_provider_session, worker_required
from escalations.models import Escalation
from flags.rules import RULES_BY_CODE
from referrals import selectors as referral_selectors
from referrals import services as referral_services
from referrals.forms import RecordBridgingForm
from referrals.lifecycle import Status
from referrals.models import Provider, Referral

from ..closing import closing_sections
from ..forms import MoveForm, TransferForm
from ..involvement import PEOPLE_FORMS, people_section
from ..search import search_terms, without_search_terms
from ..selectors import families as selectors

PURPOSE_BSN = "inzage BSN (op verzoek getoond)"
PURPOSE_AVG = "inzageverzoek AVG art. 15"


def family_page_or_404(request: HttpRequest, ref: str, perm: str = "casusregie.view_family_record"):
    """The family with everything its page shows, in the user's scope (else 404)."""
    return family_or_404(request.user, ref, perm, families=selectors.families_for_page())


def _family_accesses(family: Family) -> list[Access]:
    items = [Access(family.ref, "family", family.ref)]
    items += [Access(family.ref, "carer", c.ref) for c in family.carers.all()]
    items += [Access(family.ref, "youth", y.ref) for y in family.youths.all()]
    return items


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is; a provider user at the provider's portal."""
    if request.user.is_authenticated and is_provider_session(request):
        return redirect("portal-inbox")
    return _home(request)


@worker_required
def _home(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    if Role.REGISSEUR in roles:
        return redirect("caseload")
    if Role.TEAM_LEAD in roles:
        return redirect("team")
    return render(request, "casusregie/home.html", {"roles": roles})


@require_http_methods(["GET", "POST"])
@worker_required
def family_list(request: HttpRequest) -> HttpResponse:
    """The families in scope; a search is a POST (its terms, names or a typed BSN, never in a
    URL or the server's log); a GET carrying ``?q=`` is sent back without it."""
    if "q" in request.GET:
        return without_search_terms(request)
    query = search_terms(request)
    page = Paginator(
        selectors.family_list(request.user, query), selectors.FAMILY_LIST_PAGE
    ).get_page(request.POST.get("pagina") or request.GET.get("pagina"))
    record_worker_access(
        request,
        [Access(f.ref, "family", f.ref) for f in page.object_list],
        purpose=PURPOSE_CASE_WORK,
    )
    return render(request, "casusregie/family_list.html", {"page": page, "query": query})


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_lazy("Doel"), choices=ConsentPurpose.choices)
    provider = forms.ModelChoiceField(
        label=_lazy("Zorgaanbieder"),
        queryset=Provider.objects.order_by("name"),
        required=False,
        help_text=_lazy(
            "Bij het delen van de analyse of de contactgegevens met een zorgaanbieder."
        ),
    )
    given_on = forms.DateField(
        label=_lazy("Gegeven op"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )


WAITING = (Status.SENT, Status.ACCEPTED)


def bridging_form(referral: Referral, data=None) -> RecordBridgingForm:
    """The form that records (or replaces) the bridging support of a waiting referral."""
    return RecordBridgingForm(
        data,
        not_before=referral.sent_on,
        prefix=f"overbrugging-{referral.ref}",
        initial={
            "version": referral.version,
            "bridging_description": referral.bridging_description,
            "bridging_by": referral.bridging_by,
            "bridging_from": referral.bridging_from,
        },
    )


def _garp(request: HttpRequest, case, bridging_forms: dict | None = None) -> dict:
    """The Analyse and Plan blocks, the referrals and the flags of the open case."""
    if case is None:
        return {}
    analysis = case.current_analyses[0] if case.current_analyses else None
    plan = case.current_plans[0] if case.current_plans else None
    covered = {f.domain for f in analysis.findings.all()} if analysis else set()
    pending = [e for e in plan.evaluations.all() if e.held_on is None] if plan else []
    transfer = case.pending_transfers[0] if case.pending_transfers else None
    move = case.pending_moves[0] if case.pending_moves else None
    current = selectors.current_regisseur(case)
    user = request.user
    referrals = list(case.referrals.all())
    consents = list(case.consents.all())  # prefetched: what each referral's provider was shown
    today = timezone.localdate()
    may_bridge = current is not None and current.worker_id == user.pk
    failed = bridging_forms or {}
    may_transfer = (
        case.is_open  # a closed case is shown read-only
        and user.has_perm("casusregie.change_family_record", case.family)
        and may_hand_over(user, case, current)
    )
    return {
        "analysis": analysis,
        "domains": [(d.label, d.value in covered) for d in AnalysisDomain],
        "plan": plan,
        "next_evaluation": min((e.planned_on for e in pending), default=None),
        "referrals": [
            (
                r,
                failed.get(r.ref)
                or (bridging_form(r) if may_bridge and r.status in WAITING else None),
                referral_selectors.sharing_with(r.provider_id, consents, today),
            )
            for r in referrals
        ],
        "flags": [(f, RULES_BY_CODE.get(f.rule)) for f in case.open_flags],
        "perspective_plans": list(case.perspective_plans.all()),
        "pending_transfer": transfer,
        "may_transfer": may_transfer and transfer is None,
        "transfer_form": TransferForm(case=case) if may_transfer and transfer is None else None,
        "pending_move": move,
        "move_form": MoveForm(destinations=selectors.move_destinations(case))
        if may_transfer and move is None
        else None,
        "referral_url": reverse("referral-wizard", args=[case.family.ref]),
        "analysis_url": reverse("analysis-editor", args=[case.family.ref]),
        "plan_url": reverse("plan-editor", args=[case.family.ref]),
    }


def _asks_table_consent(case, consents) -> bool:
    """The task "ask the family's consent for the expert table": the case is at the table
    (an escalation not closed) and no consent for the table is in force. No query when it is."""
    if any(
        in_force and c.purpose == ConsentPurpose.EXPERT_TABLE and c.case_id == case.pk
        for c, in_force in consents
    ):
        return False
    return Escalation.objects.filter(case=case, closed_on__isnull=True).exists()


def _family_page(request: HttpRequest, family: Family, **extra) -> HttpResponse:
    open_case = open_case_of(family)
    closing_bound = extra.pop("closing_bound", {})
    shown_case = open_case or next(iter(family.cases.all()), None)  # else the last one, closed
    can_change = request.user.has_perm("casusregie.change_family_record", family)
    consents = [
        (c, selectors.consent_in_force(c))
        for case in family.cases.all()
        for c in case.consents.all()
    ]
    context_task = open_case is not None and can_change and _asks_table_consent(open_case, consents)
    context = {
        **_garp(request, shown_case, extra.pop("bridging_forms", None)),
        **closing_sections(request, family, open_case, closing_bound, can_change=can_change),
        "family": family,
        "open_case": open_case,
        "regisseur": selectors.current_regisseur(open_case) if open_case else None,
        "consents": consents,
        "table_consent_task": context_task,
        "history": selectors.family_history(family),
        "can_change": can_change,
        "can_reveal": request.user.has_perm("casusregie.reveal_bsn", family),
        "can_manage_consent": request.user.has_perm("casusregie.manage_consent", family),
        "can_export_access": request.user.has_perm("casusregie.export_access_history", family),
        "consent_form": extra.pop("consent_form", None)
        or ConsentForm(
            initial={"given_on": timezone.localdate()}
            | ({"purpose": ConsentPurpose.EXPERT_TABLE} if context_task else {})
        ),
        "revealed": {},
        **people_section(
            request.user,
            open_case,
            can_change,
            **{k: extra.pop(k) for k in PEOPLE_FORMS & set(extra)},
        ),
        **extra,
    }
    return render(request, "casusregie/family_detail.html", context)


@require_GET
@worker_required
def family_detail(request: HttpRequest, ref: str) -> HttpResponse:
    family = family_page_or_404(request, ref)
    record_worker_access(request, _family_accesses(family), purpose=PURPOSE_CASE_WORK)
    return _family_page(request, family)


@require_POST
@worker_required
def reveal_bsn(request: HttpRequest, ref: str) -> HttpResponse:
    """Show one member's full BSN, on request; the request is in the access log."""
    family = family_page_or_404(request, ref, "casusregie.reveal_bsn")
    person_ref = request.POST.get("person", "")
    people = {p.ref: p for p in [*family.youths.all(), *family.carers.all()]}
    person = people.get(person_ref)
    if person is None or not person.bsn:
        raise Http404
    kind = "youth" if person in family.youths.all() else "carer"
    record_worker_access(
        request, [Access(family.ref, f"{kind}_bsn", person.ref)], purpose=PURPOSE_BSN
    )
    if request.htmx:
        return render(request, "casusregie/_bsn_revealed.html", {"person": person})
    record_worker_access(request, _family_accesses(family), purpose=PURPOSE_CASE_WORK)
    return _family_page(request, family, revealed={person.ref: person.bsn})


@require_POST
@worker_required
def consent_add(request: HttpRequest, ref: str) -> HttpResponse:
    family = family_page_or_404(request, ref, "casusregie.manage_consent")
    case = open_case_of(family)
    form = ConsentForm(request.POST)
    if case is None:
        messages.error(request, _("Dit gezin heeft geen open casus."))
        return redirect("family-detail", ref=family.ref)
    if form.is_valid():
        try:
            consent = services.record_consent(
                case=case,
                purpose=form.cleaned_data["purpose"],
                provider=form.cleaned_data["provider"],
                given_on=form.cleaned_data["given_on"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            record_worker_access(
                request,
                [Access(family.ref, "consent", str(consent.pk))],
                action=AccessAction.CHANGE,
                purpose=PURPOSE_CASE_WORK,
            )
            messages.success(request, _("De toestemming is vastgelegd."))
            return redirect("family-detail", ref=family.ref)
    record_worker_access(request, _family_accesses(family), purpose=PURPOSE_CASE_WORK)
    response = _family_page(request, family, consent_form=form)
    response.status_code = 400
    return response


@require_POST
@worker_required
def consent_withdraw(request: HttpRequest, ref: str, consent_id: int) -> HttpResponse:
    family = family_page_or_404(request, ref, "casusregie.manage_consent")
    consent = Consent.objects.filter(pk=consent_id, case__family=family).first()
    if consent is None:
        raise Http404
    try:
        services.withdraw_consent(consent=consent, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        record_worker_access(
            request,
            [Access(family.ref, "consent", str(consent.pk))],
            action=AccessAction.CHANGE,
            purpose=PURPOSE_CASE_WORK,
        )
        messages.success(request, _("De toestemming is ingetrokken; dit geldt direct."))
    return redirect("family-detail", ref=family.ref)


@require_POST
@worker_required
def bridging_record(request: HttpRequest, ref: str, referral_ref: str) -> HttpResponse:
    """Record or replace the bridging support of a waiting referral (the current regisseur)."""
    family = family_page_or_404(request, ref, "casusregie.change_family_record")
    case = open_case_of(family)
    waiting = case.referrals.all() if case else []
    referral = next((r for r in waiting if r.ref == referral_ref), None)
    if referral is None:
        raise Http404
    form = bridging_form(referral, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral_services.record_bridging(
                referral=referral,
                by=referral_services.Actor.regisseur(request.user),
                on_from=data["bridging_from"],
                description=data["bridging_description"],
                provided_by=data["bridging_by"],
                expected_version=data["version"],
            )
        except referral_services.ReferralRefused as refused:
            # Shown again with the version as it is now: sending it again is a deliberate act.
            posted = request.POST.copy()
            posted[form.add_prefix("version")] = str(referral.version)
            form = bridging_form(referral, posted)
            form.is_valid()
            form.add_error(None, refused.message)
        else:
            record_worker_access(
                request,
                [Access(family.ref, "referral", referral.ref)],
                action=AccessAction.CHANGE,
                purpose=PURPOSE_CASE_WORK,
            )
            messages.success(
                request,
                _("De overbrugging bij de verwijzing naar %(provider)s is vastgelegd.")
                % {"provider": referral.provider.name},
            )
            return redirect(f"{reverse('family-detail', args=[family.ref])}#verwijzingen-title")
    record_worker_access(request, _family_accesses(family), purpose=PURPOSE_CASE_WORK)
    response = _family_page(request, family, bridging_forms={referral.ref: form})
    response.status_code = 400
    return response


@require_GET
@worker_required
def access_history_export(request: HttpRequest, ref: str) -> HttpResponse:
    """The family's access history as CSV, for a request under AVG article 15."""
    family = family_page_or_404(request, ref, "casusregie.export_access_history")
    record_worker_access(
        request,
        [Access(family.ref, "access_history", family.ref)],
        action=AccessAction.EXPORT,
        purpose=PURPOSE_AVG,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="inzage-{family.ref}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["tijdstip", "gebruiker", "handeling", "gegeven", "referentie", "doel", "vanaf"]
    )
    for entry in family_access_history(family.ref).iterator():
        writer.writerow(
            [
                entry.at.isoformat(),
                entry.actor,
                entry.action,
                entry.object_type,
                entry.object_ref,
                entry.purpose,
                entry.origin,
            ]
        )
    return response


__all__ = [
    "access_history_export",
    "bridging_record",
    "consent_add",
    "consent_withdraw",
    "family_detail",
    "family_list",
    "home",
    "reveal_bsn",
]
