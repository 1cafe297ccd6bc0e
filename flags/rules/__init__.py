"""The rulebook (RULES.md): one module per rule, discovered here.

A rule is metadata plus one set-based SQL query that selects, for the date ``%(d)s``, one row
per subject whose condition holds, with the date ``start`` from which its thresholds count.
The query reads the common table ``open_case`` (the open cases being judged, with
``case_id``, ``family_id``, ``opened_on``) that the sweep provides. Adding a rule means adding
a module with a ``RULE``.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import Rule, Thresholds, Unit

RULES: list[Rule] = []
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "base"):
    RULES.append(importlib.import_module(f"{__name__}.{_module}").RULE)
RULES.sort(key=lambda r: r.code)
RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}

__all__ = ["RULES", "RULES_BY_CODE", "Rule", "Thresholds", "Unit"]
