"""Trust in what the pages say (issue 25), in Chromium: a save that changes nothing records
nothing, and a disagreement between a notice and the tracker is settled from the import's
result to the contract's history, with every error in the error summary leading to its field."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import Contract, ExtensionOption
from notices.models import Conflict
from tests.browser import accessible, sign_in_with_the_keyboard
from tests.ocds_helpers import MK_FILE, MK_OCID

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OFFICER = "Priya Shah"  # the demo's officer


def history_rows(page, what: str = "Contract changed"):
    page.get_by_role("tab", name="History").click()
    return page.locator("#history tbody tr").filter(has=page.get_by_text(what, exact=True))


def test_saving_the_contract_form_unchanged_records_nothing_and_a_real_change_shows_only_that_field(browser_page):
    page = browser_page
    contract = Contract.objects.get(reference="MK-DASS-2027")
    # The description as an older version or an import kept it: CRLF line endings, trailing
    # spaces. Written straight to the row, as no service of today would keep it so.
    stored = contract.description.replace("\n", "  \r\n") + "  "
    Contract.objects.filter(pk=contract.pk).update(description=stored)
    entries = contract.history.count()

    sign_in_with_the_keyboard(page, "officer")
    page.goto(contract.get_absolute_url())
    changed_before = history_rows(page).count()

    page.get_by_role("button", name="Edit contract details").click()
    expect(page.get_by_label("Description")).to_have_value(re.compile("^Strategic recommissioning"))
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_text("Nothing changed: contract MK-DASS-2027 is as it was")).to_be_visible()
    expect(history_rows(page)).to_have_count(changed_before)
    assert contract.history.count() == entries

    # A real change: one new entry, with the officer's name and only the field that changed.
    page.get_by_role("button", name="Edit contract details").click()
    page.get_by_label("Title").fill("Domestic Abuse Support Services, Milton Keynes")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Contract MK-DASS-2027 updated")).to_be_visible()
    rows = history_rows(page)
    expect(rows).to_have_count(changed_before + 1)
    newest = page.locator("#history tbody tr").first
    expect(newest).to_contain_text("Contract changed")
    expect(newest.locator("td").nth(1)).to_have_text(OFFICER)
    expect(newest.locator("li")).to_have_text(
        ["Title: Domestic Abuse Support Services in Milton Keynes → Domestic Abuse Support Services, Milton Keynes"]
    )
    accessible(page, "contract history after a real change")
    assert contract.history.count() == entries + 1


def a_later_notice(**contract_period) -> bytes:
    """The Milton Keynes notice published again, its lot's contract period changed."""
    release = json.loads(MK_FILE.read_text())
    release["date"] = "2026-03-10T10:00:00Z"
    release["id"] = f"{MK_OCID}-{release['date']}"
    release["tender"]["lots"][0]["contractPeriod"].update(contract_period)
    return json.dumps(release).encode()


