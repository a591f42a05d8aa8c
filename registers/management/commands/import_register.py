"""``python manage.py import_register FILE --team NAME [--commit]``: bring a register in.

Without ``--commit`` it previews: every row's outcome (new, changed and how, unchanged) and
every problem with its row and column, writing nothing. With ``--commit`` it imports every row
or none. A supplier whose name nearly matches a known organisation stops the import until
``--choose "NAME=existing"`` or ``--choose "NAME=new"`` answers for it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contracts.models import Team
from registers import parsing
from registers.services import ImportRefused, register_commit, register_preview


class Command(BaseCommand):
    help = "Preview (or with --commit, import) contracts from a CSV or XLSX register or Transparency Code file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV or XLSX file")
        parser.add_argument("--team", required=True, help="The team the contracts belong to (its name)")
        parser.add_argument("--commit", action="store_true", help="Import: without it, nothing is written")
        parser.add_argument(
            "--choose",
            action="append",
            default=[],
            metavar="NAME=existing|new",
            help="For a supplier or buyer that nearly matches a known organisation: use the known one, or add a new one",
        )
        parser.add_argument("--quiet", action="store_true", help="Print only problems and the totals")

    def handle(self, *args, file, team, commit=False, choose=(), quiet=False, **options):
        chosen_team = Team.objects.filter(name=team).first()
        if chosen_team is None:
            raise CommandError(f"No team is called '{team}'")
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot open {file}: {error.strerror}") from error
        choices = self._choices(data, chosen_team, choose)
        preview = register_preview(data=data, team=chosen_team, organisation_choices=choices)
        for problem in preview.file_problems:
            self.stderr.write(problem)
        if preview.headers:
            mapped = [f"{h} -> {parsing.FIELDS[k][0]}" for h, k in zip(preview.headers, preview.mapping) if k]
            self.stdout.write("Columns: " + "; ".join(mapped))
        for outcome in preview.rows:
            if not quiet and outcome.status != "error":
                line = f"Row {outcome.proposed.row}: {outcome.proposed.reference} {outcome.status}"
                if outcome.changes:
                    line += " (" + "; ".join(outcome.changes) + ")"
                self.stdout.write(line)
        for problem in preview.problems:
            (self.stderr if problem.severity == parsing.ERROR else self.stdout).write(
                ("" if problem.severity == parsing.ERROR else "Warning: ") + str(problem)
            )
        counts = preview.counts
        self.stdout.write(
            f"{counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged, "
            f"{counts['error']} with errors"
        )
        if not preview.can_commit:
            raise CommandError("Nothing was imported: fix the problems above and run again")
        if not commit:
            self.stdout.write("Nothing was written: run again with --commit to import")
            return
        try:
            summary = register_commit(
                data=data, filename=Path(file).name, team=chosen_team, officer=None, organisation_choices=choices
            )
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            raise CommandError("Nothing was imported") from refused
        ending = summary["ending_within_18_months"]
        self.stdout.write(
            f"Imported: {summary['counts']['new']} new, {summary['counts']['changed']} changed. "
            f"{len(ending)} end within 18 months" + (": " + ", ".join(c["reference"] for c in ending) if ending else "")
        )

    def _choices(self, data: bytes, team: Team, choose) -> dict[str, str]:
        """--choose "Name=existing" picks the near match the preview offered; "=new" adds it."""
        if not choose:
            return {}
        near = {c["key"]: c for c in register_preview(data=data, team=team).as_dict()["near"]}
        choices = {}
        for answer in choose:
            name, _, what = answer.rpartition("=")
            key = parsing.name_key(name)
            if what == "new":
                choices[key] = "new"
            elif what == "existing" and key in near and len(near[key]["near"]) == 1:
                choices[key] = str(near[key]["near"][0]["pk"])
            else:
                raise CommandError(f"--choose {answer}: give NAME=new, or NAME=existing for a name with one near match")
        return choices
