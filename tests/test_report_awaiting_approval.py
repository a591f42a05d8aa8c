"""Managers are told a report awaits them: an email on submission, the dashboard, the list's filter."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from contracts import roles
from reports.models import DecisionReport
from tests.factories import make_team, make_user
from tests.report_helpers import make_asc0013_like_report, submitted

pytestmark = pytest.mark.django_db(transaction=False)

TODAY = "2017-02-20 10:00:00+00:00"


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://tracker.example.gov.uk"
    with time_machine.travel(TODAY, tick=False):
        yield


def page(response) -> str:
    return " ".join(response.content.decode().split())


def test_submitting_emails_each_manager_who_may_approve_it_and_no_one_else(client, django_capture_on_commit_callbacks):
    team, other_team = make_team(name="Adult social care"), make_team(name="Children's services")
    author = make_user(
        role=roles.OFFICER, first_name="Priya", last_name="Shah", email="priya@example.gov.uk", teams=[team]
    )
    make_user(role=roles.MANAGER, first_name="Joanne", last_name="Clarke", email="joanne@example.gov.uk", teams=[team])
    make_user(role=roles.MANAGER, email="elsewhere@example.gov.uk", teams=[other_team])
    make_user(role=roles.OFFICER, email="colleague@example.gov.uk", teams=[team])
    make_user(role=roles.MANAGER, email="left@example.gov.uk", teams=[team], is_active=False)
    report = make_asc0013_like_report(officer=author, contract=_contract_of(team))
    client.force_login(author)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:submit", args=[report.pk]))

    assert DecisionReport.objects.get().status == DecisionReport.Status.SUBMITTED
    assert [message.to for message in mail.outbox] == [["joanne@example.gov.uk"]]
    message = mail.outbox[0]
    assert message.subject == f"For your approval: {report.title}"
    assert "Dear Joanne Clarke," in message.body
    assert "Priya Shah has submitted a decision report for your approval" in message.body
    assert f"https://tracker.example.gov.uk/reports/{report.pk}/" in message.body


def test_a_manager_who_submitted_the_report_is_not_asked_to_approve_it(django_capture_on_commit_callbacks):
    manager = make_user(role=roles.MANAGER, email="mo@example.gov.uk")
    other = make_user(role=roles.MANAGER, email="ann@example.gov.uk")
    report = make_asc0013_like_report(officer=make_user(role=roles.OFFICER))

    with django_capture_on_commit_callbacks(execute=True):
        submitted(report, officer=manager)

    assert [message.to for message in mail.outbox] == [[other.email]]


def test_a_submission_refused_sends_no_email(client, django_capture_on_commit_callbacks):
    make_user(role=roles.MANAGER, email="joanne@example.gov.uk")
    officer = make_user(role=roles.OFFICER)
    report = make_asc0013_like_report(officer=officer, written=False)
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:submit", args=[report.pk]))

    assert DecisionReport.objects.get().status == DecisionReport.Status.DRAFT
    assert mail.outbox == []


def test_the_dashboard_lists_reports_awaiting_the_managers_approval(client):
    author = make_user(role=roles.OFFICER, first_name="Priya", last_name="Shah")
    report = submitted(make_asc0013_like_report(officer=author), officer=author)
    manager = make_user(role=roles.MANAGER)
    client.force_login(manager)

    text = page(client.get(reverse("commissioning:dashboard")))

    assert "Reports awaiting your approval" in text
    assert f"{report.title}</a>: submitted by Priya Shah on 20 February 2017 at 10am, for 14 March 2017" in text


def test_the_dashboard_does_not_ask_an_officer_or_the_submitter_to_approve(client):
    manager = make_user(role=roles.MANAGER)
    submitted(make_asc0013_like_report(officer=make_user(role=roles.OFFICER)), officer=manager)

    client.force_login(manager)
    assert "Reports awaiting your approval" not in page(client.get(reverse("commissioning:dashboard")))
    client.force_login(make_user(role=roles.OFFICER))
    assert "Reports awaiting your approval" not in page(client.get(reverse("commissioning:dashboard")))


def test_the_reports_list_filters_by_status(client):
    author = make_user(role=roles.OFFICER)
    draft = make_asc0013_like_report(officer=author, written=False)
    waiting = submitted(make_asc0013_like_report(officer=author), officer=author)
    DecisionReport.objects.filter(pk=draft.pk).update(title="The draft one")
    DecisionReport.objects.filter(pk=waiting.pk).update(title="The submitted one")
    client.force_login(make_user(role=roles.MANAGER))

    every = page(client.get(reverse("reports:list")))
    drafts = page(client.get(reverse("reports:list"), {"status": "draft"}))
    mine = page(client.get(reverse("reports:list"), {"status": "mine"}))
    approved = page(client.get(reverse("reports:list"), {"status": "approved"}))
    unknown = page(client.get(reverse("reports:list"), {"status": "<nonsense>"}))

    assert "The draft one" in every and "The submitted one" in every
    assert "The draft one" in drafts and "The submitted one" not in drafts
    assert "The submitted one" in mine and "The draft one" not in mine
    assert "No reports with this status." in approved
    assert "The draft one" in unknown and "The submitted one" in unknown


def _contract_of(team):
    from tests.report_helpers import make_asc0013_like_contract

    return make_asc0013_like_contract(team=team)


def test_a_mail_server_that_refuses_leaves_the_submission_made_and_logs_why(
    settings, caplog, django_capture_on_commit_callbacks
):
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    make_user(role=roles.MANAGER, email="joanne@example.gov.uk")
    officer = make_user(role=roles.OFFICER)

    with django_capture_on_commit_callbacks(execute=True):
        submitted(make_asc0013_like_report(officer=officer), officer=officer)

    assert DecisionReport.objects.get().status == DecisionReport.Status.SUBMITTED
    assert "Could not email the approvers of report" in caplog.text
