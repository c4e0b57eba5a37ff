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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

# Which district's rules the service applies (a packaged policy name or a file).
FAYUAN_POLICY = os.environ.get("FAYUAN_POLICY", "beibei-2023")
FAYUAN_CALENDAR_OVERRIDES = os.environ.get("FAYUAN_CALENDAR_OVERRIDES") or None

EMAIL_BACKEND = os.environ.get(
    "FAYUAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("FAYUAN_FROM_EMAIL", "fayuan@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"fayuan": {"handlers": ["console"], "level": "INFO"}},
}
