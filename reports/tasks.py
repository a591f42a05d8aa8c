"""Celery tasks: thin wrappers that take ids or ISO dates and call a service."""

from datetime import date

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def render_meeting_pack(meeting_date: str) -> list[int]:
    """Render and keep the PDF of every report for the meeting on ``meeting_date`` (YYYY-MM-DD).

    The PDFs are kept through Django's storage API (reports.RenderedReport, one per report,
    replaced on each run), where the meeting's page offers them for download: with several
    machines, STORAGE_BACKEND=s3 lets the web servers read what the workers wrote.
    """
    return services.meeting_pack_render(meeting_date=date.fromisoformat(meeting_date))
