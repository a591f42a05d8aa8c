"""Reads that span relations: a report's figures, the KPI tables, quality scores and history.

``report_facts`` is the one place a report's figures come from. The preview page, the PDF
and the checks made before a report is submitted all call it, so what the officer sees is
what Cabinet reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch, TextField
from django.utils import timezone

from common.dates import long_date
from common.history import HistoryEntry, field_label, person_name, value_in_words
from contracts.models import Contract, ExtensionOption

from . import figures
from .models import DecisionReport, KpiResult, MonitoringReturn, QualityAssessment, ReportOption
from .quarters import Quarter

# How many quarters of KPIs a report's tables show, latest last.
REPORT_QUARTERS = 4


def _money(amount: Decimal) -> str:
    return f"£{amount:,.2f}".replace(".00", "")


# --- KPIs and quality ---------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRow:
    service: str
    name: str
    unit: str
    target: Decimal | None
    higher_is_better: bool
    cells: list[KpiResult | None]  # one per quarter of the table, None where not reported
    latest: KpiResult

    @property
    def met(self) -> bool | None:
        return self.latest.met


@dataclass(frozen=True)
class ServiceKpis:
    service: str
    rows: list[KpiRow]


@dataclass(frozen=True)
class KpiTable:
    quarters: list[Quarter]
    services: list[ServiceKpis]

    def __bool__(self) -> bool:
        return bool(self.services)


def returns_up_to(contract: Contract, up_to: date | None) -> list[MonitoringReturn]:
    """The contract's monitoring returns whose quarter had ended by ``up_to`` (all if None)."""
    returns = MonitoringReturn.objects.filter(contract=contract).prefetch_related(
        Prefetch("results", queryset=KpiResult.objects.order_by("position", "id"))
    )
    return [r for r in returns.order_by("year", "quarter") if up_to is None or r.period.end <= up_to]


def kpi_table(contract: Contract, *, up_to: date | None, quarters: int = REPORT_QUARTERS) -> KpiTable:
    """The latest ``quarters`` quarters of KPIs up to ``up_to``, one table per service.

    An indicator is one row across the quarters (matched on its service and name); its target,
    unit and whether it was met come from its latest result.
    """
    returns = returns_up_to(contract, up_to)[-quarters:]
    periods = [r.period for r in returns]
    rows: dict[tuple[str, str], list[KpiResult | None]] = {}
    for column, monitoring_return in enumerate(returns):
        for result in monitoring_return.results.all():
            cells = rows.setdefault((result.service, result.name), [None] * len(returns))
            cells[column] = result
    by_service: dict[str, list[KpiRow]] = {}
    for (service, name), cells in rows.items():
        latest = next(cell for cell in reversed(cells) if cell is not None)
        by_service.setdefault(service, []).append(
            KpiRow(
                service=service,
                name=name,
                unit=latest.unit,
                target=latest.target,
                higher_is_better=latest.higher_is_better,
                cells=cells,
                latest=latest,
            )
        )
    return KpiTable(
        quarters=periods,
        services=[ServiceKpis(service=service, rows=service_rows) for service, service_rows in by_service.items()],
    )


def quality_scores(contract: Contract, *, up_to: date | None) -> list[QualityAssessment]:
    assessments = QualityAssessment.objects.filter(contract=contract).order_by("assessed_on", "id")
    if up_to is not None:
        assessments = assessments.filter(assessed_on__lte=up_to)
    return list(assessments)


# --- a report's figures -------------------------------------------------------------------


@dataclass(frozen=True)
class ContractFacts:
    reference: str
    title: str
    provider: str
    buyer: str
    start_date: date
    initial_term_months: int
    initial_end_date: date
    current_end_date: date
    max_extent_date: date
    annual_value: Decimal | None
    option_months: list[int]

    @property
    def initial_term_words(self) -> str:
        return figures.duration_in_words(self.initial_term_months)

    @property
    def options_summary(self) -> str:
        return figures.option_summary(self.option_months)


