"""A real Celery worker (`fayuan worker`) against Redis (database 15 only, flushed first): a task
enqueued by the service is done by the worker, and a task delivered twice sends one e-mail."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def environment(home: Path, broker: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAYUAN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    return env | {
        "FAYUAN_HOME": str(home),
        "FAYUAN_BROKER_URL": broker,
        "FAYUAN_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "FAYUAN_EMAIL_FILE_PATH": str(home / "mail"),
        "FAYUAN_DEBUG": "1",
    }


def fayuan(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [str(BIN / "fayuan"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def python(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=env | {"DJANGO_SETTINGS_MODULE": "fayuan.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def mails(home: Path) -> list[str]:
    folder = home / "mail"
    if not folder.is_dir():
        return []
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()))
    return [line for line in text.splitlines() if line.startswith("Subject: ")]


def key_row(home: Path, key: str) -> tuple[str, int] | None:
    with sqlite3.connect(home / "var" / "fayuan.sqlite3") as conn:
        row = conn.execute(
            "SELECT status, attempts FROM messaging_taskkey WHERE key = ?", (key,)
        ).fetchone()
    return None if row is None else (row[0], row[1])


def wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture
def worker(redis_url: str, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], Path]]:
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # database 15 only
    env = environment(tmp_path, redis_url)
    fayuan(env, "manage", "migrate", "-v0")
    log = tmp_path / "worker.log"
    with open(log, "w") as err:
        process = subprocess.Popen(
            [str(BIN / "fayuan"), "worker", "--concurrency", "2", "--without-gossip"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_for(lambda: "ready" in log.read_text() or process.poll() is not None, 90)
        assert process.poll() is None, log.read_text()[-3000:]
        yield tmp_path, env, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        redis.Redis.from_url(redis_url).flushdb()


def test_the_worker_does_an_enqueued_task_and_a_task_run_twice_sends_one_mail(worker) -> None:
    home, env, log = worker
    # The service asks for the e-mail twice under one key (a redelivery, a second beat).
    python(
        env,
        "from fayuan import tasks\n"
        "args = ('system:1', '【测试】一封邮件', '正文 500109198901091234', ['a@example.cn'])\n"
        "print(tasks.run(tasks.send_email, *args).state)\n"
        "print(tasks.run(tasks.send_email, *args).state)\n",
    )
    wait_for(lambda: key_row(home, "system:1") == ("done", 1))
    # Give the second delivery time to be handled too: it must find the key and send nothing.
    wait_for(lambda: log.read_text().count("succeeded") >= 2, 30)
    assert len(mails(home)) == 1
    # The worker's logs are JSON lines, and the ID number in the task's arguments never shows.
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    assert lines and all(json.loads(line)["level"] for line in lines)
    assert "500109198901091234" not in log.read_text()


def test_the_deadline_reminders_fan_out_per_center_through_the_worker(worker) -> None:
    home, env, _log = worker
    python(
        env,
        "from fayuan.roster.models import Center\n"
        "from django.contrib.auth.models import User\n"
        "from fayuan.accounts.models import Role, StaffProfile\n"
        "for code in ('a', 'b'):\n"
        "    c = Center.objects.create(code=code, name=f'中心{code}', notice_prefix=code)\n"
        "    u = User.objects.create_user(f'officer-{code}')\n"
        "    StaffProfile.objects.create(user=u, role=Role.officer, center=c,\n"
        "        full_name=code, email=f'{code}@example.cn')\n"
        "from fayuan import tasks\n"
        "at = '2026-10-09T08:30:00+08:00'\n"
        "tasks.run(tasks.deadline_reminders, at)\n"
        "tasks.run(tasks.deadline_reminders, at)\n",
    )
    wait_for(lambda: key_row(home, "deadlines:a:2026-10-09") == ("done", 1))
    wait_for(lambda: key_row(home, "deadlines:b:2026-10-09") == ("done", 1))
    time.sleep(2)  # the second round's reports arrive and send nothing
    assert len(mails(home)) == 2
