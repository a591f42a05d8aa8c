from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commissioning"
    verbose_name = "Commissioning cycles and milestones"
