"""The workflow under load over HTTP, at a chosen size, printing the figures (never asserting
them): a fresh PostgreSQL database, the demo roster, gunicorn with 4 workers, client threads
driving criminal notifications from intake to the issued notice, then the checks of
tests/system/test_load.py (no 5xx, serial-replay rotation, gapless numbers, audit chain).

    .venv/bin/python benchmarks/load_bench.py                   # 2,000 assignments, 8 clients
    .venv/bin/python benchmarks/load_bench.py --cases 200 --clients 4

PostgreSQL from FAYUAN_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/fayuan); the
user must be allowed to create databases. The harness is tests/system/loadkit.py.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    spec = importlib.util.spec_from_file_location("loadkit", ROOT / "tests/system/loadkit.py")
    assert spec is not None and spec.loader is not None
    loadkit = importlib.util.module_from_spec(spec)
    sys.modules["loadkit"] = loadkit
    spec.loader.exec_module(loadkit)
    args = sys.argv[1:]
    if "--cases" not in args:
        args += ["--cases", "2000"]
    code: int = loadkit.main(["run", *args])
    return code


if __name__ == "__main__":
    raise SystemExit(main())
