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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie import services
from casusregie.access_log import PURPOSE_CASE_WORK, Access, record_worker_access
from casusregie.models import (
    AccessAction,
    EducationPeriod,
    Family,
)
from casusregie.selectors import open_case_of
from casusregie.views.accounts import worker_required

from ..closing import (
    CHANGE_PERM,
    CloseCaseForm,
    EducationPeriodForm,
    education_prefix,
    period_prefix,
)
from .families import _family_accesses, _family_page, family_page_or_404


def _family_page_again(request: HttpRequest, family: Family, bound: dict) -> HttpResponse:
    record_worker_access(request, _family_accesses(family), purpose=PURPOSE_CASE_WORK)
    response = _family_page(request, family, closing_bound=bound)
    response.status_code = 400
    return response


def _family(request: HttpRequest, ref: str) -> Family:
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
    "education_add",
    "education_correct",
    "education_remove",
]
