"""The dashboard's topics: one module per subject, each with its measures and statements.

Each module's docstring defines its figures; docs/dashboard.md repeats them for readers.
"""

from __future__ import annotations

from . import care, outcomes, referrals, table, waiting, youth
from .base import Kind, Measure, Topic

TOPICS: list[Topic] = [
    care.TOPIC,
    waiting.TOPIC,
    referrals.TOPIC,
    youth.TOPIC,
    table.TOPIC,
    outcomes.TOPIC,
]
MEASURES: dict[str, Measure] = {m.code: m for t in TOPICS for m in t.measures}

__all__ = ["MEASURES", "TOPICS", "Kind", "Measure", "Topic"]
