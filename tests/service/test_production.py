"""Production mode: what `fayuan serve` refuses, `/healthz`, the JSON logs and their masking,
the gunicorn configuration. (tests/system/test_serve.py starts the real server.)"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.test import Client, override_settings

from fayuan import gunicorn_conf, health, production
from fayuan.logs import JsonFormatter, MaskPersonalData, mask_personal_data, request_id

ID_NUMBER = "500109198901091234"
GOOD_KEY = "k" * 10 + "Zy3-_q8Lw0pX2vB7nM4cR9tD1fG6hJ5sA"


def _settings(**overrides: object) -> SimpleNamespace:
    base: dict[str, object] = {
        "DEBUG": False,
        "SECRET_KEY": GOOD_KEY,
        "ALLOWED_HOSTS": ["fayuan.example.gov.cn"],
        "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql"}},
        "FAYUAN_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    return SimpleNamespace(**(base | overrides))


def test_production_settings_pass() -> None:
    assert production.problems(_settings()) == []
    assert production.warnings(_settings()) == []


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"DEBUG": True}, "FAYUAN_DEBUG"),
        ({"SECRET_KEY": "dev-only-not-secret-change-me-in-production"}, "FAYUAN_SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-abc"}, "FAYUAN_SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "FAYUAN_SECRET_KEY"),
        ({"ALLOWED_HOSTS": []}, "FAYUAN_ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": [""]}, "FAYUAN_ALLOWED_HOSTS"),
    ],
)
def test_each_refusal_names_its_setting(overrides: dict[str, object], setting: str) -> None:
    (problem,) = production.problems(_settings(**overrides))
    assert problem.startswith(setting + "：")


def _serve_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FAYUAN_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "fayuan", "serve", "--check"],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_serve_refuses_the_development_defaults_in_chinese(tmp_path) -> None:
    done = _serve_check(FAYUAN_HOME=str(tmp_path), FAYUAN_ALLOWED_HOSTS="")
    assert done.returncode == 1
    assert "拒绝启动" in done.stderr
    for setting in ("FAYUAN_DEBUG", "FAYUAN_SECRET_KEY", "FAYUAN_ALLOWED_HOSTS"):
        assert f"  - {setting}：" in done.stderr


def test_healthz_says_ok_without_login_and_without_personal_data(db: None) -> None:
    response = Client().get("/healthz", {"q": ID_NUMBER})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert {k: v["status"] for k, v in body["checks"].items()} == {
        "database": "ok",
        "migrations": "ok",
        "broker": "not configured",
    }
    assert "no-cache" in response["Cache-Control"] and response["X-Request-ID"]
    assert Client().post("/healthz").status_code == 405


def test_healthz_is_503_when_a_check_fails(db: None, monkeypatch) -> None:
    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("app", False)]
    )
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["status"].startswith("1 个迁移尚未执行")
    with override_settings(FAYUAN_BROKER_URL="redis://127.0.0.1:1/0"):
        monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, t: [])
        response = Client().get("/healthz")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]["status"]
    assert broker.startswith("fail: ") and "127.0.0.1" not in broker


def test_healthz_when_the_database_is_down(db: None, monkeypatch) -> None:
    def down() -> str:
        raise ConnectionError("could not connect to server at 10.0.0.5 user fayuan")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = Client().get("/healthz")
    assert response.status_code == 503
    text = response.content.decode()
    assert "ConnectionError" in text and "10.0.0.5" not in text and "fayuan" not in text


# ------------------------------------------------------------------------------ logs


def _record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"bad id {ID_NUMBER}")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("fayuan.x", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_ids_and_phones_are_masked_in_messages_arguments_and_tracebacks() -> None:
    assert mask_personal_data(f"身份证 {ID_NUMBER}，电话 13800001234") == (
        "身份证 5001**********1234，电话 138****1234"
    )
    assert mask_personal_data("50010919890109123X") == "5001**********123X"
    # Longer runs of digits (timestamps, hashes, uuids) are not numbers of people.
    assert mask_personal_data("1733036400123456789012") == "1733036400123456789012"
    record = _record("case for %s (%s)", ID_NUMBER, "13912345678", exc=True)
    assert MaskPersonalData().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "case for 5001**********1234 (139****5678)"
    assert ID_NUMBER not in line["exception"] and "5001**********1234" in line["exception"]


def test_a_json_line_has_time_level_logger_message_and_request_id() -> None:
    token = request_id.set("req-1")
    try:
        record = _record("hello")
        record.path, record.status, record.duration_ms = "/api/cases", 200, 3.2
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert set(line) == {"time", "level", "logger", "message", "request_id", "path", "status"} | {
        "duration_ms"
    }
    assert line["level"] == "WARNING" and line["logger"] == "fayuan.x"
    assert line["time"].endswith("+00:00") and line["request_id"] == "req-1"


def test_the_request_id_comes_from_the_proxy_when_sane(db: None) -> None:
    client = Client()
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    assert client.get("/healthz", HTTP_X_REQUEST_ID='a b"c')["X-Request-ID"] != 'a b"c'


def test_the_mask_filter_is_on_every_handler() -> None:
    from django.conf import settings

    for handler in settings.LOGGING["handlers"].values():
        assert "mask_personal_data" in handler["filters"]


def test_gunicorn_access_line_has_no_query_string(capsys) -> None:
    logger = gunicorn_conf.JsonLogger(_gunicorn_cfg())
    response = SimpleNamespace(
        status="200 OK", status_code=200, headers=[("X-Request-ID", "r-9")], sent=10
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/cases",
        "QUERY_STRING": f"id_number={ID_NUMBER}&phone=13800001234",
    }
    from datetime import timedelta

    logger.access(response, None, environ, timedelta(milliseconds=12.34))
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["path"] == "/api/cases" and line["status"] == 200
    assert line["request_id"] == "r-9" and line["duration_ms"] == 12.3
    assert ID_NUMBER not in json.dumps(line) and "13800001234" not in json.dumps(line)


def _gunicorn_cfg() -> object:
    from gunicorn.config import Config

    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("errorlog", "-")
    return cfg


def test_workers_from_the_cores_capped_or_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("FAYUAN_WORKERS", raising=False)
    assert gunicorn_conf.default_workers(2) == 5
    assert gunicorn_conf.default_workers(64) == gunicorn_conf.MAX_WORKERS
    monkeypatch.setenv("FAYUAN_WORKERS", "3")
    assert gunicorn_conf.default_workers(64) == 3
    monkeypatch.setenv("FAYUAN_WORKERS", "0")
    with pytest.raises(ValueError, match="FAYUAN_WORKERS"):
        gunicorn_conf.default_workers()
