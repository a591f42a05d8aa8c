"""Document addresses: only http and https are accepted, from an import, the record-a-notice
form or the admin, and only those are ever shown as links."""

import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from notices.models import Notice, Release
from notices.ocds.loader import Outcome
from notices.validators import is_web_address, validate_web_address
from tests.factories import make_contract, make_team, make_user
from tests.ocds_helpers import (
    MK_OCID,
    MK_RELEASE_ID,
    import_bytes,
    make_seed_buyers,
    mk_release,
)

pytestmark = pytest.mark.django_db

NOT_WEB = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://example.org/notice",
    "vbscript:msgbox(1)",
]


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.mark.parametrize("address", NOT_WEB)
def test_an_imported_notice_whose_address_is_not_http_or_https_refuses_its_release(address):
    make_seed_buyers()
    release = mk_release()
    release["planning"]["documents"][1]["url"] = address

    [outcome] = import_bytes(release, team=make_team())

    assert outcome.status == Outcome.REFUSED
    assert outcome.problems == [
        (
            f"release {MK_RELEASE_ID} ({MK_OCID}): $.planning.documents[1].url: '{address}' is not a web address "
            "starting with https:// or http://"
        )
    ]
    assert not Release.objects.exists() and not Notice.objects.exists()


@pytest.mark.parametrize("address", ["javascript:alert(1)", "ftp://example.org/notice"])
def test_the_record_a_notice_form_refuses_an_address_that_is_not_http_or_https(client, address):
    contract = make_contract(reference="MK-1")
    client.force_login(make_user())

    response = client.post(
        reverse("notices:notice-create") + f"?contract={contract.pk}",
        {
            "notice_type": "UK7",
            "published_on_day": "1",
            "published_on_month": "4",
            "published_on_year": "2026",
            "url": address,
        },
    )

    assert response.status_code == 200
    assert "Enter a web address starting with https:// or http://" in response.content.decode()
    assert not Notice.objects.exists()


@pytest.mark.parametrize("address", NOT_WEB)
def test_the_model_refuses_it_too_so_the_admin_does(address):
    notice = Notice(notice_type="UK2", published_at="2026-01-02T12:00:00Z", url=address)

    with pytest.raises(ValidationError) as error:
        notice.full_clean()

    assert error.value.message_dict["url"] == ["Enter a web address starting with https:// or http://"]


def test_an_address_stored_before_the_rule_is_shown_as_text_never_as_a_link(client):
    notice = Notice.objects.create(notice_type="UK2", published_at="2026-01-02T12:00:00Z", url="javascript:alert(1)")
    client.force_login(make_user())

    page = client.get(reverse("notices:notice-detail", args=[notice.pk])).content.decode()

    assert "javascript:alert(1) (not a web address, so not shown as a link)" in page
    assert not re.search(r'href="\s*javascript:', page, re.IGNORECASE)


def test_an_https_address_is_a_link():
    assert is_web_address("https://www.find-tender.service.gov.uk/Notice/017566-2026")
    assert is_web_address("http://example.org/x")
    validate_web_address("https://www.find-tender.service.gov.uk/Notice/017566-2026")
    assert not any(is_web_address(address) for address in NOT_WEB)


def test_the_notice_page_links_an_https_address(client):
    address = "https://www.find-tender.service.gov.uk/Notice/017566-2026"
    notice = Notice.objects.create(notice_type="UK2", published_at="2026-01-02T12:00:00Z", url=address)
    client.force_login(make_user())

    page = client.get(reverse("notices:notice-detail", args=[notice.pk])).content.decode()

    assert f'href="{address}"' in page


def test_an_address_stored_before_the_rule_is_left_out_of_the_ocds_export():
    from notices.ocds import exporter

    contract = make_contract(reference="MK-1", ocid=MK_OCID)
    Notice.objects.create(
        notice_type="UK2", fts_notice_id="011111-2026", published_at="2026-01-02T12:00:00Z", url="javascript:alert(1)"
    ).contracts.add(contract)

    exported = exporter.to_json(
        exporter.release_package([exporter.contract_release(contract)], uri="https://example.org/x")
    )

    assert "011111-2026" in exported
    assert "javascript:" not in exported
