"""`fayuan backup OUT` / `fayuan restore IN` on the embedded SQLite database (and, under
./dev test-pg, on PostgreSQL): after backup →
change and damage → restore, the audit chain verifies and the next rotation pick and the next
notice number are those of before the backup. Refusals are in Chinese, exit 1, and leave no
partial file. (tests/system/test_backup_pg.py does the same on PostgreSQL.)"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from fayuan import backup, cli
from fayuan.accounts.models import JudicialOrgan, OrganKind
from fayuan.audit.log import verify
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_notification
from fayuan.demo import fictional_id_number, load_demo
from fayuan.roster.models import Center
from fayuan.workflow import actions

pytestmark = pytest.mark.django_db(transaction=True)
#: The suite runs on SQLite and (./dev test-pg) on PostgreSQL: the round trip on both.
on_sqlite = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's backup API",
)


def _magic() -> bytes:
    return backup.SQLITE_MAGIC if connection.vendor == "sqlite" else backup.PG_MAGIC


class _Rollback(Exception):
    pass


def _criminal_case(letter: str, now: datetime) -> tuple[object, User]:
    center = Center.objects.get(code="demo")
    officer = User.objects.get(username="officer")
    organ = JudicialOrgan.objects.get(center=center, kind=OrganKind.procuratorate)
    party = PartyInput(
        "aided",
        "钱探测",
        fictional_id_number(date(1990, 5, 5), 77, False),
        is_applicant=True,
    )
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[party],
        organ_id=organ.pk,
        letter_number=letter,
        letter_received_at=now,
        summary="备份测试",
    )
    case, _ = do_intake_notification(center, officer, data)
    return case, officer


def next_pick_and_notice() -> tuple[str, str]:
    """What the engine proposes for a new criminal case, and the next notice number, without
    keeping either (everything is rolled back)."""
    now = timezone.now()
    found: tuple[str, str] = ("", "")
    try:
        with transaction.atomic():
            case, officer = _criminal_case("探测〔2026〕1号", now)
            proposal = actions.do_run_engine(case, officer)  # type: ignore[arg-type]
            assert proposal.institution is not None
            director = User.objects.get(username="director")
            officer_proposal = actions.do_propose(case, officer)  # type: ignore[arg-type]
            actions.do_director_decide(officer_proposal, director, approve=True)
            assignment = actions.do_issue_assignment(officer_proposal, officer)
            found = (proposal.institution.code, assignment.notice_number)
            raise _Rollback
    except _Rollback:
        pass
    return found


def _assign_another(letter: str) -> None:
    case, officer = _criminal_case(letter, timezone.now())
    proposal = actions.do_propose(case, officer)  # type: ignore[arg-type]
    actions.do_director_decide(proposal, User.objects.get(username="director"), approve=True)
    actions.do_issue_assignment(proposal, officer)


def test_round_trip_restores_the_chain_the_rotation_and_the_notice_numbers(
    tmp_path: Path, capsys
) -> None:
    load_demo()
    before = next_pick_and_notice()
    assert before[0] and before[1].startswith("北碚法援指〔")
    assert next_pick_and_notice() == before  # the probe keeps nothing
    events_before = verify().events

    out = tmp_path / "fayuan.backup"
    assert cli.main(["backup", str(out)]) == 0
    assert "已备份到" in capsys.readouterr().out
    assert out.read_bytes().startswith(_magic())
    assert out.stat().st_mode & 0o777 == 0o600

    # Change: two more assignments move the rotation and the notice numbers on ...
    _assign_another("变更〔2026〕1号")
    _assign_another("变更〔2026〕2号")
    assert next_pick_and_notice()[1] != before[1]
    # ... and damage: audit records deleted.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 3")
    assert not verify().ok

    assert cli.main(["restore", str(out)]) == 0
    assert "已从" in capsys.readouterr().out
    result = verify()
    assert result.ok and result.events == events_before
    assert next_pick_and_notice() == before


def test_backup_refuses_to_overwrite_and_leaves_no_partial_file(tmp_path: Path, capsys) -> None:
    load_demo()
    out = tmp_path / "b.sqlite3"
    out.write_text("older backup")
    assert cli.main(["backup", str(out)]) == 1
    assert "已存在" in capsys.readouterr().err and out.read_text() == "older backup"
    assert cli.main(["backup", "--force", str(out)]) == 0
    assert out.read_bytes().startswith(_magic())
    assert cli.main(["backup", str(tmp_path / "missing" / "b")]) == 1
    assert "文件夹" in capsys.readouterr().err and not (tmp_path / "missing").exists()
    assert cli.main(["backup", str(tmp_path)]) == 1
    assert "是一个文件夹" in capsys.readouterr().err


@on_sqlite
def test_a_backup_that_fails_midway_leaves_nothing(tmp_path: Path, monkeypatch, capsys) -> None:
    load_demo()

    real_connect = sqlite3.connect

    class Failing:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def backup(self, target: sqlite3.Connection, **kwargs: object) -> None:
            target.execute("CREATE TABLE half (x)")
            target.commit()
            raise sqlite3.OperationalError("disk I/O error")

        def close(self) -> None:
            self.conn.close()

    def connect(path: object, *args: object, **kwargs: object) -> object:
        conn = real_connect(path, *args, **kwargs)  # type: ignore[arg-type]
        return Failing(conn) if str(path).startswith("file:") else conn

    monkeypatch.setattr(backup.sqlite3, "connect", connect)
    out = tmp_path / "b.sqlite3"
    assert cli.main(["backup", str(out)]) == 1
    assert "disk I/O error" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@on_sqlite
def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(tmp_path: Path, capsys) -> None:
    load_demo()
    events = verify().events
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all")
    assert cli.main(["restore", str(junk)]) == 1
    assert "不是 fayuan backup 生成的备份" in capsys.readouterr().err
    dump = tmp_path / "pg.dump"
    dump.write_bytes(backup.PG_MAGIC + b"\x01\x0e\x00")
    assert cli.main(["restore", str(dump)]) == 1
    assert "备份是 PostgreSQL 数据库，而当前数据库是 SQLite" in capsys.readouterr().err
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    assert cli.main(["restore", str(other)]) == 1
    assert "不是本系统的数据库" in capsys.readouterr().err
    assert cli.main(["restore", str(tmp_path / "nope")]) == 1
    assert "不存在" in capsys.readouterr().err
    assert verify().ok and verify().events == events
    assert Path(settings.DATABASES["default"]["NAME"]).is_file()
