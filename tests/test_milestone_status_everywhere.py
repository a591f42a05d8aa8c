"""One status vocabulary and colour for milestones on every page (issue 25): an overdue
milestone read "Scheduled" in blue on the cycle page, an open diamond on the timeline and a
red "260 days" on the dashboard."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from commissioning.models import Milestone
from contracts import roles
from tests.factories import make_contract, make_cycle, make_milestone, make_user

pytestmark = pytest.mark.django_db

OVERDUE_TAG = (
    '<strong class="govuk-tag govuk-tag--red app-milestone-status" data-status="overdue">Overdue by 3 days</strong>'
)


@pytest.fixture
def on_22_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield date(2026, 11, 22)


@pytest.fixture
def officer(client):
    user = make_user(role=roles.OFFICER)
    client.force_login(user)
    return user


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_status_words_and_colours():
    today = date(2026, 11, 22)

    def shown(**fields):
        return Milestone(title="x", due_on=fields.pop("due_on", date(2026, 11, 19)), **fields).shown_status(today)

    assert shown() == ("overdue", "Overdue", "red")
    assert shown(due_on=today) == ("scheduled", "Scheduled", "blue")
    assert shown(kind=Milestone.Kind.TERM_END) == ("passed", "Passed", "grey")
    assert shown(status=Milestone.Status.MET) == ("met", "Met", "green")
    assert shown(status=Milestone.Status.MISSED) == ("missed", "Missed", "red")
    assert shown(status=Milestone.Status.CANCELLED) == ("cancelled", "Cancelled", "grey")


def test_an_overdue_milestone_is_red_on_the_cycle_page(client, officer, on_22_november_2026):
    cycle = make_cycle()
    make_milestone(cycle=cycle, title="Publish the tender", due_on=date(2026, 11, 19))

    assert OVERDUE_TAG in page(client, cycle.get_absolute_url())


def test_an_overdue_milestone_is_red_on_the_contract_page_and_its_own_page(client, officer, on_22_november_2026):
    contract = make_contract()
    milestone = make_milestone(contract=contract, title="Send the Cabinet report", due_on=date(2026, 11, 19))

    assert OVERDUE_TAG in page(client, contract.get_absolute_url())
    assert OVERDUE_TAG in page(client, milestone.get_absolute_url())


def test_an_overdue_milestone_is_red_on_the_dashboard(client, officer, on_22_november_2026):
    make_milestone(contract=make_contract(), title="Send the Cabinet report", due_on=date(2026, 11, 19))

    assert OVERDUE_TAG in page(client, reverse("commissioning:dashboard"))


def test_an_overdue_milestone_is_a_red_diamond_and_a_red_tag_on_the_timeline(client, officer, on_22_november_2026):
    make_milestone(
        contract=make_contract(start_date=date(2025, 4, 1)), title="Send the Cabinet report", due_on=date(2026, 11, 19)
    )

    timeline = page(client, reverse("commissioning:timeline"))

    assert "app-timeline__marker--overdue" in timeline
    assert "Send the Cabinet report: 19 November 2026 (overdue)" in timeline
    assert 'govuk-tag--red app-milestone-status">Overdue</strong>' in timeline
