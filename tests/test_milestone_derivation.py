"""Derived milestones follow their contract through the ORM; times of day are London times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.urls import reverse

from commissioning.derivation import milestones_sync_for_contract
from commissioning.forms import london_datetime, parse_time_of_day
from commissioning.models import Milestone
from commissioning.services import milestone_set_status, milestone_update
from contracts import roles
from contracts.models import ExtensionOption
from contracts.services import contract_save, option_decline, option_exercise
from tests.factories import make_contract, make_user

pytestmark = pytest.mark.django_db


def derived(contract) -> dict[str, Milestone]:
    return {m.derived_key: m for m in contract.milestones.filter(source=Milestone.Source.DERIVED)}


def test_creating_a_contract_creates_its_term_end_maximum_extent_and_decide_by_milestones():
    contract = make_contract(
        reference="MK-2027", start_date=date(2027, 3, 1), initial_term_months=60, max_extent_date=date(2034, 2, 28)
    )

    milestones = derived(contract)

    assert set(milestones) == {"term_end", "max_extent", "option_decision:1", "option_decision:2"}
    assert milestones["term_end"].due_on == date(2032, 2, 29)
    assert milestones["term_end"].title == "MK-2027: current term ends"
    assert milestones["max_extent"].due_on == date(2034, 2, 28)
    assert all(m.status == Milestone.Status.SCHEDULED for m in milestones.values())
    assert all(m.is_all_day for m in milestones.values())


def test_a_framework_gets_a_framework_end_milestone_instead_of_a_term_end():
    framework = make_contract(kind="framework", option_months=(), start_date=date(2020, 3, 1), initial_term_months=84)

    assert set(derived(framework)) == {"framework_end"}
    assert derived(framework)["framework_end"].due_on == date(2027, 2, 28)


def test_the_decide_by_date_is_the_option_start_less_six_months_notice_and_eight_weeks_approval():
    # Option 1 starts 1 March 2032; 6 months' notice: 1 September 2031; 8 weeks before: 7 July 2031.
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)

    assert contract.provider_notice_months == 6 and contract.approval_lead_weeks == 8
    assert derived(contract)["option_decision:1"].due_on == date(2031, 7, 7)
    # Option 2 starts 1 March 2033: 1 September 2032 less 8 weeks.
    assert derived(contract)["option_decision:2"].due_on == date(2032, 7, 7)


def test_changing_the_provider_notice_period_moves_the_decide_by_date():
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)

    contract.provider_notice_months = 3
    contract_save(contract=contract, officer=None, reason="Notice period corrected")

    # 1 March 2032 less 3 months is 1 December 2031; less 8 weeks is 6 October 2031.
    assert derived(contract)["option_decision:1"].due_on == date(2031, 10, 6)


def test_changing_the_approval_lead_time_moves_the_decide_by_date():
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)

    contract.approval_lead_weeks = 12
    contract_save(contract=contract, officer=None, reason="Cabinet needs longer")

    # 1 September 2031 less 12 weeks.
    assert derived(contract)["option_decision:1"].due_on == date(2031, 6, 9)


def test_recomputing_twice_creates_no_duplicates_and_no_new_history():
    contract = make_contract(max_extent_date=date(2034, 2, 28))
    before = Milestone.objects.count()
    history_before = Milestone.history.count()

    milestones_sync_for_contract(contract=contract)
    milestones_sync_for_contract(contract=contract)

    assert Milestone.objects.count() == before == 4
    assert Milestone.history.count() == history_before


def test_changing_the_contract_start_moves_its_derived_milestones():
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)

    contract.start_date = date(2027, 4, 1)
    contract_save(contract=contract, officer=None, reason="Start moved by Cabinet")

    milestones = derived(contract)
    assert milestones["term_end"].due_on == date(2032, 3, 31)
    # Option 1 now starts 1 April 2032: 1 October 2031 less 8 weeks.
    assert milestones["option_decision:1"].due_on == date(2031, 8, 6)
    assert milestones["term_end"].history.latest().history_change_reason == "Recomputed from the contract"


def test_a_derived_milestone_edited_by_hand_keeps_its_date_when_the_contract_changes():
    officer = make_user(role=roles.OFFICER)
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)
    term_end = derived(contract)["term_end"]

    milestone_update(milestone=term_end, officer=officer, due_on=date(2032, 1, 31), title="Term ends (agreed early)")
    term_end.refresh_from_db()
    assert term_end.edited_by_hand

    contract.start_date = date(2027, 6, 1)
    contract_save(contract=contract, officer=None, reason="Start moved")

    term_end.refresh_from_db()
    assert term_end.due_on == date(2032, 1, 31)
    assert term_end.title == "Term ends (agreed early)"
    assert contract.milestones.filter(derived_key="term_end").count() == 1


def test_a_derived_milestone_given_a_new_owner_still_follows_the_contract():
    officer, owner = make_user(role=roles.OFFICER), make_user(role=roles.OFFICER)
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)
    term_end = derived(contract)["term_end"]

    milestone_update(milestone=term_end, officer=officer, owner=owner, description="Check the exit plan")
    contract.start_date = date(2027, 6, 1)
    contract_save(contract=contract, officer=None, reason="Start moved")

    term_end.refresh_from_db()
    assert not term_end.edited_by_hand
    assert term_end.owner == owner
    assert term_end.due_on == date(2032, 5, 31)


def test_a_derived_milestone_marked_met_is_not_moved_by_a_contract_change():
    officer = make_user(role=roles.OFFICER)
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)
    decision = derived(contract)["option_decision:1"]
    milestone_set_status(
        milestone=decision,
        status=Milestone.Status.MET,
        met_on=date(2031, 6, 30),
        officer=officer,
        today=date(2031, 7, 1),
    )

    contract.provider_notice_months = 3
    contract_save(contract=contract, officer=None, reason="Notice period corrected")

    decision.refresh_from_db()
    assert decision.status == Milestone.Status.MET
    assert decision.met_on == date(2031, 6, 30)
    assert decision.due_on == date(2031, 7, 7)
    # The unmet one still follows the contract.
    assert derived(contract)["option_decision:2"].due_on == date(2032, 10, 6)


def test_exercising_an_option_marks_its_decision_milestone_met_on_the_decision_date():
    contract = make_contract(start_date=date(2024, 4, 1), initial_term_months=36)
    first = contract.options.get(sequence=1)

    option_exercise(
        option=first,
        officer=None,
        decision_date=date(2026, 11, 19),
        reason="Good performance",
        today=date(2026, 11, 22),
    )

    decision = derived(contract)["option_decision:1"]
    assert decision.status == Milestone.Status.MET
    assert decision.met_on == date(2026, 11, 19)
    # The exercised option moved the end of the term, and the term-end milestone with it.
    assert derived(contract)["term_end"].due_on == date(2028, 3, 31)


def test_declining_an_option_lapses_the_later_ones_and_cancels_their_decision_milestones():
    contract = make_contract(start_date=date(2024, 4, 1), initial_term_months=36, option_months=(12, 12, 12))
    first = contract.options.get(sequence=1)

    option_decline(option=first, officer=None, decision_date=date(2026, 11, 19), reason="Re-tender instead")

    assert list(contract.options.order_by("sequence").values_list("status", flat=True)) == [
        ExtensionOption.Status.DECLINED,
        ExtensionOption.Status.LAPSED,
        ExtensionOption.Status.LAPSED,
    ]
    milestones = derived(contract)
    assert milestones["option_decision:1"].status == Milestone.Status.MET
    assert milestones["option_decision:1"].met_on == date(2026, 11, 19)
    assert milestones["option_decision:2"].status == Milestone.Status.CANCELLED
    assert milestones["option_decision:3"].status == Milestone.Status.CANCELLED
    assert milestones["term_end"].status == Milestone.Status.SCHEDULED


# --- time of day: entered, stored and shown in London time -------------------------------


def test_a_time_of_day_is_read_on_the_24_hour_clock():
    assert parse_time_of_day("12:00").hour == 12
    assert parse_time_of_day("9:30").minute == 30
    assert parse_time_of_day(" 09.30 ").hour == 9
    for bad in ("25:00", "12:60", "12", "1200", "12:00pm", "12am", "13pm", "0am", "teatime", ""):
        with pytest.raises(ValueError):
            parse_time_of_day(bad)


def test_a_time_of_day_is_read_as_the_pages_write_it_too():
    assert parse_time_of_day("11:59pm") == time(23, 59)
    assert parse_time_of_day("9am") == time(9, 0)
    assert parse_time_of_day("9.30 a.m.") == time(9, 30)
    assert parse_time_of_day("Midday") == parse_time_of_day("noon") == time(12, 0)
    assert parse_time_of_day("midnight") == time(0, 0)


def test_noon_in_winter_is_noon_utc_and_noon_in_summer_is_eleven_utc():
    noon = parse_time_of_day("12:00")
    assert london_datetime(date(2026, 3, 12), noon).astimezone(UTC) == datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
    assert london_datetime(date(2027, 3, 29), noon).astimezone(UTC) == datetime(2027, 3, 29, 11, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused():
    # The clocks go forward at 01:00 GMT on Sunday 28 March 2027.
    with pytest.raises(ValueError):
        london_datetime(date(2027, 3, 28), parse_time_of_day("01:30"))


def add_timed_milestone(client, contract, day: date, at: str):
    return client.post(
        reverse("commissioning:milestone-create") + f"?contract={contract.pk}",
        {
            "title": "Tender clarification questions due",
            "kind": "tender_deadline",
            "due_date_day": str(day.day),
            "due_date_month": str(day.month),
            "due_date_year": str(day.year),
            "due_time": at,
        },
    )


@time_machine.travel("2026-11-22 10:00:00+00:00", tick=False)
def test_a_noon_deadline_after_the_clocks_go_forward_is_stored_as_11_utc_and_shown_as_noon(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()

    response = add_timed_milestone(client, contract, date(2027, 3, 29), "12:00")

    assert response.status_code == 302
    milestone = Milestone.objects.get(title="Tender clarification questions due")
    assert milestone.due_at == datetime(2027, 3, 29, 11, 0, tzinfo=UTC)
    assert milestone.due_on == date(2027, 3, 29)
    page = client.get(response.url).content.decode()
    assert "29 March 2027 at midday" in page
    assert "11:00" not in page
    tab = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "29 March 2027 at midday" in tab


@time_machine.travel("2026-11-22 10:00:00+00:00", tick=False)
def test_a_noon_deadline_in_winter_is_stored_as_noon_utc(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()

    add_timed_milestone(client, contract, date(2026, 3, 12), "12:00")

    milestone = Milestone.objects.get(title="Tender clarification questions due")
    assert milestone.due_at == datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
    assert "12 March 2026 at midday" in client.get(milestone.get_absolute_url()).content.decode()


@time_machine.travel("2026-11-22 10:00:00+00:00", tick=False)
def test_a_late_evening_summer_time_keeps_its_london_date(client):
    # 23:30 BST on 30 June is 22:30 UTC the same day; 00:30 BST on 1 July is 23:30 UTC on 30 June.
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()

    add_timed_milestone(client, contract, date(2027, 7, 1), "00:30")

    milestone = Milestone.objects.get(title="Tender clarification questions due")
    assert milestone.due_at == datetime(2027, 6, 30, 23, 30, tzinfo=UTC)
    assert milestone.due_on == date(2027, 7, 1)
    assert "1 July 2027 at 12:30am" in client.get(milestone.get_absolute_url()).content.decode()