@dataclass(frozen=True)
class OptionFacts:
    """The extension a report asks for, worked out from the contract's start and options."""

    sequence: int
    length_months: int
    status: str
    status_label: str
    expires_on: date  # the day the contract ends if the option is not taken
    starts_on: date
    new_end_date: date
    value: Decimal | None  # the annual value times the option's length
    recorded_value: Decimal | None  # as typed on the option, for comparison only

    @property
    def length_words(self) -> str:
        return figures.duration_in_words(self.length_months)

    @property
    def adjective(self) -> str:
        return figures.duration_adjective(self.length_months)


@dataclass(frozen=True)
class CycleFacts:
    name: str
    stage: str
    target_start_date: date | None
    estimated_value: Decimal | None
    replaces: list[str]


@dataclass(frozen=True)
class TimetableRow:
    """One milestone of the cycle's timetable, as a recommissioning report prints it."""

    title: str
    kind: str
    due_on: date
    status: str


@dataclass(frozen=True)
class NoticeRow:
    """One Procurement Act notice (or dated duty) the procurement will need."""

    notice_type: str
    title: str
    due_on: date | None
    basis: str


@dataclass(frozen=True)
class ProcurementFacts:
    """What a recommissioning (procurement approval) report says about the procurement itself."""

    value_with_vat: Decimal | None
    value_without_vat: Decimal | None
    vat_words: str  # how the two values were worked out
    regime: str  # "light touch" or "standard", or below threshold
    regime_label: str
    regime_explanation: str
    is_public_contract: bool
    notices: list[NoticeRow]
    timetable: list[TimetableRow]


@dataclass(frozen=True)
class DecisionTimetable:
    """The key-decision timetable before the meeting (SI 2012/2089 reg 9) and the report deadline."""

    meeting_on: date
    body: str
    notice_by: date  # the forward plan notice, 28 clear days before the meeting
    report_due_on: date | None  # None: the council's report lead time is not recorded
    report_working_days: int | None
    value: Decimal | None  # what the decision is worth
    threshold: Decimal | None  # the council's key-decision threshold, if recorded
    meeting_in_calendar: bool | None  # None: the council's calendar is not imported

    @property
    def is_key_decision(self) -> bool | None:
        """True over the council's threshold; None when the threshold or the value is not known."""
        if self.threshold is None or self.value is None:
            return None
        return self.value > self.threshold


@dataclass
class ReportFacts:
    council: str
    up_to: date | None
    contract: ContractFacts | None = None
    option: OptionFacts | None = None
    cycle: CycleFacts | None = None
    kpis: KpiTable = field(default_factory=lambda: KpiTable([], []))
    quality: list[QualityAssessment] = field(default_factory=list)
    options: list[ReportOption] = field(default_factory=list)
    generated_recommendation: str = ""
    recommendations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Where the cover of each service ends under the contract, or the contracts the cycle
    # replaces, and what comes next (commissioning.cover.Boundary), as it stands today.
    cover_boundaries: list = field(default_factory=list)
    procurement: ProcurementFacts | None = None
    timetable: DecisionTimetable | None = None
    # Where the meeting date leaves too little time: shown before submitting, never blocking
    # it, since a council's urgency procedures (reg 10 and 11) can still allow the decision.
    timetable_warnings: list[str] = field(default_factory=list)

    kind: str = ""  # the report's type (DecisionReport.Kind)

    @property
    def recommended(self) -> ReportOption | None:
        return next((o for o in self.options if o.is_recommended), None)

    @property
    def is_recommissioning(self) -> bool:
        return self.kind == DecisionReport.Kind.RECOMMISSIONING

    @property
    def numbers(self) -> dict[str, int]:
        """Section numbers: a recommissioning report has a section on the procurement before its implications."""
        implications = 6 if self.is_recommissioning else 5
        return {"implications": implications, "timetable": implications + 1}


