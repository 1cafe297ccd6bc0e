"""What a rule is: metadata, default thresholds and its query."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise

from flags.models import OwnerRole, SubjectType


class Unit(StrEnum):
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"


@dataclass(frozen=True)
class Thresholds:
    """When a condition that holds since ``start`` becomes a warning, a violation, an escalation.

    ``warning``/``violation`` count in the rule's unit from ``start`` (0: at once);
    ``escalate_after`` counts calendar days from the violation's ``since``.
    """

    violation: int
    warning: int | None = None
    escalate_after: int | None = None

    def as_json(self, unit: Unit) -> dict[str, int | str | None]:
        return {
            "unit": str(unit),
            "warning": self.warning,
            "violation": self.violation,
            "escalate_after": self.escalate_after,
        }


@dataclass(frozen=True)
class Rule:
    code: str
    title: Promise | str
    explanation: Promise | str
    subject: SubjectType
    owner: OwnerRole
    unit: Unit
    defaults: Thresholds
    source: str
    sql: str

    def __str__(self) -> str:
        return self.code
