"""One decide-by date for an extension option wherever it is shown or used (issue 19): the
"Extension decision due" milestone, the gap's "option N could bridge it, decide by ..." and the
"decide-by date passed with no decision" rating all come from ``council_duties.option_decide_by``,
worked back through the buyer's meeting calendar when one is recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning import services as commissioning_services
from commissioning.models import Service
from contracts import roles
from contracts.models import ServiceCategory
from notices import services as notice_services
from tests.factories import make_buyer, make_contract, make_team, make_user
from tests.test_cover_pages import dashboard
from tests.test_dashboard import row_with, section, text

pytestmark = pytest.mark.django_db


def cabinet_calendar(*days: date) -> bytes:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:cabinet-{day:%Y%m%d}@mk.example\r\nSUMMARY:Cabinet\r\n"
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\nEND:VEVENT\r\n"
        for day in days
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{events}END:VCALENDAR\r\n".encode()


def import_cabinet(council, *days: date) -> None:
    notice_services.meetings_import(
        buyer=council,
        data=cabinet_calendar(*days),
        body="Cabinet",
        threshold=Decimal("500000"),
        report_working_days=10,
        officer=None,
    )


def refuge_ending_in_february(council, *, successor_starts: date | None):
    """A refuge ending 28 February 2027 with a 12-month option: 1 month's notice (by 1 February
    2027) and 4 weeks' approval put its decide-by date at 4 January 2027 with no calendar."""
    team = make_team()
    refuge = make_contract(
        reference="REFUGE-2022",
        title="Refuge",
        buyer=council,
        start_date=date(2022, 3, 1),
        initial_term_months=60,
        option_months=(12,),
        provider_notice_months=1,
        approval_lead_weeks=4,
        team=team,
    )
    contracts = [refuge]
    if successor_starts is not None:
        contracts.append(
            make_contract(
                reference="REFUGE-2027", title="Refuge", buyer=council, start_date=successor_starts, team=team
            )
        )
    commissioning_services.service_save(
        service=Service(team=team, name="Refuge", category=ServiceCategory.REFUGE),
        contracts=contracts,
        officer=None,
        reason="Refuge services",
    )
    return refuge


def decision_milestone(contract) -> date:
    return contract.milestones.get(derived_key="option_decision:1").due_on


def test_the_gap_names_the_cabinet_meeting_the_milestone_is_due_on(client):
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        council = make_buyer(name="Milton Keynes City Council")
        refuge = refuge_ending_in_february(council, successor_starts=date(2027, 4, 1))
        # The last Cabinet before the provider's notice is due (1 February 2027) is 12 January.
        import_cabinet(council, date(2026, 12, 15), date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9))
        client.force_login(make_user(role=roles.VIEWER))

        page = dashboard(client)

        assert decision_milestone(refuge) == date(2027, 1, 12)
        gap = row_with(section(page, "gaps"), "Refuge has no contract")
        assert "Option 1 of REFUGE-2022 could bridge it, decide by 12 January 2027" in gap
        risk = row_with(section(page, "ending-6"), "REFUGE-2022")
        assert "Recommissioning risk: Amber" in risk and "decide by 12 January 2027" in risk
        contract_page = text(client.get(refuge.get_absolute_url()).content.decode())
        assert "could bridge it, decide by 12 January 2027" in contract_page
        assert "4 January 2027" not in contract_page


def test_a_cabinet_meeting_already_past_makes_the_rating_red_as_the_milestone_says(client):
    # Cabinet met on 10 December and next meets on 9 February, after the provider's notice is
    # due: the decision had to go to 10 December, which has passed (the lead weeks would say
    # 4 January, still to come, and the rating amber).
    with time_machine.travel("2026-12-20 10:00:00+00:00", tick=False):
        council = make_buyer(name="Milton Keynes City Council")
        refuge = refuge_ending_in_february(council, successor_starts=date(2027, 4, 1))
        import_cabinet(council, date(2026, 10, 8), date(2026, 12, 10), date(2027, 2, 9), date(2027, 4, 6))
        client.force_login(make_user(role=roles.VIEWER))

        page = dashboard(client)

        assert decision_milestone(refuge) == date(2026, 12, 10)
        risk = row_with(section(page, "ending-6"), "REFUGE-2022")
        assert (
            "Recommissioning risk: Red Refuge has no contract from 1 to 31 March 2027: REFUGE-2027 starts on "
            "1 April 2027; option 1 of REFUGE-2022 could bridge it, but the decide-by date for option 1, "
            "10 December 2026, has passed"
        ) in risk


def test_without_a_calendar_the_approval_lead_weeks_still_give_every_decide_by_date(client):
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        council = make_buyer(name="Milton Keynes City Council")
        refuge = refuge_ending_in_february(council, successor_starts=date(2027, 4, 1))
        client.force_login(make_user(role=roles.VIEWER))

        page = dashboard(client)

        assert decision_milestone(refuge) == date(2027, 1, 4)
        gap = row_with(section(page, "gaps"), "Refuge has no contract")
        assert "Option 1 of REFUGE-2022 could bridge it, decide by 4 January 2027" in gap


def test_the_calendars_cost_the_dashboard_and_register_the_same_queries_however_many_contracts(client):
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        councils = [make_buyer(name="Milton Keynes City Council"), make_buyer(name="Bedford Borough Council")]
        for council in councils:
            import_cabinet(council, date(2026, 12, 15), date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9))
        refuge_ending_in_february(councils[0], successor_starts=date(2027, 4, 1))
        client.force_login(make_user(role=roles.VIEWER))

        def queries(url: str) -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            return len(captured)

        few = queries(reverse("commissioning:dashboard")), queries(reverse("contracts:register"))
        for number, council in enumerate(councils * 2):
            make_contract(
                reference=f"IDVA-{number}", buyer=council, start_date=date(2024, 8, 1), option_months=(12, 12)
            )

        assert (queries(reverse("commissioning:dashboard")), queries(reverse("contracts:register"))) == few
