"""Performance data (quarterly monitoring returns and their KPIs, quality assessments) and the
decision reports that go to Cabinet or a delegated decision-maker.

They live in an app of their own rather than in ``contracts`` and ``commissioning`` so that
their migrations stand apart from those apps' (see reports/__init__.py).

A decision report stores only what an officer writes: the narrative sections, the options
appraisal, the implications and who the report is from. Every figure the tracker already
knows (the contract's dates, the option being exercised and where it ends, the annual value
and the value of the extension, the KPI tables, the quality scores) is read from the
contract, its options and the performance records each time the report is shown or printed
(``reports.selectors.report_facts``), so it can never disagree with them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from common.urls import reverse_pk
from contracts.models import Contract, ExtensionOption

from .quarters import Quarter

PERCENTAGE = [
    MinValueValidator(Decimal("0"), message="Enter a score of 0%% or more"),
    MaxValueValidator(Decimal("100"), message="Enter a score of 100%% or less"),
]


# --- performance --------------------------------------------------------------------------


class Unit(models.TextChoices):
    PERCENT = "percent", "Percentage"
    NUMBER = "number", "Number"
    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"
    MONTHS = "months", "Months"
    POUNDS = "pounds", "Pounds (£)"


class MonitoringReturn(models.Model):
    """One quarter's monitoring return for a contract, as the provider sent it."""

    class Source(models.TextChoices):
        ENTERED = "entered", "Entered by an officer"
        IMPORTED = "imported", "Imported from the provider's CSV"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="monitoring_returns")
    year = models.PositiveSmallIntegerField(
        "financial year",
        validators=[
            MinValueValidator(2000, message="Enter a financial year from 2000/01"),
            MaxValueValidator(2099, message="Enter a financial year before 2099/00"),
        ],
        help_text="The calendar year the financial year starts in: 2016 for 2016/17",
    )
    quarter = models.PositiveSmallIntegerField(
        choices=[
            (1, "Q1 (April to June)"),
            (2, "Q2 (July to September)"),
            (3, "Q3 (October to December)"),
            (4, "Q4 (January to March)"),
        ]
    )
    received_on = models.DateField("received on", null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source, default=Source.ENTERED)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "year", "quarter"],
                name="monitoring_return_one_per_quarter",
                violation_error_message="The contract already has a return for this quarter: change that one instead",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.period.label}"

    def get_absolute_url(self) -> str:
        return reverse_pk("reports:return-detail", self.pk)

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)


