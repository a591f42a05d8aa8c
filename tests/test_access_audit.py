"""The audit trail: every change, by person, record type and date, for admins only."""

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from contracts import roles, services
from tests.factories import make_contract, make_team, make_user

pytestmark = pytest.mark.django_db


def test_an_admin_finds_an_officers_edit_and_a_role_change_in_the_audit_trail(client):
    officer = make_user(username="olivia", role=roles.OFFICER, first_name="Olivia", last_name="Okafor")
    admin = make_user(username="ada", role=roles.ADMIN, first_name="Ada", last_name="Admin")
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False):
        contract = make_contract(reference="AUD-1")
        contract.title = "Refuge, renamed"
        services.contract_save(contract=contract, officer=officer, reason="Title corrected")
        # A role change made by the admin: the person's history records the group.
        promoted = make_user(username="sam", role=roles.VIEWER)
        promoted._history_user = admin
        promoted.groups.add(Group.objects.get(name=roles.OFFICER))
    client.force_login(admin)
    page = client.get(reverse("audit"), {"person": officer.pk}).content.decode()
    assert "Olivia Okafor" in page and "Title corrected" in page and "AUD-1" in page
    by_type = client.get(reverse("audit"), {"record_type": "auth.user"}).content.decode()
    assert "sam" in by_type
    later = client.get(
        reverse("audit"), {"since_day": "21", "since_month": "11", "since_year": "2026"}
    ).content.decode()
    assert "Title corrected" not in later


def test_only_admins_see_the_audit_trail(client):
    team = make_team()
    for role in (roles.VIEWER, roles.OFFICER, roles.MANAGER):
        client.force_login(make_user(role=role, teams=[team]))
        assert client.get(reverse("audit")).status_code == 403
