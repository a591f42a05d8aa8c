"""The demo data carries the real situation of cover and one demonstrable gap (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.contrib.auth import get_user_model

from commissioning.models import Milestone
from commissioning.selectors import services_cover_for
from contracts.models import Contract
from tests import snapshot
from tests.factories import PASSWORD
from tests.test_dashboard import row_with, rows, section, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)  # as demo_once's: one copy of the demo for both
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False), snapshot.demo_loaded():
        yield date(2026, 11, 22)


def test_the_framework_hands_over_to_the_new_contract_on_1_march_2027_with_no_gap(demo):
    admin = get_user_model().objects.get(username="admin")

    cover = {service.name: service for service in services_cover_for(user=admin, today=demo)}

    for name in ["Refuge", "Crisis intervention (IDVA)", "Perpetrator programme"]:
        service = cover[name]
        assert [term.reference for term in service.chain] == [
            {
                "Refuge": "MK-SPF-REFUGE",
                "Crisis intervention (IDVA)": "MK-SPF-IDVA",
                "Perpetrator programme": "MK-SPF-PERP",
            }[name],
            "MK-DASS-2027",
        ]
        handover = service.boundaries[0]
        assert (handover.last_day, handover.first_day, handover.gap) == (date(2027, 2, 28), date(2027, 3, 1), None)
    assert [name for name, service in cover.items() if service.gaps] == ["Domestic abuse helpline (illustration)"]


def test_the_demo_dashboard_opens_with_clevelands_illustrated_gap_and_what_would_close_it(client, demo):
    client.force_login(get_user_model().objects.get(username="admin"))

    page = client.get("/").content.decode()

    (gap,) = rows(section(page, "gaps"))
    assert gap == (
        "Domestic abuse helpline (illustration) Gap in cover "
        "Domestic abuse helpline (illustration) has no contract from 1 April to 30 June 2027: "
        "CLE-DEMO-HELPLINE-2027 starts on 1 July 2027 91 "
        "Option 1 of CLE-DEMO-HELPLINE could bridge it, decide by 1 February 2027 "
        "CLE-DEMO-HELPLINE CLE-DEMO-HELPLINE-2027"
    )
    helpline = Contract.objects.get(reference="CLE-DEMO-HELPLINE")
    (milestone,) = helpline.milestones.filter(kind=Milestone.Kind.GAP_IN_COVER)
    assert milestone.due_on == date(2027, 4, 1)


def test_the_demo_tells_the_truth_about_the_2027_cycle_with_overdue_milestones(client, demo):
    client.force_login(get_user_model().objects.get(username="admin"))

    refuge = row_with(section(client.get("/").content.decode(), "ending-6"), "MK-SPF-REFUGE")

    # The market engagement responses were due on 12 March 2026: the cycle is late, so not green.
    assert "Recommissioning risk: Red" in text(refuge)
    assert "Domestic abuse support services 2027 overdue" in text(refuge)
