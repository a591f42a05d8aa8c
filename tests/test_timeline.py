"""The timeline: where dates fall on the picture, and the page an officer sees and prints."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning import timeline
from commissioning.models import Milestone
from commissioning.timeline import (
    CHART_LEFT,
    CHART_RIGHT,
    BarKind,
    ContractFacts,
    CycleFacts,
    MilestoneFacts,
    OptionFacts,
    Scale,
    Window,
)
from contracts import roles, terms
from contracts.models import ExtensionOption
from tests import browser, snapshot
from tests.factories import make_contract, make_cycle, make_milestone, make_team, make_user

EXERCISED, AVAILABLE = ExtensionOption.Status.EXERCISED, ExtensionOption.Status.AVAILABLE
SVG = "{http://www.w3.org/2000/svg}"

# Named windows used below.
YEAR_2026 = Window(date(2026, 1, 1), date(2026, 12, 31))
ASC0013_YEARS = Window(date(2014, 1, 1), date(2021, 12, 31))
# 1 March 2016, in ASC0013's initial term: its window runs to 1 March 2021, past every option.
DURING_THE_INITIAL_TERM = "2016-03-01 10:00:00+00:00"
# A day when the framework and Cleveland's current contracts are running.
NOVEMBER_2026 = "2026-11-22 10:00:00+00:00"


def asc0013(
    *,
    statuses=("exercised", "available"),
    option_months=(24, 12),
    max_extent=date(2020, 8, 31),
    terminated_on=None,
    milestones=(),
) -> ContractFacts:
    """ASC0013's shape: 1 September 2014 for three years, a two-year option, then one more year."""
    start, months = date(2014, 9, 1), 36
    periods = terms.option_periods(start, months, option_months)
    options = tuple(
        OptionFacts(
            sequence=period.sequence,
            start=period.start,
            end=period.end,
            status=status.capitalize(),
            length=f"{length // 12} year{'s' if length > 12 else ''}",
            exercised=status == "exercised",
            open=status in ("available", "proposed", "approved"),
        )
        for period, status, length in zip(periods, statuses, option_months)
    )
    exercised = [m for m, s in zip(option_months, statuses) if s == "exercised"]
    return ContractFacts(
        reference="ASC0013",
        title="Domestic abuse services",
        url="/contracts/1/",
        start=start,
        initial_end=terms.term_end(start, months),
        current_end=terms.current_end(start, months, exercised),
        max_extent=max_extent,
        options=options,
        milestones=tuple(milestones),
        terminated_on=terminated_on,
    )


def bars_by_kind(bars) -> dict[BarKind, list[tuple[date, date]]]:
    found: dict[BarKind, list[tuple[date, date]]] = {}
    for bar in bars:
        found.setdefault(bar.kind, []).append((bar.start, bar.end))
    return found


# --- the pure layout ------------------------------------------------------------------------


def test_a_date_maps_to_its_share_of_the_chart_width():
    scale = Scale(YEAR_2026, left=0, right=365)

    assert scale.x(date(2026, 1, 1)) == 0
    assert scale.x(date(2026, 7, 2)) == 182
    # The day after the window ends is the right-hand edge: the last day is drawn in full.
    assert scale.x(date(2027, 1, 1)) == 365
    assert scale.middle(date(2026, 1, 1)) == 0.5


def test_the_chart_runs_from_the_labels_to_the_right_hand_edge():
    scale = Scale(YEAR_2026)

    assert scale.x(date(2026, 1, 1)) == CHART_LEFT
    assert scale.x(date(2027, 1, 1)) == CHART_RIGHT


def test_the_default_window_runs_from_a_year_ago_to_five_years_ahead():
    window = timeline.default_window(date(2026, 11, 22))

    assert window == Window(date(2025, 11, 22), date(2031, 11, 22))


def test_show_everything_covers_whole_years_around_every_date():
    window = timeline.window_spanning([date(2027, 3, 1), date(2014, 9, 1), date(2034, 2, 28)])

    assert window == Window(date(2014, 1, 1), date(2034, 12, 31))
    assert timeline.window_spanning([]) is None


