"""The dashboard's rows written by one tag a row show exactly what the template's markup showed.

Issue 24: ``{% milestone_row %}`` and ``{% contract_row %}`` (commissioning/templatetags/
dashboard_rows.py) replaced markup that resolved each value one lookup at a time. Each case
here renders the markup the dashboard had, kept below as it was, and the tag, for the same row,
and asks for the same HTML: times and spans, sources that disagree, no owner or an owner with
no name, a cycle's milestone, no provider, a gap, each risk, a decision, and text to escape.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template

from commissioning import rules
from commissioning.models import CommissioningCycle, Milestone
from commissioning.selectors import ContractRow
from contracts.models import Contract, Organisation

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 22)

WEEK_ROW = """{% load govuk milestone_tags %}<tr class="govuk-table__row">
      <td class="govuk-table__cell app-nowrap">{{ milestone.due_on|date:"D" }} {{ milestone.due_on|long_date }}{% if milestone.due_at %}<br>{{ milestone.due_at|time_of_day }}{% if milestone.ends_at %} to {{ milestone.ends_at|time_of_day }}{% endif %}{% endif %}</td>
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ milestone.get_absolute_url }}">{{ milestone.title }}</a>{% if milestone.conflict_note %}<br><strong class="govuk-tag govuk-tag--yellow">Sources disagree</strong>{% endif %}</td>
      <td class="govuk-table__cell">{% if milestone.contract %}<a class="govuk-link" href="{{ milestone.contract.get_absolute_url }}">{{ milestone.contract.reference }}</a><br><span class="govuk-body-s">{{ milestone.contract.title }}</span>{% else %}<a class="govuk-link" href="{{ milestone.cycle.get_absolute_url }}">{{ milestone.cycle.name }}</a>{% endif %}</td>
      <td class="govuk-table__cell">{% if milestone.owner %}{{ milestone.owner.get_full_name|default:milestone.owner.get_username }}{% else %}No owner{% endif %}</td>
      <td class="govuk-table__cell">{% milestone_status milestone %}</td>
    </tr>"""

OVERDUE_ROW = """{% load govuk milestone_tags %}<tr class="govuk-table__row">
      <td class="govuk-table__cell app-nowrap">{{ milestone.due_on|long_date }}{% if milestone.due_at %}<br>{{ milestone.due_at|time_of_day }}{% endif %}</td>
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ milestone.get_absolute_url }}">{{ milestone.title }}</a>{% if milestone.conflict_note %}<br><strong class="govuk-tag govuk-tag--yellow">Sources disagree</strong>{% endif %}</td>
      <td class="govuk-table__cell">{% if milestone.contract %}<a class="govuk-link" href="{{ milestone.contract.get_absolute_url }}">{{ milestone.contract.reference }}</a><br><span class="govuk-body-s">{{ milestone.contract.title }}</span>{% else %}<a class="govuk-link" href="{{ milestone.cycle.get_absolute_url }}">{{ milestone.cycle.name }}</a>{% endif %}</td>
      <td class="govuk-table__cell">{% if milestone.owner %}{{ milestone.owner.get_full_name|default:milestone.owner.get_username }}{% else %}No owner{% endif %}</td>
      <td class="govuk-table__cell app-nowrap">{% milestone_status milestone %}</td>
    </tr>"""

ENDING_ROW = """{% load govuk %}{% with contract=row.contract %}<tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ contract.get_absolute_url }}">{{ contract.reference }}</a> {% gap_tag row.has_gap %}<br><span class="govuk-body-s">{{ contract.title }}</span></td>
      <td class="govuk-table__cell">{{ contract.provider.name|default:"Not yet awarded" }}</td>
      <td class="govuk-table__cell app-nowrap">{{ contract.current_end_date|long_date }}</td>
      <td class="govuk-table__cell">{{ row.decision_status }}</td>
      <td class="govuk-table__cell">{% risk_tag row.risk %}</td>
    </tr>{% endwith %}"""

AT_RISK_ROW = """{% load govuk %}{% with contract=row.contract %}<tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ contract.get_absolute_url }}">{{ contract.reference }}</a> {% gap_tag row.has_gap %}<br><span class="govuk-body-s">{{ contract.title }}</span></td>
      <td class="govuk-table__cell">{{ contract.provider.name|default:"Not yet awarded" }}</td>
      <td class="govuk-table__cell app-nowrap">{{ contract.current_end_date|long_date }}</td>
      <td class="govuk-table__cell">{% risk_tag row.risk %}</td>
    </tr>{% endwith %}"""


def render(markup: str, **context) -> str:
    return Template(markup).render(Context({"today": TODAY, **context}))


def person(username: str, first: str = "", last: str = ""):
    return get_user_model()(pk=7, username=username, first_name=first, last_name=last)


CONTRACT = Contract(pk=812, reference="MK<ASC0013>", title='Refuge & "crisis" support')
CYCLE = CommissioningCycle(pk=34, name="Recommissioning O'Neill & partners")


def milestone(**fields) -> Milestone:
    fields = {"pk": 4471, "title": 'Responses due <by noon> & "signed"', "due_on": date(2026, 12, 1), **fields}
    owner = fields.pop("owner", None)
    found = Milestone(**fields)
    found.owner = owner
    if found.cycle is None:
        found.contract = fields.get("contract", CONTRACT)
    return found


MILESTONES = {
    "all day, an officer's": milestone(owner=person("ola", "Ola", "Okafor")),
    "at midday": milestone(due_at=datetime(2026, 12, 1, 12, 0, tzinfo=LONDON), owner=person("ola", "Ola", "")),
    "a span of a morning": milestone(
        due_at=datetime(2026, 12, 1, 10, 0, tzinfo=LONDON), ends_at=datetime(2026, 12, 1, 11, 30, tzinfo=LONDON)
    ),
    "sources disagree, nobody's": milestone(conflict_note="The notice says 23:59"),
    "an owner with no name": milestone(owner=person("j.smith&co")),
    "a cycle's": milestone(cycle=CYCLE),
    "overdue by days": milestone(due_on=date(2025, 10, 1), kind="engagement_due"),
    "passed, an event": milestone(due_on=date(2026, 11, 1), kind="term_end"),
    "met": milestone(status="met", due_on=date(2026, 11, 1)),
}


@pytest.mark.parametrize("case", MILESTONES)
def test_a_row_of_the_next_90_days_is_what_the_markup_showed(case):
    shown = MILESTONES[case]
    assert render("{% load dashboard_rows %}{% milestone_row milestone %}", milestone=shown) == render(
        WEEK_ROW, milestone=shown
    )


@pytest.mark.parametrize("case", MILESTONES)
def test_an_overdue_row_is_what_the_markup_showed(case):
    shown = MILESTONES[case]
    assert render("{% load dashboard_rows %}{% milestone_row milestone overdue=True %}", milestone=shown) == render(
        OVERDUE_ROW, milestone=shown
    )


def contract_row(**fields) -> ContractRow:
    contract = Contract(
        pk=fields.pop("pk", 913),
        reference="BN<0913>",
        title="Sanctuary & target hardening",
        current_end_date=date(2027, 5, 31),
        decision=fields.pop("decision", ""),
    )
    contract.provider = fields.pop("provider", None)
    return ContractRow(contract, **fields)


ROWS = {
    "no provider, no risk": contract_row(risk=None),
    "a provider with a name to escape": contract_row(
        provider=Organisation(pk=3, name="Women's Aid & <Refuge>"),
        risk=rules.Risk(rules.Rating.GREEN, "On track: recommissioning starts by 1 March 2027"),
    ),
    "a gap, red": contract_row(
        risk=rules.Risk(rules.Rating.RED, "A gap in cover from 1 June 2027 <no successor>"), own_gap=True
    ),
    "amber, a decision": contract_row(
        risk=rules.Risk(rules.Rating.AMBER, "Recommissioning must start within 3 months"),
        decision=Contract.Decision.RETENDER,
    ),
}


@pytest.mark.parametrize("case", ROWS)
def test_a_row_of_contracts_ending_is_what_the_markup_showed(case):
    row = ROWS[case]
    assert render("{% load dashboard_rows %}{% contract_row row %}", row=row) == render(ENDING_ROW, row=row)


@pytest.mark.parametrize("case", ROWS)
def test_a_row_of_recommissioning_at_risk_is_what_the_markup_showed(case):
    row = ROWS[case]
    assert render("{% load dashboard_rows %}{% contract_row row decision=False %}", row=row) == render(
        AT_RISK_ROW, row=row
    )


def test_the_rows_escape_what_officers_typed():
    shown = render("{% load dashboard_rows %}{% milestone_row milestone %}", milestone=MILESTONES["a cycle's"])

    assert "Responses due &lt;by noon&gt; &amp; &quot;signed&quot;" in shown
    assert "Recommissioning O&#x27;Neill &amp; partners" in shown


@pytest.mark.django_db
def test_the_dashboards_milestone_lists_read_only_the_columns_their_rows_show(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_milestone, make_user

    make_milestone(title="Provider event", due_on=date.today())
    client.force_login(make_user())
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200

    lists = [query["sql"] for query in queries if query["sql"].startswith('SELECT "commissioning_milestone"."id"')]
    assert len(lists) == 2  # overdue and the next 90 days
    for sql in lists:
        # The milestone's, its contract's, cycle's and owner's columns the rows read: 20, not about 100.
        assert sql.split(" FROM ")[0].count('"."') <= 20, sql
