"""The referral wizard for the regisseur: youth and product (or segment), routing proposals
with their reasons, send. The API for providers lives in ``referrals.api``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from casusregie.access_log import PURPOSE_CASE_WORK, Access, record_worker_access
from casusregie.models import AccessAction
from casusregie.selectors import family_for_case_work_or_404, open_case_of
from casusregie.views.accounts import worker_required

from . import routing, services
from .models import Product, Provider, Referrer, Segment


class ChoiceForm(forms.Form):
    youth = forms.ChoiceField(label=_lazy("Jeugdige"), widget=forms.RadioSelect)
    product = forms.ModelChoiceField(
        label=_lazy("Product"),
        queryset=Product.objects.select_related("segment").order_by("segment__name", "name"),
        required=False,
        empty_label=_lazy("(kies een product of een segment)"),
    )
    segment = forms.ModelChoiceField(
        label=_lazy("of segment"), queryset=Segment.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args, family, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["youth"].choices = [(y.ref, y.name) for y in family.youths.all()]
        # The segments of the family's region: each region buys in its own.
        self.fields["segment"].queryset = Segment.objects.filter(
            region__municipalities=family.municipality_id
        ).order_by("name")

    def clean(self):
        data = super().clean()
        if not data.get("product") and not data.get("segment"):
            raise forms.ValidationError(_("Kies een product of een segment."))
        return data


class SendForm(forms.Form):
    youth = forms.CharField(widget=forms.HiddenInput)
    product = forms.ModelChoiceField(queryset=Product.objects, widget=forms.HiddenInput)
    provider = forms.ModelChoiceField(queryset=Provider.objects, widget=forms.HiddenInput)
    question = forms.CharField(
        label=_lazy("Hulpvraag voor de aanbieder"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referrer = forms.TypedChoiceField(  # iJw verwijzer; not chosen: the gemeente (local team)
        label=_lazy("Verwezen door"),
        choices=Referrer.choices,
        required=False,
        empty_value=Referrer.MUNICIPALITY,
    )


def _open_case(family):
    case = open_case_of(family)
    if case is None:
        raise Http404
    return case


@require_http_methods(["GET", "POST"])
@worker_required
def referral_wizard(request: HttpRequest, ref: str) -> HttpResponse:
    family = family_for_case_work_or_404(request.user, ref, "casusregie.change_family_record")
    case = _open_case(family)
    youths = {y.ref: y for y in family.youths.all()}
    if request.method == "POST":
        return _send(request, family, case, youths)
    choice = ChoiceForm(request.GET or None, family=family)
    proposals = []
    if request.GET and choice.is_valid():
        youth = youths[choice.cleaned_data["youth"]]
        proposals = routing.propose(
            youth,
            product=choice.cleaned_data["product"],
            segment=choice.cleaned_data["segment"],
            on=timezone.localdate(),
        )
    record_worker_access(
        request,
        [Access(family.ref, "youth", y.ref) for y in youths.values()],
        purpose=PURPOSE_CASE_WORK,
    )
    return render(
        request,
        "referrals/wizard.html",
        {
            "family": family,
            "choice": choice,
            "proposals": proposals,
            "youth_ref": choice.cleaned_data["youth"] if proposals else "",
            "referrers": Referrer.choices,
            "default_referrer": Referrer.MUNICIPALITY,
        },
    )


def _send(request: HttpRequest, family, case, youths) -> HttpResponse:
    form = SendForm(request.POST)
    if not form.is_valid() or form.cleaned_data["youth"] not in youths:
        messages.error(request, _("Vul de hulpvraag in en kies een voorstel."))
        return redirect("referral-wizard", ref=family.ref)
    actor = services.Actor.regisseur(request.user)
    try:
        with transaction.atomic():
            referral = services.create_referral(
                case=case,
                youth=youths[form.cleaned_data["youth"]],
                product=form.cleaned_data["product"],
                provider=form.cleaned_data["provider"],
                by=actor,
                question=form.cleaned_data["question"],
                referrer=form.cleaned_data["referrer"],
            )
            services.send_referral(referral=referral, by=actor)
    except services.ReferralRefused as refused:
        record_worker_access(
            request, [Access(family.ref, "case", case.ref)], purpose=PURPOSE_CASE_WORK
        )
        return render(
            request,
            "referrals/refused.html",
            {"family": family, "message": refused.message},
            status=refused.status,
        )
    record_worker_access(
        request,
        [Access(family.ref, "referral", referral.ref)],
        action=AccessAction.CHANGE,
        purpose=PURPOSE_CASE_WORK,
    )
    messages.success(
        request,
        _("De verwijzing naar %(provider)s is verzonden.") % {"provider": referral.provider.name},
    )
    return redirect("family-detail", ref=family.ref)
