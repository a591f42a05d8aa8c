"""UK8 contract payment notices (s.70): the quarters, payments recorded by an officer or
imported from the finance system's CSV, and the duties they plan."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts import roles
from notices import duties, services
from notices.duties import ContractFacts, PaymentFacts
from notices.models import Duty, Notice, Payment
from notices.payments import read_payments_csv
from tests.factories import make_contract, make_team, make_user

# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid_on", "quarter_end", "due"),
    [
        (date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 29)),
        (date(2026, 9, 30), date(2026, 9, 30), date(2026, 10, 29)),
        (date(2026, 11, 15), date(2026, 12, 31), date(2027, 1, 29)),
        (date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 29)),
    ],
)
def test_a_uk8_is_due_30_days_beginning_with_the_last_day_of_the_quarter(paid_on, quarter_end, due):
    assert duties.quarter_end(paid_on) == quarter_end
    assert duties.contract_payment_due(quarter_end) == due


def facts(started: date, *payments: tuple[date, str]) -> ContractFacts:
    return ContractFacts(
        reference="IDVA-2026",
        start=date(2026, 7, 1),
        end=date(2028, 6, 30),
        value=Decimal("900000"),
        value_includes_vat=True,
        procurement_started_on=started,
        payments=tuple(PaymentFacts(day, Decimal(amount)) for day, amount in payments),
    )


def test_one_uk8_for_each_quarter_with_a_payment_over_30000():
    required = duties.contract_payment_duties(
        facts(
            date(2026, 4, 1),
            (date(2026, 7, 3), "30000.00"),  # not over £30,000
            (date(2026, 8, 3), "30000.01"),
            (date(2026, 9, 3), "45000"),
            (date(2026, 12, 1), "12000"),  # a quarter with only small payments
            (date(2027, 1, 5), "75000"),
        )
    )
    assert [(duty.key, duty.due_on) for duty in required] == [
        ("UK8:2026-09-30", date(2026, 10, 29)),
        ("UK8:2027-03-31", date(2027, 4, 29)),
    ]
    assert (
        "2 payments over £30,000 including VAT were made: £30,000.01 on 3 August 2026, £45,000.00 on 3 September 2026"
        in required[0].basis
    )


def test_no_uk8_for_a_procurement_started_before_1_april_2026():
    assert duties.contract_payment_duties(facts(date(2026, 3, 31), (date(2026, 8, 3), "50000"))) == []


# --- the finance system's file ----------------------------------------------------------------

GOOD = b"""Supplier Name,Payment Date,Gross Amount,Contract Reference,Invoice Number
Refuge Trust,03/08/2026,"\xc2\xa345,000.00",IDVA-2026,INV-1
Refuge Trust,2026-09-03,30000.01,idva-2026,INV-2
"""


def test_the_file_is_read_whatever_the_finance_system_calls_its_columns():
    rows, problems = read_payments_csv(GOOD)
    assert problems == []
    assert [
        (row.row, row.supplier, row.paid_on, row.amount, row.contract_reference, row.finance_reference) for row in rows
    ] == [
        (2, "Refuge Trust", date(2026, 8, 3), Decimal("45000.00"), "IDVA-2026", "INV-1"),
        (3, "Refuge Trust", date(2026, 9, 3), Decimal("30000.01"), "idva-2026", "INV-2"),
    ]


def test_every_bad_cell_is_named_by_row_and_column():
    _, problems = read_payments_csv(b"supplier,date,amount,contract\nA,31/02/2026,10,X\n,01/03/2026,ten pounds,X\n")
    assert [str(problem) for problem in problems] == [
        "Row 2, column 'date': '31/02/2026' is not a date like 31/12/2026",
        "Row 3, column 'supplier': enter the supplier",
        "Row 3, column 'amount': 'ten pounds' is not an amount like 40,000.00",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file: is empty"),
        (
            b"supplier,amount\nA,1\n",
            "The file: has no column for the date, contract reference (the first row must name the columns)",
        ),
        (b"supplier,date,amount,contract\n", "The file: has no payments in it"),
        (b"\x00\x01PK\x03\x04", "The file: is not a CSV text file: save it from the spreadsheet as CSV"),
    ],
)
def test_a_file_that_is_not_a_payments_csv_gets_a_clear_message(data, message):
    rows, problems = read_payments_csv(data)
    assert rows == [] and [str(problem) for problem in problems] == [message]


# --- importing and recording --------------------------------------------------------------------


@pytest.fixture
def in_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield


def contract_under_the_act(**fields):
    contract = make_contract(
        reference="IDVA-2026",
        start_date=date(2026, 7, 1),
        initial_term_months=24,
        option_months=(),
        total_value=Decimal("900000"),
        value_includes_vat=True,
        **fields,
    )
    Notice.objects.create(
        notice_type="UK4", fts_notice_id="030303-2026", published_at="2026-04-10T12:00:00Z"
    ).contracts.add(contract)
    services.duties_sync_for_contract(contract=contract)
    return contract


@pytest.mark.django_db
def test_importing_payments_plans_the_uk8_and_importing_again_adds_nothing(in_november_2026):
    contract = contract_under_the_act()
    officer = make_user()

    result = services.payments_import(data=GOOD, contracts=type(contract).objects.all(), officer=officer)
    again = services.payments_import(data=GOOD, contracts=type(contract).objects.all(), officer=officer)

    assert (result.added, result.already_recorded, result.contracts) == (2, 0, ("IDVA-2026",))
    assert (again.added, again.already_recorded) == (0, 2)
    assert Payment.objects.filter(contract=contract).count() == 2
    uk8 = Duty.objects.get(contract=contract, key="UK8:2026-09-30")
    assert uk8.due_on == date(2026, 10, 29)
    assert uk8.milestone.due_on == date(2026, 10, 29)


@pytest.mark.django_db
def test_a_file_with_one_bad_row_imports_nothing(in_november_2026):
    from django.core.exceptions import ValidationError

    contract = contract_under_the_act()
    data = GOOD + b"Refuge Trust,04/09/2026,50000,NOT-OURS,INV-3\nRefuge Trust,04/12/2026,50000,IDVA-2026,INV-4\n"

    with pytest.raises(ValidationError) as refused:
        services.payments_import(
            data=data, contracts=type(contract).objects.filter(pk=contract.pk), officer=make_user()
        )

    assert refused.value.messages == [
        "Row 4, column 'contract reference': no contract NOT-OURS that you can change",
        "Row 5, column 'date': 4 December 2026 is in the future",
    ]
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_an_officer_records_a_payment_and_sees_the_uk8_on_the_contract(client, in_november_2026):
    team = make_team()
    officer = make_user(role=roles.OFFICER, teams=[team])
    contract = contract_under_the_act(team=team)
    client.force_login(officer)

    response = client.post(
        reverse("notices:payment-create", args=[contract.pk]),
        {
            "paid_on_day": "3",
            "paid_on_month": "8",
            "paid_on_year": "2026",
            "amount": "45000",
            "supplier": "Refuge Trust",
        },
    )

    assert response.status_code == 302
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Publish the UK8 contract payment notice for IDVA-2026, quarter ending 30 September 2026" in page
    assert Payment.objects.get().history.first().history_user == officer


@pytest.mark.django_db
def test_a_bad_payments_file_lists_its_problems_and_changes_nothing(client, in_november_2026):
    officer = make_user(role=roles.OFFICER)
    contract_under_the_act()
    client.force_login(officer)

    response = client.post(
        reverse("notices:payments-import"),
        {
            "file": SimpleUploadedFile(
                "payments.csv", b"supplier,date,amount,contract\nRefuge Trust,3/8/2026,lots,IDVA-2026\n", "text/csv"
            )
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "The file has 1 problem; nothing was imported" in page
    assert "Row 2, column &#x27;amount&#x27;: &#x27;lots&#x27; is not an amount like 40,000.00" in page
    assert not Payment.objects.exists()


def test_a_file_with_carriage_returns_for_line_ends_is_read_not_a_crash():
    rows, problems = read_payments_csv(b"supplier,date,amount,contract\rRefuge Trust,01/02/2026,100,X\r")
    assert problems == [] and [(row.row, row.supplier) for row in rows] == [(2, "Refuge Trust")]
