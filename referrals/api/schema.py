"""OpenAPI post-processing: every error is documented as application/problem+json."""

from __future__ import annotations

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Een fout volgens RFC 9457 (application/problem+json).",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string", "description": "Nederlandse titel", "example": "Niet gevonden"},
        "status": {"type": "integer", "example": 404},
        "code": {"type": "string", "description": "Machineleesbare code", "example": "not_found"},
        "detail": {"type": "string"},
        "rule": {
            "type": "string",
            "description": "Bij 422 en 409 door de database: de naam van de geschonden regel",
            "example": "referral_answered_after_sent",
        },
        "invalid_params": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "code": {"type": "string"},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}

COMMON_ERRORS = {
    "400": "Ongeldige invoer",
    "401": "Niet aangemeld: geen of een ongeldige API-sleutel",
    "404": "Niet gevonden (ook: niet aan u gericht)",
    "405": "Methode niet toegestaan",
    "406": "Niet aanvaardbaar",
    "415": "Niet-ondersteund formaat",
    "429": "Te veel verzoeken",
}


def problem_responses(result, generator, request, public):
    """Add the problem schema and document the common errors on every API operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/") or path.startswith(("/api/v1/schema", "/api/v1/docs")):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.startswith("4"):
                    response["content"] = {"application/problem+json": {"schema": ref}}
    return result
