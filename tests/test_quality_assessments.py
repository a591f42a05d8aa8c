"""Quality assessments: the score, the action plan and the score after it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import roles
from reports.models import QualityAssessment
from tests.factories import make_contract, make_user

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return " ".join(response.content.decode().split())


def form(**overrides) -> dict:
    data = {
        "service": "Refuge",
        "assessed_on_day": "1",
        "assessed_on_month": "3",
        "assessed_on_year": "2016",
        "score": "83",
        "action_plan": "Staff training, supervision and appraisals",
        "follow_up_on_day": "1",
        "follow_up_on_month": "7",
        "follow_up_on_year": "2016",
        "follow_up_score": "90",
    }
    data.update(overrides)
    return data


def test_an_officer_records_a_refuge_assessment_of_83_then_90(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()

    response = client.post(reverse("reports:quality-create", args=[contract.pk]), form(), follow=True)

    assessment = QualityAssessment.objects.get()
    assert (assessment.score, assessment.follow_up_score, assessment.follow_up_on) == (
        Decimal("83"),
        Decimal("90"),
        date(2016, 7, 1),
    )
    text = page(response)
    assert "Quality assessment of Refuge saved" in text
    assert "83%" in text and "90%" in text


def test_a_score_over_100_percent_is_refused(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()

    response = client.post(reverse("reports:quality-create", args=[contract.pk]), form(score="183"))

    assert page(response).count("Enter a score of 100% or less") == 2
    assert not QualityAssessment.objects.exists()


def test_a_follow_up_before_the_assessment_is_refused(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract()

    response = client.post(
        reverse("reports:quality-create", args=[contract.pk]),
        form(follow_up_on_day="1", follow_up_on_month="1", follow_up_on_year="2016"),
    )

    assert "The follow-up must be on or after the date of the assessment" in page(response)
    assert not QualityAssessment.objects.exists()


def test_a_follow_up_score_needs_the_date_of_the_follow_up():
    assessment = QualityAssessment(
        contract=make_contract(), service="Refuge", assessed_on=date(2016, 3, 1), score=83, follow_up_score=90
    )

    with pytest.raises(ValidationError) as caught:
        assessment.full_clean()

    assert caught.value.message_dict == {"follow_up_on": ["Enter the date of the follow-up that gave the new score"]}


def test_an_officer_corrects_an_assessment_and_the_history_keeps_the_old_score(client):
    officer = make_user(role=roles.OFFICER)
    client.force_login(officer)
    contract = make_contract()
    client.post(reverse("reports:quality-create", args=[contract.pk]), form())
    assessment = QualityAssessment.objects.get()

    client.post(reverse("reports:quality-edit", args=[assessment.pk]), form(follow_up_score="91"))

    assert [record.follow_up_score for record in assessment.history.order_by("history_date")] == [
        Decimal("90"),
        Decimal("91"),
    ]
    assert assessment.history.first().history_user == officer


def test_a_viewer_sees_the_scores_but_cannot_add_or_change_them(client):
    client.force_login(make_user(role=roles.VIEWER))
    contract = make_contract()
    assessment = QualityAssessment.objects.create(
        contract=contract, service="Refuge", assessed_on=date(2016, 3, 1), score=83
    )

    performance = page(client.get(reverse("reports:performance", args=[contract.pk])))

    assert "83%" in performance and "Add a quality assessment" not in performance
    assert client.post(reverse("reports:quality-create", args=[contract.pk]), form()).status_code == 403
    assert client.post(reverse("reports:quality-edit", args=[assessment.pk]), form()).status_code == 403
    assert QualityAssessment.objects.count() == 1
