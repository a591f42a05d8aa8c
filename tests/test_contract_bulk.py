"""Saving many contracts at once (contracts.services.contracts_create_many / contracts_update_many):
the same rows, history, milestones, duties and reminders as saving them one at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning.models import ContractRating, Milestone
from commissioning.ratings import FIELDS as RATING_FIELDS
from contracts import roles
from contracts import services as contract_services
from contracts.models import Contract, ExtensionOption
from notices.models import CouncilMeeting, Duty, KeyDecisionPolicy
from reminders.models import QuietDays, Reminder
from tests.factories import build_contract, make_buyer, make_contract, make_organisation, make_team, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
REASON = "Imported from register.csv by Olivia Officer"


@pytest.fixture
def setting():
    """A team with a manager and a mailbox, a lead officer with quiet days, a VCSE provider, and
    a buyer whose key decisions go to Cabinet: every kind of follow-up a new contract can have."""
    team = make_team(name="Domestic abuse team", shared_mailbox="da-team@example.gov.uk")
    team.manager = make_user(username="manny", first_name="Manny", last_name="Manager", role=roles.MANAGER)
    team.save()
    lead = make_user(username="olivia", first_name="Olivia", last_name="Officer", teams=[team])
    QuietDays.objects.create(user=lead, first_day=date(2029, 8, 1), last_day=date(2029, 8, 31))
    buyer = make_buyer(name="Example Council")
    KeyDecisionPolicy.objects.create(buyer=buyer, threshold=Decimal("100000"))
    for number, day in enumerate([date(2029, 6, 12), date(2029, 7, 10), date(2029, 9, 11), date(2029, 10, 9)]):
        CouncilMeeting.objects.create(buyer=buyer, body="Cabinet", title="Cabinet", meets_on=day, uid=f"c{number}")
    provider = make_organisation(name="Haven Refuge Trust", is_vcse=True)
    return {"team": team, "lead_officer": lead, "buyer": buyer, "provider": provider}


def _contract(reference: str, setting: dict) -> Contract:
    return build_contract(
        reference=reference,
        start_date=date(2027, 3, 1),
        initial_term_months=36,
        max_extent_date=date(2032, 2, 29),
        annual_value=Decimal("300000"),
        total_value=Decimal("1500000"),
        **setting,
    )


def _what_follows(contract: Contract) -> dict:
    """Everything saving a contract leaves behind, with its reference taken out to compare two."""

    def words(text: str) -> str:
        return text.replace(contract.reference, "REF")

    milestones = Milestone.objects.filter(contract=contract).order_by("derived_key")
    return {
        "end dates": (contract.initial_end_date, contract.current_end_date),
        "options": list(contract.options.values_list("sequence", "length_months", "status")),
        "milestones": [
            (m.derived_key and words(m.derived_key), m.kind, words(m.title), m.due_on, m.status, m.source)
            + (m.owner_id, words(m.description), m.reminder_offsets, m.option and m.option.sequence)
            for m in milestones
        ],
        "duties": sorted(
            (d.key, d.notice_type, d.kind, words(d.title), d.due_on, words(d.basis), d.milestone.derived_key)
            for d in Duty.objects.filter(contract=contract)
        ),
        "reminders": sorted(
            (words(r.milestone.title), r.offset, r.purpose, r.audience, r.recipient_email, r.send_at, r.note)
            for r in Reminder.objects.filter(milestone__contract=contract).select_related("milestone")
        ),
        "history": [
            (h.history_type, h.history_change_reason, h.history_user_id) for h in contract.history.order_by("pk")
        ],
        "option history": sorted(
            (h.sequence, h.history_change_reason, h.history_user_id)
            for h in ExtensionOption.history.filter(contract_id=contract.pk)
        ),
        "rating": list(ContractRating.objects.filter(contract=contract).values_list(*RATING_FIELDS)),
        "milestone history": sorted(
            (words(h.title), h.history_change_reason, h.history_user_id)
            for h in Milestone.history.filter(contract_id=contract.pk)
        ),
    }


def test_a_batch_of_new_contracts_is_saved_with_the_same_follow_up_as_one_at_a_time(setting):
    officer = setting["lead_officer"]
    with time_machine.travel(NOW, tick=False):
        one = contract_services.contract_save(contract=_contract("ONE-1", setting), officer=officer, reason=REASON)
        for months in (12, 12):
            contract_services.option_add(contract=one, length_months=months, officer=officer, reason=REASON)
        many = [_contract("MANY-1", setting), _contract("MANY-2", setting)]
        contract_services.contracts_create_many(
            contracts=many, option_months=[[12, 12], [12, 12]], officer=officer, reason=REASON
        )
    one_at_a_time = _what_follows(Contract.objects.get(reference="ONE-1"))
    assert one_at_a_time["history"] == [("+", REASON, officer.pk)]
    for contract in Contract.objects.filter(reference__startswith="MANY-"):
        in_a_batch = _what_follows(contract)
        for part in one_at_a_time:
            assert in_a_batch[part] == one_at_a_time[part], part
    # The follow-up did happen: decisions on both options, the VCSE notice and key decisions, reminders.
    kinds = {row[1] for row in one_at_a_time["milestones"]}
    assert {"term_end", "option_decision", "max_extent"} <= kinds
    assert len(one_at_a_time["rating"]) == 1  # rated for the dashboard and the register
    # Option 1's decision is worked back through the buyer's Cabinet calendar.
    assert "REF: decide on extension option 1 (1 year) at Cabinet" in {row[2] for row in one_at_a_time["milestones"]}
    assert any(key.startswith("KD:option:1") for key, *_ in one_at_a_time["duties"])
    assert {"manny@example.gov.uk", "olivia@example.gov.uk", "da-team@example.gov.uk"} <= {
        row[4] for row in one_at_a_time["reminders"]
    }


def test_a_batch_with_one_bad_contract_saves_none_and_says_which(setting):
    bad = _contract("MANY-2", setting)
    bad.max_extent_date = date(2028, 1, 1)  # before the end of the initial term
    with pytest.raises(contract_services.ContractRejected) as rejected:
        contract_services.contracts_create_many(
            contracts=[_contract("MANY-1", setting), bad], option_months=[[], []], officer=None, reason=REASON
        )
    assert rejected.value.position == 1
    assert rejected.value.messages == [
        "The maximum extent date must be on or after the end of the initial term, 28 February 2030"
    ]
    assert not Contract.objects.filter(reference__startswith="MANY-").exists()


def test_a_batch_refuses_a_reference_already_taken_or_options_past_the_maximum_extent(setting):
    make_contract(reference="TAKEN", team=setting["team"], option_months=())
    with pytest.raises(contract_services.ContractRejected) as rejected:
        contract_services.contracts_create_many(
            contracts=[_contract("TAKEN", setting)], option_months=[[]], officer=None, reason=REASON
        )
    assert rejected.value.messages == ["A contract with the reference TAKEN already exists"]
    with pytest.raises(contract_services.ContractRejected) as rejected:
        contract_services.contracts_create_many(
            contracts=[_contract("MANY-1", setting)], option_months=[[24, 24]], officer=None, reason=REASON
        )
    assert rejected.value.messages == [
        "Option 2 would run to 28 February 2034, after the maximum extent date of 29 February 2032"
    ]
    assert not Contract.objects.filter(reference="MANY-1").exists()


def test_a_batch_of_changes_saves_each_once_and_follows_up_only_what_moves_a_date(setting):
    officer = setting["lead_officer"]
    with time_machine.travel(NOW, tick=False):
        contract_services.contracts_create_many(
            contracts=[_contract("MANY-1", setting), _contract("MANY-2", setting)],
            option_months=[[], [12]],
            officer=officer,
            reason=REASON,
        )
        renamed, extended = Contract.objects.order_by("reference")
        renamed.title = "Refuge and children's support"
        extended.initial_term_months = 48
        contract_services.contracts_update_many(
            contracts=[renamed, extended], option_months=[[12, 12], []], officer=officer, reason="Imported again"
        )
    renamed.refresh_from_db()
    extended.refresh_from_db()
    assert renamed.title == "Refuge and children's support"
    assert [h.history_change_reason for h in renamed.history.order_by("pk")] == [REASON, "Imported again"]
    assert list(renamed.options.values_list("sequence", "length_months")) == [(1, 12), (2, 12)]
    assert Milestone.objects.filter(contract=renamed, kind="option_decision").count() == 2
    assert extended.current_end_date == date(2031, 2, 28)
    term_end = Milestone.objects.get(contract=extended, kind="term_end")
    assert term_end.due_on == date(2031, 2, 28)
    assert Reminder.objects.filter(milestone=term_end, send_at__date=date(2030, 2, 28)).exists()


def test_a_change_that_moves_no_date_writes_history_but_plans_nothing_again(setting, django_assert_max_num_queries):
    contract_services.contracts_create_many(
        contracts=[_contract("MANY-1", setting)], option_months=[[]], officer=None, reason=REASON
    )
    contract = Contract.objects.get(reference="MANY-1")
    contract.description = "28 flats"
    # Links, options, before, the update, its history and savepoints: none of the follow-up's reads.
    with django_assert_max_num_queries(12):
        contract_services.contracts_update_many(contracts=[contract], option_months=[[]], officer=None, reason="Again")
    assert contract.history.count() == 2


def _queries_to_create(count: int, setting: dict, prefix: str) -> int:
    batch = [_contract(f"{prefix}-{n}", setting) for n in range(count)]
    with CaptureQueriesContext(connection) as queries:
        contract_services.contracts_create_many(
            contracts=batch, option_months=[[12, 12]] * count, officer=None, reason=REASON
        )
    return len(queries)


def test_the_queries_for_a_batch_do_not_grow_with_its_size(setting):
    # A provider that is not VCSE and a buyer with no key-decision rules: no duties to work out.
    plain = {**setting, "provider": make_organisation(), "buyer": make_buyer()}
    assert _queries_to_create(30, plain, "LARGE") == _queries_to_create(3, plain, "SMALL")
    assert Reminder.objects.filter(milestone__contract__reference="LARGE-29").exists()
