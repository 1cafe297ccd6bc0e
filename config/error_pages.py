"""The project's 403, 404 and 500 handlers (``handler403``/``handler404``/``handler500``).

Pages get a Dutch page inside the site's layout (``templates/403.html``, ``404.html``,
``500.html``): 403 and 404 with the request, so a logged-in worker keeps the menu; 500 without
the request and without the database, as it renders when something is broken. Under ``/api/``
every error stays ``application/problem+json`` (the shape of ``referrals/api/errors.py``). A lost
database connection is a 503 with Retry-After, never a 500 (``config/unavailable.py``).
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from config.unavailable import database_unavailable

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
API_PREFIX = "/api/"
# What the visitor gets when even templates/500.html cannot be rendered.
LAST_RESORT_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Er ging iets mis – Casusregie</title></head>
<body><main><h1>Er ging iets mis</h1>
<p>Door een fout aan onze kant kon deze pagina niet worden getoond. Probeer het later opnieuw.</p>
<p><a href="/">Naar de startpagina</a></p></main></body></html>
"""


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _problem(status: int, code: str, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {
            "type": f"https://casusregie.example.org/problemen/{code}",
            "title": title,
            "status": status,
            "code": code,
            "detail": detail,
        },
        status=status,
        content_type=PROBLEM,
    )


def _page(request: HttpRequest, template_name: str, status: int) -> HttpResponse:
    body = loader.render_to_string(template_name, request=request)
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _problem(404, "not_found", _("Niet gevonden"), _("Op dit adres is niets te vinden."))
    return _page(request, "404.html", 404)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _problem(
            403,
            "permission_denied",
            _("Niet toegestaan"),
            _("U hebt geen toestemming voor deze handeling."),
        )
    return _page(request, "403.html", 403)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this while the uncaught exception is being handled (``sys.exc_info``)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable(request)
    if _is_api(request):
        return _problem(
            500,
            "server_error",
            _("Interne fout"),
            _("Er ging aan onze kant iets mis; probeer het later opnieuw."),
        )
    try:
        # No request and no context processors: nothing here reads the user or the database.
        body = loader.get_template("500.html").render()
    except Exception:  # the page of last resort must never raise in its turn
        logger.exception("templates/500.html could not be rendered")
        body = LAST_RESORT_PAGE
    return HttpResponse(body, status=500, content_type="text/html; charset=utf-8")
