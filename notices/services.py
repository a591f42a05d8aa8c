"""Workflows for notices, duties and conflicts: each validates, writes and records who and why.

Duties (``duties_sync_for_contract`` / ``duties_sync_for_cycle``) are the only writers of
``Duty`` rows and their milestones. They may run any number of times:

1. Work out what the Act requires now (``notices.duties``, no writes).
2. Add the duties that are missing, each with a milestone (kind "notice", or "standstill_end").
3. Move a due duty whose date changed, and its milestone unless an officer moved it.
4. Mark a due duty met when a notice of its type is recorded or imported for the same
   contract or cycle (the earliest due first).
5. Let lapse the due duties the contract no longer implies (an option declined).

Duties that an officer settled (met, or does not apply) are never changed by a sync.

A sync plans no reminders: it runs inside ``commissioning.changes.contract_changed`` /
``cycle_changed``, which plan the reminders of every milestone once the duties are in step.

Which contracts and cycles have duties: those with at least one notice under the Act (a
notice imported or recorded for them), or duties already. Contracts procured before the Act
(24 February 2025) have no UK notices, so they get none.

The duty milestones' source is ``Milestone.Source.DUTY`` ("Required by the Procurement Act");
each one's ``Duty`` row (and its description) says which duty. The derivation in
commissioning only touches "derived" milestones, so it leaves these alone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from commissioning import services as commissioning_services
from commissioning.changes import contract_changed, cycle_changed
from commissioning.models import CommissioningCycle, Milestone
from common import history
from common.dates import long_date
from common.history import person_name
from contracts.models import Contract, ExtensionOption

from . import duties as rules
from .models import Conflict, Duty, ImportedValue, Notice
from .notice_types import NoticeType
from .ocds.parser import LONDON

DUTY_REMINDERS = "1 month, 2 weeks, 1 week, 2 working days, morning of"
SYNC_REASON = "Procurement Act duty: worked out from the dates"
# The notice types that meet a contract's or a cycle's duties (notices.duties).
CONTRACT_DUTY_TYPES = {"UK7", "UK9", "UK10", "UK11", "UK17"}
CYCLE_DUTY_TYPES = {"UK6"}


def _officer_name(officer: AbstractBaseUser | None) -> str:
    return person_name(officer, nobody="the system")


# --- duties -------------------------------------------------------------------------------


def contract_facts(contract: Contract) -> rules.ContractFacts:
    ordered = sorted(contract.options.all(), key=lambda option: option.sequence)
    periods = contract.option_periods()
    return rules.ContractFacts(
        reference=contract.reference,
        start=contract.start_date,
        end=contract.current_end_date,
        terminated_on=contract.terminated_on,
        light_touch=contract.is_light_touch,
        value=contract.total_value,
        is_framework=contract.kind == Contract.Kind.FRAMEWORK,
        options=tuple(
            rules.OptionFacts(
                sequence=option.sequence,
                starts_on=periods[option.sequence].start,
                is_open=option.status in ExtensionOption.OPEN_STATUSES,
                length_label=option.length_label,
            )
            for option in ordered
        ),
    )


def cycle_facts(cycle: CommissioningCycle) -> rules.CycleFacts:
    awards = cycle.notices.filter(notice_type=NoticeType.UK6).order_by("published_at")
    return rules.CycleFacts(
        name=cycle.name,
        target_start=cycle.target_start_date,
        light_touch=cycle.is_light_touch,
        award_notices=tuple(
            rules.PublishedNotice(notice.fts_notice_id or f"recorded {notice.pk}", timezone.localtime(notice.published_at).date())
            for notice in awards
        ),
    )


def contract_in_scope(contract: Contract) -> bool:
    return contract.notices.exists() or contract.duties.exists()


def cycle_in_scope(cycle: CommissioningCycle) -> bool:
    return cycle.notices.exists() or cycle.duties.exists()


def _duty_description(required: rules.RequiredNotice) -> str:
    text = f"Procurement Act 2023 duty ({NoticeType(required.notice_type).label}). Due by {long_date(required.due_on)}: {required.basis}"
    if required.note:
        text += f"\n\n{required.note}"
    return text


def _create_duty(required: rules.RequiredNotice, *, contract=None, cycle=None, owner=None, officer=None) -> Duty:
    milestone = Milestone(
        contract=contract,
        cycle=cycle,
        kind=required.kind,
        title=required.title[:255],
        description=_duty_description(required),
        due_on=required.due_on,
        owner=owner,
        source=Milestone.Source.DUTY,
        # Unique per contract (a database constraint), so a duty cannot be added twice.
        derived_key=f"duty:{required.key}"[:50] if contract is not None else "",
        reminder_offsets=DUTY_REMINDERS if required.kind == rules.Kind.NOTICE else "",
    )
    milestone.full_clean(exclude=["derived_key"])
    history.record(milestone, officer=officer, reason=SYNC_REASON)
    milestone.save()
    duty = Duty(
        contract=contract,
        cycle=cycle,
        key=required.key,
        notice_type=required.notice_type,
        kind=required.kind,
        title=required.title[:255],
        due_on=required.due_on,
        basis=required.basis,
        note=required.note,
        milestone=milestone,
    )
    history.record(duty, officer=officer, reason=SYNC_REASON)
    duty.save()
    return duty


def _sync(wanted: list[rules.RequiredNotice], existing: dict[str, Duty], *, officer, today: date, **subject) -> list[str]:
    changes, added = [], []
    owner = subject.get("contract").lead_officer if subject.get("contract") else subject["cycle"].lead_officer
    for required in wanted:
        duty = existing.get(required.key)
        if duty is None:
            _create_duty(required, owner=owner, officer=officer, **subject)
            added.append(required)
            continue
        if duty.status == Duty.Status.LAPSED:
            duty.status, duty.reason = Duty.Status.DUE, ""
            history.record(duty, officer=officer, reason="Required again")
            duty.save(update_fields=["status", "reason"])
            if duty.milestone and duty.milestone.status == Milestone.Status.CANCELLED:
                commissioning_services.milestone_set_status(
                    milestone=duty.milestone, status=Milestone.Status.SCHEDULED, officer=officer, reason="Required again", today=today,
                    follow_up=False,
                )
        if duty.status != Duty.Status.DUE:
            continue
        if (duty.due_on, duty.title, duty.basis) == (required.due_on, required.title[:255], required.basis):
            continue
        previous = duty.due_on
        duty.due_on, duty.title, duty.basis, duty.note = required.due_on, required.title[:255], required.basis, required.note
        history.record(duty, officer=officer, reason=SYNC_REASON)
        duty.save(update_fields=["due_on", "title", "basis", "note"])
        milestone = duty.milestone
        # An officer who moved the milestone (a signing date before the start) keeps their date.
        if milestone and milestone.status == Milestone.Status.SCHEDULED and milestone.due_at is None and milestone.due_on == previous:
            commissioning_services.milestone_update(
                milestone=milestone,
                officer=officer,
                reason=SYNC_REASON,
                due_on=required.due_on,
                title=required.title[:255],
                description=_duty_description(required),
                follow_up=False,
            )
        if previous != required.due_on:
            changes.append(f"Moved the duty '{required.title}' from {long_date(previous)} to {long_date(required.due_on)}")
    wanted_keys = {required.key for required in wanted}
    for key, duty in existing.items():
        if key in wanted_keys or duty.status != Duty.Status.DUE:
            continue
        duty.status, duty.reason = Duty.Status.LAPSED, "No longer required by the contract's dates and options"
        history.record(duty, officer=officer, reason="No longer required")
        duty.save(update_fields=["status", "reason"])
        if duty.milestone and duty.milestone.status == Milestone.Status.SCHEDULED:
            commissioning_services.milestone_set_status(
                milestone=duty.milestone, status=Milestone.Status.CANCELLED, officer=officer, reason="No longer required", today=today,
                follow_up=False,
            )
        changes.append(f"The duty '{duty.title}' is no longer required")
    if len(added) == 1:
        changes.insert(0, f"Added the duty: {added[0].title}, due by {long_date(added[0].due_on)}")
    elif added:
        first = min(added, key=lambda required: required.due_on)
        name = subject["contract"].reference if subject.get("contract") else subject["cycle"].name
        types = ", ".join(sorted({required.notice_type for required in added}, key=lambda code: int(code[2:])))
        changes.insert(0, f"Planned {len(added)} Procurement Act duties for {name} ({types}), the first due by {long_date(first.due_on)}")
    return changes


def _meet_with_notices(duties: list[Duty], notices, *, officer, today: date) -> list[str]:
    """Step 4: each notice not yet counted meets the earliest due duty of its type."""
    wanted_types = {d.notice_type for d in duties if d.is_due and d.needs_a_notice}
    if not wanted_types:
        return []
    notices = list(notices.filter(notice_type__in=wanted_types, duties_met__isnull=True).order_by("published_at", "pk"))
    changes = []
    for notice in notices:
        candidates = [d for d in duties if d.is_due and d.needs_a_notice and d.notice_type == notice.notice_type]
        if not candidates:
            continue
        duty = min(candidates, key=lambda d: d.due_on)
        duty_meet(duty=duty, notice=notice, officer=officer, today=today, follow_up=False)
        changes.append(f"{duty.title}: met by {notice}")
    return changes


@transaction.atomic
def duties_sync_for_contract(*, contract: Contract, officer: AbstractBaseUser | None = None, today: date | None = None) -> list[str]:
    """Bring a contract's Procurement Act duties in step (see the module docstring)."""
    today = today or timezone.localdate()
    if not contract_in_scope(contract):
        return []
    existing = {duty.key: duty for duty in contract.duties.select_related("milestone")}
    changes = _sync(rules.contract_duties(contract_facts(contract)), existing, officer=officer, today=today, contract=contract)
    duties = list(contract.duties.select_related("milestone"))
    changes += _meet_with_notices(duties, contract.notices.all(), officer=officer, today=today)
    return changes


