"""The arithmetic and wording of a report's figures: pure functions, no ORM, no clock.

Money is Decimal throughout and rounded to the penny only once, at the end, so an annual
value of £524,994 over a 24-month option is exactly £1,049,988 and an 18-month option of
£100,000 a year is £150,000.00, never a float's £149,999.99.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
MONTHS_IN_A_YEAR = Decimal(12)

_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


def value_over_months(annual_value: Decimal, months: int) -> Decimal:
    """What ``months`` months cost at ``annual_value`` a year, to the penny (halves round up)."""
    return (Decimal(annual_value) * Decimal(months) / MONTHS_IN_A_YEAR).quantize(PENNY, rounding=ROUND_HALF_UP)


def number_in_words(number: int) -> str:
    """Numbers up to twelve in words, as a report writes them; larger ones as digits."""
    return _WORDS[number] if 0 <= number < len(_WORDS) else str(number)


def duration_in_words(months: int) -> str:
    """24 → "two years"; 18 → "one year and six months"; 6 → "six months"."""
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{number_in_words(years)} year{'s' if years != 1 else ''}")
    if rest or not years:
        parts.append(f"{number_in_words(rest)} month{'s' if rest != 1 else ''}")
    return " and ".join(parts)


def duration_adjective(months: int) -> str:
    """24 → "two-year" (a two-year extension); 18 → "18-month"."""
    years, rest = divmod(months, 12)
    if years and not rest:
        return f"{number_in_words(years)}-year"
    return f"{number_in_words(months)}-month"


def option_summary(option_months: list[int]) -> str:
    """How a contract's options read in a report's legal section.

    [24] → "an option to extend for up to a further two years";
    [12, 12] → "two options to extend, of one year each, for up to a further two years";
    [12, 6] → "two options to extend (one year, then six months), for up to a further one year and six months".
    """
    if not option_months:
        return "no option to extend"
    total = duration_in_words(sum(option_months))
    if len(option_months) == 1:
        return f"an option to extend for up to a further {total}"
    count = number_in_words(len(option_months))
    if len(set(option_months)) == 1:
        return f"{count} options to extend, of {duration_in_words(option_months[0])} each, for up to a further {total}"
    each = ", then ".join(duration_in_words(m) for m in option_months)
    return f"{count} options to extend ({each}), for up to a further {total}"
