"""``python manage.py sync_notices [--from DATE] [--platform find-a-tender|contracts-finder]``.

Reads Find a Tender and Contracts Finder from where the last run stopped (the same run as the
beat job, ``notices.tasks.sync_notices``), for cron or for a first back-fill: ``--from`` starts
again from that day (London midnight), reading it in windows (docs/notices.md).
"""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notices.sync.client import PlatformUnavailable
from notices.sync.models import Platform
from notices.sync.services import SyncBusy, sync_platform


class Command(BaseCommand):
    help = "Follow Find a Tender and Contracts Finder: import the council's own notices and keep watched ones for the Market page."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="start", help="Back-fill from this day (YYYY-MM-DD) instead of where the last run stopped"
        )
        parser.add_argument(
            "--platform",
            action="append",
            choices=[choice.value for choice in Platform],
            help="Only this platform (may be given twice); both by default",
        )

    def handle(self, *args, start=None, platform=None, **options):
        backfill_from = None
        if start:
            try:
                backfill_from = timezone.make_aware(
                    datetime.combine(datetime.strptime(start, "%Y-%m-%d").date(), time.min)
                )
            except ValueError as error:
                raise CommandError(f"--from must be a date written YYYY-MM-DD, not '{start}'") from error
            if backfill_from > timezone.now():
                raise CommandError("--from must not be in the future")
        failed = []
        for name in platform or [choice.value for choice in Platform]:
            label = Platform(name).label
            try:
                result = sync_platform(platform=name, backfill_from=backfill_from)
            except SyncBusy as busy:
                failed.append(str(busy))
                continue
            except PlatformUnavailable as error:
                failed.append(f"{label}: {error}")
                continue
            counts = result.counts
            self.stdout.write(
                f"{label}: {counts.get('releases', 0)} releases read in {counts.get('pages', 0)} pages; "
                f"{counts.get('imported', 0)} imported, {counts.get('unchanged', 0)} already imported, "
                f"{counts.get('refused', 0)} refused, {counts.get('market', 0)} new on the market"
            )
        if failed:
            raise CommandError("; ".join(failed) + " (the next run resumes where this one stopped)")
