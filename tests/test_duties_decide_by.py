"""An extension option's decide-by date, worked back through the council's meeting calendar:
the provider's notice, the last Cabinet early enough, the key decision notice 28 clear days
before it (SI 2012/2089 reg 9) and the report to democratic services. With no calendar the
contract's approval lead weeks stand in, and the contract page says so."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from commissioning.models import Milestone
from contracts import roles
from notices import services
from notices.council_duties import DecisionCalendar, option_decide_by
from tests.factories import make_buyer, make_contract, make_user
from tests.test_duties_key_decisions import ICS

CABINET = (date(2026, 11, 17), date(2026, 12, 15), date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9))
CALENDAR = DecisionCalendar("Cabinet", CABINET, report_working_days=10, key_decision_threshold=Decimal("500000"))

THROUGH_THE_CALENDAR = [
    # (option starts, worth, decide by (the meeting), report due, key decision notice by, why)
    (
        date(2027, 8, 1),
        Decimal("1049988"),
        date(2027, 1, 12),
        date(2026, 12, 23),
        date(2026, 12, 14),
        "across Christmas: 10 working days before 12 January skip 28 December, 1 and 4 January",
    ),
    (
        date(2027, 7, 1),
        Decimal("1049988"),
        date(2026, 12, 15),
        date(2026, 12, 1),
        date(2026, 11, 16),
        "notice due 1 January: the December Cabinet, its key decision notice in November",
    ),
    (
        date(2027, 7, 12),
        Decimal("1049988"),
        date(2026, 12, 15),
        date(2026, 12, 1),
        date(2026, 11, 16),
        "a meeting on the day the provider's notice is due is too late",
    ),
    (
        date(2027, 8, 1),
        Decimal("400000"),
        date(2027, 1, 12),
        date(2026, 12, 23),
        None,
        "under the key-decision threshold: the meeting and its report, no key decision notice",
    ),
    (
        date(2027, 8, 1),
        None,
        date(2027, 1, 12),
        date(2026, 12, 23),
        date(2026, 12, 14),
        "a value not recorded is taken to be a key decision",
    ),
]


@pytest.mark.parametrize(
    ("starts", "worth", "decide_by", "report_by", "notice_by", "why"),
    THROUGH_THE_CALENDAR,
    ids=[row[-1] for row in THROUGH_THE_CALENDAR],
)
def test_the_decide_by_date_is_the_last_meeting_early_enough(starts, worth, decide_by, report_by, notice_by, why):
    decision = option_decide_by(starts, notice_months=6, approval_weeks=8, calendar=CALENDAR, value=worth)

    assert decision.through_calendar
    assert (decision.due_on, decision.meeting_on, decision.report_due_on, decision.key_decision_notice_by) == (
        decide_by,
        decide_by,
        report_by,
        notice_by,
    )
    assert "the provider needs 6 months' notice" in decision.words
    assert decision.provider_notice_by > decide_by


LEAD_WEEKS = [
    # (calendar, option starts, decide by, the words say, why)
    (None, date(2027, 8, 1), date(2026, 12, 7), "because no meeting calendar is recorded", "no calendar"),
    (
        DecisionCalendar("Cabinet", (), 10, Decimal("500000")),
        date(2027, 8, 1),
        date(2026, 12, 7),
        "because no meeting calendar is recorded",
        "key-decision rules with no meetings",
    ),
    (
        CALENDAR,
        date(2027, 5, 1),
        date(2026, 9, 6),
        "the meeting calendar has no Cabinet meeting before then",
        "no meeting early enough",
    ),
    (
        CALENDAR,
        date(2033, 3, 1),
        date(2032, 7, 7),
        "the meeting calendar ends with the meeting on 9 March 2027: the meetings before then are not known yet",
        "the calendar does not reach that far: its last meeting is not the last before 2032",
    ),
]


@pytest.mark.parametrize(
    ("calendar", "starts", "decide_by", "says", "why"), LEAD_WEEKS, ids=[row[-1] for row in LEAD_WEEKS]
)
def test_without_a_meeting_to_go_to_the_approval_lead_weeks_stand_in_and_say_why(
    calendar, starts, decide_by, says, why
):
    decision = option_decide_by(starts, notice_months=6, approval_weeks=8, calendar=calendar, value=Decimal("1049988"))

    assert not decision.through_calendar and decision.meeting_on is None
    assert decision.due_on == decide_by
    assert "This date assumes 8 weeks before that for the decision route" in decision.words
    assert says in decision.words


# --- through the ORM and on the contract page ---------------------------------------------------


def import_calendar(council, ics=ICS):
    return services.meetings_import(
        buyer=council, data=ics, body="Cabinet", threshold=Decimal("500000"), report_working_days=10, officer=None
    )


@pytest.mark.django_db
def test_importing_the_calendar_moves_the_extension_decision_to_the_cabinet_meeting(client):
    with time_machine.travel("2026-10-01 10:00:00+01:00", tick=False):
        council = make_buyer(name="Milton Keynes City Council")
        contract = make_contract(
            reference="ASC0013",
            buyer=council,
            start_date=date(2024, 8, 1),
            initial_term_months=36,
            option_months=(24,),
            annual_value=Decimal("524994"),
        )
        before = contract.milestones.get(derived_key="option_decision:1")
        # 1 August 2027 less 6 months' notice less 8 weeks.
        assert before.due_on == date(2026, 12, 7)
        assert "because no meeting calendar is recorded" in before.description

        client.force_login(make_user(role=roles.OFFICER))
        page = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
        assert "Decide-by dates assume 8 weeks for the decision route" in page
        assert "because no meeting calendar is recorded for Milton Keynes City Council" in page

        import_calendar(council)

        after = contract.milestones.get(derived_key="option_decision:1")
        assert after.pk == before.pk and after.due_on == date(2027, 1, 12)
        assert after.title == "ASC0013: decide on extension option 1 (2 years) at Cabinet"
        assert "the report is due to democratic services by 23 December 2026" in after.description
        assert "its notice must be published by 14 December 2026" in after.description
        assert after.history.latest().history_change_reason == "Recomputed from the contract"
        page = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
        assert "worked back through Milton Keynes City Council's Cabinet meetings" in page
        assert "12 January 2027" in page
        assert "because no meeting calendar is recorded" not in page


@pytest.mark.django_db
def test_a_meeting_moved_in_the_committee_system_moves_the_decide_by_date():
    with time_machine.travel("2026-10-01 10:00:00+01:00", tick=False):
        council = make_buyer()
        contract = make_contract(
            buyer=council, start_date=date(2024, 8, 1), initial_term_months=36, option_months=(24,)
        )
        import_calendar(council)
        assert contract.milestones.get(derived_key="option_decision:1").due_on == date(2027, 1, 12)

        import_calendar(council, ICS.replace(b"DTSTART;VALUE=DATE:20270112", b"DTSTART;VALUE=DATE:20270119"))

        decision = contract.milestones.get(derived_key="option_decision:1")
        assert decision.due_on == date(2027, 1, 19)
        assert decision.status == Milestone.Status.SCHEDULED


@pytest.mark.parametrize(
    ("day", "reaches"),
    [
        (date(2027, 3, 9), True),  # its last meeting
        (date(2027, 4, 6), True),  # one interval (four weeks) past it: a meeting would be listed
        (date(2027, 4, 7), False),
        (date(2032, 1, 31), False),
    ],
)
def test_the_calendar_runs_one_interval_past_its_last_meeting(day, reaches):
    from notices.council_duties import calendar_reaches

    assert calendar_reaches(day, CABINET) is reaches


def test_the_words_say_whether_the_option_is_a_key_decision():
    over = option_decide_by(
        date(2027, 8, 1), notice_months=6, approval_weeks=8, calendar=CALENDAR, value=Decimal("1049988")
    )
    under = option_decide_by(
        date(2027, 8, 1), notice_months=6, approval_weeks=8, calendar=CALENDAR, value=Decimal("400000")
    )
    unknown = option_decide_by(date(2027, 8, 1), notice_months=6, approval_weeks=8, calendar=CALENDAR)

    assert (
        "As a key decision (£1,049,988 is over £500,000), its notice must be published by 14 December 2026"
        in over.words
    )
    assert "key decision" not in under.words
    assert "Its value is not recorded: if it is a key decision (over £500,000)" in unknown.words
