"""The README's screenshots of the demo data, taken in one pass (docs/screenshots/README.md).

Run alone with SCREENSHOTS_DIR=docs/screenshots to refresh the committed pictures:

    SCREENSHOTS_DIR=docs/screenshots CI=true .venv/bin/python -m pytest -p no:cacheprovider tests/screenshots.py

Without it the pictures go to test-results/screenshots/docs/ and nothing under docs/ changes.
Not part of the suite (pytest.ini collects test_*.py; a file named on the command line is
collected whatever its name): the pages it photographs are checked by the browser tests. Each page must answer 200 and show its heading before it is photographed.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from contracts.models import Contract
from reports import services as report_services
from reports.models import DecisionReport
from tests.browser import ROOT, SCREENSHOTS, sign_in_with_the_keyboard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

WIDE, NARROW = 1280, 320
User = get_user_model()


def folder() -> Path:
    chosen = os.environ.get("SCREENSHOTS_DIR")
    path = (ROOT / chosen) if chosen else SCREENSHOTS / "docs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def png_width(path: Path) -> int:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">I", header[16:20])[0]


def photograph(page, url: str, heading: str, name: str, width: int) -> Path:
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    expect(page.get_by_role("heading", name=heading, level=1).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    path = folder() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    assert png_width(path) == width, f"{name}: {png_width(path)} px wide, not {width}"
    return path


@pytest.fixture
def person(chromium, live_server, demo):
    """A fresh browser context at a given width, signed in as one of the demo's people."""
    contexts = []

    def open_as(username: str, width: int):
        context = chromium.new_context(
            viewport={"width": width, "height": 900},
            base_url=live_server.url,
            device_scale_factor=1,
            bypass_csp=True,  # signing in checks the page with axe-core, added as a script
        )
        contexts.append(context)
        page = context.new_page()
        sign_in_with_the_keyboard(page, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_the_readmes_screenshots(person):
    contract = Contract.objects.get(reference="MK-DASS-2027")
    report = DecisionReport.objects.get(contract__reference="ASC0013")
    taken = []

    officer = person("officer", WIDE)
    taken.append(photograph(officer, "/", "Dashboard", "dashboard", WIDE))
    taken.append(photograph(officer, "/contracts/?status=planned", "Contract register", "register", WIDE))
    taken.append(photograph(officer, contract.get_absolute_url(), contract.title, "contract", WIDE))
    taken.append(photograph(officer, "/timeline/", "Timeline", "timeline", WIDE))

    small = person("officer", NARROW)
    taken.append(photograph(small, "/", "Dashboard", "dashboard-320", NARROW))
    taken.append(photograph(small, contract.get_absolute_url(), contract.title, "contract-320", NARROW))
    taken.append(photograph(small, "/timeline/", "Timeline", "timeline-320", NARROW))

    # The demo's report waits for the manager's approval; sent back, it is a draft again.
    manager = person("manager", WIDE)
    taken.append(photograph(manager, report.get_absolute_url(), report.title, "report-preview", WIDE))
    report_services.report_return_to_draft(
        report=report, officer=User.objects.get(username="manager"), reason="The figures for 2016 to add"
    )
    taken.append(photograph(manager, report.get_absolute_url(), report.title, "report-draft", WIDE))

    assert len({path.name for path in taken}) == 9
