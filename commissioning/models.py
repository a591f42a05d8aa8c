"""Commissioning cycles (one recommissioning effort each) and the milestones of contracts and cycles."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F
from django.utils import timezone
from simple_history.models import HistoricalRecords

from common.urls import reverse_pk
from contracts.models import NOT_NEGATIVE, Contract, ExtensionOption, ServiceCategory, Team


class Stage(models.TextChoices):
    NEEDS_ASSESSMENT = "needs_assessment", "Needs assessment"
    STRATEGY = "strategy", "Strategy and options appraisal"
    MARKET_ENGAGEMENT = "market_engagement", "Market engagement"
    PROCUREMENT = "procurement", "Procurement"
    EVALUATION = "evaluation", "Evaluation"
    AWARD = "award", "Award and standstill"
    MOBILISATION = "mobilisation", "Mobilisation"
    LIVE = "live", "Live and contract management"


STAGE_ORDER = {stage: index for index, stage in enumerate(Stage)}
# From this stage on, the contracts a cycle replaces have a decided successor.
SUCCESSOR_DECIDED_FROM = Stage.AWARD


class CommissioningCycle(models.Model):
    """One recommissioning effort, e.g. "Domestic abuse support services 2027"."""

    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    sources = models.TextField(
        "sources and assumptions",
        blank=True,
        help_text="Where the record's facts come from, and what was assumed where the sources are silent",
    )
    service_category = models.CharField("service area", max_length=30, choices=ServiceCategory)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cycles")
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cycles_led",
    )
    replaces = models.ManyToManyField(
        Contract,
        blank=True,
        related_name="successor_cycles",
        verbose_name="contracts it replaces",
    )
    target_start_date = models.DateField("target start of the new contracts", null=True, blank=True)
    estimated_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    stage = models.CharField(max_length=20, choices=Stage, default=Stage.NEEDS_ASSESSMENT)
    stage_changed_on = models.DateField(default=timezone.localdate)
    ocid = models.CharField("OCID", max_length=100, blank=True)
    is_light_touch = models.BooleanField("light-touch regime", default=False)
    # The Act's thresholds include VAT: a value without it is grossed up by 20% to classify the
    # procurement (notices.thresholds.value_with_vat). None: not recorded, taken to include it.
    estimated_value_includes_vat = models.BooleanField(
        "estimated value includes VAT",
        null=True,
        blank=True,
        help_text="Yes if the value includes VAT or no VAT is charged; no if VAT is on top",
    )
    # A direct award (s.41 with a Schedule 5 justification, or s.43) needs a UK5 transparency
    # notice before the award (s.44), and no assessment summaries.
    direct_award = models.BooleanField(
        "direct award", default=False, help_text="The contract is to be awarded directly, without a competition"
    )
    direct_award_justification = models.TextField(
        "direct award justification",
        blank=True,
        help_text=(
            "The ground, for example 'Schedule 5, urgency' or 'section 43, switching to direct award', "
            "and why it applies"
        ),
    )

    history = HistoricalRecords(m2m_fields=[replaces])

    class Meta:
        ordering = ["target_start_date", "name"]
        verbose_name = "commissioning cycle"
        indexes = [
            # The cycles list's keyset pages (commissioning.views.cycles.CYCLE_KEYS) and the
            # timeline's first 25, read in order rather than every cycle sorted (issue 24).
            models.Index(fields=["target_start_date", "name", "id"], name="cycle_start_name"),
            # The dashboard's first 10 cycles of each stage by name (selectors._stages), read in
            # that order rather than every cycle of the service sorted: 4.6 ms of PostgreSQL's
            # time at 100,000 contracts, 1.2 ms with it.
            models.Index(fields=["stage", "name", "id"], name="cycle_stage_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse_pk("commissioning:cycle-detail", self.pk)

    def clean(self) -> None:
        super().clean()
        if self.direct_award and not self.direct_award_justification.strip():
            raise ValidationError(
                {"direct_award_justification": "Enter the direct award justification: the ground and why it applies"}
            )

    @property
    def decides_successor(self) -> bool:
        return STAGE_ORDER[Stage(self.stage)] >= STAGE_ORDER[SUCCESSOR_DECIDED_FROM]

    # The decision on expiry is held once, on each contract (services.decision_record); a
    # cycle's decision is the one last recorded for the contracts it replaces.

    @property
    def decided_contract(self) -> Contract | None:
        decided = [contract for contract in self.replaces.all() if contract.decision]
        return max(decided, key=lambda contract: (contract.decision_on, contract.pk), default=None)

    @property
    def decision(self) -> str:
        decided = self.decided_contract
        return decided.decision if decided else ""

    def get_decision_display(self) -> str:
        decided = self.decided_contract
        return decided.get_decision_display() if decided else ""

    @property
    def decision_on(self) -> date | None:
        decided = self.decided_contract
        return decided.decision_on if decided else None

    @property
    def decision_by(self):
        decided = self.decided_contract
        return decided.decision_by if decided else None


# How long each stage of recommissioning usually takes, in months: the procurement timetable a
# cycle still has to run before its new contract can start. Light-touch domestic abuse services
# (the seeds): 16 months from needs assessment to go-live, within the 18-month default lead time.
# A team sets its own (StageTimings); these are the defaults.
DEFAULT_STAGE_MONTHS = {
    Stage.NEEDS_ASSESSMENT: 3,
    Stage.STRATEGY: 2,
    Stage.MARKET_ENGAGEMENT: 2,
    Stage.PROCUREMENT: 3,
    Stage.EVALUATION: 2,
    Stage.AWARD: 1,
    Stage.MOBILISATION: 3,
    Stage.LIVE: 0,
}
TIMED_STAGES = [stage for stage in Stage if stage != Stage.LIVE]
MAX_STAGE_MONTHS = 36


def _stage_months_field(stage: Stage) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        stage.label,
        default=DEFAULT_STAGE_MONTHS[stage],
        validators=[MaxValueValidator(MAX_STAGE_MONTHS, f"Enter {MAX_STAGE_MONTHS} months or fewer")],
        help_text="Months",
    )


class StageTimings(models.Model):
    """How long each stage of recommissioning takes a team, in months: the timetable the
    recommissioning risk (``rules.recommissioning_risk``) checks a cycle's remaining stages
    against. A team without a row uses ``DEFAULT_STAGE_MONTHS``; its managers change it."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="stage_timings")
    needs_assessment_months = _stage_months_field(Stage.NEEDS_ASSESSMENT)
    strategy_months = _stage_months_field(Stage.STRATEGY)
    market_engagement_months = _stage_months_field(Stage.MARKET_ENGAGEMENT)
    procurement_months = _stage_months_field(Stage.PROCUREMENT)
    evaluation_months = _stage_months_field(Stage.EVALUATION)
    award_months = _stage_months_field(Stage.AWARD)
    mobilisation_months = _stage_months_field(Stage.MOBILISATION)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "stage timings"
        verbose_name_plural = "stage timings"

    def __str__(self) -> str:
        return f"Stage timings of {self.team}"

    @staticmethod
    def field_name(stage: Stage) -> str:
        return f"{stage.value}_months"

    def months(self) -> dict[str, int]:
        """Months per stage, by stage value (live takes none)."""
        return {stage.value: getattr(self, self.field_name(stage)) for stage in TIMED_STAGES} | {Stage.LIVE.value: 0}


