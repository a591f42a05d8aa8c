"""pip-audit over the virtual environment built from requirements*.txt (`make audit`).

A known vulnerability in any installed package fails (exit 1). An advisory source that cannot be
reached is reported and does not fail: pip-audit then either stops with a connection error or
marks every package "not found", and prints "No known vulnerabilities found" all the same, which
this script refuses to repeat as if it were a clean result.

    .venv/bin/python .ci/pip_audit.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

UNREACHABLE = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "timed out", "Temporary failure")


def verdict(report: dict | None, returncode: int, stderr: str) -> tuple[int, str]:
    """The exit code and the lines to print, from pip-audit's JSON report (None if it wrote none)."""
    if report is None:
        if any(sign in stderr for sign in UNREACHABLE):
            last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            return 0, f"pip-audit: the advisory source could not be reached; nothing was audited ({last[:300]})"
        return 1, f"pip-audit failed (exit {returncode}):\n{stderr[-3000:]}"
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    unaudited = [d for d in dependencies if d.get("skip_reason")]
    lines = []
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            lines.append(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    if unaudited:
        audited = len(dependencies) - len(unaudited)
        lines.append(
            f"pip-audit: {len(unaudited)} of {len(dependencies)} packages could not be checked (advisory source "
            f"unreachable or package unknown to it), e.g. {unaudited[0]['name']}: {unaudited[0]['skip_reason']}; "
            f"{audited} checked"
        )
    if vulnerable:
        return 1, "\n".join(lines)
    if len(unaudited) < len(dependencies):
        lines.append(f"pip-audit: no known vulnerabilities in {len(dependencies) - len(unaudited)} packages")
    return 0, "\n".join(lines)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        # Audits the environment of the Python running this script: the one `make setup` built.
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(output),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        report = json.loads(output.read_text()) if output.exists() and output.stat().st_size else None
    code, message = verdict(report, result.returncode, result.stderr)
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
