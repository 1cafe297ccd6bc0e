"""Who is logged in to the gezinsportaal: a family account, held in the session apart from
Django's user. ``request.user`` stays anonymous for a family, so every worker page, the
provider's portal, the admin and the API refuse a family session by construction; and a
worker's session opens no page here (``family_required`` asks for a family login).

Steps: the link from the e-mail (``PENDING_KEY``: the account whose code is due), then the code
by e-mail (``ACCOUNT_KEY``: logged in). Both start from a fresh session (``flush``)."""

from __future__ import annotations

from functools import wraps

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect

from casusregie.models import FamilyAccount

PENDING_KEY = "family_portal_pending"
ACCOUNT_KEY = "family_portal_account"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def start_pending(request: HttpRequest, account: FamilyAccount) -> None:
    request.session.flush()  # nobody else's login (a worker's) carries over
    request.session[PENDING_KEY] = account.pk


def pending_account(request: HttpRequest) -> FamilyAccount | None:
    pk = request.session.get(PENDING_KEY)
    return FamilyAccount.objects.filter(pk=pk, is_active=True).first() if pk else None


def log_in(request: HttpRequest, account: FamilyAccount) -> None:
    request.session.cycle_key()
    request.session.pop(PENDING_KEY, None)
    request.session[ACCOUNT_KEY] = account.pk


def log_out(request: HttpRequest) -> None:
    request.session.flush()


def family_required(view):
    """A logged-in family account (both steps) as ``request.family_account``; otherwise the
    family login. A POST runs in one transaction with its access-log entries."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        pk = request.session.get(ACCOUNT_KEY)
        account = (
            FamilyAccount.objects.select_related("family", "carer", "youth")
            .filter(pk=pk, is_active=True)
            .first()
            if pk and not request.user.is_authenticated
            else None
        )
        if account is None:
            return redirect("family-login")
        request.family_account = account
        if request.method in UNSAFE_METHODS:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return wrapped
