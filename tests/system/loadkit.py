"""The harness of the load and crash tests (test_load.py, test_crash.py).

A fresh PostgreSQL database (created here, dropped at the end), the demo roster with API tokens
for the court (a judicial organ), the officer and the director, gunicorn with 4 workers in
production settings on a loopback port, and client threads that each drive criminal
notifications through the workflow over HTTP: intake (the court's letter) → the engine's
proposal → the officer's proposal → the director's approval → the issue of the notice. A
proposal that follows the rotation is refused at issue when another issue moved the rotation
on meanwhile (409, the proposal goes back to the officer): the client asks the engine again.

Clients tolerate a server that goes away (connection refused or reset, 502–504): they wait
and send the same request again. A notification is resent with the same letter number (that is
what its idempotency is for); a workflow step whose answer was lost is found out by reading the
case's proposals (`GET /cases/{number}/proposals`) and the client carries on from there.

Afterwards `verify` (run in a subprocess with Django on the test database: `python
tests/system/loadkit.py verify ACKS`) checks what the clients were told against what is stored.

Sizes: FAYUAN_LOAD_CLIENTS client threads (default 8) and FAYUAN_LOAD_CASES criminal cases in
all (default 48, 6 a client). The full size by hand, printing the figures:

    FAYUAN_LOAD_CASES=2000 ./dev test-system -k test_load -s
    .venv/bin/python tests/system/loadkit.py run --cases 2000      # the same, without pytest
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CST = timezone(timedelta(hours=8))
PG_URL = os.environ.get("FAYUAN_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/fayuan")
#: The demo's court (北碚区人民法院) sends the letters; its cases are in this locality.
LOCALITY = "天生街道"
#: A client gives up on a server that stays away this long.
OUTAGE = 120.0
TRANSIENT = {0, 502, 503, 504}


def clients_from_env() -> int:
    return int(os.environ.get("FAYUAN_LOAD_CLIENTS", "8"))


def cases_from_env() -> int:
    return int(os.environ.get("FAYUAN_LOAD_CASES", "48"))


# --- the database and the service -------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def fresh_database(server_url: str = PG_URL) -> Iterator[str]:
    """A new, empty database on the server of `server_url`; dropped afterwards (connections
    still open to it are closed by the drop)."""
    import psycopg
    from psycopg import sql

    name = f"fayuan_sys_{secrets.token_hex(4)}"
    admin = with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(server_url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def service_env(database_url: str, home: Path) -> dict[str, str]:
    """Production settings on the loopback: DEBUG off, a random secret key, only 127.0.0.1,
    fresh field keys, no TLS redirect (nothing terminates TLS here)."""
    import base64

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAYUAN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    return env | {
        "DATABASE_URL": database_url,
        "FAYUAN_HOME": str(home),
        "FAYUAN_ENV": "production",
        "FAYUAN_DEBUG": "0",
        "FAYUAN_SECRET_KEY": secrets.token_urlsafe(50),
        "FAYUAN_ALLOWED_HOSTS": "127.0.0.1",
        "FAYUAN_FIELD_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "FAYUAN_MATCH_KEY": secrets.token_urlsafe(48),
        "FAYUAN_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "fayuan.settings",
        "PYTHONUNBUFFERED": "1",
    }


LOADER = """
import json
import django

django.setup()
from django.contrib.auth.models import User
from fayuan.accounts.models import ApiToken
from fayuan.demo import load_demo

load_demo()
tokens = {}
for name in ("court", "officer", "director"):
    raw = ApiToken.new_raw()
    ApiToken.objects.create(
        user=User.objects.get(username=name), name="负载测试", prefix=raw[:8],
        digest=ApiToken.hash(raw),
    )
    tokens[name] = raw
