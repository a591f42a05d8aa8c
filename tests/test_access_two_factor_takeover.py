"""Two-step verification cannot be changed with a password alone.

A person who has a confirmed authenticator app must give a code from it before they can see
or change anything about two-step verification. A lost app is replaced by an administrator
(in the Django admin) or with one of the recovery codes shown when the app was set up; both
are recorded in the security log and the audit trail.
"""

import io
import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.two_factor import recovery_codes_replace
from commissioning.feeds import calendar_feed_regenerate
from contracts import roles
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password was refused"


def person_with_an_app(username="mo", role=roles.MANAGER, **fields):
    person = make_user(username=username, role=role, **fields)
    device = TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True)
    return person, device


def enrol(client, at):
    """Sets up an app through the pages, as a person would; returns the device and the recovery codes shown."""
    with time_machine.travel(at, tick=False):
        client.get(reverse("two-factor-setup"))
    device = TOTPDevice.objects.get(user__username="mo", confirmed=False)
    with time_machine.travel(at + timedelta(seconds=5), tick=False):
        page = client.post(reverse("two-factor-setup"), {"code": code_for(device)})
    assert page.status_code == 200, page.status_code
    codes = re.findall(r'<li class="app-recovery-code"><code>([a-z2-7]{8})</code></li>', page.content.decode())
    return device, codes


def test_a_password_alone_cannot_replace_the_owners_app(client):
    start = timezone.now()
    person, real = person_with_an_app()
    with time_machine.travel(start, tick=False):
        sign_in(client, "mo")
        page = client.get(reverse("two-factor-setup"))
        # Held at the code page: no new secret is shown or made.
        assert page.status_code == 302 and page.url.startswith(reverse("two-factor-verify"))
        assert not TOTPDevice.objects.filter(user=person, confirmed=False).exists()
    # An attacker who made a device some other way still cannot confirm it through the page.
    planted = TOTPDevice.objects.create(user=person, name="Attacker's app", confirmed=False)
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        client.post(reverse("two-factor-setup"), {"code": code_for(planted)})
        assert TOTPDevice.objects.filter(pk=real.pk, confirmed=True).exists()
        planted.refresh_from_db()
        assert not planted.confirmed
        held = client.get(reverse("contracts:register"))
        assert held.status_code == 302 and held.url.startswith(reverse("two-factor-verify"))


def test_the_calendar_page_shows_no_feed_address_until_the_code_is_given(client, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    admin, _ = person_with_an_app(username="ada", role=roles.ADMIN)
    feed = calendar_feed_regenerate(user=admin)
    sign_in(client, "ada")
    for name in ("commissioning:calendar-settings", "commissioning:calendar-regenerate"):
        for method in (client.get, client.post):
            response = method(reverse(name))
            assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify")), name
            assert feed.token not in response.content.decode()
    # The feed address is unchanged: the regenerate POST never ran.
    assert type(feed).objects.get(pk=feed.pk).token == feed.token


def test_an_admin_who_must_enrol_reaches_only_set_up_verify_and_sign_out(client, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    make_user(username="ada", role=roles.ADMIN)
    sign_in(client, "ada")
    assert client.get(reverse("two-factor-setup")).status_code == 200
    for name in ("contracts:register", "commissioning:calendar-settings", "api:token-list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url == reverse("two-factor-setup"), name


def test_set_up_shows_recovery_codes_once_and_one_replaces_a_lost_app(client, caplog):
    start = timezone.now()
    make_user(username="mo", role=roles.MANAGER, first_name="Mo", last_name="Manager")
    sign_in(client, "mo")
    device, codes = enrol(client, start)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticDevice.objects.get(user__username="mo").token_set.count() == 10
    client.post(reverse("logout"))

    # The phone is lost: a recovery code signs in, once.
    with (
        time_machine.travel(start + timedelta(minutes=1), tick=False),
        caplog.at_level(logging.INFO, logger="tracker.security"),
    ):
        sign_in(client, "mo")
        verified = client.post(reverse("two-factor-verify"), {"code": codes[0]})
        assert verified.status_code == 302 and verified.url == reverse("two-factor-setup")
        assert "recovery code used" in [record.getMessage() for record in caplog.records]
        # Verified now, the person sets up the new phone; the old app stops working.
        new_device, new_codes = enrol(client, start + timedelta(minutes=1))
        assert not TOTPDevice.objects.filter(pk=device.pk).exists()
        assert codes[1] not in new_codes  # the old codes were replaced with the app
        client.post(reverse("logout"))
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        sign_in(client, "mo")
        reused = client.post(reverse("two-factor-verify"), {"code": codes[0]})
        assert reused.status_code == 200 and "not right" in reused.content.decode()

    # The audit trail says what happened to Mo's two-step verification, and who did it.
    admin = make_user(username="ada", role=roles.ADMIN)
    client.force_login(admin)
    audit = client.get(reverse("audit"), {"record_type": "access.secondfactorchange"}).content.decode()
    assert "Mo Manager: recovery code used" in audit
    assert "Mo Manager: authenticator app replaced" in audit
    assert "Mo Manager: authenticator app set up" in audit


def test_an_admin_removes_a_lost_app_in_the_admin_and_it_is_recorded(client, caplog):
    person, device = person_with_an_app(first_name="Mo", last_name="Manager")
    admin = make_user(username="ada", role=roles.ADMIN, is_staff=True, first_name="Ada", last_name="Admin")
    client.force_login(admin)
    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.get(delete).status_code == 200
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    removed = [record for record in caplog.records if record.getMessage() == "two-step verification removed"]
    assert removed and removed[0].user == "mo" and removed[0].by == "ada"
    audit = client.get(reverse("audit"), {"record_type": "access.secondfactorchange"}).content.decode()
    assert "Mo Manager: authenticator app removed by an administrator" in audit and "Ada Admin" in audit
    # Nobody adds or edits someone else's app in the admin: people set up their own.
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403


def test_a_manager_cannot_remove_anyones_app_in_the_admin(client):
    _, device = person_with_an_app()
    client.force_login(make_user(role=roles.MANAGER, is_staff=True))
    assert (
        client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}).status_code == 403
    )
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_only_admin_who_lost_everything_is_reset_from_the_command_line_and_it_is_recorded(client, settings, caplog):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    admin, _ = person_with_an_app(username="ada", role=roles.ADMIN, first_name="Ada", last_name="Admin")
    recovery_codes_replace(person=admin)
    with pytest.raises(CommandError, match="Give a reason"):
        call_command("reset_two_step", "ada", reason=" ")
    with pytest.raises(CommandError, match="nobody with the username 'nobody'"):
        call_command("reset_two_step", "nobody", reason="Phone lost")
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        call_command("reset_two_step", "ada", reason="Phone lost, confirmed in person", stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user=admin).exists() and not StaticDevice.objects.filter(user=admin).exists()
    assert {(record.getMessage(), record.by) for record in caplog.records if record.name == "tracker.security"} == {
        ("two-step verification removed", "manage.py"),
        ("recovery codes removed", "manage.py"),
    }
    # The next sign-in sets up a new app, and the audit trail shows the reset and its reason.
    sign_in(client, "ada")
    assert client.get(reverse("contracts:register")).url == reverse("two-factor-setup")
    settings.OTP_REQUIRED_FOR_ADMINS = False  # the auditor need not enrol for this test
    client.force_login(make_user(username="root", role=roles.ADMIN))
    audit = client.get(reverse("audit"), {"record_type": "access.secondfactorchange"}).content.decode()
    assert (
        "Ada Admin: authenticator app removed by an administrator" in audit
        and "Phone lost, confirmed in person" in audit
    )
