"""Every shared scenario, imported fresh and swept, gives exactly its expected flags."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from flags.models import Flag

pytestmark = pytest.mark.django_db

SCENARIOS = Path(settings.BASE_DIR).parent / "shared" / "scenarios"


def expectations() -> list[tuple[Path, dt.date, Path]]:
    found = []
    for expected in sorted(SCENARIOS.glob("*.expected-*.json")):
        match = re.match(r"(.+)\.expected-(\d{4}-\d{2}-\d{2})\.json$", expected.name)
        found.append((SCENARIOS / f"{match[1]}.json", dt.date.fromisoformat(match[2]), expected))
    return found


def key(flag: dict) -> tuple:
    s = flag["subject"]
    return (flag["rule"], s["type"], s["ref"], flag["severity"], flag["since"], flag["escalated"])


def exported() -> list[dict]:
    out = io.StringIO()
    call_command("export_flags", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("dossier", "as_of", "expected"), expectations(), ids=lambda v: getattr(v, "name", str(v))
)
def test_the_scenario_gives_exactly_its_expected_flags(dossier, as_of, expected):
    call_command("import_dossier", str(dossier), stdout=io.StringIO())
    call_command("sweep", "--as-of", as_of.isoformat(), stdout=io.StringIO())
    got = exported()
    assert sorted(map(key, got)) == sorted(map(key, json.loads(expected.read_text())))
    assert got == sorted(got, key=lambda f: (f["rule"], f["subject"]["type"], f["subject"]["ref"]))

    snapshot = list(Flag.objects.order_by("pk").values())
    call_command("sweep", "--as-of", as_of.isoformat(), stdout=io.StringIO())
    assert list(Flag.objects.order_by("pk").values()) == snapshot


def test_the_scenarios_are_there():
    if not SCENARIOS.is_dir() and not os.environ.get("CI"):
        pytest.skip(f"shared/ is not beside the repository ({SCENARIOS})")
    assert len(expectations()) >= 4, f"no scenarios found under {SCENARIOS}"
