"""Decision report pages: an officer writes and submits, only a manager approves, viewers read."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from contracts import roles
from reports.models import DecisionReport, ReportOption
from tests.factories import make_team, make_user
from tests.report_helpers import make_asc0013_like_contract, make_asc0013_like_report, pdf_text, submitted

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen_today"),
    pytest.mark.today("2017-02-20 10:00:00+00:00"),  # the ASC0013 report's own dates
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Approving keeps the PDF in file storage: each test gets a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(client, role, **fields):
    fields.setdefault("first_name", "Olivia")
    fields.setdefault("last_name", f"Okafor-{role}")
    user = make_user(role=role, **fields)
    client.force_login(user)
    return user


def page(response) -> str:
    return " ".join(response.content.decode().split())


def test_anonymous_visitors_are_sent_to_sign_in(client):
    report = make_asc0013_like_report()
    for url in [
        reverse("reports:list"),
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:pdf", args=[report.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_an_officer_starts_an_extension_report_from_a_contract_with_its_next_option_chosen(client):
    signed_in(client, roles.OFFICER)
    contract = make_asc0013_like_contract()
    option = contract.options.get()

    form = client.get(reverse("reports:create") + f"?contract={contract.pk}")
    assert form.context["form"].initial["option"] == option.pk
    response = client.post(
        reverse("reports:create"),
        {
            "kind": "extension",
            "contract": contract.pk,
            "option": option.pk,
            "decision_route": "cabinet",
            "meeting_date_day": "14",
            "meeting_date_month": "3",
            "meeting_date_year": "2017",
        },
    )

    report = DecisionReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert report.title == f"Extension of contract – {contract.title} (ref: {contract.reference})"
    assert report.status == DecisionReport.Status.DRAFT
    assert [o.kind for o in sorted(report.options.all(), key=lambda o: o.number)] == ReportOption.ORDER


def test_an_extension_report_needs_an_option_of_its_own_contract(client):
    signed_in(client, roles.OFFICER)
    contract, other = make_asc0013_like_contract(), make_asc0013_like_contract()

    missing = client.post(
        reverse("reports:create"), {"kind": "extension", "contract": contract.pk, "decision_route": "cabinet"}
    )
    foreign = client.post(
        reverse("reports:create"),
        {"kind": "extension", "contract": contract.pk, "option": other.options.get().pk, "decision_route": "cabinet"},
    )

    assert "Select the extension option the report asks to exercise" in page(missing)
    assert "Select one of the chosen contract&#x27;s own extension options" in page(foreign)
    assert not DecisionReport.objects.exists()


def test_the_preview_shows_the_figures_the_tracker_computes(client):
    signed_in(client, roles.VIEWER)
    report = make_asc0013_like_report()

    text = page(client.get(reverse("reports:detail", args=[report.pk])))

    assert (
        "The annual value of this contract is £524,994 per annum. The value of a two-year extension is £1,049,988."
        in text
    )
    assert "from 1 September 2017 until 31 August 2019, by exercising option 1" in text


def test_the_preview_warns_when_the_option_value_typed_in_disagrees_with_the_computed_one(client):
    signed_in(client, roles.OFFICER)
    report = make_asc0013_like_report()
    report.option.value = 1_000_000
    report.option.save()

    text = page(client.get(reverse("reports:detail", args=[report.pk])))

    assert "Option 1&#x27;s recorded value, £1,000,000, is not the annual value times its length, £1,049,988" in text


def test_a_report_with_sections_missing_is_not_submitted_and_the_officer_sees_what_is_missing(client):
    signed_in(client, roles.OFFICER)
    report = make_asc0013_like_report(written=False)

    response = client.post(reverse("reports:submit", args=[report.pk]))

    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text
    assert "Write the executive summary" in text
    assert "Choose the option the report recommends" in text
    assert DecisionReport.objects.get().status == DecisionReport.Status.DRAFT


def test_an_officer_writes_the_sections_and_the_options_and_submits(client):
    officer = signed_in(client, roles.OFFICER)
    report = make_asc0013_like_report()

    sections = client.post(
        reverse("reports:edit-sections", args=[report.pk]),
        {"executive_summary": "Seeking approval to extend.", "recommendations": "That officers report back in 2018."},
    )
    options = {f"{kind}_description": f"About {kind}" for kind in ReportOption.ORDER}
    appraisal = client.post(reverse("reports:edit-options", args=[report.pk]), {**options, "recommended": "extend"})
    submit = client.post(reverse("reports:submit", args=[report.pk]))

    assert sections.status_code == appraisal.status_code == submit.status_code == 302
    report.refresh_from_db()
    assert report.executive_summary == "Seeking approval to extend."
    assert report.status == DecisionReport.Status.SUBMITTED and report.submitted_by == officer
    assert report.options.get(is_recommended=True).kind == "extend"
    text = page(client.get(reverse("reports:detail", args=[report.pk])))
    assert "1.2</span> That officers report back in 2018." in text


def test_an_officer_cannot_approve_a_report(client):
    officer = signed_in(client, roles.OFFICER)
    report = submitted(make_asc0013_like_report(), officer=officer)

    response = client.post(reverse("reports:approve", args=[report.pk]))

    assert response.status_code == 403
    assert DecisionReport.objects.get().status == DecisionReport.Status.SUBMITTED
    assert "Approve" not in page(client.get(reverse("reports:detail", args=[report.pk]))).replace("approval", "")


def test_a_manager_approves_a_submitted_report_and_the_history_says_who(client):
    author = make_user(role=roles.OFFICER, first_name="Priya", last_name="Shah")
    report = submitted(make_asc0013_like_report(officer=author), officer=author)
    manager = signed_in(client, roles.MANAGER, first_name="Joanne", last_name="Clarke")

    response = client.post(reverse("reports:approve", args=[report.pk]))

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == DecisionReport.Status.APPROVED and report.approved_by == manager
    history = client.get(reverse("reports:detail", args=[report.pk])).context["history"]
    assert (history[0].who, history[0].why) == ("Joanne Clarke", "Approved")
    assert "Status: Submitted for approval → Approved" in history[0].changes
    assert "Approved by: (empty) → Joanne Clarke" in history[0].changes
    assert any(entry.who == "Priya Shah" and entry.why == "Submitted for approval" for entry in history)


def test_a_draft_cannot_be_approved_even_by_a_manager(client):
    signed_in(client, roles.MANAGER)
    report = make_asc0013_like_report()

    response = client.post(reverse("reports:approve", args=[report.pk]))

    assert response.status_code == 200
    assert "Only a report submitted for approval can be approved" in page(response)
    assert DecisionReport.objects.get().status == DecisionReport.Status.DRAFT


def test_an_approved_report_can_no_longer_be_changed(client):
    officer = signed_in(client, roles.OFFICER)
    report = submitted(make_asc0013_like_report(), officer=officer)
    from reports.services import report_approve

    report_approve(report=report, officer=make_user(role=roles.MANAGER))

    response = client.post(reverse("reports:edit-sections", args=[report.pk]), {"executive_summary": "Rewritten"})

    assert response.status_code == 302
    assert DecisionReport.objects.get().executive_summary != "Rewritten"


def test_a_manager_returns_a_report_to_draft_giving_a_reason(client):
    officer = make_user(role=roles.OFFICER)
    report = submitted(make_asc0013_like_report(officer=officer), officer=officer)
    signed_in(client, roles.MANAGER)

    without = client.post(reverse("reports:approve", args=[report.pk]), {"action": "return", "reason": ""})
    assert page(without).count("Enter why the report is going back to draft") == 2
    assert DecisionReport.objects.get().status == DecisionReport.Status.SUBMITTED

    returned = client.post(
        reverse("reports:approve", args=[report.pk]), {"action": "return", "reason": "Add the 2016/17 Q4 figures"}
    )

    assert returned.status_code == 302
    report.refresh_from_db()
    assert report.status == DecisionReport.Status.DRAFT
    history = client.get(reverse("reports:detail", args=[report.pk])).context["history"]
    assert history[0].why == "Returned to draft: Add the 2016/17 Q4 figures"


def test_a_viewer_reads_a_report_but_cannot_change_submit_or_approve_it(client):
    signed_in(client, roles.VIEWER)
    report = make_asc0013_like_report()

    detail = client.get(reverse("reports:detail", args=[report.pk]))

    assert detail.status_code == 200
    assert "Submit for approval" not in page(detail)
    for name in ("edit", "edit-sections", "edit-options", "edit-implications"):
        assert client.get(reverse(f"reports:{name}", args=[report.pk])).status_code == 403
        assert client.post(reverse(f"reports:{name}", args=[report.pk]), {}).status_code == 403
    assert client.post(reverse("reports:submit", args=[report.pk])).status_code == 403
    assert client.post(reverse("reports:approve", args=[report.pk])).status_code == 403
    assert client.get(reverse("reports:approve", args=[report.pk])).status_code == 405
    assert client.get(reverse("reports:create")).status_code == 403


def test_someone_outside_the_contract_team_cannot_find_its_report(client):
    report = make_asc0013_like_report()
    signed_in(client, roles.MANAGER, teams=[make_team()])

    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:pdf", args=[report.pk])).status_code == 404
    assert report.title not in page(client.get(reverse("reports:list")))


def test_the_pdf_download_is_the_report_named_after_the_contract(client):
    signed_in(client, roles.VIEWER)
    report = make_asc0013_like_report()

    response = client.get(reverse("reports:pdf", args=[report.pk]))

    assert response["Content-Type"] == "application/pdf"
    # A download, not a page the browser opens in place of the report (issue 23).
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{report.contract.reference}-extension-2017-03-14.pdf"'
    )
    assert "£1,049,988" in pdf_text(b"".join(response.streaming_content))


def test_the_implications_form_sets_the_y_n_tables(client):
    signed_in(client, roles.OFFICER)
    report = make_asc0013_like_report(written=False)

    client.post(
        reverse("reports:edit-implications", args=[report.pk]),
        {"policy_implications": "Council Plan 2016-20", "implies_revenue": "on", "implies_human_rights": "on"},
    )

    report.refresh_from_db()
    assert (report.implies_revenue, report.implies_human_rights, report.implies_capital) == (True, True, False)
    assert report.policy_implications == "Council Plan 2016-20"


def test_kpis_reported_after_the_meeting_are_left_out_of_the_report():
    report = make_asc0013_like_report(meeting_date=date(2016, 12, 1))
    from reports.selectors import report_facts

    facts = report_facts(report)

    assert not facts.kpis
    assert any("No monitoring returns are recorded" in warning for warning in facts.warnings)