@transaction.atomic
def duties_sync_for_cycle(*, cycle: CommissioningCycle, officer: AbstractBaseUser | None = None, today: date | None = None) -> list[str]:
    today = today or timezone.localdate()
    if not cycle_in_scope(cycle):
        return []
    existing = {duty.key: duty for duty in cycle.duties.select_related("milestone")}
    changes = _sync(rules.cycle_duties(cycle_facts(cycle)), existing, officer=officer, today=today, cycle=cycle)
    duties = list(cycle.duties.select_related("milestone"))
    changes += _meet_with_notices(duties, cycle.notices.all(), officer=officer, today=today)
    return changes


@transaction.atomic
def duty_meet(
    *, duty: Duty, notice: Notice, officer: AbstractBaseUser | None, today: date | None = None, follow_up: bool = True
) -> Duty:
    """Mark a duty met by a published notice, and its milestone met on the day it was published."""
    today = today or timezone.localdate()
    published_on = timezone.localtime(notice.published_at).date()
    duty.status, duty.notice, duty.decided_by, duty.decided_on = Duty.Status.MET, notice, officer, published_on
    history.record(duty, officer=officer, reason=f"Met by {notice}")
    duty.save(update_fields=["status", "notice", "decided_by", "decided_on"])
    if duty.milestone and duty.milestone.status != Milestone.Status.MET:
        commissioning_services.milestone_set_status(
            milestone=duty.milestone,
            status=Milestone.Status.MET,
            met_on=published_on,
            officer=officer,
            reason=f"{notice} published",
            today=max(today, published_on),
            follow_up=follow_up,
        )
    return duty


