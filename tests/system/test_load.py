"""Load: gunicorn with 4 workers on PostgreSQL, client threads driving criminal notifications
through the workflow at once over HTTP (tests/system/loadkit.py).

Afterwards: no 5xx; every 2xx stored exactly once and nothing half-written; each firm's
rotation count is that of a serial replay of the same cases in issue order (the pure policy,
`fayuan.policy.rotation`); notice numbers without gap or repeat; `fayuan audit verify` passes.

CI size: 8 clients × 6 cases. The full size by hand (figures printed, never asserted):
`FAYUAN_LOAD_CASES=2000 ./dev test-system -k test_load -s`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import need
from .loadkit import BIN, cases_from_env, clients_from_env, load_run, print_figures


def test_clients_at_once_equal_one_after_the_other(postgres: str, tmp_path: Path) -> None:
    need((BIN / "gunicorn").exists() or shutil.which("gunicorn") is not None, "gunicorn")
    clients, cases = clients_from_env(), cases_from_env()
    report, figures = load_run(tmp_path, clients, cases, postgres)
    print_figures(f"load {clients} clients × {cases} cases", figures)

    assert figures["5xx"] == 0, figures["statuses"]
    assert figures["no_answer"] == 0, figures["statuses"]
    assert figures["assignments"] == cases
    assert report["problems"] == [], report["problems"]
    # one assignment per case of the load (the demo's own come first in the numbering)
    assert report["load_assignments"] == cases
    assert sum(report["notice_numbers"].values()) == report["assignments"]
    assert report["audit_verify"] == 0, report["audit_verify_output"]
