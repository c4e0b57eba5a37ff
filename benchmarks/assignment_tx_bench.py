"""The assignment transaction (issue 7 §5): issuing an approved proposal through the actions
layer (`do_issue_assignment`: locks, rotation turn, gapless notice number, the assignment, the
case, the proposal and the audit event, in one transaction) against the same rows written by
minimal SQL, on SQLite and on PostgreSQL, in the same run. Prints both rates and their ratio
(aim ≥ 0.5); asserts nothing.

    .venv/bin/python benchmarks/assignment_tx_bench.py --cases 400

Each database is fresh: a temporary SQLite file, and a database `fayuan_bench_tx` on the server
of FAYUAN_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), dropped after.
Set-up (intake, engine, an override proposal to a firm, the director's approval) is not timed;
half the proposals are then issued by the action and half by SQL, alternating.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DB = "fayuan_bench_tx"


def _child(url: str, cases: int) -> None:
    """Runs in a fresh process per database (Django is configured once per process)."""
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tests"))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fayuan.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from fayuan.accounts.models import JudicialOrgan, OrganKind, Role
    from fayuan.audit.log import GENESIS, verify
    from fayuan.cases.actions import CaseInput, PartyInput, do_intake_notification
    from fayuan.roster.models import Center, Institution
    from fayuan.workflow import actions
    from fayuan.workflow.models import RotationCredit
    from service.conftest import (
        load_example_roster,  # the example roster of the tests
        make_user,
    )

    center = Center.objects.create(
        code="beibei", name="重庆市北碚区法律援助中心", notice_prefix="北碚法援指"
    )
    load_example_roster(center)
    organ = JudicialOrgan.objects.create(center=center, name="人民法院", kind=OrganKind.court)
    officer = make_user(center, "officer", Role.officer)
    director = make_user(center, "director", Role.director)
    firms = list(Institution.objects.filter(center=center, kind="law_firm", status="active"))
    received = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
    proposals = []
    for n in range(cases):
        case, _ = do_intake_notification(
            center,
            officer,
            CaseInput(
                category="criminal",
                locality="天生街道",
                parties=[PartyInput("aided", f"被告人{n}")],
                organ_id=organ.pk,
                letter_number=f"（2026）渝0109刑初{n + 1}号",
                letter_received_at=received,
            ),
        )
        engine = actions.do_run_engine(case, officer)
        firm = firms[n % len(firms)]
        proposal = actions.do_propose(
            case,
            officer,
            firm.code if firm.pk != getattr(engine.institution, "pk", None) else None,
            override_reason="基准测试：指定机构"
            if firm.pk != getattr(engine.institution, "pk", None)
            else "",
        )
        actions.do_director_decide(proposal, director, approve=True)
        proposals.append(proposal)

    on = received + timedelta(hours=1)

    def by_action(proposal: Any) -> None:
        actions.do_issue_assignment(proposal, officer, at=on)

    def by_sql(proposal: Any) -> None:
        """The same rows, with nothing but the SQL: lock, number, credits, rows, audit."""
        with transaction.atomic(), connection.cursor() as cur:
            case_id, firm_id = proposal.case_id, proposal.institution_id
            cur.execute("SELECT id FROM roster_center WHERE id = %s" + _for_update(), [center.pk])
            cur.execute(
                "SELECT id, last FROM workflow_noticesequence WHERE center_id = %s AND year = %s"
                + _for_update(),
                [center.pk, 2026],
            )
            row = cur.fetchone()
            if row is None:
                cur.execute(
                    "INSERT INTO workflow_noticesequence (center_id, year, last)"
                    " VALUES (%s, %s, 1)",
                    [center.pk, 2026],
                )
                seq = 1
            else:
                seq = row[1] + 1
                cur.execute(
                    "UPDATE workflow_noticesequence SET last = %s WHERE id = %s", [seq, row[0]]
                )
            cur.execute(
                "SELECT institution_id, credit FROM workflow_rotationcredit WHERE center_id = %s"
                + _for_update(),
                [center.pk],
            )
            credits = dict(cur.fetchall())
            for inst, credit in credits.items():
                delta = 1 - (len(credits) if inst == firm_id else 0)
                cur.execute(
                    "UPDATE workflow_rotationcredit SET credit = %s WHERE institution_id = %s",
                    [credit + delta, inst],
                )
            number = f"北碚法援指〔2026〕第{seq:04d}号"
            cur.execute(
                "INSERT INTO workflow_assignment (case_id, proposal_id, institution_id, rule,"
                " notice_year, notice_seq, notice_number, issued_by_id, issued_at, due_at,"
                " due_provisional, late, handlers_required, current) VALUES"
                " (%s, %s, %s, 'override', 2026, %s, %s, %s, %s, %s, %s, %s, 1, %s)",
                [
                    case_id,
                    proposal.pk,
                    firm_id,
                    seq,
                    number,
                    officer.pk,
                    on,
                    on,
                    False,
                    False,
                    True,
                ],
            )
            cur.execute(
                "UPDATE cases_case SET institution_id = %s, assigned_at = %s, status = 'assigned'"
                " WHERE id = %s",
                [firm_id, on, case_id],
            )
            cur.execute(
                "UPDATE workflow_officerproposal SET status = 'issued' WHERE id = %s", [proposal.pk]
            )
            cur.execute(
                "SELECT last_seq, last_hash FROM audit_audithead WHERE name = 'main'"
                + _for_update()
            )
            last_seq, last_hash = cur.fetchone() or (0, GENESIS)
            body = json.dumps(
                {
                    "seq": last_seq + 1,
                    "action": "assignment.issue",
                    "prev": last_hash,
                    "case": case_id,
                    "data": {"notice": number},
                },
                ensure_ascii=False,
                sort_keys=True,
            ).encode()
            digest = hashlib.sha256(body).hexdigest()
            cur.execute(
                "INSERT INTO audit_auditevent (seq, at, actor_id, actor_label, action,"
                " object_type, object_id, case_id_ref, data, prev_hash, hash) VALUES"
                " (%s, %s, %s, %s, 'assignment.issue', 'workflow.assignment', %s, %s, %s, %s, %s)",
                [
                    last_seq + 1,
                    on,
                    officer.pk,
                    "officer",
                    str(case_id),
                    case_id,
                    json.dumps({"notice": number}),
                    last_hash,
                    digest,
                ],
            )
            cur.execute(
                "UPDATE audit_audithead SET last_seq = %s, last_hash = %s WHERE name = 'main'",
                [last_seq + 1, digest],
            )

    RotationCredit.objects.filter(center=center).count()  # the credits exist after the engine
    timed = {"actions": 0.0, "sql": 0.0}
    counts = {"actions": 0, "sql": 0}
    profiler = None
    if os.environ.get("FAYUAN_BENCH_PROFILE"):  # where the action's time goes (pyinstrument)
        from pyinstrument import Profiler

        profiler = Profiler()
    for n, proposal in enumerate(proposals):
        kind = "actions" if n % 2 == 0 else "sql"
        if profiler is not None and kind == "actions":
            profiler.start()
        t0 = time.perf_counter()
        (by_action if kind == "actions" else by_sql)(proposal)
        timed[kind] += time.perf_counter() - t0
        if profiler is not None and kind == "actions":
            profiler.stop()
        counts[kind] += 1
    if profiler is not None:
        print(profiler.output_text(unicode=False, color=False), file=sys.stderr)
    rates = {k: counts[k] / timed[k] for k in timed}
    vendor = connection.vendor
    print(
        json.dumps(
            {
                "database": vendor,
                "actions_per_s": round(rates["actions"], 1),
                "sql_per_s": round(rates["sql"], 1),
                "ratio": round(rates["actions"] / rates["sql"], 2),
                "each": counts["actions"],
                "chain_ok_for_action_rows": verify().events > 0,
            }
        )
    )


def _for_update() -> str:
    from django.db import connection

    return " FOR UPDATE" if connection.vendor == "postgresql" else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.cases)
        return 0
    import psycopg

    server = os.environ.get("FAYUAN_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = [f"sqlite:///{tmp}/bench.sqlite3", server.rsplit("/", 1)[0] + f"/{DB}"]
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB}"')
            conn.execute(f'CREATE DATABASE "{DB}"')
        try:
            for url in targets:
                done = subprocess.run(
                    [sys.executable, __file__, "--cases", str(args.cases), "--child", url],
                    capture_output=True,
                    text=True,
                    check=False,
                    env={**os.environ, "FAYUAN_HOME": tmp},
                )
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 1
                results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        finally:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    print(
        f"{'database':<11} {'actions/s':>10} {'SQL/s':>8} {'ratio':>6}  (each: {args.cases // 2})"
    )
    for r in results:
        print(f"{r['database']:<11} {r['actions_per_s']:>10} {r['sql_per_s']:>8} {r['ratio']:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
