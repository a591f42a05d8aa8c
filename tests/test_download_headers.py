"""Issue 15: a contract reference cannot change what a download is saved as.

``Content-Disposition`` used to interpolate the reference between quotes, so a reference of
``X"; filename*=UTF-8''evil.html; a="`` made the browser save the decision report as
``evil.html``. Every download header is now built by Django's ``content_disposition_header``
from a file name of safe characters only, and new references are checked when saved; the
header is safe for a bad reference already in the database too.
"""

from __future__ import annotations

from email.message import Message

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import roles, services
from contracts.models import Contract
from reports.services import rendered_report_store
from tests.factories import build_contract, make_contract, make_team, make_user
from tests.report_helpers import make_asc0013_like_contract, make_asc0013_like_report

pytestmark = pytest.mark.django_db

EVIL = "ASC0013\"; filename*=UTF-8''evil.html; a=\""


def disposition(response) -> tuple[str, dict[str, str]]:
    """The disposition and its parameters, read as a mail client or browser following RFC 6266 would."""
    message = Message()
    message["Content-Disposition"] = response["Content-Disposition"]
    kind, *params = message.get_params(header="Content-Disposition")
    return kind[0], dict(params)


def assert_saved_as(response, kind: str, extension: str) -> str:
    assert response.status_code == 200, response.status_code
    found, params = disposition(response)
    assert found == kind
    assert set(params) == {"filename"}, response["Content-Disposition"]
    name = params["filename"]
    assert name.endswith(extension) and ".html" not in name, name
    assert all(character.isalnum() or character in "-_." for character in name), name
    return name


@pytest.fixture
def team():
    return make_team(name="Domestic abuse team")


@pytest.fixture
def evil_contract(team):
    """A reference saved before references were checked: old data the header must survive."""
    return make_asc0013_like_contract(reference=EVIL, team=team)


def test_the_report_pdf_is_saved_as_a_pdf_whatever_the_contract_reference(client, team, evil_contract):
    report = make_asc0013_like_report(contract=evil_contract)
    client.force_login(make_user(role=roles.VIEWER, teams=[team]))

    # Issue 23: the PDF is a download (attachment), not opened in the browser.
    name = assert_saved_as(client.get(reverse("reports:pdf", args=[report.pk])), "attachment", ".pdf")

    assert name.startswith("ASC0013-") and name.endswith("-extension-2017-03-14.pdf")


def test_the_meeting_pack_pdf_is_saved_as_a_pdf_whatever_the_contract_reference(
    client, team, evil_contract, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    report = make_asc0013_like_report(contract=evil_contract)
    rendered_report_store(report=report, pdf=b"%PDF-1.7")
    client.force_login(make_user(role=roles.VIEWER, teams=[team]))

    assert_saved_as(client.get(reverse("reports:stored-pdf", args=[report.pk])), "attachment", ".pdf")


def test_the_ocds_export_of_a_contract_is_saved_as_json_whatever_its_reference(client, team, evil_contract, settings):
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"  # a contract with no OCID is exported only under the council's prefix
    client.force_login(make_user(role=roles.VIEWER, teams=[team]))

    name = assert_saved_as(
        client.get(reverse("notices:export-contract", args=[evil_contract.pk])), "attachment", ".json"
    )

    assert name.startswith("contract-ASC0013-") and name.endswith("-ocds.json")


def test_a_plain_reference_keeps_its_name_in_the_download(client, team, settings):
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"
    contract = make_asc0013_like_contract(reference="MK-SPF/2020 v2", team=team)
    client.force_login(make_user(role=roles.VIEWER, teams=[team]))

    name = assert_saved_as(client.get(reverse("notices:export-contract", args=[contract.pk])), "attachment", ".json")

    assert name == "contract-MK-SPF-2020-v2-ocds.json"


@pytest.mark.parametrize("reference", [EVIL, "ASC0013<script>", "ASC0013\r\nSet-Cookie: a=b", "A;B", "Ré-2027"])
def test_a_reference_with_other_characters_is_refused_with_a_clear_message(reference):
    contract = build_contract(reference=reference)

    with pytest.raises(ValidationError) as refused:
        services.contract_save(contract=contract, officer=None, reason="New contract")

    assert refused.value.message_dict["reference"] == [
        "Use only letters, digits, spaces and the characters - _ / . in the reference, for example ASC0013"
    ]
    assert not Contract.objects.filter(reference=reference).exists()


@pytest.mark.parametrize("reference", ["ASC0013", "MK-SPF-2020", "CLE-VS-2016", "MK_NBG/IDVA 2025.1", "BN000001"])
def test_references_like_the_demo_data_are_accepted(reference):
    build_contract(reference=reference).full_clean()


def test_the_contract_form_shows_the_reference_error_and_adds_nothing(client, team):
    officer = make_user(role=roles.OFFICER, teams=[team])
    existing = make_contract(team=team)
    client.force_login(officer)

    response = client.post(
        reverse("contracts:create"),
        {
            "reference": EVIL,
            "title": "Sanctuary scheme",
            "kind": "contract",
            "service_category": "sanctuary",
            "buyer": existing.buyer.pk,
            "team": team.pk,
            "funding_source": "core_budget",
            "start_date_day": "1",
            "start_date_month": "3",
            "start_date_year": "2027",
            "initial_term_months": "60",
        },
    )

    assert response.status_code == 200
    assert "Use only letters, digits, spaces and the characters - _ / . in the reference" in response.content.decode()
    assert not Contract.objects.filter(title="Sanctuary scheme").exists()


def test_a_contract_saved_with_a_bad_reference_before_the_check_can_still_be_edited(evil_contract):
    evil_contract.title = "Refuge for women and children"

    services.contract_save(contract=evil_contract, officer=None, reason="Title corrected")

    assert Contract.objects.get(pk=evil_contract.pk).title == "Refuge for women and children"
