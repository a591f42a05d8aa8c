"""Every URL the project defines, walked as five people, GET and POST, and as an admin who
has given the password but not the two-step code.

The patterns come from the URL resolver, so a new page is walked without anyone
remembering to add it; a new page whose URL needs a parameter this walk cannot fill fails
here until ``ARGUMENTS`` learns it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.models import ApiToken
from api.services import api_token_create
from commissioning.feeds import calendar_feed_regenerate
from contracts import roles
from reminders.emails import acknowledge_token
from reminders.models import Reminder
from reports.models import KpiResult, QualityAssessment
from tests.factories import (
    PASSWORD,
    make_contract,
    make_cycle,
    make_milestone,
    make_organisation,
    make_team,
    make_user,
)
from tests.ocds_helpers import MK_OCID, import_bytes, make_seed_buyers, mk_release
from tests.report_helpers import add_return, make_asc0013_like_report

pytestmark = pytest.mark.django_db

# Pages anyone may open: signing in and out, and the links that carry their own secret.
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "reminders:acknowledge",
    "commissioning:calendar-feed",
    "ops:health",
}
# Pages for administrators alone, whatever their team.
ADMIN_ONLY = {"audit", "ops:status"}
# A person's own settings: everyone signed in may change their own.
PERSONAL = {
    "commissioning:calendar-settings",
    "commissioning:calendar-regenerate",
    "two-factor-setup",
    "two-factor-verify",
    "api:token-list",
    "api:token-create",
    "reminders:quiet-days",
    # One's own spreadsheets, and asking for one: anyone who may see a list may have it as a file.
    "exports:spreadsheets",
    "exports:spreadsheet-new",
}
# Your own API tokens, imports and spreadsheets: their owner (the officer) opens them; anyone else finds nothing.
OWN = {"api:token-revoke", "notices:import-progress", "exports:spreadsheet", "exports:spreadsheet-file"}
# Pages for the team's managers alone: an officer of the team is refused.
MANAGERS_ONLY = {"commissioning:stage-timings-edit"}
# Pages that change something: only people who may edit get past them.
EDITING_WORDS = (
    "create",
    "edit",
    "exercise",
    "decline",
    "stage",
    "decision",
    "status",
    "regenerate",
    "new",
    "upload",
    "approve",
    "submit",
    "import",
)


def walk(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin has its own staff check, tested below
            inner = (
                f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            )
            yield from walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern), list(entry.pattern.converters)


@dataclass
class World:
    contract: object
    option: object
    cycle: object
    milestone: object
    organisation: object
    people: dict
    release: object = None
    notice: object = None
    conflict: object = None
    duty: object = None
    report: object = None
    monitoring_return: object = None
    kpi: object = None
    quality: object = None
    api_token: object = None
    import_job: object = None
    service: object = None
    spreadsheet_job: object = None


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the approved version's PDF below
    team_a, team_b = make_team(name="Team A"), make_team(name="Team B")
    people = {
        "viewer": make_user(username="viewer_a", role=roles.VIEWER, teams=[team_a]),
        "officer": make_user(username="officer_a", role=roles.OFFICER, teams=[team_a]),
        "manager": make_user(username="manager_a", role=roles.MANAGER, teams=[team_a]),
        "other team": make_user(username="officer_b", role=roles.OFFICER, teams=[team_b]),
    }
    provider = make_organisation(name="Provider Alpha")
    contract = make_contract(
        reference="ALPHA-1",
        title="Alpha refuge",
        team=team_a,
        provider=provider,
        start_date=date(2026, 4, 1),
        initial_term_months=36,
    )
    cycle = make_cycle(name="Alpha recommissioning", team=team_a, replaces=[contract])
    milestone = make_milestone(contract=contract, title="Alpha engagement deadline", due_on=date(2027, 1, 15))
    # The seed Find a Tender release, imported onto this team's cycle (matched by OCID).
    cycle.ocid = MK_OCID
    cycle.save()
    make_seed_buyers()
    import_bytes(mk_release())
    from notices.models import Conflict, Duty, ImportJob, Notice, Release

    duty = Duty.objects.filter(contract=contract).first() or Duty.objects.filter(cycle=cycle).first()
    assert (
        duty is not None
        and Notice.objects.filter(cycle=cycle).exists()
        and Conflict.objects.filter(cycle=cycle).exists()
    )
    report = make_asc0013_like_report(contract=contract)
    _approved_version(report, people["manager"])
    monitoring_return = add_return(contract, year=2015, quarter=1, results=[("Refuge", "Occupancy", "percent", 1, 2)])
    quality = QualityAssessment.objects.create(
        contract=contract, service="Refuge", assessed_on=date(2016, 3, 1), score=83
    )
    return World(
        contract,
        contract.options.first(),
        cycle,
        milestone,
        provider,
        people,
        release=Release.objects.get(cycle=cycle),
        notice=Notice.objects.filter(cycle=cycle).first(),
        conflict=Conflict.objects.filter(cycle=cycle).first(),
        duty=duty,
        report=report,
        monitoring_return=monitoring_return,
        kpi=KpiResult.objects.filter(monitoring_return=monitoring_return).first(),
        quality=quality,
        api_token=api_token_create(user=people["officer"], name="Officer's script")[0],
        import_job=ImportJob.objects.create(officer=people["officer"], file_name="mk.json"),
        service=_service(team_a, contract),
        spreadsheet_job=_ready_spreadsheet(people["officer"]),
    )


def _service(team, contract):
    """The service the contract covers (commissioning.Service), named like the contract."""
    from commissioning.models import Service

    service = Service.objects.create(team=team, name="Alpha refuge", category=contract.service_category)
    service.contracts.set([contract])
    return service


def _ready_spreadsheet(officer):
    """A spreadsheet of the register a worker has made for the officer (exports.services)."""
    from exports.models import SpreadsheetJob
    from exports.services import spreadsheet_job_run

    job = SpreadsheetJob.objects.create(officer=officer, source="register", requested_on=timezone.localdate())
    spreadsheet_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == SpreadsheetJob.Status.FINISHED, job.error
    return job


def _approved_version(report, manager) -> None:
    """An approved version of the report to download (reports:version-pdf), kept as approval does."""
    import hashlib

    from django.core.files.base import ContentFile

    from reports.models import ReportApproval

    pdf = b"%PDF-1.7 approved version 1"
    approval = ReportApproval(
        report=report,
        version=1,
        approved_by=manager,
        approved_at=timezone.now(),
        figures={},
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    approval.pdf.save("approved.pdf", ContentFile(pdf))


def arguments(name: str, route: str, params: list[str], world: World) -> dict:
    by_route = [
        ("notices/export/cycles/", {"pk": world.cycle.pk}),
        ("notices/export/contracts/", {"pk": world.contract.pk}),
        ("notices/releases/", {"pk": world.release.pk}),
        ("notices/duties/", {"pk": world.duty.pk if world.duty else 0}),
        ("notices/contracts/", {"pk": world.contract.pk}),  # a contract's payments and breaches
        ("notices/conflicts/", {"pk": world.conflict.pk}),
        ("notices/import/", {"pk": world.import_job.pk}),
        ("notices/", {"pk": world.notice.pk}),
        ("reports/contracts/", {"contract_pk": world.contract.pk}),
        ("reports/returns/", {"pk": world.monitoring_return.pk}),
        ("reports/kpis/", {"pk": world.kpi.pk}),
        ("reports/quality/", {"pk": world.quality.pk}),
        ("reports/meetings/", {"meeting_date": world.report.meeting_date}),
        ("reports/", {"pk": world.report.pk, "version": 1}),  # an approved version (404 until approved)
        ("contracts/organisations/", {"pk": world.organisation.pk}),
        ("contracts/<int:pk>/options/", {"pk": world.contract.pk, "option_pk": world.option.pk}),
        ("contracts/", {"pk": world.contract.pk}),
        ("cycles/", {"pk": world.cycle.pk}),
        ("services/", {"pk": world.service.pk}),
        ("teams/", {"pk": world.contract.team_id}),  # a team's stage timings
        ("milestones/", {"pk": world.milestone.pk}),
        (
            "reminders/",
            {
                "pk": Reminder.objects.get_or_create(
                    milestone=world.milestone,
                    offset="2 weeks",
                    recipient_email="team-a@example.org",
                    defaults={"audience": "team", "send_at": world.milestone.due_at or timezone.now()},
                )[0].pk
            },
        ),
        ("api/v1/contracts/", {"pk": world.contract.pk}),
        ("api/v1/options/", {"pk": world.option.pk}),
        ("api/v1/cycles/", {"pk": world.cycle.pk}),
        ("api/v1/milestones/", {"pk": world.milestone.pk}),
        ("api/v1/notices/", {"pk": world.notice.pk}),
        ("api/tokens/", {"pk": world.api_token.pk}),
        ("exports/spreadsheets/", {"pk": world.spreadsheet_job.pk}),
    ]
    if name == "commissioning:calendar-feed":
        return {"token": calendar_feed_regenerate(user=world.people["officer"]).token}
    if name == "password_reset_confirm":
        return {"uidb64": "MQ", "token": "not-a-real-token"}
    if name == "reminders:acknowledge":
        return {
            "token": acknowledge_token(Reminder(pk=0, milestone=world.milestone, recipient_email="someone@example.org"))
        }
    if route.startswith("contracts/import/"):
        return {"pk": register_import_for(world).pk}
    for start, values in by_route:
        if route.startswith(start) and set(params) <= set(values):
            return {key: values[key] for key in params}
    raise AssertionError(f"the URL walk cannot fill {params} for {name} ({route}): teach ARGUMENTS")


def register_import_for(world: World):
    """An import of a register into the team's contracts, by its officer (registers app)."""
    from registers.models import RegisterImport

    team = world.contract.team
    return RegisterImport.objects.filter(team=team).first() or RegisterImport.objects.create(
        team=team, officer=world.people["officer"], filename="register.csv", headers=["Reference", "Title"]
    )