@transaction.atomic
def duty_not_applicable(*, duty: Duty, reason: str, officer: AbstractBaseUser | None, today: date | None = None) -> Duty:
    """Record that a duty does not apply and why (for example the legal view on an extension option).

    The reason is kept whole on the duty (and in its history) and on the milestone, which is
    cancelled so that no more reminders go.
    """
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why this duty does not apply"})
    locked = Duty.objects.select_for_update().get(pk=duty.pk)
    if locked.status != Duty.Status.DUE:
        raise ValidationError({"reason": f"This duty is already settled: {locked.get_status_display().lower()}"})
    locked.status, locked.reason, locked.decided_by, locked.decided_on = Duty.Status.NOT_APPLICABLE, reason, officer, today
    history.record(locked, officer=officer, reason=f"Does not apply: {reason}")
    locked.save(update_fields=["status", "reason", "decided_by", "decided_on"])
    milestone = locked.milestone
    if milestone is not None:
        commissioning_services.milestone_update(
            milestone=milestone,
            officer=officer,
            reason="Duty does not apply",
            follow_up=False,  # the status change below plans its reminders
            description=f"{milestone.description}\n\nDoes not apply ({_officer_name(officer)}, {long_date(today)}): {reason}",
        )
        commissioning_services.milestone_set_status(
            milestone=milestone, status=Milestone.Status.CANCELLED, officer=officer, reason=f"Does not apply: {reason}", today=today
        )
    duty.refresh_from_db()
    return locked


