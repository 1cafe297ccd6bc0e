"""The worker's side of the gezinsportaal, on the family (/gezinnen/<ref>/gezinsportaal/):
invite a carer with gezag or a youth, end an account, read and answer the family's
questions, read their words on the analysis and their answers to the plan, and choose per item
about a youth of 16+ whether the carers see it. Scoped as the family page; every read logged."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from analyses.models import AnalysisStatus, FamilyStory
from casusregie import services
from casusregie.access_log import PURPOSE_CASE_WORK, Access, record_worker_access
from casusregie.models import (
    FAMILY_TEXT_MAX,
    CarerDisclosure,
    CarerRelation,
    Family,
    FamilyAccount,
    FamilyMessage,
)
from casusregie.policies import family_or_404
from casusregie.selectors import families_for_case_work, open_case_of
from casusregie.views.accounts import worker_required
from plans.models import GoalObjection, PlanResponse
from referrals.models import Referral


def _family(request: HttpRequest, ref: str, perm: str) -> Family:
    return family_or_404(request.user, ref, perm, families=families_for_case_work())


class InviteForm(forms.Form):
    person = forms.ChoiceField(label=_lazy("Wie nodigt u uit?"))
    email = forms.EmailField(label=_lazy("E-mailadres"), required=False)
    early_reason = forms.CharField(
        label=_lazy("Reden (alleen voor een jongere van 12 tot 16)"),
        required=False,
        max_length=FAMILY_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, family: Family, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {f"carer:{c.ref}": c for c in family.carers.all()}
        self.people |= {f"youth:{y.ref}": y for y in family.youths.all()}
        self.fields["person"].choices = [
            (key, f"{person.name} ({_('opvoeder') if key.startswith('carer') else _('jongere')})")
            for key, person in self.people.items()
        ]

    def clean(self):
        data = super().clean()
        person = self.people.get(data.get("person", ""))
        email = data.get("email") or getattr(person, "email", "")
        if person is not None and not email:
            self.add_error("email", _("Vul het e-mailadres in."))
        data["email"], data["person_obj"] = email, person
        return data


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_lazy("Uw antwoord aan het gezin"),
        max_length=FAMILY_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _page(request, family: Family, *, invite=None, answer=None, status=200) -> HttpResponse:
    case = open_case_of(family)
    accounts = list(
        FamilyAccount.objects.filter(family=family).select_related("carer", "youth").order_by("id")
    )
    thread = (
        list(FamilyMessage.objects.filter(case=case).select_related("account", "worker"))
        if case
        else []
    )
    stories = (
        list(
            FamilyStory.objects.filter(
                analysis__case=case, analysis__status=AnalysisStatus.DRAFT
            ).select_related("account__carer", "account__youth")
        )
        if case
        else []
    )
    responses = (
        list(
            PlanResponse.objects.filter(plan__case=case, plan__is_current=True)
            .select_related("account__carer", "account__youth")
            .prefetch_related(
                Prefetch("objections", queryset=GoalObjection.objects.select_related("goal"))
            )
        )
        if case
        else []
    )
    today = timezone.localdate()
    older = [
        r
        for r in (
            Referral.objects.filter(case=case).select_related("youth", "provider", "product")
            if case
            else []
        )
        if services.age_on(r.youth.birth_date, today) >= services.FAMILY_OWN_AGE
    ]
    shown = set(
        CarerDisclosure.objects.filter(
            item_type="referral", item_ref__in=[r.ref for r in older], shown=True
        ).values_list("item_ref", flat=True)
    )
    gezag = set(
        CarerRelation.objects.filter(carer__family=family, has_gezag=True).values_list(
            "carer_id", flat=True
        )
    )
    record_worker_access(
        request,
        [Access(family.ref, "family_account", a.ref) for a in accounts]
        + [Access(family.ref, "message", str(m.pk)) for m in thread]
        or [Access(family.ref, "family", family.ref)],
        purpose=PURPOSE_CASE_WORK,
    )
    return render(
        request,
        "casusregie/family_portal.html",
        {
            "family": family,
            "case": case,
            "accounts": accounts,
            "thread": thread,
            "stories": stories,
            "responses": responses,
            "older_referrals": [(r, r.ref in shown) for r in older],
            "gezag": gezag,
            "invite_form": invite or InviteForm(family=family),
            "answer_form": answer or AnswerForm(),
        },
        status=status,
    )


@require_GET
@worker_required
def family_portal_page(request: HttpRequest, ref: str) -> HttpResponse:
    family = _family(request, ref, "casusregie.change_family_record")  # case work only
    return _page(request, family)


@require_POST
@worker_required
def family_portal_invite(request: HttpRequest, ref: str) -> HttpResponse:
    family = _family(request, ref, "casusregie.change_family_record")
    case = open_case_of(family)
    form = InviteForm(request.POST, family=family)
    if case is not None and form.is_valid():
        person = form.cleaned_data["person_obj"]
        is_carer = form.cleaned_data["person"].startswith("carer:")
        try:
            services.invite_family_member(
                case=case,
                by=request.user,
                email=form.cleaned_data["email"],
                carer=person if is_carer else None,
                youth=None if is_carer else person,
                early_reason=form.cleaned_data["early_reason"],
                origin=request.META.get("REMOTE_ADDR", ""),
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, _("De uitnodiging is verstuurd per e-mail."))
            return redirect("family-portal-worker", ref=family.ref)
    return _page(request, family, invite=form, status=400)


@require_POST
@worker_required
def family_portal_answer(request: HttpRequest, ref: str) -> HttpResponse:
    family = _family(request, ref, "casusregie.change_family_record")
    case = open_case_of(family)
    form = AnswerForm(request.POST)
    if case is not None and form.is_valid():
        try:
            message = services.answer_family(
                case=case, by=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error("text", " ".join(error.messages))
        else:
            record_worker_access(
                request,
                [Access(family.ref, "message", str(message.pk))],
                action="change",
                purpose=PURPOSE_CASE_WORK,
            )
            messages.success(request, _("Uw antwoord staat in het gezinsportaal."))
            return redirect("family-portal-worker", ref=family.ref)
    return _page(request, family, answer=form, status=400)


@require_POST
@worker_required
def family_portal_disclose(request: HttpRequest, ref: str, referral_ref: str) -> HttpResponse:
    family = _family(request, ref, "casusregie.change_family_record")
    referral = (
        Referral.objects.filter(ref=referral_ref, case__family=family)
        .select_related("youth")
        .first()
    )
    if referral is None:
        raise Http404
    try:
        services.decide_carer_disclosure(
            youth=referral.youth,
            item_type="referral",
            item_ref=referral.ref,
            shown=request.POST.get("shown") == "1",
            by=request.user,
            origin=request.META.get("REMOTE_ADDR", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, family, status=400)
    messages.success(request, _("Uw keuze is vastgelegd."))
    return redirect("family-portal-worker", ref=family.ref)


@require_POST
@worker_required
def family_portal_deactivate(request: HttpRequest, ref: str, account_ref: str) -> HttpResponse:
    family = _family(request, ref, "casusregie.change_family_record")
    account = FamilyAccount.objects.filter(family=family, ref=account_ref, is_active=True).first()
    if account is None:
        raise Http404
    try:
        services.deactivate_family_account(
            account=account, by=request.user, origin=request.META.get("REMOTE_ADDR", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, family, status=400)
    messages.success(request, _("Het account is beëindigd."))
    return redirect("family-portal-worker", ref=family.ref)