def test_the_initial_term_exercised_extension_and_open_option_are_bars_with_their_own_dates():
    scale = Scale(ASC0013_YEARS)

    bars = timeline.contract_bars(scale, asc0013())

    assert bars_by_kind(bars) == {
        BarKind.INITIAL: [(date(2014, 9, 1), date(2017, 8, 31))],
        BarKind.EXERCISED: [(date(2017, 9, 1), date(2019, 8, 31))],
        BarKind.OPEN: [(date(2019, 9, 1), date(2020, 8, 31))],
    }
    initial, exercised, available = bars
    assert initial.x == scale.x(date(2014, 9, 1))
    assert initial.x + initial.width == pytest.approx(scale.x(date(2017, 9, 1)))
    # Back to back: each period starts where the one before it ends.
    assert exercised.x == pytest.approx(initial.x + initial.width)
    assert available.x + available.width == pytest.approx(scale.x(date(2020, 9, 1)))
    assert "Initial term: 1 September 2014 to 31 August 2017" in initial.title
    assert "Extension (exercised): 1 September 2017 to 31 August 2019" in exercised.title
    assert "Extension (available): 1 September 2019 to 31 August 2020" in available.title


def test_an_open_option_stops_at_the_maximum_extent():
    contract = asc0013(statuses=("available",), option_months=(36,), max_extent=date(2019, 8, 31))

    (_, available) = timeline.contract_bars(Scale(ASC0013_YEARS), contract)

    assert (available.start, available.end) == (date(2017, 9, 1), date(2019, 8, 31))
    assert "cut at the maximum extent, 31 August 2019" in available.title


def test_declined_options_are_not_drawn():
    contract = asc0013(statuses=("declined", "lapsed"))

    bars = timeline.contract_bars(Scale(ASC0013_YEARS), contract)

    assert [bar.kind for bar in bars] == [BarKind.INITIAL]


def test_a_contract_terminated_early_stops_at_its_termination_date_with_no_options_left():
    contract = asc0013(terminated_on=date(2018, 3, 31))

    bars = timeline.contract_bars(Scale(ASC0013_YEARS), contract)

    assert bars_by_kind(bars) == {
        BarKind.INITIAL: [(date(2014, 9, 1), date(2017, 8, 31))],
        BarKind.EXERCISED: [(date(2017, 9, 1), date(2018, 3, 31))],
    }
    assert "terminated early; was to end 31 August 2019" in bars[1].title


def test_the_window_clips_bars_at_both_edges_but_the_titles_keep_the_whole_period():
    scale = Scale(Window(date(2016, 1, 1), date(2018, 12, 31)))

    bars = timeline.contract_bars(scale, asc0013())

    initial, exercised = bars  # the open option (from September 2019) is outside the window
    assert initial.x == CHART_LEFT
    assert exercised.x + exercised.width == pytest.approx(CHART_RIGHT)
    assert "1 September 2014 to 31 August 2017" in initial.title
    assert "1 September 2017 to 31 August 2019" in exercised.title


def test_the_today_line_is_in_the_middle_of_today_and_missing_outside_the_window():
    scale = Scale(YEAR_2026, left=0, right=365)

    assert timeline.today_x(scale, date(2026, 3, 1)) == 59.5
    assert timeline.today_x(scale, date(2027, 1, 1)) is None
    assert timeline.today_x(scale, date(2025, 12, 31)) is None


def test_milestones_in_the_window_are_markers_in_the_middle_of_their_day():
    scale = Scale(YEAR_2026, left=0, right=365)
    noon = MilestoneFacts(
        day=date(2026, 3, 12),
        title="Market engagement responses due",
        status="scheduled",
        status_label="Scheduled",
        at=datetime(2026, 3, 12, 12, 0),
    )
    too_late = MilestoneFacts(
        day=date(2027, 3, 1), title="New contract starts", status="scheduled", status_label="Scheduled"
    )

    (marker,) = timeline.milestone_markers(scale, [noon, too_late], y=20, prefix="MK-DASS-2027")

    assert marker.x == 70.5
    assert marker.title == "MK-DASS-2027. Market engagement responses due: 12 March 2026 at midday (scheduled)"


