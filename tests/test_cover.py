"""Continuity of cover, table by table (commissioning.cover: no database, no clock)."""

from datetime import date

import pytest

from commissioning.cover import Cycle, OpenOption, Period, Term, gaps_opened, service_boundaries
from commissioning.models import STAGE_ORDER

STAGES = {stage.value: index for stage, index in STAGE_ORDER.items()}
# Named days: the demo's real situation is the framework ending 28 February 2027 and the new
# contract planned from 1 March 2027.
NOVEMBER_2026 = date(2026, 11, 22)
FRAMEWORK_END = date(2027, 2, 28)

REFUGE = Term("MK-SPF-REFUGE", date(2020, 3, 1), FRAMEWORK_END, pk=1)


def new(start: date, reference: str = "MK-DASS-2027") -> Term:
    return Term(reference, start, date(2032, 2, 29), pk=2)


def cycle(target: date | None = date(2027, 3, 1), stage: str = "market_engagement", **fields) -> Cycle:
    return Cycle("Domestic abuse support services 2027", stage, target, **fields)


def option(sequence: int, start: date, end: date, decide_by: date, status: str = "available") -> OpenOption:
    return OpenOption(sequence, start, end, decide_by, status)


# One option of a year after the framework's end, to be decided by 30 November 2026.
OPTION_1 = option(1, date(2027, 3, 1), date(2028, 2, 29), date(2026, 11, 30))
# Three months only: cannot bridge a six-month gap.
SHORT_OPTION = option(1, date(2027, 3, 1), date(2027, 5, 31), date(2026, 11, 30))


def boundaries(*chain, cycles=None, today=NOVEMBER_2026, service="Refuge"):
    return service_boundaries(service, chain, cycles or {}, today=today, stage_order=STAGES)


def at_the_end_of_the_first(old, *chain, **kwargs):
    """The boundary at the end of ``old`` (the successor has its own, with no successor yet)."""
    return next(b for b in boundaries(old, *chain, **kwargs) if b.old is old)


@pytest.mark.parametrize(
    ("period", "words"),
    [
        (Period(date(2027, 3, 1), date(2027, 3, 31)), "from 1 to 31 March 2027"),
        (Period(date(2027, 3, 30), date(2027, 4, 2)), "from 30 March to 2 April 2027"),
        (Period(date(2026, 12, 30), date(2027, 1, 2)), "from 30 December 2026 to 2 January 2027"),
        (Period(date(2027, 3, 1), date(2027, 3, 1)), "on 1 March 2027"),
    ],
)
def test_a_period_is_said_in_words(period, words):
    assert period.words == words


@pytest.mark.parametrize(
    ("successor_start", "gap", "overlap_days"),
    [
        # The real situation: the new contract starts the day after the framework ends.
        (date(2027, 3, 1), None, 0),
        # The later notice moved the start by a month: all of March has no contract.
        (date(2027, 4, 1), Period(date(2027, 3, 1), date(2027, 3, 31)), 0),
        # A day late is a day without a refuge.
        (date(2027, 3, 2), Period(date(2027, 3, 1), date(2027, 3, 1)), 0),
        # Starting a month early overlaps by February's 28 days.
        (date(2027, 2, 1), None, 28),
    ],
)
def test_the_boundary_between_a_contract_and_its_successor(successor_start, gap, overlap_days):
    boundary = at_the_end_of_the_first(REFUGE, new(successor_start))

    assert (boundary.last_day, boundary.first_day) == (FRAMEWORK_END, successor_start)
    assert (boundary.gap, boundary.overlap_days) == (gap, overlap_days)
    assert boundary.new.reference == "MK-DASS-2027"


def test_a_gap_is_named_with_its_days_and_the_successor_start():
    boundary = at_the_end_of_the_first(REFUGE, new(date(2027, 4, 1)))

    assert boundary.gap.days == 31
    assert boundary.words == (
        "Refuge has no contract from 1 to 31 March 2027: MK-DASS-2027 starts on 1 April 2027; no option can "
        "bridge it: only starting the new contract by 1 March 2027, or other cover for the 31 days, closes it"
    )


def test_a_contract_with_no_successor_and_no_cycle_is_a_boundary_with_no_successor():
    boundary = at_the_end_of_the_first(REFUGE)

    assert (boundary.has_successor, boundary.first_day, boundary.gap, boundary.decommissioned) == (
        False,
        None,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("target", "gap"),
    [
        (date(2027, 3, 1), None),
        (date(2027, 4, 1), Period(date(2027, 3, 1), date(2027, 3, 31))),
        (None, None),  # a cycle with no start date plans no cover: no successor yet
    ],
)
def test_a_cycle_replacing_the_contract_plans_cover_from_its_target_start(target, gap):
    boundary = at_the_end_of_the_first(REFUGE, cycles={"MK-SPF-REFUGE": [cycle(target)]})

    assert (boundary.first_day, boundary.gap, boundary.cycle.name) == (
        target,
        gap,
        "Domestic abuse support services 2027",
    )