def _contract_facts(contract: Contract) -> ContractFacts:
    options = sorted(contract.options.all(), key=lambda o: o.sequence)
    return ContractFacts(
        reference=contract.reference,
        title=contract.title,
        provider=contract.provider.name if contract.provider else "",
        buyer=contract.buyer.name,
        start_date=contract.start_date,
        initial_term_months=contract.initial_term_months,
        initial_end_date=contract.initial_end_date,
        current_end_date=contract.current_end_date,
        max_extent_date=contract.effective_max_extent_date,
        annual_value=contract.annual_value,
        option_months=[o.length_months for o in options],
    )


def _option_facts(contract: Contract, option: ExtensionOption) -> OptionFacts:
    """Options are taken in order, so option k runs on from the term that includes 1..k-1."""
    period = contract.option_periods()[option.sequence]
    expires_on, new_end = period.start - timedelta(days=1), contract.end_if_exercised(option)
    value = (
        figures.value_over_months(contract.annual_value, option.length_months)
        if contract.annual_value is not None
        else None
    )
    return OptionFacts(
        sequence=option.sequence,
        length_months=option.length_months,
        status=option.status,
        status_label=option.get_status_display(),
        expires_on=expires_on,
        starts_on=expires_on + timedelta(days=1),
        new_end_date=new_end,
        value=value,
        recorded_value=option.value,
    )


def _council(report: DecisionReport) -> str:
    if report.contract_id:
        return report.contract.buyer.name
    if report.cycle_id:
        replaced = report.cycle.replaces.select_related("buyer").order_by("reference").first()
        if replaced is not None:
            return replaced.buyer.name
        return report.cycle.team.name
    return ""


def _generated_recommendation(report: DecisionReport, facts: ReportFacts) -> str:
    """The recommendation the tracker can write itself, with its computed dates and values."""
    contract, option = facts.contract, facts.option
    if report.kind == DecisionReport.Kind.EXTENSION and contract and option:
        provider = f", delivered by {contract.provider}," if contract.provider else ""
        value = f" The value of the extension is {_money(option.value)}." if option.value is not None else ""
        return (
            f"That the contract for {contract.title} (ref: {contract.reference}){provider} be extended "
            f"for {option.length_words}, from {long_date(option.starts_on)} until {long_date(option.new_end_date)}, "
            f"by exercising option {option.sequence}.{value}"
        )
    if report.kind == DecisionReport.Kind.RECOMMISSIONING and facts.cycle and facts.recommended:
        cycle, route = facts.cycle, facts.recommended
        value = (
            f", with an estimated value of {_money(facts.procurement.value_with_vat)} including VAT"
            if facts.procurement and facts.procurement.value_with_vat is not None
            else ""
        )
        start = (
            f", for new contracts to start on {long_date(cycle.target_start_date)}" if cycle.target_start_date else ""
        )
        return (
            f"That approval is given to recommission {cycle.name} by the route appraised as option "
            f"{route.number}: {route.heading[0].lower() + route.heading[1:]}{value}{start}."
        )
    if report.kind == DecisionReport.Kind.DECOMMISSIONING and contract:
        return (
            f"That the contract for {contract.title} (ref: {contract.reference}) is not extended and "
            f"the service is decommissioned when the contract ends on {long_date(contract.current_end_date)}."
        )
    return ""


def _paragraphs(text: str) -> list[str]:
    return [block.strip() for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]