def test_a_met_milestone_is_filled_and_a_missed_one_crossed():
    scale = Scale(YEAR_2026)
    met = MilestoneFacts(day=date(2026, 2, 1), title="Needs assessment", status="met", status_label="Met")
    missed = MilestoneFacts(day=date(2026, 3, 1), title="Strategy", status="missed", status_label="Missed")

    kinds = [m.kind for m in timeline.milestone_markers(scale, [met, missed], y=0, prefix="Cycle")]

    assert kinds == [timeline.MarkerKind.MET, timeline.MarkerKind.MISSED]


def test_a_bar_label_moves_past_a_marker_rather_than_hide_under_it():
    decide_by = MilestoneFacts(
        day=date(2019, 9, 20), title="Decide on option 2", status="scheduled", status_label="Scheduled"
    )
    contract = asc0013(milestones=[decide_by])

    drawn = timeline.layout(contracts=[contract], cycles=[], window=ASC0013_YEARS, today=date(2016, 3, 1))

    (row,) = drawn.sections[0].rows
    (marker,) = row.markers
    option = row.bars[-1]
    assert option.label == "Option 2"
    assert option.label_x > marker.x + timeline.MARKER_RADIUS
    assert option.shows_label


def test_year_gridlines_fall_on_each_first_of_january_and_labels_thin_out_over_long_windows():
    short = timeline.year_ticks(Scale(Window(date(2025, 11, 22), date(2031, 11, 22))))
    long = timeline.year_ticks(Scale(Window(date(2000, 1, 1), date(2049, 12, 31))))

    assert [tick.year for tick in short] == [2026, 2027, 2028, 2029, 2030, 2031]
    assert all(tick.labelled for tick in short)
    assert short[0].x == Scale(Window(date(2025, 11, 22), date(2031, 11, 22))).x(date(2026, 1, 1))
    assert [tick.year for tick in long if tick.labelled] == list(range(2000, 2051, 5))


def test_only_contracts_and_cycles_with_something_in_the_window_get_a_row():
    old = asc0013()
    cycle = CycleFacts(
        name="Domestic abuse support services 2027",
        url="",
        stage="Market engagement",
        target_start=date(2027, 3, 1),
        milestones=(
            MilestoneFacts(day=date(2026, 3, 12), title="Responses due", status="scheduled", status_label="Scheduled"),
        ),
    )
    undated = CycleFacts(name="Counselling 2030", url="", stage="Needs assessment")

    drawn = timeline.layout(contracts=[old], cycles=[cycle, undated], window=YEAR_2026, today=date(2026, 6, 1))

    assert drawn.contracts == []
    assert drawn.cycles == [cycle]
    (row,) = drawn.sections[0].rows
    assert [(b.start, b.end) for b in row.bars] == [(date(2026, 3, 12), date(2027, 2, 28))]
    assert [m.kind for m in row.markers] == [timeline.MarkerKind.SCHEDULED]  # the start is in 2027


def test_a_service_under_a_framework_is_drawn_just_below_it():
    framework = ContractFacts(
        reference="MK-SPF-2020",
        title="Framework",
        url="",
        start=date(2020, 3, 1),
        initial_end=date(2027, 2, 28),
        current_end=date(2027, 2, 28),
        max_extent=date(2027, 2, 28),
    )
    refuge = ContractFacts(
        reference="MK-SPF-REFUGE",
        title="Refuge",
        url="",
        start=date(2020, 3, 1),
        initial_end=date(2027, 2, 28),
        current_end=date(2027, 2, 28),
        max_extent=date(2027, 2, 28),
        parent_reference="MK-SPF-2020",
    )
    other = ContractFacts(
        reference="CLE-VS-2016",
        title="Victim support",
        url="",
        start=date(2016, 4, 1),
        initial_end=date(2027, 3, 31),
        current_end=date(2027, 3, 31),
        max_extent=date(2027, 3, 31),
    )

    drawn = timeline.layout(contracts=[refuge, other, framework], cycles=[], window=YEAR_2026, today=date(2026, 6, 1))

    rows = drawn.sections[0].rows
    assert [row.label for row in rows] == ["CLE-VS-2016", "MK-SPF-2020", "MK-SPF-REFUGE"]
    assert rows[2].indent > rows[1].indent


