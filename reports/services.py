"""Workflows that change performance records and decision reports: each validates, writes and
records who and why (django-simple-history), so a report's history answers "who approved this?".

Views, the demo loader, the Celery task and the admin call these.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from access import policy
from common import history
from contracts.models import Contract

from . import checklist, kpi_csv
from .models import (
    DecisionReport,
    KpiResult,
    MonitoringReturn,
    QualityAssessment,
    RenderedReport,
    ReportApproval,
    ReportOption,
)
from .selectors import report_facts

APPROVE_PERMISSION = "reports.approve_decisionreport"

logger = logging.getLogger(__name__)


# --- monitoring returns and KPIs ----------------------------------------------------------


@transaction.atomic
def monitoring_return_save(
    *, monitoring_return: MonitoringReturn, officer: AbstractBaseUser | None, reason: str
) -> MonitoringReturn:
    monitoring_return.full_clean()
    history.record(monitoring_return, officer=officer, reason=reason)
    monitoring_return.save()
    return monitoring_return


@transaction.atomic
def kpi_result_save(*, result: KpiResult, officer: AbstractBaseUser | None, reason: str) -> KpiResult:
    """Add or change one KPI result; a new one goes after the return's others."""
    if result.pk is None:
        last = result.monitoring_return.results.order_by("-position").values_list("position", flat=True).first()
        result.position = (last or 0) + 1
    result.full_clean()
    history.record(result, officer=officer, reason=reason)
    result.save()
    return result


@transaction.atomic
def kpi_result_delete(*, result: KpiResult, officer: AbstractBaseUser | None) -> None:
    history.record(result, officer=officer, reason=f"Removed: {result.name}")
    result.delete()


@dataclass
class ImportOutcome:
    returns_created: int = 0
    returns_updated: int = 0
    results_created: int = 0
    results_changed: int = 0
    results_removed: int = 0
    results_unchanged: int = 0

    def summary(self) -> str:
        parts = [
            f"{self.results_created} KPI result{'s' if self.results_created != 1 else ''} added",
            f"{self.results_changed} changed",
            f"{self.results_unchanged} unchanged",
        ]
        if self.results_removed:
            parts.append(f"{self.results_removed} removed")
        quarters = self.returns_created + self.returns_updated
        return f"{quarters} quarter{'s' if quarters != 1 else ''} imported: " + ", ".join(parts)


_COMPARED = ("unit", "target", "actual", "higher_is_better", "position")


@transaction.atomic
def monitoring_returns_import(
    *, contract: Contract, data: bytes, officer: AbstractBaseUser | None, received_on: date | None = None
) -> ImportOutcome:
    """Import a provider's KPI file (layout in reports.kpi_csv) into the contract's returns.

    1. Parse the whole file first; any problem raises kpi_csv.KpiFileError before anything
       is written, so a bad file changes nothing.
    2. Each quarter in the file becomes that quarter's monitoring return (made if missing):
       its results are the file's rows for the quarter, so indicators the quarter had but
       the file does not are removed.
    3. A result the file gives exactly as stored is left alone, so importing the same file
       twice changes nothing the second time and adds no history.
    """
    lines = kpi_csv.parse(kpi_csv.decode(data))
    outcome = ImportOutcome()
    reason = "Imported from the provider's KPI file"
    by_quarter: dict[tuple[int, int], list[kpi_csv.KpiLine]] = {}
    for line in lines:
        by_quarter.setdefault((line.year, line.quarter), []).append(line)

    for (year, quarter), quarter_lines in sorted(by_quarter.items()):
        monitoring_return = (
            MonitoringReturn.objects.select_for_update().filter(contract=contract, year=year, quarter=quarter).first()
        )
        if monitoring_return is None:
            monitoring_return = MonitoringReturn(
                contract=contract,
                year=year,
                quarter=quarter,
                source=MonitoringReturn.Source.IMPORTED,
                received_on=received_on,
            )
            monitoring_return_save(monitoring_return=monitoring_return, officer=officer, reason=reason)
            outcome.returns_created += 1
        else:
            outcome.returns_updated += 1
        existing = {(r.service.lower(), r.name.lower()): r for r in monitoring_return.results.all()}
        for position, line in enumerate(quarter_lines, start=1):
            wanted = {
                "service": line.service,
                "name": line.name,
                "unit": line.unit,
                "target": line.target,
                "actual": line.actual,
                "higher_is_better": line.higher_is_better,
                "position": position,
            }
            result = existing.pop((line.service.lower(), line.name.lower()), None)
            if result is None:
                result = KpiResult(monitoring_return=monitoring_return, **wanted)
                outcome.results_created += 1
            elif (
                all(getattr(result, name) == wanted[name] for name in _COMPARED)
                and result.service == line.service
                and result.name == line.name
            ):
                outcome.results_unchanged += 1
                continue
            else:
                for name, value in wanted.items():
                    setattr(result, name, value)
                outcome.results_changed += 1
            result.full_clean(exclude=["monitoring_return"])
            history.record(result, officer=officer, reason=reason)
            result.save()
        for leftover in existing.values():
            history.record(leftover, officer=officer, reason="Not in the provider's latest KPI file")
            leftover.delete()
            outcome.results_removed += 1
    return outcome


