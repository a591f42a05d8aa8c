"""The Organisations list's order, by name (issue 24): a keyset page is read by this index, not
by sorting every organisation of the service."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0009_sources_and_assumptions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["name", "id"], name="organisation_by_name"),
        ),
    ]
