"""A recommissioning (procurement approval) report has its own structure: the procurement routes
appraised, the value with and without VAT, the regime and the notices it will need, the cycle's
timetable and the cover table with any gap (issue 23)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commissioning.models import CommissioningCycle
from contracts import roles
from contracts.models import Contract
from reports import services
from reports.models import DecisionReport, ReportOption
from reports.pdf import render_report_pdf
from reports.selectors import report_facts, report_for_display
from tests.factories import make_milestone, make_user
from tests.pdf_checks import pdf_problems
from tests.report_helpers import WRITTEN, pdf_text
from tests.test_cover_pages import milton_keynes, on_22_november_2026  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_22_november_2026")]

ROUTES = {
    "open": {"description": "An open procedure invites every provider.", "benefits": "Competition.", "risks": ""},
    "competitive_flexible": {"description": "Negotiation with shortlisted providers.", "benefits": "", "risks": ""},
    "direct_award": {"description": "Not lawful here: no ground in ss.41 to 43 applies.", "benefits": "", "risks": ""},
    "grant": {"description": "A grant would not secure the service specified.", "benefits": "", "risks": ""},
    "in_house": {"description": "The council has no refuge staff.", "benefits": "", "risks": ""},
}


@pytest.fixture
def cycle(settings, tmp_path) -> CommissioningCycle:
    settings.MEDIA_ROOT = tmp_path / "media"
    _framework, _children, _successor, cycle = milton_keynes(stage="market_engagement", new_start=date(2027, 4, 1))
    cycle.estimated_value = Decimal("4400000")
    cycle.is_light_touch = True
    cycle.save()
    make_milestone(
        cycle=cycle, title="Market engagement responses due", due_on=date(2026, 3, 12), kind="market_engagement"
    )
    make_milestone(cycle=cycle, title="Contract signed", due_on=date(2027, 2, 1), kind="award")
    return cycle


def written_report(cycle, *, recommended="open", officer=None) -> DecisionReport:
    report = services.report_create(
        report=DecisionReport(kind=DecisionReport.Kind.RECOMMISSIONING, cycle=cycle, meeting_date=date(2026, 12, 15)),
        officer=officer,
    )
    fields = {name: value for name, value in WRITTEN.items() if name not in ("achievements", "contract_management")}
    services.report_update(
        report=report,
        fields={**fields, "social_value": "Local VCSE providers are weighted."},
        officer=officer,
        reason="Written",
    )
    services.report_options_save(report=report, texts=ROUTES, recommended=recommended, officer=officer)
    return report_for_display(report.pk)


def test_the_options_appraisal_weighs_the_procurement_routes_not_the_extensions_four_options(cycle):
    text = pdf_text(render_report_pdf(written_report(cycle)))

    assert "4. Procurement route options" in text
    for heading in [
        "4.1 Option 1: Open procedure (Procurement Act 2023 s.20(2)(a)) (recommended)",
        "4.2 Option 2: Competitive flexible procedure (s.20(2)(b))",
        "4.3 Option 3: Direct award, where the Act allows it (ss.41 to 43)",
        "4.4 Option 4: Grant funding instead of a contract",
        "4.5 Option 5: Bring the service in-house",
    ]:
        assert heading in text
    assert "Extend the existing contract" not in text


def test_the_report_gives_the_value_with_and_without_vat_the_light_touch_regime_and_the_notices(cycle):
    text = pdf_text(render_report_pdf(written_report(cycle)))

    assert "The estimated value of the new contracts is £4,400,000 including VAT, £3,666,666.67 excluding VAT." in text
    assert "the light touch regime" in text
    assert "light-touch services threshold of £663,540" in text
    assert "Publish the UK6 contract award notice for MK domestic abuse support services 2027" in text
    assert "Publish the UK7 contract details notice" in text
    # UK7 within 120 days (light touch) beginning with the planned signing on 1 February 2027.
    assert "31 May 2027" in text


def test_the_timetable_is_the_cycles_milestones_and_the_cover_table_shows_the_gap(cycle):
    text = pdf_text(render_report_pdf(written_report(cycle)))

    assert "5.3 Timetable" in text
    assert "Market engagement responses due 12 March 2026" in text
    assert "Contract signed 1 February 2027" in text
    assert "31 days: Refuge has no contract from 1 to 31 March 2027" in text


def test_the_first_recommendation_is_written_from_the_recommended_route(cycle):
    facts = report_facts(written_report(cycle))

    assert facts.recommendations[0] == (
        "That approval is given to recommission MK domestic abuse support services 2027 by the route appraised as "
        "option 1: open procedure (Procurement Act 2023 s.20(2)(a)), with an estimated value of £4,400,000 "
        "including VAT, for new contracts to start on 1 March 2027."
    )


def test_a_direct_award_route_needs_its_transparency_notice(cycle):
    facts = report_facts(written_report(cycle, recommended="direct_award"))

    assert any(notice.notice_type == "UK5" for notice in facts.procurement.notices)


def test_approving_the_open_procedure_records_a_re_tender_on_the_contracts_replaced(cycle):
    team = cycle.team
    author = make_user(role=roles.OFFICER, teams=[team])
    report = written_report(cycle, officer=author)
    services.report_submit(report=report, officer=author)

    services.report_approve(report=report, officer=make_user(role=roles.MANAGER, teams=[team]))

    assert set(Contract.objects.filter(successor_cycles=cycle).values_list("decision", flat=True)) == {
        Contract.Decision.RETENDER
    }


def test_the_recommissioning_pdf_passes_the_accessibility_checks(cycle):
    report = written_report(cycle)

    assert pdf_problems(render_report_pdf(report), title=report.title) == []


def test_a_recommissioning_report_started_before_routes_existed_gets_them(cycle):
    """Reports whose type changes to recommissioning get the routes to appraise, unwritten."""
    from tests.report_helpers import make_asc0013_like_contract

    report = services.report_create(
        report=DecisionReport(kind=DecisionReport.Kind.DECOMMISSIONING, contract=make_asc0013_like_contract()),
        officer=None,
    )
    services.report_update(
        report=report, fields={"kind": "recommissioning", "contract": None, "cycle": cycle}, officer=None, reason="Type"
    )

    kinds = [option.kind for option in report_facts(report_for_display(report.pk)).options]
    assert kinds == [str(kind) for kind in ReportOption.ROUTES]


def test_the_reports_history_names_each_route_as_the_report_numbers_it(cycle, client):
    author = make_user(role=roles.OFFICER, teams=[cycle.team])
    report = written_report(cycle, officer=author)
    client.force_login(author)

    page = " ".join(client.get(report.get_absolute_url()).content.decode().split())

    assert "Option 1 (open procedure (procurement act 2023 s.20(2)(a))) changed" in page
    assert "Option 5 (bring the service in-house) changed" in page


def test_a_value_recorded_without_vat_has_vat_added_for_the_value_with_it(cycle):
    cycle.estimated_value_includes_vat = False
    cycle.save()

    facts = report_facts(written_report(cycle))

    assert (facts.procurement.value_with_vat, facts.procurement.value_without_vat) == (
        Decimal("5280000.00"),
        Decimal("4400000"),
    )
    assert (
        "The estimated value is recorded without VAT; with VAT at 20% it is £5,280,000." == facts.procurement.vat_words
    )