@transaction.atomic
def quality_assessment_save(
    *, assessment: QualityAssessment, officer: AbstractBaseUser | None, reason: str
) -> QualityAssessment:
    assessment.full_clean()
    history.record(assessment, officer=officer, reason=reason)
    assessment.save()
    return assessment


# --- decision reports ---------------------------------------------------------------------


def _locked_draft(report: DecisionReport) -> DecisionReport:
    """The report's row, locked, if it is still a draft: submitted and approved reports are fixed."""
    locked = DecisionReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != DecisionReport.Status.DRAFT:
        raise ValidationError(
            f"This report has been {locked.get_status_display().lower()}, so it can no longer be changed"
            + (": a manager can return it to draft" if locked.status == DecisionReport.Status.SUBMITTED else "")
        )
    return locked


@transaction.atomic
def report_create(
    *, report: DecisionReport, officer: AbstractBaseUser | None, reason: str = "Report started"
) -> DecisionReport:
    """Start a draft report with the four options of the seed report's appraisal, unwritten."""
    if not report.title.strip():
        report.title = report.default_title()
    report.status = DecisionReport.Status.DRAFT
    report.created_by = officer
    report.full_clean()
    history.record(report, officer=officer, reason=reason)
    report.save()
    _options_for_kind(report, officer=officer, reason=reason)
    return report


def _options_for_kind(report: DecisionReport, *, officer, reason: str) -> None:
    """Give the report the options its type appraises, unwritten, keeping any it already has
    (a report whose type changes keeps what was written for the other type, unprinted)."""
    existing = set(report.options.values_list("kind", flat=True))
    for kind in ReportOption.kinds_for(report.kind):
        if kind in existing:
            continue
        option = ReportOption(report=report, kind=kind)
        history.record(option, officer=officer, reason=reason)
        option.save()


@transaction.atomic
def report_update(
    *, report: DecisionReport, fields: dict, officer: AbstractBaseUser | None, reason: str
) -> DecisionReport:
    """Change a draft report's details or sections (``fields`` maps field names to values)."""
    locked = _locked_draft(report)
    for name, value in fields.items():
        setattr(locked, name, value)
    if "title" in fields and not locked.title.strip():
        locked.title = locked.default_title()
    locked.full_clean()
    history.record(locked, officer=officer, reason=reason)
    locked.save()
    if "kind" in fields:
        _options_for_kind(locked, officer=officer, reason=reason)
    return locked


@transaction.atomic
def report_options_save(
    *, report: DecisionReport, texts: dict[str, dict[str, str]], recommended: str, officer: AbstractBaseUser | None
) -> None:
    """Save the options appraisal of a draft: each option's texts and which one is recommended.

    ``texts`` maps an option's kind to its description, benefits and risks; ``recommended`` is
    a kind, or "" while undecided. Options whose words did not change are not saved again.
    """
    _locked_draft(report)
    for option in report.options.select_for_update():
        wanted = {**texts.get(option.kind, {}), "is_recommended": option.kind == recommended}
        if all(getattr(option, name) == value for name, value in wanted.items()):
            continue
        for name, value in wanted.items():
            setattr(option, name, value)
        history.record(option, officer=officer, reason="Options appraisal edited")
        option.save()


def submission_problems(report: DecisionReport) -> list[str]:
    """What stops a draft going for approval: the messages the officer sees, in page order."""
    return checklist.submission_problems(report, report_facts(report))


