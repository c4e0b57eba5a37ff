"""`fayuan serve` for real: gunicorn on a loopback port in production mode, /healthz, static
files by WhiteNoise, JSON access lines without query strings or personal data, a clean stop on
SIGTERM; and the refusal of development settings."""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
ID_NUMBER = "500109198901091234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def production_env(home: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAYUAN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    return env | {
        "FAYUAN_HOME": str(home),
        "FAYUAN_DEBUG": "0",
        "FAYUAN_SECRET_KEY": secrets.token_urlsafe(50),
        "FAYUAN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FAYUAN_FIELD_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "FAYUAN_MATCH_KEY": secrets.token_urlsafe(48),
        "FAYUAN_SSL_REDIRECT": "0",  # no TLS on the loopback (nginx terminates it)
        "FAYUAN_BIND": f"127.0.0.1:{port}",
        "FAYUAN_WORKERS": "2",
    }


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_serve_runs_gunicorn_with_health_static_and_json_logs(tmp_path: Path) -> None:
    port = free_port()
    env = production_env(tmp_path, port)
    migrate = subprocess.run(
        [str(BIN / "fayuan"), "manage", "migrate", "-v0"], env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with open(log, "w") as err:
        server = subprocess.Popen(
            [str(BIN / "fayuan"), "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
    try:
        status = 0
        while time.monotonic() - started < 120 and server.poll() is None:
            try:
                status = get(f"{base}/healthz")[0]
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.1)
        assert status == 200, log.read_text()[-3000:]
        print(f"\nfayuan serve: /healthz 200 after {time.monotonic() - started:.1f} s (cold)")

        _status, _headers, body = get(f"{base}/healthz?who={ID_NUMBER}")
        health = json.loads(body)
        assert health["status"] == "ok" and health["checks"]["migrations"]["status"] == "ok"
        timings = []
        for _ in range(20):
            t = time.perf_counter()
            assert get(f"{base}/healthz")[0] == 200
            timings.append((time.perf_counter() - t) * 1000)
        timings.sort()
        print(f"/healthz latency: median {timings[10]:.1f} ms, max {timings[-1]:.1f} ms")

        # Static files: collected at start into var/static, served by WhiteNoise.
        status, _headers, body = get(f"{base}/static/admin/css/base.css")
        assert status == 200 and b"body" in body
        assert (tmp_path / "var" / "static" / "staticfiles.json").is_file()
        # Pages need a login; the API says 401 in its JSON.
        assert get(f"{base}/api/cases?id_number={ID_NUMBER}")[0] in (401, 403)
        assert get(f"{base}/healthz")[1].get("X-Request-ID")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    assert code == 0
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert access and {"time", "level", "message", "path", "status", "duration_ms"} <= set(
        access[0]
    )
    assert all("?" not in line["path"] and "?" not in line["message"] for line in access)
    assert any(line["path"] == "/api/cases" for line in access)
    assert ID_NUMBER not in text
    assert all(line.get("request_id") for line in access)


def test_serve_refuses_debug_and_the_built_in_key(tmp_path: Path) -> None:
    env = production_env(tmp_path, free_port())
    env["FAYUAN_DEBUG"] = "1"
    env.pop("FAYUAN_SECRET_KEY")
    done = subprocess.run(
        [str(BIN / "fayuan"), "serve"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "拒绝启动" in done.stderr
    assert "FAYUAN_DEBUG：" in done.stderr and "FAYUAN_SECRET_KEY：" in done.stderr
