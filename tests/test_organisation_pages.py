"""Buyers and providers: officers add and edit them; viewers only read."""

import pytest
from django.urls import reverse

from contracts import roles
from contracts.models import Organisation
from tests.factories import make_contract, make_organisation, make_user

pytestmark = pytest.mark.django_db


def test_an_officer_adds_a_provider_with_its_identifiers_and_the_history_names_them(client):
    officer = make_user(role=roles.OFFICER, first_name="Olivia", last_name="Okafor")
    client.force_login(officer)
    response = client.post(
        reverse("contracts:organisation-create"),
        {"name": "MK ACT", "role": "provider", "ppon_id": "gb-ppon-abcd-1234-efgh", "is_vcse": "on"},
    )
    provider = Organisation.objects.get(name="MK ACT")
    assert response.url == reverse("contracts:organisation-detail", args=[provider.pk])
    assert provider.ppon_id == "ABCD-1234-EFGH" and provider.is_vcse and not provider.is_sme
    assert provider.history.latest().history_user == officer


def test_a_ppon_identifier_already_in_use_is_refused_next_to_the_field(client):
    make_organisation(name="Milton Keynes City Council", ppon_id="PLDZ-6131-PWZH", role="buyer")
    client.force_login(make_user(role=roles.OFFICER))
    response = client.post(
        reverse("contracts:organisation-create"), {"name": "Duplicate", "role": "buyer", "ppon_id": "PLDZ-6131-PWZH"}
    )
    page = response.content.decode()
    assert "Milton Keynes City Council already has the PPON identifier PLDZ-6131-PWZH" in page
    assert 'id="id_ppon_id-error"' in page
    assert not Organisation.objects.filter(name="Duplicate").exists()


def test_the_provider_page_lists_its_contracts(client):
    provider = make_organisation(name="MK ACT")
    make_contract(reference="ASC0013", provider=provider)
    client.force_login(make_user(role=roles.VIEWER))
    page = client.get(reverse("contracts:organisation-detail", args=[provider.pk])).content.decode()
    assert "ASC0013" in page and "Edit details" not in page
    listing = client.get(reverse("contracts:organisation-list")).content.decode()
    assert "MK ACT" in listing


def test_a_viewer_cannot_add_or_edit_an_organisation(client):
    provider = make_organisation(name="MK ACT")
    client.force_login(make_user(role=roles.VIEWER))
    assert client.post(reverse("contracts:organisation-create"), {"name": "X", "role": "provider"}).status_code == 403
    assert (
        client.post(
            reverse("contracts:organisation-edit", args=[provider.pk]), {"name": "Renamed", "role": "provider"}
        ).status_code
        == 403
    )
    provider.refresh_from_db()
    assert provider.name == "MK ACT" and not Organisation.objects.filter(name="X").exists()
