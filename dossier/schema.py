"""The JSON Schema of the ``casusregie-dossier`` exchange format, version 1.

The published copy is ``docs/dossier.schema.json``; a test keeps it equal to :data:`SCHEMA`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analyses.models import AnalysisDomain, AnalysisStatus
from casusregie.models import EducationStatus, Role
from plans.models import PerspectiveKind, PerspectiveStatus
from referrals.lifecycle import Status
from referrals.models import Segment

DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}
OPT_DATE = {"anyOf": [DATE, {"type": "null"}]}
TEXT = {"type": "string"}
OPT_TEXT = {"type": ["string", "null"]}
REF = {"type": "string", "minLength": 1, "maxLength": 64}
REFS = {"type": "array", "items": REF}


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    props = dict(required)
    props.update(optional or {})
    return {
        "type": "object",
        "required": list(required),
        "properties": props,
        "additionalProperties": False,
    }


def _enum(values: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


EDUCATION = _obj({"status": _enum(EducationStatus.values), "from": DATE}, {"school": OPT_TEXT})
CARER = _obj({"ref": REF, "name": TEXT}, {"bsn": OPT_TEXT, "birth_date": OPT_DATE})
YOUTH = _obj(
    {"ref": REF, "name": TEXT, "birth_date": DATE},
    {
        "bsn": OPT_TEXT,
        "has_startkwalificatie": {"type": "boolean"},
        "education": _list(EDUCATION),
    },
)
ANALYSIS = _obj(
    {"status": _enum(AnalysisStatus.values)},
    {
        "established_on": OPT_DATE,
        "participants": _list(TEXT),
        "domains": {
            "anyOf": [
                {
                    "type": "object",
                    "propertyNames": _enum(AnalysisDomain.values),
                    "additionalProperties": TEXT,
                },
                {"type": "null"},
            ]
        },
        "explanations": {"anyOf": [_list(TEXT), {"type": "null"}]},
        "strengths": {"anyOf": [_list(TEXT), {"type": "null"}]},
    },
)
PLAN = _obj(
    {},
    {
        "agreed_on": OPT_DATE,
        "evaluations": _list(_obj({"planned_on": DATE}, {"held_on": OPT_DATE})),
    },
)
PERSPECTIVE_PLAN = _obj(
    {
        "youth": REF,
        "kind": _enum(PerspectiveKind.values),
        "status": _enum(PerspectiveStatus.values),
        "started_on": DATE,
    }
)
REFERRAL = _obj(
    {"ref": REF, "youth": REF, "product": REF, "provider": REF, "status": _enum(Status.values)},
    {
        "sent_on": OPT_DATE,
        "answered_on": OPT_DATE,
        "decline_reason": OPT_TEXT,
        "started_on": OPT_DATE,
        "ended_on": OPT_DATE,
        "end_reason": OPT_TEXT,
    },
)
ESCALATION = _obj({"ref": REF, "submitted_on": DATE, "reason": TEXT}, {"discussed_on": OPT_DATE})
CASE = _obj(
    {"ref": REF, "opened_on": DATE, "local_team": REF},
    {
        "closed_on": OPT_DATE,
        "regisseurs": _list(_obj({"worker": REF, "from": DATE}, {"until": OPT_DATE})),
        "analysis": {"anyOf": [ANALYSIS, {"type": "null"}]},
        "plan": {"anyOf": [PLAN, {"type": "null"}]},
        "perspective_plans": _list(PERSPECTIVE_PLAN),
        "referrals": _list(REFERRAL),
        "escalations": _list(ESCALATION),
    },
)
FAMILY = _obj(
    {"ref": REF, "municipality": REF},
    {"carers": _list(CARER), "youths": _list(YOUTH), "cases": _list(CASE)},
)

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://casusregie.example.org/schemas/casusregie-dossier-1.json",
    "title": "casusregie-dossier, version 1",
    "description": "A region's reference data and families with their GARP case history.",
    **_obj(
        {"format": {"const": "casusregie-dossier"}, "version": {"const": 1}},
        {
            "regions": _list(_obj({"code": REF, "name": TEXT})),
            "municipalities": _list(
                _obj(
                    {
                        "code": {"type": "string", "pattern": r"^GM\d{4}$"},
                        "name": TEXT,
                        "region": REF,
                    }
                )
            ),
            "local_teams": _list(_obj({"ref": REF, "name": TEXT, "municipalities": REFS})),
            "workers": _list(
                _obj(
                    {"ref": REF, "name": TEXT},
                    {
                        "email": OPT_TEXT,
                        "local_team": {"anyOf": [REF, {"type": "null"}]},
                        "roles": _list(_enum(Role.values)),
                    },
                )
            ),
            "providers": _list(_obj({"ref": REF, "name": TEXT}, {"agb_code": OPT_TEXT})),
            "products": _list(
                _obj(
                    {
                        "code": REF,
                        "name": TEXT,
                        "segment": _enum(Segment.values),
                        "specialist": {"type": "boolean"},
                    },
                    {"ijw_category": OPT_TEXT},
                )
            ),
            "contracts": _list(
                _obj(
                    {"provider": REF, "product": REF, "municipalities": REFS, "valid_from": DATE},
                    {"valid_until": OPT_DATE},
                )
            ),
            "families": _list(FAMILY),
        },
    ),
}

PUBLISHED_PATH = Path(__file__).resolve().parents[1] / "docs" / "dossier.schema.json"


def schema_json() -> str:
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"
