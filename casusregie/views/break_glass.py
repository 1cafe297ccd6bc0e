"""Inzage buiten het team (breaking the glass): open one family outside one's team's cases, with
a reason, for ``BREAK_GLASS_HOURS``; and the team lead's list to review those grants.

The request page answers the same for a ref that does not exist, lies in another region, or
has no case: the form's errors (reason and explanation required) come first, for every ref, and
once they are given, "not found" is one message whatever the ref was. Only a grant made — in
the access log with its reason, and told to the case's team lead — opens the family page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services
from ..access_log import Access, record_worker_access
from ..models import BreakGlassReason, Role
from ..policies import CASE_WORK_ROLES, roles_of, visible_families
from .accounts import worker_required

#: How many grants the review list shows (not reviewed first).
REVIEW_LIST_SIZE = 200


class BreakGlassForm(forms.Form):
    ref = forms.CharField(
        label=_lazy("Referentie van het gezin"),
        max_length=64,
        error_messages={"required": _lazy("Vul de referentie van het gezin in.")},
        help_text=_lazy("Zoals f-1a2b3c4d5e6f. Geen BSN of naam."),
    )
    reason = forms.ChoiceField(
        label=_lazy("Reden"),
        choices=BreakGlassReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _lazy("Kies een reden."),
            "invalid_choice": _lazy("Kies een reden uit de lijst."),
        },
    )
    explanation = forms.CharField(
        label=_lazy("Toelichting"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _lazy("Licht de reden toe.")},
        help_text=_lazy(
            "Waarom u dit gezin nu nodig hebt. Uw teamleider en die van het gezin lezen dit."
        ),
    )


def _case_worker_or_404(request: HttpRequest) -> None:
    if not roles_of(request.user) & CASE_WORK_ROLES:
        raise Http404


@require_http_methods(["GET", "POST"])
@worker_required
def break_glass(request: HttpRequest) -> HttpResponse:
    _case_worker_or_404(request)
    if request.method == "GET":
        form = BreakGlassForm(initial={"ref": request.GET.get("gezin", "")[:64]})
        return render(request, "casusregie/break_glass.html", {"form": form, "hours": _hours()})
    form = BreakGlassForm(request.POST)
    if form.is_valid():
        ref = form.cleaned_data["ref"].strip()
        if visible_families(request.user).filter(ref=ref).exists():
            messages.info(request, _("U hebt al toegang tot dit gezin."))
            return redirect("family-detail", ref=ref)
        try:
            grant = services.break_glass(
                by=request.user,
                ref=ref,
                reason=form.cleaned_data["reason"],
                explanation=form.cleaned_data["explanation"],
                origin=request.META.get("REMOTE_ADDR", ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if grant is not None:
                messages.warning(
                    request,
                    _(
                        "U hebt inzage in dit gezin tot %(until)s. Dit is vastgelegd met uw "
                        "reden; de teamleider van het gezin beoordeelt het."
                    )
                    % {"until": _local(grant.expires_at)},
                )
                return redirect("family-detail", ref=grant.family.ref)
            form.add_error(
                "ref",
                _(
                    "Er is geen gezin met deze referentie dat u kunt openen. Controleer de "
                    "referentie."
                ),
            )
    return render(request, "casusregie/break_glass.html", {"form": form, "hours": _hours()})


def _hours() -> int:
    return services.break_glass_hours()


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y H:i")


def _lead_or_404(request: HttpRequest) -> None:
    if Role.TEAM_LEAD not in roles_of(request.user) or not request.user.local_team_id:
        raise Http404


@require_GET
@worker_required
def break_glass_review(request: HttpRequest) -> HttpResponse:
    _lead_or_404(request)
    grants = list(selectors.break_glass_grants_for_review(request.user)[:REVIEW_LIST_SIZE])
    record_worker_access(
        request,
        [Access(g.family.ref, "break_glass", str(g.pk)) for g in grants],
        purpose=services.PURPOSE_BREAK_GLASS_REVIEW,
    )
    return render(request, "casusregie/break_glass_review.html", {"grants": grants})


@require_POST
@worker_required
def break_glass_reviewed(request: HttpRequest, grant_id: int) -> HttpResponse:
    _lead_or_404(request)
    grant = selectors.break_glass_grants_for_review(request.user).filter(pk=grant_id).first()
    if grant is None:
        raise Http404
    try:
        services.review_break_glass(
            grant=grant,
            by=request.user,
            note=request.POST.get("note", "")[:2000],
            origin=request.META.get("REMOTE_ADDR", ""),
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("De inzage is gemarkeerd als beoordeeld."))
    return redirect("break-glass-review")