def _warnings(report: DecisionReport, facts: ReportFacts) -> list[str]:
    """Where the tracker's own data disagrees with itself or with what the report asks."""
    warnings = []
    contract, option = facts.contract, facts.option
    if contract and contract.annual_value is None:
        # Only an extension report gives the value of an extension; the others give the annual value.
        missing = (
            "the value of the extension"
            if report.kind == DecisionReport.Kind.EXTENSION
            else "the contract's annual value"
        )
        warnings.append(f"The contract has no annual value, so the report cannot give {missing}")
    if option:
        if option.value is not None and option.recorded_value is not None and option.recorded_value != option.value:
            warnings.append(
                f"Option {option.sequence}'s recorded value, {_money(option.recorded_value)}, is not the annual "
                f"value times its length, {_money(option.value)}: the report gives {_money(option.value)}"
            )
        if option.status in (ExtensionOption.Status.DECLINED, ExtensionOption.Status.LAPSED):
            warnings.append(f"Option {option.sequence} has been {option.status_label.lower()}: it cannot be exercised")
        if contract and option.new_end_date > contract.max_extent_date:
            warnings.append(
                f"Option {option.sequence} would run to {long_date(option.new_end_date)}, after the maximum extent "
                f"date of {long_date(contract.max_extent_date)}"
            )
    recommended = facts.recommended
    if recommended:
        expected = {
            DecisionReport.Kind.EXTENSION: (ReportOption.Kind.EXTEND, ReportOption.Kind.EXTEND_WITH_VARIATIONS),
            DecisionReport.Kind.DECOMMISSIONING: (ReportOption.Kind.DECOMMISSION,),
        }.get(report.kind)
        if expected and recommended.kind not in expected:
            warnings.append(
                f"The options appraisal recommends '{recommended.heading}', which is not what a "
                f"{report.get_kind_display().lower()} report asks for"
            )
    if contract and not facts.kpis:
        when = f" up to {long_date(facts.up_to)}" if facts.up_to else ""
        warnings.append(
            f"No monitoring returns are recorded for {contract.reference}{when}: the report has no KPI tables"
        )
    return warnings


def report_facts(report: DecisionReport) -> ReportFacts:
    """Everything a report shows that the tracker already knows, worked out afresh.

    Performance figures are those reported by the meeting date (all of them if it is not set).
    """
    today = timezone.localdate()
    facts = ReportFacts(council=_council(report), up_to=report.meeting_date, kind=report.kind)
    facts.options = report_options(report)
    if report.contract_id:
        contract = report.contract
        facts.contract = _contract_facts(contract)
        if report.option_id:
            facts.option = _option_facts(contract, report.option)
        facts.kpis = kpi_table(contract, up_to=report.meeting_date)
        facts.quality = quality_scores(contract, up_to=report.meeting_date)
    if report.cycle_id:
        cycle = report.cycle
        facts.cycle = CycleFacts(
            name=cycle.name,
            stage=cycle.get_stage_display(),
            target_start_date=cycle.target_start_date,
            estimated_value=cycle.estimated_value,
            replaces=[f"{c.reference}: {c.title}" for c in cycle.replaces.order_by("reference")],
        )
    facts.cover_boundaries = _cover(report)
    if report.kind == DecisionReport.Kind.RECOMMISSIONING and report.cycle_id:
        facts.procurement = _procurement(report, facts, today=today)
    facts.timetable = _decision_timetable(report, facts)
    facts.timetable_warnings = timetable_warnings(facts.timetable, today=today) if report.is_draft else []
    facts.generated_recommendation = _generated_recommendation(report, facts)
    facts.recommendations = [
        *([facts.generated_recommendation] if facts.generated_recommendation else []),
        *_paragraphs(report.recommendations),
    ]
    facts.warnings = _warnings(report, facts)
    return facts


def report_options(report: DecisionReport) -> list[ReportOption]:
    """The options the report appraises, numbered in the order it prints them.

    A recommissioning report weighs procurement routes; an extension report the seed report's
    four options. A decommissioning report leaves out the two ways to extend when the contract
    has no extension option left to exercise: there is nothing to appraise there.
    """
    kinds = ReportOption.kinds_for(report.kind)
    if report.kind == DecisionReport.Kind.DECOMMISSIONING and report.contract_id:
        open_options = [o for o in report.contract.options.all() if o.status in ExtensionOption.OPEN_STATUSES]
        if not open_options:
            kinds = [k for k in kinds if k not in (ReportOption.Kind.EXTEND, ReportOption.Kind.EXTEND_WITH_VARIATIONS)]
    by_kind = {option.kind: option for option in report.options.all()}
    options = [by_kind[kind] for kind in kinds if kind in by_kind]
    for number, option in enumerate(options, start=1):
        option.number = number
    return options


