"""Spreadsheet downloads: the register, milestones, reminders and the Transparency Code return."""

app_name = "exports"

urlpatterns: list = []
