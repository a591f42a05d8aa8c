from django.apps import AppConfig


class NoticesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notices"
    verbose_name = "Procurement notices and duties"

    def ready(self):
        from . import signals  # noqa: F401  keeps the Act's duties in step with contracts and cycles
