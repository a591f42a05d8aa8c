"""The demo's notices: the two seed releases, imported through the OCDS importer like any file.

Called by ``contracts.demo`` as its last part, after the cycles and their hand-entered
milestones exist. The importer matches the cycles by OCID and the milestones by kind and day,
so importing updates the demo's records rather than duplicating them, and where the notices
and the demo's hand-entered dates disagree (the Milton Keynes "12 noon" against 23:59:59, the
Cleveland event's 10:00 to 11:30) it keeps the hand-entered date and shows both. Importing
again changes nothing (the release ids are already in).

The releases are copies of ``../shared/data/ocds/*.release.json`` (see seed_releases/README.md).

Then the Milton Keynes team's Domestic Abuse Act 2021 Part 4 dates, from its strategy
2025-2028 (``../shared/seeds/mk-domestic-abuse-strategy-2025-2028.txt``), as milestones of the
Milton Keynes cycle (a milestone belongs to a contract or a cycle; the strategy informs that
recommissioning).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from . import council_duties
from .ocds.loader import ImportOptions, Outcome, import_releases

SEED_DIR = Path(__file__).resolve().parent / "seed_releases"
SEED_RELEASES = (
    SEED_DIR / "mk-domestic-abuse-support-services.release.json",
    SEED_DIR / "cleveland-victim-support.release.json",
)


class SeedNoticeRefused(Exception):
    pass


def load_seed_notices(demo) -> None:
    """Import the seed releases; record what was created in ``demo`` (contracts.demo.Demo)."""
    options = ImportOptions()
    for path in SEED_RELEASES:
        with path.open("rb") as stream:
            for outcome in import_releases(stream, options):
                if outcome.status == Outcome.IMPORTED:
                    demo.created.append(f"notice release {outcome.release_id}")
                elif outcome.status == Outcome.UNCHANGED:
                    demo.already_present += 1
                else:
                    raise SeedNoticeRefused("; ".join(outcome.problems))
    load_domestic_abuse_duties(demo)


MK_CYCLE = "Domestic abuse support services 2027"
# The strategy is dated "August 2025" (its cover): the first of the month stands in for the day.
MK_STRATEGY_PUBLISHED = date(2025, 8, 1)
# Assumption: the department sets the annual return's date in its request each year; the demo
# uses 30 June for the return on the year to 31 March. Change it to the date the request gives.
MK_FIRST_ANNUAL_RETURN = date(2026, 6, 30)
MK_PLANNED_UNTIL = date(2028, 12, 31)


def load_domestic_abuse_duties(demo) -> None:
    """The strategy's three-yearly review (by 31 July 2028) and the annual returns, as milestones."""
    from commissioning.models import CommissioningCycle

    from .services import team_duties_plan

    cycle = CommissioningCycle.objects.filter(name=MK_CYCLE).first()
    if cycle is None:
        return
    planned = council_duties.strategy_reviews(
        MK_STRATEGY_PUBLISHED, until=MK_PLANNED_UNTIL
    ) + council_duties.annual_returns(MK_FIRST_ANNUAL_RETURN, until=MK_PLANNED_UNTIL)
    added = team_duties_plan(
        cycle=cycle, planned=planned, officer=None, reason="From the MK domestic abuse strategy 2025-2028"
    )
    demo.created.extend(f"milestone {milestone}" for milestone in added)
    demo.already_present += len(planned) - len(added)
