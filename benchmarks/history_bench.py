"""History benchmark (issue 7 §5): with up to 1,000,000 cases over 100 centers on PostgreSQL,
how long the pages people open every day take — the deadline lists (第六条), a case page and
the case list — and how many queries each costs. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/history_bench.py --sizes 10000,100000,1000000

It creates (and at the end drops) its own database `fayuan_bench_history` on the server of
FAYUAN_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), grows the history
step by step, and measures at each size: the median and 95th percentile of `--repeat` calls,
each through Django's test client as a center officer (the view, its queries and the JSON),
and the number of queries of one call.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DB = "fayuan_bench_history"
CENTERS = 100
CATEGORIES = ("criminal", "civil", "administrative", "labor_arbitration", "non_litigation")


def _server_url() -> str:
    return os.environ.get("FAYUAN_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _recreate_database() -> str:
    server = _server_url()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        conn.execute(f'CREATE DATABASE "{DB}"')
    return server.rsplit("/", 1)[0] + f"/{DB}"


def _drop_database() -> None:
    with psycopg.connect(_server_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fayuan.settings")
    os.environ.setdefault("FAYUAN_HOME", str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _roster() -> list[Any]:
    """100 centers, each with 2 localities, 6 institutions, 12 practitioners and an officer."""
    from django.contrib.auth.models import User

    from fayuan.accounts.models import Role, StaffProfile
    from fayuan.roster.models import Center, Institution, Locality, Practitioner

    centers = []
    for n in range(CENTERS):
        center = Center.objects.create(
            code=f"c{n:03d}", name=f"第{n:03d}区法律援助中心", notice_prefix=f"演{n:03d}法援指"
        )
        towns = [Locality.objects.create(center=center, name=f"镇{k}") for k in range(2)]
        for k in range(6):
            kind = "law_firm" if k < 4 else "grassroots_office"
            inst = Institution.objects.create(
                center=center,
                code=f"I{k}",
                name=f"机构{n}-{k}",
                kind=kind,
                locality=towns[k % 2],
                sequence=k + 1,
            )
            for p in range(2):
                Practitioner.objects.create(
                    center=center,
                    institution=inst,
                    code=f"P{k}{p}",
                    name=f"承办人{k}{p}",
                    kind="lawyer" if kind == "law_firm" else "grassroots_worker",
                    licensed_on=date(2012, 1, 1),
                    criminal_defense_cases=20,
                )
        user = User.objects.create_user(f"officer{n:03d}", password="x")
        StaffProfile.objects.create(
            user=user, role=Role.officer, center=center, full_name=f"指派人员{n}"
        )
        centers.append(center)
    return centers


def _grow(url: str, start: int, stop: int, centers: list[Any]) -> None:
    """Cases `start`..`stop`-1 with one party each, by COPY (the ORM's bulk_create is ~20×
    slower at this size). Mostly closed history; ~1% still waiting for assignment."""
    from fayuan.roster.models import Institution, Locality

    towns = {
        c.pk: Locality.objects.filter(center=c).values_list("pk", flat=True)[0] for c in centers
    }
    firms = {
        c.pk: list(Institution.objects.filter(center=c).values_list("pk", flat=True))
        for c in centers
    }
    rng = random.Random(start)
    now = datetime.now(UTC)
    began = now - timedelta(days=3 * 365)
    span = (now - began).total_seconds()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY cases_case (id, center_id, number, category, source, status, summary, channel,"
            " letter_number, letter_key, aided_persons, locality_id, specialty, social_impact,"
            " major_difficult, life_sentence_possible, stability_risk, minor, wishes,"
            " started_at, due_at, local_due_at, statutory_due_at, due_provisional,"
            " limits_provisional, due_from, institution_id, handler_changes, outcome,"
            " created_at) FROM STDIN"
        ) as copy:
            for i in range(start, stop):
                center = centers[i % CENTERS]
                created = began + timedelta(seconds=span * (i - start) / max(stop - start, 1))
                waiting = rng.random() < 0.01
                due = created + timedelta(days=1 if waiting else 3)
                if waiting:
                    due = now + timedelta(hours=rng.randrange(-48, 72))
                copy.write_row(
                    (
                        i + 1,
                        center.pk,
                        f"{center.code.upper()}-{created.year}-{i + 1:07d}",
                        CATEGORIES[i % 5],
                        "notification" if i % 5 == 0 else "application",
                        "granted" if waiting else "closed",
                        "",
                        "",
                        "",
                        "",
                        1,
                        towns[center.pk],
                        "",
                        False,
                        False,
                        False,
                        False,
                        False,
                        "",
                        created,
                        due,
                        due,
                        due,
                        False,
                        False,
                        created,
                        None if waiting else rng.choice(firms[center.pk]),
                        0,
                        "",
                        created,
                    )
                )
        with cur.copy(
            "COPY cases_party (case_id, role, is_applicant, name, id_number, id_number_hash,"
            " phone, address) FROM STDIN"
        ) as copy:
            for i in range(start, stop):
                copy.write_row((i + 1, "aided", True, f"受援人{i}", "", "", "", ""))
        cur.execute("SELECT setval(pg_get_serial_sequence('cases_case','id'), %s)", (stop,))
        conn.commit()
        cur.execute("ANALYZE cases_case")
        cur.execute("ANALYZE cases_party")
        conn.commit()


def _measure(centers: list[Any], repeat: int) -> dict[str, tuple[float, float, int]]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from fayuan.cases.models import Case

    center = centers[CENTERS // 2]
    officer = User.objects.get(username=f"officer{CENTERS // 2:03d}")
    client = Client()
    client.force_login(officer)
    number = Case.objects.filter(center=center).order_by("-id").values_list("number", flat=True)[0]
    pages = {
        "deadline lists (/)": "/",
        "case list (/api/cases)": "/api/cases?limit=50",
        "case list, page 100": "/api/cases?limit=50&offset=4950",
        "case page (/api/cases/N)": f"/api/cases/{number}",
    }
    out = {}
    for name, path in pages.items():
        client.get(path)  # warm caches and connections
        queries: list[str] = []

        def count(
            execute: Any, sql: str, params: Any, many: bool, context: Any, seen: list[str] = queries
        ) -> Any:
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        out[name] = (statistics.median(times), p95, len(queries))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    url = _recreate_database()
    try:
        _setup_django(url)
        centers = _roster()
        done = 0
        print(f"{'cases':>9}  {'page':<28} {'median ms':>9} {'p95 ms':>7} {'queries':>7}")
        for size in sizes:
            t0 = time.perf_counter()
            _grow(url, done, size, centers)
            grown = time.perf_counter() - t0
            done = size
            for name, (median, p95, queries) in _measure(centers, args.repeat).items():
                print(f"{size:>9,}  {name:<28} {median:9.1f} {p95:7.1f} {queries:7d}")
            print(f"{'':>9}  (loaded in {grown:.0f} s)")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _drop_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
