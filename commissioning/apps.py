from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commissioning"
    verbose_name = "Commissioning cycles and milestones"

    def ready(self):
        from . import signals  # noqa: F401  keeps derived milestones in step with contracts