print(json.dumps(tokens))
"""


def prepare(env: dict[str, str]) -> dict[str, str]:
    """`fayuan manage migrate`, then the demo roster (`fayuan.demo.load_demo`, what `fayuan demo
    --no-serve` loads) and an API token each for the court, the officer and the director."""
    run = subprocess.run(
        [str(BIN / "fayuan"), "manage", "migrate", "--noinput", "-v0"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    run = subprocess.run(
        [str(BIN / "python"), "-c", LOADER], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-3000:]
    tokens: dict[str, str] = json.loads(run.stdout.strip().splitlines()[-1])
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gunicorn:
    """`gunicorn fayuan.wsgi:application -w 4` on a loopback port (with `-c` the service's own
    configuration, `fayuan.gunicorn_conf`, when it exists), its log in `log_path`."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 4) -> None:
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def command(self) -> list[str]:
        cmd = [str(BIN / "gunicorn")]
        if (ROOT / "src" / "fayuan" / "gunicorn_conf.py").exists():
            cmd += ["-c", "python:fayuan.gunicorn_conf"]
        return [
            *cmd,
            "fayuan.wsgi:application",
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
        ]

    def start(self, token: str, ready_within: float = 90.0) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.env["FAYUAN_HOME"],
            )
        self.starts += 1
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"gunicorn exited {self.proc.returncode}:\n{self.tail()}")
            reply = Api(self.port, timeout=5).call("GET", "/api/cases?limit=1", token)
            if reply.status == 200:
                return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn not ready in {ready_within:.0f} s:\n{self.tail()}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        master = self.proc.pid
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == master:
                children.append(int(entry.name))
        return [master, *children]

    def kill9(self) -> list[int]:
        """kill -9 the master and every worker (ours, by pid), as a crash would."""
        pids = self.pids()
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)
        return pids

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill9()

    def tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def retries(self) -> int:
        """Whole actions the workers ran again (`fayuan.locks`: "retrying action")."""
        try:
            return self.log_path.read_text(errors="replace").count("retrying action")
        except OSError:
            return 0


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int  # 0: no answer (refused, reset, timed out)
    data: Any
    seconds: float
    error: str = ""


@dataclass
class Sample:
    step: str
    status: int
    seconds: float
    at: float


