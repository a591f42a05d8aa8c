"""Rate every contract not rated today: after an upgrade that adds the stored ratings, or a bulk load."""

from django.core.management.base import BaseCommand

from commissioning import ratings


class Command(BaseCommand):
    help = "Store the recommissioning risk of every contract not yet rated today (the nightly job does the same)"

    def handle(self, *args, **options):
        rated = ratings.ratings_refresh()
        self.stdout.write(f"{rated} contracts rated")
