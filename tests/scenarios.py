"""The shared scenarios (``settings.SCENARIOS_DIR``, by default ``../shared/scenarios``).

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


def folder() -> Path:
    return Path(settings.SCENARIOS_DIR)


def dossiers() -> list[Path]:
    """The dossiers: ``NAME.json`` in the folder's top level."""
    return sorted(p for p in folder().glob("*.json") if not EXPECTED.match(p.name))


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
    where = folder()
    hint = "(put the shared folder beside the repository, or set SCENARIOS_DIR)"
    if not where.is_dir():
        return f"the shared scenarios folder {where} does not exist {hint}"
    if not dossiers() or not expectations():
        return (
            f"the shared scenarios folder {where} holds no scenarios "
            f"(NAME.json with NAME.expected-YYYY-MM-DD.json) {hint}"
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
