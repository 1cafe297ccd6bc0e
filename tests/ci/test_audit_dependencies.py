"""``make audit``'s verdict on pip-audit: findings fail, an unreachable service is a skip."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit_dependencies.py"
spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = audit  # dataclasses look their module up
spec.loader.exec_module(audit)


def not_found(name: str) -> dict:
    return {
        "name": name,
        "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} (1.0)",
    }


def test_a_known_vulnerability_fails_even_if_other_packages_were_skipped():
    report = {
        "dependencies": [
            {
                "name": "django",
                "version": "5.2.1",
                "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"]}],
            },
            not_found("private-thing"),
        ]
    }
    verdict = audit.judge(report, 1, "")
    assert verdict.status == audit.FAIL
    assert "django 5.2.1: PYSEC-2025-1 (fixed in 5.2.2)" in verdict.lines


def test_every_package_not_found_means_the_service_is_unreachable():
    editable = {"name": "casusregie", "skip_reason": "distribution marked as editable"}
    report = {"dependencies": [not_found("django"), not_found("celery"), editable]}
    verdict = audit.judge(report, 0, "")
    assert verdict.status == audit.SKIP
    assert "nothing was checked" in verdict.lines[0]


def test_no_network_is_a_skip():
    stderr = "requests.exceptions.ConnectionError: ... (Caused by NameResolutionError(...))"
    assert audit.judge(None, 1, stderr).status == audit.SKIP


def test_another_crash_fails():
    assert audit.judge(None, 1, "ValueError: bad requirement").status == audit.FAIL


def test_checked_packages_without_findings_pass_and_name_the_unchecked():
    report = {
        "dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}, not_found("x")]
    }
    verdict = audit.judge(report, 0, "")
    assert verdict.status == audit.PASS
    assert verdict.lines == [
        "1 packages checked, no known vulnerabilities",
        "1 could not be checked: x",
    ]


@pytest.mark.parametrize(("require", "code"), [("", 0), ("1", 2)])
def test_a_skip_exits_0_unless_the_service_is_required(monkeypatch, capsys, require, code):
    monkeypatch.setenv("AUDIT_REQUIRE_SERVICE", require)
    monkeypatch.setattr(audit, "run_pip_audit", lambda: ({"dependencies": [not_found("a")]}, 0, ""))
    assert audit.main() == code
    assert "pip-audit: SKIPPED (not a pass)" in capsys.readouterr().out
