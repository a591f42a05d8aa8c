"""``python manage.py import_ocds PATH`` (or ``-`` for standard input): import OCDS releases.

Reads a release, a release package, a record package or JSON Lines of any size, one release
at a time (notices.ocds.reader), and prints one line per release as it goes. Exits with an
error if any release was refused, after importing all the others.

A command runs without a person, so it says which teams' records it may change, explicitly:
``--team NAME`` changes that team's cycles, contracts and notices only (and adds new cycles
for it); ``--all-teams`` may change any team's (new cycles then go to the team of the
contracts with the OCID, or to ``--team`` if given as well). Without either it refuses to run.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from contracts.models import Team
from notices.ocds.loader import ImportOptions, Outcome, import_releases, survey
from notices.ocds.reader import HostileFile

PROGRESS_EVERY = 1_000


class Command(BaseCommand):
    help = (
        "Import OCDS releases from a file, or from standard input with '-'. Each release is imported "
        "on its own; a release already imported changes nothing; refused releases are listed with the "
        "reason and the JSON path."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The OCDS file, or - to read standard input")
        parser.add_argument(
            "--team",
            help="Change only this team's records (its name), and add a cycle for it when no cycle has a release's OCID",
        )
        parser.add_argument(
            "--all-teams",
            action="store_true",
            help="May change any team's cycles, contracts and notices (with --team, new cycles go to that team)",
        )
        parser.add_argument(
            "--create-buyers",
            action="store_true",
            help="Add a buyer the tracker does not know (by any identifier it has: GB-PPON, GB-COH, GB-CHC, GB-CFS...) instead of refusing its releases",
        )
        parser.add_argument("--quiet", action="store_true", help="Print only refused releases and the totals")
        parser.add_argument(
            "--progress",
            action="store_true",
            help=f"Say on standard error, every {PROGRESS_EVERY:,} releases, how many have been read of how many, "
            "how fast and how long is left (a file is counted first; standard input is not)",
        )

    def handle(
        self, *args, path, team=None, all_teams=False, create_buyers=False, quiet=False, progress=False, **options
    ):
        if not team and not all_teams:
            raise CommandError("Say whose records the import may change: --team NAME, or --all-teams")
        chosen_team = None
        if team:
            chosen_team = Team.objects.filter(name=team).first()
            if chosen_team is None:
                raise CommandError(f"No team is called '{team}'")
        import_options = ImportOptions(
            team=chosen_team,
            create_buyers=create_buyers,
            allowed_team_ids=None if all_teams else {chosen_team.pk},
        )
        counts = {Outcome.IMPORTED: 0, Outcome.UNCHANGED: 0, Outcome.REFUSED: 0, Outcome.UNREADABLE: 0}
        try:
            stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115 closed below
        except OSError as error:
            raise CommandError(f"Cannot open {path}: {error.strerror}") from error
        total = None
        try:
            if progress and stream is not sys.stdin.buffer:
                # Counted first (reading alone is quick: bench/ocds_import.py), so progress can say "of".
                try:
                    total = survey(stream).releases
                except HostileFile:
                    pass  # the import says what is wrong with the file
                stream.seek(0)
            started = time.monotonic()
            for number, outcome in enumerate(import_releases(stream, import_options), start=1):
                counts[outcome.status] += 1
                self._print(outcome, quiet)
                if progress and number % PROGRESS_EVERY == 0:
                    self.stderr.write(self._progress(number, total, counts, time.monotonic() - started))
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        self.stdout.write(
            f"{counts[Outcome.IMPORTED]} imported, {counts[Outcome.UNCHANGED]} already imported, "
            f"{counts[Outcome.REFUSED]} refused"
        )
        if counts[Outcome.UNREADABLE]:
            raise CommandError("The file could not be read to the end (see above)")
        if counts[Outcome.REFUSED]:
            raise CommandError(
                f"{counts[Outcome.REFUSED]} release{'s' if counts[Outcome.REFUSED] != 1 else ''} refused (see above)"
            )

    @staticmethod
    def _progress(number: int, total: int | None, counts: dict, seconds: float) -> str:
        rate = number / max(seconds, 1e-6)
        read = f"{number:,} releases read"
        left = ""
        if total:
            read = f"{number:,} of {total:,} releases read ({100 * number // total}%)"
            minutes = max(total - number, 0) / rate / 60
            left = f", about {minutes:,.0f} min left" if minutes >= 1 else ", under a minute left"
        return (
            f"{read}: {counts[Outcome.IMPORTED]:,} imported, {counts[Outcome.REFUSED]:,} refused "
            f"({rate:,.0f} a second{left})"
        )

    def _print(self, outcome: Outcome, quiet: bool) -> None:
        if outcome.status == Outcome.IMPORTED and not quiet:
            self.stdout.write(f"Imported {outcome.label} into '{outcome.cycle_name}'")
            for change in outcome.changes:
                self.stdout.write(f"  {change}")
        elif outcome.status == Outcome.UNCHANGED and not quiet:
            self.stdout.write(f"Already imported: {outcome.label} (nothing changed)")
        elif outcome.status in (Outcome.REFUSED, Outcome.UNREADABLE):
            for problem in outcome.problems:
                self.stderr.write(f"Refused: {problem}" if outcome.status == Outcome.REFUSED else problem)
