"""The contract page keeps to what an officer needs now (issue 25: at 320 px its five panels made
one 17,000 px page): milestones and duties of the coming year, and anything still open, shown;
settled and far-off ones behind a GOV.UK Details; the latest changes, with every change a link
away. The browser test (test_browser_small_screens.py) measures the page at 320 px."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from commissioning.models import Milestone
from common.dates import now_earlier_later
from contracts import services
from tests.factories import make_contract, make_milestone, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2027, 6, 1)


def _details(page: str, details_id: str) -> str:
    match = re.search(rf'<details class="govuk-details" id="{details_id}">(.*?)</details>', page, re.DOTALL)
    return match[1] if match else ""


def test_what_is_shown_and_what_waits_behind_a_details():
    days = {
        "next month": TODAY + timedelta(days=30),
        "in two years": TODAY + timedelta(days=730),
        "met last year": TODAY - timedelta(days=300),
        "still open from last year": TODAY - timedelta(days=300),
        "met last month": TODAY - timedelta(days=30),
    }
    settled = {"met last year", "met last month"}
    now, earlier, later = now_earlier_later(
        list(days), TODAY, day=lambda name: days[name], settled=lambda name: name in settled
    )
    assert now == ["next month", "still open from last year", "met last month"]
    assert earlier == ["met last year"]
    assert later == ["in two years"]


def test_the_contract_page_shows_the_coming_years_milestones_and_keeps_the_rest_behind_details(client):
    officer = make_user()
    contract = make_contract()
    make_milestone(contract=contract, title="Provider event", due_on=TODAY + timedelta(days=20))
    make_milestone(contract=contract, title="Tender published", due_on=TODAY + timedelta(days=800))
    make_milestone(
        contract=contract,
        title="Needs assessment",
        due_on=TODAY - timedelta(days=400),
        status=Milestone.Status.MET,
        met_on=TODAY - timedelta(days=400),
    )

    with time_machine.travel(TODAY, tick=False):
        client.force_login(officer)  # a session from before would have expired by then
        page = client.get(contract.get_absolute_url()).content.decode()

    shown = page[page.index('id="milestones"') : page.index('id="notices"')]
    later, earlier = _details(shown, "later-milestones"), _details(shown, "earlier-milestones")
    assert "Tender published" in later and "Later milestones, due from" in later
    assert "Needs assessment" in earlier
    outside = shown.replace(later, "").replace(earlier, "")
    assert "Provider event" in outside and "Tender published" not in outside and "Needs assessment" not in outside


def test_the_history_shows_the_latest_five_changes_and_links_to_every_one(client):
    officer = make_user(first_name="Priya", last_name="Shah")
    client.force_login(officer)
    contract = make_contract()
    for n in range(7):
        contract.title = f"Domestic abuse refuge, version {n}"
        services.contract_save(contract=contract, officer=officer, reason=f"Change number {n}")

    page = client.get(contract.get_absolute_url()).content.decode()
    history = page[page.index('id="history"') :]
    assert "Change number 6" in history and "Change number 2" in history
    assert "Change number 1" not in history
    link = reverse("contracts:history", args=[contract.pk])
    assert re.search(
        rf'<a class="govuk-link" href="{link}">Every change to {contract.reference} \(\d+ in all\)</a>', page
    )

    everything = client.get(link).content.decode()
    assert f"History of {contract.reference}" in everything
    assert all(f"Change number {n}" in everything for n in range(7))