@transaction.atomic
def report_submit(*, report: DecisionReport, officer: AbstractBaseUser | None) -> DecisionReport:
    """Send a complete draft for a manager's approval."""
    locked = _locked_draft(report)
    if problems := submission_problems(locked):
        raise ValidationError(problems)
    locked.status = DecisionReport.Status.SUBMITTED
    locked.submitted_by = officer
    locked.submitted_at = timezone.now()
    history.record(locked, officer=officer, reason="Submitted for approval")
    locked.save(update_fields=["status", "submitted_by", "submitted_at"])
    # Told once the submission is saved for good: never an email about a submission rolled back.
    transaction.on_commit(lambda: report_approvers_notify(report_id=locked.pk))
    return locked


def report_approvers_notify(*, report_id: int) -> int:
    """Email each person who may approve a submitted report that it awaits them; returns how many.

    The submission stands whatever the mail server does: a failure is logged, and the report is
    on each approver's dashboard all the same.
    """
    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection
    from django.template.loader import render_to_string

    from .selectors import report_approvers, report_for_display

    report = report_for_display(report_id)
    if report.status != DecisionReport.Status.SUBMITTED:
        return 0
    submitter = (
        (report.submitted_by.get_full_name() or report.submitted_by.get_username())
        if report.submitted_by
        else "An officer"
    )
    link = settings.SITE_URL.rstrip("/") + report.get_absolute_url()
    messages = [
        EmailMessage(
            subject=f"For your approval: {report.title}"[:200],
            body=render_to_string(
                "reports/email/awaiting_approval.txt",
                {"report": report, "approver": approver, "submitter": submitter, "link": link},
            ),
            to=[approver.email],
        )
        for approver in report_approvers(report)
    ]
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:  # the mail server's failure must not undo a saved submission
        logger.exception("Could not email the approvers of report %s", report_id)
        return 0


def _locked_submitted(report: DecisionReport, officer: AbstractBaseUser) -> DecisionReport:
    # The views check this permission too; the service checks again so no other caller can skip it.
    if not officer.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied("Only a manager can approve a report or return it to draft")
    locked = DecisionReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != DecisionReport.Status.SUBMITTED:
        raise ValidationError(
            f"Only a report submitted for approval can be approved or returned; this one is "
            f"{locked.get_status_display().lower()}"
        )
    return locked


def four_eyes_refusal(report: DecisionReport, officer: AbstractBaseUser) -> str:
    """Why ``officer`` may not approve ``report`` (four eyes), or "" if they may."""
    if officer.pk is not None and officer.pk == report.created_by_id:
        return "You started this report, so you cannot approve it: another manager must approve it"
    if officer.pk is not None and officer.pk == report.submitted_by_id:
        return "You submitted this report, so you cannot approve it: another manager must approve it"
    return ""


def _check_four_eyes(report: DecisionReport, officer: AbstractBaseUser) -> None:
    if refusal := four_eyes_refusal(report, officer):
        raise ValidationError(refusal)


def _decision_for(report: DecisionReport) -> str | None:
    """The decision the approved report records: the option its appraisal recommends."""
    recommended = next((o for o in report_facts(report).options if o.is_recommended), None)
    return recommended.decision if recommended else None


def _record_decision(report: DecisionReport, *, officer: AbstractBaseUser, today: date) -> None:
    """The approval is the decision: record it on the contract, or on the cycle for a recommissioning."""
    from commissioning import services as commissioning_services

    decision = _decision_for(report)
    if decision is None:
        return
    reason = f"Decision report approved: {report.title}"[: history.REASON_LENGTH - 30]
    if report.kind == DecisionReport.Kind.RECOMMISSIONING and report.cycle_id:
        # A cycle's decision is held on the contracts it replaces that the approver may change.
        contracts = list(policy.contracts_editable_by(officer, report.cycle.replaces.all()))
        if not contracts:
            return
    elif report.contract_id:
        contracts = [report.contract]
    else:
        return
    commissioning_services.decision_record(
        contracts=contracts, decision=decision, officer=officer, decided_on=today, reason=reason, today=today
    )


