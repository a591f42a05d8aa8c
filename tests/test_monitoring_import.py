"""Importing a provider's KPI return from CSV: problems name their row and column, and a file
with any problem changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts import roles
from reports import kpi_csv
from reports.models import KpiResult, MonitoringReturn
from reports.services import monitoring_returns_import
from tests.factories import make_contract, make_user

GOOD = (
    "year,quarter,service,indicator,unit,target,actual,better\n"
    "2016/17,Q3,One Stop,New referrals responded to within 24 hours,%,100,100%,higher\n"
    "2016/17,Q3,Refuge,Refuge occupancy,%,90,99,\n"
    "2016/17,Q3,Refuge,Average length of stay,months,,10,\n"
    "2016/17,Q2,One Stop,New referrals responded to within 24 hours,%,100,98,\n"
    '2016/17,Q3,Fresh Start,Waiting time for the programme,weeks,6,"1,2",lower\n'
)


def problems(text: str) -> list[str]:
    with pytest.raises(kpi_csv.KpiFileError) as caught:
        kpi_csv.parse(text)
    return [str(problem) for problem in caught.value.problems]


# --- the parser ---------------------------------------------------------------------------


def test_a_good_file_gives_one_line_per_result_with_its_quarter_and_numbers():
    lines = kpi_csv.parse(GOOD.replace('"1,2"', "12"))

    first = lines[0]
    assert (first.row, first.year, first.quarter, first.service, first.unit) == (2, 2016, 3, "One Stop", "percent")
    assert (first.target, first.actual, first.higher_is_better) == (Decimal("100"), Decimal("100"), True)
    assert lines[2].target is None
    assert (lines[4].unit, lines[4].higher_is_better) == ("weeks", False)


def test_columns_may_come_in_any_order_and_any_case_and_a_spreadsheet_byte_order_mark_is_ignored():
    text = kpi_csv.decode("\ufeffActual,Indicator,Unit,Quarter,Year\n99,Refuge occupancy,%,3,2016-17\n".encode())

    (line,) = kpi_csv.parse(text)

    assert (line.name, line.actual, line.year, line.quarter, line.service) == (
        "Refuge occupancy",
        Decimal("99"),
        2016,
        3,
        "",
    )


def test_each_bad_cell_is_named_by_its_row_and_column():
    text = (
        "year,quarter,service,indicator,unit,target,actual\n"
        "2016/17,Q3,Refuge,Refuge occupancy,%,90,ninety-nine\n"
        "2016/18,Q5,Refuge,,litres,,\n"
    )

    assert problems(text) == [
        "Row 2, column 'actual': enter a number, for example 99 (the file has 'ninety-nine')",
        "Row 3, column 'year': enter a financial year such as 2016/17 (the file has '2016/18')",
        "Row 3, column 'quarter': enter a quarter from Q1 to Q4 (the file has 'Q5')",
        "Row 3, column 'indicator': is empty; enter what the indicator measures",
        "Row 3, column 'unit': enter %, number, days, weeks, months or £ (the file has 'litres')",
        "Row 3, column 'actual': is empty; enter the figure achieved, for example 99",
    ]


def test_a_missing_or_misspelt_column_is_named_in_the_first_row():
    assert problems("year,quarter,indicator,unit,acutal\n2016/17,3,x,%,1\n") == [
        "Row 1, column 'acutal': is not a column this import reads; the columns are year, quarter, service, indicator, unit, target, actual, better",
        "Row 1, column 'actual': is missing from the first row",
    ]


def test_the_same_indicator_twice_in_a_quarter_names_both_rows():
    text = "year,quarter,service,indicator,unit,actual\n2016/17,3,Refuge,Occupancy,%,99\n\n2016/17,3,refuge,occupancy,%,98\n"

    assert problems(text) == [
        "Row 4, column 'indicator': 'occupancy' is already given for this quarter and service in row 2"
    ]


def test_an_empty_file_a_header_alone_and_a_non_utf8_file_are_refused_with_a_reason():
    assert problems("") == ["The file is empty"]
    assert problems("year,quarter,indicator,unit,actual\n\n") == ["The file has a header row but no results"]
    with pytest.raises(kpi_csv.KpiFileError) as caught:
        kpi_csv.decode("year,quarter\n2016/17,3 \xa3".encode("cp1252"))
    assert "save it as 'CSV UTF-8'" in str(caught.value)


def test_more_decimal_places_than_the_database_keeps_is_a_problem_not_a_rounding():
    text = "year,quarter,indicator,unit,actual\n2016/17,3,Occupancy,%,99.125\n"

    assert problems(text) == ["Row 2, column 'actual': use at most two decimal places (the file has '99.125')"]


# --- the import ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_a_file_makes_one_return_per_quarter_with_its_results():
    contract = make_contract()

    outcome = monitoring_returns_import(contract=contract, data=GOOD.encode(), officer=None)

    assert [(r.year, r.quarter, r.source) for r in MonitoringReturn.objects.order_by("quarter")] == [
        (2016, 2, "imported"),
        (2016, 3, "imported"),
    ]
    q3 = MonitoringReturn.objects.get(quarter=3)
    assert [r.name for r in q3.results.order_by("position")] == [
        "New referrals responded to within 24 hours",
        "Refuge occupancy",
        "Average length of stay",
        "Waiting time for the programme",
    ]
    assert q3.results.get(name="Waiting time for the programme").actual == Decimal("12")
    assert (outcome.returns_created, outcome.results_created) == (2, 5)


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    contract = make_contract()
    monitoring_returns_import(contract=contract, data=GOOD.encode(), officer=None)
    history_rows = KpiResult.history.count()

    outcome = monitoring_returns_import(contract=contract, data=GOOD.encode(), officer=None)

    assert (outcome.results_created, outcome.results_changed, outcome.results_unchanged) == (0, 0, 5)
    assert KpiResult.history.count() == history_rows
    assert KpiResult.objects.count() == 5


@pytest.mark.django_db
def test_a_corrected_file_replaces_the_quarters_results():
    contract = make_contract()
    monitoring_returns_import(contract=contract, data=GOOD.encode(), officer=None)
    corrected = "year,quarter,service,indicator,unit,target,actual\n2016/17,Q3,Refuge,Refuge occupancy,%,90,97\n"

    outcome = monitoring_returns_import(contract=contract, data=corrected.encode(), officer=None)

    q3 = MonitoringReturn.objects.get(quarter=3)
    assert [(r.name, r.actual) for r in q3.results.all()] == [("Refuge occupancy", Decimal("97"))]
    assert (outcome.results_changed, outcome.results_removed) == (1, 3)
    assert MonitoringReturn.objects.get(quarter=2).results.count() == 1


@pytest.mark.django_db
def test_a_file_with_one_bad_row_saves_nothing_at_all():
    contract = make_contract()
    bad = GOOD + "2016/17,Q4,Refuge,Refuge occupancy,%,90,lots\n"

    with pytest.raises(kpi_csv.KpiFileError):
        monitoring_returns_import(contract=contract, data=bad.encode(), officer=None)

    assert not MonitoringReturn.objects.exists()
    assert not KpiResult.objects.exists()


# --- the upload page ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_upload_page_shows_each_problem_beside_the_field_and_in_the_summary(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()
    bad = "year,quarter,indicator,unit,actual\n2016/17,Q3,Refuge occupancy,%,ninety\n"

    response = client.post(
        reverse("reports:kpi-import", args=[contract.pk]),
        {"file": SimpleUploadedFile("q3.csv", bad.encode(), content_type="text/csv")},
    )

    text = response.content.decode()
    message = "Row 2, column &#x27;actual&#x27;: enter a number, for example 99 (the file has &#x27;ninety&#x27;)"
    assert response.status_code == 200
    assert text.count(message) == 2  # the error summary and beside the field
    assert 'class="govuk-error-summary"' in text
    assert not MonitoringReturn.objects.exists()


@pytest.mark.django_db
def test_an_officer_uploads_a_good_file_and_sees_the_kpis_on_the_contracts_performance_page(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()

    response = client.post(
        reverse("reports:kpi-import", args=[contract.pk]),
        {"file": SimpleUploadedFile("q3.csv", GOOD.encode(), content_type="text/csv")},
        follow=True,
    )

    text = " ".join(response.content.decode().split())
    assert "2 quarters imported: 5 KPI results added, 0 changed, 0 unchanged" in text
    assert "Refuge occupancy</th>" in text
    assert "2016/17 Q2</th>" in text and "2016/17 Q3</th>" in text


@pytest.mark.django_db
def test_a_viewer_cannot_import_or_add_returns(client):
    client.force_login(make_user(role=roles.VIEWER))
    contract = make_contract()

    upload = client.post(
        reverse("reports:kpi-import", args=[contract.pk]),
        {"file": SimpleUploadedFile("q3.csv", GOOD.encode(), content_type="text/csv")},
    )

    assert upload.status_code == 403
    assert client.get(reverse("reports:return-create", args=[contract.pk])).status_code == 403
    assert not MonitoringReturn.objects.exists()
    page = client.get(reverse("reports:performance", args=[contract.pk])).content.decode()
    assert "Import a provider" not in page and "Add a return" not in page
