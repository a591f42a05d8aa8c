"""Spreadsheet downloads: the register, milestones, reminders and the Transparency Code return."""

from django.urls import path

from . import sources, views

app_name = "exports"

# (name, the selector's table, the permission of the page the download comes from)
TABLES = [
    ("register", sources.register_table, "contracts.view_contract"),
    ("milestones", sources.milestones_table, "commissioning.view_milestone"),
    ("reminders", sources.reminders_table, "reminders.view_reminder"),
]

urlpatterns = [
    *(
        path(
            f"{name}.{file_format}",
            views.TableDownloadView.as_view(source=source, permission_required=permission, file_format=file_format),
            name=f"{name}-{file_format}",
        )
        for name, source, permission in TABLES
        for file_format in ("csv", "xlsx")
    ),
    path("transparency/", views.TransparencyView.as_view(), name="transparency"),
    *(
        path(
            f"transparency.{file_format}",
            views.TransparencyDownloadView.as_view(file_format=file_format),
            name=f"transparency-{file_format}",
        )
        for file_format in ("csv", "xlsx")
    ),
]
