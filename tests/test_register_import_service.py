"""Previewing and importing a register (registers.services): new, changed, unchanged; all rows or none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commissioning.models import Milestone
from contracts import roles
from contracts.models import Contract, ExtensionOption, Organisation
from registers.samples import TRANSPARENCY_HEADERS, csv_bytes, xlsx_bytes
from registers.services import ImportRefused, register_commit, register_preview
from reminders.models import Reminder
from tests.factories import (
    make_buyer,
    make_contract,
    make_organisation,
    make_team,
    make_user,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)

# A council's own register, as its SharePoint list exports it: its own headings.
HEADERS = [
    "Contract Ref",
    "Contract Title",
    "Supplier",
    "Company No.",
    "Start Date",
    "End Date",
    "Extension options",
    "Annual value",
    "Total Contract Value",
]


def register(*rows):
    return csv_bytes(HEADERS, rows, encoding="utf-8-sig")


REFUGE = [
    "DA-001",
    "Women's refuge",
    "Haven Refuge Trust",
    "01234567",
    "01/04/2025",
    "31/03/2030",
    "2 x 12 months",
    "£300k",
    "£1,500,000",
]
IDVA = [
    "DA-002",
    "IDVA crisis intervention",
    "Advocacy Now",
    "",
    "1 Apr 2026",
    "31 Mar 2027",
    "none",
    "£120,000 + VAT",
    "120000",
]


@pytest.fixture
def team():
    team = make_team(name="Domestic abuse team")
    make_contract(reference="OLD-1", team=team, buyer=make_buyer(name="Example Council"), option_months=())
    return team


@pytest.fixture
def officer(team):
    return make_user(username="olivia", first_name="Olivia", last_name="Officer", role=roles.OFFICER, teams=[team])


def test_the_preview_shows_each_row_as_it_will_be_saved_and_writes_nothing(team, officer):
    preview = register_preview(data=register(REFUGE, IDVA), team=team, user=officer)
    assert preview.counts == {"new": 2, "changed": 0, "unchanged": 0, "error": 0}
    refuge = preview.as_dict()["rows"][0]
    assert refuge["reference"] == "DA-001" and refuge["provider"] == "Haven Refuge Trust (new)"
    assert refuge["buyer"] == "Example Council"  # the team's buyer, as no column names one
    assert (refuge["term_months"], refuge["initial_end_date"]) == (60, "2030-03-31")
    assert refuge["options"] == "2 × 12 months" and refuge["max_extent_date"] == "2032-03-31"
    assert (
        preview.as_dict()["rows"][1]["value"] == "£120,000.00 total, £120,000.00 a year (Annual value: excluding VAT)"
    )
    assert preview.can_commit
    assert Contract.objects.count() == 1 and not Organisation.objects.filter(name="Haven Refuge Trust").exists()


def test_committing_saves_contracts_options_history_and_plans_milestones_and_reminders(team, officer):
    summary = register_commit(
        data=register(REFUGE, IDVA), filename="register.csv", team=team, officer=officer, today=TODAY
    )
    refuge = Contract.objects.get(reference="DA-001")
    assert refuge.team == team and refuge.provider.name == "Haven Refuge Trust"
    assert refuge.provider.company_number == "01234567"
    assert refuge.initial_term_months == 60 and refuge.current_end_date == date(2030, 3, 31)
    assert list(refuge.options.values_list("sequence", "length_months")) == [(1, 12), (2, 12)]
    assert refuge.total_value == Decimal("1500000.00") and refuge.annual_value == Decimal("300000.00")
    entry = refuge.history.earliest()
    assert entry.history_change_reason == "Imported from register.csv by Olivia Officer"
    assert entry.history_user == officer
    # Planned exactly as for a contract entered by hand: its end, its options' decisions, reminders.
    kinds = set(Milestone.objects.filter(contract=refuge).values_list("kind", flat=True))
    assert {"term_end", "option_decision"} <= kinds
    assert Reminder.objects.filter(milestone__contract=refuge).exists()
    assert summary["counts"]["new"] == 2
    assert [c["reference"] for c in summary["ending_within_18_months"]] == ["DA-002"]


def test_importing_the_same_file_twice_changes_nothing(team, officer):
    data = register(REFUGE, IDVA)
    register_commit(data=data, filename="register.csv", team=team, officer=officer)
    history = Contract.history.count(), ExtensionOption.history.count(), Organisation.objects.count()
    preview = register_preview(data=data, team=team, user=officer)
    assert preview.counts == {"new": 0, "changed": 0, "unchanged": 2, "error": 0}
    register_commit(data=data, filename="register.csv", team=team, officer=officer)
    assert (Contract.history.count(), ExtensionOption.history.count(), Organisation.objects.count()) == history


def test_an_updated_file_changes_only_what_changed_and_says_so(team, officer):
    register_commit(data=register(REFUGE, IDVA), filename="register.csv", team=team, officer=officer)
    updated = list(IDVA)
    updated[7] = "£130,000"
    preview = register_preview(data=register(REFUGE, updated), team=team, user=officer)
    assert preview.counts == {"new": 0, "changed": 1, "unchanged": 1, "error": 0}
    assert preview.rows[1].changes == ["Annual value: £120,000.00 to £130,000.00"]
    summary = register_commit(data=register(REFUGE, updated), filename="register-q4.csv", team=team, officer=officer)
    assert summary["changed"] == [
        {"row": 3, "reference": "DA-002", "changes": ["Annual value: £120,000.00 to £130,000.00"]}
    ]
    idva = Contract.objects.get(reference="DA-002")
    assert idva.annual_value == Decimal("130000.00")
    assert idva.history.latest().history_change_reason == "Imported from register-q4.csv by Olivia Officer"
    assert Contract.objects.get(reference="DA-001").history.count() == 1


def test_a_row_is_matched_by_ocid_when_its_reference_is_new(team, officer):
    existing = make_contract(reference="MK-DA", team=team, ocid="ocds-h6vhtk-05a7b0", option_months=())
    data = csv_bytes(
        ["Reference", "Title", "OCID", "Start date", "Term (months)"],
        [["MK/DA/2027", "Core services", "ocds-h6vhtk-05a7b0", "01/03/2027", "60"]],
    )
    preview = register_preview(data=data, team=team, user=officer)
    assert preview.rows[0].status == "changed" and preview.rows[0].contract_id == existing.pk


def test_one_bad_row_means_nothing_is_imported_and_every_problem_is_listed(team, officer):
    bad = list(IDVA)
    bad[5] = "31/02/2026"
    with pytest.raises(ImportRefused) as refused:
        register_commit(data=register(REFUGE, bad), filename="register.csv", team=team, officer=officer)
    assert refused.value.problems == ["Row 3, End Date: 31/02/2026 is not a date"]
    assert Contract.objects.count() == 1 and not Organisation.objects.filter(name="Haven Refuge Trust").exists()


def test_a_bad_row_after_rows_already_saved_rolls_them_back_and_lists_every_problem(team, officer, monkeypatch):
    from registers import services

    monkeypatch.setattr(services, "CHUNK", 1)  # row 2 is saved before row 3 is read
    bad = list(IDVA)
    bad[4], bad[5] = "1 Apr 2026", "31/02/2027"
    worse = ["DA-003", *REFUGE[1:4], "soon", *REFUGE[5:]]
    with pytest.raises(ImportRefused) as refused:
        register_commit(data=register(REFUGE, bad, worse), filename="register.csv", team=team, officer=officer)
    assert refused.value.problems == [
        "Row 3, End Date: 31/02/2027 is not a date",
        "Row 4, Start Date: soon is not a date",
    ]
    assert not Contract.objects.filter(reference__startswith="DA-").exists()
    assert not Organisation.objects.filter(name="Haven Refuge Trust").exists()


def test_a_failure_while_saving_undoes_the_rows_already_saved(team, officer, monkeypatch):
    from contracts import services as contract_services

    def fail(*args, **kwargs):
        # The contracts and their options are in; then the database goes away.
        assert Contract.objects.filter(reference__startswith="DA-").count() == 2
        raise RuntimeError("the database went away")

    monkeypatch.setattr(contract_services, "_plan_first_reminders", fail)
    with pytest.raises(RuntimeError):
        register_commit(data=register(REFUGE, IDVA), filename="register.csv", team=team, officer=officer)
    assert not Contract.objects.filter(reference__startswith="DA-").exists()
    assert not Milestone.objects.filter(contract__reference__startswith="DA-").exists()
    assert not Organisation.objects.filter(name="Haven Refuge Trust").exists()


def test_a_row_the_contract_services_refuse_is_named_and_nothing_is_imported(team, officer, monkeypatch):
    from django.core.exceptions import ValidationError

    from contracts import services as contract_services

    def refuse_the_second(*, contracts, **kwargs):
        # A check only the contract services make (the file's own checks passed).
        raise contract_services.ContractRejected(ValidationError("Option 2 would run past its end"), position=1)

    monkeypatch.setattr(contract_services, "contracts_create_many", refuse_the_second)
    with pytest.raises(ImportRefused) as refused:
        register_commit(data=register(REFUGE, IDVA), filename="register.csv", team=team, officer=officer)
    assert refused.value.problems == ["Row 3: Option 2 would run past its end"]
    assert not Organisation.objects.filter(name="Haven Refuge Trust").exists()


def test_the_same_reference_twice_in_a_file_is_an_error_on_the_second(team, officer):
    preview = register_preview(data=register(REFUGE, REFUGE), team=team, user=officer)
    assert [str(p) for p in preview.errors] == ["Row 3, Contract Ref: DA-001 is also on row 2: each contract once"]


def test_a_contract_of_another_team_is_not_changed(team, officer):
    other = make_contract(reference="DA-001", team=make_team(), option_months=())
    preview = register_preview(data=register(REFUGE), team=team, user=officer)
    assert [str(p) for p in preview.errors] == [
        "Row 2, Reference: DA-001 is a contract of another team, or one you may not change"
    ]
    assert Contract.objects.get(pk=other.pk).title != "Women's refuge"


def test_a_near_supplier_is_a_question_until_the_officer_answers_it(team, officer):
    haven = make_organisation(name="Haven Refuge Trust", company_number="")
    near = list(REFUGE)
    near[2], near[3] = "Haven Refuges Trust", ""
    preview = register_preview(data=register(near), team=team, user=officer)
    assert not preview.can_commit and preview.as_dict()["near"] == [
        {
            "key": "haven refuges",
            "name": "Haven Refuges Trust",
            "near": [{"pk": haven.pk, "name": "Haven Refuge Trust"}],
        }
    ]
    register_commit(
        data=register(near),
        filename="r.csv",
        team=team,
        officer=officer,
        organisation_choices={"haven refuges": str(haven.pk)},
    )
    assert Contract.objects.get(reference="DA-001").provider == haven
    assert Organisation.objects.filter(name__startswith="Haven").count() == 1


def test_a_new_supplier_on_several_rows_is_added_once(team, officer):
    second = list(IDVA)
    second[2] = "Haven Refuge Trust"
    register_commit(data=register(REFUGE, second), filename="r.csv", team=team, officer=officer)
    assert Organisation.objects.filter(name="Haven Refuge Trust").count() == 1


def test_a_transparency_code_file_in_windows_1252_imports(team, officer):
    rows = [
        [
            "Example Council",
            "TC-9",
            "Café-based drop-in",
            "Domestic abuse",
            "Drop-in support",
            "Café Trust",
            "",
            "1100001",
            "£60,000",
            "£20,000",
            "£0",
            "01/04/2025",
            "31/03/2028",
            "",
            "Quotation",
            "Yes",
            "Yes",
        ]
    ]
    register_commit(
        data=csv_bytes(TRANSPARENCY_HEADERS, rows, encoding="cp1252"), filename="tc.csv", team=team, officer=officer
    )
    contract = Contract.objects.get(reference="TC-9")
    assert contract.title == "Café-based drop-in" and contract.provider.name == "Café Trust"
    assert contract.procurement_route == "invitation_to_quote" and contract.provider.is_vcse


def test_an_xlsx_with_merged_headers_and_serial_dates_imports(team, officer):
    data = xlsx_bytes(
        ["Reference", "Title", "Start date", "End date", "Name", "Companies House number"],
        [["X-1", "Sanctuary scheme", 45748, "31 Mar 2027", "Safe Homes Ltd", "7654321"], [None] * 6],
        title="Register",
        groups=[("Contract", 1, 4), ("Supplier", 5, 6)],
    )
    register_commit(data=data, filename="register.xlsx", team=team, officer=officer)
    contract = Contract.objects.get(reference="X-1")
    assert contract.start_date == date(2025, 4, 1) and contract.current_end_date == date(2027, 3, 31)
    assert contract.provider.company_number == "7654321" and contract.service_category == "sanctuary"


def test_a_file_with_no_usable_header_is_refused_with_the_reason(team, officer):
    preview = register_preview(data=b"a,b,c\n1,2,3\n", team=team, user=officer)
    assert preview.file_problems and "No header row was found" in preview.file_problems[0]
    assert not preview.can_commit


# --- manage.py import_register ---------------------------------------------------------------


def test_the_command_previews_without_writing_and_commits_with_commit(team, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "register.csv"
    path.write_bytes(register(REFUGE, IDVA))
    out = StringIO()
    call_command("import_register", str(path), team="Domestic abuse team", stdout=out)
    assert "2 new, 0 changed, 0 unchanged, 0 with errors" in out.getvalue()
    assert "Nothing was written" in out.getvalue() and not Contract.objects.filter(reference="DA-001").exists()
    out = StringIO()
    call_command("import_register", str(path), team="Domestic abuse team", commit=True, stdout=out)
    assert "Imported: 2 new, 0 changed. 1 end within 18 months: DA-002" in out.getvalue()
    assert Contract.objects.get(reference="DA-001").history.earliest().history_change_reason == (
        "Imported from register.csv by the import_register command"
    )


def test_the_command_refuses_a_file_with_bad_rows_and_lists_them(team, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    bad = list(REFUGE)
    bad[4] = "sometime"
    path = tmp_path / "register.csv"
    path.write_bytes(register(bad))
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_register", str(path), team="Domestic abuse team", commit=True, stderr=err)
    assert "Row 2, Start Date: sometime is not a date" in err.getvalue()
    assert not Contract.objects.filter(reference="DA-001").exists()


def test_a_file_damaged_part_way_down_is_refused_with_where_it_stopped(team, officer):
    rows = [[f"DA-{n}", *REFUGE[1:]] for n in range(20)]
    data = register(*rows) + b'DA-99,"' + b"x" * 200_000 + b'",Someone,,01/04/2025,31/03/2026,,,\r\n'
    preview = register_preview(data=data, team=team, user=officer)
    assert preview.file_problems == [
        "The file could not be read after row 21: one cell is longer than 131,072 characters"
    ]
    assert not preview.can_commit


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_trackers_own_register_download_imports_back_unchanged(client, team, officer, file_format):
    from django.urls import reverse

    from tests.export_helpers import body, spreadsheet_download

    make_contract(
        reference="DA-9",
        team=team,
        buyer=Contract.objects.get(reference="OLD-1").buyer,
        title="Refuge",
        annual_value=Decimal("524994.00"),
        max_extent_date=date(2034, 2, 28),
    )
    client.force_login(officer)
    url = reverse(f"exports:register-{file_format}")
    # A spreadsheet is made by a worker (exports.services); a CSV streams in the request.
    data = body(spreadsheet_download(client, url) if file_format == "xlsx" else client.get(url))
    preview = register_preview(data=data, team=team, user=officer)
    assert preview.file_problems == [] and preview.errors == []
    assert preview.counts == {"new": 0, "changed": 0, "unchanged": 2, "error": 0}


def test_an_updated_file_that_moves_a_successors_start_names_the_gap_it_opens(officer):
    import time_machine

    from tests.test_cover_pages import milton_keynes

    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        team = officer.teams.first()
        _framework, _children, successor, _cycle = milton_keynes(team=team)
        data = csv_bytes(
            ["Reference", "Title", "Start date", "Initial term (months)"],
            [[successor.reference, successor.title, "01/04/2027", "60"]],
        )
        summary = register_commit(
            data=data, filename="update.csv", team=team, officer=officer, today=date(2026, 11, 22)
        )
    assert summary["changed"][0]["changes"] == ["Start date: 1 March 2027 to 1 April 2027"]
    assert any(
        gap.startswith("Refuge has no contract from 1 to 31 March 2027: MK-DASS-2027 starts on 1 April 2027")
        for gap in summary["gaps_in_cover"]
    ), summary["gaps_in_cover"]


def test_the_importer_leads_the_new_contracts_only_if_they_are_in_the_team(team, officer):
    register_commit(data=register(REFUGE), filename="r.csv", team=team, officer=officer)
    assert Contract.objects.get(reference="DA-001").lead_officer == officer
    admin = make_user(role=roles.ADMIN)  # sees every team, a member of none
    register_commit(data=register(IDVA), filename="r.csv", team=team, officer=admin)
    assert Contract.objects.get(reference="DA-002").lead_officer is None
