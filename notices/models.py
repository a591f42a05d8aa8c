"""Procurement notices, the OCDS releases they came in, and the Act's notice duties.

- ``Release``: one OCDS release as imported, kept whole (its raw JSON) and unique on its
  OCID and release id (OCDS makes a release id unique only within its OCID), so importing it
  again changes nothing. One release can carry several notices
  (a compiled release lists every notice of the procurement so far), which is why a notice
  and a release are two records.
- ``Notice``: one notice on Find a Tender (UK1 to UK17), from a release's documents or recorded
  by an officer, belonging to a commissioning cycle and the contracts it is about.
- ``Lot``: what the notices say about each lot: the contract period, renewal, value.
- ``ImportedValue``: what the notices last said about a value the tracker holds (a milestone's
  date, a cycle's estimated value). The importer changes a value only while it still equals
  what the notices last said; if an officer changed it, the officer's value stays and a
  ``Conflict`` shows both.
- ``Conflict``: where a notice and the tracker (or a notice's text and its structured fields)
  disagree. The officer chooses, and the choice is kept in its history.
- ``Duty``: one notice the Procurement Act 2023 requires of a contract or a cycle, with its
  milestone (and so its reminders). It is met by a notice of its type, or an officer records
  that it does not apply and why. A duty that is not a notice (assessment summaries, three
  months' notice to a VCSE provider) has no notice type and is met with its milestone.
- ``Payment``: a payment made under a contract, from the finance system; payments over
  £30,000 raise the UK8 contract payment notices (s.70).
- ``AuthoritySpend``: what an authority expects to pay under public contracts in a financial
  year; over £100 million it publishes a UK1 pipeline notice (s.93).
- ``ContractBreach``: a breach leading to termination, damages or a settlement, or a failure
  to improve, which raises a UK9 within 30 days (s.71).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from commissioning.models import CommissioningCycle, Milestone
from common.urls import reverse_pk
from contracts.models import Contract, Organisation

from .notice_types import NoticeType
from .validators import WebAddressField


def _either_contract_or_cycle(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(
            models.Q(contract__isnull=False, cycle__isnull=True) | models.Q(contract__isnull=True, cycle__isnull=False)
        ),
        name=name,
    )


class ReleaseTextField(models.TextField):
    """A release's JSON as read, inserted in a batch as a list of rows (``VALUES``).

    Django 5.2 inserts a batch on PostgreSQL as one array per column (``UNNEST``), and psycopg
    escapes an array's text in Python, one regular-expression substitution per quote: for JSON,
    quotes everywhere, that cost about three times the CPU and twice the time of a list of rows
    for 500 releases (docs/benchmarks.md, issue 20). A field with its own placeholder is
    inserted as a list of rows (``SQLInsertCompiler.assemble_as_sql``)."""

    def get_placeholder(self, value, compiler, connection):
        return "%s"


class Release(models.Model):
    """One OCDS release, as imported."""

    release_id = models.CharField("release id", max_length=255, help_text="Unique within its OCID only")
    ocid = models.CharField("OCID", max_length=100, db_index=True)
    date = models.DateTimeField(help_text="The release's own date")
    tags = models.CharField(max_length=200, blank=True, help_text="The release tags, comma-separated")
    raw_json = ReleaseTextField("raw JSON", help_text="The release exactly as read, numbers as written")
    cycle = models.ForeignKey(
        CommissioningCycle, on_delete=models.SET_NULL, null=True, blank=True, related_name="releases"
    )
    buyer = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="releases")
    applied = models.BooleanField(
        default=True,
        help_text="False when a later release of the same procurement had already been imported: kept, applied nothing",
    )
    changes = models.JSONField(default=list, blank=True, help_text="What importing it changed, in words")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["ocid", "date", "release_id"]
        constraints = [models.UniqueConstraint(fields=["ocid", "release_id"], name="release_unique_within_ocid")]

    def __str__(self) -> str:
        return self.release_id

    def get_absolute_url(self) -> str:
        return reverse_pk("notices:release-detail", self.pk)


class Notice(models.Model):
    """A procurement notice published on Find a Tender."""

    class Source(models.TextChoices):
        IMPORTED = "imported", "Imported from OCDS"
        RECORDED = "recorded", "Recorded by an officer"

    notice_type = models.CharField(max_length=4, choices=NoticeType)
    fts_notice_id = models.CharField(
        "Find a Tender notice id", max_length=50, blank=True, help_text="For example, 017566-2026"
    )
    ocid = models.CharField("OCID", max_length=100, blank=True, db_index=True)
    published_at = models.DateTimeField("published")
    url = WebAddressField("address", max_length=500, blank=True)
    description = models.TextField(blank=True)
    amendment = models.TextField(
        blank=True, help_text="What the publisher says this notice changed (tender.amendments)"
    )
    changes = models.JSONField(
        default=list, blank=True, help_text="What the tracker changed when this notice's release was imported"
    )
    source = models.CharField(max_length=10, choices=Source, default=Source.IMPORTED)
    source_release = models.ForeignKey(
        Release,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        help_text="The release the tracker first read this notice in (its raw JSON is there)",
    )
    cycle = models.ForeignKey(
        CommissioningCycle, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )
    contracts = models.ManyToManyField(Contract, blank=True, related_name="notices")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(m2m_fields=[contracts])

    class Meta:
        ordering = ["published_at", "fts_notice_id"]
        # The Notices list's order (newest first, keyset pages): an admin's first page reads 51
        # rows by this index instead of sorting every notice of the service.
        indexes = [models.Index(fields=["-published_at", "-id"], name="notice_newest_first")]
        constraints = [
            models.UniqueConstraint(
                fields=["fts_notice_id"], condition=~models.Q(fts_notice_id=""), name="notice_unique_fts_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice_type} {self.fts_notice_id}".strip()

    def get_absolute_url(self) -> str:
        return reverse_pk("notices:notice-detail", self.pk)

    @property
    def release_id(self) -> str:
        """The OCDS release id this notice was read from ("" if an officer recorded it)."""
        return self.source_release.release_id if self.source_release_id else ""


class Lot(models.Model):
    """A lot of a procurement, as its latest notice describes it."""

    cycle = models.ForeignKey(CommissioningCycle, on_delete=models.CASCADE, related_name="lots")
    lot_id = models.CharField("lot id", max_length=100)
    title = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    max_extent_date = models.DateField("maximum extent date", null=True, blank=True)
    has_renewal = models.BooleanField(null=True, blank=True)
    renewal_description = models.TextField(blank=True)
    minimum_renewals = models.PositiveIntegerField(null=True, blank=True)
    maximum_renewals = models.PositiveIntegerField(null=True, blank=True)
    renewals_unlimited = models.BooleanField(
        default=False, help_text="The notice gave 1e9999 renewals: OCDS for 'no maximum'"
    )
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    suitable_for_sme = models.BooleanField(null=True, blank=True)
    suitable_for_vcse = models.BooleanField(null=True, blank=True)
    contract = models.ForeignKey(
        Contract,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lots",
        help_text="The tracker's contract for this lot, when there is exactly one to match",
    )
    last_release = models.ForeignKey(Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "lot_id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "lot_id"], name="lot_unique_per_cycle")]

    def __str__(self) -> str:
        return f"Lot {self.lot_id}" + (f": {self.title}" if self.title else "")


class ImportedValue(models.Model):
    """What the notices last said about one value the tracker holds."""

    cycle = models.ForeignKey(CommissioningCycle, on_delete=models.CASCADE, related_name="imported_values")
    key = models.CharField(max_length=150, help_text="e.g. milestone:planning:engagement, cycle:estimated_value")
    milestone = models.OneToOneField(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="imported_value"
    )
    value = models.JSONField(help_text="The value as the notices last gave it")
    release = models.ForeignKey(Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "key"], name="imported_value_unique_key")]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.key}"


class Conflict(models.Model):
    """Two sources that disagree about one value, for the officer to choose between."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an officer"
        USED_NOTICE = "used_notice", "The notice's value was used"
        KEPT = "kept", "The tracker's value was kept"
        SUPERSEDED = "superseded", "Replaced by a later notice"
        AGREED = "agreed", "The tracker now agrees with the notice"

    cycle = models.ForeignKey(CommissioningCycle, on_delete=models.CASCADE, related_name="conflicts")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="conflicts")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="conflicts")
    imported_value = models.ForeignKey(
        ImportedValue, on_delete=models.SET_NULL, null=True, blank=True, related_name="conflicts"
    )
    release = models.ForeignKey(Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="conflicts")
    subject = models.CharField(max_length=300, help_text="What the two sources disagree about")
    path = models.CharField("JSON path", max_length=300, blank=True)
    ours = models.CharField("the tracker says", max_length=300)
    theirs = models.CharField("the notice says", max_length=500)
    theirs_value = models.JSONField(
        null=True,
        blank=True,
        help_text="The notice's value, to apply if the officer chooses it (null: nothing to apply)",
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The cycle and contract pages list the open conflicts (selectors.open_conflicts_for_*).
            models.Index(fields=["status", "cycle"], name="conflict_status_cycle"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse_pk("notices:conflict-detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def can_use_notice(self) -> bool:
        return self.theirs_value is not None


class Duty(models.Model):
    """A notice the Procurement Act 2023 requires, on a contract or a cycle, and its milestone."""

    class Status(models.TextChoices):
        DUE = "due", "Due"
        MET = "met", "Notice published"
        NOT_APPLICABLE = "not_applicable", "Does not apply"
        LAPSED = "lapsed", "No longer required"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="duties")
    cycle = models.ForeignKey(
        CommissioningCycle, on_delete=models.CASCADE, null=True, blank=True, related_name="duties"
    )
    key = models.CharField(max_length=60, help_text="Which duty this is, e.g. UK7 or UK10:option:2")
    notice_type = models.CharField(
        max_length=4, choices=NoticeType, blank=True, help_text="Empty for a duty that is not a notice"
    )
    kind = models.CharField(max_length=20, default=Milestone.Kind.NOTICE)
    title = models.CharField(max_length=255)
    due_on = models.DateField("due by", help_text="The last day, as the Act's rule gives it")
    basis = models.TextField(help_text="How the date was worked out")
    note = models.TextField(blank=True)
    status = models.CharField(max_length=15, choices=Status, default=Status.DUE)
    reason = models.TextField(blank=True, help_text="Why the duty does not apply, or why it lapsed")
    notice = models.ForeignKey(Notice, on_delete=models.SET_NULL, null=True, blank=True, related_name="duties_met")
    milestone = models.OneToOneField(Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="duty")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "key"]
        verbose_name_plural = "duties"
        constraints = [
            _either_contract_or_cycle("duty_belongs_to_contract_or_cycle"),
            models.UniqueConstraint(
                fields=["contract", "key"], condition=models.Q(contract__isnull=False), name="duty_unique_per_contract"
            ),
            models.UniqueConstraint(
                fields=["cycle", "key"], condition=models.Q(cycle__isnull=False), name="duty_unique_per_cycle"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> Contract | CommissioningCycle:
        return self.contract if self.contract_id else self.cycle

    @property
    def is_due(self) -> bool:
        return self.status == self.Status.DUE

    @property
    def needs_a_notice(self) -> bool:
        """Standstill ends are dates to wait for, not notices to publish."""
        return self.kind == Milestone.Kind.NOTICE


class Payment(models.Model):
    """A payment made under a contract, as the finance system recorded it (VAT included)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField("date paid")
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="Including VAT")
    supplier = models.CharField(max_length=255, help_text="As the finance system names the supplier")
    finance_reference = models.CharField(
        max_length=100, blank=True, help_text="The finance system's payment or invoice reference, if any"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "paid_on", "pk"]
        constraints = [
            # Importing the same finance file twice adds nothing (notices.services.payments_import).
            models.UniqueConstraint(
                fields=["contract", "paid_on", "amount", "finance_reference"], name="payment_once_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,.2f} to {self.supplier} on {self.paid_on:%-d %B %Y}"


class AuthoritySpend(models.Model):
    """What a buyer expects to pay under public contracts in one financial year (s.93, UK1)."""

    buyer = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="expected_spend")
    financial_year_start = models.DateField(help_text="1 April of the financial year")
    expected_spend = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Under public contracts, VAT included"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["buyer", "financial_year_start"]
        verbose_name = "expected spend of an authority"
        verbose_name_plural = "expected spend of authorities"
        constraints = [
            models.UniqueConstraint(fields=["buyer", "financial_year_start"], name="authority_spend_once_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.buyer}: {self.financial_year_start.year}-{str(self.financial_year_start.year + 1)[2:]}"


class ContractBreach(models.Model):
    """A breach or failure to perform that the Act asks to be published (s.71, UK9)."""

    class What(models.TextChoices):
        TERMINATED = "terminated", "Terminated for breach"
        DAMAGES = "damages", "Damages paid or awarded for breach"
        SETTLEMENT = "settlement", "Settlement agreed after a breach"
        FAILED_TO_IMPROVE = "failed_to_improve", "Failed to improve after notice to do so"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="breaches")
    occurred_on = models.DateField("date", help_text="The day of the termination, award, settlement or failure")
    what = models.CharField(max_length=20, choices=What)
    description = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "occurred_on"]
        verbose_name_plural = "contract breaches"

    def __str__(self) -> str:
        return f"{self.get_what_display()} on {self.occurred_on:%-d %B %Y}"


class KeyDecisionPolicy(models.Model):
    """How an authority takes key decisions: its threshold, the body that decides, the report lead time."""

    buyer = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="key_decision_policy")
    threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="A decision worth more than this is a key decision (the council's constitution)",
    )
    decision_body = models.CharField(
        max_length=100, default="Cabinet", help_text="The meetings that take key decisions"
    )
    report_working_days = models.PositiveSmallIntegerField(
        default=10, help_text="Working days before the meeting the report is due to democratic services"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "key decision policies"

    def __str__(self) -> str:
        return f"{self.buyer}: key decisions over £{self.threshold:,.0f} go to {self.decision_body}"


class CouncilMeeting(models.Model):
    """A meeting in an authority's calendar (imported from the committee system as iCalendar)."""

    buyer = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="meetings")
    body = models.CharField(max_length=100, help_text="For example, Cabinet")
    title = models.CharField(max_length=255)
    meets_on = models.DateField(db_index=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    uid = models.CharField(
        "calendar UID", max_length=255, help_text="The event's UID in the committee system's calendar"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["buyer", "meets_on"]
        constraints = [models.UniqueConstraint(fields=["buyer", "uid"], name="meeting_once_per_calendar_uid")]

    def __str__(self) -> str:
        return f"{self.title}, {self.meets_on:%-d %B %Y}"


class ImportJob(models.Model):
    """An uploaded OCDS file being imported by a Celery worker, and how far it has got.

    The web request stores the file (Django's storage API), adds this row and returns at once;
    the worker (notices.tasks.import_ocds_upload) imports it as the officer who uploaded it and
    keeps the counts here, which the progress page shows. The stored file is deleted when the
    import ends.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Stopped by an error"

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "contracts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The team for cycles the import adds",
    )
    create_buyers = models.BooleanField(default=False)
    file_name = models.CharField(max_length=255, help_text="The name of the file as uploaded")
    stored_name = models.CharField(max_length=255, blank=True, help_text="Where the file is kept until it is imported")
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Releases in the file, counted when it was uploaded")
    counts = models.JSONField(default=dict, blank=True, help_text="Releases imported, unchanged, refused so far")
    shown = models.JSONField(default=dict, blank=True, help_text="The first releases of each kind, for the result page")
    gaps_opened = models.JSONField(
        default=list, blank=True, help_text="The gaps in cover the import opened, in words, for the result page"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import of {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("notices:import-progress", args=[self.pk])

    @property
    def done(self) -> int:
        return sum(self.counts.values()) if self.counts else 0

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.FAILED)


class OrganisationIdentifier(models.Model):
    """An organisation's identifier in a scheme the organisation's own fields do not hold.

    The PPON (GB-PPON), company (GB-COH) and charity numbers (GB-CHC, GB-SC, GB-NIC) are on the
    organisation itself; any other org-id.guide scheme an imported party uses (Contracts Finder's
    GB-CFS, a local authority code) is kept here, so the next release naming it finds the same
    organisation.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=40, help_text="The org-id.guide scheme, e.g. GB-CFS")
    identifier = models.CharField(max_length=255)

    class Meta:
        ordering = ["scheme", "identifier"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "identifier"], name="organisation_identifier_unique_in_scheme")
        ]

    def __str__(self) -> str:
        return f"{self.scheme}-{self.identifier}"


# The notice sync's own models (issue 21) live beside its code; imported here so Django registers them.
from .sync.models import MarketNotice, MarketWatch, SyncState  # noqa: F401
