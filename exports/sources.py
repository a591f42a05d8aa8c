"""What the register, milestones and reminders downloads hold: their columns and their rows.

Each download reads the page's own query string with the page's own filter form and
selector, so the file holds exactly the rows the officer has on screen, every page of them,
in the same order, and never a record the page would not show (``access.policy`` decides,
through the selectors). Bad filter values are dropped, as the pages drop them.

The column orders are documented in docs/exports.md; keep the two in step.
"""

from __future__ import annotations

from datetime import date

from django.http import QueryDict

from commissioning.filters import DashboardFilterForm
from commissioning.models import Milestone
from commissioning.selectors import milestones_for_dashboard
from common.history import person_name
from contracts import selectors as contract_selectors
from contracts.forms import RegisterFilterForm
from contracts.models import Contract
from reminders.models import Reminder
from reminders.selectors import reminder_tab, reminders_for_list

from .tables import Column, Kind, Table, yes_no

# Rows fetched from the database at a time: memory stays flat however long the register is.
CHUNK = 2000


def person(user) -> str:
    return person_name(user, nobody="")


def label(model, field_name: str):
    """A column value: the field's choice label, looked up once rather than per row
    (``get_FOO_display`` costs a quarter of a large download's time)."""
    labels = {value: str(text) for value, text in model._meta.get_field(field_name).flatchoices}
    return lambda obj: labels.get(getattr(obj, field_name), getattr(obj, field_name))


# --- the contract register -----------------------------------------------------------------


def register_columns(today: date) -> list[Column]:
    return [
        Column("Reference", lambda c: c.reference, width=16),
        Column("Title", lambda c: c.title, width=40),
        Column("Type", label(Contract, "kind")),
        Column("Service", label(Contract, "service_category"), width=28),
        Column("Team", lambda c: c.team.name, width=28),
        Column("Buyer", lambda c: c.buyer.name, width=28),
        Column("Provider", lambda c: c.provider.name if c.provider else "", width=28),
        Column("Lead officer", lambda c: person(c.lead_officer)),
        Column("Status", lambda c: c.phase_label(today), width=14),
        Column("Start date", lambda c: c.start_date, Kind.DATE, width=12),
        Column("End of initial term", lambda c: c.initial_end_date, Kind.DATE, width=12),
        Column("Current end date", lambda c: c.current_end_date, Kind.DATE, width=12),
        Column("Maximum extent date", lambda c: c.max_extent_date, Kind.DATE, width=12),
        Column("Terminated on", lambda c: c.terminated_on, Kind.DATE, width=12),
        Column("Options left", lambda c: c.options_left, Kind.INTEGER, width=10),
        Column("Days to end", lambda c: c.days_to_end(today), Kind.INTEGER, width=10),
        Column("Annual value", lambda c: c.annual_value, Kind.MONEY, width=14),
        Column("Total value", lambda c: c.total_value, Kind.MONEY, width=14),
        Column("Funding source", label(Contract, "funding_source")),
        Column("Funding detail", lambda c: c.funding_detail, width=28),
        Column("Light-touch regime", lambda c: yes_no(c.is_light_touch), width=10),
        Column("Procurement route", label(Contract, "procurement_route"), width=28),
        Column("Decision on expiry", label(Contract, "decision")),
        Column("OCID", lambda c: c.ocid, width=22),
    ]


# How a filter reads in a download's file name (issue 25: every download was called the same).
FILTER_WORDS = {
    "mine": "my-items",
    "q": "matching-{}",
    "ending_within": "ending-within-{}-months",
    "recipient": "to-{}",
    "sent_from": "sent-from-{}",
    "sent_to": "sent-to-{}",
}


def filters_in_words(filters: dict) -> str:
    """The filters on screen as words for a file name: ``planned-Refuge-ending-within-12-months``;
    exports.filenames.download_name makes them safe."""
    words = []
    for key, value in filters.items():
        if value in (None, "", False):
            continue
        shown = value.isoformat() if isinstance(value, date) else str(value)
        template = FILTER_WORDS.get(key, "{}")
        words.append(template.format(shown) if "{}" in template else template)
    return "-".join(words)


def register_table(*, user, params: QueryDict, today: date) -> Table:
    """The register as ``contracts:register`` shows it for these query parameters, all pages."""
    form = RegisterFilterForm(params or None, user=user)
    sort = params.get("sort", "end")
    if sort not in contract_selectors.REGISTER_SORTS:
        sort = "end"
    filters = form.valid_filters()
    contracts = contract_selectors.contracts_for_register(
        user=user, filters=filters, sort=sort, descending=params.get("order") == "desc", today=today
    )
    return Table(
        columns=register_columns(today),
        rows=contracts.iterator(chunk_size=CHUNK),
        count=contracts.count,
        sheet_title="Contract register",
        filename_stem="-".join(part for part in ("contract-register", filters_in_words(filters)) if part),
    )