def stage_months_of(team: Team | None) -> dict[str, int] | None:
    """A team's own stage timings (reads ``team.stage_timings``: select it with the team), or
    None when it keeps the defaults."""
    if team is None:
        return None
    try:
        return team.stage_timings.months()
    except StageTimings.DoesNotExist:
        return None


class Service(models.Model):
    """What residents depend on (a refuge, an IDVA service): contracts cover it for periods.

    ``commissioning.cover`` works out from its contracts, in start order, every day it would be
    left without one. A framework covers the services of the call-offs under it.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200, help_text="As residents and officers know it, e.g. Refuge")
    category = models.CharField(max_length=30, choices=ServiceCategory)
    contracts = models.ManyToManyField(
        Contract,
        blank=True,
        related_name="services_covered",
        help_text="Every contract that covered, covers or will cover it: old, current and planned",
    )

    history = HistoricalRecords(m2m_fields=[contracts])

    class Meta:
        ordering = ["team", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="service_unique_name_per_team")]

    def __str__(self) -> str:
        return self.name


class ShownStatus(NamedTuple):
    """A milestone's status as every page shows it: one word and one tag colour."""

    key: str  # met, missed, cancelled, overdue, passed, scheduled
    label: str
    colour: str  # a GOV.UK tag colour


# The kinds of milestone that are dates that simply arrive (``Milestone.EVENT_KINDS``): contract
# start, end of the current term, maximum extent, end of the framework, provider event.
EVENT_KIND_VALUES = ("contract_start", "term_end", "max_extent", "framework_end", "provider_event")


class MilestoneQuerySet(models.QuerySet):
    def open(self) -> MilestoneQuerySet:
        return self.filter(status=Milestone.Status.SCHEDULED)

    def due_between(self, first: date, last: date) -> MilestoneQuerySet:
        return self.filter(due_on__gte=first, due_on__lte=last)

    def needing_action_before(self, today: date) -> MilestoneQuerySet:
        """Overdue: still scheduled, due before today, and something a person has to do."""
        return self.open().filter(due_on__lt=today).exclude(kind__in=Milestone.EVENT_KINDS)


