"""Errors as ``application/problem+json`` (RFC 9457): Dutch title, machine code, fields."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from referrals.services import ReferralRefused

PROBLEM = "application/problem+json"

TITLES = {
    400: "Ongeldige invoer",
    401: "Niet aangemeld",
    403: "Niet toegestaan",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Niet aanvaardbaar",
    409: "Conflict met de huidige toestand",
    412: "Versie klopt niet meer",
    415: "Niet-ondersteund formaat",
    422: "Regel van de gegevens geschonden",
    428: "Versie vereist",
    429: "Te veel verzoeken",
}


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = "Stuur de kop If-Match met de versie (ETag) die u het laatst hebt opgehaald."


def problem(status_code: int, code: str, detail: str, invalid_params=None, **extra) -> Response:
    body = {
        "type": f"https://casusregie.example.org/problemen/{code}",
        "title": _(TITLES.get(status_code, "Fout")),
        "status": status_code,
        "code": code,
        "detail": detail,
    }
    if invalid_params:
        body["invalid_params"] = invalid_params
    body.update(extra)
    return Response(body, status=status_code, content_type=PROBLEM)


def _flatten(detail, prefix: str = "") -> list[dict]:
    params = []
    if isinstance(detail, dict):
        for name, value in detail.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            params.extend(_flatten(value, key))
    elif isinstance(detail, list):
        if detail and all(not isinstance(v, dict | list) for v in detail):
            params.append(
                {
                    "name": prefix or "non_field_errors",
                    "code": getattr(detail[0], "code", "invalid"),
                    "reason": " ".join(str(v) for v in detail),
                }
            )
        else:
            for i, value in enumerate(detail):
                params.extend(_flatten(value, f"{prefix}[{i}]"))
    else:
        params.append(
            {
                "name": prefix or "non_field_errors",
                "code": getattr(detail, "code", "invalid"),
                "reason": str(detail),
            }
        )
    return params


# PostgreSQL's SQLSTATEs of an integrity error (class 23): a check refuses the data (422),
# anything else (unique, exclusion, foreign key) collided with a concurrent change (409).
CHECK_VIOLATION = "23514"


def _constraint_message(name: str) -> str:
    """The model's own (Dutch) message for a database constraint, found by its name."""
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return str(constraint.get_violation_error_message())
    return ""


def integrity_problem(exc: IntegrityError) -> Response:
    """A change the database refused: 422 naming the rule for a check, 409 for a collision.
    Never 500: the data or a race is the cause, not the server."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    rule = getattr(getattr(cause, "diag", None), "constraint_name", None) or ""
    if sqlstate == CHECK_VIOLATION:
        detail = _constraint_message(rule) or _("De gegevens voldoen niet aan een regel.")
        return problem(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            "rule_violated",
            _("De wijziging is geweigerd: %(rule)s") % {"rule": detail},
            rule=rule,
        )
    return problem(
        status.HTTP_409_CONFLICT,
        "conflict",
        _(
            "De wijziging botst met een gelijktijdige wijziging. Haal de verwijzing opnieuw op "
            "en probeer het nog eens."
        ),
        rule=rule,
    )


def handle_exception(exc, context) -> Response | None:
    if isinstance(exc, IntegrityError):
        return integrity_problem(exc)
    if isinstance(exc, ReferralRefused):
        params = (
            [{"name": exc.field, "code": exc.code, "reason": exc.message}] if exc.field else None
        )
        return problem(exc.status, exc.code, exc.message, params)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            status.HTTP_400_BAD_REQUEST,
            "invalid",
            _("De invoer klopt niet; zie invalid_params."),
            _flatten(exc.detail),
        )
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
    result = problem(response.status_code, code, detail)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