@transaction.atomic
def duty_reopen(*, duty: Duty, officer: AbstractBaseUser | None, today: date | None = None) -> Duty:
    """Undo "does not apply": the duty is due again and its milestone scheduled."""
    today = today or timezone.localdate()
    if duty.status != Duty.Status.NOT_APPLICABLE:
        raise ValidationError("Only a duty recorded as not applying can be reopened")
    duty.status, duty.decided_by, duty.decided_on = Duty.Status.DUE, officer, today
    history.record(duty, officer=officer, reason="Reopened: the duty applies after all")
    duty.save(update_fields=["status", "decided_by", "decided_on"])
    if duty.milestone is not None:
        commissioning_services.milestone_set_status(
            milestone=duty.milestone, status=Milestone.Status.SCHEDULED, officer=officer, reason="Duty reopened", today=today
        )
    return duty


def contract_link_notices(*, contract: Contract) -> None:
    """A contract given the OCID of notices already imported is linked to them: those of its own
    team's cycles only (or of no cycle), so that an OCID typed on a contract never reaches into
    another team's notices."""
    if not contract.ocid:
        return
    own = Q(cycle__isnull=True) | Q(cycle__team_id=contract.team_id)
    linked_elsewhere = Notice.contracts.through.objects.exclude(contract__team_id=contract.team_id).values("notice_id")
    missing = list(
        Notice.objects.filter(own, ocid=contract.ocid).exclude(contracts=contract).exclude(pk__in=linked_elsewhere)
    )
    for notice in missing:
        notice.contracts.add(contract)


# --- notices recorded by hand -------------------------------------------------------------


def _published_at(day: date) -> datetime:
    # An officer gives the day only: noon London time stands for it, so the London date is
    # the same whichever way it is converted.
    return datetime.combine(day, time(12, 0), tzinfo=LONDON)


@transaction.atomic
def notice_record(
    *,
    notice_type: str,
    published_on: date,
    fts_notice_id: str = "",
    url: str = "",
    description: str = "",
    contract: Contract | None = None,
    cycle: CommissioningCycle | None = None,
    duty: Duty | None = None,
    officer: AbstractBaseUser | None,
    today: date | None = None,
) -> Notice:
    """Record a notice the team published (on Find a Tender, by hand), and meet the duty it answers.

    A UK17 payments compliance notice covers the whole authority: it also meets the same
    period's duty on the buyer's other contracts.
    """
    today = today or timezone.localdate()
    if bool(contract) == bool(cycle):
        raise ValidationError("Record a notice from a contract's or a cycle's page")
    errors = {}
    if notice_type not in NoticeType.values:
        errors["notice_type"] = "Select the type of notice"
    if published_on > today:
        errors["published_on"] = f"The date published must be today or in the past ({long_date(today)})"
    fts_notice_id = fts_notice_id.strip()
    if fts_notice_id and Notice.objects.filter(fts_notice_id=fts_notice_id).exists():
        errors["fts_notice_id"] = f"Notice {fts_notice_id} is already in the tracker"
    if duty is not None and duty.notice_type != notice_type:
        errors["notice_type"] = f"This duty needs a {NoticeType(duty.notice_type).label}"
    if errors:
        raise ValidationError(errors)
    subject = contract or cycle
    # A contract's notice also belongs to the procurement with the same OCID, if the tracker has it.
    # Only a cycle of the contract's own team: another team's cycle is never written to from here.
    notice_cycle = cycle or (
        CommissioningCycle.objects.filter(ocid=contract.ocid, team_id=contract.team_id).first() if contract.ocid else None
    )
    notice = Notice(
        notice_type=notice_type,
        fts_notice_id=fts_notice_id,
        ocid=subject.ocid,
        published_at=_published_at(published_on),
        url=url.strip(),
        description=description.strip(),
        source=Notice.Source.RECORDED,
        cycle=notice_cycle,
        recorded_by=officer,
    )
    notice.full_clean()
    history.record(notice, officer=officer, reason="Notice recorded")
    notice.save()
    if contract is not None:
        notice.contracts.add(contract)
    if duty is not None and duty.is_due:
        # Its contract or cycle is followed up below, reminders and all.
        duty_meet(duty=duty, notice=notice, officer=officer, today=today, follow_up=False)
        if notice_type == NoticeType.UK17 and contract is not None:
            same_period = Duty.objects.filter(
                key=duty.key, status=Duty.Status.DUE, contract__buyer=contract.buyer
            ).exclude(pk=duty.pk).select_related("milestone", "contract")
            for other in same_period:
                notice.contracts.add(other.contract)
                duty_meet(duty=other, notice=notice, officer=officer, today=today)
    if contract is not None:
        contract_changed(contract=contract, officer=officer, today=today)
    if notice_cycle is not None:
        cycle_changed(cycle=notice_cycle, officer=officer, today=today)
    return notice


