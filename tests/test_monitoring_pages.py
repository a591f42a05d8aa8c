"""Entering a quarter's monitoring return and its KPI results by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from contracts import roles
from reports.models import KpiResult, MonitoringReturn
from tests.factories import make_contract, make_team, make_user
from tests.report_helpers import add_return

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return " ".join(response.content.decode().split())


def test_an_officer_adds_a_return_for_a_quarter(client):
    officer = make_user(role=roles.OFFICER)
    client.force_login(officer)
    contract = make_contract()

    response = client.post(
        reverse("reports:return-create", args=[contract.pk]),
        {
            "financial_year": "2016/17",
            "quarter": "3",
            "received_on_day": "20",
            "received_on_month": "1",
            "received_on_year": "2017",
        },
    )

    monitoring_return = MonitoringReturn.objects.get()
    assert response.url == monitoring_return.get_absolute_url()
    assert (monitoring_return.year, monitoring_return.quarter, monitoring_return.contract) == (2016, 3, contract)
    assert monitoring_return.history.get().history_user == officer
    assert "1 October 2016 to 31 December 2016" in page(client.get(response.url))


def test_a_second_return_for_the_same_quarter_is_refused_beside_the_quarter(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()
    add_return(contract, year=2016, quarter=3)

    response = client.post(
        reverse("reports:return-create", args=[contract.pk]), {"financial_year": "2016-17", "quarter": "3"}
    )

    assert "There is already a return for 2016/17 Q3: change that one instead" in page(response)
    assert MonitoringReturn.objects.count() == 1


def test_a_financial_year_that_does_not_follow_on_is_an_error_not_a_guess(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()

    response = client.post(
        reverse("reports:return-create", args=[contract.pk]), {"financial_year": "2016/18", "quarter": "3"}
    )

    assert "Enter the financial year as two years, for example 2016/17" in page(response)
    assert not MonitoringReturn.objects.exists()


def test_an_officer_adds_a_kpi_with_a_target_and_the_return_shows_it_met(client):
    client.force_login(make_user(role=roles.OFFICER))
    monitoring_return = add_return(make_contract())

    client.post(
        reverse("reports:kpi-create", args=[monitoring_return.pk]),
        {
            "service": "Refuge",
            "name": "Refuge occupancy",
            "unit": "percent",
            "target": "90",
            "actual": "99",
            "higher_is_better": "on",
        },
    )

    result = KpiResult.objects.get()
    assert (result.target, result.actual, result.met) == (Decimal("90"), Decimal("99"), True)
    assert (
        'Refuge occupancy</th> <td class="govuk-table__cell govuk-table__cell--numeric">90%</td> <td class="govuk-table__cell govuk-table__cell--numeric">99%</td> <td class="govuk-table__cell">Met</td>'
        in page(client.get(monitoring_return.get_absolute_url()))
    )


def test_a_kpi_where_lower_is_better_is_not_met_above_its_target():
    monitoring_return = add_return(make_contract())
    result = KpiResult.objects.create(
        monitoring_return=monitoring_return,
        name="Waiting time",
        unit="weeks",
        target=6,
        actual=8,
        higher_is_better=False,
    )

    assert result.met is False


def test_a_kpi_actual_that_is_not_a_number_is_shown_beside_the_field(client):
    client.force_login(make_user(role=roles.OFFICER))
    monitoring_return = add_return(make_contract())

    response = client.post(
        reverse("reports:kpi-create", args=[monitoring_return.pk]),
        {"name": "Refuge occupancy", "unit": "percent", "actual": "most"},
    )

    assert page(response).count("Enter a number, for example 99") == 2
    assert not KpiResult.objects.exists()


def test_only_a_manager_removes_a_kpi_result(client):
    monitoring_return = add_return(make_contract(), results=[("Refuge", "Refuge occupancy", "percent", 90, 99)])
    result = KpiResult.objects.get()

    client.force_login(make_user(role=roles.OFFICER))
    edit = reverse("reports:kpi-edit", args=[result.pk])
    assert "Remove this result" not in page(client.get(edit))
    assert client.post(edit, {"action": "remove"}).status_code == 403
    assert KpiResult.objects.exists()
    client.force_login(make_user(role=roles.MANAGER))
    assert "Remove this result" in page(client.get(edit))
    assert client.post(edit, {"action": "remove"}).url == monitoring_return.get_absolute_url()
    assert not KpiResult.objects.exists()


def test_another_teams_returns_are_not_found(client):
    monitoring_return = add_return(make_contract())
    client.force_login(make_user(role=roles.MANAGER, teams=[make_team()]))

    assert client.get(monitoring_return.get_absolute_url()).status_code == 404
    assert client.get(reverse("reports:performance", args=[monitoring_return.contract_id])).status_code == 404


def test_the_contract_page_links_to_its_performance_and_reports(client):
    client.force_login(make_user(role=roles.VIEWER))
    contract = make_contract()

    text = page(client.get(reverse("contracts:detail", args=[contract.pk])))

    assert (
        f'<a class="govuk-link" href="/reports/contracts/{contract.pk}/performance/">Monitoring returns, KPIs' in text
    )
