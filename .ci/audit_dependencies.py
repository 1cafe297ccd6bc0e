"""pip-audit over the installed environment, with an honest verdict (``make audit``).

- FAIL (exit 1): a known vulnerability in an installed package, or pip-audit failed otherwise;
- PASS (exit 0): packages were checked against the vulnerability service and none is known
  vulnerable (packages it could not check are named);
- SKIPPED (exit 0, or 2 with ``AUDIT_REQUIRE_SERVICE=1``): the vulnerability service could not
  be reached, so nothing was checked. That is neither a pass nor a failure, and it says so.

pip-audit's default service is PyPI's per-release JSON API (``/pypi/NAME/VERSION/json``). Behind
a mirror or proxy that does not serve it, pip-audit reports every package as "not found on PyPI"
and still prints "No known vulnerabilities found" with exit 0; here that counts as SKIPPED.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 - runs pip-audit, a fixed command
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

NOT_FOUND = "Dependency not found on PyPI"
EDITABLE = "marked as editable"
NETWORK_SIGNS = (
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "ConnectTimeout",
    "Could not connect",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Connection refused",
)
PASS, SKIP, FAIL = "PASS", "SKIPPED", "FAIL"


@dataclass(frozen=True)
class Verdict:
    status: str
    lines: list[str]


def judge(report: dict | None, returncode: int, stderr: str) -> Verdict:
    """The verdict on one pip-audit run: its JSON report (None if it wrote none), exit code
    and stderr."""
    if report is None:
        last = stderr.strip().splitlines()[-1:] or [f"exit {returncode}"]
        if any(sign in stderr for sign in NETWORK_SIGNS):
            return Verdict(SKIP, ["the vulnerability service could not be reached:", *last])
        return Verdict(FAIL, [f"pip-audit failed (exit {returncode}):", *last])
    deps = report.get("dependencies", [])
    vulnerable = [dep for dep in deps if dep.get("vulns")]
    if vulnerable:
        lines = []
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
                lines.append(
                    f"{dep['name']} {dep.get('version', '')}: {vuln['id']} (fixed in {fixed})"
                )
        return Verdict(FAIL, [f"{len(lines)} known vulnerabilities:", *lines])
    # Editable installs (the project itself) are left out on purpose (--skip-editable).
    skipped = [dep for dep in deps if "skip_reason" in dep and EDITABLE not in dep["skip_reason"]]
    audited = [dep for dep in deps if "skip_reason" not in dep]
    if returncode != 0:
        return Verdict(FAIL, [f"pip-audit failed (exit {returncode}):", *stderr.splitlines()[-3:]])
    if not audited:
        if skipped and all(NOT_FOUND in dep["skip_reason"] for dep in skipped):
            return Verdict(
                SKIP,
                [
                    f"the vulnerability service answered 'not found' for all {len(skipped)} "
                    "packages: its per-release API is not reachable from here, nothing was checked"
                ],
            )
        return Verdict(FAIL, ["pip-audit checked no package at all"])
    lines = [f"{len(audited)} packages checked, no known vulnerabilities"]
    if skipped:
        names = ", ".join(sorted(dep["name"] for dep in skipped))
        lines.append(f"{len(skipped)} could not be checked: {names}")
    return Verdict(PASS, lines)


def run_pip_audit() -> tuple[dict | None, int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pip-audit.json"
        done = subprocess.run(  # noqa: S603  # nosec B603 - a fixed argument list, no shell
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--progress-spinner",
                "off",
                "--skip-editable",  # the project itself (installed with -e) is not on PyPI
                "--desc",
                "off",
                "--format",
                "json",
                "--output",
                str(out),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        report = None
        if out.exists() and out.stat().st_size:
            try:
                report = json.loads(out.read_text())
            except json.JSONDecodeError:
                report = None
        return report, done.returncode, done.stderr


def main() -> int:
    verdict = judge(*run_pip_audit())
    print(f"pip-audit: {verdict.status}" + (" (not a pass)" if verdict.status == SKIP else ""))
    for line in verdict.lines:
        print(f"  {line}")
    if verdict.status == FAIL:
        return 1
    if verdict.status == SKIP and os.environ.get("AUDIT_REQUIRE_SERVICE") == "1":
        print("  AUDIT_REQUIRE_SERVICE=1: a skipped audit fails")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