def _procurement(report: DecisionReport, facts: ReportFacts, *, today: date) -> ProcurementFacts:
    """The procurement's value, regime and notices, read through notices' own rules (never restated here)."""
    from dataclasses import replace

    from notices import duties, thresholds
    from notices import services as notice_services

    cycle = report.cycle
    cycle_facts = notice_services.cycle_facts(cycle)
    recommended = facts.recommended
    if recommended is not None and recommended.kind == ReportOption.Kind.DIRECT_AWARD:
        cycle_facts = replace(cycle_facts, direct_award=True)  # a direct award needs its UK5 first
    started = cycle_facts.procurement_started_on or today
    classification = thresholds.classify_contract(
        value=cycle_facts.value,
        includes_vat=cycle_facts.value_includes_vat,
        light_touch=cycle_facts.light_touch,
        procurement_started_on=started,
    )
    value = cycle.estimated_value
    if value is None:
        with_vat = without_vat = None
        vat_words = "No estimated value is recorded on the cycle."
    elif cycle_facts.value_includes_vat is False:
        with_vat, without_vat = thresholds.value_with_vat(value, includes_vat=False), value
        vat_words = f"The estimated value is recorded without VAT; with VAT at {thresholds.VAT_RATE:.0%} it is {_money(with_vat)}."
    else:
        with_vat = value
        without_vat = (value / (1 + thresholds.VAT_RATE)).quantize(Decimal("0.01"))
        recorded = (
            "is recorded as including VAT"
            if cycle_facts.value_includes_vat
            else "is taken to include VAT (the cycle does not say), as the threshold test does (Procurement Act 2023, Schedule 3)"
        )
        vat_words = (
            f"The estimated value {recorded}; without VAT at {thresholds.VAT_RATE:.0%} it is {_money(without_vat)}."
        )
    regime = {
        thresholds.Regime.LIGHT_TOUCH: "light touch",
        thresholds.Regime.STANDARD: "standard",
        thresholds.Regime.OUTSIDE_ACT: "outside the Act",
    }.get(classification.regime, "below threshold")
    notices = []
    grant_or_in_house = recommended is not None and recommended.kind in (
        ReportOption.Kind.GRANT,
        ReportOption.Kind.IN_HOUSE,
    )
    if not grant_or_in_house:
        notices = [
            NoticeRow(required.notice_type, required.title, required.due_on, required.basis)
            for required in duties.cycle_duties(cycle_facts)
        ]
        entry = duties.cycle_entry(cycle_facts)
        if entry is not None and classification.is_public_contract:
            entry_on, entry_words = entry
            notices.append(
                NoticeRow(
                    "UK7",
                    f"Publish the UK7 contract details notice for {cycle.name}",
                    duties.contract_details_due(entry_on, light_touch=cycle_facts.light_touch),
                    f"Within {'120' if cycle_facts.light_touch else '30'} days beginning with the day the contract "
                    f"is entered into (s.53), counted from {entry_words}.",
                )
            )
    timetable = [
        TimetableRow(m.title, m.get_kind_display(), m.due_on, m.get_status_display())
        for m in cycle.milestones.exclude(status="cancelled").order_by("due_on", "pk")
    ]
    return ProcurementFacts(
        value_with_vat=with_vat,
        value_without_vat=without_vat,
        vat_words=vat_words,
        regime=regime,
        regime_label=classification.label,
        regime_explanation=classification.explanation,
        is_public_contract=classification.is_public_contract,
        notices=sorted(notices, key=lambda row: (row.due_on is None, row.due_on or date.max)),
        timetable=timetable,
    )


def _buyer_id(report: DecisionReport) -> int | None:
    if report.contract_id:
        return report.contract.buyer_id
    if report.cycle_id:
        return report.cycle.replaces.order_by("reference").values_list("buyer_id", flat=True).first()
    return None


