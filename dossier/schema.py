"""The JSON Schemas of the ``casusregie-dossier`` exchange format, versions 1 and 2.

Version 2 is current (export writes it); import reads both (``dossier.versions`` reads a
version-1 document as version 2). The published copies are ``docs/dossier.schema.json``
(version 2) and ``docs/dossier-v1.schema.json``; a test keeps them equal to :data:`SCHEMAS`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analyses.models import AnalysisDomain, AnalysisStatus
from casusregie.models import EducationStatus, InvolvedRole, Role
from plans.models import PerspectiveKind, PerspectiveStatus
from referrals.lifecycle import Status
from referrals.models import SEGMENT_CODE_PATTERN, Referrer

DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}
OPT_DATE = {"anyOf": [DATE, {"type": "null"}]}
TEXT = {"type": "string"}
OPT_TEXT = {"type": ["string", "null"]}
REF = {"type": "string", "minLength": 1, "maxLength": 64}
REFS = {"type": "array", "items": REF}
OPT_BOOL = {"type": ["boolean", "null"]}
SEGMENT_CODE = {"type": "string", "pattern": SEGMENT_CODE_PATTERN, "maxLength": 64}
# Version 1's fixed list of purchasing segments.
V1_SEGMENTS = [
    "ambulant",
    "dagbehandeling",
    "verblijf",
    "pleegzorg",
    "crisis",
    "onderwijs",
    "veiligheid",
]
CURRENT_VERSION = 2


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
_REFERRAL_REQUIRED = {
    "ref": REF,
    "youth": REF,
    "product": REF,
    "provider": REF,
    "status": _enum(Status.values),
}
_REFERRAL_OPTIONAL = {
    "sent_on": OPT_DATE,
    "answered_on": OPT_DATE,
    "decline_reason": OPT_TEXT,
    "started_on": OPT_DATE,
    "ended_on": OPT_DATE,
    "end_reason": OPT_TEXT,
}
REFERRAL_V1 = _obj(_REFERRAL_REQUIRED, _REFERRAL_OPTIONAL)
BRIDGING = _obj(
    {"from": DATE, "description": {"type": "string", "minLength": 1, "maxLength": 500}},
    {"by": {"type": ["string", "null"], "maxLength": 200}},
)
REFERRAL_V2 = _obj(
    _REFERRAL_REQUIRED,
    _REFERRAL_OPTIONAL
    | {
        "expired_on": OPT_DATE,
        "bridging": {"anyOf": [BRIDGING, {"type": "null"}]},
        # An extension of the published format: who referred (iJw verwijzer); absent: gemeente.
        "referrer": {"anyOf": [_enum(Referrer.values), {"type": "null"}]},
    },
)
ESCALATION = _obj({"ref": REF, "submitted_on": DATE, "reason": TEXT}, {"discussed_on": OPT_DATE})


# An extension of the published format: the people around the family (a case's involved
# professionals; ``holds_regie``: regie bij de GI). Absent: the case's are left as they are.
INVOLVED = _obj(
    {
        "role": _enum(InvolvedRole.values),
        "organisation": {"type": "string", "minLength": 1, "maxLength": 200},
        "from": DATE,
    },
    {
        "until": OPT_DATE,
        "contact_name": {"type": ["string", "null"], "maxLength": 200},
        "phone": {"type": ["string", "null"], "maxLength": 32},
        "email": {"type": ["string", "null"], "maxLength": 254},
        "holds_regie": OPT_BOOL,
    },
)


def _case(referral: dict[str, Any]) -> dict[str, Any]:
    return _obj(
        {"ref": REF, "opened_on": DATE, "local_team": REF},
        {
            "closed_on": OPT_DATE,
            "regisseurs": _list(_obj({"worker": REF, "from": DATE}, {"until": OPT_DATE})),
            "analysis": {"anyOf": [ANALYSIS, {"type": "null"}]},
            "plan": {"anyOf": [PLAN, {"type": "null"}]},
            "perspective_plans": _list(PERSPECTIVE_PLAN),
            "referrals": _list(referral),
            "escalations": _list(ESCALATION),
        }
        | ({"involved": _list(INVOLVED)} if referral is REFERRAL_V2 else {}),
    )


def _family(referral: dict[str, Any]) -> dict[str, Any]:
    return _obj(
        {"ref": REF, "municipality": REF},
        {"carers": _list(CARER), "youths": _list(YOUTH), "cases": _list(_case(referral))},
    )


PRODUCT_V1 = _obj(
    {
        "code": REF,
        "name": TEXT,
        "segment": _enum(V1_SEGMENTS),
        "specialist": {"type": "boolean"},
    },
    {"ijw_category": OPT_TEXT},
)
PRODUCT_V2 = _obj(
    {"code": REF, "name": TEXT, "segment": SEGMENT_CODE, "specialist": {"type": "boolean"}},
    {"out_of_home": OPT_BOOL, "crisis": OPT_BOOL, "ijw_category": OPT_TEXT},
)
SEGMENT = _obj(
    {"code": SEGMENT_CODE, "name": {"type": "string", "minLength": 1, "maxLength": 200}},
    {"region": {"anyOf": [REF, {"type": "null"}]}},
)


def _schema(version: int) -> dict[str, Any]:
    v2 = version == 2
    reference: dict[str, Any] = {
        "regions": _list(_obj({"code": REF, "name": TEXT})),
        **({"segments": _list(SEGMENT)} if v2 else {}),
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
        "products": _list(PRODUCT_V2 if v2 else PRODUCT_V1),
        "contracts": _list(
            _obj(
                {"provider": REF, "product": REF, "municipalities": REFS, "valid_from": DATE},
                {"valid_until": OPT_DATE},
            )
        ),
        "families": _list(_family(REFERRAL_V2 if v2 else REFERRAL_V1)),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://casusregie.example.org/schemas/casusregie-dossier-{version}.json",
        "title": f"casusregie-dossier, version {version}",
        "description": "A region's reference data and families with their GARP case history.",
        **_obj(
            {"format": {"const": "casusregie-dossier"}, "version": {"const": version}},
            reference,
        ),
    }


SCHEMAS: dict[int, dict[str, Any]] = {1: _schema(1), 2: _schema(2)}
SCHEMA = SCHEMAS[CURRENT_VERSION]

DOCS = Path(__file__).resolve().parents[1] / "docs"
PUBLISHED_PATHS = {1: DOCS / "dossier-v1.schema.json", 2: DOCS / "dossier.schema.json"}
PUBLISHED_PATH = PUBLISHED_PATHS[CURRENT_VERSION]


def schema_json(version: int = CURRENT_VERSION) -> str:
    return json.dumps(SCHEMAS[version], indent=2, ensure_ascii=False) + "\n"
