"""HTTP load (issue 7 §5): the production server (`fayuan serve`: gunicorn, 4 workers) on
PostgreSQL, loaded from a separate process by locust at 10 and 50 concurrent clients; prints
throughput and p50/p95/p99 for submit-notification and case-status. Asserts nothing (the aim is
p99 < 150 ms at 50 clients on this 2-core machine).

    .venv/bin/python benchmarks/http_bench.py --seconds 30 --users 10,50

It creates (and drops) the database `fayuan_bench_http` on FAYUAN_BENCH_PG_URL's server
(default postgres://postgres@127.0.0.1:5432/postgres), loads the demo roster and accounts, and
serves on a free loopback port. Needs locust (`pip install locust`).
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fayuan.security.keys import new_field_key, new_match_key  # noqa: E402

BIN = Path(sys.executable).parent
DB = "fayuan_bench_http"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(url: str, home: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FAYUAN_HOME": home,
        "FAYUAN_DEBUG": "0",
        "FAYUAN_SECRET_KEY": secrets.token_urlsafe(50),
        "FAYUAN_ALLOWED_HOSTS": "127.0.0.1",
        "FAYUAN_BIND": f"127.0.0.1:{port}",
        "FAYUAN_WORKERS": os.environ.get("FAYUAN_WORKERS", "4"),
        "FAYUAN_FIELD_KEY": os.environ.get("FAYUAN_FIELD_KEY") or new_field_key(),
        "FAYUAN_MATCH_KEY": os.environ.get("FAYUAN_MATCH_KEY") or new_match_key(),
        # Plain HTTP on loopback: nginx terminates TLS in production (deploy/).
        "FAYUAN_SSL_REDIRECT": "0",
    }


def _load_demo(env: dict[str, str]) -> str:
    """Migrate, load the demo data, return the court's API token."""
    code = (
        "import django, os; django.setup();"
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0);"
        "from fayuan.demo import load_demo; print(load_demo().api_token)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "fayuan.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    fayuan = BIN / "fayuan"
    command = [str(fayuan), "serve"]
    server = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.25)
    server.kill()
    raise SystemExit("fayuan serve did not answer /healthz within 30 s")


def _run_locust(port: int, token: str, users: int, seconds: int, out: Path) -> list[dict[str, str]]:
    prefix = out / f"u{users}"
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "benchmarks" / "http_locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
        ],
        env={**os.environ, "FAYUAN_BENCH_TOKEN": token},
        capture_output=True,
        check=True,
    )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--users", default="10,50")
    args = parser.parse_args()
    if shutil.which("locust", path=str(BIN)) is None:
        print("需要 locust：.venv/bin/pip install locust", file=sys.stderr)
        return 1
    server_url = os.environ.get(
        "FAYUAN_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    url = server_url.rsplit("/", 1)[0] + f"/{DB}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    port = _free_port()
    server = None
    try:
        with tempfile.TemporaryDirectory() as home:
            env = _env(url, home, port)
            token = _load_demo(env)
            server = _serve(env, port)
            print(
                f"{'clients':>7} {'request':<20} {'count':>7} {'fails':>5} {'req/s':>7}"
                f" {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
            )
            for users in (int(u) for u in args.users.split(",")):
                for row in _run_locust(port, token, users, args.seconds, Path(home)):
                    if row["Name"] not in ("submit-notification", "case-status", "Aggregated"):
                        continue
                    print(
                        f"{users:>7} {row['Name']:<20} {row['Request Count']:>7}"
                        f" {row['Failure Count']:>5} {float(row['Requests/s']):7.1f}"
                        f" {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
                    )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