def _decision_value(report: DecisionReport, facts: ReportFacts) -> Decimal | None:
    """What the decision is worth, for the key-decision threshold."""
    if facts.option is not None:
        return facts.option.value
    if facts.procurement is not None:
        return facts.procurement.value_with_vat
    if facts.cycle is not None and facts.cycle.estimated_value is not None:
        return facts.cycle.estimated_value
    if facts.contract is not None:
        return facts.contract.annual_value
    return None


def _decision_timetable(report: DecisionReport, facts: ReportFacts) -> DecisionTimetable | None:
    """The forward plan notice and the report deadline before the meeting (notices.council_duties)."""
    from notices import council_duties
    from notices.models import CouncilMeeting, KeyDecisionPolicy

    if report.meeting_date is None or report.decision_route == DecisionReport.Route.OFFICER:
        return None
    buyer_id = _buyer_id(report)
    policy = KeyDecisionPolicy.objects.filter(buyer_id=buyer_id).first() if buyer_id else None
    body = policy.decision_body if policy else report.get_decision_route_display()
    in_calendar = None
    if policy is not None:
        meetings = CouncilMeeting.objects.filter(buyer_id=buyer_id, body=policy.decision_body)
        if meetings.exists():
            in_calendar = meetings.filter(meets_on=report.meeting_date).exists()
    return DecisionTimetable(
        meeting_on=report.meeting_date,
        body=body,
        notice_by=council_duties.key_decision_notice_by(report.meeting_date),
        report_due_on=(
            council_duties.report_due(report.meeting_date, working_days=policy.report_working_days) if policy else None
        ),
        report_working_days=policy.report_working_days if policy else None,
        value=_decision_value(report, facts),
        threshold=policy.threshold if policy else None,
        meeting_in_calendar=in_calendar,
    )


def timetable_warnings(timetable: DecisionTimetable | None, *, today: date) -> list[str]:
    """Where the meeting date is too soon for the notice or the report, or is not a meeting at all."""
    if timetable is None:
        return []
    warnings = []
    meeting = long_date(timetable.meeting_on)
    if timetable.meeting_on < today:
        warnings.append(
            f"The meeting date, {meeting}, has passed: change it to the meeting that will take the decision"
        )
        return warnings
    if timetable.is_key_decision is not False and timetable.notice_by < today:
        warnings.append(
            f"The meeting on {meeting} is too soon for a key decision: the notice had to be published by "
            f"{long_date(timetable.notice_by)}, 28 clear days before it. Choose a later meeting, or agree the "
            "urgency procedure with democratic services"
        )
    if timetable.report_due_on is not None and timetable.report_due_on < today:
        warnings.append(
            f"The report was due to democratic services by {long_date(timetable.report_due_on)}, "
            f"{timetable.report_working_days} working days before the meeting on {meeting}"
        )
    if timetable.meeting_in_calendar is False:
        warnings.append(f"The council's calendar has no {timetable.body} meeting on {meeting}: check the date")
    return warnings


def _cover(report: DecisionReport) -> list:
    """The cover table: each boundary at the end of the contract or the contracts the cycle replaces."""
    from commissioning import selectors as cover_selectors  # commissioning reads reports' models nowhere

    today = timezone.localdate()
    if report.cycle_id:
        covers = cover_selectors.cycle_cover_of(report.cycle, today=today).covers.values()
    elif report.contract_id:
        covers = [cover_selectors.contract_cover_of(report.contract, today=today)]
    else:
        return []
    found = {}
    for cover in covers:
        for boundary in cover.boundaries:
            found.setdefault((boundary.service, boundary.old.reference), boundary)
    return [found[key] for key in sorted(found)]


def report_for_display(pk: int, queryset=None) -> DecisionReport:
    """One report with everything its figures need, in a fixed number of queries."""
    queryset = DecisionReport.objects.all() if queryset is None else queryset
    return (
        queryset.select_related(
            "contract__buyer", "contract__provider", "option", "cycle__team", "submitted_by", "approved_by"
        )
        .prefetch_related("contract__options", "options", "cycle__replaces")
        .get(pk=pk)
    )


# --- history ------------------------------------------------------------------------------


