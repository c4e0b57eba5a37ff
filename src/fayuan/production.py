"""What `fayuan serve` refuses to start with: each problem names the setting and what to do, in
Chinese (deploy/README.md)."""

from __future__ import annotations

from typing import Any

#: Secret keys that ship with the code (settings.py's development default) or Django's
#: generated placeholders: anyone who has read the source can sign sessions with them.
BUILTIN_SECRET_KEYS = frozenset({"dev-only-not-secret-change-me-in-production", ""})
MIN_SECRET_KEY_LENGTH = 32

KEY_HELP = "生成方法：python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def problems(settings: Any) -> list[str]:
    """Every reason the settings are not fit for production; empty when they are."""
    found = []
    if settings.DEBUG:
        found.append(
            "FAYUAN_DEBUG：生产环境不能开启调试模式（DEBUG 会在出错页面泄露代码和数据）。"
            "请设置 FAYUAN_DEBUG=0。"
        )
    key = str(settings.SECRET_KEY or "")
    if key in BUILTIN_SECRET_KEYS or key.startswith(("django-insecure", "dev-only")):
        found.append(
            "FAYUAN_SECRET_KEY：仍是代码中内置的开发密钥，任何读过源代码的人都能伪造登录会话。"
            f"请设置随机密钥。{KEY_HELP}"
        )
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        found.append(
            f"FAYUAN_SECRET_KEY：太短或太简单（至少 {MIN_SECRET_KEY_LENGTH} 个字符的随机串）。"
            f"{KEY_HELP}"
        )
    hosts = [h.strip() for h in settings.ALLOWED_HOSTS if h.strip()]
    if not hosts:
        found.append(
            "FAYUAN_ALLOWED_HOSTS：为空，服务将拒绝所有请求。请填写本服务的域名，"
            "多个以逗号分隔，如 FAYUAN_ALLOWED_HOSTS=fayuan.example.gov.cn,127.0.0.1。"
        )
    return found


def warnings(settings: Any) -> list[str]:
    """What `fayuan serve` reports but starts with."""
    found = []
    hosts = [h.strip() for h in settings.ALLOWED_HOSTS if h.strip()]
    if "*" in hosts:
        found.append("FAYUAN_ALLOWED_HOSTS 含“*”：接受任意主机名，请改为本服务的域名。")
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        found.append(
            "数据库为内嵌的 SQLite（未设置 DATABASE_URL）：只适合演示和单机小规模使用，"
            "生产环境请使用 PostgreSQL。"
        )
    if not getattr(settings, "FAYUAN_BROKER_URL", ""):
        found.append(
            "未设置 FAYUAN_BROKER_URL：邮件和提醒在网页进程内直接发送，没有重试和定时提醒；"
            "生产环境请配置 Redis 并运行 fayuan worker 与 fayuan beat。"
        )
    return found
