"""Officer pages say things in words (issue 25, "Plain language"): no JSON path ("$.planning...",
"tender.lots[0]") and no ISO timestamp ("2026-03-12T23:59:59+00:00") outside a GOV.UK Details,
where the technical detail waits for those who want it. Walked over the demo's records."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from commissioning.models import CommissioningCycle, Milestone
from contracts.models import Contract
from notices.models import Conflict, Notice, Release

pytestmark = pytest.mark.django_db

# A JSON path ("$.planning.milestones[0]", "tender.lots[0].contractPeriod"; not the address
# find-tender.service.gov.uk) or an ISO timestamp (a release id ends with one).
TECHNICAL = re.compile(
    r"\$\.[a-z]|(?<![\w./-])(?:planning|tender|awards|contracts)(?:\[\d+\])?\.[a-z]|\d{4}-\d\d-\d\dT\d\d:\d\d"
)
HIDDEN = re.compile(r"<details\b.*?</details>|<script\b.*?</script>|<head>.*?</head>|<[^>]+>", re.DOTALL)


@pytest.fixture
def officer(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=StringIO())
    return get_user_model().objects.get(username="officer")


def test_no_json_path_or_iso_timestamp_outside_a_details_on_the_demos_pages(client, officer):
    client.force_login(officer)
    urls = [reverse("commissioning:dashboard"), reverse("commissioning:timeline"), reverse("contracts:register")]
    for model in (Contract, CommissioningCycle, Milestone, Conflict, Release, Notice):
        urls += [record.get_absolute_url() for record in model.objects.all()]
    found, read = {}, 0
    for url in urls:
        response = client.get(url)
        if response.status_code == 404:
            continue  # another team's record (access.policy)
        assert response.status_code == 200, url
        read += 1
        words = HIDDEN.sub(" ", response.content.decode())  # the text outside Details, without markup
        technical = TECHNICAL.findall(words)
        if technical:
            found[url] = [words[max(0, m.start() - 120) : m.end() + 40] for m in TECHNICAL.finditer(words)][:3]
    assert read > 20
    assert found == {}, f"technical detail outside a Details: {found}"
