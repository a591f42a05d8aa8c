"""Figures the report prints since an approval was made are not called changes to it."""

from __future__ import annotations

from reports.snapshot import figures_changed


def test_an_approval_made_before_the_decision_timetable_was_printed_shows_no_change_for_it():
    approved = {"Annual value": "£524,994"}
    today = {"Annual value": "£524,994", "Key-decision notice by": "13 February 2017", "Regime": "Light touch"}

    assert figures_changed(approved, today) == []


def test_a_later_figure_missing_from_an_approval_that_printed_them_is_a_change():
    approved = {"Annual value": "£524,994", "Key-decision notice by": "13 February 2017"}
    today = {**approved, "Notice Publish the UK6": "1 February 2027"}

    assert figures_changed(approved, today) == [("Notice Publish the UK6", "Not shown", "1 February 2027")]


def test_a_new_kpi_row_is_still_a_change():
    approved = {"Annual value": "£524,994"}
    today = {**approved, "KPI Refuge occupancy, target": "90%"}

    assert figures_changed(approved, today) == [("KPI Refuge occupancy, target", "Not shown", "90%")]
