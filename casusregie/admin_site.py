"""The Django admin behind the same two-factor login as the worker pages."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


class VerifiedAdminSite(admin.AdminSite):
    site_header = "Casusregie – beheer"
    site_title = "Casusregie – beheer"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        """One login for everything: ours, with its second factor and lockout."""
        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index"), reverse("login")
        )
