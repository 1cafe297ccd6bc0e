"""What every page's layout needs: the menu's count of unread meldingen."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import unread_notification_count


def menu(request: HttpRequest) -> dict:
    """``unread_notifications``: counted when the menu shows it (a verified worker's page), at
    most once per page; never for the login steps, the API or a page without the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_notification_count(user))}