class KpiResult(models.Model):
    """One key performance indicator in a monitoring return: its target and what was achieved."""

    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE, related_name="results")
    service = models.CharField(
        max_length=100, blank=True, help_text="The part of the contract it measures, for example One Stop or Refuge"
    )
    name = models.CharField("indicator", max_length=255)
    unit = models.CharField(max_length=10, choices=Unit, default=Unit.PERCENT)
    target = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    actual = models.DecimalField(max_digits=12, decimal_places=2)
    higher_is_better = models.BooleanField(
        "higher is better", default=True, help_text="Untick for indicators where lower is better, such as waiting times"
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "KPI result"
        ordering = ["monitoring_return", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring_return", "service", "name"],
                name="kpi_result_one_per_indicator",
                violation_error_message="The return already has this indicator for this service: change that one instead",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.name}" if self.service else self.name

    @property
    def met(self) -> bool | None:
        """Whether the target was met; None when there is no target."""
        if self.target is None:
            return None
        return self.actual >= self.target if self.higher_is_better else self.actual <= self.target


class QualityAssessment(models.Model):
    """A quality assurance visit to one service, its score and the score after the action plan."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="quality_assessments")
    service = models.CharField(max_length=100, help_text="For example, Refuge or Crisis intervention (One Stop)")
    assessed_on = models.DateField("date of the assessment")
    score = models.DecimalField(max_digits=5, decimal_places=1, validators=PERCENTAGE)
    action_plan = models.TextField("action plan", blank=True)
    follow_up_on = models.DateField("date of the follow-up", null=True, blank=True)
    follow_up_score = models.DecimalField(
        "score after the action plan", max_digits=5, decimal_places=1, null=True, blank=True, validators=PERCENTAGE
    )
    notes = models.TextField(blank=True, help_text="For the team only: reports do not print these")

    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "assessed_on", "id"]

    def __str__(self) -> str:
        return f"{self.service}, {self.assessed_on:%-d %B %Y}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.follow_up_on and self.assessed_on and self.follow_up_on < self.assessed_on:
            errors["follow_up_on"] = "The follow-up must be on or after the date of the assessment"
        if self.follow_up_score is not None and not self.follow_up_on:
            errors["follow_up_on"] = "Enter the date of the follow-up that gave the new score"
        if errors:
            raise ValidationError(errors)


# --- decision reports ---------------------------------------------------------------------

# The Y/N tables of the seed report, in its order: (field suffix, label).
RESOURCE_IMPLICATIONS = [
    ("capital", "Capital"),
    ("revenue", "Revenue"),
    ("accommodation", "Accommodation"),
    ("it", "IT"),
    ("medium_term_plan", "Medium Term Plan"),
    ("asset_management", "Asset Management"),
]
OTHER_IMPLICATIONS = [
    ("equalities", "Equalities/Diversity"),
    ("sustainability", "Sustainability"),
    ("human_rights", "Human Rights"),
    ("e_government", "E-Government"),
    ("stakeholders", "Stakeholders"),
    ("crime_and_disorder", "Crime and Disorder"),
    ("carbon_and_energy_policy", "Carbon and Energy Policy"),
]
IMPLICATION_FIELDS = [f"implies_{key}" for key, _ in RESOURCE_IMPLICATIONS + OTHER_IMPLICATIONS]


class DecisionReport(models.Model):
    """A report asking Cabinet (or a delegated decision-maker) to decide about a contract or cycle."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", "Contract extension"
        AWARD = "award", "Contract award"
        RECOMMISSIONING = "recommissioning", "Recommissioning approval"
        DECOMMISSIONING = "decommissioning", "Decommissioning"

    class Route(models.TextChoices):
        CABINET = "cabinet", "Cabinet"
        CABINET_MEMBER = "cabinet_member", "Cabinet member decision"
        COMMITTEE = "committee", "Committee or board"
        OFFICER = "officer", "Delegated officer decision"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"

    kind = models.CharField("type of report", max_length=20, choices=Kind)
    title = models.CharField(max_length=255, help_text="Leave empty to use the usual title for this type of report")
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="decision_reports"
    )
    option = models.ForeignKey(
        ExtensionOption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decision_reports",
        verbose_name="extension option",
        help_text="The option the report asks to exercise",
    )
    cycle = models.ForeignKey(
        "commissioning.CommissioningCycle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decision_reports",
        verbose_name="commissioning cycle",
    )
    decision_route = models.CharField("decision route", max_length=20, choices=Route, default=Route.CABINET)
    meeting_date = models.DateField("meeting or decision date", null=True, blank=True)
    responsible_member = models.CharField(
        "responsible Cabinet member",
        max_length=200,
        blank=True,
        help_text="For example, Councillor Long (Cabinet Member for Adult Social Care and Housing)",
    )
    sponsor = models.CharField(
        "report sponsor",
        max_length=200,
        blank=True,
        help_text="For example, Michael Bracey (Corporate Director People)",
    )
    author = models.CharField(
        max_length=200, blank=True, help_text="For example, Mick Hancock (Assistant Director Joint Commissioning)"
    )
    author_contact = models.CharField(
        "author's contact details", max_length=200, blank=True, help_text="For example, Tel: (01908) 257967"
    )

    # The narrative, in the seed report's order. The tracker's own figures are added around
    # these when the report is shown; officers write only the words.
    executive_summary = models.TextField("executive summary", blank=True)
    recommendations = models.TextField(
        blank=True,
        help_text="Any recommendations beyond the one the tracker writes from the contract, one per paragraph",
    )
    context = models.TextField(blank=True, help_text="Who the decision affects and what the service provides")
    achievements = models.TextField("achievements, outcomes and improvements", blank=True)
    background = models.TextField(blank=True)
    contract_management = models.TextField(
        "contract management", blank=True, help_text="The senior client officer and the governance processes"
    )
    policy_implications = models.TextField("policy", blank=True)
    # Named before the implications were split (issue 23): it holds the financial implications.
    resources_and_risk = models.TextField("financial", blank=True)
    carbon_and_energy = models.TextField("carbon and energy management", blank=True)
    legal_implications = models.TextField("legal", blank=True)
    equalities_implications = models.TextField("equalities", blank=True)
    eia_reference = models.CharField(
        "equality impact assessment reference",
        max_length=100,
        blank=True,
        help_text="For example, EIA-2026-014. Leave empty if no assessment was needed, and say why",
    )
    eia_date = models.DateField("date of the equality impact assessment", null=True, blank=True)
    risk_implications = models.TextField("risk", blank=True)
    social_value = models.TextField("social value", blank=True)
    background_papers = models.TextField("background papers", blank=True)

    implies_capital = models.BooleanField("capital", default=False)
    implies_revenue = models.BooleanField("revenue", default=False)
    implies_accommodation = models.BooleanField("accommodation", default=False)
    implies_it = models.BooleanField("IT", default=False)
    implies_medium_term_plan = models.BooleanField("medium term plan", default=False)
    implies_asset_management = models.BooleanField("asset management", default=False)
    implies_equalities = models.BooleanField("equalities and diversity", default=False)
    implies_sustainability = models.BooleanField("sustainability", default=False)
    implies_human_rights = models.BooleanField("human rights", default=False)
    implies_e_government = models.BooleanField("e-government", default=False)
    implies_stakeholders = models.BooleanField("stakeholders", default=False)
    implies_crime_and_disorder = models.BooleanField("crime and disorder", default=False)
    implies_carbon_and_energy_policy = models.BooleanField("carbon and energy policy", default=False)

    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-meeting_date", "title"]
        permissions = [("approve_decisionreport", "Can approve decision reports")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse_pk("reports:detail", self.pk)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def resource_implications(self) -> list[tuple[str, bool]]:
        return [(label, getattr(self, f"implies_{key}")) for key, label in RESOURCE_IMPLICATIONS]

    @property
    def other_implications(self) -> list[tuple[str, bool]]:
        return [(label, getattr(self, f"implies_{key}")) for key, label in OTHER_IMPLICATIONS]

    def default_title(self) -> str:
        """The title the seed report's shape gives this type of report."""
        contract, cycle = self.contract, self.cycle
        subject = f"{contract.title} (ref: {contract.reference})" if contract else (cycle.name if cycle else "")
        prefix = {
            self.Kind.EXTENSION: "Extension of contract",
            self.Kind.AWARD: "Award of contract",
            self.Kind.RECOMMISSIONING: "Recommissioning approval",
            self.Kind.DECOMMISSIONING: "Decommissioning",
        }.get(self.kind, "Decision report")
        return f"{prefix} – {subject}" if subject else prefix

    def clean(self) -> None:
        super().clean()
        errors = {}
        if not self.contract_id and not self.cycle_id:
            errors["contract"] = "Select the contract or the commissioning cycle the report is about"
        if self.kind in (self.Kind.EXTENSION, self.Kind.DECOMMISSIONING) and not self.contract_id:
            errors["contract"] = f"Select the contract for a {self.get_kind_display().lower()} report"
        if self.kind == self.Kind.RECOMMISSIONING and not self.cycle_id:
            errors["cycle"] = "Select the commissioning cycle for a recommissioning approval"
        if self.kind == self.Kind.EXTENSION and not self.option_id:
            if self.contract_id and not self.contract.options.exists():
                # Not a dead end: say what the officer can do instead (issue 23).
                errors["kind"] = (
                    "This contract has no extension options, so there is nothing to extend: choose "
                    "a decommissioning or recommissioning report, or add the option to the contract first"
                )
            else:
                errors["option"] = "Select the extension option the report asks to exercise"
        if self.option_id and self.contract_id and self.option.contract_id != self.contract_id:
            errors["option"] = "Select one of the chosen contract's own extension options"
        if self.option_id and self.kind != self.Kind.EXTENSION:
            errors["option"] = "Only a contract extension report exercises an option"
        if errors:
            raise ValidationError(errors)


class ReportOption(models.Model):
    """One option in a report's options appraisal.

    An extension or decommissioning report weighs the seed report's four options (extend,
    extend with variations, re-tender, decommission: Contract.Decision's values); a
    recommissioning (procurement approval) report weighs the routes to buy the service.
    """

    class Kind(models.TextChoices):
        EXTEND = "extend", "Extend"
        EXTEND_WITH_VARIATIONS = "extend_with_variations", "Extend with variations"
        RETENDER = "retender", "Re-tender"
        DECOMMISSION = "decommission", "Decommission"
        OPEN = "open", "Open procedure"
        COMPETITIVE_FLEXIBLE = "competitive_flexible", "Competitive flexible procedure"
        DIRECT_AWARD = "direct_award", "Direct award"
        GRANT = "grant", "Grant"
        IN_HOUSE = "in_house", "In-house"

    report = models.ForeignKey(DecisionReport, on_delete=models.CASCADE, related_name="options")
    kind = models.CharField(max_length=30, choices=Kind)
    description = models.TextField(blank=True)
    benefits = models.TextField(blank=True)
    risks = models.TextField(blank=True)
    is_recommended = models.BooleanField("recommended", default=False)

    history = HistoricalRecords()

    # The seed report's order, which extension and decommissioning reports follow.
    ORDER = [Kind.EXTEND, Kind.EXTEND_WITH_VARIATIONS, Kind.RETENDER, Kind.DECOMMISSION]
    # The procurement routes a recommissioning report appraises, in the order councils list them.
    ROUTES = [Kind.OPEN, Kind.COMPETITIVE_FLEXIBLE, Kind.DIRECT_AWARD, Kind.GRANT, Kind.IN_HOUSE]
    HEADINGS = {
        Kind.EXTEND: "Extend the existing contract",
        Kind.EXTEND_WITH_VARIATIONS: "Extend the existing contract with variations",
        Kind.RETENDER: "Re-tender",
        Kind.DECOMMISSION: "Decommission",
        Kind.OPEN: "Open procedure (Procurement Act 2023 s.20(2)(a))",
        Kind.COMPETITIVE_FLEXIBLE: "Competitive flexible procedure (s.20(2)(b))",
        Kind.DIRECT_AWARD: "Direct award, where the Act allows it (ss.41 to 43)",
        Kind.GRANT: "Grant funding instead of a contract",
        Kind.IN_HOUSE: "Bring the service in-house",
    }
    # What each route means for the contracts the cycle replaces, recorded on approval.
    DECISIONS = {
        Kind.OPEN: Contract.Decision.RETENDER,
        Kind.COMPETITIVE_FLEXIBLE: Contract.Decision.RETENDER,
        Kind.DIRECT_AWARD: Contract.Decision.RETENDER,
        Kind.GRANT: Contract.Decision.DECOMMISSION,
        Kind.IN_HOUSE: Contract.Decision.DECOMMISSION,
    }

    @classmethod
    def kinds_for(cls, report_kind: str) -> list[str]:
        """The options a type of report appraises, in the order it prints them."""
        return cls.ROUTES if report_kind == DecisionReport.Kind.RECOMMISSIONING else cls.ORDER

    class Meta:
        ordering = ["report", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "kind"], name="report_option_one_per_kind")]

    def __str__(self) -> str:
        return self.heading

    @property
    def heading(self) -> str:
        return self.HEADINGS[self.Kind(self.kind)]

    @property
    def number(self) -> int:
        """Its number in the report: set by ``reports.selectors.report_facts`` to its place among
        the options the report prints; otherwise its place in its type of report's order."""
        if getattr(self, "_number", None):
            return self._number
        kinds = self.ROUTES if self.kind in self.ROUTES else self.ORDER
        return kinds.index(self.Kind(self.kind)) + 1

    @number.setter
    def number(self, value: int) -> None:
        self._number = value

    @property
    def decision(self) -> str:
        """The decision on the contract that approving this option records (Contract.Decision)."""
        return self.DECISIONS.get(self.kind, self.kind)


