"""Celery tasks: thin wrappers that take an import's id and call a service."""

from contextlib import contextmanager

from celery import shared_task

from . import services
from .models import RegisterImport


@shared_task(ignore_result=True)
def register_import_preview(register_import_id: int) -> None:
    """Check a large uploaded register while the officer waits on the progress page (or leaves it)."""
    register_import = RegisterImport.objects.select_related("team", "officer").get(pk=register_import_id)
    with _failure_recorded(register_import):
        services.register_import_preview(register_import=register_import)


@shared_task(ignore_result=True)
def register_import_commit(register_import_id: int) -> None:
    """Import a large previewed register, all rows or none."""
    register_import = RegisterImport.objects.select_related("team", "officer").get(pk=register_import_id)
    with _failure_recorded(register_import):
        services.register_import_commit(register_import=register_import)


@contextmanager
def _failure_recorded(register_import: RegisterImport):
    """A worker that fails says so on the progress page instead of leaving it spinning."""
    try:
        yield
    except Exception:
        RegisterImport.objects.filter(pk=register_import.pk).update(
            status=RegisterImport.Status.FAILED,
            error="The import stopped before it finished, and nothing was imported. Try again, or ask an administrator.",
        )
        raise
