"""The main journeys with the keyboard alone: Tab, Shift+Tab, arrows, Enter and Space, no mouse.

After signing in nothing is clicked and no address is typed: every page is reached from the one
before. At every stop focus must be visible (GOV.UK's yellow) and move on when Tab is pressed.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commissioning.models import Milestone
from contracts.models import Contract
from tests.browser import accessible, arrow_to, focused, sign_in_with_the_keyboard, tab_to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

CONTRACT_TABS = re.compile("^(Summary|Extension options|Milestones|Notices|History)$")


def active_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_an_officer_goes_from_the_dashboard_to_an_exercised_option_and_a_new_milestone_with_the_keyboard(browser_page):
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()

    # The skip link is the first stop, shows when focused, and takes focus to the main content.
    assert tab_to(page, "Skip to main content", limit=1)
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert active_id(page) == "main-content"
    # From there round the whole page and back to the skip link: nothing traps focus.
    stops = tab_to(page, "Skip to main content", limit=150)
    assert any(stop.startswith("Apply filters") for stop in stops), stops
    # And backwards, from the skip link round through the end of the page to the service navigation.
    stops = tab_to(page, "Contracts", backwards=True, limit=150)
    assert len(stops) > 15 and stops[-3:-1] == ["Cycles (a)", "Organisations (a)"], stops

    # A checkbox, by Space.
    tab_to(page, "My items only")
    page.keyboard.press("Space")
    expect(page.get_by_label("My items only")).to_be_checked()
    page.keyboard.press("Space")
    expect(page.get_by_label("My items only")).not_to_be_checked()

    tab_to(page, "Contracts", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Contract register")).to_be_visible()

    # A select, by typing the first letter of its option (one key: a slow machine could take
    # longer between keys than the browser waits for a word); the filters apply with Enter.
    tab_to(page, "Status")
    page.keyboard.press("P")
    expect(page.get_by_label("Status")).to_have_value("planned")
    tab_to(page, "Apply filters")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"status=planned"))
    row = page.get_by_role("row").filter(has_text="MK-DASS-2027")
    expect(row).to_contain_text("29 February 2032")
    expect(page.get_by_role("row").filter(has_text="MK-SPF-2020")).to_have_count(0)

    tab_to(page, "MK-DASS-2027")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Domestic Abuse Support Services in Milton Keynes")).to_be_visible()

    # GOV.UK tabs: one Tab stop for the tab list, arrows between the tabs.
    tab_to(page, CONTRACT_TABS, role="tab")
    arrow_to(page, "Extension options")
    expect(page.locator("#options")).to_be_visible()
    tab_to(page, "Exercise option 1")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Exercise option 1")).to_be_visible()

    # Submitted empty: the error summary takes focus, and its link takes focus to the field.
    tab_to(page, "Exercise option 1")
    page.keyboard.press("Space")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    accessible(page, "option form with errors, reached by keyboard")
    tab_to(page, "Enter the date of the decision", limit=1)
    page.keyboard.press("Enter")
    assert active_id(page) == "id_decision_date_day"
    page.keyboard.type("19")
    tab_to(page, "Month")
    page.keyboard.type("11")
    tab_to(page, "Year")
    page.keyboard.type("2026")
    tab_to(page, "Decision reference")
    page.keyboard.type("Cabinet 19 November 2026, item 7")
    tab_to(page, "Reason")
    page.keyboard.type("Strong performance, market not ready")
    tab_to(page, "Exercise option 1")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Option 1 exercised: the contract now ends on 28 February 2033")).to_be_visible()
    assert str(Contract.objects.get(reference="MK-DASS-2027").current_end_date) == "2033-02-28"

    # Add a milestone: a link styled as a button, which GOV.UK makes work with Space too.
    tab_to(page, CONTRACT_TABS, role="tab")
    if focused(page)["name"] != "Milestones":
        arrow_to(page, "Milestones")
    tab_to(page, "Add a milestone", limit=120)
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Add a milestone")).to_be_visible()
    soon = timezone.localdate() + timezone.timedelta(days=10)
    tab_to(page, "Title")
    page.keyboard.type("Provider briefing, booked by keyboard")
    tab_to(page, "Type of milestone")
    page.keyboard.press("P")  # from "Other", the first option starting with P
    expect(page.get_by_label("Type of milestone")).to_have_value("provider_event")
    tab_to(page, "Day")
    page.keyboard.type(str(soon.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(soon.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(soon.year))
    tab_to(page, "Time of day")
    page.keyboard.type("10:00")
    tab_to(page, "Add milestone")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Provider briefing, booked by keyboard").first).to_be_visible()
    milestone = Milestone.objects.get(title="Provider briefing, booked by keyboard")
    assert milestone.kind == "provider_event" and milestone.due_on == soon

    tab_to(page, "Dashboard")
    # Wait for the dashboard itself: the milestone's own page also shows the title (twice).
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Provider briefing, booked by keyboard")).to_be_visible()


def test_every_page_in_the_service_navigation_is_reached_and_gone_round_with_the_keyboard(browser_page):
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")
    items = page.locator("#navigation a").all_inner_texts()
    assert {"Dashboard", "Contracts", "Timeline", "Reports", "Notices"} <= set(items), items
    for item in items:
        # From the top of the page (or the skip link, after going round) along the navigation.
        tab_to(page, item)
        with page.expect_navigation():  # the dashboard comes first, and is where signing in lands
            page.keyboard.press("Enter")
        expect(page.locator("#navigation a[aria-current=page]")).to_have_text(item)
        accessible(page, item)
        # Every stop on the page (the timeline's bars too) shows focus, and focus comes round.
        assert tab_to(page, "Skip to main content", limit=1)
        stops = tab_to(page, "Skip to main content", limit=200)
        assert len(stops) > len(items) + 2, f"{item}: focus never reached the main content: {stops}"
