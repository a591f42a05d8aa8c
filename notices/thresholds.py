"""When each part of the Procurement Act 2023 came into force, its thresholds on each day, and
what a contract is under it. Pure: no ORM, no clock.

Two dated tables, each row with its source, so that a new commencement order or a new set of
thresholds is one more row (Wales is the next: the Welsh Ministers set their own thresholds):

- ``COMMENCEMENTS``: the day a duty came into force, by nation.
- ``THRESHOLDS``: the thresholds in force from a day (Schedule 1 to the Act, VAT included).

``classify_contract`` answers which regime a contract falls under, from its estimated value
including VAT against the thresholds in force on the day its procurement started:

1. No value recorded: the tracker cannot tell, and treats it as a public contract (it raises
   the duties rather than miss them) and says so.
2. A value recorded without VAT has VAT at the standard rate (20%) added for the test: the
   thresholds include VAT (Schedule 3). A service on which no VAT is charged is recorded as
   "includes VAT".
3. At or above the threshold for its kind (light-touch services, or sub-central goods and
   services): a public contract, under the light-touch or the standard rules.
4. Below it but £30,000 or more (a sub-central authority; £12,000 for central government): a
   notifiable below-threshold contract (ss.85 and 87), which needs only a below-threshold
   contract details notice.
5. Below that: no notice is required.
6. Procured under a nation's rules where the Act is not in force (devolved Scottish
   procurement): outside the Act, whatever its value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from common.dates import long_date

ENGLAND = "England"
WALES = "Wales"
# Devolved Scottish procurement is outside the Act (the Procurement Reform (Scotland) Act 2014
# and the Public Contracts (Scotland) Regulations 2015 apply): no row, so no duty is ever in force.
SCOTLAND = "Scotland"

COMMENCEMENT_NO_3 = (
    "The Procurement Act 2023 (Commencement No. 3 and Transitional and Saving Provisions) Regulations 2024 "
    "(SI 2024/716), as amended by SI 2024/959 (which moved the day from 28 October 2024)"
)
COMMENCEMENT_NO_4 = (
    "The Procurement Act 2023 (Commencement No. 4) Regulations 2025 (SI 2025/1316), made 9 December 2025"
)


@dataclass(frozen=True)
class Commencement:
    """The day a duty came into force in a nation (``None``: not yet in force there)."""

    duty: str  # "act", or the notice it brings: "UK8", "UK9", "UK17"
    provision: str
    nation: str
    in_force: date | None
    source: str


COMMENCEMENTS: tuple[Commencement, ...] = (
    Commencement("act", "The Act (every duty not listed below)", ENGLAND, date(2025, 2, 24), COMMENCEMENT_NO_3),
    Commencement("act", "The Act (every duty not listed below)", WALES, date(2025, 2, 24), COMMENCEMENT_NO_3),
    Commencement("UK17", "s.69 payments compliance notices", ENGLAND, date(2026, 1, 1), COMMENCEMENT_NO_4),
    Commencement(
        "UK17",
        "s.69 payments compliance notices",
        WALES,
        date(2026, 4, 1),
        f"{COMMENCEMENT_NO_4}, for procurements regulated by the Welsh Ministers",
    ),
    Commencement("UK9", "s.71 assessment of contract performance", ENGLAND, date(2026, 1, 1), COMMENCEMENT_NO_4),
    Commencement("UK9", "s.71 assessment of contract performance", WALES, date(2026, 1, 1), COMMENCEMENT_NO_4),
    Commencement(
        "UK8",
        "s.70 information about payments under public contracts",
        ENGLAND,
        date(2026, 4, 1),
        f"{COMMENCEMENT_NO_4}: for procurements commenced on or after that day",
    ),
    Commencement(
        "UK8",
        "s.70 information about payments under public contracts",
        WALES,
        None,
        f"{COMMENCEMENT_NO_4} does not commence s.70 for procurements regulated by the Welsh Ministers",
    ),
)


def in_force_from(duty: str, nation: str = ENGLAND) -> date | None:
    """The day ``duty`` came into force in ``nation``; the Act's own day for any duty not listed.

    ``None``: not in force there (s.70 for Welsh-regulated procurements), or the Act does not
    apply at all (devolved Scottish procurement, which has no row).
    """
    for row in COMMENCEMENTS:
        if row.duty == duty and row.nation == nation:
            return row.in_force
    return in_force_from("act", nation) if duty != "act" else None


ACT_IN_FORCE = in_force_from("act")


# --- thresholds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """Schedule 1's thresholds (VAT included) for procurements started on or after ``from_day``."""

    from_day: date
    light_touch: Decimal
    sub_central_goods_and_services: Decimal
    central_goods_and_services: Decimal
    works: Decimal
    source: str


THRESHOLDS: tuple[Thresholds, ...] = (
    Thresholds(
        date(2025, 2, 24),
        light_touch=Decimal("663540"),
        sub_central_goods_and_services=Decimal("214904"),
        central_goods_and_services=Decimal("139688"),
        works=Decimal("5372609"),
        source="Procurement Act 2023, Schedule 1, as in force when the Act commenced (24 February 2025)",
    ),
    Thresholds(
        date(2026, 1, 1),
        light_touch=Decimal("663540"),
        sub_central_goods_and_services=Decimal("207720"),
        central_goods_and_services=Decimal("135018"),
        works=Decimal("5193000"),
        source=(
            "The Procurement Act 2023 (Threshold Amounts) (Amendment) Regulations 2025 (SI 2025/1200), "
            "for procurements commenced on or after 1 January 2026"
        ),
    ),
)

