"""Settings for the test suite: the development settings, less what only slows tests down.

pytest.ini points pytest-django here. Only what the tests do not test differs from
``config.settings``, after cookiecutter-django's ``config/settings/test.py``.
"""

from config.settings import *

# Hashing a password costs a quarter of a second by design, and the tests sign in hundreds of
# times; the slow hasher is Django's and not under test.
# https://docs.djangoproject.com/en/5.2/topics/testing/overview/#password-hashing
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A test database need not survive a power cut: PostgreSQL stops waiting for the disk at each
# commit, which the transactional tests (browsers, sweeps, the demo) do thousands of times.
# https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"

# Permissions are read from the database on every request, as before issue 24, so that the
# suite's query counts do not depend on whether a test's session has seen a page before; the
# tests of remembering them in the session (tests/test_access_remembered.py) use Redis.
CACHES = {**CACHES, "access": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
