"""The flags inbox: my open flags, worst first, explained; acknowledge with a note; escalate."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from casusregie.access_log import Access, record_worker_access
from casusregie.models import AccessAction
from casusregie.views.accounts import worker_required

from . import selectors, services
from .models import Flag
from .rules import RULES_BY_CODE

PURPOSE = "regie en hulpverlening"
# Where on the family page the worker acts on each rule.
PLACE_TO_ACT = {
    "NO_REGISSEUR": "regie-title",
    "NO_PLAN": "plan-title",
    "PLAN_EVALUATION_OVERDUE": "plan-title",
    "PERSPECTIVE_PLAN_16": "plan-title",
    "TRANSITION_18": "plan-title",
    "CRISIS_NO_RETURN_PLAN": "plan-title",
    "THUISZITTER_3M": "gezin-title",
    "REFERRAL_WITHOUT_ANALYSIS": "analyse-title",
    "CRISIS_ANALYSIS_OVERDUE": "analyse-title",
}


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_lazy("Wat doet u ermee?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Vraag aan de experttafel"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@require_GET
@worker_required
def inbox(request: HttpRequest) -> HttpResponse:
    flags = list(selectors.inbox(request.user))
    record_worker_access(
        request, [Access(f.case.family.ref, "flag", str(f.pk)) for f in flags], purpose=PURPOSE
    )
    rows = [
        (f, RULES_BY_CODE.get(f.rule), PLACE_TO_ACT.get(f.rule, "verwijzingen-title"))
        for f in flags
    ]
    return render(
        request,
        "flags/inbox.html",
        {"rows": rows, "note_form": NoteForm(), "escalate_form": EscalateForm()},
    )


def _my_flag(request: HttpRequest, flag_id: int) -> Flag:
    flag = selectors.inbox(request.user).filter(pk=flag_id).first()
    if flag is None:
        raise Http404
    return flag


@require_POST
@worker_required
def acknowledge(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = _my_flag(request, flag_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.acknowledge_flag(flag=flag, by=request.user, text=form.cleaned_data["text"])
        record_worker_access(
            request,
            [Access(flag.case.family.ref, "flag", str(flag.pk))],
            action=AccessAction.CHANGE,
            purpose=PURPOSE,
        )
        messages.success(request, _("Uw notitie staat bij het signaal."))
    else:
        messages.error(request, _("Schrijf kort op wat u met het signaal doet."))
    return redirect("flag-inbox")


@require_POST
@worker_required
def escalate(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = _my_flag(request, flag_id)
    form = EscalateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Schrijf de vraag aan de experttafel op."))
        return redirect("flag-inbox")
    try:
        services.escalate_flag(flag=flag, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        record_worker_access(
            request,
            [Access(flag.case.family.ref, "escalation", flag.case.ref)],
            action=AccessAction.CHANGE,
            purpose=PURPOSE,
        )
        messages.success(request, _("De casus is aangemeld bij de Regionale Experttafel."))
    return redirect("flag-inbox")
