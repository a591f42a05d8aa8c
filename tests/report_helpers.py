"""Small explicit helpers for the performance and decision report tests.

``make_asc0013_like_report`` builds the shape of the seed report with the test factories (no
demo data): a contract starting 1 September 2014 for 36 months with one 24-month option, an
annual value of £524,994, a quarter's KPIs, two quality assessments and a written report.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from pypdf import PdfReader

from commissioning.changes import contract_changed
from contracts.models import ExtensionOption
from reports import services
from reports.models import DecisionReport, KpiResult, MonitoringReturn, QualityAssessment, ReportOption, Unit
from reports.selectors import report_for_display
from tests.factories import make_contract

WRITTEN = {
    "responsible_member": "Councillor Long (Cabinet Member for Adult Social Care and Housing)",
    "sponsor": "Michael Bracey (Corporate Director People)",
    "author": "Mick Hancock (Assistant Director Joint Commissioning)",
    "author_contact": "Tel: (01908) 257967",
    "executive_summary": "This report is seeking approval to extend the current contract.",
    "context": "The extension of this contract affects the whole population.",
    "achievements": "All of these figures represent an increase on previous quarters.",
    "background": "The award of the original contract was agreed on 1 July 2014.",
    "contract_management": "The key governance processes include:\n\n- Quarterly contract monitoring meetings\n- Annual quality assessment",
    "resources_and_risk": "The costs are contained within the current revenue budget.",
    "legal_implications": "The contract adheres to the Council's standard terms and conditions.",
    "equalities_implications": "The service supports women, men and children affected by domestic abuse.",
    "risk_implications": "A re-tender would be unlikely to gain quality or value for money.",
    "implies_revenue": True,
    "implies_crime_and_disorder": True,
}

OPTION_TEXTS = {
    ReportOption.Kind.EXTEND: {
        "description": "The contract is still relevant.",
        "benefits": "Continuity of services.",
        "risks": "",
    },
    ReportOption.Kind.EXTEND_WITH_VARIATIONS: {
        "description": "There is no need to vary the contract.",
        "benefits": "",
        "risks": "",
    },
    ReportOption.Kind.RETENDER: {
        "description": "Few specialist providers exist.",
        "benefits": "",
        "risks": "No gain in quality or value.",
    },
    ReportOption.Kind.DECOMMISSION: {
        "description": "The need for the service remains high.",
        "benefits": "",
        "risks": "",
    },
}


def make_asc0013_like_contract(**fields):
    fields.setdefault("annual_value", Decimal("524994"))
    return make_contract(
        start_date=date(2014, 9, 1),
        initial_term_months=36,
        option_months=(24,),
        max_extent_date=date(2019, 8, 31),
        title="Comprehensive support services for victims of domestic abuse",
        **fields,
    )


def add_return(contract, *, year: int = 2016, quarter: int = 3, results=()) -> MonitoringReturn:
    monitoring_return = MonitoringReturn.objects.create(contract=contract, year=year, quarter=quarter)
    for position, (service, name, unit, target, actual) in enumerate(results, start=1):
        KpiResult.objects.create(
            monitoring_return=monitoring_return,
            service=service,
            name=name,
            unit=unit,
            target=None if target is None else Decimal(target),
            actual=Decimal(actual),
            position=position,
        )
    return monitoring_return


def make_asc0013_like_report(
    *, officer=None, meeting_date: date = date(2017, 3, 14), written: bool = True, contract=None
) -> DecisionReport:
    """A draft extension report on option 1, fully written when ``written`` (ready to submit)."""
    contract = contract or make_asc0013_like_contract()
    add_return(
        contract,
        results=[
            ("One Stop", "New referrals responded to within 24 hours", Unit.PERCENT, 100, 100),
            ("Refuge", "Refuge occupancy", Unit.PERCENT, 90, 99),
        ],
    )
    QualityAssessment.objects.create(
        contract=contract,
        service="Refuge",
        assessed_on=date(2016, 3, 1),
        score=Decimal("83"),
        follow_up_on=date(2016, 7, 1),
        follow_up_score=Decimal("90"),
    )
    QualityAssessment.objects.create(
        contract=contract,
        service="Crisis intervention (One Stop)",
        assessed_on=date(2016, 3, 1),
        score=Decimal("87"),
        follow_up_on=date(2016, 7, 1),
        follow_up_score=Decimal("94"),
    )
    option = contract.options.get(sequence=1)
    report = services.report_create(
        report=DecisionReport(
            kind=DecisionReport.Kind.EXTENSION, contract=contract, option=option, meeting_date=meeting_date
        ),
        officer=officer,
    )
    if written:
        services.report_update(report=report, fields=WRITTEN, officer=officer, reason="Written")
        services.report_options_save(
            report=report, texts=OPTION_TEXTS, recommended=ReportOption.Kind.EXTEND, officer=officer
        )
    return report_for_display(report.pk)


def submitted(report: DecisionReport, *, officer) -> DecisionReport:
    services.report_submit(report=report, officer=officer)
    return report_for_display(report.pk)


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, pages joined, with runs of whitespace made single spaces."""
    reader = PdfReader(BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def exercised(option: ExtensionOption) -> ExtensionOption:
    option.status = ExtensionOption.Status.EXERCISED
    option.save()
    contract_changed(contract=option.contract)
    return option
