"""Domestic Abuse Act 2021 Part 4: the strategy's three-yearly review and the annual return, as
recurring milestones, with the Milton Keynes strategy 2025-2028's dates in the demo."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from commissioning.models import Milestone
from contracts.demo import MK_CYCLE
from notices import council_duties


def test_the_strategy_is_reviewed_at_least_every_three_years():
    reviews = council_duties.strategy_reviews(date(2025, 8, 1), until=date(2031, 12, 31))
    assert [review.due_on for review in reviews] == [date(2028, 7, 31), date(2031, 7, 31)]
    assert "partnership board" in reviews[0].title


def test_the_annual_return_recurs_each_year():
    returns = council_duties.annual_returns(date(2026, 6, 30), until=date(2028, 12, 31))
    assert [(item.due_on, item.title) for item in returns] == [
        (date(2026, 6, 30), "Send the Domestic Abuse Act annual return for 2025-26"),
        (date(2027, 6, 30), "Send the Domestic Abuse Act annual return for 2026-27"),
        (date(2028, 6, 30), "Send the Domestic Abuse Act annual return for 2027-28"),
    ]


@pytest.mark.django_db
def test_the_demo_carries_the_mk_strategy_dates_once_however_often_it_loads(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("DEMO_PASSWORD", "correct-horse-battery")
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())

    dated = Milestone.objects.filter(cycle__name=MK_CYCLE, derived_key__startswith="duty:DA:").order_by("due_on")
    assert [(m.due_on, m.title) for m in dated] == [
        (date(2026, 6, 30), "Send the Domestic Abuse Act annual return for 2025-26"),
        (date(2027, 6, 30), "Send the Domestic Abuse Act annual return for 2026-27"),
        (date(2028, 6, 30), "Send the Domestic Abuse Act annual return for 2027-28"),
        (date(2028, 7, 31), "Review the safe-accommodation needs assessment and strategy with the partnership board"),
    ]
