"""An officer creates an API token in the browser, a script uses it, and the officer revokes it.

Every page on the way is checked with axe-core, as in the other browser journeys.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from contracts.models import Contract
from tests.browser import accessible, sign_in_with_the_keyboard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def api_get(live_server, path: str, key: str) -> tuple[int, dict]:
    """What a script outside the browser gets: no cookies, only the key."""
    request = urllib.request.Request(f"{live_server.url}{path}", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_officer_creates_a_token_a_script_reads_with_it_and_the_officer_revokes_it(browser_page, live_server):
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")

    page.get_by_role("link", name="Settings and tools").click()
    page.get_by_role("link", name="API tokens", exact=True).click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    accessible(page, "API tokens, none yet")

    page.get_by_role("button", name="Create a token").click()
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the token")
    accessible(page, "create a token, with an error")

    page.get_by_label("Name").fill("Finance dashboard")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Token created")).to_be_visible()
    expect(page.locator(".govuk-warning-text")).to_contain_text("Copy the key now")
    accessible(page, "the new token's key")
    key = page.get_by_label("Your key").input_value()

    status, body = api_get(live_server, "/api/v1/contracts/?page_size=100", key)
    assert status == 200
    listed = {row["reference"] for row in body["results"]}
    ours = set(Contract.objects.filter(team__members__username="officer").values_list("reference", flat=True))
    assert listed == ours and Contract.objects.exclude(reference__in=ours).exists()

    page.get_by_role("link", name="I have copied the key").click()
    row = page.get_by_role("row").filter(has_text="Finance dashboard")
    expect(row).to_contain_text(key[:8])
    expect(page.locator("body")).not_to_contain_text(key)
    accessible(page, "API tokens, one in use")

    row.get_by_role("link", name="Revoke").click()
    expect(page.get_by_role("heading", name="Revoke the token ‘Finance dashboard’?")).to_be_visible()
    accessible(page, "revoke a token")
    page.get_by_role("button", name="Revoke token").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The token ‘Finance dashboard’ is revoked")
    expect(page.locator("#revoked-tokens")).to_contain_text("Finance dashboard")
    accessible(page, "API tokens, one revoked")

    status, body = api_get(live_server, "/api/v1/contracts/", key)
    assert status == 401 and "revoked" in body["detail"]