def test_a_successor_starting_on_another_day_than_its_cycle_targeted_counts_from_its_own_start():
    boundary = at_the_end_of_the_first(
        REFUGE, new(date(2027, 4, 1)), cycles={"MK-SPF-REFUGE": [cycle(date(2027, 3, 1))]}
    )

    assert boundary.first_day == date(2027, 4, 1)
    assert boundary.target_moved
    assert boundary.gap_words == (
        "Refuge has no contract from 1 to 31 March 2027: MK-DASS-2027 starts on 1 April 2027, "
        "not 1 March 2027 as its cycle planned"
    )


def test_of_two_cycles_the_one_furthest_on_counts():
    early = Cycle("Early thoughts", "needs_assessment", date(2028, 1, 1))
    tender = Cycle("Tender", "procurement", date(2027, 3, 1))

    boundary = at_the_end_of_the_first(REFUGE, cycles={"MK-SPF-REFUGE": [early, tender]})

    assert (boundary.cycle.name, boundary.gap) == ("Tender", None)


@pytest.mark.parametrize(
    "cycles",
    [{}, {"MK-SPF-REFUGE": [cycle(date(2027, 6, 1))]}],
    ids=["no cycle", "a cycle replacing it"],
)
def test_a_decided_end_of_cover_is_not_a_gap(cycles):
    # A cycle's decision is held on the contracts it replaces (commissioning.services.decision_record).
    old = Term("MK-SPF-REFUGE", date(2020, 3, 1), FRAMEWORK_END, decision="decommission")

    boundary = at_the_end_of_the_first(old, cycles=cycles)

    assert (boundary.decommissioned, boundary.gap, boundary.first_day) == (True, None, None)


def test_a_successor_contract_outweighs_a_decision_to_decommission():
    old = Term("MK-SPF-REFUGE", date(2020, 3, 1), FRAMEWORK_END, decision="decommission")

    boundary = at_the_end_of_the_first(old, new(date(2027, 4, 1)))

    assert not boundary.decommissioned
    assert boundary.gap.days == 31


@pytest.mark.parametrize(
    ("options", "today", "bridging", "passed", "falls_short", "closes_it"),
    [
        (
            (OPTION_1,),
            NOVEMBER_2026,
            [1],
            [False],
            False,
            "option 1 of MK-SPF-REFUGE could bridge it, decide by 30 November 2026",
        ),
        (
            (OPTION_1,),
            date(2026, 12, 1),
            [1],
            [True],
            False,
            "option 1 of MK-SPF-REFUGE could bridge it, but the decide-by date for option 1, 30 November 2026, has passed",
        ),
        (
            (SHORT_OPTION, option(2, date(2027, 6, 1), date(2027, 8, 31), date(2027, 1, 31))),
            NOVEMBER_2026,
            [1, 2],
            [False, False],
            False,
            "options 1 and 2 of MK-SPF-REFUGE could bridge it, decide by 30 November 2026",
        ),
        (
            (SHORT_OPTION,),
            NOVEMBER_2026,
            [1],
            [False],
            True,
            (
                "option 1 of MK-SPF-REFUGE would shorten it (decide by 30 November 2026); only starting the new "
                "contract by 1 March 2027 closes it"
            ),
        ),
    ],
    ids=["decidable", "decide-by passed", "two options needed", "falls short"],
)
def test_options_that_could_bridge_a_gap_are_named_with_their_decide_by_date(
    options, today, bridging, passed, falls_short, closes_it
):
    old = Term("MK-SPF-REFUGE", date(2020, 3, 1), FRAMEWORK_END, options=options)

    boundary = at_the_end_of_the_first(old, new(date(2027, 9, 1)), today=today)

    assert [bridge.option.sequence for bridge in boundary.bridging] == bridging
    assert [bridge.decide_by_passed for bridge in boundary.bridging] == passed
    assert boundary.options_fall_short is falls_short
    assert boundary.closes_it == closes_it


