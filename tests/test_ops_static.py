"""Production serves static files from collectstatic's output (whitenoise, hashed names)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parent.parent


def test_collectstatic_succeeds_with_the_production_storage_and_keeps_govuk_fonts(tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tracker.example.gov.uk",
        "DJANGO_VAR_DIR": str(tmp_path),
        "DJANGO_DEBUG": "false",
    }
    env.pop("CI", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    collected = tmp_path / "staticfiles"
    assert (collected / "staticfiles.json").exists()  # the manifest of hashed names
    css = next((collected / "govuk").glob("govuk-frontend.min.*.css"))
    assert "url(assets/fonts/" in css.read_text() or "assets/fonts/" in css.read_text()
    assert list((collected / "govuk" / "assets" / "fonts").glob("*.woff2"))
