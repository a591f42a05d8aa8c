"""The date a contract was signed, from the officer or a notice's plan, moves its Procurement Act duties."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from commissioning.models import Milestone
from notices import services
from notices.models import Duty, Notice
from tests.factories import make_contract, make_cycle, make_milestone, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield


def under_the_act(contract, fts_id="021111-2026"):
    Notice.objects.create(notice_type="UK4", fts_notice_id=fts_id, published_at="2026-06-02T12:00:00Z").contracts.add(
        contract
    )
    services.duties_sync_for_contract(contract=contract)
    return Duty.objects.get(contract=contract, key="UK7")


def test_until_it_is_signed_uk7_counts_from_the_planned_signing_date_in_the_cycle_timetable():
    contract = make_contract(
        reference="MK-DASS-2027",
        ocid="ocds-h6vhtk-0000aa",
        is_light_touch=True,
        total_value=Decimal("4400000"),
        value_includes_vat=True,
    )
    cycle = make_cycle(ocid="ocds-h6vhtk-0000aa", team=contract.team)
    make_milestone(cycle=cycle, title="Contract signed", kind=Milestone.Kind.AWARD, due_on=date(2026, 12, 1))

    uk7 = under_the_act(contract)

    assert uk7.due_on == date(2027, 3, 30)
    assert "the planned signing date ('Contract signed' in the timetable of" in uk7.basis
    assert "Provisional" in uk7.note
    assert uk7.milestone.due_on == date(2027, 3, 30)


def test_recording_the_date_signed_moves_uk7_and_its_milestone_and_it_is_no_longer_provisional():
    contract = make_contract(
        reference="MK-DASS-2027", is_light_touch=True, total_value=Decimal("4400000"), value_includes_vat=True
    )
    uk7 = under_the_act(contract)
    assert uk7.due_on == date(2027, 6, 28)  # provisional: from the start, 1 March 2027

    contract.date_signed = date(2026, 12, 1)
    contract._history_user = make_user()
    contract.save()
    services.duties_sync_for_contract(contract=contract)

    uk7.refresh_from_db()
    assert uk7.due_on == date(2027, 3, 30)
    assert uk7.milestone.due_on == date(2027, 3, 30)
    assert "1 December 2026, the day the contract was entered into (signed)" in uk7.basis
    assert uk7.note == ""


def test_a_50000_contract_gets_only_the_below_threshold_notice():
    contract = make_contract(
        start_date=date(2026, 4, 1),
        initial_term_months=24,
        option_months=(12,),
        total_value=Decimal("50000"),
        value_includes_vat=True,
    )
    under_the_act(contract)

    assert list(Duty.objects.filter(contract=contract).values_list("key", "title")) == [
        ("UK7", f"Publish the below-threshold contract details notice for {contract.reference}")
    ]


def test_a_contract_notices_date_signed_fills_in_the_date_and_moves_uk7():
    from tests.ocds_helpers import (
        CLEVELAND_OCID,
        cleveland_release,
        import_bytes,
        later,
        make_seed_buyers,
    )

    _, opcc = make_seed_buyers()
    contract = make_contract(
        reference="CLE-VSRP-2027", ocid=CLEVELAND_OCID, buyer=opcc, start_date=date(2027, 4, 1), initial_term_months=24
    )
    import_bytes(cleveland_release())
    assert Duty.objects.get(contract=contract, key="UK7").due_on == date(2027, 4, 30)  # from the start, provisional

    release = later(cleveland_release(), when="2027-02-20T10:00:00Z", notice_id="050505-2027", notice_type="UK6")
    release["contracts"] = [{"id": "1", "awardID": "1", "dateSigned": "2027-02-15T00:00:00Z"}]
    [outcome] = import_bytes(release)

    contract.refresh_from_db()
    assert contract.date_signed == date(2027, 2, 15)
    assert contract.history.first().history_change_reason == "Date signed from the notice (dateSigned)"
    assert Duty.objects.get(contract=contract, key="UK7").due_on == date(
        2027, 3, 16
    )  # 30 days beginning with 15 February
    assert any("signed on 15 February 2027" in change for change in outcome.changes)


def test_a_notice_does_not_overwrite_the_date_signed_an_officer_recorded():
    contract = make_contract(reference="X-1", date_signed=date(2027, 2, 1))
    changes = services.contract_date_signed_from_notice(contracts=[contract], signed=[date(2027, 2, 15)], officer=None)
    contract.refresh_from_db()
    assert contract.date_signed == date(2027, 2, 1)
    assert changes == ["The notice says X-1 was signed on 15 February 2027; the tracker keeps 1 February 2027"]


def test_when_the_planned_signing_date_moves_the_unsigned_contracts_uk7_follows_at_the_cycles_next_sync():
    from commissioning.services import milestone_update

    contract = make_contract(
        ocid="ocds-h6vhtk-0000bb", is_light_touch=True, total_value=Decimal("4400000"), value_includes_vat=True
    )
    cycle = make_cycle(ocid="ocds-h6vhtk-0000bb", team=contract.team)
    signing = make_milestone(cycle=cycle, title="Contract signed", kind=Milestone.Kind.AWARD, due_on=date(2026, 12, 1))
    under_the_act(contract)

    milestone_update(milestone=signing, officer=make_user(), reason="Cabinet moved", due_on=date(2027, 1, 15))
    services.duties_sync_for_cycle(cycle=cycle)

    assert Duty.objects.get(contract=contract, key="UK7").due_on == date(2027, 5, 14)


def edit_form_data(contract, user, **changes):
    """What the contract's edit page would post back unchanged, with ``changes`` applied."""
    from contracts.forms import ContractForm
    from contracts.widgets import GovukDateField

    form = ContractForm(instance=contract, user=user)
    data = {}
    for name, field in form.fields.items():
        value = changes.get(name, form[name].value())
        if isinstance(field, GovukDateField):
            if value:
                value = value if isinstance(value, date) else date.fromisoformat(str(value))
                data.update({f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year})
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def test_an_officer_records_the_date_signed_on_the_contract_form_and_uk7_follows(client):
    from django.urls import reverse

    from contracts import roles

    officer = make_user(role=roles.OFFICER)
    contract = make_contract(reference="MK-DASS-2027", is_light_touch=True, total_value=Decimal("4400000"))
    under_the_act(contract)
    client.force_login(officer)

    response = client.post(
        reverse("contracts:edit", args=[contract.pk]),
        edit_form_data(
            contract,
            officer,
            date_signed=date(2026, 12, 1),
            value_includes_vat="yes",
            change_reason="Signed at Cabinet",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    contract.refresh_from_db()
    assert (contract.date_signed, contract.value_includes_vat) == (date(2026, 12, 1), True)
    assert Duty.objects.get(contract=contract, key="UK7").due_on == date(2027, 3, 30)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "1 December 2026" in page
    assert "Public contract above the threshold (light-touch regime)" in page