@pytest.mark.parametrize(
    ("status", "decision", "last_day", "gap"),
    [
        # An approved option is planned cover: the framework runs to 29 February 2028.
        ("approved", "", date(2028, 2, 29), None),
        # "Extend" decided: the next option counts at once, before it is exercised.
        ("available", "extend", date(2028, 2, 29), None),
        ("available", "extend_with_variations", date(2028, 2, 29), None),
        # Nothing decided: the current end stands and the option could bridge it.
        ("available", "", FRAMEWORK_END, Period(date(2027, 3, 1), date(2027, 8, 31))),
        # "Re-tender" decided: the option will not be used, the gap is certain.
        ("available", "retender", FRAMEWORK_END, Period(date(2027, 3, 1), date(2027, 8, 31))),
    ],
)
def test_decisions_and_approved_options_move_the_last_day_of_cover(status, decision, last_day, gap):
    old = Term(
        "MK-SPF-REFUGE",
        date(2020, 3, 1),
        FRAMEWORK_END,
        options=(option(1, date(2027, 3, 1), date(2028, 2, 29), date(2026, 11, 30), status),),
        decision=decision,
    )

    boundary = at_the_end_of_the_first(old, new(date(2027, 9, 1)))

    assert (boundary.last_day, boundary.gap) == (last_day, gap)


def test_re_tender_decided_says_no_option_will_bridge_the_gap():
    old = Term("MK-SPF-REFUGE", date(2020, 3, 1), FRAMEWORK_END, options=(OPTION_1,), decision="retender")

    boundary = at_the_end_of_the_first(old, new(date(2027, 4, 1)))

    assert (boundary.bridging, boundary.options_fall_short) == ((), True)
    assert boundary.closes_it.startswith("re-tender is decided, so no option will bridge it")


def test_a_successor_covering_several_old_contracts_is_a_boundary_in_each_service():
    successor = new(date(2027, 4, 1))
    idva = Term("MK-SPF-IDVA", date(2020, 3, 1), FRAMEWORK_END, pk=3)
    perpetrator = Term("MK-SPF-PERP", date(2020, 3, 1), FRAMEWORK_END, pk=4)

    gaps = {
        service: boundaries(old, successor, service=service)[0].gap_words
        for service, old in [("Refuge", REFUGE), ("IDVA", idva), ("Perpetrator programme", perpetrator)]
    }

    assert gaps == {
        service: f"{service} has no contract from 1 to 31 March 2027: MK-DASS-2027 starts on 1 April 2027"
        for service in ["Refuge", "IDVA", "Perpetrator programme"]
    }


def test_two_old_contracts_for_one_service_both_meet_the_one_successor():
    # Cleveland: two contracts of 1 April 2016 to 31 March 2027, one successor from 1 April 2027.
    victim_support = Term("CLE-VS-2016", date(2016, 4, 1), date(2027, 3, 31), pk=5)
    restorative = Term("CLE-RP-2016", date(2016, 4, 1), date(2027, 3, 31), pk=6)
    successor = Term("CLE-VSRP-2027", date(2027, 4, 1), date(2029, 3, 31), pk=7)

    found = boundaries(victim_support, restorative, successor, service="Victim support")

    assert [(b.old.reference, b.new and b.new.reference, b.gap) for b in found] == [
        ("CLE-RP-2016", "CLE-VSRP-2027", None),
        ("CLE-VS-2016", "CLE-VSRP-2027", None),
        ("CLE-VSRP-2027", None, None),
    ]


def test_an_interim_contract_in_the_chain_closes_the_days_it_covers():
    interim = Term("MK-REFUGE-INTERIM", date(2027, 3, 1), date(2027, 3, 15), pk=8)

    found = {b.old.reference: b for b in boundaries(REFUGE, interim, new(date(2027, 4, 1)))}

    # The framework hands over to the interim contract, which leaves 16 to 31 March uncovered.
    assert found["MK-SPF-REFUGE"].gap is None
    assert found["MK-REFUGE-INTERIM"].gap == Period(date(2027, 3, 16), date(2027, 3, 31))


def test_a_gap_between_contracts_in_a_chain_is_found_when_a_later_contract_covers_part_of_it():
    # The framework, then a successor from 1 May; a short contract covers 1 to 15 April only.
    short = Term("MK-REFUGE-SPOT", date(2027, 4, 1), date(2027, 4, 15), pk=9)

    found = {b.old.reference: b for b in boundaries(REFUGE, short, new(date(2027, 5, 1)))}

    assert found["MK-SPF-REFUGE"].gap == Period(date(2027, 3, 1), date(2027, 3, 31))
    assert found["MK-REFUGE-SPOT"].gap == Period(date(2027, 4, 16), date(2027, 4, 30))


@pytest.mark.parametrize(
    ("today", "references"),
    [
        # Before the end: the framework's boundary and the new contract's own (no successor yet).
        (NOVEMBER_2026, ["MK-SPF-REFUGE", "MK-DASS-2027"]),
        # In the gap: still a boundary, the gap is happening now.
        (date(2027, 3, 15), ["MK-SPF-REFUGE", "MK-DASS-2027"]),
        # After it: history, left out.
        (date(2027, 4, 2), ["MK-DASS-2027"]),
    ],
)
def test_boundaries_that_are_history_are_left_out(today, references):
    found = boundaries(REFUGE, new(date(2027, 4, 1)), today=today)

    assert [boundary.old.reference for boundary in found] == references


