"""The family page's education and closing sections: a youth's education periods (record,
correct, remove), closing the case with its warme overdracht, and reopening it.

The views are thin: the rules are the core's (``casusregie.services``); a refusal or a form
error shows the family page again with the form as it was sent (400), a change is logged
(``record_worker_access``, action change) and the rulebook re-judges the case on commit.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from casusregie import services
from casusregie.access_log import PURPOSE_CASE_WORK, Access, record_worker_access
from casusregie.models import (
    AccessAction,
    Case,
    CloseReason,
    EducationPeriod,
    EducationStatus,
    Family,
    SchoolType,
    validate_brin,
    validate_phone,
)
from casusregie.policies import may_close_case
from casusregie.selectors import open_case_of
from casusregie.views.accounts import worker_required

from ..selectors import families as selectors

CHANGE_PERM = "casusregie.change_family_record"
_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class EducationPeriodForm(forms.Form):
    status = forms.ChoiceField(label=_lazy("Status"), choices=EducationStatus.choices)
    from_date = forms.DateField(label=_lazy("Vanaf"), widget=_DATE)
    school = forms.CharField(label=_lazy("School"), max_length=200, required=False)
    school_brin = forms.CharField(
        label=_lazy("BRIN-code"),
        max_length=4,
        min_length=4,
        required=False,
        help_text=_lazy("4 tekens: 2 cijfers en 2 letters of cijfers, zoals 12AB."),
    )
    school_type = forms.ChoiceField(
        label=_lazy("Soort onderwijs"),
        choices=[("", "–"), *SchoolType.choices],
        required=False,
    )
    attendance_officer = forms.CharField(
        label=_lazy("Leerplichtambtenaar"), max_length=200, required=False
    )
    attendance_officer_phone = forms.CharField(
        label=_lazy("Telefoon leerplicht"),
        max_length=20,
        required=False,
        validators=[validate_phone],
    )
    attendance_officer_email = forms.EmailField(label=_lazy("E-mail leerplicht"), required=False)

    def clean_school_brin(self) -> str:
        value = self.cleaned_data["school_brin"].strip().upper()
        if value:
            validate_brin(value)
        return value


class CloseCaseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_lazy("Reden van afsluiten"), choices=[("", "–"), *CloseReason.choices]
    )
    note = forms.CharField(
        label=_lazy("Toelichting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("Verplicht bij 'anders'."),
    )
    handed_over_to = forms.CharField(
        label=_lazy("Warme overdracht aan"),
        max_length=200,
        required=False,
        help_text=_lazy(
            "De persoon of organisatie in de basis die het gezin verder ondersteunt "
            "(niet bij overlijden)."
        ),
    )
    closed_on = forms.DateField(label=_lazy("Gesloten op"), widget=_DATE)


def education_prefix(youth_ref: str) -> str:
    return f"onderwijs-{youth_ref}"


def period_prefix(period_id: int) -> str:
    return f"periode-{period_id}"


def closing_sections(
    request: HttpRequest, family: Family, case: Case | None, bound: dict, *, can_change: bool
) -> dict:
    """What the family page's education and closing partials show: per youth its periods with
    a correction form each and a form for a new period (``bound``: the forms as they were sent,
    after an error); the closing form for who may close; the closed case; whether to reopen."""
    editable = can_change and case is not None
    today = timezone.localdate()
    education = []
    for youth in family.youths.all():
        periods = list(youth.education.all())  # newest first (prefetched)
        prefix = education_prefix(youth.ref)
        education.append(
            {
                "youth": youth,
                "periods": [
                    (
                        p,
                        bound.get(period_prefix(p.pk))
                        or (
                            EducationPeriodForm(
                                prefix=period_prefix(p.pk),
                                initial={f: getattr(p, f) for f in services.EDUCATION_FIELDS},
                            )
                            if editable
                            else None
                        ),
                    )
                    for p in periods
                ],
                "form": bound.get(prefix)
                or (
                    EducationPeriodForm(prefix=prefix, initial={"from_date": today})
                    if editable
                    else None
                ),
            }
        )
    may_close = editable and may_close_case(request.user, case, selectors.current_regisseur(case))
    closed = [c for c in family.cases.all() if not c.is_open]  # newest first (prefetched)
    return {
        "education": education,
        "education_editable": editable,
        "close_form": (bound.get("afsluiten") or CloseCaseForm(prefix="afsluiten"))
        if may_close
        else None,
        "closed_case": closed[0] if closed and case is None else None,
        "may_reopen": can_change and case is None and bool(closed),
    }


def _family_page_again(request: HttpRequest, family: Family, bound: dict) -> HttpResponse:
    from .families import _family_accesses, _family_page

    record_worker_access(request, _family_accesses(family), purpose=PURPOSE_CASE_WORK)
    response = _family_page(request, family, closing_bound=bound)
    response.status_code = 400
    return response


def _family(request: HttpRequest, ref: str) -> Family:
    from .families import family_page_or_404

    return family_page_or_404(request, ref, CHANGE_PERM)


def _changed(request: HttpRequest, family: Family, accesses: list[Access], message: str, anchor):
    record_worker_access(request, accesses, action=AccessAction.CHANGE, purpose=PURPOSE_CASE_WORK)
    messages.success(request, message)
    return redirect(f"{family_url(family)}#{anchor}")


def family_url(family: Family) -> str:
    from django.urls import reverse

    return reverse("family-detail", args=[family.ref])


def _refused(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal as errors of the form, next to the field it is about."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_POST
@worker_required
def education_add(request: HttpRequest, ref: str, youth_ref: str) -> HttpResponse:
    family = _family(request, ref)
    youth = next((y for y in family.youths.all() if y.ref == youth_ref), None)
    if youth is None:
        raise Http404
    prefix = education_prefix(youth.ref)
    form = EducationPeriodForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            period = services.record_education_period(
                youth=youth, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            return _changed(
                request,
                family,
                [Access(family.ref, "education_period", str(period.pk))],
                _("De onderwijsperiode is vastgelegd."),
                f"onderwijs-{youth.ref}",
            )
    return _family_page_again(request, family, {prefix: form})


def _period_of(family: Family, period_id: int) -> EducationPeriod:
    for youth in family.youths.all():
        for period in youth.education.all():
            if period.pk == period_id:
                return period
    raise Http404


@require_POST
@worker_required
def education_correct(request: HttpRequest, ref: str, period_id: int) -> HttpResponse:
    family = _family(request, ref)
    period = _period_of(family, period_id)
    prefix = period_prefix(period.pk)
    form = EducationPeriodForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            services.correct_education_period(period=period, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            return _changed(
                request,
                family,
                [Access(family.ref, "education_period", str(period.pk))],
                _("De onderwijsperiode is gecorrigeerd."),
                f"onderwijs-{period.youth.ref}",
            )
    return _family_page_again(request, family, {prefix: form})


@require_POST
@worker_required
def education_remove(request: HttpRequest, ref: str, period_id: int) -> HttpResponse:
    family = _family(request, ref)
    period = _period_of(family, period_id)
    youth_ref = period.youth.ref
    try:
        services.remove_education_period(period=period, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _family_page_again(request, family, {})
    return _changed(
        request,
        family,
        [Access(family.ref, "education_period", str(period_id))],
        _("De onderwijsperiode is verwijderd."),
        f"onderwijs-{youth_ref}",
    )


@require_POST
@worker_required
def case_close(request: HttpRequest, ref: str) -> HttpResponse:
    family = _family(request, ref)
    case = open_case_of(family)
    if case is None:
        messages.error(request, _("Dit gezin heeft geen open casus."))
        return _family_page_again(request, family, {})
    form = CloseCaseForm(request.POST, prefix="afsluiten")
    if form.is_valid():
        try:
            services.close_case(case=case, by=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise
        except ValidationError as error:
            _refused(form, error)
        else:
            return _changed(
                request,
                family,
                [Access(family.ref, "case", case.ref)],
                _("De casus is gesloten."),
                "afsluiten-title",
            )
    return _family_page_again(request, family, {"afsluiten": form})


@require_POST
@worker_required
def case_reopen(request: HttpRequest, ref: str) -> HttpResponse:
    family = _family(request, ref)
    try:
        case = services.reopen_case(family=family, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _family_page_again(request, family, {})
    message = (
        _("Er is een nieuwe casus geopend (herhaalde zorg: binnen 12 maanden na het afsluiten).")
        if case.is_repeat_care
        else _("Er is een nieuwe casus geopend.")
    )
    return _changed(request, family, [Access(family.ref, "case", case.ref)], message, "regie-title")


__all__ = [
    "case_close",
    "case_reopen",
    "closing_sections",
    "education_add",
    "education_correct",
    "education_remove",
]
