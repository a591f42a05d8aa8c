"""The "stop reminders" link: one recipient, one milestone, only while it is open, and recorded."""

import logging
import re

import pytest
import time_machine
from django.core import signing

from commissioning.models import Milestone
from reminders.emails import ACK_SALT, acknowledge_token
from reminders.models import Reminder
from tests.factories import make_milestone
from tests.reminder_helpers import london, market_engagement_milestone, team_with_people

pytestmark = pytest.mark.django_db

PLANNING_DAY = "2026-02-01 09:00:00+00:00"


@pytest.fixture
def engagement():
    with time_machine.travel(PLANNING_DAY, tick=False):
        team, owner, _ = team_with_people()
        return market_engagement_milestone(team=team, owner=owner)


def link_for(reminder) -> str:
    return f"/reminders/acknowledge/{acknowledge_token(reminder)}/"


def owners_reminder(milestone, offset="2 weeks"):
    return milestone.reminders.get(offset=offset, recipient_email="olivia@example.org")


def test_using_a_stop_link_is_recorded_in_the_history_and_the_security_log(client, engagement, caplog):
    with time_machine.travel(london(2026, 2, 26, 9, 0), tick=False), caplog.at_level(logging.INFO, "tracker.security"):
        response = client.post(link_for(owners_reminder(engagement)))
    assert "Reminders stopped" in response.content.decode()
    latest = engagement.history.latest()
    assert latest.history_change_reason.startswith("Reminders stopped by olivia@example.org with the link")
    [record] = [r for r in caplog.records if r.getMessage() == "reminders stopped from an email link"]
    assert record.user == "olivia@example.org" and record.milestone == engagement.pk


def test_a_stop_link_no_longer_works_once_the_milestone_is_met(client, engagement):
    link = link_for(owners_reminder(engagement))
    engagement.status = Milestone.Status.MET
    engagement.met_on = london(2026, 2, 20, 9, 0).date()
    engagement.save()
    with time_machine.travel(london(2026, 2, 26, 9, 0), tick=False):
        response = client.post(link)
    assert response.status_code == 410
    assert "already marked as met" in response.content.decode()
    engagement.refresh_from_db()
    assert not engagement.acknowledged_at


def test_a_stop_link_no_longer_works_once_the_deadline_has_passed(client, engagement):
    link = link_for(owners_reminder(engagement))
    with time_machine.travel(london(2026, 3, 12, 12, 1), tick=False):
        response = client.post(link)
    assert response.status_code == 410 and "This deadline has passed" in response.content.decode()
    engagement.refresh_from_db()
    assert not engagement.acknowledged_at
    assert engagement.reminders.filter(offset="overdue", status=Reminder.Status.PLANNED).exists()


def test_a_stop_link_is_bound_to_its_own_reminders_milestone_and_recipient(client, engagement):
    with time_machine.travel(PLANNING_DAY, tick=False):
        other = make_milestone(
            contract=engagement.contract,
            title="Another deadline",
            owner=engagement.owner,
            due_on=london(2026, 3, 20, 0, 0).date(),
        )
    reminder = owners_reminder(engagement)
    # A validly signed payload that pairs this reminder with another milestone, or another address.
    for payload in (
        {"r": reminder.pk, "m": other.pk, "e": "olivia@example.org"},
        {"r": reminder.pk, "m": engagement.pk, "e": "someone-else@example.org"},
    ):
        token = signing.dumps(payload, salt=ACK_SALT, compress=True)
        with time_machine.travel(london(2026, 2, 26, 9, 0), tick=False):
            assert client.post(f"/reminders/acknowledge/{token}/").status_code == 404
    for milestone in (engagement, other):
        milestone.refresh_from_db()
        assert not milestone.acknowledged_at


def test_an_old_style_link_naming_only_a_milestone_and_an_address_is_refused(client, engagement):
    old = signing.dumps({"m": engagement.pk, "e": "anyone@example.org"}, salt="reminders.acknowledge", compress=True)
    with time_machine.travel(london(2026, 2, 26, 9, 0), tick=False):
        response = client.post(f"/reminders/acknowledge/{old}/")
    assert response.status_code == 404
    engagement.refresh_from_db()
    assert not engagement.acknowledged_at


def test_the_link_in_the_email_is_the_recipients_own(settings, engagement, mailoutbox):
    from reminders.sweep import sweep

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(london(2026, 2, 26, 8, 0), tick=False):
        sweep()
    to_team = next(m for m in mailoutbox if m.to == ["da-team@example.org"])
    token = re.search(r"/reminders/acknowledge/([^/\s]+)/", to_team.body).group(1)
    data = signing.loads(token, salt=ACK_SALT)
    assert data["e"] == "da-team@example.org" and data["m"] == engagement.pk
