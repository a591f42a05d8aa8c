"""How long each stage of recommissioning takes is the team's own, set by its managers, and the
recommissioning risk checks a cycle's remaining stages against it, saying so (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning import rules
from commissioning.cover import Boundary, Cycle, Term
from commissioning.models import DEFAULT_STAGE_MONTHS, StageTimings
from contracts import roles
from tests.factories import make_user
from tests.test_cover_pages import milton_keynes
from tests.test_dashboard import row_with, section, text

NOVEMBER_2026 = date(2026, 11, 22)
REFUGE = Term("MK-SPF-REFUGE", date(2020, 3, 1), date(2027, 2, 28))


def rated(stage_months=()) -> rules.Risk:
    cycle = Cycle("MK services 2027", "market_engagement", date(2027, 3, 1), stage_months=tuple(stage_months))
    boundary = Boundary("Refuge", REFUGE, date(2027, 2, 28), cycle=cycle, first_day=date(2027, 3, 1))
    return rules.recommissioning_risk(
        NOVEMBER_2026, max_end=date(2027, 2, 28), ends_on=date(2027, 2, 28), boundaries=[boundary]
    )


def quick(**months) -> dict[str, int]:
    return {stage.value: DEFAULT_STAGE_MONTHS[stage] for stage in DEFAULT_STAGE_MONTHS} | months


@pytest.mark.parametrize(
    ("stage_months", "rating", "words"),
    [
        # The defaults: procurement 3, evaluation 2, award 1, mobilisation 3.
        ((), rules.Rating.RED, "take 9 months at your team's timings, so the new contract could not start"),
        (
            quick(procurement=1, evaluation=1, award=0, mobilisation=1).items(),
            rules.Rating.AMBER,
            "the stages left take 3 months at your team's timings and the new contract must start on 1 March 2027",
        ),
        (
            quick(procurement=0, evaluation=0, award=0, mobilisation=0).items(),
            rules.Rating.GREEN,
            "planned from 1 March",
        ),
    ],
    ids=["the defaults", "a quicker team", "a much quicker team"],
)
def test_the_rating_counts_the_stages_left_at_the_teams_own_timings_and_says_so(stage_months, rating, words):
    risk = rated(stage_months)

    assert risk.rating == rating
    assert words in risk.reason


@pytest.fixture
def on_22_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield NOVEMBER_2026


def timings_form(change_reason: str = "", **months) -> dict:
    form = {StageTimings.field_name(stage): str(value) for stage, value in DEFAULT_STAGE_MONTHS.items() if value}
    form.update({f"{stage}_months": str(value) for stage, value in months.items()})
    return {**form, "change_reason": change_reason}


@pytest.mark.django_db
def test_a_manager_sets_the_teams_timings_and_the_rating_follows_at_once(client, on_22_november_2026):
    _framework, _children, _successor, cycle = milton_keynes(stage="market_engagement")
    team = cycle.team
    manager = make_user(role=roles.MANAGER, teams=[team], first_name="Maya", last_name="Mensah")
    client.force_login(manager)
    url = reverse("commissioning:stage-timings-edit", args=[team.pk])

    landed = client.post(
        url,
        timings_form(procurement=1, evaluation=1, award=0, mobilisation=1, change_reason="Light-touch, short tender"),
        follow=True,
    )

    page = text(landed.content.decode())
    assert "Stage timings of" in page and "saved: 10 months from needs assessment to the new contract" in page
    history = page.split("History")[-1]
    assert "Maya Mensah" in history and "Stage timings set" in history and "Light-touch, short tender" in history
    dashboard = client.get(reverse("commissioning:dashboard")).content.decode()
    refuge = row_with(section(dashboard, "ending-6"), "MK-SPF-REFUGE")
    assert "Amber" in refuge and "the stages left take 3 months at your team's timings" in refuge

    client.post(url, timings_form(procurement=6, change_reason="The new portal"))
    history = text(client.get(url).content.decode()).split("History")[-1]
    assert "Stage timings changed" in history and "Procurement (months): 1 → 6" in history
    dashboard = client.get(reverse("commissioning:dashboard")).content.decode()
    assert "take 12 months at your team's timings" in row_with(section(dashboard, "ending-6"), "MK-SPF-REFUGE")


@pytest.mark.django_db
def test_an_officer_cannot_change_the_timings_and_a_bad_value_is_named_beside_its_field(client, on_22_november_2026):
    _framework, _children, _successor, cycle = milton_keynes()
    url = reverse("commissioning:stage-timings-edit", args=[cycle.team.pk])
    client.force_login(make_user(role=roles.OFFICER, teams=[cycle.team]))
    assert client.get(url).status_code == 403
    assert client.post(url, timings_form(procurement=1)).status_code == 403

    client.force_login(make_user(role=roles.MANAGER, teams=[cycle.team]))
    response = client.post(url, timings_form(procurement=40, evaluation="two"))

    page = text(response.content.decode())
    assert response.status_code == 200
    assert "Enter 36 months or fewer" in page
    assert "Enter how many months evaluation takes as a whole number, like 3" in page
    assert not StageTimings.objects.exists()


@pytest.mark.django_db
def test_the_dashboard_needs_the_same_number_of_queries_whether_teams_set_their_timings_or_not(
    client, on_22_november_2026
):
    client.force_login(make_user(role=roles.VIEWER))
    cycles = [milton_keynes(prefix=prefix, stage="market_engagement")[3] for prefix in ["A", "B", "C"]]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("commissioning:dashboard")).status_code == 200
        return len(captured)

    defaults = queries()
    for cycle in cycles:
        StageTimings.objects.create(team=cycle.team, procurement_months=1)

    assert queries() == defaults


@pytest.mark.django_db
def test_an_administrator_sets_a_teams_timings_in_the_django_admin_with_a_history_entry(client):
    from tests.factories import make_team

    team = make_team(name="Cleveland victim services")
    admin = make_user(role=roles.ADMIN, is_staff=True, is_superuser=True, first_name="Ada", last_name="Admin")
    client.force_login(admin)

    form = {key: value for key, value in timings_form(award=2).items() if key != "change_reason"}
    response = client.post(reverse("admin:commissioning_stagetimings_add"), {"team": team.pk, **form})

    assert response.status_code == 302
    timings = StageTimings.objects.get(team=team)
    assert (timings.award_months, timings.procurement_months) == (2, 3)
    record = timings.history.get()
    assert (record.history_user, record.history_change_reason) == (admin, "Changed in the admin")
