"""Every shared scenario, imported fresh and swept, gives exactly its expected flags."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from flags.models import Flag
from tests import scenarios

pytestmark = [pytest.mark.django_db, pytest.mark.scenarios]


def key(flag: dict) -> tuple:
    s = flag["subject"]
    return (flag["rule"], s["type"], s["ref"], flag["severity"], flag["since"], flag["escalated"])


def exported() -> list[dict]:
    out = io.StringIO()
    call_command("export_flags", stdout=out)
    return json.loads(out.getvalue())


@scenarios.parametrize("dossier, as_of, expected", scenarios.expectations())
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
    assert len(scenarios.expectations()) >= 4, f"too few scenarios in {scenarios.folder()}"
