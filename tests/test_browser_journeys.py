"""Officer journeys in a real browser (Debian's Chromium), each page checked with axe-core."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect, sync_playwright

from contracts.models import Contract
from tests.browser import axe_violations, launch, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-demo-password-for-browser-tests"


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("load_demo", stdout=open("/dev/null", "w"))


@pytest.fixture
def browser_page(live_server, demo, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM reads are
    # still plain synchronous code, which Django would otherwise refuse here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        # axe-core is injected as a script: let it past the Content Security Policy.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True, base_url=live_server.url)
        page = context.new_page()
        yield page
        context.close()
        browser.close()


def accessible(page, label: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{label}: {violations}"


def sign_in_with_the_keyboard(page, username: str) -> None:
    page.goto("/accounts/login/")
    accessible(page, "sign-in page")
    page.focus("#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    focus = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [document.activeElement.id, s.outlineStyle, s.boxShadow]; })()"
    )
    assert focus[0] == "id_password" and (focus[1] != "none" or focus[2] != "none"), f"focus not visible: {focus}"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/" not in url)


def test_an_officer_finds_a_contract_and_exercises_an_option_seeing_the_new_end_date_milestones_and_history(browser_page):
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    accessible(page, "dashboard")
    screenshot(page, "dashboard")

    page.get_by_role("link", name="Contracts", exact=True).click()
    page.get_by_label("Status").select_option("planned")
    page.get_by_role("button", name="Apply filters").click()
    row = page.get_by_role("row").filter(has_text="MK-DASS-2027")
    expect(row).to_contain_text("29 February 2032")
    accessible(page, "register")
    screenshot(page, "register")

    row.get_by_role("link", name="MK-DASS-2027").click()
    expect(page.get_by_role("heading", name="Domestic Abuse Support Services in Milton Keynes")).to_be_visible()
    accessible(page, "contract page")
    screenshot(page, "contract")

    page.get_by_role("tab", name="Extension options").click()
    page.get_by_role("link", name="Exercise option 1").click()
    expect(page.get_by_text("28 February 2033")).to_be_visible()  # the new end date, before confirming
    page.get_by_role("button", name="Exercise option 1").click()  # nothing filled in: errors
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    accessible(page, "option form with errors")
    page.get_by_label("Day", exact=True).fill("19")
    page.get_by_label("Month", exact=True).fill("11")
    page.get_by_label("Year", exact=True).fill("2026")
    page.get_by_label("Decision reference").fill("Cabinet 19 November 2026, item 7")
    page.get_by_label("Reason").fill("Strong performance, market not ready")
    page.get_by_role("button", name="Exercise option 1").click()
    expect(page.get_by_text("Option 1 exercised: the contract now ends on 28 February 2033")).to_be_visible()
    accessible(page, "contract page after exercising")

    page.get_by_role("tab", name="History").click()
    history = page.locator("#history")
    expect(history).to_contain_text("Priya Shah")
    expect(history).to_contain_text("Current end date: 29 February 2032 → 28 February 2033")
    expect(history).to_contain_text("Strong performance, market not ready")

    page.get_by_role("tab", name="Milestones").click()
    expect(page.locator("#milestones")).to_contain_text("28 February 2033")  # the term end moved with it

    contract = Contract.objects.get(reference="MK-DASS-2027")
    assert str(contract.current_end_date) == "2033-02-28"


def test_an_officer_adds_a_milestone_and_sees_it_on_the_dashboard_and_in_the_calendar_feed(browser_page):
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")
    page.goto(f"/contracts/{Contract.objects.get(reference='MK-DASS-2027').pk}/")
    page.get_by_role("tab", name="Milestones").click()
    page.get_by_role("button", name="Add a milestone").click()
    accessible(page, "milestone form")
    page.get_by_label("Title").fill("Provider briefing on the draft specification")
    page.get_by_label("Type of milestone").select_option("provider_event")
    from django.utils import timezone

    soon = timezone.localdate() + timezone.timedelta(days=10)
    page.get_by_label("Day", exact=True).fill(str(soon.day))
    page.get_by_label("Month", exact=True).fill(str(soon.month))
    page.get_by_label("Year", exact=True).fill(str(soon.year))
    page.get_by_label("Time of day").fill("10:00")
    page.get_by_role("button", name=re.compile("Add milestone|Save")).click()
    expect(page.get_by_text("Provider briefing on the draft specification").first).to_be_visible()

    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_text("Provider briefing on the draft specification")).to_be_visible()

    page.get_by_role("link", name="Your calendar").click()
    accessible(page, "calendar settings")
    if page.get_by_role("button", name=re.compile("Create your calendar address")).count():
        page.get_by_role("button", name=re.compile("Create your calendar address")).click()
    address = re.search(r"https?://\S+\.ics", page.content()).group(0)
    feed = page.request.get(address).text()
    assert "Provider briefing on the draft specification" in feed and "TZID=Europe/London" in feed


def test_another_teams_contract_is_not_found(browser_page):
    page = browser_page
    cleveland = Contract.objects.get(reference="CLE-VS-2016")
    sign_in_with_the_keyboard(page, "officer")
    response = page.goto(f"/contracts/{cleveland.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    accessible(page, "not found page")
    page.goto("/contracts/")
    expect(page.get_by_text("CLE-VS-2016")).to_have_count(0)


def test_the_timeline_is_accessible_and_printable(browser_page):
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")
    page.goto("/timeline/")
    accessible(page, "timeline")
    screenshot(page, "timeline")
    page.emulate_media(media="print")
    assert page.locator("nav.govuk-service-navigation__wrapper").is_hidden() or page.locator(".govuk-service-navigation").is_hidden()


def test_a_manager_approves_the_decision_report_and_downloads_an_accessible_pdf(browser_page, tmp_path):
    from io import BytesIO

    from pypdf import PdfReader

    from reports.models import DecisionReport

    page = browser_page
    report = DecisionReport.objects.get(contract__reference="ASC0013")
    sign_in_with_the_keyboard(page, "manager")
    page.get_by_role("link", name="Reports", exact=True).click()
    accessible(page, "reports list")
    page.goto(f"/reports/{report.pk}/")
    accessible(page, "report preview")
    screenshot(page, "report-preview")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("Approved").first).to_be_visible()
    report.refresh_from_db()
    assert report.get_status_display() == "Approved"

    # The PDF opens in the browser (inline); fetch the link with the officer's session.
    href = page.get_by_role("button", name="Download the PDF").get_attribute("href")
    response = page.request.get(href)
    assert response.headers["content-type"] == "application/pdf"
    pdf = PdfReader(BytesIO(response.body()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "£524,994" in text and "£1,049,988" in text and "31 August 2019" in text
    catalog = pdf.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en-GB" and pdf.metadata.title

    # Headings in order: the structure tree's H1, H2, H3 never skip a level going down.
    levels = []

    def walk(node):
        node = node.get_object()
        kind = node.get("/S")
        if kind and str(kind)[1:] in ("H1", "H2", "H3", "H4"):
            levels.append(int(str(kind)[2:]))
        kids = node.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(catalog["/StructTreeRoot"])
    assert levels and levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def test_an_officer_records_market_engagement_from_the_imported_notice(browser_page):
    from commissioning.models import CommissioningCycle
    from notices.models import Conflict

    page = browser_page
    cycle = CommissioningCycle.objects.get(ocid="ocds-h6vhtk-05a7b0")
    open_conflicts = Conflict.objects.filter(cycle=cycle, resolved_by__isnull=True)
    assert open_conflicts.exists(), "the demo's imported notice should disagree with the tracker somewhere"
    sign_in_with_the_keyboard(page, "officer")
    page.goto(f"/cycles/{cycle.pk}/")
    accessible(page, "cycle page with its notices")
    expect(page.locator("#notice-conflicts")).to_be_visible()
    page.locator("#notice-conflicts").locator("xpath=following::a[1]").click()
    expect(page.locator("#both-values")).to_contain_text("The notice says")
    accessible(page, "the sources disagree")
    before = open_conflicts.count()
    page.get_by_role("button", name="Keep the tracker's value").click()
    page.wait_for_load_state()
    accessible(page, "after the choice")
    assert Conflict.objects.filter(cycle=cycle, resolved_by__username="officer").count() == 1
    assert Conflict.objects.filter(cycle=cycle, resolved_by__isnull=True).count() == before - 1
