"""The demo's notices: the two seed releases, imported through the OCDS importer like any file.

Called by ``contracts.demo`` as its last part, after the cycles and their hand-entered
milestones exist. The importer matches the cycles by OCID and the milestones by kind and day,
so importing updates the demo's records rather than duplicating them, and where the notices
and the demo's hand-entered dates disagree (the Milton Keynes "12 noon" against 23:59:59, the
Cleveland event's 10:00 to 11:30) it keeps the hand-entered date and shows both. Importing
again changes nothing (the release ids are already in).

The releases are copies of ``../shared/data/ocds/*.release.json`` (see seed_releases/README.md).
"""

from __future__ import annotations

from pathlib import Path

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
