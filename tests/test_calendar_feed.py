"""Each officer's calendar feed: what a calendar program gets from the secret address, and the
settings page where the officer finds or replaces that address.

A person in no group gets an empty (but valid) calendar rather than a 404: the address stays
subscribed and fills up once they are given access, instead of their calendar program
reporting a broken subscription.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from commissioning.feeds import calendar_feed_regenerate
from commissioning.models import CalendarFeed, Milestone
from contracts import roles
from tests.factories import make_contract, make_cycle, make_milestone, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

LONDON = ZoneInfo("Europe/London")


def feed_address(user) -> str:
    return reverse("commissioning:calendar-feed", args=[calendar_feed_regenerate(user=user).token])


def fetch(client, user) -> Calendar:
    """The user's feed as their calendar program would read it: a plain GET, no session."""
    response = client.get(feed_address(user))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def event_titled(calendar: Calendar, title: str):
    matching = [event for event in calendar.events if str(event["SUMMARY"]).startswith(title)]
    assert len(matching) == 1, [str(event["SUMMARY"]) for event in calendar.events]
    return matching[0]


def summaries(calendar: Calendar) -> set[str]:
    return {str(event["SUMMARY"]) for event in calendar.events}


# The feed itself


def test_the_feed_parses_back_as_a_calendar_named_for_the_officer(client):
    officer = make_user(role=roles.OFFICER, first_name="Olivia", last_name="Okafor")
    response = client.get(feed_address(officer))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="commissioning-milestones.ics"'
    assert "private" in response["Cache-Control"]
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Commissioning tracker//Milestones//EN"
    assert str(calendar["X-WR-CALNAME"]) == "Commissioning tracker: Olivia Okafor"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/London"
    assert calendar.refresh_interval == timedelta(hours=1)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in response.content


def test_a_calendar_program_can_check_the_feed_with_head(client):
    officer = make_user(role=roles.OFFICER)
    response = client.head(feed_address(officer))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


def test_a_viewer_sees_the_milestones_of_contracts_and_cycles(client):
    viewer = make_user(role=roles.VIEWER)
    make_milestone(title="Market engagement responses due", due_on=date(2026, 3, 12))
    make_milestone(cycle=make_cycle(), title="Provider event", due_on=date(2026, 3, 16))

    calendar = fetch(client, viewer)

    assert {"Market engagement responses due", "Provider event"} <= summaries(calendar)


def test_a_person_in_no_group_gets_an_empty_calendar_that_is_still_valid(client):
    nobody = make_user(role=None)
    make_milestone(title="Market engagement responses due")

    calendar = fetch(client, nobody)

    assert calendar.events == []
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    page = client.get(reverse("commissioning:calendar-settings"))
    assert page.status_code == 302  # anonymous client: the feed did not sign anyone in


def test_each_officer_gets_their_own_calendar_at_their_own_address(client):
    viewer = make_user(role=roles.VIEWER, first_name="Vera", last_name="Viewer")
    nobody = make_user(role=None, first_name="Nadia", last_name="Nobody")
    make_milestone(title="Contract start")

    viewers_calendar = fetch(client, viewer)
    nobodys_calendar = fetch(client, nobody)

    assert str(viewers_calendar["X-WR-CALNAME"]) == "Commissioning tracker: Vera Viewer"
    assert "Contract start" in summaries(viewers_calendar)
    assert str(nobodys_calendar["X-WR-CALNAME"]) == "Commissioning tracker: Nadia Nobody"
    assert summaries(nobodys_calendar) == set()


def test_cancelled_milestones_are_left_out_and_met_or_missed_ones_say_so(client):
    officer = make_user(role=roles.OFFICER)
    contract = make_contract()
    make_milestone(contract=contract, title="Provider event", status=Milestone.Status.CANCELLED)
    make_milestone(contract=contract, title="Cabinet decision", status=Milestone.Status.MET, met_on=date(2026, 3, 1))
    make_milestone(contract=contract, title="Soft market test", status=Milestone.Status.MISSED)
    make_milestone(contract=contract, title="Tender deadline")

    found = summaries(fetch(client, officer))

    assert not any(summary.startswith("Provider event") for summary in found)
    assert {"Cabinet decision (met)", "Soft market test (missed)", "Tender deadline"} <= found