class RenderedReport(models.Model):
    """A report's PDF as rendered for a meeting pack, kept so it can be downloaded again.

    One row per report: rendering the pack again replaces it (the report's own history says
    what changed in between). The PDF is kept in Django's file storage (STORAGES["default"]:
    the local disk or object storage, shared by every machine) with its SHA-256, which is
    checked when it is read (``reports.services.rendered_pdf``).
    """

    report = models.OneToOneField(DecisionReport, on_delete=models.CASCADE, related_name="rendered")
    pdf = models.FileField(upload_to="reports/meeting-packs/", max_length=255)
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField()
    status_when_rendered = models.CharField(max_length=10, choices=DecisionReport.Status)

    class Meta:
        ordering = ["report"]

    def __str__(self) -> str:
        return f"PDF of {self.report}"


class ReportApproval(models.Model):
    """One approved version of a report: the PDF a manager approved and the figures it printed.

    The PDF is kept in Django's file storage (STORAGES["default"]) with its SHA-256, so the
    download of an approved report is that file byte for byte, whatever has changed in the
    tracker since. ``figures`` are the computed figures as the report printed them
    (``reports.snapshot.report_figures``), so the report page can say which have changed.
    A change after approval makes a new draft version, which needs an approval of its own.
    """

    report = models.ForeignKey(DecisionReport, on_delete=models.PROTECT, related_name="approvals")
    version = models.PositiveSmallIntegerField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    figures = models.JSONField(help_text="The computed figures as the approved report printed them")
    pdf = models.FileField(upload_to="reports/approved/", max_length=255)
    sha256 = models.CharField("SHA-256 of the PDF", max_length=64)
    # The Word version made with the PDF, from the same figures (empty for approvals made before
    # reports had one: their .docx is made afresh, and says so in its name).
    docx = models.FileField("Word document", upload_to="reports/approved/", max_length=255, blank=True)
    docx_sha256 = models.CharField("SHA-256 of the Word document", max_length=64, blank=True)

    class Meta:
        ordering = ["report", "-version"]
        get_latest_by = "version"
        constraints = [models.UniqueConstraint(fields=["report", "version"], name="report_approval_one_per_version")]

    def __str__(self) -> str:
        return f"{self.report}, version {self.version}, approved {self.approved_at:%-d %B %Y}"
