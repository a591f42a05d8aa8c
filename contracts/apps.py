from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _top_up_role_groups(sender, using="default", **kwargs):
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from .roles import sync_role_groups

    # Other apps' permissions may not exist yet at this point of post_migrate: make them.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_role_groups(Group, Permission)


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contracts"
    verbose_name = "Contract register"

    def ready(self):
        # After every migrate, when new models' permissions exist, bring the groups up to date.
        post_migrate.connect(_top_up_role_groups, sender=self, dispatch_uid="contracts.role_groups")
