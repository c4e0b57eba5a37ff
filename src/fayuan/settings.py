"""Django settings for the Fayuan case service.

One setting chooses the database: `DATABASE_URL` (PostgreSQL in production). Without it, the
embedded default is SQLite in `var/fayuan.sqlite3` (FACTS.md: IMMEDIATE transactions keep
read-modify-write exact; WAL for concurrent readers).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fayuan.security.keys import KeyMissing, field_keys, match_key

BASE_DIR = Path(os.environ.get("FAYUAN_HOME", Path.cwd())).resolve()
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = os.environ.get("FAYUAN_SECRET_KEY", "dev-only-not-secret-change-me-in-production")
DEBUG = os.environ.get("FAYUAN_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("FAYUAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "fayuan.accounts",
    "fayuan.roster",
    "fayuan.cases",
    "fayuan.workflow",
    "fayuan.audit",
    "fayuan.holidays",
    "fayuan.web",
    "django_filters",
    # The public side (issue 9): the online application, the status lookup and messages, the
    # workstations and liaison points, abuse resistance.
    "fayuan.apply",
    "fayuan.status",
    "fayuan.workstations",
    "fayuan.abuse",
    "fayuan.supervision",
    "fayuan.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fayuan.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fayuan.web.nav.context",
            ],
        },
    },
]

WSGI_APPLICATION = "fayuan.wsgi.application"


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "fayuan.sqlite3"),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Concurrency (fayuan.locks) ---------------------------------------------------------------
# An action the database aborts as a deadlock victim or for a serialization failure is run
# again whole, in a fresh transaction: at most FAYUAN_ACTION_ATTEMPTS times in all, after a
# random pause of up to FAYUAN_ACTION_RETRY_PAUSE × 2^(n-1) seconds. A persistent connection is
# checked before a request reuses it, so the first request after a database restart is served.
FAYUAN_ACTION_ATTEMPTS = int(os.environ.get("FAYUAN_ACTION_ATTEMPTS", "5"))
FAYUAN_ACTION_RETRY_PAUSE = float(os.environ.get("FAYUAN_ACTION_RETRY_PAUSE", "0.02"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# --- end of Concurrency -------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
# htmx, installed from npm by ./dev setup (package-lock.json), served by the application itself
# under /static/vendor/htmx/ (government intranets have no internet).
_NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{name}", _NODE_MODULES / path)
    for name, path in (("htmx", "htmx.org/dist"),)
    if (_NODE_MODULES / path).is_dir()
]

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

# Which district's rules the service applies (a packaged policy name or a file).
FAYUAN_POLICY = os.environ.get("FAYUAN_POLICY", "beibei-2023")
FAYUAN_CALENDAR_OVERRIDES = os.environ.get("FAYUAN_CALENDAR_OVERRIDES") or None

EMAIL_BACKEND = os.environ.get(
    "FAYUAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("FAYUAN_FROM_EMAIL", "fayuan@localhost")
# The address staff open the service at, for links in e-mails (e.g. https://fayuan.example.gov.cn);
# without it an e-mail names the page's path and asks the reader to sign in first.
FAYUAN_SITE_URL = os.environ.get("FAYUAN_SITE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"fayuan": {"handlers": ["console"], "level": "INFO"}},
}

# --- Security ------------------------------------------------------------------------------
# Login throttling, passwords, sessions, headers and the keys that are not in the database
# (docs/security.md). Strict whenever DEBUG is off; the demo and the tests run with DEBUG on.


def _env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in ("1", "true", "yes")


INSTALLED_APPS = [*INSTALLED_APPS, "axes", "csp", "fayuan.security"]
# CSP on every response; `Cache-Control: no-store` on every dynamic one (they carry personal
# data); django-axes last, as it asks.
MIDDLEWARE = [
    *MIDDLEWARE,
    "csp.middleware.CSPMiddleware",
    "fayuan.security.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

# django-axes on both login pages (/login/ and /admin/login/): after FAYUAN_LOGIN_FAILURE_LIMIT
# failures for one user name from one address, that pair is locked out for
# FAYUAN_LOGIN_LOCKOUT_MINUTES. Logins, failures and lockouts go to the audit log
# (`fayuan.security.signals`); axes keeps the attempts only.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("FAYUAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = int(os.environ.get("FAYUAN_LOGIN_LOCKOUT_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit log
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
AXES_VERBOSE = False

# Argon2id for new and changed passwords; older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff sessions end after FAYUAN_SESSION_IDLE_MINUTES without a request (sliding: every
# request renews the cookie) and when the browser closes.
FAYUAN_SESSION_IDLE_MINUTES = int(os.environ.get("FAYUAN_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = FAYUAN_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The API docs take the CSRF token from the page, never from the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = _env_flag("FAYUAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("FAYUAN_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("FAYUAN_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_flag("FAYUAN_HSTS_PRELOAD", True)

# No inline script or style anywhere (the pages' CSS is in static files).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({} if DEBUG else {"upgrade-insecure-requests": True}),
    }
}

# ID numbers encrypted at rest and matched on a keyed hash (`fayuan.security.keys`): production
# refuses to start without FAYUAN_FIELD_KEY and FAYUAN_MATCH_KEY.
try:
    FAYUAN_FIELD_KEYS = field_keys(DEBUG, VAR_DIR)
    FAYUAN_MATCH_KEY = match_key(DEBUG, VAR_DIR)
except KeyMissing as _missing:
    raise ImproperlyConfigured(str(_missing)) from None

# Signed audit checkpoints (`fayuan.audit.checkpoints`): the Ed25519 private key (PEM) lives
# only where `fayuan audit checkpoint` runs; the verifier needs only the public key. With
# DEBUG on and no key configured, a development key is generated under var/dev-keys/.
FAYUAN_AUDIT_SIGNING_KEY = os.environ.get("FAYUAN_AUDIT_SIGNING_KEY") or None
FAYUAN_AUDIT_VERIFY_KEY = os.environ.get("FAYUAN_AUDIT_VERIFY_KEY") or None
FAYUAN_AUDIT_DEV_KEY = VAR_DIR / "dev-keys" / "audit-ed25519.pem" if DEBUG else None
# Append-only JSON Lines; point it at WORM storage (or a file with `chattr +a`) in production.
FAYUAN_AUDIT_CHECKPOINTS = os.environ.get("FAYUAN_AUDIT_CHECKPOINTS") or str(
    VAR_DIR / "audit" / "checkpoints.jsonl"
)
# --- end of Security -------------------------------------------------------------------------


# --- Production: server, worker, logs (fayuan serve / worker / beat; deploy/README.md) -----------
# FAYUAN_ENV=production (`fayuan serve`, `worker` and `beat` set it; so does deploy/fayuan.env)
# turns on JSON log lines on stderr and WhiteNoise's compressed, content-hashed static files.
# `fayuan serve` refuses to start with DEBUG on, the built-in secret key or no ALLOWED_HOSTS
# (`fayuan.production.problems`). The demo and the tests stay in development mode.
FAYUAN_ENV = os.environ.get("FAYUAN_ENV", "").strip() or "development"
if FAYUAN_ENV not in ("development", "production"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"FAYUAN_ENV 只能是 production 或 development（现为“{FAYUAN_ENV}”）。"
    )
FAYUAN_PRODUCTION = FAYUAN_ENV == "production"

# Every request gets an id for its log records (first, so it spans everything); WhiteNoise
# serves the collected static files right after the security middleware.
MIDDLEWARE.insert(0, "fayuan.logs.RequestIdMiddleware")
MIDDLEWARE.insert(1, "fayuan.web.timing.ServerTimingMiddleware")  # Server-Timing: app;dur=ms
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
# Monitors ask /healthz over plain HTTP on the loopback: never redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [*globals().get("SECURE_REDIRECT_EXEMPT", []), r"^healthz$"]
# In development WhiteNoise reads the apps' static folders directly (no collectstatic needed).
WHITENOISE_USE_FINDERS = not FAYUAN_PRODUCTION
WHITENOISE_AUTOREFRESH = not FAYUAN_PRODUCTION
if FAYUAN_PRODUCTION:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    # Source maps (half the bytes, read only by a developer's browser) are not compressed.
    from whitenoise.compress import Compressor

    WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# Logs: ID numbers and phones masked on every handler; JSON lines on stderr in production.
_logging: dict[str, Any] = LOGGING
_logging.setdefault("filters", {}).update(
    {
        "mask_personal_data": {"()": "fayuan.logs.MaskPersonalData"},
        "request_id": {"()": "fayuan.logs.RequestIdFilter"},
    }
)
_logging.setdefault("formatters", {})["json"] = {"()": "fayuan.logs.JsonFormatter"}
for _handler in _logging["handlers"].values():
    _handler["filters"] = [*_handler.get("filters", []), "mask_personal_data", "request_id"]
    if FAYUAN_PRODUCTION and _handler.get("class") == "logging.StreamHandler":
        _handler.update(formatter="json", stream="ext://sys.stderr")
if FAYUAN_PRODUCTION:
    _logging["root"] = {"handlers": ["console"], "level": "WARNING"}
    _logging["loggers"].setdefault(
        "django", {"handlers": ["console"], "level": "INFO", "propagate": False}
    )
    _logging["loggers"].setdefault(
        "celery", {"handlers": ["console"], "level": "INFO", "propagate": False}
    )

# Background work (fayuan.worker, fayuan.tasks): Celery with Redis as the broker. Without
# FAYUAN_BROKER_URL (the embedded demo, the tests) every task runs inline, in the process that
# asks for it, at the moment it would have been sent.
FAYUAN_BROKER_URL = os.environ.get("FAYUAN_BROKER_URL", "").strip()
CELERY_BROKER_URL = FAYUAN_BROKER_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not FAYUAN_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is delivered again (tasks are idempotent)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "fayuan"
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
EMAIL_TIMEOUT = int(os.environ.get("FAYUAN_EMAIL_TIMEOUT", "20"))
# The mail server, for FAYUAN_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = os.environ.get("FAYUAN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("FAYUAN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("FAYUAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("FAYUAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("FAYUAN_EMAIL_STARTTLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("FAYUAN_EMAIL_SSL", "0") == "1"
# For FAYUAN_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (a test system).
EMAIL_FILE_PATH = os.environ.get("FAYUAN_EMAIL_FILE_PATH") or str(VAR_DIR / "mail")

# Text messages (fayuan.messaging.sms): a backend class; console prints, file appends JSON lines.
FAYUAN_SMS_BACKEND = os.environ.get("FAYUAN_SMS_BACKEND", "fayuan.messaging.sms.ConsoleSmsBackend")
FAYUAN_SMS_FILE_PATH = os.environ.get("FAYUAN_SMS_FILE_PATH") or str(VAR_DIR / "sms.jsonl")
INSTALLED_APPS.append("fayuan.messaging")
# --- end of production block ---------------------------------------------------------------

# --- Hostile input: limits (fayuan.limits, fayuan.api.guard) ----------------------------------
# A request body over DATA_UPLOAD_MAX_MEMORY_SIZE (a workbook upload over
# FAYUAN_MAX_UPLOAD_BYTES) is a 413, JSON nested deeper than FAYUAN_MAX_JSON_DEPTH a 400, and a
# roster workbook is read cell by cell up to FAYUAN_ROSTER_XLSX_MAX_CELLS (its parts unpacked to
# at most FAYUAN_ROSTER_XLSX_MAX_UNZIPPED_BYTES), all before anything is written.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FAYUAN_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FAYUAN_MAX_UPLOAD_BYTES = int(os.environ.get("FAYUAN_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
FAYUAN_MAX_JSON_DEPTH = int(os.environ.get("FAYUAN_MAX_JSON_DEPTH", "32"))
FAYUAN_ROSTER_XLSX_MAX_CELLS = int(os.environ.get("FAYUAN_ROSTER_XLSX_MAX_CELLS", "200000"))
FAYUAN_ROSTER_XLSX_MAX_UNZIPPED_BYTES = int(
    os.environ.get("FAYUAN_ROSTER_XLSX_MAX_UNZIPPED_BYTES", str(100 * 1024 * 1024))
)
# First after the request id: nothing else (session, CSRF, axes, a view) reads a request it
# refuses.
MIDDLEWARE.insert(
    MIDDLEWARE.index("fayuan.logs.RequestIdMiddleware") + 1
    if "fayuan.logs.RequestIdMiddleware" in MIDDLEWARE
    else 0,
    "fayuan.api.guard.RequestGuardMiddleware",
)
# --- end of hostile input ---------------------------------------------------------------------

# --- Staff pages: uploaded case documents (fayuan.cases.uploads) -----------------------------
# A scanned letter or material: at most FAYUAN_MAX_DOCUMENT_BYTES, its type checked by content.
# A multipart request whose Content-Length is over FAYUAN_MAX_UPLOAD_BYTES is already refused
# by fayuan.api.guard (413). Files over FILE_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB) are
# spooled to a temporary file while the request is read; stored files are readable by the
# service's user only (MEDIA_ROOT is never served: the access-checked view sends them).
# No LocaleMiddleware: every page, the admin included, is in LANGUAGE_CODE (zh-hans) whatever
# the browser's Accept-Language says.
FAYUAN_MAX_DOCUMENT_BYTES = int(
    os.environ.get("FAYUAN_MAX_DOCUMENT_BYTES", str(FAYUAN_MAX_UPLOAD_BYTES))
)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# The admin in Chinese: our catalogue for the strings Django 5.2 and django-axes leave in
# English (src/fayuan/locale), and axes under a Chinese app name (same label "axes").
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
INSTALLED_APPS = [
    "fayuan.security.axes_app.AxesConfig" if app == "axes" else app for app in INSTALLED_APPS
]
# --- end of staff pages: uploaded case documents ---------------------------------------------

# --- Abuse resistance on the public side (fayuan.abuse; deploy/README.md "Rate limits") -------
# Rate-limit counters in the database (fixed windows, keyed hashes of addresses and phones with
# FAYUAN_MATCH_KEY): shared by every gunicorn worker on SQLite and PostgreSQL, no other server.
# X-Forwarded-For is believed only from FAYUAN_TRUSTED_PROXIES (the nginx in front: loopback).
FAYUAN_TRUSTED_PROXIES = [
    p.strip()
    for p in os.environ.get("FAYUAN_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
    if p.strip()
]
# Every POST to a public page, per client address (AbuseMiddleware, before sessions and CSRF).
# One application is about 12-15 POSTs (consent, eight steps, files, submit) and many phones
# share one carrier address (CGNAT): 300 in 10 minutes lets some twenty people through one
# address while a flood still stops; the per-address submission limit (10 an hour) and the
# screening do the rest.
FAYUAN_PUBLIC_PREFIXES = ("/apply/", "/status/", "/lawyers/")
FAYUAN_PUBLIC_POST_LIMIT = int(os.environ.get("FAYUAN_PUBLIC_POST_LIMIT", "300"))
FAYUAN_PUBLIC_POST_WINDOW = int(os.environ.get("FAYUAN_PUBLIC_POST_WINDOW", "600"))
# The human check (fayuan.abuse.challenge): proof-of-work difficulty in bits, challenge lifetime.
FAYUAN_POW_BITS = int(os.environ.get("FAYUAN_POW_BITS", "14"))
FAYUAN_CHALLENGE_MAX_AGE = int(os.environ.get("FAYUAN_CHALLENGE_MAX_AGE", str(6 * 3600)))
# Screening (fayuan.abuse.screening): faster than this from form to submit, or this many
# applications today from one address / one phone or ID number, marks an application 可疑.
FAYUAN_SCREEN_MIN_SECONDS = int(os.environ.get("FAYUAN_SCREEN_MIN_SECONDS", "5"))
FAYUAN_SCREEN_IP_PER_DAY = int(os.environ.get("FAYUAN_SCREEN_IP_PER_DAY", "4"))
FAYUAN_SCREEN_PHONE_PER_DAY = int(os.environ.get("FAYUAN_SCREEN_PHONE_PER_DAY", "3"))
MIDDLEWARE.insert(
    MIDDLEWARE.index("fayuan.api.guard.RequestGuardMiddleware") + 1,
    "fayuan.abuse.middleware.AbuseMiddleware",
)
# --- end of abuse resistance ------------------------------------------------------------------

# --- SMS provider (fayuan.messaging.sms_providers; status lookup and applicant messages) ------
# FAYUAN_SMS_BACKEND=fayuan.messaging.sms_providers.TencentCloudSmsBackend sends through Tencent
# Cloud SMS (SendSms 2021-01-11, TC3-HMAC-SHA256); every value from the environment, none in code.
FAYUAN_SMS_TENCENT_SECRET_ID = os.environ.get("FAYUAN_SMS_TENCENT_SECRET_ID", "")
FAYUAN_SMS_TENCENT_SECRET_KEY = os.environ.get("FAYUAN_SMS_TENCENT_SECRET_KEY", "")
FAYUAN_SMS_TENCENT_APP_ID = os.environ.get("FAYUAN_SMS_TENCENT_APP_ID", "")
FAYUAN_SMS_TENCENT_SIGN_NAME = os.environ.get("FAYUAN_SMS_TENCENT_SIGN_NAME", "")
FAYUAN_SMS_TENCENT_TEMPLATE_ID = os.environ.get("FAYUAN_SMS_TENCENT_TEMPLATE_ID", "")
FAYUAN_SMS_TENCENT_ENDPOINT = os.environ.get(
    "FAYUAN_SMS_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com"
)
FAYUAN_SMS_TENCENT_REGION = os.environ.get("FAYUAN_SMS_TENCENT_REGION", "ap-guangzhou")
FAYUAN_SMS_TENCENT_TIMEOUT = float(os.environ.get("FAYUAN_SMS_TENCENT_TIMEOUT", "10"))
# --- end of SMS provider ----------------------------------------------------------------------