@transaction.atomic
def report_approve(*, report: DecisionReport, officer: AbstractBaseUser, reason: str = "") -> DecisionReport:
    """A manager approves a submitted report; the approved version cannot be changed afterwards.

    1. Four eyes: the approver is neither who started the report nor who submitted it.
    2. The recommended option is recorded as the decision on the contract (or the cycle),
       before the PDF is made, so the approved PDF's cover table shows the cover the
       decision gives and the report page does not at once call that a change.
    3. The PDF is rendered once, from the figures as they are now, and kept in file storage
       with its SHA-256; the figures it printed are kept beside it as JSON. Downloads of the
       approved report serve that file, never a fresh render.
    """
    from .pdf import pdf_filename, render_report_pdf  # WeasyPrint is only loaded where PDFs are made
    from .selectors import report_for_display
    from .snapshot import report_figures

    locked = _locked_submitted(report, officer)
    _check_four_eyes(locked, officer)
    now = timezone.now()
    locked.status = DecisionReport.Status.APPROVED
    locked.approved_by = officer
    locked.approved_at = now
    history.record(locked, officer=officer, reason="Approved" + (f": {reason}" if reason else ""))
    locked.save(update_fields=["status", "approved_by", "approved_at"])

    _record_decision(locked, officer=officer, today=timezone.localdate(now))
    shown = report_for_display(locked.pk)  # approved, with its approver, as the PDF prints it
    pdf = render_report_pdf(shown)
    version = locked.approvals.count() + 1
    approval = ReportApproval(
        report=locked,
        version=version,
        approved_by=officer,
        approved_at=now,
        figures=report_figures(report_facts(shown)),
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    name = pdf_filename(shown, f"v{version}", "approved")
    approval.pdf.save(name, ContentFile(pdf), save=False)
    # The Word version from the same figures, kept beside it: its download is the approved text too.
    from .docx import report_docx

    document = report_docx(shown)
    approval.docx_sha256 = hashlib.sha256(document).hexdigest()
    approval.docx.save(name.removesuffix(".pdf") + ".docx", ContentFile(document), save=False)
    # Should the transaction roll back from here, the file is left without a row: harmless,
    # and better than a row without its file.
    approval.save()
    return locked


def approved_pdf(approval: ReportApproval) -> bytes:
    """The approved PDF as stored, checked against the SHA-256 taken when it was approved."""
    with approval.pdf.open("rb") as stream:
        pdf = stream.read()
    if hashlib.sha256(pdf).hexdigest() != approval.sha256:
        raise ValueError(f"The stored PDF of {approval} does not match its SHA-256")
    return pdf


def approved_docx(approval: ReportApproval) -> bytes | None:
    """The approved Word document as stored, checked against its SHA-256; None if the approval has none."""
    if not approval.docx:
        return None
    with approval.docx.open("rb") as stream:
        document = stream.read()
    if hashlib.sha256(document).hexdigest() != approval.docx_sha256:
        raise ValueError(f"The stored Word document of {approval} does not match its SHA-256")
    return document


@transaction.atomic
def report_new_version(*, report: DecisionReport, officer: AbstractBaseUser | None, reason: str) -> DecisionReport:
    """Start a new version of an approved report: a draft again, which needs its own approval.

    The approved versions stay as they were approved (``report.approvals``).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the approved report needs a new version"})
    locked = DecisionReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != DecisionReport.Status.APPROVED:
        raise ValidationError("Only an approved report gets a new version; a draft can be changed as it is")
    locked.status = DecisionReport.Status.DRAFT
    locked.submitted_by = locked.submitted_at = locked.approved_by = locked.approved_at = None
    history.record(locked, officer=officer, reason=f"New version: {reason}")
    locked.save(update_fields=["status", "submitted_by", "submitted_at", "approved_by", "approved_at"])
    return locked


@transaction.atomic
def report_return_to_draft(*, report: DecisionReport, officer: AbstractBaseUser, reason: str) -> DecisionReport:
    """A manager sends a submitted report back to its author, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the report is going back to draft"})
    locked = _locked_submitted(report, officer)
    locked.status = DecisionReport.Status.DRAFT
    locked.submitted_by = None
    locked.submitted_at = None
    history.record(locked, officer=officer, reason=f"Returned to draft: {reason}")
    locked.save(update_fields=["status", "submitted_by", "submitted_at"])
    return locked


# --- PDFs for a meeting -------------------------------------------------------------------


def rendered_report_store(*, report: DecisionReport, pdf: bytes, now=None) -> RenderedReport:
    """Keep a report's PDF for the meeting pack (Django's storage API), replacing the one rendered before."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    rendered = RenderedReport.objects.select_for_update().filter(report=report).first() or RenderedReport(report=report)
    replaced = rendered.pdf.name if rendered.pk else ""
    rendered.pdf.save(f"{report.pk}-{sha256[:16]}.pdf", ContentFile(pdf), save=False)
    rendered.sha256 = sha256
    rendered.rendered_at = now or timezone.now()
    rendered.status_when_rendered = report.status
    rendered.save()
    if replaced and replaced != rendered.pdf.name:
        # Only once the new row is committed: a rollback keeps the old row and its file.
        storage = rendered.pdf.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    return rendered


def rendered_pdf(rendered: RenderedReport) -> bytes:
    """The meeting pack's PDF as stored, checked against the SHA-256 taken when it was rendered."""
    with rendered.pdf.open("rb") as stream:
        pdf = stream.read()
    if hashlib.sha256(pdf).hexdigest() != rendered.sha256:
        raise ValueError(f"The stored PDF of {rendered} does not match its SHA-256")
    return pdf


def meeting_pack_render(*, meeting_date: date) -> list[int]:
    """Render and keep the PDF of every report for a meeting; returns the reports' ids.

    An approved report's pack copy is its approved PDF. Each report is rendered and saved in its own transaction, so a failure part-way keeps the
    ones already done, and running it again simply renders them all afresh.
    """
    from .pdf import render_report_pdf  # WeasyPrint is only loaded where PDFs are made
    from .selectors import report_for_display

    done = []
    for report_id in (
        DecisionReport.objects.filter(meeting_date=meeting_date).order_by("pk").values_list("pk", flat=True)
    ):
        report = report_for_display(report_id)
        approval = (
            report.approvals.order_by("-version").first() if report.status == DecisionReport.Status.APPROVED else None
        )
        # An approved report goes into the pack as approved, never re-rendered with today's figures.
        pdf = approved_pdf(approval) if approval is not None else render_report_pdf(report)
        with transaction.atomic():
            rendered_report_store(report=report, pdf=pdf)
        done.append(report_id)
    return done


# --- Word documents -----------------------------------------------------------------------

# The headings of what the tracker writes alone: allowed in an uploaded .docx, their text ignored.
COMPUTED_HEADINGS = {
    "options",
    "procurement route options",
    "implications",
    "the procurement",
    "estimated value",
    "regime and notices",
    "timetable",
    "other implications",
    "decision timetable",
}
IMPLICATION_HEADINGS = {
    "policy": "policy_implications",
    "financial": "resources_and_risk",
    "legal": "legal_implications",
    "equalities": "equalities_implications",
    "risk": "risk_implications",
    "carbon and energy management": "carbon_and_energy",
    "social value": "social_value",
}


def report_docx_headings(report: DecisionReport) -> tuple[dict[str, str], dict[str, str]]:
    """The report's headings as its .docx prints them: (heading -> field, option heading -> option kind)."""
    from .docx import heading_key
    from .selectors import report_options

    sections = {
        heading_key(str(DecisionReport._meta.get_field(name).verbose_name)): name
        for name in checklist.section_fields(report)
    }
    sections.update(IMPLICATION_HEADINGS)
    options = {
        heading_key(f"Option {option.number}: {option.heading}"): option.kind for option in report_options(report)
    }
    return sections, options


@transaction.atomic
def report_text_from_docx(*, report: DecisionReport, data: bytes, officer: AbstractBaseUser | None) -> list[str]:
    """Make a draft's text what an uploaded .docx says under each of the report's headings.

    Sections whose heading is not in the document are left as they were; a document with a
    heading the report does not have changes nothing (``reports.docx.DocxError``). Returns the
    names of the sections the document held, for the officer's message.
    """
    from .docx import read_report_docx
    from .selectors import report_for_display, report_options

    locked = _locked_draft(report)
    shown = report_for_display(locked.pk)
    sections, options = report_docx_headings(shown)
    text = read_report_docx(data, sections=sections, options=options, ignored=COMPUTED_HEADINGS)
    reason = "Text uploaded from a Word document"
    if text.fields:
        report_update(report=locked, fields=text.fields, officer=officer, reason=reason)
    if text.options:
        current = {option.kind: option for option in shown.options.all()}
        texts = {
            kind: {name: getattr(option, name) for name in ("description", "benefits", "risks")}
            for kind, option in current.items()
        }
        for kind, written in text.options.items():
            texts[kind] = written
        recommended = next((option.kind for option in current.values() if option.is_recommended), "")
        report_options_save(report=locked, texts=texts, recommended=recommended, officer=officer)
    labels = [str(DecisionReport._meta.get_field(name).verbose_name) for name in text.fields]
    numbers = {option.kind: option.number for option in report_options(shown)}
    labels += [f"option {numbers[kind]}" for kind in text.options if kind in numbers]
    return labels
