"""What follows a change is one explicit call (commissioning/changes.py), made once, not a cascade of signals."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.changes import contract_changed
from commissioning.models import CommissioningCycle, Milestone
from commissioning.services import decision_record
from contracts import services
from contracts.models import Contract
from notices import services as notices_services
from reminders.models import Reminder
from tests.factories import (
    build_contract,
    make_buyer,
    make_contract,
    make_cycle,
    make_organisation,
    make_team,
    make_user,
)
from tests.ocds_helpers import MK_FILE, MK_OCID, import_bytes, later, make_seed_buyers, mk_release

pytestmark = pytest.mark.django_db


def test_a_contract_with_two_options_is_made_in_a_small_fixed_number_of_queries(django_assert_max_num_queries):
    officer, team, buyer, provider = make_user(), make_team(), make_buyer(), make_organisation()

    # 62 when every option's save ran the derivation, the duties and each milestone's reminders.
    # Continuity of cover adds a fixed few (the contract's services, call-offs and cycles, and
    # the contracts sharing a service with it), however many options; storing its rating for the
    # dashboard and the register (commissioning.ratings) a fixed 6 more; reading the notices' open
    # disagreements with it one more (issue 25), and the buyers' meeting calendars for the
    # decide-by dates that rating uses one more (issue 19); storing where its services' cover
    # ends, so the dashboard's "no successor" list is chosen in SQL, 3 more (issue 24: the
    # old rows deleted and a savepoint around the rating's writes).
    with django_assert_max_num_queries(57):
        contract = make_contract(
            option_months=(12, 12), lead_officer=officer, team=team, buyer=buyer, provider=provider
        )

    assert contract.milestones.count() == 3
    assert Reminder.objects.filter(milestone__contract=contract, recipient_email=officer.email).exists()


def queries_to_save(contract: Contract, officer) -> int:
    contract.title = f"{contract.title} (renamed)"
    with CaptureQueriesContext(connection) as captured:
        services.contract_save(contract=contract, officer=officer, reason="Title corrected")
    return len(captured.captured_queries)


def test_saving_a_contract_costs_the_same_few_queries_with_two_options_as_with_five():
    officer = make_user()
    two = make_contract(option_months=(12, 12), lead_officer=officer)
    five = make_contract(option_months=(12, 12, 12, 12, 12), lead_officer=officer)

    with_two = queries_to_save(two, officer)

    # 24 before continuity of cover read the services, call-offs and cycles; 33 before the
    # contract's rating was stored (commissioning.ratings); then one more to read the saved row (a
    # save that changes nothing records nothing), one for the notices' open disagreements with
    # the contract (issue 25) and one for the buyers' meeting calendars that its rating's
    # decide-by dates are worked back through (issue 19); then 3 for storing where its services'
    # cover ends (issue 24: the dashboard's "no successor" list in SQL).
    assert with_two <= 45
    assert queries_to_save(five, officer) == with_two


def test_a_new_contract_and_its_options_are_derived_with_the_officers_name_in_the_history():
    officer = make_user()
    contract = build_contract(lead_officer=officer)

    services.contract_save(contract=contract, officer=officer, reason="Contract added")
    services.option_add(contract=contract, length_months=12, officer=officer)
    services.option_add(contract=contract, length_months=12, officer=officer)

    titles = sorted(contract.milestones.values_list("title", flat=True))
    assert titles == [
        f"{contract.reference}: current term ends",
        f"{contract.reference}: decide on extension option 1 (1 year)",
        f"{contract.reference}: decide on extension option 2 (1 year)",
    ]
    term_end = contract.milestones.get(derived_key="term_end")
    assert term_end.history.get().history_user == officer


def test_a_bare_save_changes_only_the_row_and_contract_changed_does_the_rest():
    contract = build_contract()
    contract.save()
    assert not contract.milestones.exists()

    contract_changed(contract=contract)

    assert contract.milestones.filter(derived_key="term_end", due_on=date(2032, 2, 29)).exists()


def test_the_duties_are_in_step_before_the_reminders_are_planned():
    officer = make_user(email="olivia@example.org")
    contract = make_contract(
        start_date=date(2027, 4, 1), initial_term_months=24, option_months=(), lead_officer=officer
    )
    notices_services.Notice.objects.create(
        notice_type="UK2", fts_notice_id="011111-2026", published_at="2026-06-02T12:00:00Z"
    ).contracts.add(contract)

    contract_changed(contract=contract, officer=officer, today=date(2026, 11, 22))

    uk7 = contract.duties.get(key="UK7").milestone
    assert Reminder.objects.filter(milestone=uk7, status="planned", recipient_email="olivia@example.org").exists()


def test_a_release_that_changes_two_values_of_a_cycle_saves_it_once_and_syncs_its_duties_once(monkeypatch):
    make_seed_buyers()
    team = make_team()
    import_bytes(MK_FILE.read_bytes(), team=team)
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)
    rows = cycle.history.count()
    syncs = []
    sync = notices_services.duties_sync_for_cycle
    monkeypatch.setattr(notices_services, "duties_sync_for_cycle", lambda **kw: syncs.append(kw) or sync(**kw))
    update = later(mk_release(), when="2026-04-01T09:00:00+01:00")
    update["tender"]["value"].update(amount=4_500_000, amountGross=4_500_000)  # net and gross, as published
    update["tender"]["lots"][0]["contractPeriod"]["startDate"] = "2027-04-01T00:00:00+00:00"

    import_bytes(update)

    cycle.refresh_from_db()
    assert (cycle.estimated_value, cycle.target_start_date) == (Decimal("4500000"), date(2027, 4, 1))
    assert cycle.history.count() == rows + 1
    assert cycle.history.latest().history_change_reason == "From the notice data published 1 April 2026 at 9am"
    assert len(syncs) == 1


def test_a_milestone_changed_in_the_admin_has_its_reminders_planned_again(client):
    admin = make_user(role="admin", is_staff=True, is_superuser=True, email="admin@example.org")
    contract = make_contract(lead_officer=admin, start_date=date(2030, 4, 1), option_months=())
    milestone = Milestone.objects.create(contract=contract, title="Provider day", due_on=date(2031, 6, 2), owner=admin)
    assert not milestone.reminders.exists()  # a bare save plans nothing
    client.force_login(admin)

    response = client.post(
        reverse("admin:commissioning_milestone_change", args=[milestone.pk]),
        {
            "contract": contract.pk,
            "kind": "other",
            "title": "Provider day",
            "due_on": "2031-06-09",
            "status": "scheduled",
            "source": "manual",
            "owner": admin.pk,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    milestone.refresh_from_db()
    assert milestone.due_on == date(2031, 6, 9)
    assert milestone.reminders.filter(status="planned", recipient_email="admin@example.org").exists()


def test_a_duty_milestone_says_the_act_requires_it_not_that_it_was_entered_by_hand():
    contract = make_contract(start_date=date(2027, 4, 1), initial_term_months=24, option_months=())
    notices_services.Notice.objects.create(
        notice_type="UK2", fts_notice_id="022222-2026", published_at="2026-06-02T12:00:00Z"
    ).contracts.add(contract)

    contract_changed(contract=contract, today=date(2026, 11, 22))

    uk7 = contract.duties.get(key="UK7").milestone
    assert uk7.get_source_display() == "Required by the Procurement Act"


def test_a_cycles_decision_is_held_once_on_the_contracts_it_replaces():
    officer = make_user(first_name="Priya", last_name="Shah")
    first, second = make_contract(), make_contract()
    cycle = make_cycle(replaces=[first, second])

    decision_record(
        contracts=cycle.replaces.all(),
        decision=Contract.Decision.RETENDER,
        officer=officer,
        decided_on=date(2026, 10, 2),
        reason="Cabinet 2 October 2026",
        today=date(2026, 11, 22),
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert {(c.decision, c.decision_on, c.decision_by) for c in (first, second)} == {
        ("retender", date(2026, 10, 2), officer)
    }
    assert (cycle.decision, cycle.get_decision_display(), cycle.decision_by) == ("retender", "Re-tender", officer)


def test_a_decision_for_a_cycle_that_replaces_no_contract_is_refused_with_a_message():
    cycle = make_cycle()

    with pytest.raises(ValidationError) as refused:
        decision_record(
            contracts=cycle.replaces.all(),
            decision=Contract.Decision.RETENDER,
            officer=None,
            decided_on=date(2026, 10, 2),
            reason="Cabinet",
            today=date(2026, 11, 22),
        )

    assert refused.value.messages == [
        "Add the contracts this cycle replaces first: the decision is recorded on each of them"
    ]
