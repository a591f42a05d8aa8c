from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access control"

    def ready(self):
        from . import remembered, signals  # noqa: F401  signals logs sign-ins, sign-outs and failures

        remembered.connect()
