"""What the editors (the analysis's and the plan's) share: the family looked up for an editor,
the decorator for their POSTs, a form applied with its refusals as form errors, and the answer
after a change."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.access_log import Access, record_worker_access
from casusregie.models import AccessAction, Family
from casusregie.selectors import family_for_case_work_or_404, open_case_of
from casusregie.views.accounts import worker_required

CHANGE_PERM = "casusregie.change_family_record"
VIEW_PERM = "casusregie.view_family_record"


class InvalidForm(Exception):
    """A posted form with errors: the page is shown again with the form as it was sent."""

    def __init__(self, key: str, form) -> None:
        super().__init__(key)
        self.key, self.form = key, form


def editor_family_or_404(request: HttpRequest, ref: str, perm: str) -> Family:
    """The family with its youths and cases, in the user's scope and with ``perm`` (else 404).
    Lean on purpose: the editors show the family's name, not its dossier."""
    return family_for_case_work_or_404(request.user, ref, perm)


def editing_view(editor_page):
    """A decorator for the POSTs of an editor: scope and right checked (404), refusals and form
    errors shown on ``editor_page`` (400), success as the view says. Shared by the analysis and
    the plan editor."""

    def editing(view):
        @wraps(view)
        def wrapped(request: HttpRequest, ref: str, **kwargs) -> HttpResponse:
            family = editor_family_or_404(request, ref, CHANGE_PERM)
            case = open_case_of(family)
            try:
                if case is None:
                    raise ValidationError(_("Dit gezin heeft geen open casus."))
                return view(request, family, case, **kwargs)
            except InvalidForm as invalid:
                return editor_page(
                    request, family, case, bound={invalid.key: invalid.form}, status=400
                )
            except ValidationError as error:
                return editor_page(request, family, case, errors=error.messages, status=400)

        return require_POST(worker_required(wrapped))

    return editing


def apply_form(key: str, form, work):
    """``work(cleaned_data)`` for a valid form; its refusal becomes an error of the form."""
    if not form.is_valid():
        raise InvalidForm(key, form)
    try:
        return work(form.cleaned_data)
    except ValidationError as error:
        # A refusal about one field (``ValidationError({"field": message})``) is shown next to
        # that field; any other above the form.
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            for message in error.messages:
                form.add_error(None, message)
        raise InvalidForm(key, form) from error


def changed(
    request: HttpRequest,
    family: Family,
    accesses: list[Access],
    message: str,
    *,
    editor: str,
    purpose: str,
    anchor: str = "",
) -> HttpResponse:
    """After a change in an editor (the analysis's, the plan's): log it, say so, and back to
    the editor, at ``anchor``."""
    record_worker_access(request, accesses, action=AccessAction.CHANGE, purpose=purpose)
    messages.success(request, message)
    url = reverse(editor, kwargs={"ref": family.ref})
    return redirect(f"{url}#{anchor}" if anchor else url)
