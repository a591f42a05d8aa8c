"""API tokens expire. A token made before this gets the default 90 days from the day the
migration runs, so no script stops at once and none works for ever."""

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone

HELP = "When the token stops working, chosen by its owner when they made it"


def ninety_days_from_now(apps, schema_editor):
    expires = timezone.now() + timedelta(days=90)
    for name in ("ApiToken", "HistoricalApiToken"):
        apps.get_model("api", name).objects.filter(expires_at__isnull=True).update(expires_at=expires)


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="apitoken", name="expires_at", field=models.DateTimeField(null=True, help_text=HELP)
        ),
        migrations.AddField(
            model_name="historicalapitoken", name="expires_at", field=models.DateTimeField(null=True, help_text=HELP)
        ),
        migrations.RunPython(ninety_days_from_now, migrations.RunPython.noop),
        migrations.AlterField(model_name="apitoken", name="expires_at", field=models.DateTimeField(help_text=HELP)),
        migrations.AlterField(
            model_name="historicalapitoken", name="expires_at", field=models.DateTimeField(help_text=HELP)
        ),
    ]
