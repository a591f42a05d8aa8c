"""The contract register: organisations, teams, contracts and their extension options.

Dates that follow from others (end of the initial term, current end date, where each option
falls) are computed by ``contracts.terms`` and never typed in. Two of them are kept as
columns, ``initial_end_date`` and ``current_end_date``, so that the register can filter and
sort on them in SQL; only ``Contract.refresh_end_dates`` writes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from common.dates import long_date
from common.urls import reverse_pk

from . import terms

NOT_NEGATIVE = [MinValueValidator(Decimal("0"), message="Enter an amount of £0 or more")]

# A reference names files and appears in headers, links and exports: keep it to the characters
# councils use (ASC0013, MK-SPF-2020, CLE/VS 2016.1). Issue 15: quotes and semicolons in one
# renamed a download.
REFERENCE_CHARACTERS = re.compile(r"[A-Za-z0-9 _./-]+")
REFERENCE_MESSAGE = "Use only letters, digits, spaces and the characters - _ / . in the reference, for example ASC0013"


class Team(models.Model):
    """A commissioning team that owns contracts, e.g. the domestic abuse team."""

    name = models.CharField(max_length=200, unique=True)
    shared_mailbox = models.EmailField(blank=True, help_text="The team's shared inbox for reminders")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_managed",
        help_text="Reminders escalate to this person when a deadline is close or missed",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="teams",
        help_text="Who works on this team's contracts, cycles and reports (access.policy)",
    )

    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["name"]
        permissions = [("view_all_teams", "Can see every team's records")]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A buyer (a council, a police and crime commissioner) or a provider (a charity)."""

    class Role(models.TextChoices):
        BUYER = "buyer", "Buyer"
        PROVIDER = "provider", "Provider"
        BOTH = "both", "Buyer and provider"

    name = models.CharField(max_length=255)
    role = models.CharField(max_length=10, choices=Role, default=Role.PROVIDER)
    ppon_id = models.CharField(
        "PPON identifier",
        max_length=40,
        blank=True,
        help_text="Public Procurement Organisation Number, e.g. PLDZ-6131-PWZH (the GB-PPON scheme)",
    )
    charity_number = models.CharField(max_length=20, blank=True)
    company_number = models.CharField(max_length=20, blank=True)
    is_sme = models.BooleanField("SME", default=False, help_text="Small or medium-sized enterprise")
    is_vcse = models.BooleanField("VCSE", default=False, help_text="Voluntary, community or social enterprise")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        # The Organisations list's order (keyset pages by name): a page is read by this index,
        # not by sorting every organisation of the service.
        indexes = [models.Index(fields=["name", "id"], name="organisation_by_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["ppon_id"],
                condition=~models.Q(ppon_id=""),
                name="organisation_unique_ppon_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ocds_party_id(self) -> str:
        return f"GB-PPON-{self.ppon_id}" if self.ppon_id else ""


class ServiceCategory(models.TextChoices):
    CRISIS_INTERVENTION = "crisis_intervention", "Crisis intervention (IDVA)"
    REFUGE = "refuge", "Refuge and safe accommodation"
    PERPETRATOR_PROGRAMME = "perpetrator_programme", "Perpetrator programme"
    COUNSELLING = "counselling", "Counselling"
    SANCTUARY = "sanctuary", "Sanctuary scheme"
    VICTIM_SUPPORT = "victim_support", "Victim support"
    COMBINED = "combined", "Combined domestic abuse services"
    OTHER = "other", "Other"


class FundingSource(models.TextChoices):
    CORE_BUDGET = "core_budget", "Core budget"
    GRANT = "grant", "Government grant"
    OPCC = "opcc", "Police and crime commissioner (OPCC)"
    JOINT = "joint", "Joint or pooled funding"
    OTHER = "other", "Other"


class ContractQuerySet(models.QuerySet):
    def with_register_columns(self) -> ContractQuerySet:
        """Everything a register row shows, in a fixed number of queries.

        Options left is a subquery per row rather than a join and GROUP BY, which made
        PostgreSQL join and group every visible contract before choosing a page of 25 (3 s for
        an admin at 100,000 contracts) and made the page count repeat the join (docs/benchmarks.md).
        """
        open_options = (
            ExtensionOption.objects.filter(contract=models.OuterRef("pk"), status__in=ExtensionOption.OPEN_STATUSES)
            .order_by()
            .values("contract")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return self.select_related("buyer", "provider", "team", "lead_officer").annotate(
            options_left=Coalesce(models.Subquery(open_options, output_field=models.IntegerField()), 0)
        )

    def in_phase(self, phase: terms.Phase, today: date) -> ContractQuerySet:
        """The SQL twin of ``terms.phase_on``: keep the two in step."""
        live = models.Q(terminated_on__isnull=True) | models.Q(terminated_on__gte=today)
        if phase == terms.Phase.TERMINATED:
            return self.filter(terminated_on__lt=today)
        if phase == terms.Phase.PLANNED:
            return self.filter(live, start_date__gt=today)
        if phase == terms.Phase.EXPIRED:
            return self.filter(live, current_end_date__lt=today)
        in_term = self.filter(live, start_date__lte=today, current_end_date__gte=today)
        if phase == terms.Phase.IN_EXTENSION:
            return in_term.filter(initial_end_date__lt=today)
        return in_term.filter(initial_end_date__gte=today)


class Contract(models.Model):
    """One contract (or a framework or partnership agreement with services under it)."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", "Contract"
        FRAMEWORK = "framework", "Framework or partnership agreement"

    reference = models.CharField(max_length=50, unique=True, help_text="For example, ASC0013")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    sources = models.TextField(
        "sources and assumptions",
        blank=True,
        help_text="Where the record's facts come from, and what was assumed where the sources are silent",
    )
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.CONTRACT)
    service_category = models.CharField(max_length=30, choices=ServiceCategory)
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contracts_bought")
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="contracts_provided",
        null=True,
        blank=True,
        help_text="Leave empty while the contract is being procured",
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="contracts")
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts_led",
    )
    funding_source = models.CharField(max_length=20, choices=FundingSource, default=FundingSource.CORE_BUDGET)
    funding_detail = models.CharField(
        max_length=200, blank=True, help_text="For example, Domestic Abuse New Burdens Grant"
    )
    annual_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE)
    total_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text="Over the whole term including extensions",
    )
    start_date = models.DateField()
    initial_term_months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1, message="The initial term must be at least 1 month")]
    )
    max_extent_date = models.DateField(
        "maximum extent date",
        null=True,
        blank=True,
        help_text="The latest the contract may run to with every option exercised",
    )
    is_light_touch = models.BooleanField(
        "light-touch regime", default=False, help_text="Procured under the light-touch regime"
    )

    # What the Local Government Transparency Code 2015 asks of every contract over £5,000
    # beyond the fields above (see docs/exports.md and exports/transparency.py).
    class ProcurementRoute(models.TextChoices):
        PUBLISHED_TENDER = "published_tender", "Published invitation to tender"
        INVITATION_TO_QUOTE = "invitation_to_quote", "Invitation to quote"
        OTHER = "other", "Neither, for example a direct award or a call-off"

    procurement_route = models.CharField(
        max_length=20,
        choices=ProcurementRoute,
        blank=True,
        help_text="Whether the contract followed an invitation to quote or a published invitation to tender",
    )
    non_recoverable_vat = models.DecimalField(
        "non-recoverable VAT",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text="VAT the council cannot recover, over the whole contract",
    )
    review_date = models.DateField(null=True, blank=True, help_text="When the contract is next reviewed")
    ocid = models.CharField("OCID", max_length=100, blank=True, help_text="e.g. ocds-h6vhtk-05a7b0")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The framework or partnership agreement this service sits under",
    )
    terminated_on = models.DateField(
        null=True, blank=True, help_text="Only if the contract was ended before its end date"
    )
    # The Procurement Act counts UK7 and the copy of a contract from the day it is entered
    # into, not its start (s.53); notices.duties counts from the planned date until this is known.
    date_signed = models.DateField(
        "date signed",
        null=True,
        blank=True,
        help_text="The day the contract was entered into (signed), which may be months before it starts",
    )

    # Which nation's rules the procurement is regulated under: commencement dates differ
    # (notices.thresholds.COMMENCEMENTS, one table by nation). Devolved Scottish procurement
    # is outside the Procurement Act 2023 (the Procurement Reform (Scotland) Act 2014 applies).
    class Nation(models.TextChoices):
        ENGLAND = "England", "England"
        WALES = "Wales", "Wales (regulated by the Welsh Ministers)"
        SCOTLAND = "Scotland", "Scotland (devolved Scottish procurement: outside the Procurement Act 2023)"

    nation = models.CharField(
        max_length=10,
        choices=Nation,
        default=Nation.ENGLAND,
        help_text="Whose procurement rules apply: the Procurement Act's duties start on different days in Wales",
    )
    value_includes_vat = models.BooleanField(
        "values include VAT",
        null=True,
        blank=True,
        help_text=(
            "Yes if the values include VAT or no VAT is charged; no if VAT is on top (the Act's "
            "thresholds include VAT, so 20% is added to test them)"
        ),
    )

    # How far ahead decisions must be made; they set the derived milestones' dates.
    provider_notice_months = models.PositiveSmallIntegerField(
        "notice to the provider in months",
        default=6,
        help_text="The notice the contract requires before an extension starts",
    )
    approval_lead_weeks = models.PositiveSmallIntegerField(
        "approval lead time in weeks",
        default=8,
        help_text="Time the decision route needs, e.g. drafting a Cabinet report and the meeting",
    )
    recommissioning_lead_months = models.PositiveSmallIntegerField(
        "recommissioning lead time in months",
        default=18,
        help_text="How long before the maximum end date recommissioning must start",
    )

    class Decision(models.TextChoices):
        EXTEND = "extend", "Extend"
        EXTEND_WITH_VARIATIONS = "extend_with_variations", "Extend with variations"
        RETENDER = "retender", "Re-tender"
        DECOMMISSION = "decommission", "Decommission"

    decision = models.CharField(
        "decision on expiry",
        max_length=30,
        choices=Decision,
        blank=True,
        help_text="What happens when the contract reaches its end",
    )
    decision_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contract_decisions",
        verbose_name="decided by",
    )
    decision_on = models.DateField("decided on", null=True, blank=True)

    # Derived by refresh_end_dates(); see the module docstring. No form offers them (the admin
    # shows them read-only); they stay "editable" so django-simple-history diffs them.
    initial_end_date = models.DateField("end of the initial term")
    current_end_date = models.DateField(db_index=True)

    history = HistoricalRecords()
    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["current_end_date", "reference"]
        permissions = [("approve_decision", "Can approve extension and contract decisions")]
        indexes = [
            # The default order, read in order and stopped at the page: the dashboard's "ending
            # within" lists sorted every contract ending in the band (2,000 at 100,000 contracts),
            # most of them on the same few month ends, to show 25 (issue 24).
            models.Index(fields=["current_end_date", "reference"], name="contract_end_reference"),
            # The timeline's first 25 by start (commissioning.views.timeline), read in order.
            models.Index(fields=["start_date", "reference"], name="contract_start_reference"),
            # The register's status and "ending within" filters (``in_phase``, and a range of
            # current end dates) and what its keyset page needs to choose a page by them: the
            # rows counted and the page's ids read from the index alone, never the table's rows.
            # An admin's "active, ending within 24 months" matches 23,000 at 100,000 contracts:
            # read from the table, its count and its page by provider took 56 ms (issue 24).
            models.Index(
                fields=[
                    "current_end_date",
                    "start_date",
                    "initial_end_date",
                    "terminated_on",
                    "provider",
                    "reference",
                    "id",
                ],
                name="contract_register_filters",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse_pk("contracts:detail", self.pk)

    # --- derived dates ---------------------------------------------------------------

    def compute_end_dates(self, exercised_months: list[int]) -> tuple[date, date]:
        initial_end = terms.term_end(self.start_date, self.initial_term_months)
        return initial_end, terms.current_end(self.start_date, self.initial_term_months, exercised_months)

    def refresh_end_dates(self) -> bool:
        """Recompute the stored end dates from the start, term and exercised options.

        Returns whether anything changed. Saving twice changes nothing, so callers may call it
        freely after any change to the contract or its options.
        """
        exercised = []
        if self.pk:
            exercised = list(
                self.options.filter(status=ExtensionOption.Status.EXERCISED).values_list("length_months", flat=True)
            )
        initial_end, current = self.compute_end_dates(exercised)
        changed = (initial_end, current) != (self.initial_end_date, self.current_end_date)
        self.initial_end_date, self.current_end_date = initial_end, current
        return changed

    def save(self, *args, **kwargs):
        if self.start_date and self.initial_term_months and self.initial_term_months > 0:
            self.refresh_end_dates()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "initial_end_date", "current_end_date"}
        super().save(*args, **kwargs)

    def sync_end_dates(self, *, source: models.Model) -> None:
        """Save new end dates after an option changed, crediting whoever changed the option."""
        if not self.refresh_end_dates():
            return
        if hasattr(source, "_history_user"):
            self._history_user = source._history_user
        self._change_reason = getattr(source, "_change_reason", None) or "Extension options changed"
        super().save(update_fields=["initial_end_date", "current_end_date"])

    @property
    def effective_max_extent_date(self) -> date:
        """The maximum extent as written in the contract, or where the last option that can
        still run would end (a declined or lapsed option never will)."""
        options = sorted(self.options.all(), key=lambda option: option.sequence)
        months = [option.length_months for option in options if not option.is_ruled_out]
        return terms.max_extent(self.start_date, self.initial_term_months, months, self.max_extent_date)

    @property
    def last_day(self) -> date:
        """The latest day the service can run under this contract (``terms.last_day``)."""
        return terms.last_day(
            current_end=self.current_end_date,
            max_extent=self.effective_max_extent_date,
            terminated_on=self.terminated_on,
        )

    def end_if_exercised(self, option: ExtensionOption) -> date:
        """Where the contract would end with ``option`` exercised, and so every option before it
        that can still run (a declined or lapsed one never will)."""
        months = [
            o.length_months
            for o in self.options.all()
            if o.sequence < option.sequence and not o.is_ruled_out or o.sequence == option.sequence
        ]
        return terms.end_if_exercised(self.start_date, self.initial_term_months, months)

    def phase(self, today: date | None = None) -> terms.Phase:
        return terms.phase_on(
            today or timezone.localdate(),
            start=self.start_date,
            initial_end=self.initial_end_date,
            end=self.current_end_date,
            terminated_on=self.terminated_on,
        )

    def phase_label(self, today: date | None = None) -> str:
        return terms.PHASE_LABELS[self.phase(today)]

    def contract_year(self, today: date | None = None) -> tuple[int, int] | None:
        return terms.contract_year(today or timezone.localdate(), start=self.start_date, end=self.current_end_date)

    def days_to_end(self, today: date | None = None) -> int:
        return (self.current_end_date - (today or timezone.localdate())).days

    def option_periods(self) -> dict[int, terms.OptionPeriod]:
        """Where each option falls, by sequence (uses the prefetched options if there are any)."""
        ordered = sorted(self.options.all(), key=lambda option: option.sequence)
        periods = terms.option_periods(self.start_date, self.initial_term_months, *terms_of(ordered))
        return {option.sequence: period for option, period in zip(ordered, periods)}

    # --- validation ------------------------------------------------------------------

    DERIVED_FIELDS = ("initial_end_date", "current_end_date")

    def clean_fields(self, exclude=None):
        # The derived dates are filled in by save(), never by a person: nothing to validate.
        exclude = {*(exclude or ()), *self.DERIVED_FIELDS}
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "reference" not in exclude and "reference" not in errors and self._reference_is_new_and_unsafe():
            errors["reference"] = [REFERENCE_MESSAGE]
        if errors:
            raise ValidationError(errors)

    def _reference_is_new_and_unsafe(self) -> bool:
        if not self.reference or REFERENCE_CHARACTERS.fullmatch(self.reference):
            return False
        # One saved before references were checked is left alone (downloads make it safe, the
        # admin can correct it), so that other changes to that contract still save.
        return not (self.pk and Contract.objects.filter(pk=self.pk, reference=self.reference).exists())

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.start_date and self.initial_term_months and self.initial_term_months > 0:
            initial_end = terms.term_end(self.start_date, self.initial_term_months)
            if self.max_extent_date and self.max_extent_date < initial_end:
                errors["max_extent_date"] = (
                    f"The maximum extent date must be on or after the end of the initial term, {long_date(initial_end)}"
                )
            if self.terminated_on and self.terminated_on < self.start_date:
                errors["terminated_on"] = "The termination date must be on or after the start date"
            if self.date_signed and self.date_signed > initial_end:
                errors["date_signed"] = (
                    f"The date signed must be before the end of the initial term, {initial_end:%-d %B %Y}"
                )
        if self.parent_id and self.parent_id == self.pk:
            errors["parent"] = "A contract cannot be its own parent"
        if self.provider_id and self.provider_id == self.buyer_id:
            errors["provider"] = "The provider must be a different organisation from the buyer"
        if errors:
            raise ValidationError(errors)


def terms_of(ordered: Sequence[ExtensionOption]) -> tuple[list[int], set[int]]:
    """The lengths of ``ordered`` options and the positions (from 1) of those ruled out, as
    ``terms.option_periods`` takes them: declined and lapsed options never run."""
    return [o.length_months for o in ordered], {n for n, o in enumerate(ordered, start=1) if o.is_ruled_out}


class ExtensionOption(models.Model):
    """An option to extend a contract, exercised in sequence."""

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        EXERCISED = "exercised", "Exercised"
        DECLINED = "declined", "Declined"
        LAPSED = "lapsed", "Lapsed"

    # Options that can still be exercised: they count as "options left".
    OPEN_STATUSES = (Status.AVAILABLE, Status.PROPOSED, Status.APPROVED)
    # Options that can no longer extend the contract: the extent checks leave them out (issue 25:
    # a declined option's end, past a new maximum extent date, refused the edit).
    RULED_OUT_STATUSES = (Status.DECLINED, Status.LAPSED)

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="options")
    sequence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1, message="Options are numbered from 1")]
    )
    length_months = models.PositiveSmallIntegerField(
        "length in months",
        validators=[MinValueValidator(1, message="An option must last at least 1 month")],
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.AVAILABLE)
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE)
    decision_reference = models.CharField(
        max_length=200, blank=True, help_text="For example, Cabinet 19 November 2019, item 7"
    )
    decision_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "sequence"]
        constraints = [models.UniqueConstraint(fields=["contract", "sequence"], name="option_unique_sequence")]

    def __str__(self) -> str:
        return f"Option {self.sequence} ({self.length_months} months)"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.contract.sync_end_dates(source=self)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self.contract.sync_end_dates(source=self)
        return result

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_ruled_out(self) -> bool:
        return self.status in self.RULED_OUT_STATUSES

    @property
    def length_label(self) -> str:
        years, months = divmod(self.length_months, 12)
        parts = []
        if years:
            parts.append(f"{years} year{'s' if years != 1 else ''}")
        if months:
            parts.append(f"{months} month{'s' if months != 1 else ''}")
        return " ".join(parts)


class ContractAccess(models.Model):
    """Access to one contract for a person outside its team, e.g. a colleague in finance."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="access_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contract_grants")
    can_edit = models.BooleanField(default=False, help_text="Otherwise they may only read it")
    reason = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "access to a contract"
        verbose_name_plural = "access to contracts"
        constraints = [models.UniqueConstraint(fields=["contract", "user"], name="contract_access_once")]

    def __str__(self) -> str:
        return f"{self.user} on {self.contract.reference}"
