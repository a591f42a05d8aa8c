"""Officer journeys in a real browser (Debian's Chromium), each page checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from contracts.models import Contract
from tests.browser import accessible, assert_accessible_pdf, fetch_pdf, pdf_text, screenshot, sign_in_with_the_keyboard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_an_officer_finds_a_contract_and_exercises_an_option_seeing_the_new_end_date_milestones_and_history(
    browser_page,
):
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
    page.get_by_label("Day", exact=True).fill("31")
    page.get_by_label("Month", exact=True).fill("2")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_role("button", name="Add milestone").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter the title of the milestone", re.compile("^Enter a real date")]
    )
    accessible(page, "milestone form with errors")
    summary.get_by_role("link", name=re.compile("^Enter a real date")).click()
    expect(page.get_by_label("Day", exact=True)).to_be_focused()
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

    page.get_by_role("link", name="Settings and tools").click()
    accessible(page, "settings and tools")
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
    assert (
        page.locator("nav.govuk-service-navigation__wrapper").is_hidden()
        or page.locator(".govuk-service-navigation").is_hidden()
    )


def test_a_manager_approves_the_decision_report_and_downloads_an_accessible_pdf(browser_page):
    from reports.models import DecisionReport

    page = browser_page
    report = DecisionReport.objects.get(contract__reference="ASC0013")
    sign_in_with_the_keyboard(page, "manager")
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Decision reports", level=1)).to_be_visible()
    accessible(page, "reports list")
    page.goto(f"/reports/{report.pk}/")
    accessible(page, "report preview")
    screenshot(page, "report-preview")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("Approved").first).to_be_visible()
    report.refresh_from_db()
    assert report.get_status_display() == "Approved"

    # The PDF is a download (attachment); fetch the link with the manager's session.
    pdf = fetch_pdf(page, page.get_by_role("button", name="Download the PDF").get_attribute("href"))
    text = pdf_text(pdf)
    assert "£524,994" in text and "£1,049,988" in text and "31 August 2019" in text
    assert_accessible_pdf(pdf)


def test_an_officer_drafts_a_decision_report_and_a_manager_approves_it_and_downloads_the_pdf(browser_page):
    from reports.models import DecisionReport

    page = browser_page
    contract = Contract.objects.get(reference="MK-DASS-2027")
    sign_in_with_the_keyboard(page, "officer")
    page.goto(contract.get_absolute_url())
    page.get_by_role("link", name=re.compile("^Monitoring returns, KPIs")).click()
    page.get_by_role("button", name="Start a decision report").click()
    expect(page.get_by_role("heading", name="Start a decision report")).to_be_visible()
    accessible(page, "start a decision report")
    # From the contract's page the form knows the contract and its next open option.
    expect(page.get_by_label("Contract extension")).to_be_checked()
    expect(page.get_by_label("Extension option")).not_to_have_value("")

    # The radios by keyboard: a recommissioning approval needs a cycle, which is not chosen.
    page.get_by_label("Contract extension").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Recommissioning approval")).to_be_checked()
    page.get_by_role("button", name="Start the report").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Only a contract extension report exercises an option",
            "Select the commissioning cycle for a recommissioning approval",
        ]
    )
    expect(page).to_have_title(re.compile("^Error: "))
    accessible(page, "start a decision report, with errors")
    summary.get_by_role("link", name=re.compile("commissioning cycle")).click()
    expect(page.get_by_label("Commissioning cycle")).to_be_focused()
    assert DecisionReport.objects.filter(contract=contract).count() == 0

    page.get_by_label("Contract extension").check()
    page.get_by_label("Day", exact=True).fill("14")
    page.get_by_label("Month", exact=True).fill("3")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_label("Responsible Cabinet member").fill("Councillor Nolan (Cabinet Member for Public Safety)")
    page.get_by_label("Report sponsor").fill("Victoria Collins (Director of Adult Services)")
    page.get_by_label("Author", exact=True).fill("Priya Shah (Commissioning Officer)")
    page.get_by_role("button", name="Start the report").click()
    expect(page.get_by_text("Report started: write its sections next")).to_be_visible()
    report = DecisionReport.objects.get(contract=contract)
    assert report.status == "draft" and report.option.sequence == 1

    # Submitted before it is written: the error summary lists what is missing.
    page.get_by_role("button", name="Submit for approval").click()
    expect(summary).to_contain_text("Write the executive summary")
    expect(summary).to_contain_text("Choose the option the report recommends")
    expect(summary).to_contain_text("The contract has no annual value")
    accessible(page, "report with what stops it going for approval")
    report.refresh_from_db()
    assert report.status == "draft"

    # The contract's value is missing: a change of value needs a reason, so the first try fails.
    page.get_by_role("link", name=re.compile("^MK-DASS-2027: ")).click()
    page.get_by_role("button", name="Edit contract details").click()
    page.get_by_label("Annual value").fill("480000")
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the reason for changing the annual value")
    accessible(page, "contract form with errors")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Reason for the change")).to_be_focused()
    page.get_by_label("Reason for the change").fill("Value agreed for the extension report")
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_role("heading", name="Domestic Abuse Support Services in Milton Keynes")).to_be_visible()
    page.goto(report.get_absolute_url())

    page.get_by_role("link", name="Executive summary and sections").click()
    expect(page.get_by_role("heading", name="Sections", level=1)).to_be_visible()
    accessible(page, "report sections")
    page.get_by_label("Executive summary").fill(
        "The service has met its targets and the market is not ready for a new tender."
    )
    page.get_by_role("button", name="Save sections").click()
    expect(page.get_by_text("Sections saved")).to_be_visible()

    page.get_by_role("link", name="Options appraisal").click()
    expect(page.get_by_role("heading", name="Options appraisal", level=1)).to_be_visible()
    accessible(page, "options appraisal")
    for number, words in enumerate(
        [
            "Extend for one year.",
            "Extend with a new referral pathway.",
            "Tender a new contract now.",
            "Stop the service.",
        ]
    ):
        page.get_by_label("Description").nth(number).fill(words)
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Save the options appraisal").click()
    expect(page.get_by_text("Options appraisal saved")).to_be_visible()

    # A checkbox list by keyboard: Space ticks the focused box.
    page.get_by_role("link", name="Implications").click()
    expect(page.get_by_role("heading", name="Implications", level=1)).to_be_visible()
    accessible(page, "implications")
    page.get_by_label("Revenue").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_label("Revenue")).to_be_checked()
    expect(page.get_by_label("IT", exact=True)).to_be_checked()
    page.get_by_label("Financial", exact=True).fill("Within the current revenue budget.")
    page.get_by_label("Legal", exact=True).fill("The option is written into the contract.")
    page.get_by_label("Equalities", exact=True).fill("No change for the people the service supports.")
    page.get_by_label("Risk", exact=True).fill("Low: the provider meets its targets.")
    page.get_by_role("button", name="Save implications").click()
    expect(page.get_by_text("Implications saved")).to_be_visible()
    report.refresh_from_db()
    assert report.implies_revenue and report.implies_it and not report.implies_accommodation

    preview = page.get_by_role("article", name="The report")
    expect(preview).to_contain_text("The service has met its targets")
    expect(preview).to_contain_text("Option 1: Extend the existing contract (recommended)")
    accessible(page, "report preview, draft")
    screenshot(page, "report-draft")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Report submitted for approval")).to_be_visible()
    report.refresh_from_db()
    assert report.status == "submitted"

    page.get_by_role("button", name=re.compile("^Sign out")).click()
    sign_in_with_the_keyboard(page, "manager")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name=report.title).click()
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("Report approved")).to_be_visible()
    accessible(page, "approved report")
    report.refresh_from_db()
    assert report.status == "approved" and report.approved_by.username == "manager"

    pdf = fetch_pdf(page, page.get_by_role("button", name="Download the PDF").get_attribute("href"))
    text = pdf_text(pdf)
    assert "The service has met its targets" in text and "MK-DASS-2027" in text
    assert_accessible_pdf(pdf)


def test_an_officer_records_market_engagement_from_the_imported_notice(browser_page):
    from commissioning.models import CommissioningCycle
    from notices.models import Conflict, Notice

    page = browser_page
    cycle = CommissioningCycle.objects.get(ocid="ocds-h6vhtk-05a7b0")
    open_conflicts = Conflict.objects.filter(cycle=cycle, resolved_by__isnull=True)
    assert open_conflicts.exists(), "the demo's imported notice should disagree with the tracker somewhere"
    notices_before = Notice.objects.count()
    sign_in_with_the_keyboard(page, "officer")
    summary = page.locator(".govuk-error-summary")

    # Importing: a form sent with no file, an empty file, then a file that is not JSON at all.
    page.get_by_role("link", name="Notices", exact=True).click()
    page.get_by_role("button", name="Import notices").click()
    expect(page.get_by_role("heading", name="Import notices", level=1)).to_be_visible()
    accessible(page, "OCDS import form")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Choose a file of notices to import"])
    expect(page.locator("#id_file-error")).to_contain_text("Choose a file of notices to import")
    accessible(page, "OCDS import form with errors")
    summary.get_by_role("link").click()
    expect(page.get_by_label("File of notices")).to_be_focused()

    page.get_by_label("File of notices").set_input_files(
        files=[{"name": "empty.json", "mimeType": "application/json", "buffer": b""}]
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#id_file-error")).to_contain_text("The file is empty")
    accessible(page, "OCDS import form, empty file")

    # Not JSON at all: nothing is imported, and the page says the file could not be read.
    page.get_by_label("File of notices").set_input_files(
        files=[
            {"name": "minutes.json", "mimeType": "application/json", "buffer": b"Minutes of the market engagement day"}
        ]
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile("could not be read|unreadable", re.IGNORECASE))
    accessible(page, "OCDS import result, file not readable")
    assert Notice.objects.count() == notices_before

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

    # The preliminary market engagement notice, recorded by hand from the cycle's page.
    page.goto(cycle.get_absolute_url())
    page.get_by_role("button", name="Record a notice").click()
    accessible(page, "record a notice")
    page.get_by_label("Find a Tender notice id").fill("12345")
    page.get_by_role("button", name="Record the notice").click()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Select the type of notice",
            "Enter the notice id as 6 digits, a dash and the year, for example 017566-2026",
            "Enter the date the notice was published",
        ]
    )
    accessible(page, "record a notice, with errors")
    summary.get_by_role("link", name="Enter the date the notice was published").click()
    expect(page.get_by_label("Day", exact=True)).to_be_focused()
    page.get_by_label("Type of notice").select_option("UK2")
    page.get_by_label("Find a Tender notice id").fill("024681-2026")
    page.get_by_label("Day", exact=True).fill("2")
    page.get_by_label("Month", exact=True).fill("6")
    page.get_by_label("Year", exact=True).fill("2026")
    page.get_by_role("button", name="Record the notice").click()
    expect(page.get_by_text("UK2 preliminary market engagement notice recorded")).to_be_visible()
    assert Notice.objects.filter(cycle=cycle, notice_type="UK2", fts_notice_id="024681-2026").exists()
