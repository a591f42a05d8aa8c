"""The report page's task list: each section's status, computed from what is written, and each
report type asking only for what it needs (issue 23)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from contracts import roles
from reports import services
from reports.models import DecisionReport, ReportOption
from reports.selectors import report_for_display
from tests.factories import make_contract, make_user
from tests.report_helpers import OPTION_TEXTS, WRITTEN, make_asc0013_like_contract, make_asc0013_like_report

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen_today"),
    pytest.mark.today("2017-02-20 10:00:00+00:00"),
]


def statuses(response) -> dict[str, str]:
    """Each task's name and status as the page shows them."""
    tree = lxml_html.fromstring(response.content.decode())
    items = tree.xpath('//ul[@id="task-list"]/li')
    return {
        " ".join(item.xpath('.//a[contains(@class, "govuk-task-list__link")]')[0].text_content().split()): " ".join(
            item.xpath('.//div[contains(@class, "govuk-task-list__status")]')[0].text_content().split()
        )
        for item in items
    }


def text_of(response) -> str:
    return " ".join(lxml_html.fromstring(response.content.decode()).text_content().split())


def officer_of(client, report) -> None:
    client.force_login(make_user(role=roles.OFFICER, teams=[report.contract.team] if report.contract else []))


def test_a_new_report_lists_its_sections_as_not_yet_started(client):
    report = make_asc0013_like_report(written=False)
    officer_of(client, report)

    page = client.get(reverse("reports:detail", args=[report.pk]))

    assert statuses(page) == {
        "Report details": "In progress",
        "Executive summary and sections": "Not yet started",
        "Options appraisal": "Not yet started",
        "Implications": "Not yet started",
        "Upload the text from Word": "Optional",
    }


def test_sections_become_in_progress_then_completed_as_they_are_written(client):
    report = make_asc0013_like_report(written=False)
    officer_of(client, report)
    services.report_update(report=report, fields={"legal_implications": "Legal words."}, officer=None, reason="x")
    assert statuses(client.get(reverse("reports:detail", args=[report.pk])))["Implications"] == "In progress"

    services.report_update(report=report, fields=WRITTEN, officer=None, reason="Written")
    services.report_options_save(report=report, texts=OPTION_TEXTS, recommended="extend", officer=None)
    page = client.get(reverse("reports:detail", args=[report.pk]))

    assert set(statuses(page).values()) == {"Completed", "Optional"}
    assert "Before you submit the report" not in page.content.decode()


def test_what_a_form_marks_optional_is_never_demanded_before_submitting(client):
    """Fill in only what the forms do not mark "(optional)", and the report can be submitted."""
    report = make_asc0013_like_report(written=False)
    officer_of(client, report)
    needed = {
        "responsible_member": "Councillor Long",
        "sponsor": "Michael Bracey",
        "author": "Mick Hancock",
        "executive_summary": "Why.",
        "resources_and_risk": "Within budget.",
        "legal_implications": "Under the contract's option.",
        "equalities_implications": "No change for anyone.",
        "risk_implications": "Low.",
    }
    for url_name in ("reports:edit", "reports:edit-sections", "reports:edit-implications"):
        form = client.get(reverse(url_name, args=[report.pk])).context["form"]
        for name in needed:
            if name in form.fields:
                assert not form.fields[name].label.endswith("(optional)"), name
        for name, field in form.fields.items():
            conditional = ("kind", "contract", "option", "cycle", "decision_route", "meeting_date", "eia_date")
            if name not in needed and name not in conditional:
                assert field.label.endswith("(optional)") or name.startswith("implies_"), name
    services.report_update(report=report, fields=needed, officer=None, reason="Only what is needed")
    services.report_options_save(
        report=report,
        texts={kind: {"description": "Weighed.", "benefits": "", "risks": ""} for kind in ReportOption.ORDER},
        recommended="extend",
        officer=None,
    )

    services.report_submit(report=report_for_display(report.pk), officer=None)

    assert DecisionReport.objects.get().status == DecisionReport.Status.SUBMITTED


def test_a_decommissioning_report_for_a_contract_with_no_options_left_does_not_ask_about_extending(client):
    contract = make_contract(option_months=(), max_extent_date=None, annual_value=100000)
    client.force_login(make_user(role=roles.OFFICER, teams=[contract.team]))
    report = services.report_create(
        report=DecisionReport(
            kind=DecisionReport.Kind.DECOMMISSIONING, contract=contract, meeting_date=date(2027, 3, 1)
        ),
        officer=None,
    )

    text = text_of(client.get(reverse("reports:edit-options", args=[report.pk])))
    services.report_update(report=report, fields=WRITTEN, officer=None, reason="Written")
    services.report_options_save(
        report=report,
        texts={
            "retender": {"description": "No market.", "benefits": "", "risks": ""},
            "decommission": {"description": "The need has gone.", "benefits": "", "risks": ""},
        },
        recommended="decommission",
        officer=None,
    )
    services.report_submit(report=report_for_display(report.pk), officer=None)

    assert "Option 1: Re-tender" in text and "Option 2: Decommission" in text
    assert "Extend the existing contract" not in text
    assert DecisionReport.objects.get().status == DecisionReport.Status.SUBMITTED


def test_a_decommissioning_report_never_speaks_of_the_value_of_an_extension(client):
    from reports.pdf import report_html

    contract = make_asc0013_like_contract()
    report = services.report_create(
        report=DecisionReport(
            kind=DecisionReport.Kind.DECOMMISSIONING, contract=contract, meeting_date=date(2017, 3, 14)
        ),
        officer=None,
    )
    client.force_login(make_user(role=roles.OFFICER, teams=[contract.team]))

    html = report_html(report_for_display(report.pk))
    form = text_of(client.get(reverse("reports:edit-implications", args=[report.pk])))

    assert "value of the extension" not in html and "extension is" not in html
    assert "value of the extension" not in form
    assert "The tracker adds the contract's annual value" in form


def test_a_recommissioning_report_asks_for_no_contract_achievements_and_needs_social_value(client):
    from tests.factories import make_cycle

    contract = make_contract()
    cycle = make_cycle(team=contract.team, replaces=[contract])
    client.force_login(make_user(role=roles.OFFICER, teams=[contract.team]))
    report = services.report_create(
        report=DecisionReport(kind=DecisionReport.Kind.RECOMMISSIONING, cycle=cycle), officer=None
    )

    tasks = statuses(client.get(reverse("reports:detail", args=[report.pk])))
    sections = client.get(reverse("reports:edit-sections", args=[report.pk])).context["form"]
    implications = client.get(reverse("reports:edit-implications", args=[report.pk])).context["form"]

    assert tasks["Procurement route appraisal"] == "Not yet started" and "Options appraisal" not in tasks
    assert "achievements" not in sections.fields and "contract_management" not in sections.fields
    assert implications.fields["social_value"].label == "Social value"
    assert "Write the social value implications" in services.submission_problems(report_for_display(report.pk))


def test_an_equality_impact_assessment_reference_needs_its_date(client):
    report = make_asc0013_like_report()
    officer_of(client, report)

    response = client.post(
        reverse("reports:edit-implications", args=[report.pk]),
        {"eia_reference": "EIA-2017-03", "equalities_implications": "No change."},
    )

    assert response.status_code == 200
    assert "Enter the date of the equality impact assessment" in response.content.decode()
    assert DecisionReport.objects.get().eia_reference == ""
