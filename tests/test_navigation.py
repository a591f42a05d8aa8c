"""The navigation (issue 25): the pages used every day in one row; settings, imports and the
technical pages under "Settings and tools" in the header, beside the person's name and
"Sign out"; signing out says so."""

import re

import pytest
from django.urls import reverse

from contracts import roles
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DAILY = ["Dashboard", "Contracts", "Organisations", "Cycles", "Timeline", "Reminders", "Notices", "Reports"]


def navigation_labels(page: str) -> list[str]:
    menu = page[page.index('id="navigation"') : page.index("</ul>", page.index('id="navigation"'))]
    return [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"<a [^>]*>(.*?)</a>", menu, re.DOTALL)]


def test_the_main_navigation_holds_only_the_pages_used_every_day(client):
    client.force_login(make_user(role=roles.MANAGER, first_name="Olivia", last_name="Okafor", is_staff=True))

    page = client.get(reverse("contracts:register")).content.decode()

    assert navigation_labels(page) == DAILY
    header = page[page.index('class="app-header"') : page.index("</header>")]
    assert "Olivia Okafor" in header and "Sign out" in header and "Settings and tools" in header
    for technical in ("API tokens", "Import", "Audit", "OCDS", "Two-step", "Admin", "Sign out"):
        assert not any(technical in label for label in navigation_labels(page)), technical


def test_settings_and_tools_lists_the_technical_pages_a_person_may_open(client):
    client.force_login(make_user(role=roles.OFFICER))

    page = client.get(reverse("tools")).content.decode()

    for label in ("Your calendar", "API tokens", "Import contracts", "Import notices", "Market watch"):
        assert f">{label}</a>" in page, label
    assert ">Audit</a>" not in page and ">Admin</a>" not in page


def test_a_viewer_is_not_offered_the_imports(client):
    client.force_login(make_user(role=roles.VIEWER))

    page = client.get(reverse("tools")).content.decode()

    assert "Import contracts" not in page and "Import notices" not in page
    assert ">Your calendar</a>" in page


def test_signing_out_says_so_on_the_sign_in_page(client):
    client.force_login(make_user(role=roles.OFFICER))

    landed = client.post(reverse("logout"), follow=True)

    page = landed.content.decode()
    assert '<h1 class="govuk-heading-l">Sign in</h1>' in page
    assert "You have signed out" in page
    assert client.get(reverse("contracts:register")).status_code == 302