class Api:
    """One keep-alive connection (a client thread's own), reopened after every failure."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, token: str, body: Any = None) -> Reply:
        start = time.perf_counter()
        payload = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Reply(0, None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw[:300].decode(errors="replace")
        return Reply(response.status, data, time.perf_counter() - start)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- the clients --------------------------------------------------------------------------------


def id_number(serial: int) -> str:
    """A GB 11643 number with a valid check digit (region 500109, fictional persons)."""
    birth = datetime(1960, 1, 1) + timedelta(days=serial % 15000)
    body = f"500109{birth:%Y%m%d}{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def letter(client: int, n: int) -> str:
    return f"（{datetime.now(CST).year}）渝0109刑初{client + 1:02d}{n + 1:05d}号"


def notification_body(client: int, n: int) -> dict[str, Any]:
    serial = client * 100000 + n
    return {
        "category": "criminal",
        "locality": LOCALITY,
        "parties": [
            {
                "role": "aided",
                "name": f"负载受援人{client + 1:02d}{n + 1:05d}",
                "id_number": id_number(serial),
                "is_applicant": True,
            }
        ],
        "summary": "负载测试：法院通知辩护。",
        "letter_number": letter(client, n),
        "letter_received_at": datetime.now(CST).isoformat(timespec="seconds"),
    }


@dataclass
class Load:
    """Clients × cases over the service on `port`; what they were told, and every request."""

    port: int
    tokens: dict[str, str]
    clients: int
    cases: int
    samples: list[Sample] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued: int = 0
    rotation_refusals: int = 0
    started: float = 0.0
    finished: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def per_client(self, client: int) -> int:
        return self.cases // self.clients + (1 if client < self.cases % self.clients else 0)

    def _send(
        self,
        api: Api,
        step: str,
        method: str,
        path: str,
        who: str,
        body: Any = None,
        repeat: bool = False,
    ) -> Reply:
        """One request; with `repeat` (a notification, idempotent by its letter, and reads) sent
        again, the same, while the server is away. A workflow step is not repeated blindly: it
        may have been done although its answer was lost, so the caller reads the case first."""
        away_since: float | None = None
        pause = 0.05
        while True:
            reply = api.call(method, path, self.tokens[who], body)
            with self.lock:
                self.samples.append(Sample(step, reply.status, reply.seconds, time.monotonic()))
            if reply.status not in TRANSIENT or not repeat:
                return reply
            now = time.monotonic()
            away_since = away_since or now
            if now - away_since > OUTAGE:
                raise AssertionError(f"{step}: no answer for {OUTAGE:.0f} s ({reply.error})")
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def _ack(self, kind: str, **values: Any) -> None:
        with self.lock:
            self.acks.append({"kind": kind, **values})
            if kind == "assignment":
                self.issued += 1

    def _unexpected(self, step: str, number: str, reply: Reply) -> None:
        raise AssertionError(f"{step} {number}: {reply.status} {reply.data or reply.error}")

    def notify(self, api: Api, client: int, n: int) -> str:
        body = notification_body(client, n)
        with self.lock:
            self.bodies[body["letter_number"]] = body
        reply = self._send(
            api, "notification", "POST", "/api/notifications", "court", body, repeat=True
        )
        if reply.status not in (200, 201):
            self._unexpected("notification", body["letter_number"], reply)
        number = str(reply.data["number"])
        self._ack("notification", letter=body["letter_number"], case=number, status=reply.status)
        return number

    def where(self, api: Api, number: str) -> tuple[str, int | None]:
        """What to do next on case `number`, from its proposals (after a lost or odd answer)."""
        path = f"/api/cases/{number}/proposals"
        reply = self._send(api, "sync", "GET", path, "officer", repeat=True)
        if reply.status != 200:
            self._unexpected("sync", number, reply)
        statuses = {p["status"]: p["id"] for p in reply.data}
        if "issued" in statuses:
            return "done", None
        if "approved" in statuses:
            return "issue", statuses["approved"]
        if "pending" in statuses:
            return "decide", statuses["pending"]
        return "engine", None

    def drive(self, api: Api, number: str) -> None:
        """Engine → proposal → approval → issue, until the notice is issued."""
        stage, proposal = "engine", None
        base = f"/api/cases/{number}"
        while True:
            if stage == "sync":
                stage, proposal = self.where(api, number)
                if stage == "done":
                    return
            if stage == "engine":
                reply = self._send(api, "engine", "POST", f"{base}/engine", "officer")
                if reply.status != 201:
                    stage = self._after(reply, "engine", number)
                    continue
                self._ack("engine", id=reply.data["id"], case=number)
                stage = "propose"
            if stage == "propose":
                reply = self._send(api, "propose", "POST", f"{base}/proposals", "officer", {})
                if reply.status != 201:
                    stage = self._after(reply, "propose", number)
                    continue
                proposal = int(reply.data["id"])
                self._ack("proposal", id=proposal, case=number)
                stage = "decide"
            if stage == "decide":
                path = f"{base}/proposals/{proposal}/director-decision"
                reply = self._send(api, "decide", "POST", path, "director", {"approve": True})
                if reply.status != 200:
                    stage = self._after(reply, "decide", number)
                    continue
                self._ack("approval", id=reply.data["id"], case=number)
                stage = "issue"
            if stage == "issue":
                path = f"{base}/proposals/{proposal}/issue"
                reply = self._send(api, "issue", "POST", path, "officer")
                if reply.status == 201:
                    self._ack("assignment", notice=reply.data["notice_number"], case=number)
                    return
                if reply.status == 409:
                    with self.lock:
                        self.rotation_refusals += 1
                stage = self._after(reply, "issue", number)

    def _after(self, reply: Reply, step: str, number: str) -> str:
        """A step not done: the server was away (find out what happened) or the case moved on
        (409: the rotation, or a step done but not acknowledged); anything else is a failure."""
        if reply.status in TRANSIENT or reply.status == 409:
            if reply.status in TRANSIENT:
                time.sleep(0.2)
            return "sync"
        self._unexpected(step, number, reply)
        return "sync"  # pragma: no cover

    def client(self, client: int, start: threading.Barrier) -> None:
        api = Api(self.port)
        try:
            start.wait()
            for n in range(self.per_client(client)):
                self.drive(api, self.notify(api, client, n))
        except BaseException as exc:
            with self.lock:
                self.failures.append(f"client {client}: {type(exc).__name__}: {exc}")
        finally:
            api.close()

    def run(self) -> None:
        start = threading.Barrier(self.clients + 1)
        threads = [
            threading.Thread(target=self.client, args=(c, start), name=f"client-{c}", daemon=True)
            for c in range(self.clients)
        ]
        for t in threads:
            t.start()
        start.wait()
        self.started = time.monotonic()
        for t in threads:
            t.join()
        self.finished = time.monotonic()

    def start_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="load", daemon=True)
        thread.start()
        return thread

    def wait_for_issued(self, count: int, within: float = 600.0) -> None:
        deadline = time.monotonic() + within
        while self.issued < count:
            if time.monotonic() > deadline or self.failures:
                raise AssertionError(f"only {self.issued} issued; failures: {self.failures}")
            time.sleep(0.05)

    # figures
    def figures(self, retries: int) -> dict[str, Any]:
        seconds = max(self.finished - self.started, 1e-9)
        statuses = Counter(s.status for s in self.samples)
        answered = [s.seconds for s in self.samples if s.status]

        def pct(values: list[float], q: int) -> float:
            if len(values) < 2:
                return values[0] * 1000 if values else 0.0
            return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

        steps = {}
        for step in ("notification", "engine", "propose", "decide", "issue", "sync"):
            times = [s.seconds for s in self.samples if s.step == step and s.status]
            if times:
                steps[step] = {
                    "requests": len(times),
                    "p50_ms": round(pct(times, 50), 1),
                    "p95_ms": round(pct(times, 95), 1),
                    "p99_ms": round(pct(times, 99), 1),
                }
        return {
            "clients": self.clients,
            "cases": self.cases,
            "requests": len(self.samples),
            "statuses": dict(sorted(statuses.items())),
            "5xx": sum(n for status, n in statuses.items() if status >= 500),
            "no_answer": statuses.get(0, 0),
            "retries": retries,
            "rotation_refusals_409": self.rotation_refusals,
            "assignments": self.issued,
            "seconds": round(seconds, 2),
            "requests_per_s": round(len(self.samples) / seconds, 1),
            "assignments_per_s": round(self.issued / seconds, 2),
            "p50_ms": round(pct(answered, 50), 1),
            "p95_ms": round(pct(answered, 95), 1),
            "p99_ms": round(pct(answered, 99), 1),
            "steps": steps,
        }


def print_figures(title: str, figures: dict[str, Any]) -> None:
    steps = figures.pop("steps", {})
    print(f"\n{title}: " + json.dumps(figures, ensure_ascii=False), flush=True)
    for step, values in steps.items():
        print(f"  {step:<12} " + json.dumps(values), flush=True)
    figures["steps"] = steps


# --- afterwards ---------------------------------------------------------------------------------


def run_verify(env: dict[str, str], load: Load, folder: Path) -> dict[str, Any]:
    """`verify` in a subprocess on the service's database; its report."""
    acks = folder / "acks.json"
    acks.write_text(json.dumps(load.acks, ensure_ascii=False))
    run = subprocess.run(
        [str(BIN / "python"), str(Path(__file__)), "verify", str(acks)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    report: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return report


def audit_verify(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "fayuan"), "audit", "verify"], env=env, capture_output=True, text=True
    )


