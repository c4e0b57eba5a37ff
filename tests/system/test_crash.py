"""Crashes during the load (tests/system/loadkit.py): (a) gunicorn's master and workers killed
with SIGKILL mid-load, then started again; (b) PostgreSQL restarted mid-load. The clients keep
going through the outage (a notification is resent with the same letter number; a workflow
step whose answer was lost is found out from the case).

Afterwards: every 2xx a client received is stored exactly once; nothing is half-written (every
engine proposal, proposal, approval and assignment with its one audit event, every assignment
with its notice number and the rotation turn it took, no case between states); notice numbers
run on without gap or repeat; the rotation is the serial replay's; the audit chain verifies;
a notification resent (typed differently) makes no duplicate, one resent with other content
is a 409 naming what differs. PostgreSQL is left running whatever happens.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import listening, need
from .loadkit import (
    BIN,
    Api,
    Gunicorn,
    Load,
    audit_verify,
    cases_from_env,
    clients_from_env,
    fresh_database,
    prepare,
    print_figures,
    run_verify,
    service_env,
)

FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789()"})


def pg_version() -> str:
    folder = Path("/etc/postgresql")
    versions = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    return versions[-1] if versions else ""


def pg_ctl(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main", action],
        capture_output=True,
        text=True,
        timeout=120,
    )


def ensure_postgres_running(within: float = 60.0) -> None:
    """Start the cluster if it is down, and wait until it takes connections."""
    if not listening("127.0.0.1", 5432):
        pg_ctl("start")
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False)
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError("PostgreSQL did not come back")


def resend_checks(load: Load) -> None:
    """A letter typed differently (full-width digits and brackets) is the same letter: 200 and
    the same case; the same letter with another summary is a 409 naming `summary`."""
    api = Api(load.port)
    told = {a["letter"]: a["case"] for a in load.acks if a["kind"] == "notification"}
    letters = sorted(told)[:3]
    assert letters
    for letter in letters:
        body = dict(load.bodies[letter])
        body["letter_number"] = letter.translate(FULL_WIDTH)
        reply = api.call("POST", "/api/notifications", load.tokens["court"], body)
        assert reply.status == 200, reply.data
        assert reply.data["number"] == told[letter]
    body = dict(load.bodies[letters[0]]) | {"summary": "内容不同的同一公函。"}
    reply = api.call("POST", "/api/notifications", load.tokens["court"], body)
    assert reply.status == 409, reply.data
    assert reply.data["differences"] == ["summary"], reply.data
    assert told[letters[0]] in reply.data["message"]
    api.close()


def crash_run(
    folder: Path, postgres: str, crash: Callable[[Gunicorn, dict[str, str]], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    clients, cases = clients_from_env(), cases_from_env()
    with fresh_database(postgres) as url:
        env = service_env(url, folder)
        tokens = prepare(env)
        server = Gunicorn(env, folder / "gunicorn.log")
        server.start(tokens["officer"])
        try:
            load = Load(server.port, tokens, clients, cases)
            thread = load.start_in_background()
            load.wait_for_issued(max(1, cases // 3))
            crash(server, tokens)
            thread.join(900)
            assert not thread.is_alive(), "the clients did not finish"
            assert not load.failures, "\n".join(load.failures) + "\n" + server.tail()
            assert load.issued == cases
            resend_checks(load)
        finally:
            server.stop()
        figures = load.figures(server.retries())
        report = run_verify(env, load, folder)
        chain = audit_verify(env)
        report["audit_verify"] = chain.returncode
        report["audit_verify_output"] = (chain.stdout + chain.stderr).strip()[-500:]
        log = server.tail(10**7)
    figures["server_500_lines"] = log.count('"status": 500')
    return report, figures


def check(report: dict[str, Any], figures: dict[str, Any]) -> None:
    cases = figures["cases"]
    assert report["problems"] == [], report["problems"]
    assert report["load_assignments"] == cases  # apart from the demo's own
    assert report["load_notification_cases"] == cases
    assert sum(report["notice_numbers"].values()) == report["assignments"]
    assert report["audit_verify"] == 0, report["audit_verify_output"]
    # Through the outage: no answer, or 503 (the database away); never a crash (500).
    assert figures["statuses"].get(500, 0) == 0, figures["statuses"]


def test_gunicorn_killed_mid_load_loses_nothing(postgres: str, tmp_path: Path) -> None:
    need((BIN / "gunicorn").exists(), "gunicorn")

    def kill_and_restart(server: Gunicorn, tokens: dict[str, str]) -> None:
        killed = server.kill9()
        assert len(killed) >= 2  # the master and its workers
        time.sleep(1.0)  # the clients meet a closed port meanwhile
        server.start(tokens["officer"])

    report, figures = crash_run(tmp_path, postgres, kill_and_restart)
    print_figures("crash (gunicorn kill -9)", figures)
    check(report, figures)
    assert figures["no_answer"] > 0  # the clients did meet the crash


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="no pg_ctlcluster")
def test_postgres_restarted_mid_load_loses_nothing(postgres: str, tmp_path: Path) -> None:
    need((BIN / "gunicorn").exists(), "gunicorn")
    need(bool(pg_version()), "a PostgreSQL cluster under /etc/postgresql")

    def restart_postgres(server: Gunicorn, tokens: dict[str, str]) -> None:
        restarted = pg_ctl("restart")
        assert restarted.returncode == 0, restarted.stderr
        ensure_postgres_running()

    try:
        report, figures = crash_run(tmp_path, postgres, restart_postgres)
    finally:
        ensure_postgres_running()
    print_figures("crash (PostgreSQL restart)", figures)
    check(report, figures)
    assert figures["statuses"].get(503, 0) + figures["no_answer"] > 0  # they met it
