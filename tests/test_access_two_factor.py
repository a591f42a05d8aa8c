"""Two-step verification with an authenticator app (TOTP) for managers and admins."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from contracts import roles
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def test_a_manager_turns_it_on_and_every_later_sign_in_asks_for_the_code(client):
    start = timezone.now()
    make_user(username="mo", role=roles.MANAGER)
    with time_machine.travel(start, tick=False):
        sign_in(client, "mo")
        page = client.get(reverse("two-factor-setup")).content.decode()
        assert 'src="data:image/svg+xml;base64,' in page
        device = TOTPDevice.objects.get(user__username="mo", confirmed=False)
        wrong = "000000" if code_for(device) != "000000" else "111111"
        assert "not right" in client.post(reverse("two-factor-setup"), {"code": wrong}).content.decode()
    with time_machine.travel(start + timedelta(seconds=5), tick=False):  # past the throttle's pause
        turned_on = client.post(reverse("two-factor-setup"), {"code": code_for(device)})
        assert turned_on.status_code == 200 and "Your recovery codes" in turned_on.content.decode()
        client.post(reverse("logout"))

    # A minute later (a code is only good once): sign in again.
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        sign_in(client, "mo")
        held = client.get(reverse("contracts:register"))
        assert held.status_code == 302 and held.url.startswith(reverse("two-factor-verify"))
        assert "Enter all 6 digits" in client.post(held.url, {"code": "123"}).content.decode()
        device.refresh_from_db()
        right = client.post(held.url, {"code": code_for(device)})
        assert right.status_code == 302 and right.url == reverse("contracts:register")
        assert client.get(reverse("contracts:register")).status_code == 200


def test_without_a_device_a_manager_is_not_held_up(client):
    make_user(username="mo", role=roles.MANAGER)
    sign_in(client, "mo")
    assert client.get(reverse("contracts:register")).status_code == 200


def test_an_admin_must_set_it_up_when_it_is_required(client, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    make_user(username="ada", role=roles.ADMIN)
    sign_in(client, "ada")
    response = client.get(reverse("contracts:register"))
    assert response.status_code == 302 and response.url == reverse("two-factor-setup")


def test_viewers_and_officers_are_not_offered_it(client):
    client.force_login(make_user(role=roles.OFFICER))
    assert client.get(reverse("two-factor-setup")).status_code == 403


def test_the_set_up_page_draws_its_qr_code_as_one_small_path_of_the_apps_address(client):
    """Issue 24: the set-up page carried its QR code as an SVG rectangle per module (103 KB of a
    157 KB page, 20 ms to draw). It is one path now, and still the code of the app's address:
    every dark module of qrcode's matrix, and nothing else, is inside it."""
    import base64
    import re

    import qrcode

    make_user(username="mo", role=roles.MANAGER)
    sign_in(client, "mo")
    page = client.get(reverse("two-factor-setup")).content.decode()
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)).decode()
    assert len(page) < 30_000 and svg.count("<path") == 2 and "<rect" not in svg
    device = TOTPDevice.objects.get(user__username="mo", confirmed=False)
    code = qrcode.QRCode(border=4)
    code.add_data(device.config_url)
    code.make(fit=True)
    expected = {(x, y) for y, row in enumerate(code.get_matrix()) for x, dark in enumerate(row) if dark}
    drawn = set()
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg.split("<path", 2)[2]):
        drawn.update((int(x) + step, int(y)) for step in range(int(width)))
    assert drawn == expected


def test_whether_someone_has_an_app_is_asked_of_their_own_confirmed_devices_of_either_kind():
    """The query asked on every request is compiled once a process (issue 24): it must still be
    each person's own answer, for an app or recovery codes, confirmed only."""
    from django_otp.plugins.otp_static.models import StaticDevice

    from access.two_factor import has_confirmed_device

    app, codes, unconfirmed, nothing = (make_user(role=roles.MANAGER) for _ in range(4))
    TOTPDevice.objects.create(user=app, name="Phone", confirmed=True)
    StaticDevice.objects.create(user=codes, name="Recovery codes", confirmed=True)
    TOTPDevice.objects.create(user=unconfirmed, name="Phone", confirmed=False)
    answers = [has_confirmed_device(person) for person in (app, codes, unconfirmed, nothing, app)]
    assert answers == [True, True, False, False, True]
