"""Download file names carry the filters on screen and the date (issue 25: every download of the
register was called the same, whatever it held)."""

import pytest
import time_machine
from django.urls import reverse

from contracts import roles
from exports.sources import filters_in_words
from tests.factories import make_contract, make_team, make_user

pytestmark = pytest.mark.django_db


def attachment_name(response) -> str:
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


def test_filters_read_as_words():
    assert filters_in_words({"status": "planned", "ending_within": "12", "mine": True, "q": ""}) == (
        "planned-ending-within-12-months-my-items"
    )


@time_machine.travel("2026-11-22 10:00:00+00:00", tick=False)
def test_the_register_download_is_named_after_its_filters_and_the_day(client):
    team = make_team(name="Milton Keynes team")
    make_contract(team=team)
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))

    response = client.get(reverse("exports:register-csv"), {"status": "active", "team": team.pk, "ending_within": "12"})

    assert (
        attachment_name(response)
        == "contract-register-active-Milton-Keynes-team-ending-within-12-months-2026-11-22.csv"
    )


@time_machine.travel("2026-11-22 10:00:00+00:00", tick=False)
def test_my_milestones_download_says_so(client):
    client.force_login(make_user(role=roles.OFFICER))

    response = client.get(reverse("exports:milestones-csv"), {"mine": "on"})

    assert attachment_name(response) == "milestones-my-items-2026-11-22.csv"
