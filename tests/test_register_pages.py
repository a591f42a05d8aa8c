"""The officer pages: what a signed-in officer sees and can do, and what others cannot."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import roles
from contracts.models import Contract, ExtensionOption
from tests.factories import make_contract, make_organisation, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

# Every page is looked at on one fixed day, so "days to end" and phases are predictable.


def signed_in(client, role):
    user = make_user(role=role, first_name="Olivia", last_name=f"Okafor-{role}")
    client.force_login(user)
    return user


def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(client):
    contract = make_contract()
    option = contract.options.first()
    for url in [
        reverse("home"),
        reverse("contracts:register"),
        reverse("contracts:create"),
        reverse("contracts:detail", args=[contract.pk]),
        reverse("contracts:edit", args=[contract.pk]),
        reverse("contracts:option-create", args=[contract.pk]),
        reverse("contracts:option-exercise", args=[contract.pk, option.pk]),
        reverse("contracts:option-decline", args=[contract.pk, option.pk]),
    ]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("login") + "?next="), url


def test_the_sign_in_page_signs_an_officer_in(client):
    make_user(username="olivia", role=roles.OFFICER, password="a-long-enough-password")
    page = client.get(reverse("login"))
    assert "Sign in" in page.content.decode()
    response = client.post(reverse("login"), {"username": "olivia", "password": "a-long-enough-password"})
    assert response.status_code == 302
    assert client.get(reverse("contracts:register")).status_code == 200


def test_a_viewer_reads_but_cannot_change_anything(client):
    contract = make_contract()
    option = contract.options.first()
    signed_in(client, roles.VIEWER)
    assert client.get(reverse("contracts:register")).status_code == 200
    page = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "Edit contract details" not in page
    assert "Exercise" not in page
    refused = [
        client.get(reverse("contracts:create")),
        client.post(reverse("contracts:create"), {"reference": "X1"}),
        client.post(reverse("contracts:edit", args=[contract.pk]), {"title": "Changed"}),
        client.post(reverse("contracts:option-create", args=[contract.pk]), {"length_months": "12"}),
        client.post(
            reverse("contracts:option-exercise", args=[contract.pk, option.pk]),
            {"decision_date_day": "1", "decision_date_month": "1", "decision_date_year": "2026", "reason": "x"},
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    option.refresh_from_db()
    contract.refresh_from_db()
    assert option.status == ExtensionOption.Status.AVAILABLE
    assert contract.title != "Changed"
    assert not Contract.objects.filter(reference="X1").exists()


def test_the_register_shows_each_contract_with_its_status_end_date_and_options_left(client):
    make_contract(
        reference="ASC0013",
        title="Comprehensive support services",
        start_date=date(2014, 9, 1),
        initial_term_months=36,
        option_months=(24,),
        option_statuses=("exercised",),
        provider=make_organisation(name="MK ACT"),
    )
    make_contract(reference="MK-2027", title="Domestic abuse support 2027", provider=None)
    signed_in(client, roles.VIEWER)
    page = client.get(reverse("contracts:register")).content.decode()
    assert "ASC0013" in page and "MK ACT" in page and "31 August 2019" in page and "Expired" in page
    assert "MK-2027" in page and "29 February 2032" in page and "Planned" in page
    assert "Not yet awarded" in page


def test_the_register_filters_by_status_and_ending_within(client):
    make_contract(reference="ENDS-SOON", start_date=date(2024, 4, 1), initial_term_months=36)  # 31 Mar 2027
    make_contract(reference="ENDS-LATER", start_date=date(2026, 4, 1), initial_term_months=60)
    make_contract(reference="ENDED", start_date=date(2020, 4, 1), initial_term_months=36)
    signed_in(client, roles.VIEWER)
    page = client.get(reverse("contracts:register"), {"ending_within": "6"}).content.decode()
    assert "ENDS-SOON" in page and "ENDS-LATER" not in page and "ENDED" not in page
    page = client.get(reverse("contracts:register"), {"status": "expired"}).content.decode()
    assert "ENDED" in page and "ENDS-SOON" not in page
    # A hand-edited filter value is ignored rather than breaking the page.
    assert client.get(reverse("contracts:register"), {"status": "nonsense", "page": "x"}).status_code == 200


def test_the_register_sorts_by_reference_both_ways(client):
    for reference in ("B-2", "A-1", "C-3"):
        make_contract(reference=reference)
    signed_in(client, roles.VIEWER)
    page = client.get(reverse("contracts:register"), {"sort": "reference"}).content.decode()
    assert page.index("A-1") < page.index("B-2") < page.index("C-3")
    page = client.get(reverse("contracts:register"), {"sort": "reference", "order": "desc"}).content.decode()
    assert page.index("C-3") < page.index("B-2") < page.index("A-1")


def register_queries(client, count):
    team = make_contract().team
    provider = make_organisation()
    Contract.objects.all().delete()
    for _ in range(count):
        make_contract(team=team, provider=provider, option_statuses=("exercised", "available"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("contracts:register"), {"sort": "provider", "status": "active"})
    assert response.status_code == 200
    return len(queries)


def test_the_register_needs_the_same_number_of_queries_for_10_and_40_contracts(client):
    signed_in(client, roles.VIEWER)
    # 40 fill more than one page of 25.
    assert register_queries(client, 10) == register_queries(client, 40)


def test_an_officer_adds_a_contract_and_the_end_date_is_computed(client):
    officer = signed_in(client, roles.OFFICER)
    contract = make_contract()  # provides a team and a buyer to choose
    response = client.post(
        reverse("contracts:create"),
        {
            "reference": "NEW-1",
            "title": "Sanctuary scheme",
            "kind": "contract",
            "service_category": "sanctuary",
            "buyer": contract.buyer.pk,
            "team": contract.team.pk,
            "funding_source": "core_budget",
            "start_date_day": "1",
            "start_date_month": "3",
            "start_date_year": "2027",
            "initial_term_months": "60",
        },
    )
    assert response.status_code == 302
    created = Contract.objects.get(reference="NEW-1")
    assert created.current_end_date == date(2032, 2, 29)
    assert created.history.latest().history_user == officer


def test_a_contract_with_bad_dates_and_values_shows_errors_and_is_not_saved(client):
    signed_in(client, roles.OFFICER)
    contract = make_contract()
    response = client.post(
        reverse("contracts:create"),
        {
            "reference": "BAD-1",
            "title": "Refuge",
            "kind": "contract",
            "service_category": "refuge",
            "buyer": contract.buyer.pk,
            "team": contract.team.pk,
            "funding_source": "core_budget",
            "start_date_day": "31",
            "start_date_month": "2",
            "start_date_year": "2027",
            "initial_term_months": "36",
            "annual_value": "-5",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter a real date" in page
    assert "Enter an amount of £0 or more" in page
    assert not Contract.objects.filter(reference="BAD-1").exists()


def test_editing_a_date_needs_a_reason_which_the_history_tab_shows_with_the_officers_name(client):
    signed_in(client, roles.OFFICER)
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)
    form = {
        "title": contract.title,
        "kind": contract.kind,
        "service_category": contract.service_category,
        "buyer": contract.buyer.pk,
        "provider": contract.provider.pk,
        "team": contract.team.pk,
        "funding_source": contract.funding_source,
        "start_date_day": "1",
        "start_date_month": "4",
        "start_date_year": "2027",
        "initial_term_months": "60",
    }
    refused = client.post(reverse("contracts:edit", args=[contract.pk]), form)
    assert "Enter the reason for changing the start date" in refused.content.decode()
    contract.refresh_from_db()
    assert contract.start_date == date(2027, 3, 1)

    saved = client.post(
        reverse("contracts:edit", args=[contract.pk]), {**form, "change_reason": "Start moved by Cabinet"}
    )
    assert saved.status_code == 302
    page = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "Olivia Okafor-officer" in page
    assert "Start moved by Cabinet" in page
    assert "Start date: 1 March 2027 → 1 April 2027" in page
    assert "Current end date: 29 February 2032 → 31 March 2032" in page


def test_an_officer_exercises_an_option_and_sees_the_new_end_date(client):
    signed_in(client, roles.OFFICER)
    contract = make_contract(start_date=date(2024, 4, 1), initial_term_months=36, option_months=(12, 12))
    first, second = contract.options.order_by("sequence")
    confirm = client.get(reverse("contracts:option-exercise", args=[contract.pk, first.pk])).content.decode()
    assert "31 March 2027" in confirm and "31 March 2028" in confirm

    response = client.post(
        reverse("contracts:option-exercise", args=[contract.pk, first.pk]),
        {
            "decision_date_day": "19",
            "decision_date_month": "11",
            "decision_date_year": "2026",
            "decision_reference": "Cabinet 19 November 2026",
            "reason": "Good performance",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Option 1 exercised: the contract now ends on 31 March 2028" in page
    assert "Option 1 exercised: Good performance" in page  # the history tab's reason
    contract.refresh_from_db()
    assert contract.current_end_date == date(2028, 3, 31)


def test_exercising_options_out_of_order_shows_why_and_changes_nothing(client):
    signed_in(client, roles.OFFICER)
    contract = make_contract(start_date=date(2024, 4, 1), initial_term_months=36)
    second = contract.options.get(sequence=2)
    response = client.post(
        reverse("contracts:option-exercise", args=[contract.pk, second.pk]),
        {"decision_date_day": "1", "decision_date_month": "11", "decision_date_year": "2026", "reason": "Skip"},
    )
    assert "Option 1 must be exercised before option 2" in response.content.decode()
    second.refresh_from_db()
    assert second.status == ExtensionOption.Status.AVAILABLE


def test_an_option_of_another_contract_is_not_found(client):
    signed_in(client, roles.OFFICER)
    one, other = make_contract(), make_contract()
    option = other.options.first()
    assert client.get(reverse("contracts:option-exercise", args=[one.pk, option.pk])).status_code == 404
