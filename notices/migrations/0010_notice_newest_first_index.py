"""The Notices list's order, newest first (issue 24): an admin's first page of keyset pagination
reads 51 rows by this index instead of sorting every notice of the service."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0009_conflict_closed_when_the_tracker_agrees"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(fields=["-published_at", "-id"], name="notice_newest_first"),
        ),
    ]
