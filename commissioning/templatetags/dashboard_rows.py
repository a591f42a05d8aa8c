"""The dashboard's table rows, one tag a row: ``{% milestone_row milestone %}``, ``{% contract_row row %}``.

Issue 24: an admin's dashboard shows about 250 rows (100 milestones in the next 90 days, 25
overdue, 75 contracts ending, 25 at risk), and the template language resolved each row's dozen
values one lookup and one filter at a time: 21 of the page's 27 ms of rendering at 100,000
contracts. Each row is written here in one pass with the same helpers the template called
(``milestone_status``, ``risk_tag``, ``gap_tag``, ``long_date``, ``time_of_day``), so the HTML is
the same, character for character; tests/test_dashboard_rows.py compares it with the template's.
"""

from __future__ import annotations

from html import escape as _escape

from django import template
from django.utils import dateformat
from django.utils.safestring import mark_safe

from common import dates
from common.urls import reverse_pk
from contracts.templatetags.govuk import gap_tag, risk_tag

from .milestone_tags import milestone_status

register = template.Library()

_ROW = '<tr class="govuk-table__row">{}\n    </tr>'
_CELL = '\n      <td class="govuk-table__cell">{}</td>'
_NOWRAP = '\n      <td class="govuk-table__cell app-nowrap">{}</td>'
_LINK = '<a class="govuk-link" href="{}">{}</a>'
_DISAGREE = '<br><strong class="govuk-tag govuk-tag--yellow">Sources disagree</strong>'


def _e(text) -> str:
    """What ``{{ text }}`` shows of a plain value: Django's ``escape`` without its lazy-string wrapper."""
    return _escape(str(text))


class _Links:
    """Each detail page's address for this render, from one ``reverse_pk`` a URL name: the rows
    of one page share the URL configuration and script prefix."""

    NAMES = {
        "contract": "contracts:detail",
        "cycle": "commissioning:cycle-detail",
        "milestone": "commissioning:milestone-detail",
    }

    def __init__(self):
        self.forms = {kind: reverse_pk(name, 0).rsplit("0", 1) for kind, name in self.NAMES.items()}

    def __call__(self, kind: str, pk: int) -> str:
        before, after = self.forms[kind]
        return f"{before}{pk}{after}"


def _links(context) -> _Links:
    render = context.render_context
    if "dashboard_rows.links" not in render:
        render["dashboard_rows.links"] = _Links()
    return render["dashboard_rows.links"]


def _when(milestone, *, weekday: bool) -> str:
    """The due cell: "Mon 1 March 2027" (the next 90 days) or "1 March 2027" (overdue), and the time."""
    text = _e(dates.long_date(milestone.due_on))
    if weekday:
        text = f"{_e(dateformat.format(milestone.due_on, 'D'))} {text}"
    if milestone.due_at:
        text += f"<br>{_e(dates.time_of_day(milestone.due_at))}"
        if weekday and milestone.ends_at:
            text += f" to {_e(dates.time_of_day(milestone.ends_at))}"
    return text


def _about(milestone, links: _Links) -> str:
    """The contract (reference and title) or the cycle a milestone belongs to, as links."""
    contract = milestone.contract
    if contract:
        link = _LINK.format(links("contract", contract.pk), _e(contract.reference))
        return f'{link}<br><span class="govuk-body-s">{_e(contract.title)}</span>'
    cycle = milestone.cycle
    return _LINK.format(links("cycle", cycle.pk), _e(cycle.name))


@register.simple_tag(takes_context=True)
def milestone_row(context, milestone, overdue: bool = False) -> str:
    """A row of "The next 90 days" (date with its weekday and times, then the status) or, with
    ``overdue``, of "Overdue milestones" (the date alone; the status does not wrap)."""
    links = _links(context)
    title = _LINK.format(links("milestone", milestone.pk), _e(milestone.title))
    if milestone.conflict_note:
        title += _DISAGREE
    owner = milestone.owner
    status = milestone_status(context, milestone)
    cells = (
        _NOWRAP.format(_when(milestone, weekday=not overdue)),
        _CELL.format(title),
        _CELL.format(_about(milestone, links)),
        _CELL.format(_e(owner.get_full_name() or owner.get_username()) if owner else "No owner"),
        (_NOWRAP if overdue else _CELL).format(status),
    )
    return mark_safe(_ROW.format("".join(cells)))


@register.simple_tag(takes_context=True)
def contract_row(context, row, decision: bool = True) -> str:
    """A row of "Contracts ending" (with the decision) or, without ``decision``, of
    "Recommissioning late or due to start" (``commissioning.selectors.ContractRow``)."""
    contract = row.contract
    provider = contract.provider.name if contract.provider else ""
    link = _LINK.format(_links(context)("contract", contract.pk), _e(contract.reference))
    cells = [
        _CELL.format(f'{link} {gap_tag(row.has_gap)}<br><span class="govuk-body-s">{_e(contract.title)}</span>'),
        _CELL.format(_e(provider or "Not yet awarded")),
        _NOWRAP.format(_e(dates.long_date(contract.current_end_date))),
    ]
    if decision:
        cells.append(_CELL.format(_e(row.decision_status)))
    cells.append(_CELL.format(risk_tag(row.risk)))
    return mark_safe(_ROW.format("".join(cells)))