# s.87 (below-threshold contract details notices), with the values in s.85: contracts of at
# least these amounts, VAT included, by an authority that is not central government.
NOTIFIABLE_BELOW_THRESHOLD_SUB_CENTRAL = Decimal("30000")
NOTIFIABLE_BELOW_THRESHOLD_CENTRAL = Decimal("12000")
VAT_RATE = Decimal("0.20")


def thresholds_on(day: date) -> Thresholds:
    """The thresholds in force for a procurement started on ``day`` (the first set before the Act)."""
    current = THRESHOLDS[0]
    for row in THRESHOLDS:
        if row.from_day <= day:
            current = row
    return current


class Regime(enum.StrEnum):
    STANDARD = "standard"
    LIGHT_TOUCH = "light_touch"
    BELOW_THRESHOLD = "below_threshold"
    NO_NOTICE = "no_notice"
    OUTSIDE_ACT = "outside_act"


REGIME_LABELS = {
    Regime.STANDARD: "Public contract above the threshold (standard rules)",
    Regime.LIGHT_TOUCH: "Public contract above the threshold (light-touch regime)",
    Regime.BELOW_THRESHOLD: "Notifiable below-threshold contract",
    Regime.NO_NOTICE: "Below £30,000: no notice required",
    Regime.OUTSIDE_ACT: "Outside the Procurement Act 2023",
}


@dataclass(frozen=True)
class Classification:
    regime: Regime
    value_with_vat: Decimal | None
    threshold: Decimal | None
    explanation: str  # in words, for the officer

    @property
    def is_public_contract(self) -> bool:
        return self.regime in (Regime.STANDARD, Regime.LIGHT_TOUCH)

    @property
    def label(self) -> str:
        return REGIME_LABELS[self.regime]


def _money(amount: Decimal) -> str:
    return f"£{amount:,.0f}" if amount == amount.to_integral_value() else f"£{amount:,.2f}"


def value_with_vat(value: Decimal, *, includes_vat: bool | None) -> Decimal:
    """The value the thresholds are tested against: VAT at 20% added to a value recorded without it."""
    if includes_vat is False:
        return (value * (1 + VAT_RATE)).quantize(Decimal("0.01"))
    return value


def classify_contract(
    *,
    value: Decimal | None,
    includes_vat: bool | None,
    light_touch: bool,
    procurement_started_on: date,
    central_government: bool = False,
    nation: str = ENGLAND,
) -> Classification:
    """Which regime of the Procurement Act 2023 a contract falls under (see the module docstring).

    Sections 3 and 85 to 88, Schedule 1 (thresholds) and Schedule 3 (estimated value, VAT
    included, on the day the procurement commenced). Section 127 and ``COMMENCEMENTS``: a
    procurement in a nation where the Act is not in force (devolved Scottish procurement) is
    outside it altogether.
    """
    if in_force_from("act", nation) is None:
        return Classification(
            Regime.OUTSIDE_ACT,
            None,
            None,
            f"Procurement regulated in {nation} is outside the Procurement Act 2023 (devolved Scottish procurement "
            "follows the Procurement Reform (Scotland) Act 2014 and the Public Contracts (Scotland) Regulations "
            "2015), so the tracker raises none of the Act's notices.",
        )
    if value is None:
        regime = Regime.LIGHT_TOUCH if light_touch else Regime.STANDARD
        return Classification(
            regime,
            None,
            None,
            "No estimated value is recorded, so the tracker treats it as a public contract above the threshold.",
        )
    tested = value_with_vat(value, includes_vat=includes_vat)
    table = thresholds_on(procurement_started_on)
    if light_touch:
        threshold, kind = table.light_touch, "light-touch services"
    elif central_government:
        threshold, kind = table.central_goods_and_services, "central government goods and services"
    else:
        threshold, kind = table.sub_central_goods_and_services, "sub-central goods and services"
    if includes_vat is False:
        shown = f"{_money(value)} plus VAT at 20%, {_money(tested)}"
    elif includes_vat is None:
        shown = f"{_money(tested)} (taken to include VAT: the contract does not say)"
    else:
        shown = f"{_money(tested)} including VAT"
    against = f"the {kind} threshold of {_money(threshold)} in force on {long_date(procurement_started_on)}, when its procurement started"
    if tested >= threshold:
        regime = Regime.LIGHT_TOUCH if light_touch else Regime.STANDARD
        return Classification(regime, tested, threshold, f"{shown} is at or above {against}.")
    floor = NOTIFIABLE_BELOW_THRESHOLD_CENTRAL if central_government else NOTIFIABLE_BELOW_THRESHOLD_SUB_CENTRAL
    if tested >= floor:
        return Classification(
            Regime.BELOW_THRESHOLD,
            tested,
            threshold,
            f"{shown} is below {against}, and at least {_money(floor)}: a notifiable below-threshold contract.",
        )
    return Classification(
        Regime.NO_NOTICE, tested, threshold, f"{shown} is below {_money(floor)}: no notice is required."
    )
