"""Spreadsheets (XLSX) made by a Celery worker, never in the web request (issue 24).

``spreadsheet_job_start`` is called by the view: it adds a ``SpreadsheetJob`` and queues
``exports.tasks.make_spreadsheet`` (the "heavy" queue) once the request commits.
``spreadsheet_job_run`` is the worker's side, ``spreadsheets_delete_expired`` beat's nightly
clean-up. A CSV needs none of this: it streams to the browser as it is read
(``exports.tables.csv_response``).
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from common.dates import long_date
from common.history import person_name

from . import sources
from .forms import TransparencyForm
from .models import SpreadsheetJob
from .tables import Table, filename, write_xlsx
from .transparency import last_complete_quarter, transparency_return, transparency_table

logger = logging.getLogger("exports.spreadsheets")

# The progress row is saved once every this many rows: 100 small updates for 100,000 rows.
PROGRESS_EVERY = 1000


class BadFilters(ValueError):
    """The query string cannot make the table (a Transparency Code quarter out of range)."""

    def __init__(self, form):
        super().__init__("The filters are not valid")
        self.form = form


def transparency_from_query(*, user, params: QueryDict, today: date):
    """The Transparency Code page's form, and the return it asks for (None while the form has errors)."""
    form = TransparencyForm(params or None, user=user, today=today)
    if not form.is_bound:
        return form, transparency_return(user=user, quarter=last_complete_quarter(today))
    if not form.is_valid():
        return form, None
    return form, transparency_return(user=user, quarter=form.cleaned_data["quarter"], buyer=form.cleaned_data["buyer"])


def transparency_spreadsheet(*, user, params: QueryDict, today: date) -> Table:
    form, result = transparency_from_query(user=user, params=params, today=today)
    if result is None:
        raise BadFilters(form)
    return transparency_table(result)


@dataclass(frozen=True)
class Spreadsheet:
    """One download that can be made as a spreadsheet: what it is called and who may have it."""

    title: str  # "the contract register", as in "Your spreadsheet of the contract register"
    build: Callable[..., Table]  # (user=, params=, today=) -> Table, with the person's own rights
    permission: str  # of the page the download comes from
    page: str  # that page's URL name, for the way back


SPREADSHEETS = {
    "register": Spreadsheet(
        "the contract register", sources.register_table, "contracts.view_contract", "contracts:register"
    ),
    "milestones": Spreadsheet(
        "milestones", sources.milestones_table, "commissioning.view_milestone", "commissioning:dashboard"
    ),
    "reminders": Spreadsheet("reminders", sources.reminders_table, "reminders.view_reminder", "reminders:list"),
    "transparency": Spreadsheet(
        "the Transparency Code contracts return",
        transparency_spreadsheet,
        "contracts.view_contract",
        "exports:transparency",
    ),
}


def spreadsheet_job_start(*, officer: AbstractBaseUser, source: str, query: str, today: date) -> SpreadsheetJob:
    """Queue a spreadsheet of ``source`` with the page's filters, once the request commits.

    Asking twice on one day for the same file (a double click, a second tab) gives the job
    already asked for, while its file is still there, rather than a second file.
    """
    from .tasks import make_spreadsheet

    if source not in SPREADSHEETS:
        raise ValueError(f"No spreadsheet called {source!r}")
    same = (
        SpreadsheetJob.objects.filter(officer=officer, source=source, query=query, requested_on=today)
        .exclude(status=SpreadsheetJob.Status.FAILED)
        .exclude(status=SpreadsheetJob.Status.FINISHED, file="")
        .exclude(expires_at__lte=timezone.now())
        .first()
    )
    if same is not None:
        return same
    job = SpreadsheetJob.objects.create(officer=officer, source=source, query=query, requested_on=today)
    transaction.on_commit(lambda: make_spreadsheet.delay(job.pk))
    return job


def _counted(rows: Iterable, job_id: int) -> Iterator:
    """The rows, saving how many have been written every ``PROGRESS_EVERY``."""
    done = 0
    for done, row in enumerate(rows, start=1):
        yield row
        if done % PROGRESS_EVERY == 0:
            SpreadsheetJob.objects.filter(pk=job_id).update(done=done)
    SpreadsheetJob.objects.filter(pk=job_id).update(done=done)


