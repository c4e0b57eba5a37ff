"""System tests: real servers and services on loopback (gunicorn, PostgreSQL, Redis), run one
at a time by `./dev test-system` (never inside the parallel unit run: some stop and restart
the database). Each test is skipped, with the reason, when its service is not running, except
under CI=true, where a missing service is a failure."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

PG_URL = os.environ.get("FAYUAN_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/fayuan")
REDIS_URL = os.environ.get("FAYUAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def listening(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def need(condition: bool, what: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is not available under CI=true")
    pytest.skip(f"{what} is not available")


@pytest.fixture
def postgres() -> str:
    need(listening("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432")
    need(shutil.which("psql") is not None, "psql")
    return PG_URL


@pytest.fixture
def redis_url() -> str:
    need(listening("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    return REDIS_URL