def test_all_day_milestones_are_all_day_events(client):
    officer = make_user(role=roles.OFFICER)
    make_milestone(title="New contract starts", due_on=date(2027, 3, 1))

    response = client.get(feed_address(officer))
    event = event_titled(Calendar.from_ical(response.content), "New contract starts")

    assert event.decoded("DTSTART") == date(2027, 3, 1)
    assert not isinstance(event.decoded("DTSTART"), datetime)
    assert event.decoded("DTEND") == date(2027, 3, 2)
    assert b"DTSTART;VALUE=DATE:20270301\r\n" in response.content
    assert b"DTEND;VALUE=DATE:20270302\r\n" in response.content


def test_a_noon_deadline_in_british_summer_time_is_noon_in_london_and_eleven_utc(client):
    officer = make_user(role=roles.OFFICER)
    # The clocks go forward on Sunday 28 March 2027.
    make_milestone(title="Tender deadline", due_at=datetime(2027, 3, 29, 12, 0, tzinfo=LONDON))

    response = client.get(feed_address(officer))
    event = event_titled(Calendar.from_ical(response.content), "Tender deadline")

    assert event["DTSTART"].params["TZID"] == "Europe/London"
    starts = event.decoded("DTSTART")
    assert (starts.hour, starts.minute) == (12, 0)
    assert starts.astimezone(UTC) == datetime(2027, 3, 29, 11, 0, tzinfo=UTC)
    assert event.decoded("DTEND").astimezone(UTC) == datetime(2027, 3, 29, 12, 0, tzinfo=UTC)
    assert b"DTSTART;TZID=Europe/London:20270329T120000\r\n" in response.content


def test_a_noon_deadline_in_winter_is_noon_utc(client):
    officer = make_user(role=roles.OFFICER)
    make_milestone(title="Market engagement responses due", due_at=datetime(2026, 3, 12, 12, 0, tzinfo=LONDON))

    event = event_titled(fetch(client, officer), "Market engagement responses due")

    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def test_an_event_with_an_end_time_ends_then(client):
    officer = make_user(role=roles.OFFICER)
    make_milestone(
        title="Cleveland provider event",
        due_at=datetime(2026, 6, 8, 10, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 6, 8, 11, 30, tzinfo=LONDON),
    )

    event = event_titled(fetch(client, officer), "Cleveland provider event")

    assert event.decoded("DTSTART") == datetime(2026, 6, 8, 10, 0, tzinfo=LONDON)
    assert event.decoded("DTEND") == datetime(2026, 6, 8, 11, 30, tzinfo=LONDON)
    assert event["DTEND"].params["TZID"] == "Europe/London"


