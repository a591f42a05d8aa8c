"""Every UK publisher's releases import: Find a Tender, Contracts Finder, Public Contracts Scotland,
Sell2Wales, each Procurement Act notice type, and OCDS 1.0 and versioned data named for what they are."""

import io
import json
import shutil

import pytest
import time_machine
from django.core.management import call_command

from contracts.models import Organisation
from notices.models import Notice, OrganisationIdentifier, Release
from notices.ocds import jsontext, schema
from notices.ocds.loader import Outcome
from notices.ocds.parser import OCDS_1_0, VERSIONED, check_release
from notices.ocds.reader import read_releases
from tests.factories import make_team
from tests.ocds_helpers import import_bytes
from tests.ocds_publishers import (
    awarded,
    contracts_finder,
    find_a_tender,
    ocds_1_0,
    public_contracts_scotland,
    sell2wales,
    versioned,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def team():
    return make_team(name="Domestic abuse commissioning team")


def statuses(outcomes) -> list[str]:
    return [outcome.status for outcome in outcomes]


# --- the schema ---------------------------------------------------------------------------


def test_the_schema_merges_each_extension_after_those_it_declares():
    ordered, missing = schema.extension_order()

    # The renewal and communication extensions declare the lots extension: it comes first.
    assert ordered.index("lots") < ordered.index("renewal")
    assert ordered.index("lots") < ordered.index("communication") < ordered.index("uk")
    # submissionTerms (the lots' submission terms) and location are in the repository, before the UK extension.
    assert ordered.index("lots") < ordered.index("submissionTerms") < ordered.index("uk")
    assert ordered.index("location") < ordered.index("uk")
    # The UK extension's other dependencies, and the lots extension's finance, are in the repository too.
    for name in ("bid", "otherRequirements", "performanceFailures", "subcontracting", "suitability"):
        assert ordered.index(name) < ordered.index("uk")
    assert ordered.index("finance") < ordered.index("lots")
    # Declared, not in the search index this repository's copies came from: listed, so the gap is visible.
    assert missing == ["awardCriteria", "techniques"]


def _uses_the_uk_extensions_dependencies(release: dict) -> dict:
    """Fields Find a Tender's award notices fill from the extensions the UK extension depends on."""
    release["bids"] = {"statistics": [{"id": "1", "measure": "bids", "value": 3, "relatedLot": "1"}]}
    release["tender"]["otherRequirements"] = {"reservedParticipation": ["publicServiceMissionOrganization"]}
    release["tender"]["lots"][0]["suitability"] = {"sme": True, "vcse": True}
    release["awards"][0].update(hasSubcontracting=True, subcontracting={"description": "Out-of-hours helpline"})
    release["contracts"][0]["finance"] = [{"id": "1", "source": "Home Office grant"}]
    return release


def test_fields_of_the_extensions_the_uk_extension_depends_on_are_checked_not_waved_through():
    release = _uses_the_uk_extensions_dependencies(awarded("UK6"))
    assert check_release(release) == []
    # Each field is defined (Find a Tender's tender.legalBasis is the legalBasis extension's, not declared here).
    assert schema.additional_fields(release) == schema.additional_fields(awarded("UK6")) == ["$.tender.legalBasis"]

    release["bids"]["statistics"][0]["value"] = "three"
    release["awards"][0]["subcontracting"]["maximumPercentage"] = 40
    release["tender"]["lots"][0]["suitability"]["sme"] = "yes"
    release["contracts"][0]["finance"][0]["id"] = 1

    problems = " ".join(str(problem) for problem in check_release(release))

    for path in (
        "$.bids.statistics[0].value",
        "$.awards[0].subcontracting.maximumPercentage",
        "$.tender.lots[0].suitability.sme",
        "$.contracts[0].finance[0].id",
    ):
        assert path in problems, path


def test_a_definition_no_extension_in_the_repository_provides_is_accepted_not_a_traceback(tmp_path):
    shutil.copytree(schema.SCHEMA_DIR, tmp_path / "schema")
    for name in ("submissionTerms", "location"):
        shutil.rmtree(tmp_path / "schema" / "extensions" / name)

    assert set(schema.unchecked_definitions(tmp_path / "schema")) == {"Location", "SubmissionTerms"}


def test_the_lots_submission_terms_are_checked_against_their_extension():
    assert schema.unchecked_definitions() == []
    release = public_contracts_scotland()
    assert check_release(release) == []
    release["tender"]["lots"][0]["submissionTerms"] = {"electronicSubmissionPolicy": "by fax"}

    [problem] = check_release(release)

    assert "$.tender.lots[0].submissionTerms.electronicSubmissionPolicy" in str(problem)


def test_scottish_and_welsh_lots_with_submission_terms_import(team):
    Organisation.objects.create(name="Glenbrae Council", role="buyer")
    outcomes = import_bytes([public_contracts_scotland(), sell2wales()], team=team, create_buyers=True)

    assert statuses(outcomes) == [Outcome.IMPORTED, Outcome.IMPORTED]
    assert Release.objects.count() == 2


def test_a_fault_in_the_schema_itself_refuses_the_release_with_a_message(team, monkeypatch):
    from jsonschema import Draft4Validator

    broken = Draft4Validator({"properties": {"tender": {"$ref": "#/definitions/Nowhere"}}})
    monkeypatch.setattr("notices.ocds.parser.release_validator", lambda: broken)

    [outcome] = import_bytes(find_a_tender(), team=team, create_buyers=True)

    assert outcome.status == Outcome.REFUSED
    assert "could not be checked against the OCDS schema" in outcome.problems[0]
    assert not Release.objects.exists()


# --- release ids --------------------------------------------------------------------------


def test_two_procurements_may_have_releases_with_the_same_id(team):
    first, second = find_a_tender(number=1), find_a_tender(number=2)
    first["id"] = second["id"] = "1"

    outcomes = import_bytes([first, second], team=team, create_buyers=True)

    assert statuses(outcomes) == [Outcome.IMPORTED, Outcome.IMPORTED]
    assert sorted(Release.objects.values_list("ocid", flat=True)) == [first["ocid"], second["ocid"]]


def test_the_same_release_of_the_same_procurement_is_still_already_imported(team):
    release = find_a_tender()

    outcomes = import_bytes([release, release], team=team, create_buyers=True)

    assert statuses(outcomes) == [Outcome.IMPORTED, Outcome.UNCHANGED]


# --- the file's format --------------------------------------------------------------------


def test_a_pretty_printed_package_with_one_release_a_line_is_one_package():
    releases = [json.loads(jsontext.dumps(contracts_finder(number=n))) for n in (1, 2, 3)]
    text = '{"uri": "https://example.org/p", "version": "1.1",\n"releases": [\n'
    text += ",\n".join(json.dumps(r) for r in releases[:2]) + ",\n" + json.dumps(releases[2]) + "\n]}\n"

    items = list(read_releases(io.BytesIO(text.encode())))

    assert [(item.location, item.error) for item in items] == [
        ("$.releases[0]", None),
        ("$.releases[1]", None),
        ("$.releases[2]", None),
    ]


def test_a_package_whose_first_line_is_a_whole_object_is_still_one_package():
    release = json.loads(jsontext.dumps(contracts_finder()))
    text = json.dumps({"uri": "u", "releases": [release]}) + "\n"

    [item] = read_releases(io.BytesIO(text.encode()))

    assert item.location == "$.releases[0]"


# --- buyers by any identifier -------------------------------------------------------------


def test_a_contracts_finder_buyer_is_matched_by_its_gb_cfs_identifier(team):
    council = Organisation.objects.create(name="Borsetshire CC", role="buyer")
    OrganisationIdentifier.objects.create(organisation=council, scheme="GB-CFS", identifier="40721")

    [outcome] = import_bytes(contracts_finder(), team=team)

    assert outcome.status == Outcome.IMPORTED
    assert Release.objects.get().buyer == council


def test_a_buyer_is_matched_by_its_company_number_or_charity_number(team):
    association = Organisation.objects.create(name="Cwm HA", role="buyer", company_number="01234567")
    council = Organisation.objects.create(name="Glenbrae", role="buyer", charity_number="SC000001")

    outcomes = import_bytes([sell2wales(), public_contracts_scotland()], team=team)

    assert statuses(outcomes) == [Outcome.IMPORTED, Outcome.IMPORTED]
    assert [r.buyer for r in Release.objects.order_by("date")] == [association, council]


def test_an_unknown_buyer_without_a_ppon_is_refused_naming_its_identifiers(team):
    [outcome] = import_bytes(contracts_finder(), team=team)

    assert outcome.status == Outcome.REFUSED
    assert (
        "no organisation in the tracker has the identifier GB-CFS 40721 (Borsetshire County Council)"
        in outcome.problems[0]
    )


def test_create_buyers_adds_a_buyer_with_every_identifier_it_has_and_finds_it_next_time(team):
    outcomes = import_bytes(
        [public_contracts_scotland(number=1), public_contracts_scotland(number=2)], team=team, create_buyers=True
    )

    assert statuses(outcomes) == [Outcome.IMPORTED, Outcome.IMPORTED]
    council = Organisation.objects.get()
    assert (council.name, council.charity_number) == ("Glenbrae Council", "SC000001")
    assert list(council.identifiers.values_list("scheme", "identifier")) == [("GB-LAS", "GLB")]
    assert "Added the buyer Glenbrae Council (GB-LAS GLB, GB-SC SC000001)" in outcomes[0].changes


def test_the_command_with_create_buyers_imports_a_contracts_finder_file(team, tmp_path):
    path = tmp_path / "cf.json"
    path.write_bytes(
        jsontext.dumps({"uri": "u", "releases": [contracts_finder(number=1), contracts_finder(number=2)]}).encode()
    )
    out = io.StringIO()

    call_command("import_ocds", str(path), "--team", team.name, "--create-buyers", stdout=out)

    assert "2 imported, 0 already imported, 0 refused" in out.getvalue()
    assert Organisation.objects.get().identifiers.get().identifier == "40721"


# --- 1.0, versioned and compiled releases -------------------------------------------------


def test_a_versioned_release_is_refused_with_one_message_saying_what_it_is(team):
    [outcome] = import_bytes(versioned(find_a_tender()), team=team, create_buyers=True)

    assert outcome.status == Outcome.REFUSED
    assert len(outcome.problems) == 1
    assert outcome.problems[0].endswith(f"$: {VERSIONED}")


def test_an_ocds_1_0_release_is_refused_with_one_message_saying_to_upgrade_it(team):
    [outcome] = import_bytes(ocds_1_0(contracts_finder()), team=team, create_buyers=True)

    assert outcome.status == Outcome.REFUSED
    assert outcome.problems == [
        f"release {ocds_1_0(contracts_finder())['id']} ({contracts_finder()['ocid']}): $: {OCDS_1_0}"
    ]


def test_a_compiled_release_in_a_record_package_is_read(team):
    compiled = {**find_a_tender(), "tag": ["compiled"]}
    package = {
        "uri": "u",
        "records": [
            {
                "ocid": compiled["ocid"],
                "releases": [{"url": "https://x/1", "date": compiled["date"]}],
                "compiledRelease": compiled,
            }
        ],
    }

    [outcome] = import_bytes(package, team=team, create_buyers=True)

    assert outcome.status == Outcome.IMPORTED


# --- errors that name the right place -----------------------------------------------------


def test_a_latin_1_file_is_refused_at_its_first_bad_byte(team):
    text = jsontext.dumps({"uri": "u", "releases": [contracts_finder(number=n) for n in range(1, 40)]})
    position = text.index("children") + 8  # "children's": the apostrophe, as a Latin-1 file would hold an é
    data = text[:position].encode() + "é".encode("latin-1") + text[position + 1 :].encode()

    outcomes = import_bytes(data, team=team, create_buyers=True)

    assert outcomes[-1].status == Outcome.UNREADABLE
    assert f"byte {position + 1:,} (e9" in outcomes[-1].problems[0]
    assert "Latin-1" in outcomes[-1].problems[0]


def test_an_unknown_currency_names_the_codelist_rather_than_listing_it(team):
    release = contracts_finder()
    release["tender"]["value"]["currency"] = "QQQ"

    [outcome] = import_bytes(release, team=team, create_buyers=True)

    [problem] = outcome.problems
    assert problem.endswith("$.tender.value.currency: 'QQQ' is not one of the 302 codes OCDS allows for currency")


# --- every notice type --------------------------------------------------------------------


@pytest.mark.parametrize("notice_type", [f"UK{n}" for n in range(1, 18)])
def test_every_procurement_act_notice_type_imports_as_its_notice(team, notice_type):
    number = int(notice_type[2:])

    [outcome] = import_bytes(find_a_tender(notice_type, number=number), team=team, create_buyers=True)

    assert outcome.status == Outcome.IMPORTED
    assert Notice.objects.get().notice_type == notice_type


def test_the_command_reports_its_progress_when_asked(team, tmp_path, monkeypatch):
    monkeypatch.setattr("notices.management.commands.import_ocds.PROGRESS_EVERY", 2)
    path = tmp_path / "cf.json"
    path.write_bytes(
        jsontext.dumps({"uri": "u", "releases": [contracts_finder(number=n) for n in range(1, 5)]}).encode()
    )
    err = io.StringIO()

    call_command(
        "import_ocds",
        str(path),
        "--team",
        team.name,
        "--create-buyers",
        "--progress",
        "--quiet",
        stdout=io.StringIO(),
        stderr=err,
    )

    lines = err.getvalue().splitlines()
    assert [line.split(" a second")[0].rsplit(" (", 1)[0] for line in lines] == [
        "2 of 4 releases read (50%): 2 imported, 0 refused",
        "4 of 4 releases read (100%): 4 imported, 0 refused",
    ]
    assert lines[0].endswith("left)") and lines[1].endswith("under a minute left)")


def test_pretty_printed_releases_one_after_another_are_streamed_not_taken_for_json_lines():
    first, second = (jsontext.dumps(contracts_finder(number=n), indent=2) for n in (1, 2))

    items = list(read_releases(io.BytesIO(f"{first}\n{second}\n".encode())))

    assert [(item.location, item.error) for item in items] == [("$", None), ("value 2: $", None)]


# --- issue 20's bullets not proved elsewhere ------------------------------------------------


def test_a_supplier_is_matched_by_its_charity_number_or_any_other_scheme_not_only_a_ppon(team):
    Organisation.objects.create(name="Anytown BC", role="buyer", ppon_id="PABC-1234-DEFG")
    trust = Organisation.objects.create(name="Safe Haven", role="provider", charity_number="1100001")
    award = awarded("UK7")

    outcomes = import_bytes([find_a_tender("UK4"), award], team=team)  # no organisation may be added

    assert statuses(outcomes) == [Outcome.IMPORTED, Outcome.IMPORTED]
    from contracts.models import Contract

    assert Contract.objects.get().provider == trust
    assert Organisation.objects.count() == 2

    # The same supplier known only by a Contracts Finder identifier (an OrganisationIdentifier).
    trust.charity_number = ""
    trust.save()
    OrganisationIdentifier.objects.create(organisation=trust, scheme="GB-CFS", identifier="S-77")
    later = awarded("UK7", when="2026-09-01T09:00:00+01:00", amount="490000")
    later["parties"][1]["identifier"] = {"scheme": "GB-CFS", "id": "S-77"}
    assert statuses(import_bytes(later, team=team)) == [Outcome.IMPORTED]
    assert Contract.objects.get().provider == trust


def test_the_upload_page_imports_scottish_and_welsh_lots_with_submission_terms_not_a_500(client, team):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from contracts import roles
    from tests.factories import make_user

    client.force_login(make_user(role=roles.OFFICER, teams=[team]))
    package = {"uri": "u", "releases": [public_contracts_scotland(), sell2wales()]}

    response = client.post(
        reverse("notices:import"),
        {
            "file": SimpleUploadedFile("pcs.json", jsontext.dumps(package).encode()),
            "team": team.pk,
            "create_buyers": "on",
        },
    )

    assert response.status_code == 200
    assert Release.objects.count() == 2
    assert "2 imported" in " ".join(response.content.decode().split()) or "Imported" in response.content.decode()


@pytest.mark.parametrize("layout", ["package", "json lines"])
def test_a_bad_byte_deep_in_a_large_file_is_reported_at_its_own_position(team, layout):
    long = contracts_finder(number=1)
    long["tender"]["description"] = "Refuge accommodation. " * 60_000  # over a megabyte: read in pieces
    releases = [long, contracts_finder(number=2)]
    if layout == "package":
        text = jsontext.dumps({"uri": "u", "releases": releases})
    else:
        text = "".join(jsontext.dumps(release) + "\n" for release in releases)
    position = text.rindex("children") + 8  # in the second release, past the first megabyte
    data = text[:position].encode() + "é".encode("latin-1") + text[position + 1 :].encode()
    assert position > 1_048_576

    outcomes = import_bytes(data, team=team, create_buyers=True)

    assert outcomes[-1].status == Outcome.UNREADABLE
    assert f"byte {position + 1:,} (e9" in outcomes[-1].problems[0]