class Milestone(models.Model):
    """A date that matters for a contract or a cycle.

    All-day milestones have only ``due_on``. Milestones with a time of day also have
    ``due_at`` (aware, stored in UTC); ``due_on`` is then its date in London, kept in step by
    ``save()`` so that lists can sort and group by day in SQL.
    """

    class Kind(models.TextChoices):
        CONTRACT_START = "contract_start", "Contract start"
        TERM_END = "term_end", "End of the current term"
        OPTION_DECISION = "option_decision", "Extension decision due"
        MAX_EXTENT = "max_extent", "Maximum extent"
        FRAMEWORK_END = "framework_end", "End of the framework"
        MARKET_ENGAGEMENT = "market_engagement", "Market engagement responses due"
        PROVIDER_EVENT = "provider_event", "Provider engagement event"
        NOTICE = "notice", "Procurement notice"
        TENDER_DEADLINE = "tender_deadline", "Tender deadline"
        EVALUATION = "evaluation", "Evaluation"
        DECISION_MEETING = "decision_meeting", "Decision meeting"
        AWARD = "award", "Contract award"
        STANDSTILL_END = "standstill_end", "End of standstill"
        GAP_IN_COVER = "gap_in_cover", "Gap in cover"
        OTHER = "other", "Other"

    # Dates that simply arrive: they are never "overdue", however they are marked.
    EVENT_KINDS = tuple(map(Kind, EVENT_KIND_VALUES))

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        MET = "met", "Met"
        MISSED = "missed", "Missed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        DERIVED = "derived", "Derived from the contract"
        IMPORTED = "imported", "Imported from a notice"
        DUTY = "duty", "Required by the Procurement Act"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="milestones")
    cycle = models.ForeignKey(
        CommissioningCycle,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="milestones",
    )
    option = models.ForeignKey(
        ExtensionOption,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones",
        help_text="The extension option a decision milestone is about",
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    sources = models.TextField(
        "sources and assumptions",
        blank=True,
        help_text="Where the record's facts come from, and what was assumed where the sources are silent",
    )
    due_on = models.DateField("due date", db_index=True)
    due_at = models.DateTimeField("due time", null=True, blank=True)
    ends_at = models.DateTimeField("ends", null=True, blank=True, help_text="For events with an end time")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones_owned",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.SCHEDULED)
    met_on = models.DateField("met on", null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source, default=Source.MANUAL)
    derived_key = models.CharField(
        max_length=50,
        blank=True,
        help_text="Which derived date this is, e.g. term_end or option_decision:2",
    )
    edited_by_hand = models.BooleanField(
        default=False, help_text="An officer changed a derived milestone: recomputing leaves it alone"
    )
    conflict_note = models.TextField(blank=True, help_text="Where the sources disagree about this date, what each says")
    reminder_offsets = models.CharField(
        "reminders",
        max_length=200,
        blank=True,
        help_text=(
            "When to send reminders, overriding the defaults for this kind of milestone: for "
            "example '3 months, 2 weeks, 2 working days, morning of'"
        ),
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(
        max_length=254, blank=True, help_text="Who acknowledged the reminders (their email address)"
    )

    history = HistoricalRecords()
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "due_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(contract__isnull=False, cycle__isnull=True)
                    | models.Q(contract__isnull=True, cycle__isnull=False)
                ),
                name="milestone_belongs_to_contract_or_cycle",
            ),
            models.UniqueConstraint(
                fields=["contract", "derived_key"],
                condition=~models.Q(derived_key=""),
                name="milestone_unique_derived_key",
            ),
        ]
        indexes = [
            # The dashboard's "overdue" and "next 90 days" lists read open milestones by date.
            models.Index(fields=["status", "due_on"], name="milestone_status_due"),
            # The dashboard's "next 90 days" in the list's order: the first 100 are read, not every
            # open milestone of the 90 days sorted (2,500 for an admin at 100,000 contracts).
            models.Index(
                F("due_on"),
                F("due_at").asc(nulls_first=True),
                F("title"),
                F("id"),
                name="milestone_open_in_order",
                condition=models.Q(status="scheduled"),
            ),
            # The dashboard's overdue list and count (``needing_action_before``), in the list's
            # order: the first 25 are read without passing over the term ends and other dates
            # that simply arrive, most of the open milestones in the past (issue 24: 97 in 100
            # at 10,000 contracts, and growing with the register).
            models.Index(
                F("due_on"),
                F("due_at").asc(nulls_first=True),
                F("title"),
                F("id"),
                name="milestone_needing_action",
                condition=models.Q(status="scheduled") & ~models.Q(kind__in=EVENT_KIND_VALUES),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse_pk("commissioning:milestone-detail", self.pk)

    @property
    def is_all_day(self) -> bool:
        return self.due_at is None

    @property
    def subject(self) -> Contract | CommissioningCycle:
        return self.contract if self.contract_id else self.cycle

    def is_overdue(self, today: date) -> bool:
        """Still scheduled, due before today, and something a person has to do (as
        ``MilestoneQuerySet.needing_action_before``)."""
        return self.status == self.Status.SCHEDULED and self.due_on < today and self.kind not in self.EVENT_KINDS

    def shown_status(self, today: date) -> ShownStatus:
        """The status every page shows (issue 25: an overdue milestone read "Scheduled" in blue
        on the cycle page and a red "260 days" on the dashboard).

        Overdue is red wherever it appears; a date that simply arrives (a term's end) has
        "Passed" once it is behind us, never "Overdue".
        """
        if self.status == self.Status.MET:
            return ShownStatus("met", "Met", "green")
        if self.status == self.Status.MISSED:
            return ShownStatus("missed", "Missed", "red")
        if self.status == self.Status.CANCELLED:
            return ShownStatus("cancelled", "Cancelled", "grey")
        if self.is_overdue(today):
            return ShownStatus("overdue", "Overdue", "red")
        if self.due_on < today:
            return ShownStatus("passed", "Passed", "grey")
        return ShownStatus("scheduled", "Scheduled", "blue")

    def save(self, *args, **kwargs):
        if self.due_at is not None:
            self.due_on = timezone.localtime(self.due_at).date()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "due_on"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if bool(self.contract_id) == bool(self.cycle_id):
            errors["contract"] = "Choose either a contract or a commissioning cycle"
        if self.due_at and timezone.is_naive(self.due_at):
            errors["due_at"] = "The due time must include its time zone"
        if self.ends_at and self.due_at and self.ends_at <= self.due_at:
            errors["ends_at"] = "The end time must be after the start time"
        if self.ends_at and not self.due_at:
            errors["ends_at"] = "Only a milestone with a time of day can have an end time"
        if self.status == self.Status.MET and not self.met_on:
            errors["met_on"] = "Enter the date the milestone was met"
        if errors:
            raise ValidationError(errors)


class CalendarFeed(models.Model):
    """A person's secret calendar address. Anyone holding the token can read the feed, so it
    can be replaced at any time from the officer's settings page."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed for {self.user}"


class ContractRating(models.Model):
    """A contract's recommissioning risk as ``rules.recommissioning_risk`` last rated it.

    Written only by ``commissioning.ratings.contracts_rate``, which ``commissioning.changes`` calls
    after every change that can move a rating, and again each night for the ratings the passing
    of time moves (``ratings_refresh``). The dashboard and the register read and filter by it in
    SQL instead of rating every live contract in Python on each request (issue 24).
    """

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, primary_key=True, related_name="rating")
    # Blank once the contract has ended: it has no risk.
    rating = models.CharField(max_length=5, blank=True)
    reason = models.TextField(blank=True)
    start_by = models.DateField(null=True, blank=True)
    # The contract (or a call-off under it) leaves a gap in cover: it carries the "Gap in cover" tag.
    own_gap = models.BooleanField(default=False)
    # Some service it covers has a gap, its own or another contract's: the dashboard's "Gaps in cover".
    service_gap = models.BooleanField(default=False)
    rated_on = models.DateField()

    class Meta:
        indexes = [
            # The dashboard's "Recommissioning late or due to start" (commissioning.selectors.dashboard_for).
            models.Index(
                fields=["start_by"], name="rating_needs_attention", condition=models.Q(rating__in=["red", "amber"])
            ),
            # The dashboard's "Gaps in cover".
            models.Index(fields=["contract"], name="rating_service_gap", condition=models.Q(service_gap=True)),
            # The nightly refresh finds what it has not rated today.
            models.Index(fields=["rated_on"], name="rating_rated_on"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.rating or 'ended'}"


class ServiceCoverEnd(models.Model):
    """A service whose cover ends, or has ended, at the end of one of its contracts with nothing
    to take over (``cover.Boundary.no_successor``), as the contract's rating last found it.

    Written with the contract's ``ContractRating``, only by ``commissioning.ratings.contracts_rate``
    (so after every change that can move it, and each night). The dashboard's "Services with no
    successor" chooses, counts and orders these in SQL, and works out the cover of the first
    ``selectors.DASHBOARD_CAP`` only, instead of the cover of every service on each request.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cover_ends")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="cover_ends")
    # The contract's last day of planned cover (``cover.Boundary.last_day``): the dashboard's order.
    last_day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "contract"], name="cover_end_once")]
        indexes = [models.Index(fields=["last_day"], name="cover_end_last_day")]

    def __str__(self) -> str:
        return f"{self.service_id} after {self.contract_id}: {self.last_day}"
