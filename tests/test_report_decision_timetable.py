"""The key-decision timetable is printed in every report and checked against the meeting date:
the forward plan notice 28 clear days before, the report deadline before that (issue 23)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from lxml import html as lxml_html

from contracts import roles
from notices.models import CouncilMeeting, KeyDecisionPolicy
from reports import services
from reports.pdf import render_report_pdf
from reports.selectors import report_facts, report_for_display
from tests.factories import make_user
from tests.report_helpers import make_asc0013_like_report, pdf_text

pytestmark = pytest.mark.django_db


def report_for_meeting(meeting_date: date, *, calendar=()):
    report = make_asc0013_like_report(meeting_date=meeting_date)
    KeyDecisionPolicy.objects.create(
        buyer=report.contract.buyer, threshold=Decimal("500000"), decision_body="Cabinet", report_working_days=10
    )
    for number, day in enumerate(calendar):
        CouncilMeeting.objects.create(
            buyer=report.contract.buyer, body="Cabinet", title="Cabinet", meets_on=day, uid=f"cabinet-{number}"
        )
    return report_for_display(report.pk)


def test_the_pdf_prints_the_notice_and_report_deadlines_before_the_meeting():
    with time_machine.travel("2017-01-03 10:00:00+00:00", tick=False):
        report = report_for_meeting(date(2017, 3, 14))
        text = pdf_text(render_report_pdf(report))

    assert "This is a key decision: £1,049,988 is over the council's key-decision threshold of £500,000." in text
    # 28 clear days: neither 13 February (publication) nor 14 March (meeting) counts.
    assert "28 clear days before the meeting, SI 2012/2089 reg 9) 13 February 2017" in text
    # 10 working days before Tuesday 14 March 2017.
    assert "Report to democratic services (10 working days before the meeting) 28 February 2017" in text


def test_a_meeting_too_soon_for_the_notice_is_warned_about_before_submitting(client):
    with time_machine.travel("2017-02-20 10:00:00+00:00", tick=False):
        report = report_for_meeting(date(2017, 3, 14))
        client.force_login(make_user(role=roles.OFFICER, teams=[report.contract.team]))
        page = client.get(reverse("reports:detail", args=[report.pk]))
        warnings = report_facts(report).timetable_warnings

    text = " ".join(lxml_html.fromstring(page.content.decode()).text_content().split())
    message = (
        "The meeting on 14 March 2017 is too soon for a key decision: the notice had to be published by "
        "13 February 2017, 28 clear days before it."
    )
    assert message in text
    assert any(warning.startswith(message.rstrip(".")) for warning in warnings)


def test_a_meeting_far_enough_ahead_has_no_warning():
    with time_machine.travel("2017-01-03 10:00:00+00:00", tick=False):
        report = report_for_meeting(date(2017, 3, 14), calendar=[date(2017, 3, 14)])

        assert report_facts(report).timetable_warnings == []


def test_a_date_that_is_not_a_meeting_in_the_councils_calendar_is_warned_about():
    with time_machine.travel("2017-01-03 10:00:00+00:00", tick=False):
        report = report_for_meeting(date(2017, 3, 14), calendar=[date(2017, 3, 21)])

        warnings = report_facts(report).timetable_warnings

    assert warnings == ["The council's calendar has no Cabinet meeting on 14 March 2017: check the date"]


def test_the_warning_does_not_stop_the_report_being_submitted():
    """A council's urgency procedures can still allow a late key decision: the officer is warned, not stopped."""
    with time_machine.travel("2017-02-20 10:00:00+00:00", tick=False):
        report = report_for_meeting(date(2017, 3, 14))

        services.report_submit(report=report, officer=None)

        assert report_for_display(report.pk).status == "submitted"
