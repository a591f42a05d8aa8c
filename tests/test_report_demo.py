"""The demo's ASC0013 extension report: its PDF reads like the 2017 Cabinet report."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from reports.models import DecisionReport, KpiResult, MonitoringReturn, QualityAssessment
from reports.pdf import render_report_pdf
from reports.selectors import report_for_display
from tests.report_helpers import pdf_text

# The demo is loaded once for the module (tests/conftest.py); each test's load_demo() is then
# the reload an officer would run, which must find everything in place.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_once")]


@pytest.fixture(autouse=True)
def demo_settings(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"  # approving keeps the PDF in file storage
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def asc0013_report() -> DecisionReport:
    return report_for_display(DecisionReport.objects.get(contract__reference="ASC0013").pk)


def test_the_asc0013_report_pdf_gives_the_seed_reports_values_and_dates():
    load_demo()

    text = pdf_text(render_report_pdf(asc0013_report()))

    assert "Milton Keynes City Council" in text
    assert "Extension of contract – Comprehensive Support Services for Victims of Domestic Abuse (ref: ASC0013)" in text
    assert "The annual value of this contract is £524,994 per annum" in text
    assert "The value of a two-year extension is £1,049,988" in text
    assert "The contract is due to expire on 31 August 2017" in text
    assert "be extended for two years, from 1 September 2017 until 31 August 2019" in text
    # The seed's own slip ("until 1 July 2019") is not repeated: the date is computed.
    assert "1 July 2019" not in text
    assert "Responsible Cabinet Member: Councillor Long (Cabinet Member for Adult Social Care and Housing)" in text
    assert "Author and contact: Mick Hancock (Assistant Director Joint Commissioning) Tel: (01908) 257967" in text


def test_the_asc0013_report_pdf_gives_the_quality_scores_kpis_and_four_options():
    load_demo()

    text = pdf_text(render_report_pdf(asc0013_report()))

    assert "Refuge 1 March 2016 83% 1 July 2016 90%" in text
    assert "Crisis intervention (One Stop) 1 March 2016 87% 1 July 2016 94%" in text
    assert "Perpetrator programme (Fresh Start) 1 March 2016 83% 1 July 2016 94%" in text
    assert "New referrals responded to within 24 hours 100% 100% Met" in text
    assert "Refuge occupancy 90% 99% Met" in text
    assert "Option 1: Extend the existing contract (recommended)" in text
    assert "Option 2: Extend the existing contract with variations" in text
    assert "Option 3: Re-tender" in text
    assert "Option 4: Decommission" in text
    assert (
        "Equalities/ Diversity Sustainability Human Rights E-Government Stakeholders Crime and Disorder Carbon and Energy Policy Y N Y N Y Y N"
        in text
    )


def test_the_demo_report_waits_for_a_manager_to_approve_it():
    load_demo()

    report = asc0013_report()

    assert report.status == DecisionReport.Status.SUBMITTED
    assert report.meeting_date.isoformat() == "2017-03-14"
    assert [o.kind for o in report.options.filter(is_recommended=True)] == ["extend"]


def test_loading_the_demo_twice_adds_no_second_report_return_or_assessment():
    load_demo()
    counts = (
        DecisionReport.objects.count(),
        MonitoringReturn.objects.count(),
        KpiResult.objects.count(),
        QualityAssessment.objects.count(),
    )

    output = load_demo()

    assert (
        DecisionReport.objects.count(),
        MonitoringReturn.objects.count(),
        KpiResult.objects.count(),
        QualityAssessment.objects.count(),
    ) == counts
    assert counts == (1, 1, 17, 3)
    assert "Demo data already loaded: nothing to create." in output


def test_the_demo_manager_opens_the_demo_report_and_approves_it(client):
    load_demo()
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    report = asc0013_report()
    client.force_login(get_user_model().objects.get(username="manager"))

    page = " ".join(client.get(reverse("reports:detail", args=[report.pk])).content.decode().split())
    assert "Submitted for approval: submitted by System" in page
    assert "The value of a two-year extension is £1,049,988." in page
    response = client.post(reverse("reports:approve", args=[report.pk]), {"action": "approve"}, follow=True)

    page = " ".join(response.content.decode().split())
    assert "Report approved" in page
    assert "approved by Joanne Clarke" in page
