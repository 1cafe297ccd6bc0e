"""When PostgreSQL cannot be reached: 503 with Retry-After at once, never a 500 or a hang.

The project's ``handler500`` (``config.error_pages.server_error``), which Django calls for every
uncaught exception (in a view or in a middleware) while that exception is being handled, hands a
lost or refused database connection (``OperationalError``, ``InterfaceError``) to
``database_unavailable``: 503 Service Unavailable — ``application/problem+json`` under
``/api/``, a short Dutch page elsewhere — and the next request reconnects by itself
(``CONN_HEALTH_CHECKS``), so nothing needs a restart. Any other error stays a 500. Checked under
load by ``make fault-postgres-restart``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Tijdelijk niet beschikbaar</title></head>
<body><main><h1>Tijdelijk niet beschikbaar</h1>
<p>Casusregie kan de gegevens even niet bereiken. Probeer het over enkele seconden opnieuw;
er is niets verloren gegaan.</p></main></body></html>
"""


def database_unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "type": "https://casusregie.example.org/problemen/database_unavailable",
                "title": "Tijdelijk niet beschikbaar",
                "status": 503,
                "code": "database_unavailable",
                "detail": "De database is even niet bereikbaar; probeer het over enkele "
                "seconden opnieuw (met dezelfde Idempotency-Key).",
            },
            status=503,
            content_type="application/problem+json",
        )
    else:
        response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
