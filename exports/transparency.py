"""The Local Government Transparency Code 2015 quarterly contracts return.

The Code (Part 2, "Contracts") asks councils to publish each quarter every contract,
framework agreement or other legally enforceable agreement with a value over £5,000: its
reference, title, the department responsible, a description, the supplier's name and
registration numbers, the total value or estimated annual spend, the VAT that cannot be
recovered, the start, end and review dates, whether it followed an invitation to quote or a
published invitation to tender, and whether the supplier is an SME or a voluntary or
community sector organisation.

Which contracts are "in" a quarter: every contract **in force at any point in the
quarter**, that is one that started on or before the quarter's last day, whose current end
date is on or after its first day, and that was not terminated before its first day. The
Code's contracts data is a register of the agreements the council is bound by, not a list
of awards, so a five-year contract appears in each of its twenty quarters (awards are
published separately, under the Procurement Act's notices). Frameworks count as
agreements, so they are in it too.

"Over £5,000": the contract's total value, or its annual value where no total is recorded,
is more than £5,000.00 (so exactly £5,000 is left out). A contract in force with no value
recorded, or with no supplier recorded, cannot be placed in or out of the return; the page
lists those for the officer to fix, and the file leaves them out.

Quarters are the financial year's: Q1 is April to June, Q2 July to September, Q3 October to
December and Q4 January to March of the following calendar year. "2026-Q4" is January to
March 2027. The column order is ``TRANSPARENCY_COLUMNS`` below, as docs/exports.md lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from access import policy
from contracts.models import Contract, Organisation

from .sources import label
from .tables import Column, Kind, Table, yes_no

THRESHOLD = Decimal("5000")
# The Code was published in February 2015; its first quarter is April to June 2015.
FIRST_YEAR = 2015

QUARTER_MONTHS = {1: ("April", "June"), 2: ("July", "September"), 3: ("October", "December"), 4: ("January", "March")}


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: ``year`` is the calendar year the financial year starts in."""

    year: int
    number: int

    @classmethod
    def containing(cls, day: date) -> Quarter:
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def parse(cls, key: str) -> Quarter:
        """``"2026-Q2"`` -> Quarter(2026, 2); ValueError for anything else."""
        year, separator, number = key.partition("-Q")
        if not (separator and year.isdigit() and len(year) == 4 and number in {"1", "2", "3", "4"}):
            raise ValueError(f"Not a quarter: {key!r}")
        return cls(int(year), int(number))

    @property
    def first(self) -> date:
        month = 3 * self.number + 1
        return date(self.year, month, 1) if month <= 12 else date(self.year + 1, month - 12, 1)

    @property
    def last(self) -> date:
        return self.next().first - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        """ "Q2 2026 to 2027: July to September 2026"."""
        first, last = QUARTER_MONTHS[self.number]
        return f"Q{self.number} {self.year} to {self.year + 1}: {first} to {last} {self.last.year}"


def last_complete_quarter(today: date) -> Quarter:
    return Quarter.containing(today).previous()


def quarters_up_to(today: date) -> list[Quarter]:
    """Every quarter from the Code's first to the one ``today`` is in, newest first."""
    quarter, first, quarters = Quarter.containing(today), Quarter(FIRST_YEAR, 1), []
    while quarter >= first:
        quarters.append(quarter)
        quarter = quarter.previous()
    return quarters


# --- which contracts ------------------------------------------------------------------------


def contracts_in_force(*, user, quarter: Quarter, buyer: Organisation | None = None) -> QuerySet[Contract]:
    """Contracts the person may see that were in force at any point in ``quarter``, each with
    ``transparency_value`` (the total value, else the annual value), by reference."""
    contracts = (
        policy.contracts_visible_to(user, Contract.objects.select_related("buyer", "provider", "team"))
        .filter(start_date__lte=quarter.last, current_end_date__gte=quarter.first)
        .exclude(terminated_on__lt=quarter.first)
    )
    if buyer is not None:
        contracts = contracts.filter(buyer=buyer)
    return contracts.annotate(transparency_value=Coalesce("total_value", "annual_value")).order_by("reference")


@dataclass
class TransparencyReturn:
    quarter: Quarter
    contracts: QuerySet[Contract]  # the rows of the file
    no_value: QuerySet[Contract]  # in force, no value recorded: left out
    no_supplier: QuerySet[Contract]  # in force, over £5,000, no supplier recorded: left out


def transparency_return(*, user, quarter: Quarter, buyer: Organisation | None = None) -> TransparencyReturn:
    in_force = contracts_in_force(user=user, quarter=quarter, buyer=buyer)
    over = in_force.filter(transparency_value__gt=THRESHOLD)
    return TransparencyReturn(
        quarter=quarter,
        contracts=over.filter(provider__isnull=False),
        no_value=in_force.filter(transparency_value__isnull=True),
        no_supplier=over.filter(provider__isnull=True),
    )


# --- the file -------------------------------------------------------------------------------


def end_date(contract: Contract) -> date:
    """The current end date, or the termination date if the contract was ended early."""
    if contract.terminated_on and contract.terminated_on < contract.current_end_date:
        return contract.terminated_on
    return contract.current_end_date


# The Code's fields, in its order, after the buying organisation (a tracker may hold several
# councils' or commissioners' contracts). Documented in docs/exports.md: keep in step.
TRANSPARENCY_COLUMNS = [
    Column("Organisation", lambda c: c.buyer.name, width=28),
    Column("Reference number", lambda c: c.reference, width=16),
    Column("Title of agreement", lambda c: c.title, width=40),
    Column("Department responsible", lambda c: c.team.name, width=28),
    Column(
        "Description of goods and services",
        lambda c: c.description or c.get_service_category_display(),
        width=50,
    ),
    Column("Supplier name", lambda c: c.provider.name, width=30),
    Column("Supplier Companies House number", lambda c: c.provider.company_number, width=14),
    Column("Supplier charity number", lambda c: c.provider.charity_number, width=14),
    Column("Total value (£)", lambda c: c.total_value, Kind.MONEY, width=14),
    Column("Estimated annual value (£)", lambda c: c.annual_value, Kind.MONEY, width=14),
    Column("Non-recoverable VAT (£)", lambda c: c.non_recoverable_vat, Kind.MONEY, width=14),
    Column("Start date", lambda c: c.start_date, Kind.DATE, width=12),
    Column("End date", end_date, Kind.DATE, width=12),
    Column("Review date", lambda c: c.review_date, Kind.DATE, width=12),
    Column("Invitation to quote or published tender", label(Contract, "procurement_route"), width=30),
    Column("SME", lambda c: yes_no(c.provider.is_sme), width=8),
    Column("VCSE", lambda c: yes_no(c.provider.is_vcse), width=8),
]


def transparency_table(result: TransparencyReturn) -> Table:
    return Table(
        columns=TRANSPARENCY_COLUMNS,
        rows=result.contracts.iterator(chunk_size=2000),
        count=result.contracts.count,
        sheet_title=f"Contracts {result.quarter.key}",
        filename_stem=f"transparency-contracts-{result.quarter.key}",
    )