# --- milestones ----------------------------------------------------------------------------


def _team(milestone: Milestone) -> str:
    subject = milestone.contract if milestone.contract_id else milestone.cycle
    return subject.team.name


MILESTONE_COLUMNS = [
    Column("Due date", lambda m: m.due_on, Kind.DATE, width=12),
    Column("Due time (UK)", lambda m: m.due_at, Kind.TIME, width=8),
    Column("Ends (UK)", lambda m: m.ends_at, Kind.TIME, width=8),
    Column("Milestone", lambda m: m.title, width=40),
    Column("Kind", label(Milestone, "kind"), width=24),
    Column("Status", label(Milestone, "status"), width=12),
    Column("Met on", lambda m: m.met_on, Kind.DATE, width=12),
    Column("Contract reference", lambda m: m.contract.reference if m.contract_id else "", width=16),
    Column("Contract title", lambda m: m.contract.title if m.contract_id else "", width=32),
    Column("Cycle", lambda m: m.cycle.name if m.cycle_id else "", width=32),
    Column("Team", _team, width=28),
    Column("Owner", lambda m: person(m.owner)),
    Column("Source", label(Milestone, "source"), width=22),
    Column("Sources disagree", lambda m: m.conflict_note, width=40),
    Column("Description", lambda m: m.description, width=40),
]


def milestones_table(*, user, params: QueryDict, today: date) -> Table:
    """Every milestone the dashboard's filters (team, my items) match, whatever its date or status."""
    filters = DashboardFilterForm(params or None, user=user).filters()
    milestones = milestones_for_dashboard(filters, user).select_related("contract__team", "cycle__team")
    return Table(
        columns=MILESTONE_COLUMNS,
        rows=milestones.iterator(chunk_size=CHUNK),
        count=milestones.count,
        sheet_title="Milestones",
        filename_stem="-".join(
            part for part in ("milestones", filters_in_words({"team": filters.team, "mine": filters.mine})) if part
        ),
    )


# --- reminders -----------------------------------------------------------------------------


def _which(reminder: Reminder) -> str:
    if reminder.purpose == Reminder.Purpose.REMINDER:
        return reminder.offset[:1].upper() + reminder.offset[1:]
    return reminder.get_purpose_display()


def _subject(reminder: Reminder) -> str:
    milestone = reminder.milestone
    return milestone.contract.reference if milestone.contract_id else milestone.cycle.name


REMINDER_COLUMNS = [
    Column("Send at (UK)", lambda r: r.send_at, Kind.DATETIME, width=16),
    Column("Sent at (UK)", lambda r: r.sent_at, Kind.DATETIME, width=16),
    Column("Status", label(Reminder, "status"), width=12),
    Column("Milestone", lambda r: r.milestone.title, width=40),
    Column("Milestone due date", lambda r: r.milestone.due_on, Kind.DATE, width=12),
    Column("Contract or cycle", _subject, width=28),
    Column("To", lambda r: r.recipient_name, width=24),
    Column("Email", lambda r: r.recipient_email, width=30),
    Column("Audience", label(Reminder, "audience"), width=14),
    Column("Which", _which, width=24),
    Column("Notes", lambda r: r.note, width=30),
    Column("Last error", lambda r: r.last_error, width=30),
    Column("Late", lambda r: yes_no(r.was_late), width=8),
    Column("Attempts", lambda r: r.attempts, Kind.INTEGER, width=8),
]


def reminders_table(*, user, params: QueryDict, today: date) -> Table:
    """The reminders on the Reminders page's tab (``show``), with the page's filters (team, mine,
    recipient, dates): the page's download links name the team on screen (``team=`` for all)."""
    from reminders.forms import ReminderFilterForm

    tab = reminder_tab(params.get("show"))
    filters = ReminderFilterForm(params, user=user).filters()
    reminders = reminders_for_list(user=user, tab=tab, **filters)
    return Table(
        columns=REMINDER_COLUMNS,
        rows=reminders.iterator(chunk_size=CHUNK),
        count=reminders.count,
        sheet_title=f"Reminders ({tab})",
        filename_stem="-".join(part for part in (f"reminders-{tab}", filters_in_words(filters)) if part),
    )
