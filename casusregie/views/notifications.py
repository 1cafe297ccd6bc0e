"""Meldingen: the worker's own inbox, newest first, and their choice of e-mail.

Every worker has one; only their own meldingen are found (another's id is a 404). Opening a
melding marks it read and goes where it points (the family page, Mijn caseload for a
hand-over, the expert table's answers for a decision).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..models import Notification
from .accounts import worker_required

PAGE_SIZE = 25


def _back(request: HttpRequest) -> HttpResponse:
    """To the page of meldingen the worker came from (``pagina`` in the form)."""
    url = reverse("notifications")
    page = request.POST.get("pagina", "")
    return redirect(f"{url}?{urlencode({'pagina': page})}" if page.isdigit() else url)


def _target(note: Notification) -> str:
    try:
        return reverse(note.url_name, args=note.url_args)
    except NoReverseMatch:  # a page that is no longer there
        return reverse("notifications")


@require_GET
@worker_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    return render(request, "casusregie/notifications.html", {"page": page})


@require_GET
@worker_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Open one's own melding: it is read now, and the worker goes where it points."""
    try:
        note = services.mark_notification_read(worker=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    return redirect(_target(note))


@require_POST
@worker_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        services.mark_notification_read(worker=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    return _back(request)


@require_POST
@worker_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_notifications_read(worker=request.user)
    messages.success(request, _("%(n)s meldingen gemarkeerd als gelezen.") % {"n": count})
    return _back(request)


@require_POST
@worker_required
def notification_email(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("email") == "on"
    try:
        services.set_email_notifications(worker=request.user, enabled=enabled)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("U krijgt meldingen voortaan ook per e-mail.")
            if enabled
            else _("U krijgt meldingen niet meer per e-mail."),
        )
    return _back(request)
