"""`fayuan serve`, `fayuan worker`, `fayuan beat`: the production processes (deploy/README.md).

`serve` checks the settings (`fayuan.production.problems`: it refuses to start, exit 1, with
DEBUG on, the built-in secret key or no ALLOWED_HOSTS), collects the static files into
var/static (WhiteNoise serves them), then replaces itself with gunicorn
(`fayuan.gunicorn_conf`). `worker` and `beat` run Celery (`fayuan.worker`) and need
FAYUAN_BROKER_URL. All three run in production mode (FAYUAN_ENV=production: JSON logs).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

PRODUCTION_ENV = "production"


def _setup(command: str) -> bool:
    """Django in production mode; False (with the reason on stderr) when the settings fail."""
    os.environ.setdefault("FAYUAN_ENV", PRODUCTION_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fayuan.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        print(f"fayuan {command}：设置有误，拒绝启动。\n  - {exc}", file=sys.stderr)
        return False
    return True


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="生产环境的网页与 API 服务（gunicorn；静态文件由 WhiteNoise 提供）",
        description="Check the production settings, collect the static files and run gunicorn "
        "(fayuan.gunicorn_conf). Refuses to start with DEBUG on, the built-in secret key or an "
        "empty ALLOWED_HOSTS.",
    )
    serve.add_argument("--bind", help="监听地址（默认 FAYUAN_BIND 或 127.0.0.1:8000）")
    serve.add_argument("--workers", type=int, help="工作进程数（默认 FAYUAN_WORKERS 或 2×核数+1）")
    serve.add_argument(
        "--no-collectstatic",
        action="store_true",
        help="不在启动时收集静态文件（已在部署时执行 fayuan manage collectstatic）",
    )
    serve.add_argument("--check", action="store_true", help="只检查设置，不启动服务")
    for name, what in (
        ("worker", "执行后台任务（邮件、提醒、重新计算期限）"),
        ("beat", "定时提醒"),
    ):
        parser = commands.add_parser(
            name,
            help=f"Celery {name}：{what}；需要 FAYUAN_BROKER_URL",
            description=f"celery -A fayuan.worker {name} with fayuan's settings; the remaining "
            "arguments go to Celery.",
            add_help=False,
        )
        parser.add_argument("args", nargs=argparse.REMAINDER, help="传给 Celery 的参数")


def serve(args: argparse.Namespace) -> int:
    if not _setup("serve"):
        return 1
    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    from fayuan import production

    found = production.problems(settings)
    if found:
        print("fayuan serve：以下设置不适合生产环境，拒绝启动：", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    for warning in production.warnings(settings):
        print(f"fayuan serve：注意：{warning}", file=sys.stderr)
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        print(f"fayuan serve：无法连接数据库（{type(exc).__name__}），拒绝启动。", file=sys.stderr)
        return 1
    finally:
        connections.close_all()  # nothing open when gunicorn forks its workers
    if pending:
        print(
            f"fayuan serve：注意：{len(pending)} 个数据库迁移尚未执行，/healthz 将报告 503。"
            "请先运行 fayuan manage migrate。",
            file=sys.stderr,
        )
    if args.check:
        print("fayuan serve：设置检查通过。", file=sys.stderr)
        return 0
    if not args.no_collectstatic:
        collect_static()
    if args.bind:
        os.environ["FAYUAN_BIND"] = args.bind
    if args.workers:
        os.environ["FAYUAN_WORKERS"] = str(args.workers)
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:fayuan.gunicorn_conf"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover - execv does not return


FINGERPRINT = ".fayuan-collected"


def static_fingerprint() -> str:
    """A digest of every static source file (path, size, modification time) and the storage."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(str(settings.STORAGES["staticfiles"]).encode())
    rows = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            rows.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for row in sorted(rows):
        digest.update(row.encode())
    return digest.hexdigest()


def collect_static() -> bool:
    """collectstatic into STATIC_ROOT, unless the sources are those collected last time
    (compressing them takes ~25 s on 2 cores; an unchanged release starts at once). Returns
    whether it collected."""
    from django.conf import settings
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    marker = root / FINGERPRINT
    fingerprint = static_fingerprint()
    manifest = root / "staticfiles.json"
    if marker.is_file() and manifest.is_file() and marker.read_text().strip() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    marker.write_text(fingerprint + "\n")
    return True


def celery(command: str, argv: Sequence[str]) -> int:
    """`fayuan worker ARGS` / `fayuan beat ARGS`."""
    if not _setup(command):
        return 1
    from django.conf import settings

    if not settings.FAYUAN_BROKER_URL:
        print(
            f"fayuan {command}：未设置 FAYUAN_BROKER_URL（如 redis://127.0.0.1:6379/0），"
            "没有可连接的任务队列。不设置时任务在网页进程内直接执行，无需运行本命令。",
            file=sys.stderr,
        )
        return 1
    if settings.DEBUG:
        print(
            f"fayuan {command}：注意：FAYUAN_DEBUG 开启时 Django 会在内存中记录每条查询，"
            "长期运行的进程请设置 FAYUAN_DEBUG=0。",
            file=sys.stderr,
        )
    from fayuan.worker import app

    base = ["--loglevel", os.environ.get("FAYUAN_LOG_LEVEL", "INFO").upper()]
    if command == "beat":
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        base += ["--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME]
    try:
        app.start([command, *base, *argv])
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0
