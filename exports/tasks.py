"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def make_spreadsheet(job_id: int) -> None:
    """Make the XLSX file of a ``SpreadsheetJob`` (``services.spreadsheet_job_run``); the "heavy" queue."""
    services.spreadsheet_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def delete_expired_spreadsheets() -> int:
    """Beat's nightly job: delete spreadsheet files past their expiry."""
    return services.spreadsheets_delete_expired()
