"""The family page's section "Betrokkenen": add, correct and end an involved professional. Refusals
and form errors show the family page again (400) with the form as sent; every change is in the
access log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie import services
from casusregie.access_log import PURPOSE_CASE_WORK, Access, record_worker_access
from casusregie.models import AccessAction, InvolvedProfessional
from casusregie.selectors import open_case_of
from casusregie.views.accounts import worker_required

from ..involvement import CorrectInvolvementForm, EndInvolvementForm, InvolvedForm
from .families import _family_accesses, _family_page, family_page_or_404

CHANGE_PERM = "casusregie.change_family_record"


def _add_errors(form, error: ValidationError) -> None:
    """The service's refusal next to the field it is about (else above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _again(request: HttpRequest, family, **bound) -> HttpResponse:
    record_worker_access(request, _family_accesses(family), purpose=PURPOSE_CASE_WORK)
    response = _family_page(request, family, **bound)
    response.status_code = 400
    return response


def _changed(request: HttpRequest, family, professional, message: str) -> HttpResponse:
    record_worker_access(
        request,
        [Access(family.ref, "involved_professional", str(professional.pk))],
        action=AccessAction.CHANGE,
        purpose=PURPOSE_CASE_WORK,
    )
    messages.success(request, message)
    return redirect(f"{reverse('family-detail', args=[family.ref])}#betrokkenen-title")


@require_POST
@worker_required
def involved_add(request: HttpRequest, ref: str) -> HttpResponse:
    family = family_page_or_404(request, ref, CHANGE_PERM)
    case = open_case_of(family)
    if case is None:
        messages.error(request, _("Dit gezin heeft geen open casus."))
        return redirect("family-detail", ref=family.ref)
    form = InvolvedForm(request.POST)
    if form.is_valid():
        try:
            professional = services.add_involved_professional(
                case=case, involvement=form.to_involvement(), by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _changed(
                request,
                family,
                professional,
                _("%(organisation)s is vastgelegd als betrokkene.")
                % {"organisation": professional.organisation},
            )
    return _again(request, family, involved_form=form)


def _professional_of(family, professional_id: int) -> InvolvedProfessional:
    professional = InvolvedProfessional.objects.filter(
        pk=professional_id, case__family=family
    ).first()
    if professional is None:
        raise Http404
    return professional


@require_POST
@worker_required
def involved_correct(request: HttpRequest, ref: str, professional_id: int) -> HttpResponse:
    """Correct a typo or a wrong date; pghistory keeps what was recorded before."""
    family = family_page_or_404(request, ref, CHANGE_PERM)
    professional = _professional_of(family, professional_id)
    form = CorrectInvolvementForm(request.POST, professional_id=professional.pk)
    if form.is_valid():
        try:
            professional = services.correct_involved_professional(
                professional=professional, involvement=form.to_involvement(), by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _changed(
                request,
                family,
                professional,
                _("De gegevens van %(organisation)s zijn gecorrigeerd.")
                % {"organisation": professional.organisation},
            )
    return _again(request, family, correct_form=form, correct_form_for=professional.pk)


@require_POST
@worker_required
def involved_end(request: HttpRequest, ref: str, professional_id: int) -> HttpResponse:
    family = family_page_or_404(request, ref, CHANGE_PERM)
    professional = _professional_of(family, professional_id)
    form = EndInvolvementForm(request.POST, professional_id=professional.pk)
    if form.is_valid():
        try:
            services.end_involved_professional(
                professional=professional, until=form.cleaned_data["until"], by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _changed(
                request,
                family,
                professional,
                _("De betrokkenheid van %(organisation)s is beëindigd.")
                % {"organisation": professional.organisation},
            )
    return _again(request, family, end_form=form, end_form_for=professional.pk)


__all__ = ["involved_add", "involved_correct", "involved_end"]