# --- conflicts ----------------------------------------------------------------------------


def _when_words(value: dict) -> str:
    due_on = date.fromisoformat(value["due_on"])
    if not value.get("due_at"):
        return f"{long_date(due_on)} (all day)"
    start = timezone.localtime(datetime.fromisoformat(value["due_at"]))
    if value.get("ends_at"):
        end = timezone.localtime(datetime.fromisoformat(value["ends_at"]))
        return f"{long_date(start.date())}, {start:%H:%M} to {end:%H:%M}"
    return f"{long_date(start.date())} at {start:%H:%M}"


def _append_conflict_note(milestone: Milestone, line: str, *, officer, reason: str) -> None:
    if line in milestone.conflict_note:
        return
    milestone.conflict_note = f"{milestone.conflict_note}\n\n{line}".strip()
    history.record(milestone, officer=officer, reason=reason)
    milestone.save(update_fields=["conflict_note"])


@transaction.atomic
def conflict_resolve(*, conflict: Conflict, use_notice: bool, officer: AbstractBaseUser | None, today: date | None = None) -> Conflict:
    """The officer's choice between the tracker's value and the notice's.

    Using the notice's value changes the milestone or the cycle through the usual services
    (so its history and reminders follow); keeping the tracker's changes nothing else. Either
    way the choice, who made it and when are kept on the conflict and in the milestone's note.
    """
    today = today or timezone.localdate()
    locked = Conflict.objects.select_for_update().get(pk=conflict.pk)
    if not locked.is_open:
        raise ValidationError(f"This has already been decided: {locked.get_status_display().lower()}")
    release = f" (release {locked.release.release_id})" if locked.release_id else ""
    if use_notice:
        if not locked.can_use_notice:
            raise ValidationError("There is nothing to copy from the notice: change the record on its own page")
        value = locked.theirs_value
        if value.get("target") == "milestone" and locked.milestone_id:
            milestone = Milestone.objects.get(pk=locked.milestone_id)
            commissioning_services.milestone_update(
                milestone=milestone,
                officer=officer,
                reason=f"Chose the notice's date{release}",
                due_on=date.fromisoformat(value["due_on"]),
                due_at=datetime.fromisoformat(value["due_at"]) if value.get("due_at") else None,
                ends_at=datetime.fromisoformat(value["ends_at"]) if value.get("ends_at") else None,
            )
        elif value.get("target") == "cycle":
            cycle = CommissioningCycle.objects.get(pk=locked.cycle_id)
            setattr(cycle, value["field"], _cycle_value(value["field"], value["value"]))
            commissioning_services.cycle_save(cycle=cycle, officer=officer, reason=f"Chose the notice's value{release}")
        locked.status = Conflict.Status.USED_NOTICE
    else:
        locked.status = Conflict.Status.KEPT
    locked.resolved_by, locked.resolved_at = officer, timezone.now()
    history.record(locked, officer=officer, reason=locked.get_status_display())
    locked.save(update_fields=["status", "resolved_by", "resolved_at"])
    if locked.milestone_id:
        chosen = locked.theirs if use_notice else locked.ours
        milestone = Milestone.objects.get(pk=locked.milestone_id)
        _append_conflict_note(
            milestone,
            f"{long_date(today)}: {_officer_name(officer)} chose {chosen}.",
            officer=officer,
            reason="Officer chose between the sources",
        )
    return locked


