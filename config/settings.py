"""Settings for the commissioning-cycle tracker.

Everything comes from environment variables. Development needs none of them: SQLite, an
embedded Celery broker and a throwaway secret key. Production (``DJANGO_ENV=production``)
refuses to start unless the variables that must not have defaults are set.

https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import ipaddress
import os
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return value


ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=False)

if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production")
else:
    # A fixed development key is harmless: production refuses to start without its own.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "development-only-not-secret"
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or ["127.0.0.1", "localhost", "testserver"]
    # The SQLite file, the embedded broker and collected static files live here.
    (VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "simple_history",
    "contracts",
    "commissioning",
    "notices",
    "reminders",
    "ops",
    "access",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Recovery codes, shown once when the app is set up, for a lost phone.
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "reports",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "exports",
    "api",
    "registers",
]

MIDDLEWARE = [
    # First: believes X-Forwarded-* only from TRUSTED_PROXY_IPS, so nothing after it reads a forged one.
    "ops.proxy.ForwardedHeadersMiddleware",
    "ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Every view needs a signed-in officer unless it is marked with @login_not_required.
    # https://docs.djangoproject.com/en/5.2/ref/middleware/#django.contrib.auth.middleware.LoginRequiredMiddleware
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Signs a person out after SESSION_IDLE_TIMEOUT without a request.
    "access.middleware.IdleTimeoutMiddleware",
    # The person's permissions and teams kept in the session while current (access/remembered.py).
    "access.middleware.RememberedAccessMiddleware",
    # Asks for the two-step code before anything else (access/two_factor.py).
    "access.two_factor.SecondFactorMiddleware",
    # Records the signed-in officer on every history row.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Refuses sign-in after repeated failures; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed sign-ins and refuses during the cool-off (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout: after AXES_FAILURE_LIMIT failures for one username from one address, sign-in is
# refused for the cool-off, then allowed again, so nobody can lock an officer out for ever.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The lockout counts the person's own address: REMOTE_ADDR as ops.proxy.ForwardedHeadersMiddleware
# left it (from X-Forwarded-For only when a trusted proxy sent it). Named here so that installing
# django-ipware later cannot quietly switch axes to believing every X-Forwarded-For.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html#configuring-reverse-proxies
AXES_CLIENT_IP_CALLABLE = "ops.proxy.request_address"

# Sessions end after SESSION_IDLE_TIMEOUT without a request, and after SESSION_COOKIE_AGE
# whatever happens. https://docs.djangoproject.com/en/5.2/topics/http/sessions/
SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_MAX_HOURS", "10")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Two-step verification: optional for managers, required for admins in production.
OTP_REQUIRED_FOR_ADMINS = env_bool("OTP_REQUIRED_FOR_ADMINS", default=PRODUCTION)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Commissioning tracker")

# Content Security Policy: nothing inline, nothing from elsewhere, never framed.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.navigation.navigation",
            ],
        },
    },
]

# Lets form widgets use the project's templates (the GOV.UK date input lives in templates/govuk);
# Django's stock widgets are written out in Python (common/renderers.py, issue 24).
FORM_RENDERER = "common.renderers.GovukFormRenderer"

WSGI_APPLICATION = "config.wsgi.application"

# SQLite unless DATABASE_URL names another database (postgres://user@host:port/name).
# https://github.com/jazzband/dj-database-url
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        # In production each gunicorn worker keeps its connection for a minute (checked before
        # reuse): opening one per request cost a third of a register page (docs/benchmarks.md).
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
# Connection pooling, for several web and worker machines against one PostgreSQL
# (docs/deployment.md, "Connection pooling"). Either:
# - PgBouncer in transaction mode in front of PostgreSQL: point DATABASE_URL at it, set
#   DATABASE_CONN_MAX_AGE=0 and DATABASE_DISABLE_SERVER_SIDE_CURSORS=true (a server-side
#   cursor, which .iterator() uses for downloads, cannot outlive PgBouncer's transaction);
# - or psycopg's own pool in each process (Django 5.1+): DATABASE_POOL_MAX_SIZE=4 and so on.
#   It uses the psycopg-pool package (pinned in requirements.txt).
# https://docs.djangoproject.com/en/5.2/ref/databases/#transaction-pooling-server-side-cursors
# https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False)
DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "0"))
if DATABASE_POOL_MAX_SIZE:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_POOL_MAX_SIZE needs a PostgreSQL DATABASE_URL")
    # A pooled connection goes back to the pool after each request: persistent connections and
    # the pool are exclusive in Django.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "1")),
        "max_size": DATABASE_POOL_MAX_SIZE,
        # Seconds a request waits for a free connection before it fails.
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT_SECONDS", "10")),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "commissioning:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# Stored datetimes are aware (UTC in the database); everything shown and computed is London time.
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# build/static holds GOV.UK Frontend, copied out of node_modules by `make assets`.
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "build" / "static"]
# Development serves GOV.UK Frontend straight from STATICFILES_DIRS; production from
# collectstatic's output. https://whitenoise.readthedocs.io/en/stable/django.html
WHITENOISE_USE_FINDERS = not PRODUCTION
# Uploaded OCDS files wait in the default storage for the worker that imports them
# (notices.services.import_job_start), which deletes each when done: the web server and the
# workers must share it (one machine, a shared volume, or object storage set in STORAGES).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# The council's OCID prefix, registered with the Open Contracting Partnership (e.g. "ocds-a1b2c3"):
# the OCDS export gives a cycle or contract without an OCID one under it; without a prefix such
# records are left out of the export. https://standard.open-contracting.org/latest/en/schema/identifiers/
OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX", "").strip()
# Stored files (approved report PDFs, OCDS uploads waiting for a worker, spreadsheets the
# workers make) go through Django's storage API: MEDIA_ROOT on this machine by default, or
# S3-compatible object storage (AWS S3, MinIO, Ceph, a cloud's S3 API) with STORAGE_BACKEND=s3,
# which every web and worker machine then shares. Credentials come from boto3's own chain
# (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the machine's role), never from here.
# https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem").strip().lower()
if STORAGE_BACKEND == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    _bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not _bucket:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when STORAGE_BACKEND=s3")
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            # Empty for AWS itself; the service's address for MinIO and other S3-compatible stores.
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME", "").strip() or None,
            # A folder inside the bucket, so one bucket can serve several councils or environments.
            "location": os.environ.get("AWS_LOCATION", "").strip().strip("/"),
            # "path" for most S3-compatible stores (MinIO); AWS itself takes "virtual".
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE", "").strip() or None,
            "signature_version": "s3v4",
            # Private objects: nothing stored is public; the tracker serves each file after
            # checking who asks for it.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            # Two files given one name keep both, as on the local file system.
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', not {STORAGE_BACKEND!r}")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "commissioning-tracker@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# GOV.UK Notify instead of SMTP: EMAIL_BACKEND=ops.notify.NotifyEmailBackend (see ops/notify.py).
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_TEMPLATE_ID = os.environ.get("NOTIFY_TEMPLATE_ID", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")

# Celery. Redis when REDIS_URL is set (CI and production); otherwise the broker is a folder
# on disk (kombu's filesystem transport), so a development machine needs no server.
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"

# "access" holds one token that changes whenever anyone's groups, permissions or teams change,
# so sessions may keep a person's permissions between requests (access/remembered.py). It
# must be shared by every web process: Redis when REDIS_URL is set; otherwise a dummy, and
# every request reads permissions from the database. "default" stays Django's own.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "access": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    ),
}
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Without this kombu writes its exchange tables to ./control in the working directory.
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE  # beat's crontab times (the Monday digest) are London times
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Three queues, so a reminder never waits behind a PDF or a spreadsheet: "reminders" (the sweep,
# the nightly re-plan, the digests), "heavy" (PDFs, spreadsheets, imports: minutes of CPU each)
# and "default" for the rest. A worker started without -Q takes all three (development, tests);
# production runs one worker per queue (Procfile, deploy/systemd, docs/deployment.md).
# https://docs.celeryq.dev/en/stable/userguide/routing.html
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = {"reminders": {}, "default": {}, "heavy": {}}
CELERY_TASK_ROUTES = {
    "reminders.tasks.*": {"queue": "reminders"},
    "reports.tasks.render_meeting_pack": {"queue": "heavy"},
    "exports.tasks.make_spreadsheet": {"queue": "heavy"},
    "notices.tasks.import_ocds_upload": {"queue": "heavy"},
    "registers.tasks.*": {"queue": "heavy"},
    # Rating every contract not rated today: minutes at national scale, nightly.
    "commissioning.tasks.refresh_ratings": {"queue": "heavy"},
}

# Reminders (see reminders/sweep.py). The database is the truth; beat only starts sweeps.
REMINDER_SWEEP_MINUTES = int(os.environ.get("REMINDER_SWEEP_MINUTES", "5"))
REMINDER_SWEEP_BATCH = int(os.environ.get("REMINDER_SWEEP_BATCH", "500"))
REMINDER_SEND_HOUR = int(os.environ.get("REMINDER_SEND_HOUR", "8"))  # London time
REMINDER_ESCALATION_DAYS = int(os.environ.get("REMINDER_ESCALATION_DAYS", "7"))
REMINDER_MAX_ATTEMPTS = int(os.environ.get("REMINDER_MAX_ATTEMPTS", "8"))
REMINDER_CLAIM_TIMEOUT = timedelta(seconds=int(os.environ.get("REMINDER_CLAIM_TIMEOUT_SECONDS", "900")))
REMINDER_LATE_AFTER = timedelta(minutes=int(os.environ.get("REMINDER_LATE_AFTER_MINUTES", "30")))
# A milestone entered already overdue is escalated at once, unless it went overdue longer ago than this.
REMINDER_OVERDUE_CATCH_UP_DAYS = int(os.environ.get("REMINDER_OVERDUE_CATCH_UP_DAYS", "90"))
# The health check fails when the last completed sweep is older than this.
HEALTH_SWEEP_MAX_AGE = timedelta(minutes=int(os.environ.get("HEALTH_SWEEP_MAX_AGE_MINUTES", "15")))
# Links in emails point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Following Find a Tender and Contracts Finder (notices/sync/, docs/notices.md). Both are open
# OCDS APIs without a key: https://www.find-tender.service.gov.uk/apidocumentation and
# https://www.contractsfinder.service.gov.uk/apidocumentation/Notices/1/GET-Published-Notice-OCDS-Search
FIND_A_TENDER_API_URL = os.environ.get(
    "FIND_A_TENDER_API_URL", "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages"
)
CONTRACTS_FINDER_API_URL = os.environ.get(
    "CONTRACTS_FINDER_API_URL", "https://www.contractsfinder.service.gov.uk/Published/Notices/OCDS/Search"
)
NOTICE_SYNC_MINUTES = int(os.environ.get("NOTICE_SYNC_MINUTES", "60"))  # 0 turns the beat job off
# Where the first run starts reading (YYYY-MM-DD); empty: NOTICE_SYNC_BACKFILL_DAYS before the first run.
NOTICE_SYNC_BACKFILL_FROM = os.environ.get("NOTICE_SYNC_BACKFILL_FROM", "")
if NOTICE_SYNC_BACKFILL_FROM:
    try:
        NOTICE_SYNC_BACKFILL_FROM = date.fromisoformat(NOTICE_SYNC_BACKFILL_FROM)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"NOTICE_SYNC_BACKFILL_FROM must be a date written YYYY-MM-DD, not {NOTICE_SYNC_BACKFILL_FROM!r}"
        ) from error
NOTICE_SYNC_BACKFILL_DAYS = int(os.environ.get("NOTICE_SYNC_BACKFILL_DAYS", "7"))
NOTICE_SYNC_OVERLAP = timedelta(minutes=int(os.environ.get("NOTICE_SYNC_OVERLAP_MINUTES", "60")))
NOTICE_SYNC_LONGEST_WINDOW = timedelta(hours=int(os.environ.get("NOTICE_SYNC_WINDOW_HOURS", "24")))
NOTICE_SYNC_TIMEOUT_SECONDS = float(os.environ.get("NOTICE_SYNC_TIMEOUT_SECONDS", "30"))
NOTICE_SYNC_MAX_ATTEMPTS = int(os.environ.get("NOTICE_SYNC_MAX_ATTEMPTS", "6"))
NOTICE_SYNC_LONGEST_WAIT_SECONDS = float(os.environ.get("NOTICE_SYNC_LONGEST_WAIT_SECONDS", "300"))
NOTICE_SYNC_LOCK_TIMEOUT = timedelta(minutes=int(os.environ.get("NOTICE_SYNC_LOCK_MINUTES", "120")))
# The health check fails when a platform has not been read to within this of now.
NOTICE_SYNC_MAX_LAG = timedelta(hours=int(os.environ.get("NOTICE_SYNC_MAX_LAG_HOURS", "6")))
NOTICE_SYNC_USER_AGENT = os.environ.get(
    "NOTICE_SYNC_USER_AGENT",
    "commissioning-tracker notice sync (UK council commissioning team; +" + SITE_URL + ")",
)

CELERY_BEAT_SCHEDULE = {
    "sweep-reminders": {
        "task": "reminders.tasks.sweep_reminders",
        # REMINDER_SWEEP_SECONDS exists for the production-stack test, which cannot wait minutes.
        "schedule": timedelta(
            seconds=int(os.environ.get("REMINDER_SWEEP_SECONDS", "0")) or REMINDER_SWEEP_MINUTES * 60
        ),
    },
    # Ratings move with the date (a decide-by date passing): the dashboard reads them stored.
    "refresh-ratings": {
        "task": "commissioning.tasks.refresh_ratings",
        "schedule": crontab(hour=0, minute=5),
    },
    "plan-all-reminders": {
        "task": "reminders.tasks.plan_all_reminders",
        "schedule": crontab(hour=2, minute=30),
    },
    "weekly-digest": {
        "task": "reminders.tasks.send_weekly_digests",
        "schedule": crontab(hour=REMINDER_SEND_HOUR, minute=0, day_of_week="mon"),
    },
}
# Spreadsheets made by the workers (exports/services.py) are kept this many days, then deleted.
EXPORT_FILE_DAYS = int(os.environ.get("EXPORT_FILE_DAYS", "7"))
CELERY_BEAT_SCHEDULE["delete-expired-spreadsheets"] = {
    "task": "exports.tasks.delete_expired_spreadsheets",
    "schedule": crontab(hour=3, minute=15),
}
if NOTICE_SYNC_MINUTES:
    CELERY_BEAT_SCHEDULE["sync-notices"] = {
        "task": "notices.tasks.sync_notices",
        "schedule": timedelta(minutes=NOTICE_SYNC_MINUTES),
    }
    CELERY_BEAT_SCHEDULE["market-weekly-email"] = {
        "task": "notices.tasks.send_market_emails",
        "schedule": crontab(hour=REMINDER_SEND_HOUR, minute=15, day_of_week="mon"),
    }

# The read-only API (api/, docs/api.md): a token or a session, JSON only, never a sign-in redirect.
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so a request without credentials gets 401 with WWW-Authenticate, not 403.
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
}
# The OpenAPI schema served at /api/schema/. https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Commissioning tracker API",
    "DESCRIPTION": "Read-only: contracts, extension options, commissioning cycles, milestones and "
    "procurement notices, as the token's owner may see them. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"OptionStatusEnum": "contracts.models.ExtensionOption.Status"},
}

# The term an officer is asked to justify when they move a date or a value.
CHANGE_REASON_MAX_LENGTH = 100

# The proxies in front of the web process (addresses or networks, comma-separated) whose
# X-Forwarded-For and X-Forwarded-Proto are believed (ops/proxy.py); gunicorn's
# --forwarded-allow-ips gets the same list (Procfile). Production's default is a proxy on
# the same server; development has none.
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS") or (["127.0.0.1", "::1"] if PRODUCTION else [])
for _proxy in TRUSTED_PROXY_IPS:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXY_IPS must list the proxies' addresses or networks (such as 10.0.0.5 or 10.0.0.0/24), not {_proxy!r}"
        ) from None

if PRODUCTION:
    # https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs: one JSON object per line in production (LOG_FORMAT=json), readable text otherwise.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "ops.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Sign-ins, sign-outs, failures and refusals (access/signals.py, access/views.py).
        "tracker.security": {"level": "INFO"},
        # One line per request: method, path, status, time and the signed-in officer.
        "tracker.requests": {"level": "INFO"},
        # WeasyPrint narrates every step of every PDF at INFO; only its warnings matter here.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
