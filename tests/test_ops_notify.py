"""Reminders through GOV.UK Notify: the same sweep, a loopback stand-in for Notify's API."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine

from reminders.models import Reminder
from reminders.sweep import sweep
from tests.reminder_helpers import london, market_engagement_milestone, team_with_people
from tests.smtp_server import free_port

pytestmark = pytest.mark.django_db

SERVICE, SECRET = uuid.uuid4(), uuid.uuid4()


class FakeNotify(BaseHTTPRequestHandler):
    received: list = []
    answer = 201

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeNotify.received.append({"path": self.path, "auth": self.headers["Authorization"], "body": body})
        self.send_response(FakeNotify.answer)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        payload = (
            {"id": str(uuid.uuid4())}
            if FakeNotify.answer == 201
            else {
                "errors": [{"error": "BadRequestError", "message": "Not a valid email address"}],
                "status_code": FakeNotify.answer,
            }
        )
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def notify(settings):
    FakeNotify.received, FakeNotify.answer = [], 201
    server = HTTPServer(("127.0.0.1", free_port()), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "ops.notify.NotifyEmailBackend"
    settings.NOTIFY_API_KEY = f"tracker_test-{SERVICE}-{SECRET}"
    settings.NOTIFY_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    yield FakeNotify
    server.shutdown()


@pytest.fixture
def engagement():
    with time_machine.travel("2026-02-01 09:00:00+00:00", tick=False):
        team, owner, _ = team_with_people()
        return market_engagement_milestone(team=team, owner=owner)


def test_a_reminder_goes_through_notify_with_the_subject_and_body_as_personalisation(notify, engagement):
    with time_machine.travel(london(2026, 2, 26, 8, 1), tick=False):
        assert sweep().sent == 2
    calls = {call["body"]["email_address"]: call for call in notify.received}
    owner = calls["olivia@example.org"]
    assert owner["path"] == "/v2/notifications/email" and owner["auth"].startswith("Bearer ")
    assert owner["body"]["template_id"] == "f33517ff-2a88-4f6e-b855-c550268ce08a"
    assert owner["body"]["personalisation"]["subject"].startswith("Reminder: MK-DASS-2027")
    assert "Due: Thursday 12 March 2026 at midday" in owner["body"]["personalisation"]["body"]


def test_notify_refusing_an_address_records_the_reminder_as_failed(notify, engagement):
    notify.answer = 400
    with time_machine.travel(london(2026, 2, 26, 8, 1), tick=False):
        assert sweep().failed == 2
    row = engagement.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    assert row.status == Reminder.Status.FAILED and "Not a valid email address" in row.last_error


def test_notify_being_down_is_temporary_and_the_reminder_is_retried(notify, engagement):
    notify.answer = 500
    with time_machine.travel(london(2026, 2, 26, 8, 1), tick=False):
        assert sweep().retrying == 2
    row = engagement.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    assert row.status == Reminder.Status.PLANNED and row.attempts == 1
