"""Send due reminders now, for sites that run the sweep from cron instead of Celery beat."""

from django.core.management.base import BaseCommand

from reminders.planning import reminders_plan_all
from reminders.sweep import sweep


class Command(BaseCommand):
    help = "Send every reminder that is due (the same sweep Celery beat runs)."

    def add_arguments(self, parser):
        parser.add_argument("--replan", action="store_true", help="Re-plan every open milestone first")

    def handle(self, *args, replan=False, **options):
        if replan:
            self.stdout.write(f"Re-planned {reminders_plan_all()} milestones")
        outcome = sweep()
        self.stdout.write(
            f"Sent {outcome.sent}, retrying {outcome.retrying}, failed {outcome.failed}, "
            f"cancelled {outcome.cancelled}, taken by another sweep {outcome.taken}, sent twice {outcome.duplicates}"
        )
