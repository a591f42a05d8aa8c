"""The UK1 pipeline notice (s.93): an authority expecting to pay over £100m in the financial year
lists its procurements over £2m planned for the next 18 months, within 56 days of 1 April."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from commissioning.models import Milestone
from notices import duties, services
from notices.models import Duty
from tests.factories import (
    make_buyer,
    make_contract,
    make_cycle,
    make_milestone,
    make_user,
)


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_the_uk1_is_due_by_26_may_and_covers_18_months(year):
    assert duties.pipeline_due(date(year, 4, 1)) == date(year, 5, 26)
    assert duties.pipeline_period(date(year, 4, 1)) == (date(year, 4, 1), date(year + 1, 9, 30))


PIPELINE = [
    # (value, tender published, planned tender, listed, why)
    (Decimal("4400000"), None, date(2026, 7, 6), True, "Milton Keynes: £4.4m, tender expected 6 July 2026"),
    (Decimal("2000000"), None, date(2026, 7, 6), False, "£2m exactly is not over £2m"),
    (Decimal("2500000"), None, date(2027, 9, 30), True, "the period's last day"),
    (Decimal("2500000"), None, date(2027, 10, 1), False, "after the 18 months"),
    (Decimal("2500000"), date(2026, 3, 1), date(2026, 7, 6), False, "tender already published before the year began"),
    (Decimal("2500000"), None, None, False, "no planned tender date: cannot be placed"),
    (None, None, date(2026, 7, 6), False, "no estimated value"),
]


@pytest.mark.parametrize(("value", "published", "planned", "listed", "why"), PIPELINE, ids=[row[4] for row in PIPELINE])
def test_which_procurements_the_pipeline_lists(value, published, planned, listed, why):
    assert (
        duties.in_pipeline(
            date(2026, 4, 1), value_with_vat=value, tender_published_on=published, planned_tender_on=planned
        )
        is listed
    )


@pytest.mark.django_db
def test_recording_expected_spend_over_100m_plans_the_uk1_on_each_cycle_it_must_list():
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        council = make_buyer(name="Milton Keynes City Council")
        old = make_contract(buyer=council, start_date=date(2022, 3, 1), initial_term_months=60, option_months=())
        big = make_cycle(
            name="Domestic abuse support 2027",
            replaces=[old],
            estimated_value=Decimal("4400000"),
            target_start_date=date(2027, 3, 1),
        )
        make_milestone(
            cycle=big, title="Next procurement notice expected", kind=Milestone.Kind.NOTICE, due_on=date(2026, 7, 6)
        )
        small = make_cycle(
            name="Sanctuary scheme",
            replaces=[old],
            estimated_value=Decimal("900000"),
            target_start_date=date(2027, 3, 1),
        )
        make_milestone(cycle=small, title="Tender notice", kind=Milestone.Kind.NOTICE, due_on=date(2026, 7, 6))

        services.authority_spend_save(
            buyer=council,
            financial_year_start=date(2026, 4, 1),
            expected_spend=Decimal("150000000"),
            officer=make_user(),
        )

        uk1 = Duty.objects.get(cycle=big, key="UK1:2026")
        assert uk1.due_on == date(2026, 5, 26)
        assert uk1.title == "List Domestic abuse support 2027 in the UK1 pipeline notice for 2026-27"
        assert uk1.milestone.due_on == date(2026, 5, 26)
        assert not Duty.objects.filter(cycle=small).exists()


@pytest.mark.django_db
def test_an_authority_expecting_100m_or_less_has_no_pipeline_duty():
    council = make_buyer()
    old = make_contract(buyer=council, start_date=date(2022, 3, 1), initial_term_months=60, option_months=())
    cycle = make_cycle(replaces=[old], estimated_value=Decimal("4400000"))
    make_milestone(cycle=cycle, title="Tender notice", kind=Milestone.Kind.NOTICE, due_on=date(2026, 7, 6))

    services.authority_spend_save(
        buyer=council, financial_year_start=date(2026, 4, 1), expected_spend=Decimal("100000000"), officer=None
    )

    assert not Duty.objects.filter(cycle=cycle).exists()


@pytest.mark.django_db
def test_a_financial_year_must_start_on_1_april():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.authority_spend_save(
            buyer=make_buyer(), financial_year_start=date(2026, 1, 1), expected_spend=Decimal("1"), officer=None
        )
    assert refused.value.message_dict == {"financial_year_start": ["A financial year starts on 1 April"]}


@pytest.mark.django_db
def test_an_officer_records_expected_spend_on_the_pipeline_page_and_sees_the_date(client):
    from django.urls import reverse

    from contracts import roles

    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        council = make_buyer(name="Milton Keynes City Council")
        client.force_login(make_user(role=roles.OFFICER))

        bad = client.post(
            reverse("notices:pipeline-create"), {"buyer": council.pk, "year": "26", "expected_spend": "150000000"}
        )
        assert "Enter 2025 or later" in bad.content.decode()

        response = client.post(
            reverse("notices:pipeline-create"), {"buyer": council.pk, "year": "2026", "expected_spend": "150,000,000"}
        )
        assert "Enter the amount as a number" in response.content.decode()
        client.post(
            reverse("notices:pipeline-create"), {"buyer": council.pk, "year": "2026", "expected_spend": "150000000"}
        )

        page = client.get(reverse("notices:pipeline")).content.decode()
        assert "Milton Keynes City Council: 2026-27" in page
        assert "Due by 26 May 2026" in page
