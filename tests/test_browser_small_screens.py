"""Reflow and the navigation (issue 25, WCAG 2.2 AA): at 320 px no page of the navigation is
wider than the screen and axe-core finds nothing (target size included); at 1280 px the
navigation fits one row, with the person's name and "Sign out" in the header."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from contracts.models import Contract
from notices.models import Conflict
from tests.browser import accessible, screenshot, sign_in_with_the_keyboard, tab_to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

WIDER_THAN_THE_SCREEN = """
() => {
  const width = document.documentElement.clientWidth;
  const beyond = (el) => el.getBoundingClientRect().right > width + 1;
  // The outermost elements that run past the right edge: what to fix when the page scrolls.
  const wide = [...document.querySelectorAll('body *')].filter(el =>
    beyond(el) && el.parentElement && !beyond(el.parentElement) && getComputedStyle(el).display !== 'none'
  ).slice(0, 4).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className
    + ' ' + Math.round(el.getBoundingClientRect().right));
  const region = document.querySelector('.app-table-scroll');
  const probe = region ? [getComputedStyle(region).overflowX, Math.round(region.getBoundingClientRect().width), region.scrollWidth, getComputedStyle(region).display] : null;
  return {scrollWidth: document.documentElement.scrollWidth, width, wide, probe, bodyWidth: document.body.scrollWidth};
}
"""


def no_sideways_scroll(page, label: str) -> None:
    measured = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert measured["scrollWidth"] <= measured["width"], f"{label} is wider than the screen: {measured}"


@pytest.fixture
def small_page(chromium, live_server, demo):
    context = chromium.new_context(viewport={"width": 320, "height": 800}, bypass_csp=True, base_url=live_server.url)
    yield context.new_page()
    context.close()


def test_every_page_in_the_navigation_reflows_at_320_px_and_passes_axe(small_page):
    page = small_page
    sign_in_with_the_keyboard(page, "officer")
    pages = page.eval_on_selector_all("#navigation a", "links => links.map(a => [a.innerText.trim(), a.href])")
    assert len(pages) == 8, pages
    contract = Contract.objects.get(reference="MK-DASS-2027")
    conflict = Conflict.objects.filter(status=Conflict.Status.OPEN).first()
    pages += [
        ("Settings and tools", "/tools/"),
        ("a contract", contract.get_absolute_url()),
        ("a contract's edit form", f"/contracts/{contract.pk}/edit/"),
        ("a disagreement", conflict.get_absolute_url()),
    ]
    for label, url in pages:
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        no_sideways_scroll(page, label)
        accessible(page, f"{label} at 320 px")
        if label == "Dashboard":
            screenshot(page, "dashboard-320")


def test_the_navigation_fits_one_row_at_1280_px_with_the_account_in_the_header(browser_page):
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")

    tops = page.eval_on_selector_all("#navigation li", "items => items.map(li => li.getBoundingClientRect().top)")
    assert len(set(tops)) == 1, f"the navigation wraps: {tops}"
    header = page.locator("header.app-header")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(header.get_by_role("link", name="Settings and tools")).to_be_visible()
    expect(header).to_contain_text("Priya Shah")
    no_sideways_scroll(page, "dashboard at 1280 px")
    screenshot(page, "dashboard")

    header.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()


def test_the_contract_form_is_gone_through_by_keyboard_section_by_section(browser_page):
    """The split contract form with the keyboard alone: the contents list jumps to a section, a
    changed date without a reason is refused, and the error summary's link lands on the reason,
    which sits right after the dates and money."""
    page = browser_page
    contract = Contract.objects.get(reference="MK-DASS-2027")
    sign_in_with_the_keyboard(page, "officer")
    page.goto(f"/contracts/{contract.pk}/edit/")
    accessible(page, "contract form")

    tab_to(page, "Money")
    page.keyboard.press("Enter")
    tab_to(page, "Annual value")
    page.keyboard.type("480000")
    tab_to(page, re.compile("^Save changes"))
    page.keyboard.press("Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the reason for changing the annual value")
    tab_to(page, "Enter the reason for changing the annual value")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Reason for the change")).to_be_focused()
    page.keyboard.type("Value agreed for the extension report")
    tab_to(page, re.compile("^Save changes"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=contract.title)).to_be_visible()
    contract.refresh_from_db()
    assert contract.annual_value == 480000
    assert contract.history.first().history_change_reason == "Value agreed for the extension report"


# --- the timeline and the contract page at 320 px (issue 25) ----------------------------------

LABEL_SIZES = """
() => {
  const svg = document.querySelector('svg.app-timeline');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => Math.round(parseFloat(getComputedStyle(t).fontSize) * scale * 10) / 10);
  return {smallest: Math.min(...sizes), scale, count: sizes.length};
}
"""


def test_the_timeline_at_320_px_draws_its_chart_at_a_legible_size_in_its_own_scrolling_region(small_page):
    page = small_page
    sign_in_with_the_keyboard(page, "officer")
    page.goto("/timeline/?period=all")
    expect(page.locator("h1")).to_have_text("Timeline")

    labels = page.evaluate(LABEL_SIZES)
    assert labels["count"] > 10 and labels["smallest"] >= 12, f"chart text too small at 320 px: {labels}"
    chart = page.get_by_role("region", name=re.compile("^Timeline chart"))
    assert chart.evaluate("el => el.scrollWidth > el.clientWidth && getComputedStyle(el).overflowX === 'auto'")
    # A way past the chart to the same facts in words, for those who would rather not scroll it.
    page.get_by_role("link", name="Skip the chart: the timeline as a table").click()
    expect(page.get_by_role("heading", name="The timeline as a table")).to_be_in_viewport()
    no_sideways_scroll(page, "timeline")
    accessible(page, "timeline at 320 px")
    screenshot(page, "timeline-320")


PAGE_HEIGHT = "() => document.documentElement.scrollHeight"
# The demo's MK-DASS-2027 at 320 px was 19,825 px long with its five panels stacked (years of
# quarterly duties and milestones); 10,961 px with the coming year open and the rest behind
# Details, and the history on its own page beyond the latest five changes.
CONTRACT_PAGE_MOST = 12000


def test_the_contract_page_at_320_px_is_sections_with_a_contents_list_and_a_reasonable_length(small_page):
    page = small_page
    contract = Contract.objects.get(reference="MK-DASS-2027")
    sign_in_with_the_keyboard(page, "officer")
    page.goto(contract.get_absolute_url())

    contents = page.get_by_role("heading", name="Contents")
    expect(contents).to_be_visible()
    sections = ["Summary", "Extension options", "Milestones", "Notices", "History"]
    for name in sections:
        link = page.locator("#contract-contents").get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
    height = page.evaluate(PAGE_HEIGHT)
    assert height <= CONTRACT_PAGE_MOST, f"the contract page is {height} px long at 320 px"
    # The longest parts are a link away, not on the page.
    page.locator("#history").get_by_role("link", name=re.compile("^Every change to")).click()
    expect(page.get_by_role("heading", name=re.compile("^History of"))).to_be_visible()
    no_sideways_scroll(page, "the contract's history")
    accessible(page, "the contract's history at 320 px")
    page.go_back()
    no_sideways_scroll(page, "a contract")
    accessible(page, "a contract at 320 px")
    screenshot(page, "contract-320")
