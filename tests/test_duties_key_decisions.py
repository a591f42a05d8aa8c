"""Key decisions (SI 2012/2089 reg 9): 28 clear days' notice before the meeting that takes the
decision, the report to democratic services before that, worked back from an extension option
through the council's meeting calendar, imported as iCalendar."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from notices import council_duties, duties, services
from notices.duties import ContractFacts, KeyDecisionFacts, OptionFacts
from notices.meetings import read_meetings_ics
from notices.models import CouncilMeeting, Duty, KeyDecisionPolicy
from tests.factories import make_buyer, make_contract, make_user

CABINET_2026_27 = [date(2026, 11, 17), date(2026, 12, 15), date(2027, 1, 12), date(2027, 2, 9)]


@pytest.mark.parametrize(
    ("meeting", "publish_by"),
    [
        (date(2027, 1, 29), date(2026, 12, 31)),  # 1 to 28 January are the clear days
        (date(2027, 1, 12), date(2026, 12, 14)),
        (date(2028, 3, 28), date(2028, 2, 28)),  # across a leap day
    ],
)
def test_a_key_decision_needs_28_clear_days_notice(meeting, publish_by):
    assert council_duties.key_decision_notice_by(meeting) == publish_by
    clear_days = (meeting - publish_by).days - 1
    assert clear_days == 28


BACK_SCHEDULE = [
    # (option starts, meeting, key decision notice by, report due, why)
    (
        date(2027, 7, 1),
        date(2026, 12, 15),
        date(2026, 11, 16),
        date(2026, 12, 1),
        "notice by 1 January: the December Cabinet; St Andrew's Day skipped",
    ),
    (
        date(2027, 8, 1),
        date(2027, 1, 12),
        date(2026, 12, 14),
        date(2026, 12, 23),
        "across Christmas: 10 working days before 12 January is 23 December",
    ),
    (
        date(2027, 7, 13),
        date(2027, 1, 12),
        date(2026, 12, 14),
        date(2026, 12, 23),
        "a meeting the day before the notice is due is in time",
    ),
    (
        date(2027, 7, 12),
        date(2026, 12, 15),
        date(2026, 11, 16),
        date(2026, 12, 1),
        "a meeting on the notice day itself is too late",
    ),
]


@pytest.mark.parametrize(
    ("starts", "meeting", "notice_by", "report_by", "why"), BACK_SCHEDULE, ids=[row[4] for row in BACK_SCHEDULE]
)
def test_decide_by_dates_are_worked_back_through_the_meetings(starts, meeting, notice_by, report_by, why):
    plan = council_duties.key_decision_plan(starts, notice_months=6, meetings=CABINET_2026_27, report_working_days=10)
    assert (plan.meeting_on, plan.key_decision_notice_by, plan.report_due_on) == (meeting, notice_by, report_by)


def facts(value: str, meetings=CABINET_2026_27) -> ContractFacts:
    return ContractFacts(
        reference="ASC0013",
        start=date(2024, 8, 1),
        end=date(2027, 7, 31),
        options=(OptionFacts(1, date(2027, 8, 1), True, "2 years", value=Decimal(value)),),
        key_decisions=KeyDecisionFacts(Decimal("500000"), "Cabinet", 10, tuple(meetings), 6),
    )


def test_an_option_over_the_threshold_gets_its_report_and_notice_as_duties():
    # The meeting itself is the option's derived decide-by milestone (tests/test_duties_decide_by.py).
    required = {duty.key: duty for duty in duties.contract_council_duties(facts("1049988"))}
    assert [(key, duty.due_on) for key, duty in required.items()] == [
        ("KD:option:1:report", date(2026, 12, 23)),
        ("KD:option:1:notice", date(2026, 12, 14)),
    ]
    assert "28 clear days" in required["KD:option:1:notice"].basis
    assert "12 January 2027" in required["KD:option:1:report"].title


def test_an_option_under_the_threshold_is_not_a_key_decision():
    assert duties.contract_council_duties(facts("400000")) == []


def test_with_no_meeting_early_enough_the_duty_says_to_find_one():
    [duty] = duties.contract_council_duties(facts("1049988", meetings=[date(2027, 3, 9)]))
    assert duty.key == "KD:option:1:meeting" and duty.provisional
    assert duty.due_on == date(2027, 1, 31)
    assert "the calendar has no Cabinet meeting before then" in duty.basis


# --- the calendar -------------------------------------------------------------------------

ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//modern.gov//Committee calendar//EN\r
BEGIN:VEVENT\r
UID:meeting-101@mk.example\r
SUMMARY:Cabinet\r
DTSTART;TZID=Europe/London:20261215T183000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:meeting-102@mk.example\r
SUMMARY:Cabinet\r
DTSTART;VALUE=DATE:20270112\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:meeting-103@mk.example\r
SUMMARY:Planning Committee\r
DTSTART:20270114T180000Z\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_the_calendar_keeps_the_decision_bodys_meetings_in_london_days():
    rows, problems = read_meetings_ics(ICS, body="cabinet")
    assert problems == []
    assert [(row.uid, row.meets_on, row.starts_at is not None) for row in rows] == [
        ("meeting-101@mk.example", date(2026, 12, 15), True),
        ("meeting-102@mk.example", date(2027, 1, 12), False),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a calendar", "The file is not an iCalendar (.ics) file that can be read"),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
            "The calendar has no meetings whose title includes 'Cabinet'",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Cabinet\r\nDTSTART;VALUE=DATE:20270112\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "Event 1 ('Cabinet') has no UID",
        ),
    ],
)
def test_a_calendar_that_cannot_be_used_gets_a_clear_message(data, message):
    rows, problems = read_meetings_ics(data, body="Cabinet")
    assert rows == [] and problems[0].startswith(message)


@pytest.mark.django_db
def test_importing_the_calendar_plans_each_key_decision_and_importing_again_changes_nothing():
    with time_machine.travel("2026-10-01 10:00:00+01:00", tick=False):
        council = make_buyer(name="Milton Keynes City Council")
        contract = make_contract(
            buyer=council,
            start_date=date(2024, 8, 1),
            initial_term_months=36,
            option_months=(24,),
            annual_value=Decimal("524994"),
        )
        officer = make_user()

        first = services.meetings_import(
            buyer=council,
            data=ICS,
            body="Cabinet",
            threshold=Decimal("500000"),
            report_working_days=10,
            officer=officer,
        )
        again = services.meetings_import(
            buyer=council,
            data=ICS,
            body="Cabinet",
            threshold=Decimal("500000"),
            report_working_days=10,
            officer=officer,
        )

        assert (first.added, again.added, again.updated) == (2, 0, 0)
        assert CouncilMeeting.objects.filter(buyer=council).count() == 2
        planned = {duty.key: duty for duty in Duty.objects.filter(contract=contract)}
        assert set(planned) == {"KD:option:1:report", "KD:option:1:notice"}
        assert planned["KD:option:1:report"].milestone.due_on == date(2026, 12, 23)
        decision = contract.milestones.get(derived_key="option_decision:1")
        assert (decision.due_on, decision.kind) == (date(2027, 1, 12), "option_decision")


@pytest.mark.django_db
def test_a_bad_calendar_changes_nothing():
    council = make_buyer()
    with pytest.raises(ValidationError):
        services.meetings_import(
            buyer=council,
            data=b"nonsense",
            body="Cabinet",
            threshold=Decimal("500000"),
            report_working_days=10,
            officer=None,
        )
    assert not CouncilMeeting.objects.exists()
    assert not KeyDecisionPolicy.objects.exists()


@pytest.mark.django_db
def test_an_officer_imports_the_calendar_and_sees_the_meetings(client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from contracts import roles

    with time_machine.travel("2026-10-01 10:00:00+01:00", tick=False):
        council = make_buyer(name="Milton Keynes City Council")
        client.force_login(make_user(role=roles.OFFICER))
        form = {"buyer": council.pk, "body": "Cabinet", "threshold": "500000", "report_working_days": "10"}

        bad = client.post(
            reverse("notices:meetings-import"),
            {**form, "file": SimpleUploadedFile("cal.ics", b"nonsense", "text/calendar")},
        )
        assert "The file is not an iCalendar (.ics) file that can be read" in bad.content.decode()
        assert not CouncilMeeting.objects.exists()

        client.post(
            reverse("notices:meetings-import"), {**form, "file": SimpleUploadedFile("cal.ics", ICS, "text/calendar")}
        )
        page = client.get(reverse("notices:meetings")).content.decode()
        assert "15 December 2026, 6:30pm" in page and "12 January 2027" in page
        assert "key decisions over £500,000 go to Cabinet" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            ICS.replace(b"DTSTART;VALUE=DATE:20270112", b"DTSTART;VALUE=DATE:2027xx12"),
            "Event 2 ('Cabinet') has a start that cannot be read",
        ),
        (
            ICS.replace(
                b"SUMMARY:Cabinet\r\nDTSTART;VALUE=DATE",
                b"SUMMARY:Cabinet\r\nDTSTART;VALUE=DATE:20270113\r\nDTSTART;VALUE=DATE",
            ),
            "Event 2 has more than one title, UID or start",
        ),
    ],
)
def test_a_malformed_event_is_named_not_a_crash(data, message):
    _, problems = read_meetings_ics(data, body="Cabinet")
    assert message in problems
