"""A signed-in person's permissions and teams, remembered in their session between requests.

Issue 24: every page that checks a permission read the person's own and their groups'
permissions (2 queries), and every list read their teams (1 more), on every request. They
change rarely and only through a handful of relations, so the session keeps them, stamped
with the access *generation*: a random token in the shared cache (Redis, the ``access``
cache) that is replaced whenever any of those relations changes, for anyone. A request whose
session holds another generation reads them again. So a revoked permission or a removed team
takes effect on the person's next request, from whichever process made the change.

What changes the generation (``changed``): adding, removing or clearing a person's groups or
own permissions, a group's permissions or a team's members (``m2m_changed``, which the
admin's forms, ``contracts.roles`` and the demo all go through), and deleting a group, a
permission, a team or a person (their rows in those relations go without ``m2m_changed``).
Whether a person is active or a superuser is read with the person on every request. These are receivers, not explicit service calls,
because the admin changes these relations directly; nothing else follows from them.

The generation is read before the database, and replaced both at once and again when the
transaction commits, so a request that read the old rows inside the change's transaction
cannot keep them under the new generation. Without a shared cache (no ``REDIS_URL``: the
``access`` cache is a dummy) or when Redis does not answer, nothing is remembered and every
request reads the database as before.
"""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete

log = logging.getLogger(__name__)

SESSION_KEY = "access.remembered"


def _cache():
    cache = caches["access"]
    return None if isinstance(cache, DummyCache) else cache


def _key() -> str:
    # One generation per database: test databases (one per xdist worker) and several
    # services sharing one Redis never see each other's.
    return f"access-generation:{connection.settings_dict['NAME']}"


def generation() -> str | None:
    """The current generation, or None when there is no shared cache to trust."""
    cache = _cache()
    if cache is None:
        return None
    try:
        current = cache.get(_key())
        if current is None:  # first use, or Redis lost it: a token no session can hold
            cache.add(_key(), uuid.uuid4().hex, timeout=None)
            current = cache.get(_key())
    except Exception:  # Redis down: read the database on every request until it is back
        log.exception("the access generation could not be read; permissions are read from the database")
        return None
    return current


def _replace() -> None:
    cache = _cache()
    if cache is None:
        return
    try:
        cache.set(_key(), uuid.uuid4().hex, timeout=None)
    except Exception:
        log.exception("the access generation could not be replaced")


def changed(**kwargs) -> None:
    """Someone's permissions or teams changed: every session reads them again."""
    _replace()
    transaction.on_commit(_replace)


def remember(request) -> None:
    """Give ``request.user`` its permissions and team ids from the session when the session's
    generation is current; otherwise read them (from the database) and keep them there."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return
    current = generation()
    if current is None:
        return
    kept = request.session.get(SESSION_KEY)
    if kept and kept.get("generation") == current and kept.get("user") == user.pk:
        user._perm_cache = set(kept["permissions"])
        user._team_ids = list(kept["teams"])
        return
    from . import policy

    request.session[SESSION_KEY] = {
        "generation": current,
        "user": user.pk,
        "permissions": sorted(user.get_all_permissions()),
        "teams": policy.team_ids(user),
    }


def connect() -> None:
    """The receivers that replace the generation (called from AccessConfig.ready)."""
    from contracts.models import Team

    User = get_user_model()
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(changed, sender=through, dispatch_uid=f"access.remembered.{through._meta.label}")
    m2m_changed.connect(changed, sender=Team.members.through, dispatch_uid="access.remembered.team_members")
    for model in (User, Group, Permission, Team):
        post_delete.connect(changed, sender=model, dispatch_uid=f"access.remembered.delete.{model._meta.label}")