def spreadsheet_job_run(*, job_id: int) -> None:
    """Make a queued spreadsheet as the person who asked, keep it in storage and email them.

    1. Claim the job: only a queued job starts (a task delivered twice makes one file).
    2. Build the table with the person's own rights as they are now, for the day they asked.
    3. Count its rows, then write it with openpyxl's write-only mode into a temporary file,
       saving the progress as it goes.
    4. Save the file through Django's storage API (local disk or object storage), with an
       unguessable folder, and set when it expires.
    5. Email the person a link to it (or, if it failed, to say so).
    """
    now = timezone.now()
    claimed = SpreadsheetJob.objects.filter(pk=job_id, status=SpreadsheetJob.Status.QUEUED).update(
        status=SpreadsheetJob.Status.RUNNING, started_at=now
    )
    if claimed != 1:
        return
    job = SpreadsheetJob.objects.select_related("officer").get(pk=job_id)
    spreadsheet = SPREADSHEETS[job.source]
    officer = job.officer
    try:
        if not (officer.is_active and officer.has_perm(spreadsheet.permission)):
            raise PermissionError
        table = spreadsheet.build(user=officer, params=QueryDict(job.query), today=job.requested_on)
        total = table.count() if table.count else 0
        SpreadsheetJob.objects.filter(pk=job_id).update(total=total)
        table = replace(table, rows=_counted(table.rows, job_id))
        name = filename(table, "xlsx", today=job.requested_on)
        with tempfile.TemporaryFile() as stream:
            write_xlsx(table, stream)
            stream.seek(0)
            job.file.save(f"{uuid.uuid4().hex}/{name}", File(stream, name=name), save=False)
    except Exception as error:
        if isinstance(error, PermissionError):
            message = f"You no longer have access to {spreadsheet.title}, so the spreadsheet was not made."
        elif isinstance(error, BadFilters):
            message = "The filters the spreadsheet was asked for are no longer valid. Choose them again and ask for a new one."
        else:
            logger.exception("spreadsheet job %s stopped", job_id)
            message = "The spreadsheet could not be made because of an error in the tracker. Ask for it again; if it fails again, tell your administrator."
        SpreadsheetJob.objects.filter(pk=job_id).update(
            status=SpreadsheetJob.Status.FAILED, error=message, finished_at=timezone.now()
        )
        job.refresh_from_db()
        _email(job, spreadsheet)
        return
    finished = timezone.now()
    SpreadsheetJob.objects.filter(pk=job_id).update(
        status=SpreadsheetJob.Status.FINISHED,
        file=job.file.name,
        file_name=name,
        finished_at=finished,
        expires_at=finished + timedelta(days=settings.EXPORT_FILE_DAYS),
    )
    job.refresh_from_db()
    logger.info("spreadsheet job %s made %s rows in %.1f s", job_id, job.done, (finished - now).total_seconds())
    _email(job, spreadsheet)


def _email(job: SpreadsheetJob, spreadsheet: Spreadsheet) -> None:
    """One plain email to the person who asked: the link, or why there is none."""
    if not job.officer.email:
        return
    context = {
        "job": job,
        "name": person_name(job.officer),
        "title": spreadsheet.title,
        "asked_on": long_date(job.requested_on),
        "expires": long_date(job.expires_at) if job.expires_at else "",
        "download_url": settings.SITE_URL.rstrip("/") + reverse("exports:spreadsheet-file", args=[job.pk]),
        "page_url": settings.SITE_URL.rstrip("/") + job.get_absolute_url(),
        "again_url": settings.SITE_URL.rstrip("/") + reverse(spreadsheet.page),
    }
    if job.status == SpreadsheetJob.Status.FINISHED:
        subject = f"Your spreadsheet of {spreadsheet.title} is ready"
    else:
        subject = f"Your spreadsheet of {spreadsheet.title} could not be made"
    send_mail(
        subject,
        render_to_string("exports/spreadsheet_email.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [job.officer.email],
    )


# A job still queued or running this long after it was asked for lost its worker (a restart
# took the task, or killed the process part-way): the nightly clean-up says so on its page.
ABANDONED_AFTER = timedelta(hours=6)


def spreadsheets_delete_expired(*, now=None) -> int:
    """Delete the files of spreadsheets past their expiry (the job rows stay, saying so), and
    mark as failed the jobs a worker abandoned, so nobody waits on their page for ever."""
    now = now or timezone.now()
    SpreadsheetJob.objects.filter(
        status__in=[SpreadsheetJob.Status.QUEUED, SpreadsheetJob.Status.RUNNING], created_at__lte=now - ABANDONED_AFTER
    ).update(
        status=SpreadsheetJob.Status.FAILED,
        finished_at=now,
        error="The worker making the spreadsheet stopped before it was ready. Ask for it again.",
    )
    deleted = 0
    for job in SpreadsheetJob.objects.filter(expires_at__lte=now).exclude(file=""):
        job.file.delete(save=False)  # the storage API: a file on disk or an object in the bucket
        SpreadsheetJob.objects.filter(pk=job.pk).update(file="")
        deleted += 1
    return deleted
