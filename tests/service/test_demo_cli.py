"""`fayuan demo`, `fayuan manage`, `python -m fayuan`, and the admin the demo serves."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.models import User
from django.test import Client

from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_notification
from fayuan.demo import ACCOUNTS, ensure_groups, fictional_id_number
from fayuan.identity import id_number_problem

BIN = Path(sys.executable).parent
CST = timezone(timedelta(hours=8))
USERNAMES = ["admin", *(a.username for a in ACCOUNTS)]


def environment(home: Path) -> dict[str, str]:
    """No DATABASE_URL: the embedded SQLite database in `home`/var."""
    drop = ("DATABASE_URL", "FAYUAN_HOME", "FAYUAN_DEMO_PASSWORD", "FAYUAN_ENV", "FAYUAN_DEBUG")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["FAYUAN_HOME"] = str(home)
    return env


def run_demo(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "fayuan"), "demo", "--no-serve", *args],
        cwd=home,
        env=environment(home) | (env or {}),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def passwords(output: str) -> dict[str, str]:
    found = {}
    for name in USERNAMES:
        match = re.search(rf"^  {re.escape(name)} +(\S+)  ", output, re.MULTILINE)
        assert match, f"{name} not printed:\n{output}"
        found[name] = match.group(1)
    return found


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in (
                "roster_center",
                "roster_locality",
                "roster_workstation",
                "roster_institution",
                "roster_practitioner",
                "accounts_judicialorgan",
                "accounts_staffprofile",
                "auth_user",
                "cases_case",
                "workflow_assignment",
            )
        }


def test_demo_twice_creates_once_and_prints_the_accounts(tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    assert first.returncode == 0, first.stderr
    assert "演示数据已载入" in first.stdout
    db = tmp_path / "var" / "fayuan.sqlite3"
    assert db.is_file()
    before = counts(db)
    assert before == {
        "roster_center": 1,
        "roster_locality": 17,
        "roster_workstation": 17,
        "roster_institution": 12,
        "roster_practitioner": 52,
        "accounts_judicialorgan": 3,
        # 34 + two workstations (司法所) and a liaison point (第七条), each with its case.
        "accounts_staffprofile": 37,
        "auth_user": 38,
        # 3 of them closed, with a return visit, an organ opinion and a file review (第九、十三条).
        "cases_case": 21,
        "workflow_assignment": 8,
    }
    for role in ("指派人员", "中心负责人", "公共法律服务管理科", "区司法局领导", "承办机构管理员"):
        assert role in first.stdout
    for role in (
        "承办人",
        "办案机关",
        "监督人员",
        "工作站（司法所）人员",
        "联络点（承办机构）人员",
    ):
        assert role in first.stdout
    token = re.search(r"^  (fy_\S+)$", first.stdout, re.MULTILINE)
    assert token, first.stdout
    assert "已指派，待承办机构安排承办人" in first.stdout
    assert "已决定给予法律援助，待指派" in first.stdout
    # A case in every state someone acts on.
    for status in (
        "已受理，待审查决定是否给予法律援助",
        "已提出指派意见，待决定",
        "已集体讨论，待报区司法局",
        "已书面报请区司法局，待决定",
        "已安排承办人，待签订委托协议",
        "已签订委托协议，办理中",
        "不予法律援助",
    ):
        assert status in first.stdout, status
    # Every institution has its administrator and a practitioner; three judicial organs.
    for code in ("f01", "f08", "g01", "g04"):
        assert re.search(rf"^  inst-{code} ", first.stdout, re.MULTILINE), code
        assert re.search(rf"^  lawyer-{code} ", first.stdout, re.MULTILINE), code
    for organ in ("北碚区人民法院", "北碚区人民检察院", "北碚区公安分局"):
        assert f"办案机关（{organ}" in first.stdout, organ
    assert "/admin/" in first.stdout and "/api/docs" in first.stdout
    assert "注意" not in first.stdout, first.stdout

    second = run_demo(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "演示数据已存在，未重复创建" in second.stdout
    assert counts(db) == before
    old, new = passwords(first.stdout), passwords(second.stdout)
    assert all(old[name] != new[name] for name in USERNAMES)
    with sqlite3.connect(db) as conn:
        live = conn.execute("SELECT COUNT(*) FROM accounts_apitoken WHERE revoked_at IS NULL")
        assert live.fetchone()[0] == 1

    verify = subprocess.run(
        [str(BIN / "fayuan"), "audit", "verify"],
        cwd=tmp_path,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stderr
    assert "哈希链校验通过" in verify.stdout


def test_demo_password_from_the_environment_and_refused_in_production(tmp_path: Path) -> None:
    fixed = {"FAYUAN_DEMO_PASSWORD": "demo-browser-pass-2026"}
    done = run_demo(tmp_path, env=fixed)
    assert done.returncode == 0, done.stderr
    assert set(passwords(done.stdout).values()) == {"demo-browser-pass-2026"}
    with sqlite3.connect(tmp_path / "var" / "fayuan.sqlite3") as conn:
        rows = conn.execute("SELECT username, password FROM auth_user").fetchall()
    assert len(rows) == 38
    argon2 = Argon2PasswordHasher()  # the settings' hasher (the tests' own is a faster one)
    assert all(argon2.verify("demo-browser-pass-2026", hashed) for _name, hashed in rows)

    refused = run_demo(tmp_path, env=fixed | {"FAYUAN_ENV": "production"})
    assert refused.returncode == 1
    assert "FAYUAN_DEMO_PASSWORD" in refused.stderr
    assert "账号" not in refused.stdout


def test_replay_does_not_import_django() -> None:
    code = (
        "import sys, fayuan.cli; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_python_dash_m_fayuan() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fayuan", "demo", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "--no-serve" in result.stdout and "--reset" in result.stdout


def test_fictional_id_numbers_pass_the_checksum() -> None:
    for serial in range(1, 30):
        number = fictional_id_number(datetime(1980, 1, 1).date(), serial, serial % 2 == 0)
        assert id_number_problem(number) == ""


@pytest.mark.django_db
def test_admin_shows_cases_without_personal_data_in_lists(world) -> None:
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "刘勇勇", "500109196706097552", phone="13800001111")],
        organ_id=world.organ.pk,
        letter_number="（2026）渝0109刑初7号",
        letter_received_at=datetime(2026, 9, 30, 10, 0, tzinfo=CST),
    )
    case, _ = do_intake_notification(world.center, world.user("officer"), data)
    User.objects.create_superuser("root", "root@example.com", "pw-root-123")
    client = Client()
    client.force_login(User.objects.get(username="root"))
    listing = client.get("/admin/cases/case/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert case.number in html
    assert "500109196706097552" not in html and "13800001111" not in html

    # The superuser is no role (fayuan.accounts.access.may_see_personal_data): masked, and so
    # no view of personal data; an officer reads the page unmasked, and that view is an event.
    views_before = AuditEvent.objects.filter(action="case.view_personal_data").count()
    detail = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert detail.status_code == 200
    assert "500109196706097552" not in detail.content.decode()
    assert "5001**********7552" in detail.content.decode()
    assert AuditEvent.objects.filter(action="case.view_personal_data").count() == views_before
    ensure_groups()
    officer = world.user("officer")
    officer.is_staff = True
    officer.save()
    staff = Client()
    staff.force_login(officer)
    detail = staff.get(f"/admin/cases/case/{case.pk}/change/")
    assert "500109196706097552" in detail.content.decode()
    assert AuditEvent.objects.filter(action="case.view_personal_data").count() == views_before + 1

    for url in (
        "/admin/",
        "/admin/accounts/staffprofile/",
        "/admin/accounts/apitoken/",
        "/admin/accounts/judicialorgan/",
        "/admin/accounts/declaredperson/",
        "/admin/workflow/engineproposal/",
        "/admin/workflow/officerproposal/",
        "/admin/workflow/approval/",
        "/admin/workflow/assignment/",
        "/admin/workflow/handler/",
        "/admin/workflow/handlerchange/",
        "/admin/workflow/recusal/",
        "/admin/workflow/rotationcredit/",
        "/admin/audit/auditevent/",
    ):
        assert client.get(url).status_code == 200, url
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    # Append-only, even for the superuser.
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/cases/case/add/").status_code == 403


@pytest.mark.django_db
def test_admin_narrows_cases_to_what_the_role_may_see(world) -> None:
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "刘勇勇", "500109196706097552")],
        organ_id=world.organ.pk,
        letter_number="（2026）渝0109刑初8号",
        letter_received_at=datetime(2026, 9, 30, 10, 0, tzinfo=CST),
    )
    case, _ = do_intake_notification(world.center, world.user("officer"), data)
    ensure_groups()
    officer, institution = world.user("officer"), world.user("institution_admin")
    for user in (officer, institution):
        user.is_staff = True
        user.save()
    client = Client()
    client.force_login(officer)
    assert case.number in client.get("/admin/cases/case/").content.decode()
    client.force_login(institution)
    html = client.get("/admin/cases/case/").content.decode()
    assert case.number not in html
    assert client.get(f"/admin/cases/case/{case.pk}/change/").status_code == 302
