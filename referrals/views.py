"""The referral wizard for the regisseur: youth and product (or segment), routing proposals
with their reasons, send (with bridging support while the youth waits, if arranged). The crisis
route is on the page at once: the contracted crisis products, sent without waiting for the
analysis. The API for providers lives in ``referrals.api``."""

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
from .forms import BridgingForm
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


class SendForm(BridgingForm):
    """One proposal sent: the youth, the product and provider, the question, the family's
    consent to share the analysis and its contact details with this provider (asked per
    referral; not ticked, nothing is shared), and the bridging support if one is arranged
    (optional: all three empty, or what and from when)."""

    youth = forms.CharField(label=_lazy("Jeugdige"))
    product = forms.ModelChoiceField(queryset=Product.objects, widget=forms.HiddenInput)
    provider = forms.ModelChoiceField(queryset=Provider.objects, widget=forms.HiddenInput)
    question = forms.CharField(
        label=_lazy("Hulpvraag voor de aanbieder"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _lazy("Vul de hulpvraag voor de aanbieder in.")},
    )
    referrer = forms.TypedChoiceField(  # iJw verwijzer; not chosen: the gemeente (local team)
        label=_lazy("Verwezen door"),
        choices=Referrer.choices,
        required=False,
        empty_value=Referrer.MUNICIPALITY,
    )
    share_analysis = forms.BooleanField(
        label=_lazy(
            "Het gezin geeft toestemming om de vastgestelde verklarende analyse en de doelen van "
            "het plan met deze aanbieder te delen"
        ),
        required=False,
    )
    share_contact = forms.BooleanField(
        label=_lazy(
            "Het gezin geeft toestemming om zijn contactgegevens (namen, telefoon en e-mail van "
            "de opvoeders) met deze aanbieder te delen"
        ),
        required=False,
    )

    def __init__(self, *args, youths: dict, **kwargs) -> None:
        super().__init__(*args, not_before=timezone.localdate(), required=False, **kwargs)
        self.youths = youths

    def clean_youth(self) -> str:
        ref = self.cleaned_data["youth"]
        if ref not in self.youths:
            raise forms.ValidationError(_("Kies een jeugdige van dit gezin."))
        return ref


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
    return _wizard_page(request, family, case, youths)


def _wizard_page(
    request: HttpRequest, family, case, youths, failed: SendForm | None = None
) -> HttpResponse:
    """The wizard: the crisis route, step 1 (for whom and what) and its proposals; ``failed``:
    a sent form with errors, shown again above the proposals (400)."""
    choice = ChoiceForm(request.GET or None, family=family)
    today = timezone.localdate()
    proposals = []
    if request.GET and choice.is_valid():
        youth = youths[choice.cleaned_data["youth"]]
        proposals = routing.propose(
            youth,
            product=choice.cleaned_data["product"],
            segment=choice.cleaned_data["segment"],
            on=today,
        )
    chosen = request.GET.get("youth") if request.GET.get("youth") in youths else None
    youth_ref = chosen or next(iter(youths), "")
    # The crisis route, before any choice: crisis care does not wait for routing or analysis.
    crisis = routing.propose(youths[youth_ref], crisis=True, on=today) if youth_ref else []
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
            "crisis_proposals": crisis,
            "youths": list(youths.values()),
            "youth_ref": youth_ref,
            "chosen_youth": choice.cleaned_data["youth"] if proposals else "",
            "analysis_established": services.has_established_analysis(case, today),
            "failed": failed,
            "today": today,
            "referrers": Referrer.choices,
            "default_referrer": Referrer.MUNICIPALITY,
        },
        status=400 if failed is not None else 200,
    )


def _send(request: HttpRequest, family, case, youths) -> HttpResponse:
    form = SendForm(request.POST, youths=youths)
    if not form.is_valid():
        if form.errors.keys() & {"product", "provider"}:
            messages.error(request, _("Kies een voorstel."))
            return redirect("referral-wizard", ref=family.ref)
        return _wizard_page(request, family, case, youths, failed=form)
    data = form.cleaned_data
    actor = services.Actor.regisseur(request.user)
    try:
        with transaction.atomic():
            referral = services.create_referral(
                case=case,
                youth=youths[data["youth"]],
                product=data["product"],
                provider=data["provider"],
                by=actor,
                question=data["question"],
                referrer=data["referrer"],
            )
            # In the send's transaction: a refused send leaves no consent behind.
            services.record_sharing_consent(
                referral=referral,
                by=actor,
                analysis=data["share_analysis"],
                contact=data["share_contact"],
            )
            referral = services.send_referral(referral=referral, by=actor)
            if form.has_bridging:
                referral = services.record_bridging(
                    referral=referral,
                    by=actor,
                    on_from=data["bridging_from"],
                    description=data["bridging_description"],
                    provided_by=data["bridging_by"],
                )
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
    what = {
        (True, True): _("de verklarende analyse met de doelen van het plan, en de contactgegevens"),
        (True, False): _("de verklarende analyse met de doelen van het plan"),
        (False, True): _("de contactgegevens van het gezin"),
    }.get((data["share_analysis"], data["share_contact"]))
    if what:
        messages.info(
            request,
            _("Met toestemming van het gezin gedeeld met %(provider)s: %(what)s.")
            % {"provider": referral.provider.name, "what": what},
        )
    if referral.product.crisis and not services.has_established_analysis(
        case, timezone.localdate()
    ):
        messages.warning(
            request,
            _(
                "Crisiszorg is verzonden zonder vastgestelde verklarende analyse. Stel de analyse "
                "nu met het gezin op: na 14 dagen zonder analyse volgt het signaal "
                "CRISIS_ANALYSIS_OVERDUE."
            ),
        )
    return redirect("family-detail", ref=family.ref)