def _describe_changes(old, new) -> list[str]:
    """ "Status: Draft → Approved" for short fields; long text fields say only that they changed."""
    lines = []
    model = new.instance_type
    # The entry's own time says when it was submitted or approved.
    for change in new.diff_against(old, excluded_fields=["id", "submitted_at", "approved_at"]).changes:
        model_field = model._meta.get_field(change.field)
        label = field_label(model_field)
        if isinstance(model_field, TextField):
            lines.append(f"{label} rewritten")
            continue
        before, after = (value_in_words(model_field, value) for value in (change.old, change.new))
        before, after = (
            "(empty)" if value is None else long_date(value) if isinstance(value, date) else value
            for value in (before, after)
        )
        lines.append(f"{label}: {before} → {after}")
    return lines


def report_history(report: DecisionReport) -> list[HistoryEntry]:
    """Who changed the report or its options appraisal, when and why, newest first."""
    verbs = {"+": "created", "~": "changed", "-": "deleted"}
    # Options are named as the report prints them; one it no longer prints (a route of another
    # type of report) by its heading alone.
    numbers = {option.kind: option.number for option in report_options(report)}

    def option_words(record) -> str:
        heading = ReportOption.HEADINGS[ReportOption.Kind(record.kind)].lower()
        number = f" {numbers[record.kind]}" if record.kind in numbers else ""
        return f"Option{number} ({heading}) {verbs[record.history_type]}"

    entries: list[tuple[tuple, HistoryEntry]] = []
    streams = [
        (report.history.select_related("history_user"), lambda r: f"Report {verbs[r.history_type]}", 1),
        (ReportOption.history.filter(report_id=report.pk).select_related("history_user"), option_words, 0),
    ]
    for records, describe, rank in streams:
        previous: dict[int, object] = {}
        for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
            before = previous.get(record.id)
            changes = _describe_changes(before, record) if before is not None else []
            previous[record.id] = record
            if before is not None and not changes:
                continue  # a save that changed nothing says nothing
            entries.append(
                (
                    (record.history_date, rank, record.history_id),
                    HistoryEntry(
                        when=record.history_date,
                        who=person_name(record.history_user),
                        what=describe(record),
                        why=record.history_change_reason or "",
                        changes=changes,
                    ),
                )
            )
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0], reverse=True)]


def reports_for_meeting(meeting_date: date, queryset=None) -> list[DecisionReport]:
    queryset = DecisionReport.objects.all() if queryset is None else queryset
    return list(
        queryset.filter(meeting_date=meeting_date).select_related("contract", "cycle", "approved_by").order_by("title")
    )


# --- approval -----------------------------------------------------------------------------

APPROVE_PERMISSION = "reports.approve_decisionreport"


def reports_awaiting_approval_by(user, queryset=None):
    """Submitted reports this person may approve: they can see them, hold the permission, and
    neither started nor submitted them (four eyes)."""
    from access import policy

    if not user.is_authenticated or not user.has_perm(APPROVE_PERMISSION):
        return DecisionReport.objects.none()
    return (
        policy.reports_visible_to(user, queryset)
        .filter(status=DecisionReport.Status.SUBMITTED)
        .exclude(created_by=user)
        .exclude(submitted_by=user)
        .select_related("contract", "cycle", "submitted_by")
        .order_by("meeting_date", "submitted_at")
    )


def report_approvers(report: DecisionReport) -> list:
    """The active people with an email address who may approve ``report``: who to tell it awaits them."""
    from django.contrib.auth import get_user_model

    # Roles are groups of permissions (contracts/roles.py), which ModelBackend reads; the other
    # backend (django-axes) only counts failed sign-ins.
    candidates = (
        get_user_model()
        .objects.with_perm(
            APPROVE_PERMISSION,
            is_active=True,
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .exclude(email="")
        .order_by("last_name", "first_name", "username")
    )
    return [
        person
        for person in candidates
        if reports_awaiting_approval_by(person, DecisionReport.objects.filter(pk=report.pk)).exists()
    ]
