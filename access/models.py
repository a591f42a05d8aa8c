"""The people who use the tracker get a history too, so role and permission changes are audited."""

from django.contrib.auth import get_user_model
from simple_history import register

# Who was given which role (group) or permission, by whom and when. Password hashes and
# last-login times are left out: they are not decisions anyone needs to audit.
register(
    get_user_model(),
    app="access",
    m2m_fields=["groups", "user_permissions"],
    excluded_fields=["password", "last_login"],
)
