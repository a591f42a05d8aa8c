"""A web process keeps what it loaded at start-up out of the garbage collector's full passes.

Issue 24: an admin's dashboard took about 80 ms of CPU, but one request in twenty also paid for
a full collection walking every object Django, the apps and the URL configuration had loaded
(about 150 ms), which was the page's p95. ``config/wsgi.py`` freezes them once loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run as a web server runs it: a fresh interpreter importing the WSGI module.
PROBE = """
import gc, sys
import config.wsgi
print(gc.get_freeze_count(), "config.urls" in sys.modules, len(gc.get_objects()))
"""


def test_a_web_process_freezes_what_it_loaded_with_the_url_configuration_before_serving():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    output = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    frozen, urls_loaded, still_collected = int(output[0]), output[1] == "True", int(output[2])

    assert urls_loaded
    # Tens of thousands of objects at start-up, nearly all of them frozen.
    assert frozen > 50_000
    assert still_collected < frozen / 10