def query(name: str, world: World) -> str:
    """Pages that take their subject from the query string, and so need one to be reached."""
    return {"commissioning:milestone-create": f"?contract={world.contract.pk}"}.get(name, "")


def urls(world):
    for name, route, params in walk():
        url = reverse(name, kwargs=arguments(name, route, params, world) if params else None) + query(name, world)
        yield name, url, bool(params) or bool(query(name, world))


def is_editing(name: str) -> bool:
    return name not in PERSONAL and any(word in name.split(":")[-1] for word in EDITING_WORDS)


def is_api(name: str) -> bool:
    """The JSON API: a token or a session, and 401 rather than the sign-in page."""
    return name.startswith("api:") and not name.startswith("api:token-")


def test_anonymous_visitors_are_sent_to_sign_in_everywhere_but_the_public_pages(client, world):
    for name, url, _ in urls(world):
        if name in PUBLIC:
            continue
        for method in (client.get, client.post):
            response = method(url)
            if is_api(name):
                assert response.status_code == 401 and set(response.json()) == {"detail"}, (name, method)
            else:
                assert response.status_code == 302 and response.url.startswith("/accounts/login/"), (name, method)


@pytest.mark.parametrize("person", ["viewer", "officer", "manager"])
def test_people_of_the_team_read_every_page_and_only_editors_get_past_editing_pages(client, world, person):
    client.force_login(world.people[person])
    for name, url, _ in urls(world):
        if name in PUBLIC:
            continue
        got = client.get(url)
        editing = is_editing(name)
        if name in ADMIN_ONLY:
            assert got.status_code == 403, name
        elif name in OWN:
            expected = 200 if person == "officer" else 404
            assert got.status_code == expected, (name, got.status_code)
        elif name in PERSONAL:
            assert got.status_code in (200, 302, 403, 405), (name, got.status_code)  # one's own settings
        elif name in MANAGERS_ONLY and person != "manager":
            assert got.status_code == 403, (name, got.status_code)
            assert client.post(url).status_code == 403, name
        elif person == "viewer" and editing:
            assert got.status_code in (403, 405), (name, got.status_code)
            assert client.post(url).status_code in (403, 405), name
        else:
            assert got.status_code in (200, 405), (name, got.status_code)
            if not editing and name not in PERSONAL:
                # A read-only page accepts no POST: nothing can change through it.
                assert client.post(url).status_code in (403, 405), name