# --- the page -------------------------------------------------------------------------------


def svg_of(page: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", page, re.DOTALL)
    assert match, "the page has no SVG"
    return ET.fromstring(match[0])


def titles(svg: ET.Element) -> list[str]:
    return [element.text for element in svg.iter(f"{SVG}title")]


def table_row(page: str, reference: str) -> str:
    """The text of the table row for ``reference``, tags removed and spaces squeezed."""
    match = re.search(rf'<tr[^>]*id="timeline-row-{reference.lower()}".*?</tr>', page, re.DOTALL)
    assert match, f"no table row for {reference}"
    return " ".join(re.sub(r"<[^>]+>", " ", match[0]).split())


def sign_in(client, role=roles.VIEWER):
    user = make_user(role=role)
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("commissioning:timeline"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.django_db
def test_someone_who_may_not_see_contracts_is_refused(client):
    sign_in(client, role=None)

    assert client.get(reverse("commissioning:timeline")).status_code == 403


@pytest.mark.django_db
@time_machine.travel(DURING_THE_INITIAL_TERM, tick=False)
def test_the_page_draws_the_terms_and_milestones_and_lists_the_same_dates_in_a_table(client):
    contract = make_contract(
        reference="ASC0013",
        title="Domestic abuse services",
        start_date=date(2014, 9, 1),
        initial_term_months=36,
        option_months=(24, 12),
        option_statuses=(EXERCISED, AVAILABLE),
        max_extent_date=date(2020, 8, 31),
    )
    make_milestone(contract=contract, title="Quality visit to the refuge", due_on=date(2018, 11, 14))
    sign_in(client)

    page = client.get(reverse("commissioning:timeline")).content.decode()

    svg = svg_of(page)
    assert svg.get("role") == "group"
    assert svg.find(f"{SVG}title").text == "Timeline of contracts and commissioning cycles"
    assert "from 1 March 2015 to 1 March 2021" in svg.find(f"{SVG}desc").text
    described_by = svg.get("aria-describedby").split()
    assert "timeline-data" in described_by
    assert page.index("<svg") < page.index('id="timeline-data"')  # the table follows the picture
    shown = titles(svg)
    assert any("Initial term: 1 September 2014 to 31 August 2017" in t for t in shown)
    assert any("Extension (exercised): 1 September 2017 to 31 August 2019" in t for t in shown)
    assert any("Extension (available): 1 September 2019 to 31 August 2020" in t for t in shown)
    assert "ASC0013. Quality visit to the refuge: 14 November 2018 (scheduled)" in shown
    assert len(svg.findall(f".//{SVG}polygon[@class='app-timeline__marker app-timeline__marker--scheduled']")) >= 1
    link = svg.find(f".//{SVG}a")
    assert link.get("href") == reverse("contracts:detail", args=[contract.pk])
    assert any(text.text == "Today" for text in svg.iter(f"{SVG}text"))

    row = table_row(page, "ASC0013")
    assert row.startswith("ASC0013 Domestic abuse services 1 September 2014 31 August 2017 31 August 2019")
    assert "Extension 1 exercised: 1 September 2017 to 31 August 2019" in row
    assert "Option 2 (1 year, available): 1 September 2019 to 31 August 2020" in row
    assert "31 August 2020" in row
    assert "14 November 2018: Quality visit to the refuge Scheduled" in row


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_2026, tick=False)
def test_a_timed_milestone_shows_its_london_time_not_utc(client):
    contract = make_contract(reference="MK-DASS-2027")
    # Noon on 29 March 2027 is 11:00 UTC: British Summer Time began the day before.
    make_milestone(contract=contract, title="Tender deadline", due_at=datetime(2027, 3, 29, 11, 0, tzinfo=UTC))
    sign_in(client)

    page = client.get(reverse("commissioning:timeline")).content.decode()

    assert "MK-DASS-2027. Tender deadline: 29 March 2027 at midday (scheduled)" in titles(svg_of(page))
    assert "29 March 2027 at midday: Tender deadline Scheduled" in table_row(page, "MK-DASS-2027")


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_2026, tick=False)
def test_a_cycle_is_a_row_from_its_first_milestone_to_the_new_contracts_start(client):
    cycle = make_cycle(
        name="Domestic abuse support services 2027", stage="market_engagement", target_start_date=date(2027, 3, 1)
    )
    make_milestone(cycle=cycle, title="Market engagement responses due", due_on=date(2026, 3, 12))
    sign_in(client)

    page = client.get(reverse("commissioning:timeline")).content.decode()

    shown = titles(svg_of(page))
    assert (
        "Domestic abuse support services 2027. Recommissioning (market engagement): "
        "12 March 2026 to 28 February 2027" in shown
    )
    assert "Domestic abuse support services 2027. New contracts start: 1 March 2027" in shown
    # By November 2026 the March responses are overdue: red, as on every other page.
    assert (
        'Market engagement responses due <strong class="govuk-tag govuk-tag--red app-milestone-status">Overdue'
        in page.split('id="timeline-cycles"')[1]
    )


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_2026, tick=False)
def test_the_default_window_leaves_out_long_finished_contracts_and_everything_shows_them(client):
    make_contract(
        reference="ASC0013",
        start_date=date(2014, 9, 1),
        initial_term_months=36,
        option_months=(24,),
        option_statuses=(EXERCISED,),
    )
    make_contract(reference="MK-DASS-2027")
    sign_in(client)

    default = client.get(reverse("commissioning:timeline")).content.decode()
    everything = client.get(reverse("commissioning:timeline"), {"period": "all"}).content.decode()

    assert "MK-DASS-2027" in default and "ASC0013" not in default
    assert "22 November 2025 to 22 November 2031" in default
    assert "ASC0013" in everything and "MK-DASS-2027" in everything
    assert "1 January 2014 to 31 December 2034" in everything  # where MK-DASS-2027's last option ends


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_2026, tick=False)
def test_the_team_filter_shows_one_teams_contracts_and_bad_values_show_everyones(client):
    milton_keynes, cleveland = make_team(name="Milton Keynes"), make_team(name="Cleveland")
    make_contract(reference="MK-DASS-2027", team=milton_keynes)
    make_contract(reference="CLE-VS-2027", team=cleveland, start_date=date(2027, 4, 1))
    sign_in(client)

    one_team = client.get(reverse("commissioning:timeline"), {"team": milton_keynes.pk}).content.decode()
    nonsense = client.get(reverse("commissioning:timeline"), {"team": "nonsense", "period": "forever"})

    assert "MK-DASS-2027" in one_team and "CLE-VS-2027" not in one_team
    assert "of Milton Keynes" in one_team
    assert nonsense.status_code == 200
    assert "MK-DASS-2027" in nonsense.content.decode() and "CLE-VS-2027" in nonsense.content.decode()


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_2026, tick=False)
def test_a_period_with_nothing_in_it_says_so(client):
    sign_in(client)

    page = client.get(reverse("commissioning:timeline")).content.decode()

    assert "No contracts or commissioning cycles fall within this period." in page
    assert "<svg" not in page


