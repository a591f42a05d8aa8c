"""Milestone pages: adding, editing and marking milestones, the contract's Milestones tab, and who may do what."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from commissioning.models import CommissioningCycle, Milestone, Stage
from contracts import roles
from tests.factories import make_contract, make_cycle, make_milestone, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def signed_in(client, role, first_name="Olivia", last_name=None):
    user = make_user(role=role, first_name=first_name, last_name=last_name or f"Okafor-{role}")
    client.force_login(user)
    return user


def milestone_form(**overrides) -> dict:
    form = {
        "title": "Tender deadline",
        "kind": "tender_deadline",
        "due_date_day": "12",
        "due_date_month": "3",
        "due_date_year": "2027",
        "due_time": "",
        "end_time": "",
        "description": "",
    }
    return {**form, **overrides}


def create_url(*, contract=None, cycle=None) -> str:
    query = f"?contract={contract.pk}" if contract else f"?cycle={cycle.pk}"
    return reverse("commissioning:milestone-create") + query


def every_form(contract, cycle, milestone) -> list[tuple[str, dict]]:
    """Every page that changes something, with a POST that would succeed for an officer."""
    decision = {
        "decision": "retender",
        "decided_on_day": "1",
        "decided_on_month": "11",
        "decided_on_year": "2026",
        "reason": "x",
    }
    return [
        (
            reverse("commissioning:cycle-create"),
            {"name": "New cycle", "service_category": "refuge", "team": cycle.team.pk, "stage": "strategy"},
        ),
        (
            reverse("commissioning:cycle-edit", args=[cycle.pk]),
            {"name": "Renamed", "service_category": "refuge", "team": cycle.team.pk},
        ),
        (reverse("commissioning:cycle-stage", args=[cycle.pk]), {"stage": "award", "reason": "Because"}),
        (reverse("commissioning:cycle-decision", args=[cycle.pk]), decision),
        (reverse("commissioning:contract-decision", args=[contract.pk]), decision),
        (create_url(contract=contract), milestone_form(title="Sneaked in")),
        (create_url(cycle=cycle), milestone_form(title="Sneaked in")),
        (reverse("commissioning:milestone-edit", args=[milestone.pk]), milestone_form(title="Renamed")),
        (reverse("commissioning:milestone-status", args=[milestone.pk]), {"status": "cancelled"}),
    ]


def test_a_viewer_cannot_post_any_cycle_decision_or_milestone_form(client):
    contract = make_contract()
    cycle = make_cycle(name="Original", stage=Stage.STRATEGY)
    milestone = make_milestone(contract=contract, title="Original milestone")
    signed_in(client, roles.VIEWER)

    responses = [client.post(url, data) for url, data in every_form(contract, cycle, milestone)]

    assert [r.status_code for r in responses] == [403] * len(responses)
    cycle.refresh_from_db()
    milestone.refresh_from_db()
    contract.refresh_from_db()
    assert (cycle.name, cycle.stage, cycle.decision) == ("Original", Stage.STRATEGY, "")
    assert (milestone.title, milestone.status) == ("Original milestone", Milestone.Status.SCHEDULED)
    assert contract.decision == ""
    assert CommissioningCycle.objects.count() == 1
    assert not Milestone.objects.filter(title="Sneaked in").exists()


def test_a_viewer_sees_milestones_but_no_buttons_to_change_them(client):
    contract = make_contract()
    milestone = make_milestone(contract=contract, title="Provider event")
    signed_in(client, roles.VIEWER)

    page = client.get(milestone.get_absolute_url()).content.decode()
    assert "Provider event" in page
    assert "Edit milestone" not in page and "Mark met" not in page
    tab = client.get(contract.get_absolute_url()).content.decode()
    assert "Provider event" in tab
    assert "Add a milestone" not in tab
    assert client.get(create_url(contract=contract)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(client):
    contract = make_contract()
    cycle = make_cycle()
    milestone = make_milestone(contract=contract)
    urls = [url for url, _ in every_form(contract, cycle, milestone)] + [
        reverse("commissioning:cycle-list"),
        reverse("commissioning:cycle-detail", args=[cycle.pk]),
        reverse("commissioning:milestone-detail", args=[milestone.pk]),
    ]
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("login") + "?next="), url


def test_the_contract_page_has_a_milestones_tab_with_dates_times_status_and_source(client):
    signed_in(client, roles.OFFICER)
    contract = make_contract(reference="MK-2027", start_date=date(2027, 3, 1), initial_term_months=60)
    make_milestone(
        contract=contract,
        title="Clarification questions close",
        due_at=datetime(2027, 5, 14, 16, 0, tzinfo=UTC),  # 17:00 BST
    )

    page = client.get(contract.get_absolute_url()).content.decode()

    tab = page[page.index('id="milestones"') : page.index('id="history"')]
    assert "Clarification questions close" in tab
    assert "14 May 2027 at 5pm" in tab
    assert "MK-2027: current term ends" in tab and "29 February 2032" in tab
    assert "Derived from the contract" in tab and "Entered by hand" in tab
    assert "Scheduled" in tab
    assert f"{reverse('commissioning:milestone-create')}?contract={contract.pk}" in tab


def test_an_officer_adds_an_all_day_milestone_to_a_contract(client):
    officer = signed_in(client, roles.OFFICER)
    contract = make_contract()
    contract.team.members.add(officer)  # a milestone's owner works in its team (issue 15)

    response = client.post(
        create_url(contract=contract),
        milestone_form(title="Quality visit", kind="other", owner=officer.pk, description="Annual quality assessment"),
        follow=True,
    )

    page = response.content.decode()
    assert "Milestone added: Quality visit" in page
    assert "12 March 2027 (all day)" in page
    assert "Entered by hand" in page
    milestone = Milestone.objects.get(title="Quality visit")
    assert milestone.contract == contract and milestone.cycle is None
    assert milestone.due_at is None and milestone.due_on == date(2027, 3, 12)
    assert milestone.owner == officer
    assert milestone.source == Milestone.Source.MANUAL
    assert milestone.history.latest().history_user == officer


def test_an_officer_adds_an_event_with_an_end_time_to_a_cycle(client):
    signed_in(client, roles.OFFICER)
    cycle = make_cycle(name="Victim support 2027")

    response = client.post(
        create_url(cycle=cycle),
        milestone_form(
            title="Online provider event",
            kind="provider_event",
            due_date_day="8",
            due_date_month="6",
            due_date_year="2026",
            due_time="10:00",
            end_time="11:30",
        ),
    )

    assert response.status_code == 302
    milestone = Milestone.objects.get(title="Online provider event")
    assert milestone.cycle == cycle
    assert milestone.due_at == datetime(2026, 6, 8, 9, 0, tzinfo=UTC)
    assert milestone.ends_at == datetime(2026, 6, 8, 10, 30, tzinfo=UTC)
    assert "8 June 2026, 10am to 11:30am" in client.get(cycle.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_date_day": "31", "due_date_month": "2"}, "Enter a real date"),
        ({"due_date_day": "", "due_date_month": "", "due_date_year": ""}, "Enter the due date"),
        ({"due_time": "25:00"}, "Enter the time of day, for example 9:30am, midday or 17:00"),
        ({"due_time": "teatime"}, "Enter the time of day, for example 9:30am, midday or 17:00"),
        ({"due_time": "12:00pm"}, "Enter the time of day, for example 9:30am, midday or 17:00"),
        ({"due_time": "10:00", "end_time": "09:30"}, "The end time must be after the start time"),
        ({"end_time": "11:30"}, "Enter the time of day it starts, or leave the end time empty"),
        (
            {"due_date_day": "28", "due_date_month": "3", "due_date_year": "2027", "due_time": "01:30"},
            "1:30am does not exist on 28 March 2027: the clocks go forward from 1am to 2am",
        ),
        ({"title": ""}, "Enter the title of the milestone"),
    ],
)
def test_a_milestone_with_a_bad_date_or_time_shows_the_error_and_is_not_saved(client, changes, message):
    signed_in(client, roles.OFFICER)
    contract = make_contract()
    before = Milestone.objects.count()

    response = client.post(create_url(contract=contract), milestone_form(**changes))

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the error summary and beside the field
    assert Milestone.objects.count() == before


def test_adding_a_milestone_needs_a_contract_or_a_cycle_that_exists(client):
    signed_in(client, roles.OFFICER)
    url = reverse("commissioning:milestone-create")
    assert client.get(url).status_code == 404
    assert client.get(url + "?contract=999").status_code == 404
    assert client.get(url + "?contract=abc").status_code == 404
    contract, cycle = make_contract(), make_cycle()
    assert client.get(url + f"?contract={contract.pk}&cycle={cycle.pk}").status_code == 404


def test_editing_a_derived_milestone_hands_it_to_the_officer_and_the_page_says_so(client):
    signed_in(client, roles.OFFICER, first_name="Priya", last_name="Shah")
    contract = make_contract(reference="MK-2027", start_date=date(2027, 3, 1), initial_term_months=60)
    term_end = contract.milestones.get(derived_key="term_end")

    form_page = client.get(reverse("commissioning:milestone-edit", args=[term_end.pk])).content.decode()
    assert "This milestone is derived from the contract" in form_page
    assert "If you change its date, time, title or type here" in form_page
    assert 'value="29"' in form_page and 'value="2032"' in form_page

    response = client.post(
        reverse("commissioning:milestone-edit", args=[term_end.pk]),
        milestone_form(
            title="MK-2027: term ends (early exit agreed)",
            kind="term_end",
            due_date_day="31",
            due_date_month="1",
            due_date_year="2032",
        ),
        follow=True,
    )

    page = response.content.decode()
    assert "Derived from the contract, then edited by hand: changes to the contract no longer move it" in page
    assert "Priya Shah" in page and "Edited by hand" in page  # the history table
    term_end.refresh_from_db()
    assert term_end.edited_by_hand
    assert term_end.due_on == date(2032, 1, 31)


def test_editing_a_timed_milestone_to_all_day_clears_its_times(client):
    signed_in(client, roles.OFFICER)
    milestone = make_milestone(
        title="Event", due_at=datetime(2026, 6, 8, 9, 0, tzinfo=UTC), ends_at=datetime(2026, 6, 8, 10, 30, tzinfo=UTC)
    )
    form_page = client.get(reverse("commissioning:milestone-edit", args=[milestone.pk])).content.decode()
    assert 'value="10am"' in form_page and 'value="11:30am"' in form_page

    client.post(
        reverse("commissioning:milestone-edit", args=[milestone.pk]),
        milestone_form(
            title="Event", kind="provider_event", due_date_day="9", due_date_month="6", due_date_year="2026"
        ),
    )

    milestone.refresh_from_db()
    assert (milestone.due_on, milestone.due_at, milestone.ends_at) == (date(2026, 6, 9), None, None)
    assert not milestone.edited_by_hand  # entered by hand in the first place


def test_marking_a_milestone_met_needs_the_date_it_was_met(client):
    officer = signed_in(client, roles.OFFICER)
    milestone = make_milestone(title="Responses due", due_on=date(2026, 3, 12))
    url = reverse("commissioning:milestone-status", args=[milestone.pk])

    refused = client.post(url, {"status": "met"})
    assert "Enter the date the milestone was met" in refused.content.decode()
    future = client.post(url, {"status": "met", "met_on_day": "1", "met_on_month": "12", "met_on_year": "2026"})
    assert "The date met must be today or in the past" in future.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.SCHEDULED

    response = client.post(
        url,
        {
            "status": "met",
            "met_on_day": "12",
            "met_on_month": "3",
            "met_on_year": "2026",
            "reason": "Four providers replied",
        },
        follow=True,
    )

    page = response.content.decode()
    assert "Responses due: met" in page
    assert "Met on 12 March 2026" in page
    assert "Met on 12 March 2026: Four providers replied" in page  # the history
    milestone.refresh_from_db()
    assert (milestone.status, milestone.met_on) == (Milestone.Status.MET, date(2026, 3, 12))
    assert milestone.history.latest().history_user == officer


def test_marking_a_milestone_missed_or_cancelled_clears_any_date_met(client):
    signed_in(client, roles.OFFICER)
    milestone = make_milestone(status="met", met_on=date(2026, 3, 12))

    client.post(
        reverse("commissioning:milestone-status", args=[milestone.pk]),
        {"status": "missed", "met_on_day": "12", "met_on_month": "3", "met_on_year": "2026"},
    )
    milestone.refresh_from_db()
    assert (milestone.status, milestone.met_on) == (Milestone.Status.MISSED, None)

    client.post(reverse("commissioning:milestone-status", args=[milestone.pk]), {"status": "cancelled"})
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.CANCELLED


def test_a_status_that_is_not_offered_is_refused(client):
    signed_in(client, roles.OFFICER)
    milestone = make_milestone()

    response = client.post(reverse("commissioning:milestone-status", args=[milestone.pk]), {"status": "done"})

    assert "Select the status" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.SCHEDULED


def test_a_conflict_between_sources_is_shown_as_a_warning(client):
    signed_in(client, roles.VIEWER)
    cycle = make_cycle()
    milestone = make_milestone(
        cycle=cycle,
        title="Market engagement responses due",
        source="imported",
        due_at=datetime(2026, 3, 12, 12, 0, tzinfo=UTC),
        conflict_note="The OCDS milestone says 23:59:59 that day; the notice text says 12 noon.",
    )

    page = client.get(milestone.get_absolute_url()).content.decode()

    assert "govuk-warning-text" in page
    assert "The sources disagree about this date. The OCDS milestone says 23:59:59 that day" in page
    assert "Imported from a notice" in page
    assert "The sources disagree about this date" in client.get(cycle.get_absolute_url()).content.decode()


def test_changing_a_derived_date_in_the_admin_also_marks_it_edited_by_hand(client):
    client.force_login(make_user(role=roles.ADMIN, is_staff=True, is_superuser=True))
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)
    term_end = contract.milestones.get(derived_key="term_end")
    url = reverse("admin:commissioning_milestone_change", args=[term_end.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:commissioning_commissioningcycle_changelist")).status_code == 200

    response = client.post(
        url,
        {
            "contract": contract.pk,
            "kind": "term_end",
            "title": term_end.title,
            "due_on": "2032-01-31",
            "status": "scheduled",
            "source": "derived",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    term_end.refresh_from_db()
    assert term_end.due_on == date(2032, 1, 31)
    assert term_end.edited_by_hand
