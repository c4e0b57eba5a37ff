"""Production settings (FAYUAN_DEBUG=0): `python -m django check --deploy` is clean with a real
secret, the hosts and the keys set; without the ID-number keys the service refuses to start and
says which key is missing and how to make one."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from fayuan.security.keys import new_field_key, new_match_key


def production_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FAYUAN_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        FAYUAN_HOME=str(home),
        FAYUAN_DEBUG="0",
        FAYUAN_SECRET_KEY=secrets.token_urlsafe(50),
        FAYUAN_ALLOWED_HOSTS="fayuan.example.cn",
        FAYUAN_FIELD_KEY=new_field_key(),
        FAYUAN_MATCH_KEY=new_match_key(),
        DJANGO_SETTINGS_MODULE="fayuan.settings",
    )
    env.update(extra)
    return env


def django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_the_production_settings(tmp_path: Path) -> None:
    done = django(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_settings_are_strict(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_AGE)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "Lax",
        "True",
        "True",
        "1800",
    ], done.stderr


def test_production_refuses_to_start_without_the_id_number_keys(tmp_path: Path) -> None:
    for missing in ("FAYUAN_FIELD_KEY", "FAYUAN_MATCH_KEY"):
        env = production_env(tmp_path)
        del env[missing]
        done = django(env, "check")
        assert done.returncode != 0
        assert f"必须设置 {missing}" in done.stderr
        assert "拒绝启动" in done.stderr and "python -m fayuan.security.keys" in done.stderr
    bad = django(production_env(tmp_path, FAYUAN_FIELD_KEY="not-a-key"), "check")
    assert bad.returncode != 0 and "不是有效的 Fernet 密钥" in bad.stderr
