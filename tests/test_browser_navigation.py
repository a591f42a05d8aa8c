"""The navigation at 1280 px, as each of the demo's people sees it (issue 25): the pages used
every day in one row, the person's name, "Settings and tools" and "Sign out" in the header,
and the technical pages one step away under "Settings and tools"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import accessible, sign_in_with_the_keyboard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PEOPLE = {"viewer": "Sam Taylor", "officer": "Priya Shah", "manager": "Joanne Clarke", "admin": "Alex Morgan"}
TECHNICAL = ("API tokens", "Import", "Audit", "Admin", "OCDS", "Two-step", "Calendar", "Sign out", "Settings")

MEASURE = """
() => {
  const list = document.querySelector('#navigation');
  const items = [...list.querySelectorAll(':scope > li')].map(li => li.getBoundingClientRect());
  return {
    list: list.getBoundingClientRect().height,
    item: Math.max(...items.map(r => r.height)),
    tops: [...new Set(items.map(r => Math.round(r.top)))],
    right: Math.max(...items.map(r => r.right)),
    width: document.documentElement.clientWidth,
  };
}
"""


def test_the_navigation_is_one_row_with_the_account_in_the_header_and_technical_pages_under_settings(browser_page):
    # One person after another in one browser (the demo is loaded once), each signing out.
    for username in PEOPLE:
        the_navigation_as(browser_page, username)


def the_navigation_as(page, username: str) -> None:
    sign_in_with_the_keyboard(page, username)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()

    navigation = page.locator("#navigation")
    labels = navigation.get_by_role("link").all_inner_texts()
    assert {"Dashboard", "Contracts", "Timeline", "Reports"} <= set(labels), labels
    assert not [label for label in labels if any(word in label for word in TECHNICAL)], labels
    measured = page.evaluate(MEASURE)
    # One row: the list is as tall as its tallest item, every item starts at the same height.
    assert measured["list"] <= measured["item"] + 1 and len(measured["tops"]) == 1, f"{username}: {measured}"
    assert measured["right"] <= measured["width"], f"{username}: the navigation runs off the page: {measured}"

    header = page.locator("header.app-header")
    expect(header.locator("#signed-in-as")).to_have_text(f"Signed in as {PEOPLE[username]}")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(navigation).not_to_contain_text(PEOPLE[username])
    # The header is one row too: every item shares a band of height with the service's name.
    boxes = page.eval_on_selector_all(
        "header.app-header .app-header__service, header.app-header .app-header__item",
        "items => items.map(i => { const r = i.getBoundingClientRect(); return [r.top, r.bottom]; })",
    )
    assert max(top for top, _ in boxes) < min(bottom for _, bottom in boxes), f"{username}: the header wraps: {boxes}"

    # The technical pages are under "Settings and tools", and each opens.
    header.get_by_role("link", name="Settings and tools").click()
    expect(page.get_by_role("heading", name="Settings and tools", level=1)).to_be_visible()
    accessible(page, f"settings and tools, as the {username}")
    tools = page.locator("#tools").get_by_role("link")
    found = dict(zip(tools.all_inner_texts(), [tools.nth(i).get_attribute("href") for i in range(tools.count())]))
    assert "Your calendar" in found, found
    if username != "viewer":
        assert {"API tokens", "Import notices", "Import contracts"} <= set(found), found
    else:
        assert not any(label.startswith("Import") for label in found), found
    for label, href in found.items():
        response = page.goto(href)
        assert response.status == 200, f"{label} ({href}): {response.status}"
        expect(page.locator("h1").first).to_be_visible()

    page.goto("/")
    page.locator("header.app-header").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    expect(page.locator("#signed-in-as")).to_have_count(0)