@pytest.mark.django_db
def test_the_page_links_its_stylesheet_with_print_styles(client):
    sign_in(client)

    page = client.get(reverse("commissioning:timeline")).content.decode()

    assert "css/timeline.css" in page
    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/timeline.css")).read_text()
    assert "@media print" in css and "A4 landscape" in css


def _spread(count: int) -> None:
    """``count`` contracts, each with options and a milestone, and a cycle for every three."""
    team = make_team()
    for index in range(count):
        contract = make_contract(
            start_date=date(2025, 4, 1), team=team, option_months=(12, 12), option_statuses=(EXERCISED, AVAILABLE)
        )
        make_milestone(contract=contract, due_on=date(2026, 6, 1 + index % 28))
        if index % 3 == 0:
            cycle = make_cycle(team=team, target_start_date=date(2028, 4, 1), replaces=[contract])
            make_milestone(cycle=cycle, due_on=date(2027, 1, 1 + index % 28))


def _queries_for_the_page(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("commissioning:timeline"), {"period": "all"})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_2026, tick=False)
def test_the_page_takes_the_same_number_of_queries_for_3_and_12_contracts(client):
    sign_in(client)
    _spread(3)
    few = _queries_for_the_page(client)
    assert client.get(reverse("commissioning:timeline")).content.decode().count("app-timeline__row--contract") == 3

    _spread(9)
    many = _queries_for_the_page(client)

    assert many == few, (few, many)
    page = client.get(reverse("commissioning:timeline"), {"period": "all"}).content.decode()
    assert page.count("app-timeline__row--contract") == 12
    assert page.count("app-timeline__row--cycle") == 4


