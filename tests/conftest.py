"""Test database settings for both backends.

The suite runs on SQLite (no `DATABASE_URL`) and on PostgreSQL (`DATABASE_URL=postgres://...`);
pytest-django creates the `test_*` databases, one per xdist worker (`_gw0`, `_gw1`, ...).

SQLite's test database would be in memory by default; the concurrency tests need threads that
share one database with real file locking (IMMEDIATE transactions, busy timeout), so the test
database is a file in this worker's own pytest temporary directory: nothing in var/ is touched
and parallel runs in one tree do not clobber each other.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from django.conf import settings

    for alias, db in settings.DATABASES.items():
        if db["ENGINE"] != "django.db.backends.sqlite3":
            continue
        test = db.setdefault("TEST", {})
        if test.get("NAME") in (None, "", ":memory:"):
            folder = tmp_path_factory.mktemp("sqlite")
            test["NAME"] = str(folder / f"test_{alias}.sqlite3")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    """Fixtures create users per test; the production PBKDF2 hasher takes ~0.7 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test its own (empty) checkpoint file: the default one in var/ belongs to the demo
    database, and its checkpoints would not match a test database's chain."""
    folder = tmp_path_factory.mktemp("checkpoints", numbered=True)
    settings.FAYUAN_AUDIT_CHECKPOINTS = str(folder / "checkpoints.jsonl")  # type: ignore[attr-defined]
