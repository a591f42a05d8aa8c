"""``python manage.py load_demo``: the seed documents' facts as demo data (see contracts.demo)."""

from django.core.management.base import BaseCommand, CommandError

from contracts import demo


class Command(BaseCommand):
    help = (
        "Load the demo teams, organisations, contracts and one user per role from the seed "
        "documents, then print how to sign in. Running it again creates nothing new and leaves "
        "existing records as they are."
    )

    def handle(self, *args, **options) -> None:
        try:
            demo.load(stdout=self.stdout)
        except demo.DemoRefused as error:
            raise CommandError(str(error)) from error
