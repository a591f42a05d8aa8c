from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _top_up_role_groups(sender, app_config=None, using="default", **kwargs):
    """After every migrate (and every test flush), once each app's permissions exist, bring the
    role groups up to date. post_migrate is sent for each app with models in turn, and Django's
    own receiver makes that app's permissions first, so the last app's signal is the one after
    which every permission exists (before, this receiver made every app's permissions a second
    time on the contracts app's signal)."""
    from django.contrib.auth.models import Group, Permission

    from .roles import sync_role_groups

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if with_models and app_config is not with_models[-1]:
        return
    sync_role_groups(Group, Permission)


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contracts"
    verbose_name = "Contract register"

    def ready(self):
        # After every migrate, when new models' permissions exist, bring the groups up to date.
        post_migrate.connect(_top_up_role_groups, dispatch_uid="contracts.role_groups")