# --- the demo data --------------------------------------------------------------------------


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("DEMO_PASSWORD", browser.PASSWORD)  # one copy of the demo with the browser tests'
    with snapshot.demo_loaded():
        yield


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_2026, tick=False)
def test_the_demo_data_draws_and_the_2027_contract_can_run_to_february_2034(client, demo):
    client.force_login(get_user_model().objects.get(username="officer"))

    for query in ({}, {"period": "all"}):
        response = client.get(reverse("commissioning:timeline"), query)
        assert response.status_code == 200
        page = response.content.decode()
        row = table_row(page, "MK-DASS-2027")
        assert row.startswith(
            "MK-DASS-2027 Domestic Abuse Support Services in Milton Keynes 1 March 2027 29 February 2032 29 February 2032"
        )
        assert "28 February 2034" in row
        assert "Option 1 (1 year, available): 1 March 2032 to 28 February 2033" in row
        assert any("MK-DASS-2027. Initial term: 1 March 2027" in t for t in titles(svg_of(page)))

    # Everything reaches back to ASC0013 and its two-year extension.
    assert "Extension (exercised): 1 September 2017 to 31 August 2019" in " ".join(titles(svg_of(page)))
    assert "MK-DASS-2027" in {m.text for m in svg_of(page).iter(f"{SVG}text")}
    assert Milestone.objects.filter(contract__reference="MK-DASS-2027").exists()


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_2026, tick=False)
def test_an_admins_timeline_opens_on_their_team_and_draws_at_most_25_of_each_with_the_totals(client):
    """Issue 24: an admin's timeline of every team sent 2.7 MB at 1,000 contracts and did not
    answer in 30 s at 10,000."""
    from commissioning.views.timeline import TIMELINE_CAP

    mine = make_team(name="Domestic abuse team")
    admin = make_user(role=roles.ADMIN, teams=[mine])
    client.force_login(admin)
    make_contract(reference="MINE-1", team=mine, start_date=date(2025, 4, 1))

    def queries(**params):
        client.get(reverse("commissioning:timeline"), params)
        with CaptureQueriesContext(connection) as counted:
            client.get(reverse("commissioning:timeline"), params)
        return len(counted)

    _spread(3)
    small = queries(), queries(team="")
    _spread(TIMELINE_CAP + 5)
    assert (queries(), queries(team="")) == small

    own = client.get(reverse("commissioning:timeline")).content.decode()
    assert "of Domestic abuse team" in own and own.count("app-timeline__row--contract") == 1
    every = client.get(reverse("commissioning:timeline"), {"team": ""}).content.decode()
    assert every.count("app-timeline__row--contract") == TIMELINE_CAP
    assert f"The first {TIMELINE_CAP} of {TIMELINE_CAP + 9} contracts by start date" in every
    assert f'href="{reverse("contracts:register")}"' in every
    assert "commissioning cycles by target start" not in every  # 11 cycles: all drawn
    for _ in range(TIMELINE_CAP):
        make_cycle(team=mine, target_start_date=date(2028, 4, 1))
    every = client.get(reverse("commissioning:timeline"), {"team": ""}).content.decode()
    assert f"The first {TIMELINE_CAP} of {TIMELINE_CAP + 11} commissioning cycles by target start" in every
