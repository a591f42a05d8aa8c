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


def linked_pages(page: str, tools_page: str) -> dict[str, str]:
    """What a person can reach from the navigation: the main row, "Settings and tools" in the
    header, and the links on that page, as (label, path)."""
    menu = page[page.index('id="navigation"') : page.index("</ul>", page.index('id="navigation"'))]
    header = page[page.index('class="app-header"') : page.index("</header>")]
    tools = tools_page[tools_page.index('id="tools"') : tools_page.index("</dl>", tools_page.index('id="tools"'))]
    links = {}
    for html in (menu, header, tools):
        for href, label in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.DOTALL):
            links[re.sub(r"<[^>]+>", "", label).strip()] = href
    links.pop("Commissioning tracker", None)  # the service name, the dashboard again
    return links


@pytest.mark.parametrize("role", [roles.OFFICER, roles.ADMIN, roles.VIEWER])
def test_the_pages_measured_and_counted_are_every_page_the_navigation_links_to(client, role):
    """``pages_for`` is the list tests/test_navigation_queries.py and bench.web visit (issue 24)."""
    from config.navigation import pages_for

    user = make_user(role=role, is_staff=role == roles.ADMIN)
    client.force_login(user)

    seen = linked_pages(client.get("/").content.decode(), client.get(reverse("tools")).content.decode())

    seen.pop("Admin", None)  # Django's admin: not one of the tracker's pages
    assert pages_for(user) == seen
