"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def import_ocds_upload(job_id: int) -> None:
    """Import an uploaded OCDS file kept for an ``ImportJob`` (``services.import_job_run``)."""
    services.import_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def sync_notices() -> None:
    """Beat's job: follow Find a Tender and Contracts Finder (``notices.sync.services``)."""
    from .sync.services import sync_all

    sync_all()


@shared_task(ignore_result=True)
def send_market_emails() -> None:
    """Beat's Monday job: each watching officer's new market notices (``notices.sync.market``)."""
    from .sync.market import market_emails_send

    market_emails_send()
