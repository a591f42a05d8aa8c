"""The figures a report shows, as plain words keyed by what they are: frozen on approval.

``report_figures`` turns a report's facts (``selectors.report_facts``) into an ordered
mapping of label to the words the report prints, for example
``{"Annual value": "£524,994", "Option 1 ends": "31 August 2019", ...}``. It is stored as
JSON on the approval (``ReportApproval.figures``) and compared with today's facts, so the
report page can say, in the officer's language, which figures have changed since a
manager approved the report. Pure: no ORM beyond the facts already loaded, no clock.
"""

from __future__ import annotations

from contracts.templatetags.govuk import long_date, money

from .templatetags.reports import kpi_value, met_label, score


def _day(value) -> str:
    return long_date(value) if value else "Not set"


def _money(value) -> str:
    return money(value) if value is not None else "Not recorded"


def report_figures(facts) -> dict[str, str]:
    """Every figure the tracker computes for the report, as the report prints it."""
    figures: dict[str, str] = {"Council": facts.council}
    contract, option, cycle = facts.contract, facts.option, facts.cycle
    if contract:
        figures.update(
            {
                "Contract": f"{contract.reference}: {contract.title}",
                "Provider": contract.provider or "Not recorded",
                "Contract start": _day(contract.start_date),
                "Initial term": contract.initial_term_words,
                "Initial term ends": _day(contract.initial_end_date),
                "Contract currently ends": _day(contract.current_end_date),
                "Maximum extent": _day(contract.max_extent_date),
                "Annual value": _money(contract.annual_value),
                "Extension options": contract.options_summary,
            }
        )
    if option:
        figures.update(
            {
                "Option exercised": f"Option {option.sequence}: {option.length_words}",
                "Option status": option.status_label,
                "Contract expires without the option": _day(option.expires_on),
                "Extension starts": _day(option.starts_on),
                "Extension ends": _day(option.new_end_date),
                "Value of the extension": _money(option.value),
            }
        )
    if cycle:
        figures.update(
            {
                "Commissioning cycle": cycle.name,
                "Stage": cycle.stage,
                "New contracts start": _day(cycle.target_start_date),
                "Estimated value": _money(cycle.estimated_value),
                "Contracts replaced": "; ".join(cycle.replaces) or "None",
            }
        )
    procurement = getattr(facts, "procurement", None)
    if procurement:
        figures["Estimated value including VAT"] = _money(procurement.value_with_vat)
        figures["Estimated value excluding VAT"] = _money(procurement.value_without_vat)
        figures["Regime"] = procurement.regime_label
        for notice in procurement.notices:
            figures[f"Notice {notice.title}"] = _day(notice.due_on)
        for row in procurement.timetable:
            figures[f"Milestone {row.title}"] = f"{_day(row.due_on)} ({row.status})"
    timetable = getattr(facts, "timetable", None)
    if timetable:
        figures["Key-decision notice by"] = _day(timetable.notice_by)
        figures["Report to democratic services by"] = _day(timetable.report_due_on)
    for number, recommendation in enumerate(facts.recommendations, start=1):
        figures[f"Recommendation 1.{number}"] = recommendation
    quarters = facts.kpis.quarters if facts.kpis else []
    for service in facts.kpis.services if facts.kpis else []:
        for row in service.rows:
            name = f"{row.service}: {row.name}" if row.service else row.name
            figures[f"KPI {name}, target"] = kpi_value(row.target, row.unit) or "None set"
            for quarter, cell in zip(quarters, row.cells):
                figures[f"KPI {name}, {quarter.label}"] = kpi_value(cell.actual, cell.unit) if cell else "Not reported"
            figures[f"KPI {name}, against target"] = met_label(row.met)
    for assessment in facts.quality:
        key = f"Quality {assessment.service}, {_day(assessment.assessed_on)}"
        figures[f"{key}, score"] = score(assessment.score)
        figures[f"{key}, score after the action plan"] = score(assessment.follow_up_score) or "Not yet"
    for boundary in facts.cover_boundaries:
        key = f"Cover {boundary.service} ({boundary.old.reference})"
        figures[f"{key}, last day"] = _day(boundary.last_day)
        figures[f"{key}, first day of new cover"] = _day(boundary.first_day) if boundary.first_day else "None planned"
        figures[f"{key}, gap"] = f"{boundary.gap.days} days" if boundary.gap else "None"
    return figures


# Figures reports print since issue 23's second part (the procurement and the decision timetable).
LATER_FIGURES = (
    "Key-decision notice by",
    "Report to democratic services by",
    "Estimated value including VAT",
    "Estimated value excluding VAT",
    "Regime",
    "Notice ",
    "Milestone ",
)


def figures_changed(approved: dict[str, str], today: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, as approved, today) for each figure that differs, in the approved report's order.

    A report approved before the tracker printed the later figures has none of them: they are
    not changes to what was approved, so they are not listed as if they were.
    """
    changed = []
    for label, was in approved.items():
        now = today.get(label, "No longer shown")
        if now != was:
            changed.append((label, was, now))
    approved_before_later_figures = not any(label.startswith(LATER_FIGURES) for label in approved)
    changed.extend(
        (label, "Not shown", now)
        for label, now in today.items()
        if label not in approved and not (approved_before_later_figures and label.startswith(LATER_FIGURES))
    )
    return changed
