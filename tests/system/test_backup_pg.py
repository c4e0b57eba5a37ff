"""`fayuan backup` / `fayuan restore` on PostgreSQL (pg_dump -Fc, restored in one transaction):
after backup → more assignments and deleted audit records → restore, `fayuan audit verify`
passes and the next rotation pick and notice number are those of before; a restore into a
dropped and recreated (empty) database works too; a damaged dump changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

BIN = Path(sys.executable).parent
PROBE = Path(__file__).with_name("backup_probe.py")
DB = "fayuan_system_backup"


def psql(url: str, sql: str) -> str:
    done = subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def run(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        list(args), env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if ok:
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def probe(env: dict[str, str], *args: str) -> dict[str, object]:
    out = run(env, sys.executable, str(PROBE), *(args or ("probe",))).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


@pytest.fixture
def database(postgres: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    parts = urlsplit(postgres)
    admin = urlunsplit(parts._replace(path="/postgres"))
    url = urlunsplit(parts._replace(path=f"/{DB}"))
    psql(admin, f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(admin, f"CREATE DATABASE {DB}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAYUAN_", "DJANGO_"))}
    env |= {"DATABASE_URL": url, "FAYUAN_HOME": str(tmp_path)}
    yield env, admin, url
    psql(admin, f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def test_postgresql_round_trip(database, tmp_path: Path) -> None:
    env, admin, url = database
    fayuan = str(BIN / "fayuan")
    run(env, fayuan, "demo", "--no-serve")
    before = probe(env)
    assert before["ok"] and before["pick"] and str(before["notice"]).startswith("北碚法援指")

    out = tmp_path / "fayuan.dump"
    done = run(env, fayuan, "backup", str(out))
    assert "已备份到" in done.stdout and out.read_bytes().startswith(b"PGDMP")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []

    probe(env, "assign", "2")
    assert probe(env)["notice"] != before["notice"]
    psql(url, "DELETE FROM audit_auditevent WHERE seq > 3")
    assert run(env, fayuan, "audit", "verify", ok=False).returncode == 1

    run(env, fayuan, "restore", str(out))
    assert run(env, fayuan, "audit", "verify").returncode == 0
    assert probe(env) == before

    # Dropped and recreated: restored whole into the empty database.
    psql(admin, f"DROP DATABASE {DB} WITH (FORCE)")
    psql(admin, f"CREATE DATABASE {DB}")
    run(env, fayuan, "restore", str(out))
    assert probe(env) == before

    # A damaged dump is refused and the database stays as it was.
    damaged = tmp_path / "damaged.dump"
    data = out.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    done = run(env, fayuan, "restore", str(damaged), ok=False)
    assert done.returncode == 1 and "数据库未作任何改动" in done.stderr
    assert probe(env) == before
    # Damaged inside the data (the table of contents still reads): the stream fails midway
    # and nothing is committed.
    spoiled = bytearray(data)
    middle = len(spoiled) * 3 // 5
    spoiled[middle : middle + 64] = bytes(64)
    damaged.write_bytes(bytes(spoiled))
    done = run(env, fayuan, "restore", str(damaged), ok=False)
    assert done.returncode == 1 and "数据库未作任何改动" in done.stderr, done.stderr
    assert probe(env) == before
    # A backup over an existing file is refused, the file untouched.
    done = run(env, fayuan, "backup", str(out), ok=False)
    assert done.returncode == 1 and "已存在" in done.stderr and out.read_bytes() == data
