"""Issue 15: who may change a shared buyer or provider (access.policy.organisations_editable_by).

Any officer of any team could rename another team's buyer or change its PPON identifier,
which notice imports use to find the buyer. Now an officer changes only what their own teams
use (or what nobody uses yet), a manager also what their teams share with others, an admin
anything; and each change says who made it and why.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from access import policy
from contracts import roles
from contracts.models import Organisation
from tests.factories import make_contract, make_cycle, make_organisation, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def mk():
    return make_team(name="Milton Keynes team")


@pytest.fixture
def cleveland():
    return make_team(name="Cleveland team")


@pytest.fixture
def mk_council(mk):
    council = make_organisation(name="Milton Keynes City Council", role="buyer", ppon_id="PLDZ-6131-PWZH")
    make_contract(reference="MK-DASS-2027", team=mk, buyer=council, option_months=())
    return council


def edit(client, organisation, reason="Renamed after the merger", **fields):
    data = {
        "name": organisation.name,
        "role": organisation.role,
        "ppon_id": organisation.ppon_id,
        "change_reason": reason,
    }
    return client.post(reverse("contracts:organisation-edit", args=[organisation.pk]), {**data, **fields})


def test_an_officer_of_another_team_cannot_change_a_buyer_nor_its_ppon(client, cleveland, mk_council):
    client.force_login(make_user(role=roles.OFFICER, teams=[cleveland]))

    assert client.get(reverse("contracts:organisation-edit", args=[mk_council.pk])).status_code == 403
    assert edit(client, mk_council, ppon_id="AAAA-BBBB-CCCC", name="Hijacked").status_code == 403

    mk_council.refresh_from_db()
    assert (mk_council.name, mk_council.ppon_id) == ("Milton Keynes City Council", "PLDZ-6131-PWZH")
    page = client.get(reverse("contracts:organisation-detail", args=[mk_council.pk])).content.decode()
    assert "Edit details" not in page
    assert "Only an officer of a team that uses it, a manager of one, or an admin can change it" in page


def test_an_officer_of_the_team_that_uses_it_changes_it_and_the_page_shows_who_and_why(client, mk, mk_council):
    officer = make_user(role=roles.OFFICER, teams=[mk], first_name="Olivia", last_name="Okafor")
    client.force_login(officer)

    response = edit(client, mk_council, name="Milton Keynes Council", reason="Name on the new letterhead")

    assert response.status_code == 302
    mk_council.refresh_from_db()
    assert mk_council.name == "Milton Keynes Council"
    page = client.get(reverse("contracts:organisation-detail", args=[mk_council.pk])).content.decode()
    assert "Olivia Okafor" in page and "Name on the new letterhead" in page
    assert "Milton Keynes City Council → Milton Keynes Council" in page


def test_a_change_without_a_reason_is_refused_and_changes_nothing(client, mk, mk_council):
    client.force_login(make_user(role=roles.OFFICER, teams=[mk]))

    response = edit(client, mk_council, name="Renamed", reason="")

    assert response.status_code == 200
    assert "Enter the reason for the change" in response.content.decode()
    mk_council.refresh_from_db()
    assert mk_council.name == "Milton Keynes City Council"


def test_a_provider_two_teams_share_is_changed_by_their_managers_not_their_officers(client, mk, cleveland):
    shared = make_organisation(name="Refuge charity")
    make_contract(team=mk, provider=shared, option_months=())
    make_contract(team=cleveland, provider=shared, option_months=())
    officer = make_user(role=roles.OFFICER, teams=[mk])
    manager = make_user(role=roles.MANAGER, teams=[mk])
    outside_manager = make_user(role=roles.MANAGER, teams=[make_team(name="Housing team")])

    client.force_login(officer)
    assert edit(client, shared, name="Renamed by an officer").status_code == 403
    client.force_login(outside_manager)
    assert edit(client, shared, name="Renamed from outside").status_code == 403
    client.force_login(manager)
    assert edit(client, shared, name="Refuge (national charity)").status_code == 302

    shared.refresh_from_db()
    assert shared.name == "Refuge (national charity)"


def test_a_buyer_named_only_by_another_teams_imported_notice_is_theirs(cleveland, mk):
    from notices.models import Release

    buyer = make_organisation(name="Cleveland OPCC", role="buyer")
    Release.objects.create(
        release_id="r1",
        ocid="ocds-h6vhtk-06a838",
        date="2026-05-01T00:00:00Z",
        raw_json="{}",
        cycle=make_cycle(team=cleveland),
        buyer=buyer,
    )

    assert not policy.organisations_editable_by(make_user(role=roles.OFFICER, teams=[mk])).filter(pk=buyer.pk).exists()
    assert (
        policy.organisations_editable_by(make_user(role=roles.OFFICER, teams=[cleveland])).filter(pk=buyer.pk).exists()
    )


def test_what_nobody_uses_yet_any_officer_may_correct_and_admins_may_change_anything(mk, cleveland, mk_council):
    new = make_organisation(name="Sanctuary scheme provider")
    officer = make_user(role=roles.OFFICER, teams=[cleveland])
    admin = make_user(role=roles.ADMIN, teams=[])
    viewer = make_user(role=roles.VIEWER, teams=[mk])

    assert set(policy.organisations_editable_by(officer)) == {new}
    assert set(policy.organisations_editable_by(admin)) == {new, mk_council, *Organisation.objects.all()}
    assert not policy.organisations_editable_by(viewer).exists()


def test_the_admin_refuses_a_change_the_policy_refuses_and_records_one_it_allows(client, mk, cleveland, mk_council):
    staff_manager = make_user(role=roles.MANAGER, teams=[cleveland], is_staff=True)
    url = reverse("admin:contracts_organisation_change", args=[mk_council.pk])
    form = {
        "name": "Hijacked",
        "role": "buyer",
        "ppon_id": "AAAA-BBBB-CCCC",
        "charity_number": "",
        "company_number": "",
    }

    client.force_login(staff_manager)
    client.post(url, form)
    mk_council.refresh_from_db()
    assert mk_council.name == "Milton Keynes City Council"

    admin = make_user(role=roles.ADMIN, is_staff=True, first_name="Ada", last_name="Admin")
    client.force_login(admin)
    assert client.post(url, {**form, "name": "Milton Keynes Council", "ppon_id": "PLDZ-6131-PWZH"}).status_code == 302
    latest = Organisation.objects.get(pk=mk_council.pk).history.latest()
    assert (latest.name, latest.history_user, latest.history_change_reason) == (
        "Milton Keynes Council",
        admin,
        "Changed in the admin",
    )