def test_a_terminated_contract_cannot_be_bridged_by_its_options():
    old = Term("MK-SPF-REFUGE", date(2020, 3, 1), date(2026, 12, 31), options=(OPTION_1,), terminated=True)

    (boundary, _successor) = boundaries(old, new(date(2027, 3, 1)))

    assert boundary.gap == Period(date(2027, 1, 1), date(2027, 2, 28))
    assert (boundary.bridging, boundary.options_fall_short) == ((), True)


# --- no successor -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chain", "cycles", "today", "no_successor", "words"),
    [
        (
            [REFUGE],
            {},
            NOVEMBER_2026,
            True,
            "Nothing replaces MK-SPF-REFUGE: Refuge's cover ends on 28 February 2027",
        ),
        # Ended with nothing after it: kept, however long ago, and said in the past tense.
        (
            [REFUGE],
            {},
            date(2029, 6, 1),
            True,
            "Refuge has had no contract since 1 March 2027: nothing replaces MK-SPF-REFUGE",
        ),
        # A cycle replacing it plans the successor until the old cover has ended without one.
        ([REFUGE], {"MK-SPF-REFUGE": [cycle()]}, NOVEMBER_2026, False, ""),
        (
            [REFUGE],
            {"MK-SPF-REFUGE": [cycle()]},
            date(2027, 5, 1),
            True,
            "Refuge has had no contract since 1 March 2027: nothing replaces MK-SPF-REFUGE",
        ),
        ([REFUGE, new(date(2027, 3, 1))], {}, NOVEMBER_2026, False, ""),
        # A longer contract running beside it keeps the service covered.
        ([REFUGE, Term("MK-REFUGE-PARALLEL", date(2019, 1, 1), date(2030, 12, 31))], {}, NOVEMBER_2026, False, ""),
        (
            [REFUGE, Term("MK-REFUGE-PARALLEL", date(2019, 1, 1), date(2030, 12, 31))],
            {},
            date(2027, 5, 1),
            False,
            "",
        ),
        # Recommissioning not due yet (it should start on 1 September 2027): not flagged yet.
        (
            [Term("MK-SPF-REFUGE", date(2020, 3, 1), date(2029, 2, 28), recommission_by=date(2027, 9, 1))],
            {},
            NOVEMBER_2026,
            False,
            "",
        ),
        (
            [Term("MK-SPF-REFUGE", date(2020, 3, 1), date(2029, 2, 28), recommission_by=date(2026, 9, 1))],
            {},
            NOVEMBER_2026,
            True,
            "Nothing replaces MK-SPF-REFUGE: Refuge's cover ends on 28 February 2029",
        ),
        # A decided end of cover is not a missing successor.
        (
            [Term("MK-SPF-REFUGE", date(2020, 3, 1), FRAMEWORK_END, decision="decommission")],
            {},
            NOVEMBER_2026,
            False,
            "",
        ),
    ],
    ids=[
        "ends with nothing after",
        "ended with nothing after",
        "a cycle replaces it",
        "the cycle's contract never came",
        "a successor",
        "a longer parallel contract",
        "a longer parallel contract, after the end",
        "recommissioning not due yet",
        "recommissioning due",
        "decommissioning decided",
    ],
)
def test_a_service_whose_last_contract_ends_with_nothing_after_it_has_no_successor(
    chain, cycles, today, no_successor, words
):
    found = [b for b in boundaries(*chain, cycles=cycles, today=today) if b.old.reference == "MK-SPF-REFUGE"]

    assert [b.no_successor for b in found] == ([no_successor] if found else [])
    assert [b.no_successor_words for b in found if b.no_successor] == ([words] if words else [])
    if words:
        assert found[0].summary == words


def test_an_ended_contract_whose_successor_started_is_still_history():
    assert [b.old.reference for b in boundaries(REFUGE, new(date(2027, 3, 1)), today=date(2027, 6, 1))] == [
        "MK-DASS-2027"
    ]


# --- gaps opened by a change ---------------------------------------------------------------------


def test_only_the_gaps_a_change_opened_or_moved_are_new():
    before = boundaries(REFUGE, new(date(2027, 4, 1)))
    same = boundaries(REFUGE, new(date(2027, 4, 1)))
    later = boundaries(REFUGE, new(date(2027, 5, 1)))
    continuous = boundaries(REFUGE, new(date(2027, 3, 1)))

    assert gaps_opened(before, same) == []
    assert [b.gap for b in gaps_opened(before, later)] == [Period(date(2027, 3, 1), date(2027, 4, 30))]
    assert [b.gap for b in gaps_opened(continuous, before)] == [Period(date(2027, 3, 1), date(2027, 3, 31))]
    assert gaps_opened(before, continuous) == []
