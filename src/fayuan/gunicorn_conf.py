"""gunicorn's configuration for `fayuan serve` (`gunicorn -c python:fayuan.gunicorn_conf`).

Environment:
- FAYUAN_BIND: where to listen, default 127.0.0.1:8000 (nginx in front, deploy/nginx); several
  separated by commas; `unix:/run/fayuan/fayuan.sock` for a socket.
- FAYUAN_WORKERS: worker processes; default 2 × cores + 1, at most `MAX_WORKERS`.
- FAYUAN_TIMEOUT: seconds a request may take before its worker is restarted (default 60: a
  PDF notice takes well under a second, a roster import a few).
- FAYUAN_FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-* headers are believed (default
  127.0.0.1, nginx on the same machine).

Logs: JSON lines on stderr, like the application's (`fayuan.logs`); one access line a request
with method, path WITHOUT the query string (it may carry names or ID numbers), status,
duration and request id; no client address, no user agent.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from gunicorn.glogging import Logger

from fayuan.logs import JsonFormatter, MaskPersonalData

MAX_WORKERS = 12


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (cgroups, taskset)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_workers(n_cores: int | None = None) -> int:
    """2 × cores + 1, capped; FAYUAN_WORKERS overrides."""
    raw = os.environ.get("FAYUAN_WORKERS", "").strip()
    if raw:
        value = int(raw)
        if value < 1:
            raise ValueError("FAYUAN_WORKERS 至少为 1")
        return value
    return min(2 * (n_cores or cores()) + 1, MAX_WORKERS)


class JsonLogger(Logger):  # type: ignore[misc]  # gunicorn has no type information
    """gunicorn's error and access logs as JSON lines on stderr, masked like the app's."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(MaskPersonalData())
        for log in (self.error_log, self.access_log):
            log.handlers = [handler]
            log.propagate = False
        self.access_log.setLevel(logging.INFO)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        headers = dict((name.lower(), value) for name, value in (resp.headers or []))
        status = getattr(resp, "status_code", None) or str(resp.status).split(" ", 1)[0]
        duration = request_time.total_seconds() * 1000
        self.access_log.info(
            "%s %s %s",
            environ.get("REQUEST_METHOD", ""),
            environ.get("PATH_INFO", ""),
            status,
            extra={
                "method": environ.get("REQUEST_METHOD", ""),
                "path": environ.get("PATH_INFO", ""),
                "status": int(status),
                "duration_ms": round(duration, 1),
                "request_id": headers.get("x-request-id", ""),
            },
        )


bind = [b.strip() for b in os.environ.get("FAYUAN_BIND", "127.0.0.1:8000").split(",") if b]
workers = default_workers()
worker_class = "sync"
timeout = int(os.environ.get("FAYUAN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (a slow leak cannot grow without bound).
max_requests = 2000
max_requests_jitter = 200
# The application is loaded once, before the workers fork: they start fast and share memory.
# No connection is opened at import (Django connects on first use, in each worker).
preload_app = True
forwarded_allow_ips = os.environ.get("FAYUAN_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
logger_class = JsonLogger
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("FAYUAN_LOG_LEVEL", "info")
capture_output = False
proc_name = "fayuan"
wsgi_app = "fayuan.wsgi:application"
# No runtime control socket (gunicornc) under the service user's home: systemd manages it.
control_socket_disable = True


def when_ready(server: Any) -> None:
    """In the master, after the preloaded application and before the workers fork: import the
    URL configuration (the API and admin modules), so no worker pays for it on its first
    request. No database connection is opened."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point