def test_an_officer_of_another_team_finds_nothing_of_this_team(client, world):
    client.force_login(world.people["other team"])
    secrets = ["ALPHA-1", "Alpha refuge", "Alpha recommissioning", "Alpha engagement deadline"]
    for name, url, has_params in urls(world):
        if name in PUBLIC:
            continue
        if name in ADMIN_ONLY:
            assert client.get(url).status_code == 403, name
        elif name == "contracts:organisation-edit":
            # Organisations are shared and readable, but this team's buyer is not theirs to change (issue 15).
            assert client.get(url).status_code == 403, name
        elif has_params and name != "contracts:organisation-detail":
            assert client.get(url).status_code == 404, name
            # A page that takes no POST says so before it looks anything up: that reveals nothing.
            assert client.post(url).status_code in (404, 405), name
        else:
            response = client.get(url)
            allowed = (200, 302, 403, 405) if name in PERSONAL else (200, 405)
            assert response.status_code in allowed, (name, response.status_code)
            # Downloads stream (exports), and a spreadsheet is binary: read them whole, like a page.
            page = (b"".join(response.streaming_content) if response.streaming else response.content).decode(
                errors="replace"
            )
            assert not any(secret in page for secret in secrets), name


def test_the_admin_is_for_staff_only(client, world):
    client.force_login(world.people["manager"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response.url


# As an admin who has given the password but not the two-step code.
#
# Until the code is given, such a session reaches the code page and sign-out, and, for an admin
# who has no app yet and must enrol, the set-up page: nothing else. Pages, downloads, the notice
# import, the Django admin, the API by session and addresses that match nothing are all
# refused, GET and POST alike.


SECRETS = ["ALPHA-1", "Alpha refuge", "Alpha recommissioning", "Alpha engagement deadline", "Provider Alpha"]
# Pages this walk must reach, so that a change to the resolver cannot quietly leave them out.
MUST_WALK = {
    "exports:register-csv",
    "exports:register-xlsx",
    "exports:milestones-xlsx",
    "exports:reminders-csv",
    "exports:transparency",
    "exports:transparency-csv",
    "exports:spreadsheet-file",
    "notices:import",
    "notices:export-all",
    "api:contract-list",
    "api:contract-detail",
    "api:schema",
    "api:token-create",
    "admin:index",
    "admin:otp_totp_totpdevice_delete",
    "commissioning:calendar-settings",
    "commissioning:calendar-regenerate",
    "two-factor-setup",
    "audit",
}


def every_url(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """(name, route) for every pattern, the Django admin's and the unnamed ones included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            )
            yield from every_url(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, prefix + str(entry.pattern), entry


def concrete(name, route, entry, world) -> str:
    """A path for the pattern: the walk's own records where it knows them, else an id of 1."""
    params = list(getattr(entry.pattern, "converters", {}))
    if name and not name.startswith("admin:") and "(" not in route:
        try:
            kwargs = arguments(name, route, params, world) if params else None
        except AssertionError:
            kwargs = None
        if kwargs is not None or not params:
            return reverse(name, kwargs=kwargs) + query(name, world)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "nothing/here" if m.group(1) in ("rest", "url") else "1", route)
    path = re.sub(r"\(\?P<\w+>([\w|]+?)\|[^)]*\)", r"\1", path)  # the first of a list of choices
    path = re.sub(r"\(\?P<\w+>\.\*\)|\(\[\^/\]\+\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "")


def unverified_admin(client, settings, *, with_app: bool):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    admin = make_user(username="ada", role=roles.ADMIN, is_staff=True, is_superuser=True)
    if with_app:
        TOTPDevice.objects.create(user=admin, name="Authenticator app", confirmed=True)
    assert client.post(reverse("login"), {"username": "ada", "password": PASSWORD}).status_code == 302
    return admin


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode(errors="replace")


@pytest.mark.parametrize("with_app", [True, False], ids=["admin with an app", "admin who must enrol"])
def test_an_unverified_admin_session_reaches_only_the_code_page_and_sign_out(client, settings, world, with_app):
    admin = unverified_admin(client, settings, with_app=with_app)
    feed = calendar_feed_regenerate(user=admin)
    _, key = api_token_create(user=admin, name="Ada's script")
    allowed = {"two-factor-verify"} | (set() if with_app else {"two-factor-setup"})
    held_at = reverse("two-factor-verify") if with_app else reverse("two-factor-setup")
    walked = set()
    for name, route, entry in every_url():
        if name == "logout":
            continue  # walked last: it ends the session
        walked.add(name)
        url = concrete(name, route, entry, world)
        is_api = name is not None and name.startswith("api:") and not name.startswith("api:token-")
        for method in (client.get, client.post):
            # A session never reaches the API, whatever else the request carries.
            headers = {"HTTP_AUTHORIZATION": "Basic YWRhOnBhc3N3b3Jk"} if is_api else {}
            response = method(url, **headers)
            if name in allowed:
                assert response.status_code == 200, (name, url, response.status_code)
            elif is_api:
                assert response.status_code == 403 and set(response.json()) == {"detail"}, (
                    name,
                    url,
                    response.status_code,
                )
            else:
                assert response.status_code == 302 and response.url.startswith(held_at), (
                    name,
                    url,
                    response.status_code,
                )
            page = body(response)
            assert not any(secret in page for secret in [*SECRETS, feed.token, key]), (name, url)
    assert MUST_WALK <= walked, MUST_WALK - walked
    # An address that matches no page is held the same way, not answered with a page of its own.
    assert client.get("/no-such-page/").url.startswith(held_at)
    # Sign-out works, and the session is gone.
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("contracts:register")).url.startswith(reverse("login"))


def test_an_api_token_is_its_own_credential_but_does_not_unlock_an_unverified_session(client, settings, world):
    admin = unverified_admin(client, settings, with_app=True)
    _, key = api_token_create(user=admin, name="Ada's script")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    # With the unverified session's cookie, the token does not get past the code page.
    assert client.get(reverse("api:contract-list"), **bearer).status_code == 403
    # A script sends the token alone: it was made by a verified session and works without one.
    client.cookies.clear()
    answer = client.get(reverse("api:contract-list"), **bearer)
    assert answer.status_code == 200 and "ALPHA-1" in answer.content.decode()


def test_an_unverified_session_cannot_create_an_api_token(client, settings, world):
    admin = unverified_admin(client, settings, with_app=True)
    response = client.post(reverse("api:token-create"), {"name": "Back door"})
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify"))
    assert not ApiToken.objects.filter(user=admin).exists()
