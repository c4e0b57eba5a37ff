"""`GET /healthz`: is this server fit to take requests?

Checks that the database answers, that every migration is applied, and (when a broker is
configured, `FAYUAN_BROKER_URL`) that the broker answers. JSON, 200 when all pass and 503 when
one fails; no authentication, no personal data, no error text from the services (which may name
hosts or users): only which check failed and the kind of error.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)

#: Set once every migration was found applied: a migration is only ever added by new code,
#: which needs a restart, so this process need not look again.
_migrations_applied = False


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return "ok"
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} 个迁移尚未执行（fayuan manage migrate）"
    _migrations_applied = True
    return "ok"


def check_broker() -> str:
    url = getattr(settings, "FAYUAN_BROKER_URL", "")
    if not url:
        return "not configured"
    from kombu import Connection

    with Connection(url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS = {"database": check_database, "migrations": check_migrations, "broker": check_broker}


def run_checks() -> tuple[bool, dict[str, Any]]:
    checks: dict[str, Any] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result = check()
        except Exception as exc:  # a failed check is the answer, never a 500
            log.warning("health check %s failed: %s", name, type(exc).__name__)
            result = f"fail: {type(exc).__name__}"
        if result not in ("ok", "not configured"):
            healthy = False
        checks[name] = {"status": result, "ms": round((time.perf_counter() - started) * 1000, 1)}
        if name == "database" and result != "ok":
            checks["migrations"] = {"status": "skipped: database unreachable", "ms": 0.0}
            break
    return healthy, checks


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )
