"""Uploaded register files move from the database to Django's storage API, as OCDS uploads are kept."""

import uuid

from django.db import migrations, models


def files_to_storage(apps, schema_editor):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    RegisterImport = apps.get_model("registers", "RegisterImport")
    for register_import in RegisterImport.objects.exclude(content=b"").iterator():
        content = bytes(register_import.content)
        if not content:
            continue
        register_import.stored_name = default_storage.save(f"register-imports/{uuid.uuid4().hex}", ContentFile(content))
        register_import.save(update_fields=["stored_name"])


def files_to_database(apps, schema_editor):
    from django.core.files.storage import default_storage

    RegisterImport = apps.get_model("registers", "RegisterImport")
    for register_import in RegisterImport.objects.exclude(stored_name="").iterator():
        with default_storage.open(register_import.stored_name, "rb") as stream:
            register_import.content = stream.read()
        register_import.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("registers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="registerimport",
            name="stored_name",
            field=models.CharField(
                blank=True, help_text="Where the uploaded file is kept until it is imported or expires", max_length=255
            ),
        ),
        migrations.RunPython(files_to_storage, files_to_database),
        migrations.RemoveField(model_name="registerimport", name="content"),
    ]
