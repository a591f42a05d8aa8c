"""Bad OCDS input: each is refused with the release and the JSON path, and nothing is half-imported."""

import io
import tracemalloc
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from commissioning.models import CommissioningCycle, Milestone
from notices import services
from notices.duties import standstill_end
from notices.models import Conflict, Duty, Lot, Notice, Release
from notices.ocds import exporter
from notices.ocds.loader import ImportOptions, Outcome, import_releases
from notices.ocds.schema import release_validator
from tests.factories import make_cycle, make_team
from tests.ocds_helpers import (
    CLEVELAND_OCID,
    MK_OCID,
    MK_RELEASE_ID,
    as_bytes,
    cleveland_release,
    import_bytes,
    make_seed_buyers,
    mk_release,
)

pytestmark = pytest.mark.django_db

MK = f"release {MK_RELEASE_ID} ({MK_OCID})"


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def team():
    make_seed_buyers()
    return make_team()


def nothing_imported():
    return not any(
        model.objects.exists() for model in (Release, Notice, Lot, Conflict, Duty, Milestone, CommissioningCycle)
    )


def refused(data, **options) -> list[str]:
    [outcome] = import_bytes(data, **options)
    assert outcome.status == Outcome.REFUSED, outcome
    return outcome.problems


def test_a_date_only_end_date_is_refused_naming_the_release_and_the_path(team):
    release = mk_release()
    release["tender"]["lots"][0]["contractPeriod"]["endDate"] = "2032-02-29"

    assert refused(release, team=team) == [
        f"{MK}: $.tender.lots[0].contractPeriod.endDate: '2032-02-29' is a date without a time or time zone "
        "(OCDS needs e.g. 2032-02-29T23:59:59+00:00)"
    ]
    assert nothing_imported()


def test_a_date_time_without_an_offset_is_refused(team):
    release = mk_release()
    release["planning"]["milestones"][0]["dueDate"] = "2026-03-12T12:00:00"

    assert refused(release, team=team) == [
        f"{MK}: $.planning.milestones[0].dueDate: '2026-03-12T12:00:00' has no time zone (OCDS needs an offset such as Z or +01:00)"
    ]


def test_an_impossible_date_is_refused(team):
    release = mk_release()
    release["tender"]["lots"][0]["contractPeriod"]["endDate"] = "2031-02-29T23:59:59+00:00"  # 2031 is not a leap year

    assert refused(release, team=team) == [
        f"{MK}: $.tender.lots[0].contractPeriod.endDate: '2031-02-29T23:59:59+00:00' is not a real date and time"
    ]


def test_a_number_written_as_text_is_refused(team):
    release = mk_release()
    release["tender"]["value"]["amount"] = "4400000"

    assert refused(release, team=team) == [f"{MK}: $.tender.value.amount: '4400000' should be a number, not a string"]


def test_a_missing_ocid_or_release_id_is_refused():
    no_ocid = mk_release()
    del no_ocid["ocid"]
    no_id = mk_release()
    del no_id["id"]

    assert refused(no_ocid) == [f"release {MK_RELEASE_ID}: $.ocid: is missing"]
    assert refused(no_id) == ["$ (no release id): $.id: is missing"]
    assert nothing_imported()


def test_1e9999_as_an_amount_is_an_error_not_infinity(team):
    data = as_bytes(mk_release()).replace(b'"amount":4400000', b'"amount":1e9999')

    [problem] = refused(data, team=team)

    assert problem.startswith(f"{MK}: $.tender.value.amount: 1E+9999 is too large to be a number")
    assert "infinity" in problem
    assert nothing_imported()


def test_1e9999_as_the_maximum_renewals_means_no_maximum_and_survives_export(team):
    release = mk_release()
    release["tender"]["lots"][0]["renewal"] = {"description": "Annual renewals", "maximumRenewals": Decimal("1e9999")}

    [outcome] = import_bytes(release, team=team)

    assert outcome.status == Outcome.IMPORTED
    lot = Lot.objects.get()
    assert lot.renewals_unlimited and lot.maximum_renewals is None
    assert '"maximumRenewals":1E+9999' in Release.objects.get().raw_json
    exported = exporter.to_json(
        exporter.release_package([exporter.cycle_release(lot.cycle)], uri="https://example.org/x")
    )
    assert '"maximumRenewals": 1E+9999' in exported
    assert "Infinity" not in exported


def test_invalid_json_stops_the_file_with_where_and_keeps_the_releases_before_it(team):
    data = b'{"releases": [' + as_bytes(mk_release()) + b', {"ocid": oops}]}'

    outcomes = import_bytes(data, team=team)

    assert [o.status for o in outcomes] == [Outcome.IMPORTED, Outcome.UNREADABLE]
    [message] = outcomes[1].problems
    assert message.startswith("The file is not valid JSON after $.releases[0] (near byte")
    assert "invalid char" in message or "parse error" in message or "lexical error" in message
    assert Release.objects.filter(release_id=MK_RELEASE_ID).exists()


