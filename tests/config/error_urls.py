"""A test-only URLconf: the project's URLs and handlers, plus views that fail on purpose."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as project_urlpatterns


class DeliberateFailure(Exception):
    """Raised by the failing views below; nothing else raises it."""


def refuses(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("niet voor u")


def breaks(request: HttpRequest) -> HttpResponse:
    raise DeliberateFailure("kapot")


urlpatterns = [
    path("test-fout/403/", refuses),
    path("test-fout/500/", breaks),
    path("api/v1/test-fout/403/", refuses),
    path("api/v1/test-fout/500/", breaks),
    *project_urlpatterns,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
