"""Shared set-up for the reminder tests: a team with a mailbox and a manager, and a milestone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from contracts import roles
from tests.factories import make_contract, make_milestone, make_team, make_user

LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def team_with_people():
    manager = make_user(username="mo", role=roles.MANAGER, first_name="Mo", last_name="Manager", email="mo@example.org")
    owner = make_user(
        username="olivia", role=roles.OFFICER, first_name="Olivia", last_name="Okafor", email="olivia@example.org"
    )
    team = make_team(name="Domestic abuse team", shared_mailbox="da-team@example.org")
    team.manager = manager
    team.save()
    return team, owner, manager


def market_engagement_milestone(*, team, owner, due_at=None, due_on=date(2026, 3, 12), **fields):
    """The seed deadline: market engagement responses due 12:00 on Thursday 12 March 2026."""
    contract = make_contract(reference="MK-DASS-2027", team=team, lead_officer=owner, option_months=())
    return make_milestone(
        contract=contract,
        title="MK-DASS-2027: market engagement responses due",
        kind="market_engagement",
        due_on=due_on,
        due_at=due_at if due_at is not None else london(2026, 3, 12, 12, 0),
        owner=owner,
        **fields,
    )
