"""access.policy: teams decide where, roles decide what, and one contract can be shared."""

from datetime import date

import pytest
from django.urls import reverse

from access import policy
from commissioning.feeds import calendar_milestones
from contracts import roles
from contracts.models import Contract, ContractAccess
from tests.factories import make_contract, make_milestone, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_teams():
    mk, cleveland = make_team(name="Milton Keynes"), make_team(name="Cleveland")
    ours = make_contract(reference="MK-1", team=mk)
    theirs = make_contract(reference="CLE-1", team=cleveland)
    return mk, cleveland, ours, theirs


def test_an_officer_sees_and_edits_only_their_teams_contracts(two_teams):
    mk, _, ours, theirs = two_teams
    officer = make_user(role=roles.OFFICER, teams=[mk])
    assert list(policy.contracts_visible_to(officer)) == [ours]
    assert list(policy.contracts_editable_by(officer)) == [ours]


def test_a_viewer_of_the_team_sees_but_cannot_edit(two_teams):
    mk, _, ours, _ = two_teams
    viewer = make_user(role=roles.VIEWER, teams=[mk])
    assert list(policy.contracts_visible_to(viewer)) == [ours]
    assert list(policy.contracts_editable_by(viewer)) == []


def test_one_contract_can_be_shared_with_a_person_outside_the_team(two_teams, client):
    mk, _, _, theirs = two_teams
    officer = make_user(role=roles.OFFICER, teams=[mk])
    ContractAccess.objects.create(contract=theirs, user=officer, reason="Finance review")
    client.force_login(officer)
    assert client.get(reverse("contracts:detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("contracts:edit", args=[theirs.pk])).status_code == 403  # read-only grant
    ContractAccess.objects.filter(contract=theirs).update(can_edit=True)
    assert client.get(reverse("contracts:edit", args=[theirs.pk])).status_code == 200


def test_an_admin_sees_every_team(two_teams):
    admin = make_user(role=roles.ADMIN, teams=[])
    assert set(policy.contracts_visible_to(admin)) == set(Contract.objects.all())


def test_a_viewer_is_not_given_every_team_by_the_role_groups():
    viewer = make_user(role=roles.VIEWER, teams=[])
    assert not viewer.has_perm("contracts.view_all_teams")
    assert not policy.sees_every_team(viewer)


def test_the_calendar_feed_and_the_dashboard_leave_out_the_other_teams_milestones(two_teams, client):
    mk, _, ours, theirs = two_teams
    make_milestone(contract=ours, title="Our deadline", due_on=date(2030, 1, 10))
    make_milestone(contract=theirs, title="Their deadline", due_on=date(2030, 1, 10))
    officer = make_user(role=roles.OFFICER, teams=[mk])
    titles = {m.title for m in calendar_milestones(officer)}
    assert "Our deadline" in titles and "Their deadline" not in titles


def test_a_new_contract_can_only_be_given_to_a_team_the_officer_works_in(two_teams, client):
    mk, cleveland, ours, _ = two_teams
    client.force_login(make_user(role=roles.OFFICER, teams=[mk]))
    page = client.get(reverse("contracts:create")).content.decode()
    assert "Milton Keynes" in page and "Cleveland" not in page
    response = client.post(
        reverse("contracts:create"),
        {
            "reference": "SNEAK-1",
            "title": "Sneaky",
            "kind": "contract",
            "service_category": "refuge",
            "buyer": ours.buyer.pk,
            "team": cleveland.pk,
            "funding_source": "core_budget",
            "start_date_day": "1",
            "start_date_month": "4",
            "start_date_year": "2027",
            "initial_term_months": "12",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Contract.objects.filter(reference="SNEAK-1").exists()
