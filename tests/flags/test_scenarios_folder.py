"""Without the shared scenarios the scenario tests fail, naming the folder; they never vanish.

Each case runs the scenario tests (``-m scenarios``) in a child pytest with ``SCENARIOS_DIR``
pointing at a folder that is missing or empty, with and without ``CI`` set.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests import scenarios

SCENARIO_TESTS = ["tests/flags", "tests/dossier", "tests/bench"]


def run_scenario_tests(folder: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "CI"}
    env["SCENARIOS_DIR"] = str(folder)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        # -rN: no short summary, so that each error's message is printed once, in its section
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "scenarios",
            "-p",
            "no:xdist",
            "-rN",
            *SCENARIO_TESTS,
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("state", "ci", "says"),
    [
        ("missing", None, "does not exist"),
        ("missing", "true", "does not exist"),
        ("empty", "true", "holds no scenarios"),
    ],
)
def test_every_scenario_test_fails_naming_the_folder(tmp_path, state, ci, says):
    folder = tmp_path / "scenarios"
    if state == "empty":
        folder.mkdir()
        (folder / "README.md").write_text("no scenarios here\n")
    result = run_scenario_tests(folder, ci)
    out = result.stdout
    summary = out.strip().splitlines()[-1]
    errors = re.search(r"(\d+) errors? in", summary)
    assert result.returncode == 1, out[-3000:] + result.stderr[-3000:]
    assert errors, summary
    assert not re.search(r"\d+ (passed|skipped|failed|xfailed)", summary), summary
    # The three parametrized scenario tests, the count check and the edge-case tests: all there.
    assert int(errors[1]) >= 10, summary
    assert out.count("ERROR at setup of ") == int(errors[1]), out
    assert out.count(f"the shared scenarios folder {folder} {says}") == int(errors[1]), out


def test_the_folder_is_a_problem_when_missing_or_without_scenarios(settings, tmp_path):
    settings.SCENARIOS_DIR = tmp_path / "nowhere"
    assert f"{tmp_path / 'nowhere'} does not exist" in scenarios.problem()
    settings.SCENARIOS_DIR = tmp_path
    (tmp_path / "edge-cases.json").write_text("{}")
    (tmp_path / "edge-cases.expected-2026-12-31.json").write_text("[]")
    assert f"{tmp_path} holds no scenarios" in scenarios.problem()  # version 1 only
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "edge-cases.json").write_text("{}")
    assert f"{tmp_path} holds no scenarios" in scenarios.problem()  # a dossier, no expectation
    (v2 / "edge-cases.expected-2026-12-31.json").write_text("[]")
    assert scenarios.problem() is None
    assert scenarios.expectations() == [
        (v2 / "edge-cases.json", dt.date(2026, 12, 31), v2 / "edge-cases.expected-2026-12-31.json")
    ]
    assert scenarios.v1_dossiers() == [tmp_path / "edge-cases.json"]
    (tmp_path / "edge-cases.json").unlink()
    assert f"{tmp_path} holds no scenarios" in scenarios.problem()  # no version-1 example
