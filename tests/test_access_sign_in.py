"""Signing in and staying signed in: lockout with a cool-off, session limits, resets, headers."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contracts import roles
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

START = "2026-11-23 09:00:00+00:00"


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_failed_sign_ins_pause_the_account_for_the_cool_off_then_it_works_again(client):
    make_user(username="olivia", role=roles.OFFICER)
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            assert (
                "Please enter a correct username and password"
                in sign_in(client, "olivia", "wrong-password").content.decode()
            )
        fifth = sign_in(client, "olivia", "wrong-password")
        assert fifth.status_code == 429 and "Sign-in paused" in fifth.content.decode()
        paused = sign_in(client, "olivia", PASSWORD)  # even the right password waits
        assert paused.status_code == 429 and "Sign-in paused" in paused.content.decode()
    with time_machine.travel(timezone.datetime.fromisoformat(START) + timedelta(minutes=16), tick=False):
        assert sign_in(client, "olivia", PASSWORD).status_code == 302  # the cool-off is over


def test_a_session_ends_after_30_minutes_without_a_request(client):
    start = timezone.datetime.fromisoformat(START)
    with time_machine.travel(start, tick=False):
        client.force_login(make_user(role=roles.VIEWER))
        assert client.get(reverse("contracts:register")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get(reverse("contracts:register")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        response = client.get(reverse("contracts:register"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, settings):
    settings.SESSION_COOKIE_AGE = 2 * 3600
    start = timezone.datetime.fromisoformat(START)
    with time_machine.travel(start, tick=False):
        client.force_login(make_user(role=roles.VIEWER))
    statuses = []
    for step in range(8):  # a request every 20 minutes for 2 hours 20 minutes
        with time_machine.travel(start + timedelta(minutes=20 * step), tick=False):
            statuses.append(client.get(reverse("contracts:register")).status_code)
    assert statuses == [200] * 7 + [302]


def test_sign_ins_failures_and_refusals_are_logged_without_passwords(client, caplog):
    officer = make_user(username="olivia", role=roles.VIEWER)
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        sign_in(client, "olivia", "not-my-password")
        sign_in(client, "olivia", PASSWORD)
        client.get(reverse("contracts:create"))  # a viewer may not add contracts
        client.post(reverse("logout"))
    messages = [(record.getMessage(), getattr(record, "user", "")) for record in caplog.records]
    assert ("sign-in failed", "olivia") in messages
    assert ("signed in", "olivia") in messages
    assert ("permission refused", "olivia") in messages
    assert ("signed out", "olivia") in messages
    assert all("not-my-password" not in str(record.__dict__) for record in caplog.records)
    assert officer.is_active


def test_a_password_reset_link_arrives_by_email_and_sets_a_new_password(client):
    make_user(username="olivia", role=roles.OFFICER, email="olivia@example.org")
    client.post(reverse("password_reset"), {"email": "olivia@example.org"})
    [message] = mail.outbox
    link = next(line for line in message.body.splitlines() if "/accounts/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-long-password", "new_password2": "a-brand-new-long-password"},
    )
    assert done.status_code == 302
    assert sign_in(client, "olivia", "a-brand-new-long-password").status_code == 302


def test_a_short_or_common_password_is_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short1", "password1234"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_every_page_carries_a_content_security_policy_with_no_inline_script_and_no_framing(client):
    client.force_login(make_user(role=roles.VIEWER))
    policy = client.get(reverse("contracts:register"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
