"""A provider user's session: marked at login, so the worker pages answer them with a 404."""

from __future__ import annotations

from casusregie.views.accounts import PROVIDER_USER_SESSION_KEY

from .models import ProviderMembership


def mark_provider_session(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: a worker with a provider membership (active or not) is a provider
    user for the whole session. The portal checks the membership itself on every request; this
    mark only closes the worker pages (``casusregie.views.accounts.worker_required``)."""
    if request is None or not hasattr(request, "session"):
        return
    if ProviderMembership.objects.filter(worker=user).exists():
        request.session[PROVIDER_USER_SESSION_KEY] = True
    else:
        request.session.pop(PROVIDER_USER_SESSION_KEY, None)
