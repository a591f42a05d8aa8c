"""The Monday digest, the cron command and what officers see of reminders."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from contracts import roles
from reminders.digests import send_weekly_digests
from reminders.models import Reminder
from tests.factories import make_contract, make_milestone, make_user
from tests.reminder_helpers import london, market_engagement_milestone, team_with_people

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-03-02 08:00:00+00:00", tick=False)  # a Monday morning
def test_the_weekly_digest_lists_an_officers_next_30_days_and_goes_once_a_week():
    team, owner, _ = team_with_people()
    market_engagement_milestone(team=team, owner=owner)
    contract = make_contract(team=team, lead_officer=owner, option_months=())
    make_milestone(contract=contract, title="Too far ahead", owner=owner, due_on=date(2026, 5, 1))
    mail.outbox.clear()

    assert send_weekly_digests(today=date(2026, 3, 2)) == 1
    assert send_weekly_digests(today=date(2026, 3, 4)) == 0  # same week: nothing more
    [digest] = mail.outbox
    assert digest.to == ["olivia@example.org"]
    assert digest.subject == "Your deadlines for the next 30 days (week commencing 2 March 2026)"
    assert "Thursday 12 March 2026 at midday: MK-DASS-2027: market engagement responses due" in digest.body
    assert "Too far ahead" not in digest.body


def test_the_cron_command_sends_what_is_due(capsys):
    with time_machine.travel("2026-02-01 09:00:00+00:00", tick=False):
        team, owner, _ = team_with_people()
        market_engagement_milestone(team=team, owner=owner)
    mail.outbox.clear()
    with time_machine.travel(london(2026, 2, 26, 8, 5), tick=False):
        call_command("send_reminders")
    assert "Sent 2," in capsys.readouterr().out
    assert sorted(m.to[0] for m in mail.outbox) == ["da-team@example.org", "olivia@example.org"]


def test_officers_see_a_milestones_planned_and_sent_reminders_on_its_page(client):
    with time_machine.travel("2026-02-01 09:00:00+00:00", tick=False):
        team, owner, _ = team_with_people()
        milestone = market_engagement_milestone(team=team, owner=owner)
    Reminder.objects.filter(milestone=milestone, offset="2 weeks").update(
        status=Reminder.Status.SENT, sent_at=london(2026, 2, 26, 8, 0)
    )
    client.force_login(make_user(role=roles.VIEWER))
    with time_machine.travel("2026-02-27 09:00:00+00:00", tick=False):
        page = client.get(milestone.get_absolute_url()).content.decode()
        listing = client.get(reverse("reminders:list")).content.decode()
    assert 'id="reminders"' in page
    assert "26 February 2026 at 8am" in page and "Sent" in page
    assert "5 March 2026 at 8am" in page and "Planned" in page
    assert "Escalation: due soon and not acknowledged" in page
    upcoming = Reminder.objects.filter(status=Reminder.Status.PLANNED).count()
    assert "market engagement responses due" in listing and f"Upcoming ({upcoming})" in listing
