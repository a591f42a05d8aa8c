"""The Reminders page: filters, a preview of any reminder's email, and an officer's quiet days."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from contracts import roles
from reminders.models import QuietDays, Reminder
from tests.factories import make_team, make_user
from tests.reminder_helpers import london, market_engagement_milestone, team_with_people

pytestmark = pytest.mark.django_db

PLANNING_DAY = "2026-02-01 09:00:00+00:00"


@pytest.fixture
def engagement():
    with time_machine.travel(PLANNING_DAY, tick=False):
        team, owner, _ = team_with_people()
        milestone = market_engagement_milestone(team=team, owner=owner)
    Reminder.objects.exclude(milestone=milestone).delete()  # the contract's own end dates, years away
    return milestone


def listing(client, **params):
    with time_machine.travel(PLANNING_DAY, tick=False):
        return client.get(reverse("reminders:list"), params).content.decode()


def rows_to(page: str, name: str) -> int:
    return page.count(f'<td class="govuk-table__cell">{name}<br>')


def test_mine_shows_only_the_reminders_to_the_signed_in_officer(client, engagement):
    client.force_login(engagement.owner)
    page = listing(client, mine="on")
    assert rows_to(page, "Olivia Okafor") == 4 and rows_to(page, "Domestic abuse team") == 0


def test_reminders_can_be_filtered_by_recipient_and_send_date(client, engagement):
    client.force_login(make_user(role=roles.VIEWER))
    page = listing(client, recipient="da-team")
    assert rows_to(page, "Domestic abuse team") == 4 and rows_to(page, "Olivia Okafor") == 0
    # 2 weeks (26 February) and 1 week (5 March) before: only the first is in February.
    page = listing(
        client,
        recipient="olivia",
        sent_from_day="1",
        sent_from_month="2",
        sent_from_year="2026",
        sent_to_day="28",
        sent_to_month="2",
        sent_to_year="2026",
    )
    assert rows_to(page, "Olivia Okafor") == 1 and "26 February 2026 at 8am" in page


def test_an_impossible_date_filter_says_so_and_filters_nothing_by_it(client, engagement):
    client.force_login(make_user(role=roles.VIEWER))
    page = listing(client, sent_from_day="31", sent_from_month="2", sent_from_year="2026")
    assert "There is a problem" in page and "Enter a real date" in page
    assert rows_to(page, "Olivia Okafor") == 4
    page = listing(
        client,
        sent_from_day="10",
        sent_from_month="3",
        sent_from_year="2026",
        sent_to_day="1",
        sent_to_month="3",
        sent_to_year="2026",
    )
    assert "The end date must be the same as or after the start date" in page


def test_the_preview_shows_the_email_exactly_as_it_will_go_without_a_working_stop_link(client, engagement):
    reminder = engagement.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    client.force_login(make_user(role=roles.VIEWER))
    with time_machine.travel(PLANNING_DAY, tick=False):
        page = client.get(reverse("reminders:preview", args=[reminder.pk])).content.decode()
    assert "Reminder: MK-DASS-2027 – market engagement responses due – due Thursday 12 March 2026 at midday" in page
    assert "2 weeks to go: a deadline is coming up." in page and "Due: Thursday 12 March 2026 at midday" in page
    assert "26 February 2026 at 8am" in page
    assert "/reminders/acknowledge/preview-only-link/" in page
    assert client.post("/reminders/acknowledge/preview-only-link/").status_code == 404


def test_a_reminder_of_another_team_cannot_be_previewed(client, engagement):
    reminder = engagement.reminders.first()
    client.force_login(make_user(role=roles.OFFICER, teams=[make_team(name="Housing")]))
    assert client.get(reverse("reminders:preview", args=[reminder.pk])).status_code == 404


def test_on_quiet_days_an_officers_reminders_go_to_the_team_mailbox_and_their_manager(client, engagement):
    client.force_login(engagement.owner)
    with time_machine.travel(PLANNING_DAY, tick=False):
        response = client.post(
            reverse("reminders:quiet-days"),
            {
                "first_day_day": "23",
                "first_day_month": "2",
                "first_day_year": "2026",
                "last_day_day": "27",
                "last_day_month": "2",
                "last_day_year": "2026",
                "note": "Annual leave",
            },
        )
    assert response.status_code == 302
    two_weeks = {r.recipient_email: r for r in engagement.reminders.filter(offset="2 weeks", status="planned")}
    assert set(two_weeks) == {"da-team@example.org", "mo@example.org"}  # 26 February, while she is away
    assert "Olivia Okafor is away" in two_weeks["mo@example.org"].note
    one_week = engagement.reminders.filter(offset="1 week", status="planned").values_list("recipient_email", flat=True)
    assert "olivia@example.org" in one_week  # back by 5 March

    quiet = QuietDays.objects.get(user=engagement.owner)
    with time_machine.travel(PLANNING_DAY, tick=False):
        client.post(reverse("reminders:quiet-days"), {"remove": str(quiet.pk)})
    planned = engagement.reminders.filter(offset="2 weeks", status="planned").values_list("recipient_email", flat=True)
    assert sorted(planned) == ["da-team@example.org", "olivia@example.org"]


def test_quiet_days_ending_before_they_start_are_refused_and_nothing_is_saved(client, engagement):
    client.force_login(engagement.owner)
    with time_machine.travel(PLANNING_DAY, tick=False):
        page = client.post(
            reverse("reminders:quiet-days"),
            {
                "first_day_day": "27",
                "first_day_month": "2",
                "first_day_year": "2026",
                "last_day_day": "23",
                "last_day_month": "2",
                "last_day_year": "2026",
            },
        ).content.decode()
    assert "The last day must be the same as or after the first day" in page
    assert not QuietDays.objects.exists()
    assert engagement.reminders.filter(recipient_email="olivia@example.org", status="planned").count() == 4


def test_an_officer_cannot_remove_someone_elses_quiet_days(client, engagement):
    other = QuietDays.objects.create(user=make_user(), first_day=date(2026, 2, 23), last_day=date(2026, 2, 27))
    client.force_login(engagement.owner)
    response = client.post(reverse("reminders:quiet-days"), {"remove": str(other.pk)}, follow=True)
    assert "nothing was changed" in response.content.decode()
    assert QuietDays.objects.filter(pk=other.pk).exists()


def test_the_download_carries_the_pages_filters(client, engagement):
    client.force_login(make_user(role=roles.VIEWER))
    with time_machine.travel(PLANNING_DAY, tick=False):
        response = client.get(reverse("exports:reminders-csv"), {"show": "upcoming", "recipient": "da-team"})
    rows = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert rows.count("da-team@example.org") == 4 and "olivia@example.org" not in rows


def test_the_preview_of_an_email_listing_many_deadlines_costs_the_same_queries_as_one_listing_few(client):
    """Review finding (issue 24): the preview asked the database once for each reminder sent in
    the same email whether the person may see it. Two of a team's deadlines cost what five do,
    and one of another team's stays out of the preview, counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_contract, make_milestone

    team, other = make_team(name="Domestic abuse team"), make_team(name="Housing")
    officer = make_user(role=roles.OFFICER, teams=[team])
    send_at = london(2026, 2, 26, 8, 0)

    def reminders_to_mo(count: int, *, of=team) -> Reminder:
        first = None
        for _ in range(count):
            milestone = make_milestone(
                contract=make_contract(team=of), title="Provider event", due_on=date(2026, 3, 12)
            )
            reminder = Reminder.objects.create(
                milestone=milestone,
                offset="2 weeks",
                audience=Reminder.Audience.MANAGER,
                recipient_email="mo@example.org",
                recipient_name="Mo Manager",
                send_at=send_at,
            )
            first = first or reminder
        return first

    first = reminders_to_mo(2)
    reminders_to_mo(1, of=other)
    client.force_login(officer)

    def preview() -> tuple[int, str]:
        url = reverse("reminders:preview", args=[first.pk])
        client.get(url)  # caches warm
        with time_machine.travel(PLANNING_DAY, tick=False), CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return len(queries), page

    few, page = preview()
    assert "2 deadlines need your attention" in page
    assert "The email also lists 1 deadline of a team you cannot see" in page
    reminders_to_mo(3)
    many, page = preview()
    assert "5 deadlines need your attention" in page
    assert "The email also lists 1 deadline of a team you cannot see" in page
    assert many == few, f"{few} queries for 2 deadlines, {many} for 5"