def test_a_bad_line_in_json_lines_is_refused_on_its_own(team):
    data = b"{not json}\n" + as_bytes(mk_release()) + b"\n"

    outcomes = import_bytes(data, team=team)

    assert outcomes[0].status == Outcome.REFUSED
    assert outcomes[0].problems[0].startswith("line 1 is not valid JSON")
    assert outcomes[1].status == Outcome.IMPORTED


def test_nan_and_other_non_json_numbers_are_refused(team):
    data = as_bytes(mk_release()).replace(b'"amount":4400000', b'"amount":NaN')

    [outcome] = import_bytes(data, team=team)

    assert outcome.status == Outcome.UNREADABLE
    assert "not valid JSON" in outcome.problems[0]


def test_a_file_that_is_not_json_or_is_empty_says_so():
    assert import_bytes(b"")[0].problems == ["The file is empty"]
    assert import_bytes(b"ocid,id\n1,2\n")[0].problems == [
        "The file is not JSON: it starts with 'ocid,id\n1,2\n' rather than { or ["
    ]


def test_a_release_for_an_unknown_buyer_is_refused_unless_buyers_may_be_added():
    team = make_team()

    [problem] = refused(mk_release(), team=team)

    assert problem == (
        f"{MK}: $.buyer: no organisation in the tracker has the identifier PPON PLDZ-6131-PWZH (Milton Keynes City Council): "
        "add it on the Organisations page, or import again allowing new buyers to be added"
    )
    assert nothing_imported()


def test_a_release_whose_ocid_no_cycle_has_is_refused_without_a_team():
    make_seed_buyers()

    [problem] = refused(mk_release())

    assert problem == (
        f"{MK}: $.ocid: no commissioning cycle has the OCID {MK_OCID}: set the OCID on its cycle, or choose a team so "
        "that the import can add the cycle"
    )


def test_a_release_for_another_teams_cycle_is_refused():
    make_seed_buyers()
    theirs = make_cycle(ocid=MK_OCID)

    [problem] = refused(mk_release(), allowed_team_ids={theirs.team_id + 1000})

    assert problem.endswith(f"$.ocid: the cycle with the OCID {MK_OCID} belongs to a team you are not in")


def test_an_unknown_notice_type_is_refused(team):
    release = mk_release()
    release["planning"]["documents"][1]["noticeType"] = "UK99"

    assert refused(release, team=team) == [
        f"{MK}: $.planning.documents[1].noticeType: 'UK99' is not a Procurement Act notice type (UK1 to UK17)"
    ]


def test_every_problem_in_a_release_is_listed_at_once(team):
    release = mk_release()
    release["tender"]["lots"][0]["contractPeriod"]["startDate"] = "2027-03-01"
    release["tender"]["value"]["amount"] = "lots"

    problems = refused(release, team=team)

    assert [p.split(": ")[1] for p in problems] == [
        "$.tender.lots[0].contractPeriod.startDate",
        "$.tender.value.amount",
    ]


def test_one_bad_release_in_a_package_does_not_stop_or_spoil_the_good_ones(team):
    bad = cleveland_release()
    bad["tender"]["lots"][0]["contractPeriod"]["startDate"] = "2027-04-01"
    package = {"releases": [mk_release(), bad]}

    outcomes = import_bytes(package, team=team)

    assert [o.status for o in outcomes] == [Outcome.IMPORTED, Outcome.REFUSED]
    assert (
        outcomes[1]
        .problems[0]
        .startswith(f"release {bad['id']} ({CLEVELAND_OCID}): $.tender.lots[0].contractPeriod.startDate")
    )
    assert CommissioningCycle.objects.filter(ocid=MK_OCID).exists()
    assert not CommissioningCycle.objects.filter(ocid=CLEVELAND_OCID).exists()
    assert not Notice.objects.filter(ocid=CLEVELAND_OCID).exists()


def test_a_release_that_fails_half_way_through_saving_leaves_nothing_behind(team, monkeypatch):
    from django.core.exceptions import ValidationError

    def fail(**kwargs):
        raise ValidationError("The duties could not be planned")

    # Every cycle's duty sync goes through the batch form (duties_sync_for_cycle calls it too).
    monkeypatch.setattr(services, "duties_sync_for_cycles", fail)

    [outcome] = import_bytes(mk_release(), team=team)

    assert outcome.status == Outcome.REFUSED
    assert outcome.problems == [f"{MK}: $: The duties could not be planned"]
    assert nothing_imported()


def test_a_50_mb_file_is_streamed_in_constant_memory(team):
    """Two releases with 50 MB of padding between them: read without holding the file."""
    padding = b" " * (50 * 1024 * 1024)
    data = b'{"releases": [' + as_bytes(mk_release()) + b"," + padding + as_bytes(cleveland_release()) + b"]}"
    assert len(data) > 50 * 1024 * 1024
    # Built once per process, not per file: the merged schema, and the holidays library's calendars.
    release_validator()
    standstill_end(date(2026, 1, 1))

    tracemalloc.start()
    try:
        outcomes = list(import_releases(io.BytesIO(data), ImportOptions(team=team)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [o.status for o in outcomes] == [Outcome.IMPORTED, Outcome.IMPORTED]
    assert peak < 6 * 1024 * 1024, f"peak {peak:,} bytes"
