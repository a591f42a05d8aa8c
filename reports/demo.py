"""Demo data for performance and decision reports: ASC0013 as the 2017 Cabinet report tells it.

Called from ``contracts.demo`` as the last of its parts (``load_asc0013_report``), after
ASC0013 itself is loaded. Like every part, it finds each record by its natural key and
creates only what is missing, so running the demo twice creates nothing the second time and
an officer's edits are never undone.

What it loads, from the seed report (seeds/mk-asc0013-extension-cabinet-report.txt):

- the 2016/17 quarter 3 monitoring return, with the figures section 2.3 gives for One Stop,
  the Refuge and Fresh Start (some are for the year to date; the indicator says so);
- the three quality assessments of 2016: refuge 83% then 90%, crisis intervention (One Stop)
  87% then 94%, perpetrator programme (Fresh Start) 83% then 94%, after the action plans;
- the extension report itself, submitted for approval, so the demo manager can approve it.
  Its narrative is the seed's, less the figures the tracker computes (dates, values, KPIs,
  scores), which the report shows from the data. So the seed's "until 1 July 2019" and its
  "1 July 2017" award date do not survive: the extension runs to 31 August 2019 because
  that is where 36 months from 1 September 2014 plus the 24-month option end.

Assumptions (each also written on the record it affects):

13. The report gives no KPI targets. Two stand in to show a target met: 100% of new
    referrals responded to within 24 hours and 90% refuge occupancy. The rest have none.
14. The quality visits were "undertaken during Year 2 of the contract in 2016"; 1 March 2016
    stands in for the visits and 1 July 2016 for the follow-ups after the action plans.
15. The report's meeting date is contracts.demo's assumption 1, 14 March 2017.
16. The return's risk-score figures are for "cases closed during the quarter"; the report
    places them under One Stop, and so does the return.
17. The seed's resources and risk section is split into the financial and risk implications;
    the legal and equalities narratives stand in (the seed has a computed sentence and a "Y").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from . import services
from .models import DecisionReport, KpiResult, MonitoringReturn, QualityAssessment, ReportOption, Unit

REASON = "Demo data: loaded from the seed documents"
MEETING_DATE = date(2017, 3, 14)  # contracts.demo assumption 1

ONE_STOP = "One Stop (crisis intervention)"
REFUGE = "Refuge"
FRESH_START = "Fresh Start (perpetrator programme)"

# (service, indicator, unit, target, actual, higher is better)
Q3_2016_17 = [
    (ONE_STOP, "People who received a service, 2016/17 to date", Unit.NUMBER, None, 310, True),
    (ONE_STOP, "People new to the service, 2016/17 to date", Unit.NUMBER, None, 137, True),
    (ONE_STOP, "New referrals responded to within 24 hours", Unit.PERCENT, 100, 100, True),
    (ONE_STOP, "New referrals given support and safety planning within 48 hours", Unit.PERCENT, None, 67, True),
    (ONE_STOP, "New referrals given a full needs and risk assessment", Unit.PERCENT, None, 65, True),
    (ONE_STOP, "Closed cases whose risk score decreased", Unit.NUMBER, None, 62, True),
    (ONE_STOP, "Closed cases whose risk score stayed the same", Unit.NUMBER, None, 5, False),
    (ONE_STOP, "Closed cases whose risk score increased", Unit.NUMBER, None, 0, False),
    (REFUGE, "Refuge occupancy", Unit.PERCENT, 90, 99, True),
    (REFUGE, "Women living in the refuge at the end of the quarter", Unit.NUMBER, None, 28, True),
    (REFUGE, "Children living in the refuge at the end of the quarter", Unit.NUMBER, None, 36, True),
    (REFUGE, "Average length of stay", Unit.MONTHS, None, 10, True),
    (FRESH_START, "Referrals, 2016/17 quarters 1 to 3", Unit.NUMBER, None, 84, True),
    (FRESH_START, "Attended for assessment, 2016/17 quarters 1 to 3", Unit.NUMBER, None, 42, True),
    (FRESH_START, "Accepted onto the programme, 2016/17 quarters 1 to 3", Unit.NUMBER, None, 29, True),
    (FRESH_START, "Actively engaged with the programme in the quarter", Unit.NUMBER, None, 17, True),
    (FRESH_START, "Partners using the Partner Support Service at the end of the quarter", Unit.NUMBER, None, 21, True),
]

ACTION_PLAN = (
    "Actions were predominantly about staff training, supervision and appraisals. The action "
    "plan was responded to in full, including a new training plan and increased training for staff."
)
QUALITY = [
    ("Refuge", 83, 90),
    ("Crisis intervention (One Stop)", 87, 94),
    ("Perpetrator programme (Fresh Start)", 83, 94),
]
VISITS, FOLLOW_UPS = date(2016, 3, 1), date(2016, 7, 1)  # assumption 14

TITLE = "Extension of contract – Comprehensive Support Services for Victims of Domestic Abuse (ref: ASC0013)"

SECTIONS = {
    "responsible_member": "Councillor Long (Cabinet Member for Adult Social Care and Housing)",
    "sponsor": "Michael Bracey (Corporate Director People)",
    "author": "Mick Hancock (Assistant Director Joint Commissioning)",
    "author_contact": "Tel: (01908) 257967",
    "executive_summary": (
        "The Council is strongly committed to challenging all forms of domestic abuse, which requires a "
        "clear and consistent approach to resourcing. The requested contract extension supports the "
        "commitment made to supporting domestic abuse services in the Council Plan 2016-20 and maintaining "
        "services at their current level. This report is seeking approval to extend the current contract "
        "for the provision of Comprehensive Support for Victims of Domestic Abuse currently provided by MK ACT.\n\n"
        "The service delivers prevention, crisis intervention and refuge provision for victims of domestic abuse.\n\n"
        "The recommended extension is based on the satisfactory performance of the current contract and the "
        "limited value to be gained from tendering the current service given the small number of providers "
        "of specialist domestic abuse services. The extension will also provide time for a new domestic abuse "
        "strategy for Milton Keynes to be agreed and a new service model based on the strategy to be "
        "developed if required.\n\n"
        "Procurement & Commissioning awarded this tender at its meeting held on 1 July 2014."
    ),
    "context": (
        "The extension of this contract affects the whole population in terms of providing services to "
        "victims of domestic abuse as well as supporting perpetrators of domestic abuse to change their behaviour.\n\n"
        "The key requirements of this contract are to provide:\n\n"
        "- Information, advice and crisis intervention to victims of domestic abuse (One Stop);\n"
        "- Confidential refuge provision for 28 women and any accompanying children at risk of domestic violence; and\n"
        "- A programme to support perpetrators of domestic abuse to address their behaviour while supporting "
        "their partners (Fresh Start)."
    ),
    "achievements": (
        "One Stop: all of the 2016/17 figures below represent an increase on previous quarters. A key outcome "
        "is reducing the risk of domestic abuse for people who access the service. Outcomes recorded by "
        "individual service users included: ended relationship with their abuser; better understanding of "
        "domestic violence; learned strategies to help keep themselves and their children safe; increase in "
        "confidence; steps taken to move on, for example training, voluntary work and employment.\n\n"
        "Refuge: the majority of the children living in the refuge at the end of the quarter were aged 0 to 3. "
        "Outcomes data completed by women on leaving the refuge reported positive outcomes in relation to "
        "health, financial, parenting, immigration and criminal justice.\n\n"
        "Fresh Start: following concerns from commissioners regarding low numbers of perpetrators actively "
        "engaging with the programme, MK ACT has recently employed a new development worker and divided the "
        "programme into modules, significantly reducing waiting times to access the programme. When "
        "perpetrators join Fresh Start their partners and ex-partners are referred to the Partner Support "
        "Service, which offers risk assessments and safety planning as well as ongoing support and advice. "
        "A full outcomes report for all individuals involved with the Fresh Start programme for 2016/17 will "
        "be produced by MK ACT in April 2017."
    ),
    "background": "The award of the original contract was agreed by Procurement and Commissioning on 1 July 2014.",
    "contract_management": (
        "The Senior Client Officer for this contract is the Assistant Director (Joint Commissioning). The "
        "contract adheres to the Council's standard terms and conditions as maintained by the Council's legal "
        "services team.\n\n"
        "The key governance processes include:\n\n"
        "- Quarterly monitoring information, workbook collection and analysis\n"
        "- Quarterly outcomes monitoring: key performance indicators\n"
        "- Quarterly contract monitoring meetings\n"
        "- Annual quality assessment\n"
        "- Break clauses\n"
        "- Escalation process\n"
        "- Contracted service delivered within the agreed contract value\n\n"
        "The quality assurance visits were undertaken during year 2 of the contract, in 2016. There were no "
        "serious concerns from the visits and the action plans were responded to in full."
    ),
    "policy_implications": (
        "The Council has committed to supporting domestic abuse services in the Council Plan 2016-20 and "
        "maintaining services at their current level. The domestic abuse contract has been key to supporting "
        "the priorities of the Milton Keynes Domestic and Sexual Abuse Reduction Strategy 2013-15 to reduce "
        "offending and repeat offending rates through:\n\n"
        "- Creating a climate in which domestic and sexual abuse is not tolerated\n"
        "- Developing early identification and responses\n"
        "- Ensuring individuals are able to access support and feel safer\n"
        "- Supporting a coordinated approach to domestic and sexual abuse across Milton Keynes\n\n"
        "The Strategy requires updating and the extension would enable an effective domestic abuse service to "
        "be provided while any new strategic priorities resulting in a need for a different service model and "
        "new specification are established."
    ),
    "resources_and_risk": "The costs are contained within the current revenue budget.",
    # Assumption 17: the seed's "Resources and Risk" section is split into the financial and
    # risk implications; its legal section is only the sentence the tracker computes, and its
    # equalities implication only a "Y". The words below stand in, drawn from the seed's own
    # statements elsewhere (sections 2 and 4), so the demo report can be submitted.
    "risk_implications": (
        "The key opportunity secured by this contract is the fulfilment of the Council's commitment in relation "
        "to preventing domestic abuse, supporting victims of abuse and challenging the perpetrators of domestic "
        "abuse.\n\n"
        "It is assessed that the extension and procurement of this contract provides a high likelihood that a "
        "high impact will continue to be delivered."
    ),
    "legal_implications": (
        "The contract adheres to the Council's standard terms and conditions as maintained by the Council's "
        "legal services team. (Assumption: the seed report gives only the contract's term and options here.)"
    ),
    "equalities_implications": (
        "The service supports women, men and children affected by domestic abuse across Milton Keynes; the "
        "extension keeps it as it is for them. (Assumption: the seed report marks equalities 'Y' without a "
        "narrative.)"
    ),
    "carbon_and_energy": "Not applicable.",
    "background_papers": "None.",
    # The seed's Y/N tables.
    "implies_revenue": True,
    "implies_equalities": True,
    "implies_human_rights": True,
    "implies_stakeholders": True,
    "implies_crime_and_disorder": True,
}

OPTIONS = {
    ReportOption.Kind.EXTEND: {
        "description": (
            "The contract is still relevant as it supports the Council's commitment to tackling domestic abuse "
            "in Milton Keynes and supporting victims of domestic abuse."
        ),
        "benefits": (
            "An extension will enable the continuation of services as well as providing time for outcomes and "
            "evidence to be gathered for the new perpetrators programme."
        ),
        "risks": "",
    },
    ReportOption.Kind.EXTEND_WITH_VARIATIONS: {
        "description": "As the contract specification is still relevant there is no need to vary the contract.",
        "benefits": "",
        "risks": "",
    },
    ReportOption.Kind.RETENDER: {
        "description": (
            "There are a limited number of organisations with the experience and expertise to provide specialist "
            "domestic abuse services: when the contract was tendered in 2014 nine expressions of interest were "
            "received, of which two providers submitted a full tender."
        ),
        "benefits": "",
        "risks": (
            "There is a high risk that a re-tender would not result in any additional gain in terms of quality, "
            "value for money or financial savings to the Council."
        ),
    },
    ReportOption.Kind.DECOMMISSION: {
        "description": (
            "De-commissioning is not an option as the need for the service remains high and is supported by the "
            "Council's commitment in the Council Plan 2016-20 that domestic abuse services would not be reduced."
        ),
        "benefits": "",
        "risks": "",
    },
}


def load_asc0013_report(demo) -> None:
    contract = demo.contracts["asc0013"]
    _load_monitoring_return(demo, contract)
    _load_quality(demo, contract)
    _load_report(demo, contract)


def _load_monitoring_return(demo, contract) -> None:
    if MonitoringReturn.objects.filter(contract=contract, year=2016, quarter=3).exists():
        demo.already_present += 1
        return
    monitoring_return = services.monitoring_return_save(
        monitoring_return=MonitoringReturn(
            contract=contract,
            year=2016,
            quarter=3,
            notes=(
                "From section 2.3 of the 2017 Cabinet report extending ASC0013. Some figures are for the year "
                "to date or quarters 1 to 3, as each indicator says.\n\n"
                "Assumption: the report gives no targets; 100% of new referrals responded to within 24 hours "
                "and 90% refuge occupancy stand in. The other indicators have none."
            ),
        ),
        officer=None,
        reason=REASON,
    )
    for service, name, unit, target, actual, higher_is_better in Q3_2016_17:
        services.kpi_result_save(
            result=KpiResult(
                monitoring_return=monitoring_return,
                service=service,
                name=name,
                unit=unit,
                target=None if target is None else Decimal(target),
                actual=Decimal(actual),
                higher_is_better=higher_is_better,
            ),
            officer=None,
            reason=REASON,
        )
    demo.created.append(f"monitoring return {monitoring_return}")


def _load_quality(demo, contract) -> None:
    for service, score, follow_up_score in QUALITY:
        if QualityAssessment.objects.filter(contract=contract, service=service, assessed_on=VISITS).exists():
            demo.already_present += 1
            continue
        assessment = services.quality_assessment_save(
            assessment=QualityAssessment(
                contract=contract,
                service=service,
                assessed_on=VISITS,
                score=Decimal(score),
                action_plan=ACTION_PLAN,
                notes=(
                    "From section 3.2 of the 2017 Cabinet report extending ASC0013.\n\nAssumption: the report says "
                    "only that the visits were during year 2 of the contract, in 2016; 1 March 2016 (visit) and "
                    "1 July 2016 (follow-up) stand in."
                ),
                follow_up_on=FOLLOW_UPS,
                follow_up_score=Decimal(follow_up_score),
            ),
            officer=None,
            reason=REASON,
        )
        demo.created.append(f"quality assessment {assessment}")


def _load_report(demo, contract) -> None:
    existing = DecisionReport.objects.filter(
        contract=contract, kind=DecisionReport.Kind.EXTENSION, meeting_date=MEETING_DATE
    ).first()
    if existing is not None:
        demo.already_present += 1
        return
    option = contract.options.filter(sequence=1).first()
    if option is None:
        return  # an officer removed the option: there is nothing to report on
    report = services.report_create(
        report=DecisionReport(
            kind=DecisionReport.Kind.EXTENSION,
            title=TITLE,
            contract=contract,
            option=option,
            decision_route=DecisionReport.Route.CABINET,
            meeting_date=MEETING_DATE,
        ),
        officer=None,
        reason=REASON,
    )
    report = services.report_update(report=report, fields=SECTIONS, officer=None, reason=REASON)
    services.report_options_save(report=report, texts=OPTIONS, recommended=ReportOption.Kind.EXTEND, officer=None)
    try:
        services.report_submit(report=report, officer=None)
    except ValidationError:
        pass  # the contract was changed since the seeds (its value, say): the report stays a draft
    demo.created.append(f"decision report {report}")