def _cycle_value(field: str, value):
    if value is None:
        return None
    if field == "estimated_value":
        return Decimal(value)
    if field == "target_start_date":
        return date.fromisoformat(value)
    return value


def imported_value_for(milestone: Milestone) -> ImportedValue | None:
    return ImportedValue.objects.filter(milestone=milestone).first()


# --- OCDS uploads imported by a worker ----------------------------------------------------

IMPORT_STORAGE_FOLDER = "ocds-imports"
# The result page lists this many releases of each kind; the rest are counted.
SHOWN_OUTCOMES = 200
# The progress row is saved at most this often (releases), so a large import is not slowed by it.
PROGRESS_EVERY = 25


def outcome_summary(outcome) -> dict:
    """What the result page shows of one release's outcome, as JSON (ImportJob.shown)."""
    return {
        "status": outcome.status,
        "label": outcome.label,
        "release_id": outcome.release_id,
        "cycle_id": outcome.cycle_id,
        "cycle_name": outcome.cycle_name,
        "changes": list(outcome.changes),
        "problems": list(outcome.problems),
    }


def import_job_start(*, upload, officer: AbstractBaseUser, team=None, create_buyers: bool = False, total: int = 0):
    """Keep an uploaded OCDS file (Django's storage API) and queue its import once the request commits."""
    import uuid

    from django.core.files.storage import default_storage

    from .models import ImportJob
    from .tasks import import_ocds_upload

    upload.seek(0)
    stored_name = default_storage.save(f"{IMPORT_STORAGE_FOLDER}/{uuid.uuid4().hex}.json", upload)
    job = ImportJob.objects.create(
        officer=officer,
        team=team,
        create_buyers=create_buyers,
        file_name=(upload.name or "upload.json")[:255],
        stored_name=stored_name,
        total=total,
        counts={"imported": 0, "unchanged": 0, "refused": 0, "unreadable": 0},
        shown={"imported": [], "unchanged": [], "refused": [], "unreadable": []},
    )
    transaction.on_commit(lambda: import_ocds_upload.delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> None:
    """Import a queued upload as the officer who sent it, keeping its progress on the row.

    1. Claim the job: only a queued job starts (a task delivered twice runs it once).
    2. Import the stored file with the officer's own rights and the upload limits.
    3. Save the counts every ``PROGRESS_EVERY`` releases, and the outcomes at the end.
    4. Delete the stored file, whatever happened.
    """
    import logging

    from django.core.files.storage import default_storage

    from .models import ImportJob
    from .ocds.loader import ImportLimits, ImportOptions, import_releases

    now = timezone.now()
    if ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now
    ) != 1:
        return
    job = ImportJob.objects.select_related("officer", "team").get(pk=job_id)
    options = ImportOptions(
        officer=job.officer, team=job.team, create_buyers=job.create_buyers, limits=ImportLimits.from_settings()
    )
    counts, shown = dict(job.counts), {key: list(value) for key, value in job.shown.items()}
    try:
        with default_storage.open(job.stored_name, "rb") as stream:
            for number, outcome in enumerate(import_releases(stream, options), start=1):
                counts[outcome.status] = counts.get(outcome.status, 0) + 1
                if len(shown.setdefault(outcome.status, [])) < SHOWN_OUTCOMES:
                    shown[outcome.status].append(outcome_summary(outcome))
                if number % PROGRESS_EVERY == 0:
                    ImportJob.objects.filter(pk=job_id).update(counts=counts)
        status, error = ImportJob.Status.FINISHED, ""
    except Exception:
        logging.getLogger("notices.import").exception("import job %s stopped", job_id)
        status = ImportJob.Status.FAILED
        error = "The import stopped because of an error in the tracker. The releases counted above were imported; import the file again to finish (releases already imported are skipped)."
    finally:
        try:
            default_storage.delete(job.stored_name)
        except OSError:
            pass
    ImportJob.objects.filter(pk=job_id).update(
        status=status, counts=counts, shown=shown, error=error, finished_at=timezone.now(), stored_name=""
    )