def verify(acks_path: Path) -> dict[str, Any]:
    """With Django on the test database: everything the clients were told is stored exactly
    once; nothing is half-written; notice numbers run without gap or repeat; the rotation is
    what a serial replay of the same cases in issue order gives."""
    import django

    django.setup()
    from django.db.models import Count

    from fayuan.audit.models import AuditEvent
    from fayuan.cases.letters import letter_key
    from fayuan.cases.models import Case, CaseStatus
    from fayuan.policy.deadlines import local_date
    from fayuan.policy.rotation import RotationState, count_as_turn, take_turn
    from fayuan.roster.models import Center
    from fayuan.workflow import engine
    from fayuan.workflow.models import (
        Approval,
        Assignment,
        EngineProposal,
        NoticeSequence,
        OfficerProposal,
        ProposalStatus,
        RotationCredit,
    )

    acks: list[dict[str, Any]] = json.loads(acks_path.read_text())
    problems: list[str] = []
    center = Center.objects.get(code="demo")

    # 1. every 2xx a client received is stored, exactly once
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for ack in acks:
        by_kind.setdefault(ack["kind"], []).append(ack)
    letters: dict[str, set[str]] = {}
    for ack in by_kind.get("notification", []):
        letters.setdefault(letter_key(ack["letter"]), set()).add(ack["case"])
    for key, numbers in letters.items():
        stored = list(
            Case.objects.filter(letter_key=key, source="notification").values_list(
                "number", flat=True
            )
        )
        if len(stored) != 1 or set(stored) != numbers:
            problems.append(f"letter {key}: clients told {sorted(numbers)}, stored {stored}")
    for kind, model in (
        ("engine", EngineProposal),
        ("proposal", OfficerProposal),
        ("approval", Approval),
    ):
        ids = [a["id"] for a in by_kind.get(kind, [])]
        if len(ids) != len(set(ids)):
            problems.append(f"{kind}: one id acknowledged twice")
        found = model._default_manager.filter(pk__in=ids).count()
        if found != len(set(ids)):
            problems.append(f"{kind}: {len(set(ids)) - found} acknowledged but not stored")
    notices = [a["notice"] for a in by_kind.get("assignment", [])]
    if len(notices) != len(set(notices)):
        problems.append("assignment: one notice number acknowledged twice")
    stored_notices = dict(
        Assignment.objects.filter(notice_number__in=notices).values_list(
            "notice_number", "case__number"
        )
    )
    for ack in by_kind.get("assignment", []):
        if stored_notices.get(ack["notice"]) != ack["case"]:
            problems.append(f"notice {ack['notice']} of {ack['case']}: not stored as told")

    # 2. nothing half-written: every row with its one audit event, every case in one state
    events = Counter(
        AuditEvent.objects.values_list("action", "object_type", "object_id").iterator()
    )
    duplicates = [k for k, n in events.items() if n > 1 and k[0] != "case.view_personal_data"]
    if duplicates:
        problems.append(f"audit events twice for one object: {duplicates[:5]}")
    checks = [
        (EngineProposal.objects.values_list("pk", flat=True), "engine.propose", "engineproposal"),
        (
            OfficerProposal.objects.values_list("pk", flat=True),
            "proposal.create",
            "officerproposal",
        ),
        (Assignment.objects.values_list("pk", flat=True), "assignment.issue", "assignment"),
        (
            Case.objects.filter(source="notification").values_list("pk", flat=True),
            "case.intake_notification",
            "case",
        ),
    ]
    for pks, action, model_name in checks:
        label = f"cases.{model_name}" if model_name == "case" else f"workflow.{model_name}"
        missing = [pk for pk in pks if events[(action, label, str(pk))] != 1]
        if missing:
            problems.append(f"{label}: {len(missing)} without their {action} event")
    for approval in Approval.objects.values("pk", "step"):
        key = (f"approval.{approval['step']}", "workflow.approval", str(approval["pk"]))
        if events[key] != 1:
            problems.append(f"approval {approval['pk']} without its event")
    orphans = {
        "engine.propose": set(map(str, EngineProposal.objects.values_list("pk", flat=True))),
        "proposal.create": set(map(str, OfficerProposal.objects.values_list("pk", flat=True))),
        "assignment.issue": set(map(str, Assignment.objects.values_list("pk", flat=True))),
    }
    for (action, _, object_id), _n in events.items():
        if action in orphans and object_id not in orphans[action]:
            problems.append(f"{action} event for a missing row {object_id}")
    issue_events = {
        e.object_id: e.data.get("notice")
        for e in AuditEvent.objects.filter(action="assignment.issue")
    }
    for pk, notice in Assignment.objects.values_list("pk", "notice_number"):
        if issue_events.get(str(pk)) != notice:
            problems.append(f"assignment {pk}: its event names {issue_events.get(str(pk))}")
    open_proposals = dict(
        OfficerProposal.objects.filter(status__in=[ProposalStatus.pending, ProposalStatus.approved])
        .values("case")
        .annotate(n=Count("pk"))
        .values_list("case", "n")
    )
    current = dict(
        Assignment.objects.filter(current=True)
        .values("case")
        .annotate(n=Count("pk"))
        .values_list("case", "n")
    )
    issued_proposals = set(
        OfficerProposal.objects.filter(status=ProposalStatus.issued).values_list("pk", flat=True)
    )
    assigned_proposals = set(
        Assignment.objects.exclude(proposal=None).values_list("proposal_id", flat=True)
    )
    if issued_proposals != assigned_proposals:
        problems.append("issued proposals and assignments do not match")
    stuck: Counter[str] = Counter()
    for case in Case.objects.filter(center=center):
        holders = current.get(case.pk, 0)
        pending = open_proposals.get(case.pk, 0)
        if case.status == CaseStatus.assigned:
            ok = holders == 1 and pending == 0 and case.institution_id is not None
        elif case.status == CaseStatus.proposed:
            ok = holders == 0 and pending == 1
        elif case.status in (CaseStatus.granted, CaseStatus.intake, CaseStatus.unassignable):
            ok = holders == 0 and pending == 0
        else:
            ok = True
        if not ok:
            stuck[case.status] += 1
    if stuck:
        problems.append(f"cases between states: {dict(stuck)}")

    # 3. notice numbers: 1..N per year, no gap, no repeat; the sequence says N
    numbering = {}
    for seq in NoticeSequence.objects.filter(center=center):
        got = sorted(
            Assignment.objects.filter(case__center=center, notice_year=seq.year).values_list(
                "notice_seq", flat=True
            )
        )
        numbering[seq.year] = len(got)
        if got != list(range(1, seq.last + 1)):
            problems.append(f"notice numbers of {seq.year}: gap or repeat (last {seq.last})")

    # 4. the rotation = a serial replay of the same criminal cases in issue order
    policy = engine.policy_for(center)
    mode = policy.values_on(local_date(datetime.now(CST))).rotation_weight
    pool = engine.roster_view(center).pool(mode)
    state = RotationState()
    replayed: Counter[str] = Counter()
    served: Counter[str] = Counter()
    mismatches = 0
    criminal = (
        Assignment.objects.filter(case__center=center, case__category="criminal")
        .select_related("institution")
        .order_by("notice_year", "notice_seq")
    )
    for assignment in criminal:
        firm = assignment.institution.code
        if assignment.rule == "rotation":
            expected = take_turn(state, pool, lambda _firm: (True, None)).winner
            replayed[str(expected)] += 1
            served[firm] += 1
            mismatches += expected != firm
        state = count_as_turn(state, pool, firm, None).state_after
    if served != replayed:
        problems.append(f"rotation per firm {dict(served)} != serial replay {dict(replayed)}")
    if mismatches:
        problems.append(f"{mismatches} rotation assignments not the serial replay's firm")
    credits = dict(
        RotationCredit.objects.filter(center=center).values_list("institution__code", "credit")
    )
    firms = {m.firm for m in pool} | set(credits)
    if any(credits.get(firm, 0) != state.credit(firm) for firm in firms):
        problems.append(f"stored credits {credits} != replay {dict(state.credits)}")

    return {
        "problems": problems,
        "cases": Case.objects.filter(center=center).count(),
        "notification_cases": Case.objects.filter(source="notification").count(),
        "assignments": Assignment.objects.count(),
        # The load's own, apart from whatever the demo assigned before it.
        "load_notification_cases": Case.objects.filter(
            source="notification", letter_key__in=list(letters)
        ).count(),
        "load_assignments": Assignment.objects.filter(case__letter_key__in=list(letters)).count(),
        "rotation_per_firm": dict(sorted(served.items())),
        "engine_proposals": EngineProposal.objects.count(),
        "officer_proposals": OfficerProposal.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "notice_numbers": numbering,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="(inside the service's environment)")
    check.add_argument("acks", type=Path)
    run = commands.add_parser("run", help="one load run at a chosen size, printing the figures")
    run.add_argument("--cases", type=int, default=cases_from_env())
    run.add_argument("--clients", type=int, default=clients_from_env())
    args = parser.parse_args(argv)
    if args.command == "verify":
        print(json.dumps(verify(args.acks), ensure_ascii=False))
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        report, figures = load_run(Path(tmp), args.clients, args.cases)
    print_figures("load", figures)
    print("verify: " + json.dumps(report, ensure_ascii=False))
    return 1 if report["problems"] or figures["5xx"] else 0


def load_run(
    folder: Path, clients: int, cases: int, server_url: str = PG_URL
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A whole load run (test_load.py and `run`): the report of `verify` and the figures."""
    with fresh_database(server_url) as url:
        env = service_env(url, folder)
        tokens = prepare(env)
        server = Gunicorn(env, folder / "gunicorn.log")
        server.start(tokens["officer"])
        try:
            load = Load(server.port, tokens, clients, cases)
            load.run()
        finally:
            server.stop()
        assert not load.failures, "\n".join(load.failures) + "\n" + server.tail()
        figures = load.figures(server.retries())
        report = run_verify(env, load, folder)
        chain = audit_verify(env)
        report["audit_verify"] = chain.returncode
        report["audit_verify_output"] = (chain.stdout + chain.stderr).strip()[-500:]
    return report, figures


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
