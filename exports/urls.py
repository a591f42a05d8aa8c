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
            f"{name}.csv",
            views.TableDownloadView.as_view(source=source, permission_required=permission),
            name=f"{name}-csv",
        )
        for name, source, permission in TABLES
    ),
    # A spreadsheet is made by a worker: its address shows the page that asks for one.
    *(
        path(
            f"{name}.xlsx",
            views.SpreadsheetRequestView.as_view(source=name, permission_required=permission),
            name=f"{name}-xlsx",
        )
        for name, _, permission in TABLES
    ),
    path("spreadsheets/", views.SpreadsheetListView.as_view(), name="spreadsheets"),
    path("spreadsheets/new/", views.SpreadsheetNewView.as_view(), name="spreadsheet-new"),
    path("spreadsheets/<int:pk>/", views.SpreadsheetJobView.as_view(), name="spreadsheet"),
    path("spreadsheets/<int:pk>/file/", views.SpreadsheetFileView.as_view(), name="spreadsheet-file"),
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
