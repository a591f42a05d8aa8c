"""CI's dependency audit (.ci/pip_audit.py): a known vulnerability fails, an unreachable advisory
source is reported and does not."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "pip_audit_ci", Path(__file__).resolve().parent.parent / ".ci" / "pip_audit.py"
)
pip_audit_ci = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pip_audit_ci)
verdict = pip_audit_ci.verdict


def test_a_known_vulnerability_fails_ci_naming_the_package_and_the_fixed_release():
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"]}]},
            {"name": "celery", "version": "5.5.3", "vulns": []},
        ]
    }

    code, message = verdict(report, 1, "")

    assert code == 1
    assert "VULNERABLE django 5.2.0: PYSEC-2025-1 (fixed in 5.2.1)" in message


def test_an_advisory_source_that_cannot_be_reached_is_reported_not_failed():
    stderr = (
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): Max retries exceeded"
    )

    code, message = verdict(None, 1, stderr)

    assert code == 0
    assert "could not be reached; nothing was audited" in message


def test_packages_the_source_could_not_check_are_counted_rather_than_called_clean():
    report = {
        "dependencies": [
            {
                "name": "django",
                "version": "5.2.19",
                "skip_reason": "Dependency not found on PyPI and could not be audited",
            },
            {
                "name": "celery",
                "version": "5.5.3",
                "skip_reason": "Dependency not found on PyPI and could not be audited",
            },
        ]
    }

    code, message = verdict(report, 0, "")

    assert code == 0
    assert "2 of 2 packages could not be checked" in message and "no known vulnerabilities" not in message


def test_a_clean_audit_passes_and_says_how_many_packages_it_checked():
    code, message = verdict({"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]}, 0, "")

    assert (code, message) == (0, "pip-audit: no known vulnerabilities in 1 packages")


def test_pip_audit_failing_for_another_reason_fails_ci():
    code, message = verdict(None, 2, "error: unrecognized arguments: --bogus")

    assert code == 1 and "unrecognized arguments" in message