def every_error_leads_to_its_field(page) -> list[str]:
    """Click each link of the error summary in turn: focus must land on the field it names."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    messages = links.all_inner_texts()
    assert messages, "an error summary with no links"
    for number, message in enumerate(messages):
        link = links.nth(number)
        target = link.get_attribute("href")
        assert re.fullmatch(r"#id_\w+", target or ""), f"{message!r} links to {target!r}, not to a field"
        link.click()
        focused = page.evaluate("[document.activeElement.id, document.activeElement.tagName]")
        assert focused[0] == target[1:] and focused[1] in ("INPUT", "SELECT", "TEXTAREA"), (
            f"{message!r}: focus went to {focused}, not {target}"
        )
    return messages


def test_an_officer_settles_the_disagreements_an_import_raised_from_its_result_page(browser_page):
    page = browser_page
    contract = Contract.objects.get(reference="MK-DASS-2027")
    assert (str(contract.initial_end_date), str(contract.max_extent_date)) == ("2032-02-29", "2034-02-28")
    today = timezone.localdate()
    sign_in_with_the_keyboard(page, "officer")

    # The notice now says the initial term ends a year sooner and the maximum extent is a year sooner.
    page.goto("/notices/import/")
    page.get_by_label("File of notices").set_input_files(
        files=[
            {
                "name": "mk-later.json",
                "mimeType": "application/json",
                "buffer": a_later_notice(
                    endDate="2031-02-28T23:59:59+00:00", maxExtentDate="2033-02-28T23:59:59+00:00"
                ),
            }
        ]
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    accessible(page, "import result with disagreements")
    raised = page.locator(".app-import-disagreements").get_by_role("link")
    expect(raised).to_have_text(["MK-DASS-2027: end of the initial term", "MK-DASS-2027: maximum extent date"])
    end_date_href = raised.nth(0).get_attribute("href")
    extent = Conflict.objects.get(contract=contract, subject="MK-DASS-2027: maximum extent date")
    end_date = Conflict.objects.get(contract=contract, subject="MK-DASS-2027: end of the initial term")

    # The maximum extent first: option 2 still runs to 2034, so the notice's value cannot be used.
    raised.nth(1).click()
    expect(page.locator("#both-values")).to_contain_text("28 February 2033")
    expect(page.locator("#notice-value-problem")).to_contain_text(
        "Option 2 would run to 28 February 2034, after the maximum extent date of 28 February 2033"
    )
    expect(page.get_by_role("button", name="Use the notice's value")).to_have_count(0)
    accessible(page, "a disagreement the notice's value cannot settle")
    page.get_by_role("link", name="its edit page").click()

    # Editing the contract the same way is refused too, and each error leads to its field.
    page.get_by_label("Title").fill("")
    page.locator("#id_max_extent_date_year").fill("2033")
    page.get_by_role("button", name="Save changes").click()
    assert every_error_leads_to_its_field(page) == [
        "Enter the contract title",
        "Enter the reason for changing the maximum extent date",
    ]
    accessible(page, "contract form with errors")
    # The fields put right, the contract's own check refuses the date, beside the field.
    page.get_by_label("Title").fill(contract.title)
    page.get_by_label("Reason for the change").fill("Maximum extent as the notice says")
    page.get_by_role("button", name="Save changes").click()
    assert every_error_leads_to_its_field(page) == [
        "Option 2 would run to 28 February 2034, after the maximum extent date of 28 February 2033"
    ]
    expect(page.locator("#id_max_extent_date-error")).to_contain_text("Option 2 would run to 28 February 2034")
    accessible(page, "contract form refused by the extent check")
    contract.refresh_from_db()
    assert str(contract.max_extent_date) == "2034-02-28"

    # Declining option 2 takes it out of the extent check: now the same edit is saved, and the
    # disagreement closes by itself, as the tracker agrees with the notice.
    page.goto(contract.get_absolute_url())
    page.get_by_role("tab", name="Extension options").click()
    page.get_by_role("link", name="Decline option 2").click()
    page.get_by_label("Day", exact=True).fill(str(today.day))
    page.get_by_label("Month", exact=True).fill(str(today.month))
    page.get_by_label("Year", exact=True).fill(str(today.year))
    page.get_by_label("Reason").fill("Cabinet: one extension at most")
    page.get_by_role("button", name="Decline option 2").click()
    expect(page.get_by_text("Option 2 declined", exact=True)).to_be_visible()
    page.get_by_role("button", name="Edit contract details").click()
    page.locator("#id_max_extent_date_year").fill("2033")
    page.get_by_label("Reason for the change").fill("Maximum extent as the notice says")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Contract MK-DASS-2027 updated")).to_be_visible()
    extent.refresh_from_db()
    assert extent.status == Conflict.Status.AGREED
    assert contract.options.get(sequence=2).status == ExtensionOption.Status.DECLINED
    page.goto(extent.get_absolute_url())
    expect(page.locator("#conflict-status")).to_contain_text("The tracker now agrees with the notice")
    expect(page.get_by_role("button", name="Keep the tracker's value")).to_have_count(0)

    # The end of the initial term: the notice's value is offered, its consequence shown first.
    page.goto(end_date_href)
    consequences = page.locator("#notice-value-consequences")
    expect(consequences).to_contain_text("29 February 2032 → 28 February 2031")
    use = page.get_by_role("button", name="Use the notice's value")
    expect(use).to_be_visible()
    assert consequences.bounding_box()["y"] < use.bounding_box()["y"], "the consequence comes before the button"
    accessible(page, "a disagreement about a date, with its consequence")
    use.click()

    expect(page).to_have_url(re.compile(rf"{contract.get_absolute_url()}$"))
    expect(page.locator("main")).to_contain_text("28 February 2031")
    contract.refresh_from_db()
    assert str(contract.initial_end_date) == "2031-02-28" and contract.initial_term_months == 48
    end_date.refresh_from_db()
    assert end_date.status == Conflict.Status.USED_NOTICE and end_date.resolved_by.username == "officer"
    newest = history_rows(page).first
    expect(newest.locator("td").nth(1)).to_have_text(OFFICER)
    expect(newest).to_contain_text("28 February 2031")
    page.goto(end_date.get_absolute_url())
    expect(page.locator("#conflict-status")).to_contain_text(f"The notice's value was used, by {OFFICER}")
    assert not Conflict.objects.filter(contract=contract, status=Conflict.Status.OPEN).exists()
