"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def import_ocds_upload(job_id: int) -> None:
    """Import an uploaded OCDS file kept for an ``ImportJob`` (``services.import_job_run``)."""
    services.import_job_run(job_id=job_id)
