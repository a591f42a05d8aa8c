"""``python manage.py reset_two_step USERNAME --reason "..."``: for a lost phone when no administrator can sign in.

Normally an administrator removes a lost app in the Django admin. When the only administrator
has lost theirs (and their recovery codes), whoever runs the server does it here; it is recorded
in the security log and the audit trail like the admin's removal, as done by "manage.py".
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from access.two_factor import second_factor_remove


class Command(BaseCommand):
    help = "Remove a person's authenticator app and recovery codes, so that their next sign-in sets up a new app."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reason", required=True, help="Why, for the audit trail, e.g. 'Phone lost, confirmed by phone call'"
        )

    def handle(self, *args, username: str, reason: str, **options) -> None:
        person = get_user_model().objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"There is nobody with the username {username!r}")
        if not reason.strip():
            raise CommandError("Give a reason: it goes into the audit trail")
        removed = second_factor_remove(person=person, by=None, reason=reason.strip())
        if not removed:
            raise CommandError(f"{username} has no two-step verification to remove")
        self.stdout.write(f"Removed {username}'s two-step verification: their next sign-in sets up a new app.")
