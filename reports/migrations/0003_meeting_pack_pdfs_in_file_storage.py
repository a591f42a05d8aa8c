"""Meeting packs' PDFs move from a database column to Django's file storage (issue 24).

Each stored PDF is written to the default storage under reports/meeting-packs/ and the row
keeps its name, so web servers and workers on different machines share them through object
storage like every other stored file. Reversible: going back reads each file into the column.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models


def to_storage(apps, schema_editor):
    RenderedReport = apps.get_model("reports", "RenderedReport")
    for rendered in RenderedReport.objects.all().iterator(chunk_size=50):
        name = default_storage.save(
            f"reports/meeting-packs/{rendered.report_id}-{rendered.sha256[:16]}.pdf", ContentFile(bytes(rendered.pdf))
        )
        RenderedReport.objects.filter(pk=rendered.pk).update(pdf_file=name)


def to_database(apps, schema_editor):
    RenderedReport = apps.get_model("reports", "RenderedReport")
    for rendered in RenderedReport.objects.all().iterator(chunk_size=50):
        with default_storage.open(rendered.pdf_file.name, "rb") as stream:
            RenderedReport.objects.filter(pk=rendered.pk).update(pdf=stream.read())


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_report_approval")]

    operations = [
        migrations.AddField(
            model_name="renderedreport",
            name="pdf_file",
            field=models.FileField(default="", max_length=255, upload_to="reports/meeting-packs/"),
            preserve_default=False,
        ),
        migrations.AlterField(model_name="renderedreport", name="pdf", field=models.BinaryField(null=True)),
        migrations.RunPython(to_storage, to_database),
        migrations.RemoveField(model_name="renderedreport", name="pdf"),
        migrations.RenameField(model_name="renderedreport", old_name="pdf_file", new_name="pdf"),
    ]
