"""An approved report is frozen: its PDF and figures are kept, four eyes approve it, and the
approval records the decision on the contract."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from commissioning.models import CommissioningCycle
from contracts import roles
from contracts.models import Contract
from reports import services
from reports.models import DecisionReport, ReportApproval
from reports.selectors import report_for_display
from tests.factories import make_user
from tests.report_helpers import make_asc0013_like_report, pdf_text, submitted

pytestmark = pytest.mark.django_db

TODAY = "2017-02-20 10:00:00+00:00"


@pytest.fixture(autouse=True)
def fixed_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def page(response) -> str:
    return " ".join(response.content.decode().split())


def approved_by_a_second_manager(report, *, officer):
    manager = make_user(role=roles.MANAGER, first_name="Joanne", last_name="Clarke")
    services.report_approve(report=submitted(report, officer=officer), officer=manager)
    return report_for_display(report.pk), manager


def test_the_approved_pdf_is_downloaded_byte_for_byte_after_the_contract_value_changes(client):
    author = make_user(role=roles.OFFICER, first_name="Priya", last_name="Shah")
    report, manager = approved_by_a_second_manager(make_asc0013_like_report(officer=author), officer=author)
    approval = ReportApproval.objects.get(report=report)
    client.force_login(author)
    before = client.get(reverse("reports:pdf", args=[report.pk]))
    first = b"".join(before.streaming_content)

    Contract.objects.filter(pk=report.contract_id).update(annual_value=Decimal(600000))
    after = client.get(reverse("reports:pdf", args=[report.pk]))
    second = b"".join(after.streaming_content)

    assert first == second
    assert hashlib.sha256(second).hexdigest() == approval.sha256
    assert approval.approved_by == manager
    assert "The value of a two-year extension is £1,049,988." in pdf_text(second)
    assert "£1,200,000" not in pdf_text(second)
    assert after["Content-Disposition"].startswith("attachment;")


def test_the_report_page_shows_the_figures_that_changed_since_approval(client):
    author = make_user(role=roles.OFFICER)
    report, _ = approved_by_a_second_manager(make_asc0013_like_report(officer=author), officer=author)
    client.force_login(author)
    assert "changed-since-approval" not in page(client.get(reverse("reports:detail", args=[report.pk])))

    Contract.objects.filter(pk=report.contract_id).update(annual_value=Decimal(600000))
    text = page(client.get(reverse("reports:detail", args=[report.pk])))

    assert "Today's figures differ from the approved report" in text
    assert 'Annual value</th><td class="govuk-table__cell">£524,994</td><td class="govuk-table__cell">£600,000' in text
    assert (
        'Value of the extension</th><td class="govuk-table__cell">£1,049,988</td><td class="govuk-table__cell">£1,200,000'
        in text
    )


def test_the_frozen_figures_hold_every_computed_value_the_report_printed():
    author = make_user(role=roles.OFFICER)
    report, _ = approved_by_a_second_manager(make_asc0013_like_report(officer=author), officer=author)

    figures = ReportApproval.objects.get(report=report).figures

    assert figures["Annual value"] == "£524,994"
    assert figures["Value of the extension"] == "£1,049,988"
    assert figures["Extension ends"] == "31 August 2019"
    assert figures["KPI Refuge: Refuge occupancy, 2016/17 Q3"] == "99%"
    assert figures["Recommendation 1.1"].endswith("The value of the extension is £1,049,988.")


def test_the_cycle_estimated_value_changed_after_approval_leaves_the_approved_pdf_as_approved(client):
    author = make_user(role=roles.OFFICER)
    report = make_asc0013_like_report(officer=author)
    cycle = CommissioningCycle.objects.create(
        name="Domestic abuse services 2019", team=report.contract.team, estimated_value=Decimal(4400000)
    )
    cycle.replaces.add(report.contract)
    DecisionReport.objects.filter(pk=report.pk).update(cycle=cycle)
    report, _ = approved_by_a_second_manager(report_for_display(report.pk), officer=author)
    client.force_login(author)

    CommissioningCycle.objects.filter(pk=cycle.pk).update(estimated_value=Decimal(4600000))
    pdf = b"".join(client.get(reverse("reports:pdf", args=[report.pk])).streaming_content)
    text = page(client.get(reverse("reports:detail", args=[report.pk])))

    assert "Their estimated value is £4,400,000." in pdf_text(pdf)
    assert "£4,600,000" not in pdf_text(pdf)
    assert (
        'Estimated value</th><td class="govuk-table__cell">£4,400,000</td><td class="govuk-table__cell">£4,600,000'
        in text
    )


def test_a_change_after_approval_is_a_new_version_with_its_own_approval(client):
    author = make_user(role=roles.OFFICER)
    report, _ = approved_by_a_second_manager(make_asc0013_like_report(officer=author), officer=author)
    first = ReportApproval.objects.get(report=report)
    first_pdf = services.approved_pdf(first)
    client.force_login(author)

    client.post(reverse("reports:new-version", args=[report.pk]), {"reason": "Cabinet asked for the Q4 figures"})
    client.post(reverse("reports:edit-sections", args=[report.pk]), {"executive_summary": "Rewritten for Cabinet"})
    report = report_for_display(report.pk)
    assert report.status == DecisionReport.Status.DRAFT and report.executive_summary == "Rewritten for Cabinet"
    services.report_submit(report=report, officer=author)
    services.report_approve(report=report_for_display(report.pk), officer=make_user(role=roles.MANAGER))

    versions = list(ReportApproval.objects.filter(report=report).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert services.approved_pdf(versions[0]) == first_pdf
    assert "Rewritten for Cabinet" in pdf_text(services.approved_pdf(versions[1]))
    old = b"".join(client.get(reverse("reports:version-pdf", args=[report.pk, 1])).streaming_content)
    assert old == first_pdf


def test_a_new_version_needs_a_reason(client):
    author = make_user(role=roles.OFFICER)
    report, _ = approved_by_a_second_manager(make_asc0013_like_report(officer=author), officer=author)
    client.force_login(author)

    response = client.post(reverse("reports:new-version", args=[report.pk]), {"reason": " "})

    assert "Enter why the approved report needs a new version" in page(response)
    assert DecisionReport.objects.get().status == DecisionReport.Status.APPROVED


def test_a_manager_cannot_approve_a_report_they_submitted(client):
    manager = make_user(role=roles.MANAGER, first_name="Joanne", last_name="Clarke")
    author = make_user(role=roles.OFFICER)
    report = submitted(make_asc0013_like_report(officer=author), officer=manager)
    client.force_login(manager)

    assert "You submitted this report, so you cannot approve it" in page(
        client.get(reverse("reports:detail", args=[report.pk]))
    )
    response = client.post(reverse("reports:approve", args=[report.pk]), {"action": "approve"})

    assert "You submitted this report, so you cannot approve it: another manager must approve it" in page(response)
    assert DecisionReport.objects.get().status == DecisionReport.Status.SUBMITTED
    assert not ReportApproval.objects.exists()
    assert Contract.objects.get().decision == ""


def test_a_manager_cannot_approve_a_report_they_started(client):
    manager = make_user(role=roles.MANAGER)
    officer = make_user(role=roles.OFFICER)
    report = submitted(make_asc0013_like_report(officer=manager), officer=officer)
    client.force_login(manager)

    response = client.post(reverse("reports:approve", args=[report.pk]), {"action": "approve"})

    assert "You started this report, so you cannot approve it: another manager must approve it" in page(response)
    assert DecisionReport.objects.get().status == DecisionReport.Status.SUBMITTED


def test_approving_records_the_recommended_option_as_the_decision_on_the_contract(client):
    author = make_user(role=roles.OFFICER)
    report = submitted(make_asc0013_like_report(officer=author), officer=author)
    manager = make_user(role=roles.MANAGER, first_name="Joanne", last_name="Clarke")
    client.force_login(manager)

    client.post(reverse("reports:approve", args=[report.pk]), {"action": "approve"})

    contract = Contract.objects.get()
    assert contract.decision == Contract.Decision.EXTEND
    assert contract.decision_by == manager
    assert contract.decision_on.isoformat() == "2017-02-20"
    assert contract.history.first().history_change_reason.startswith("Decision: extend: Decision report approved")


def test_the_meeting_pack_copy_of_an_approved_report_is_the_approved_pdf():
    from reports import tasks
    from reports.models import RenderedReport

    author = make_user(role=roles.OFFICER)
    report, _ = approved_by_a_second_manager(make_asc0013_like_report(officer=author), officer=author)
    Contract.objects.filter(pk=report.contract_id).update(annual_value=Decimal(600000))

    tasks.render_meeting_pack.apply(args=[report.meeting_date.isoformat()])

    kept = RenderedReport.objects.get(report=report)
    assert services.rendered_pdf(kept) == services.approved_pdf(ReportApproval.objects.get(report=report))
    assert "£1,200,000" not in pdf_text(services.rendered_pdf(kept))


def test_the_admin_cannot_change_an_approved_report_or_its_approved_pdf(client):
    author = make_user(role=roles.OFFICER)
    report, _ = approved_by_a_second_manager(make_asc0013_like_report(officer=author), officer=author)
    client.force_login(make_user(role=roles.ADMIN, is_staff=True, is_superuser=True))

    response = client.post(reverse("admin:reports_decisionreport_change", args=[report.pk]), {"title": "Changed"})
    approval = ReportApproval.objects.get(report=report)
    deleting = client.post(reverse("admin:reports_reportapproval_delete", args=[approval.pk]), {"post": "yes"})

    assert response.status_code == 403 and deleting.status_code == 403
    assert DecisionReport.objects.get().title == report.title
    assert ReportApproval.objects.filter(pk=approval.pk).exists()
