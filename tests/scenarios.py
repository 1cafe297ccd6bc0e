"""The shared scenarios (``settings.SCENARIOS_DIR``, by default ``../shared/scenarios``).

The scenario tests read ``v2/`` (format and rulebook version 2); the version-1 files at the
folder's top level are import examples of the old format only (``v1_dossiers``).

A test that reads them carries the ``scenarios`` mark; when the folder is missing or holds no
scenarios, every such test fails at once, naming the folder (``tests/conftest.py``), with or
without ``CI`` set. ``parametrize`` never yields an empty parameter set (which pytest would
skip): with nothing found it yields one placeholder case, which then fails the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import settings

EXPECTED = re.compile(r"(.+)\.expected-(\d{4}-\d{2}-\d{2})\.json$")
NOTHING_FOUND = "no-scenarios"
Test = TypeVar("Test", bound=Callable[..., Any])


def root() -> Path:
    return Path(settings.SCENARIOS_DIR)


def folder() -> Path:
    """The scenarios of the rulebook and format this product speaks: version 2."""
    return root() / "v2"


def _dossiers_in(where: Path) -> list[Path]:
    return sorted(p for p in where.glob("*.json") if not EXPECTED.match(p.name))


def dossiers() -> list[Path]:
    """The version-2 dossiers: ``NAME.json`` in ``v2/``."""
    return _dossiers_in(folder())


def v1_dossiers() -> list[Path]:
    """The version-1 dossiers at the top level: examples of the old format, to import."""
    return _dossiers_in(root())


def expectations() -> list[tuple[Path, dt.date, Path]]:
    """``(dossier, as_of, expected flags)`` of every ``NAME.expected-D.json``."""
    found = []
    for expected in sorted(folder().glob("*.expected-*.json")):
        match = EXPECTED.match(expected.name)
        if match:
            dossier = expected.with_name(f"{match[1]}.json")
            found.append((dossier, dt.date.fromisoformat(match[2]), expected))
    return found


def problem() -> str | None:
    """Why the scenario tests cannot run, or None."""
    where = root()
    hint = "(put the shared folder beside the repository, or set SCENARIOS_DIR)"
    if not where.is_dir():
        return f"the shared scenarios folder {where} does not exist {hint}"
    if not dossiers() or not expectations() or not v1_dossiers():
        return (
            f"the shared scenarios folder {where} holds no scenarios (v2/NAME.json with "
            f"v2/NAME.expected-YYYY-MM-DD.json, and version-1 NAME.json at the top) {hint}"
        )
    return None


def fail_if_missing() -> None:
    if reason := problem():
        pytest.fail(reason, pytrace=False)


def parametrize(argnames: str, found: list[Any]) -> Callable[[Test], Test]:
    """``pytest.mark.parametrize(argnames, found)`` and the ``scenarios`` mark, ids by file name;
    with nothing found, one placeholder case (which the mark fails), never none."""
    width = len([name for name in argnames.split(",") if name.strip()])
    cases = found or [pytest.param(*[None] * width, id=NOTHING_FOUND)]

    def mark(test: Test) -> Test:
        test = pytest.mark.parametrize(argnames, cases, ids=case_id)(test)
        return pytest.mark.scenarios(test)

    return mark


def case_id(value: object) -> str:
    return getattr(value, "name", str(value))
