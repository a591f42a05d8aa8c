"""The audit trail: every change, by person, record type and date, for admins only."""

import re

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


def test_the_audit_trail_pages_50_changes_at_a_time_at_the_same_cost_whatever_their_number(client):
    """Issue 24: 169 queries for an admin's page at 1,000 contracts (two per person's change,
    reading their groups) and every change up to 200 on one page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = make_user(username="ada", role=roles.ADMIN)
    client.force_login(admin)
    officers = Group.objects.get(name=roles.OFFICER)

    def promote(count, start):
        for index in range(start, start + count):
            person = make_user(username=f"person{index:03d}", role=roles.VIEWER)
            person._history_user = admin
            person.groups.add(officers)
            person.first_name = f"Renamed{index:03d}"
            person.save()

    def queries():
        client.get(reverse("audit"))
        with CaptureQueriesContext(connection) as counted:
            response = client.get(reverse("audit"))
        return len(counted), response.content.decode()

    promote(2, 0)
    small, _ = queries()
    promote(58, 2)
    large, page = queries()
    assert large == small
    assert "Renamed059" in page and "groups:" in page
    assert page.count('class="govuk-table__row"') == 1 + 50
    older = re.search(r'href="([^"]*after=[^"]*)" rel="next"', page).group(1).replace("&amp;", "&")
    second = client.get(reverse("audit") + older).content.decode()
    assert "Older changes" in page and "Newest changes" in second
    shown_first = set(re.findall(r"Renamed\d{3}", page))
    shown_second = set(re.findall(r"Renamed\d{3}", second))
    assert shown_second and not shown_first & shown_second - {min(shown_first)}


def test_the_audit_trails_changes_show_each_value_as_the_database_gives_it():
    """Each change shows its old and new values as the database gives them: a decimal keeps its
    places, a date and a yes-or-no stay what they were."""
    from datetime import date
    from decimal import Decimal

    from access.audit import audit_rows

    admin = make_user(username="ada", role=roles.ADMIN)
    contract = make_contract(reference="AUD-002", team=make_team(name="Audit team"), annual_value=Decimal("1200.00"))
    contract.annual_value = Decimal("2500.50")
    contract.review_date = date(2027, 6, 30)
    contract.is_light_touch = not contract.is_light_touch
    contract._history_user = admin
    contract.save()
    changed = next(row for row in audit_rows(label="contracts.contract", limit=5) if row.action == "Changed")
    assert changed.who == "ada" and changed.record.startswith("AUD-002")
    assert "annual_value: Decimal('1200.00') → Decimal('2500.50')" in changed.changes
    assert "review_date: None → datetime.date(2027, 6, 30)" in changed.changes
    assert f"is_light_touch: {not contract.is_light_touch!r} → {contract.is_light_touch!r}" in changed.changes


def test_every_history_table_the_audit_trail_reads_has_an_index_in_its_order():
    """Issue 24: without an index on (history_date, history_id), finding a page meant sorting
    every change made at the newest moment, and a bulk write gives all its rows one moment
    (130,000 milestones' at 100,000 contracts: 148 ms of an admin's page). A kind of record
    added to the trail needs its index too: see access/migrations/0003."""
    from django.db import connection

    from access.audit import audited_models

    missing = []
    with connection.cursor() as cursor:
        for label, model in audited_models().items():
            table = getattr(model, model._meta.simple_history_manager_attribute).model._meta.db_table
            indexes = connection.introspection.get_constraints(cursor, table).values()
            if not any(index["index"] and index["columns"] == ["history_date", "history_id"] for index in indexes):
                missing.append(f"{label} ({table})")
    assert len(audited_models()) > 20
    assert missing == []


def test_older_changes_page_through_a_bulk_writes_changes_made_at_one_moment_each_once(client):
    """The cursor of "Older changes" inside the changes of one moment (a bulk write's) starts
    after the last row shown, by history id, and misses and repeats none."""
    from django.utils import timezone
    from simple_history.utils import bulk_create_with_history

    from contracts.models import Organisation

    admin = make_user(username="ada", role=roles.ADMIN)
    client.force_login(admin)
    bulk_create_with_history(
        [Organisation(name=f"Provider {index:03d}", role=Organisation.Role.PROVIDER) for index in range(120)],
        Organisation,
        default_date=timezone.now(),
    )
    seen, address = [], reverse("audit") + "?record_type=contracts.organisation"
    for _ in range(5):
        page = client.get(address).content.decode()
        seen += re.findall(r"Provider \d{3}", page)
        older = re.search(r'href="([^"]*after=[^"]*)" rel="next"', page)
        if older is None:
            break
        address = reverse("audit") + older.group(1).replace("&amp;", "&")
    assert sorted(seen) == [f"Provider {index:03d}" for index in range(120)]
    assert seen == sorted(seen, reverse=True)  # newest first: the last made (highest id) first


def test_the_audit_trail_reads_a_page_in_two_queries_whatever_kinds_of_record_it_shows():
    """Issue 24: a query for each of the 28 kinds of audited record, shown or not (34 for an
    admin's page, a round trip each). One query now chooses the page across them all, and one
    reads its rows and the versions before them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from access.audit import audit_rows

    admin = make_user(username="ada", role=roles.ADMIN)
    contract = make_contract(reference="AUD-003", team=make_team(name="Audit team"))
    contract.title = "Renamed for the audit"
    contract._history_user = admin
    contract.save()
    with CaptureQueriesContext(connection) as counted:
        rows = audit_rows(limit=51)
    assert {"contracts.contract", "contracts.team", "contracts.extensionoption"} <= {row.label for row in rows}
    assert any("Renamed for the audit" in change for row in rows for change in row.changes)
    # Beside them, one a many-to-many field changed on the page (a person's groups, as before).
    pages = [query["sql"] for query in counted if "historicaluser_groups" not in query["sql"]]
    pages = [sql for sql in pages if "historicaluser_user_permissions" not in sql]
    assert len(pages) == 2, [sql[:80] for sql in pages]