def test_the_london_time_zone_uses_yearly_rules_that_agree_with_the_time_zone_database(client):
    officer = make_user(role=roles.OFFICER)
    make_milestone(title="Tender deadline", due_at=datetime(2027, 3, 29, 12, 0, tzinfo=LONDON))

    response = client.get(feed_address(officer))
    [vtimezone] = Calendar.from_ical(response.content).timezones

    # Outlook reads only the RRULE of a VTIMEZONE, never an RDATE list.
    rules = {rule.name: rule["RRULE"] for rule in vtimezone.subcomponents}
    assert rules["DAYLIGHT"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert rules["STANDARD"] == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    assert b"RDATE" not in response.content
    from_feed = vtimezone.to_tz(lookup_tzid=False)
    # Either side of each clock change in 2026 and 2027, in UTC.
    for instant in [
        datetime(2026, 3, 29, 0, 59),
        datetime(2026, 3, 29, 1, 1),
        datetime(2026, 10, 25, 0, 59),
        datetime(2026, 10, 25, 1, 1),
        datetime(2027, 3, 28, 0, 59),
        datetime(2027, 3, 28, 1, 1),
        datetime(2027, 10, 31, 0, 59),
        datetime(2027, 10, 31, 1, 1),
    ]:
        instant = instant.replace(tzinfo=UTC)
        assert instant.astimezone(from_feed).utcoffset() == instant.astimezone(LONDON).utcoffset(), instant


def test_each_event_links_back_to_its_page_and_keeps_its_uid(client):
    officer = make_user(role=roles.OFFICER)
    milestone = make_milestone(title="Tender deadline")
    address = feed_address(officer)

    first = event_titled(Calendar.from_ical(client.get(address).content), "Tender deadline")
    milestone.title = "Tender deadline (moved)"
    milestone.due_on = date(2027, 4, 1)
    milestone.save()
    second = event_titled(Calendar.from_ical(client.get(address).content), "Tender deadline (moved)")

    page = reverse("commissioning:milestone-detail", args=[milestone.pk])
    assert str(first["URL"]) == f"http://testserver{page}"
    assert f"http://testserver{page}" in str(first["DESCRIPTION"])
    assert str(milestone.contract) in str(first["DESCRIPTION"])
    assert str(first["UID"]) == str(second["UID"]) == f"milestone-{milestone.pk}@testserver"
    assert second.decoded("DTSTART") == date(2027, 4, 1)


def test_the_feed_reads_the_same_number_of_queries_for_few_or_many_milestones(client):
    officer = make_user(role=roles.OFFICER)
    address = feed_address(officer)
    make_milestone(title="One")
    with CaptureQueriesContext(connection) as few:
        client.get(address)
    for number in range(5):
        make_milestone(title=f"Many {number}", cycle=make_cycle())
    with CaptureQueriesContext(connection) as many:
        response = client.get(address)

    assert len(Calendar.from_ical(response.content).events) > 5
    assert len(many) == len(few)


# Who may open it


def test_an_unknown_address_is_not_found(client):
    make_milestone(title="Tender deadline")
    response = client.get(reverse("commissioning:calendar-feed", args=["not-a-real-token"]))
    assert response.status_code == 404


def test_the_address_of_someone_no_longer_active_is_not_found(client):
    leaver = make_user(role=roles.OFFICER)
    address = feed_address(leaver)
    leaver.is_active = False
    leaver.save()
    assert client.get(address).status_code == 404


def test_a_new_address_replaces_the_old_one(client):
    officer = make_user(role=roles.OFFICER)
    old_address = feed_address(officer)
    client.force_login(officer)

    response = client.post(reverse("commissioning:calendar-regenerate"), {"confirmed": "yes"}, follow=True)
    client.logout()

    new_address = reverse("commissioning:calendar-feed", args=[CalendarFeed.objects.get(user=officer).token])
    assert new_address != old_address
    assert f"http://testserver{new_address}" in response.content.decode()
    assert "stop updating" in response.content.decode()
    assert client.get(old_address).status_code == 404
    assert client.get(new_address).status_code == 200


# The settings page


def test_the_settings_page_shows_the_full_address_and_how_to_subscribe(client):
    officer = make_user(role=roles.OFFICER)
    token = calendar_feed_regenerate(user=officer).token
    client.force_login(officer)

    page = client.get(reverse("commissioning:calendar-settings")).content.decode()

    assert f'value="http://testserver/calendar/{token}.ics"' in page
    for program in ("Outlook", "Google Calendar", "Thunderbird"):
        assert program in page
    assert "Create a new address" in page
    assert "You cannot see any milestones yet" not in page


def test_an_officer_without_an_address_creates_one_with_a_button(client):
    officer = make_user(role=roles.OFFICER)
    client.force_login(officer)

    page = client.get(reverse("commissioning:calendar-settings")).content.decode()
    assert "Create your calendar address" in page
    assert not CalendarFeed.objects.filter(user=officer).exists()  # looking changes nothing

    page = client.post(reverse("commissioning:calendar-regenerate"), follow=True).content.decode()
    token = CalendarFeed.objects.get(user=officer).token
    assert len(token) >= 43
    assert f"http://testserver/calendar/{token}.ics" in page


def test_a_person_in_no_group_is_told_their_calendar_will_be_empty(client):
    client.force_login(make_user(role=None))
    page = client.get(reverse("commissioning:calendar-settings")).content.decode()
    assert "You cannot see any milestones yet" in page


def test_anonymous_visitors_are_sent_to_sign_in_from_the_settings_page(client):
    for response in (
        client.get(reverse("commissioning:calendar-settings")),
        client.post(reverse("commissioning:calendar-regenerate")),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    assert not CalendarFeed.objects.exists()


def test_a_new_address_needs_a_post(client):
    officer = make_user(role=roles.OFFICER)
    token = calendar_feed_regenerate(user=officer).token
    client.force_login(officer)
    assert client.get(reverse("commissioning:calendar-regenerate")).status_code == 405
    assert CalendarFeed.objects.get(user=officer).token == token


def test_a_new_address_is_only_made_once_the_officer_confirms_it(client):
    officer = make_user(role=roles.OFFICER)
    token = calendar_feed_regenerate(user=officer).token
    client.force_login(officer)

    page = client.get(reverse("commissioning:calendar-settings")).content.decode()
    assert 'href="?confirm=new-address#new-address">Create a new address</a>' in page
    asked = client.post(reverse("commissioning:calendar-regenerate"), follow=True).content.decode()

    assert "Are you sure? Every calendar subscribed to the address above stops updating" in asked
    assert "Yes, create a new address" in asked
    assert CalendarFeed.objects.get(user=officer).token == token  # nothing changed yet
    assert 'data-module="app-copy" data-copy-from="calendar-address"' in page
