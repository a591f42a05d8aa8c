"""The four roles officers are given, as Django groups, and what each may do.

This is the one place that says which permissions a role carries. A migration creates the
groups, and every later `migrate` tops them up (see ContractsConfig.ready), so the models a
later change adds are covered without anyone remembering to edit a migration.
"""

VIEWER, OFFICER, MANAGER, ADMIN = "viewer", "officer", "manager", "admin"
ROLES = (VIEWER, OFFICER, MANAGER, ADMIN)

# The apps whose records officers work on.
TRACKER_APPS = ("contracts", "commissioning", "notices", "reminders", "reports")


# Seeing every team's records is an admin's alone, though its codename starts with "view".
ADMIN_ONLY = {"view_all_teams"}


def _wanted(role: str, app_label: str, codename: str) -> bool:
    action, _, model = codename.partition("_")
    if codename in ADMIN_ONLY:
        return role == ADMIN
    if model.startswith("historical") and action != "view":
        return False  # the audit history is read-only for everyone
    if role == ADMIN:
        # "api": admins can revoke anyone's API token in the Django admin, e.g. when they leave;
        # "otp_*": and remove a lost authenticator app (access/admin.py records it).
        return app_label in TRACKER_APPS or app_label in ("auth", "api", "otp_totp", "otp_static")
    if app_label not in TRACKER_APPS:
        return False
    if role == VIEWER:
        return action == "view"
    if role == OFFICER:
        return action in {"view", "add", "change"}
    # Managers approve decisions and may delete records officers entered by mistake.
    return action in {"view", "add", "change", "delete", "approve"}


def sync_role_groups(group_model, permission_model) -> None:
    """Create the role groups and give each the permissions it should have (idempotent)."""
    permissions = list(permission_model.objects.select_related("content_type"))
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set([p for p in permissions if _wanted(role, p.content_type.app_label, p.codename)])
