"""The supervision and administration pages: the audit log in Chinese (no `cases.case#2`), the
roster, the rotation's published order (第十一条) and the accounts, each for the roles it is
for, each list in few queries."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook

from fayuan.accounts.models import Role, StaffProfile
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_application
from fayuan.cases.models import Case
from fayuan.roster.models import Institution, Practitioner
from fayuan.workflow.models import RotationCredit

from .conftest import make_user

pytestmark = pytest.mark.django_db


def login(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def some_cases(world: Any, n: int = 3) -> list[Case]:
    out = []
    for i in range(n):
        data = CaseInput(
            category="civil",
            locality="天生街道",
            parties=[PartyInput("aided", f"申请人{i}", is_applicant=True)],
            channel="counter",
        )
        out.append(do_intake_application(world.center, world.user("officer"), data))
    return out


def cells(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


# --- the audit log ------------------------------------------------------------------------------


def test_the_audit_log_speaks_chinese(world: Any) -> None:
    case = some_cases(world, 1)[0]
    page = login(world, "director").get("/audit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "受理法律援助申请" in text
    assert f"案件 {case.number}" in text
    shown = cells(text)  # what a reader sees (the filter's option values are codes)
    assert "cases.case" not in text and "case.intake_application" not in shown
    assert "officer" in text  # who, by login name (and full name)
    assert "/admin/holidays/" in text  # the director's way to the calendar entry


def test_the_audit_log_filters(world: Any) -> None:
    first, second, _ = some_cases(world)
    client = login(world, "supervisor")
    by_case = client.get("/audit/", {"case": second.number}).content.decode()
    assert second.number in by_case and first.number not in by_case
    by_action = client.get("/audit/", {"action": "case.intake_application"}).content.decode()
    assert by_action.count("受理法律援助申请") >= 3
    nobody = client.get("/audit/", {"actor": "no-such-person"}).content.decode()
    assert "没有符合条件的记录" in nobody
    dated = client.get("/audit/", {"since": "2000-01-01", "until": "2000-01-02"}).content.decode()
    assert "没有符合条件的记录" in dated


def test_the_audit_log_exports_what_it_shows(world: Any) -> None:
    some_cases(world, 2)
    book = login(world, "director").get("/audit/", {"export": "xlsx"})
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "时间", "操作人", "操作", "对象", "内容")
    assert all("cases.case" not in str(cell) for row in rows for cell in row)
    assert len(rows) - 1 == AuditEvent.objects.count()


def test_the_audit_log_is_for_its_roles(world: Any) -> None:
    for role in ("officer", "institution_admin", "practitioner", "judicial_organ"):
        assert login(world, role).get("/audit/").status_code == 403, role


def test_the_audit_log_takes_few_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    some_cases(world, 8)
    client = login(world, "director")
    with django_assert_max_num_queries(10):
        assert client.get("/audit/").status_code == 200


# --- the roster ---------------------------------------------------------------------------------


def test_the_roster_lists_institutions_and_practitioners(world: Any) -> None:
    page = login(world, "supervisor").get("/roster/")
    text = page.content.decode()
    assert page.status_code == 200
    some = Practitioner.objects.filter(center=world.center).order_by("code").first()
    assert some is not None
    assert some.name in text and some.institution.name in text
    assert "执业日期" in text and "刑事辩护件数" in text and "未成年人案件" in text


def test_the_roster_filters_and_exports(world: Any) -> None:
    f04 = Institution.objects.get(center=world.center, code="F04")
    client = login(world, "officer")
    page = client.get("/roster/", {"institution": f04.pk}).content.decode()
    others = Practitioner.objects.filter(center=world.center).exclude(institution=f04)
    assert all(f">{p.code}<" not in page for p in others)
    book = client.get("/roster/", {"institution": f04.pk, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    assert sheet.max_row - 1 == Practitioner.objects.filter(institution=f04).count()


def test_the_roster_is_not_for_institutions(world: Any) -> None:
    assert login(world, "institution_admin").get("/roster/").status_code == 403


def test_the_roster_takes_few_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    client = login(world, "director")
    with django_assert_max_num_queries(13):  # the same for any number of rows
        assert client.get("/roster/").status_code == 200


# --- the rotation -------------------------------------------------------------------------------


def test_the_rotation_shows_the_order_the_engine_follows(world: Any) -> None:
    firms = Institution.objects.filter(center=world.center, kind="law_firm", status="active")
    leader = firms.order_by("sequence").first()
    assert leader is not None
    # A firm's stored credit puts it first.
    last = firms.order_by("-sequence").first()
    assert last is not None
    RotationCredit.objects.create(center=world.center, institution=last, credit=1000)
    page = login(world, "bureau_leader").get("/rotation/")
    assert page.status_code == 200
    text = page.content.decode()
    order = text[text.index("依次为") :]
    assert order.index(last.name) < order.index(leader.name)
    assert "1000" in text and "排名依据" in text and "近 90 日" in text


def test_the_rotation_is_for_the_center_the_bureau_and_supervisors(world: Any) -> None:
    for role in ("officer", "director", "bureau_section", "bureau_leader", "supervisor"):
        assert login(world, role).get("/rotation/").status_code == 200, role
    for role in ("institution_admin", "practitioner", "judicial_organ"):
        assert login(world, role).get("/rotation/").status_code == 403, role


def test_the_rotation_takes_few_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    client = login(world, "supervisor")
    with django_assert_max_num_queries(14):
        assert client.get("/rotation/").status_code == 200


# --- accounts -----------------------------------------------------------------------------------


def test_the_director_creates_a_practitioner_s_login(world: Any) -> None:
    lawyer = Practitioner.objects.filter(center=world.center, account__isnull=True).first()
    assert lawyer is not None
    client = login(world, "director")
    response = client.post(
        "/accounts/new/",
        {
            "role": "practitioner",
            "username": "lawyer-new",
            "full_name": lawyer.name,
            "practitioner": lawyer.pk,
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    password = re.search(r"<code>([^<]+)</code>", text)
    assert password is not None and "只显示这一次" in text
    user = User.objects.get(username="lawyer-new")
    assert user.check_password(password.group(1))
    assert user.profile.practitioner == lawyer and user.profile.role == Role.practitioner
    assert user.groups.filter(name="practitioner").exists()
    event = AuditEvent.objects.get(action="account.create")
    assert password.group(1) not in str(event.data)
    log = cells(client.get("/audit/").content.decode())
    assert "新建账号" in log and "auth.user" not in log
    # Logs in with it, on the login page.
    signed_in = Client().post("/login/", {"username": "lawyer-new", "password": password.group(1)})
    assert signed_in.status_code == 302


def test_a_login_needs_its_tie_and_a_free_name(world: Any) -> None:
    client = login(world, "director")
    response = client.post(
        "/accounts/new/", {"role": "judicial_organ", "username": "x1", "full_name": "某"}
    )
    assert "须选择本中心的办案机关" in response.content.decode()
    response = client.post(
        "/accounts/new/",
        {
            "role": "judicial_organ",
            "username": "officer",
            "full_name": "某",
            "organ": world.organ.pk,
        },
    )
    assert "已被使用" in response.content.decode()
    assert not AuditEvent.objects.filter(action="account.create").exists()


def test_the_director_deactivates_a_login(world: Any) -> None:
    organ_user = world.user("judicial_organ")
    client = login(world, "director")
    refused = client.post(f"/accounts/{organ_user.pk}/", {"active": "0", "reason": ""})
    assert "须填写原因" in refused.content.decode()
    response = client.post(f"/accounts/{organ_user.pk}/", {"active": "0", "reason": "调离"})
    assert response.status_code == 302
    organ_user.refresh_from_db()
    assert not organ_user.is_active
    event = AuditEvent.objects.get(action="account.update")
    assert event.data["reason"] == "调离"
    page = client.get(f"/accounts/{organ_user.pk}/").content.decode()
    assert "已停用" in page and "修改账号" in page


def test_accounts_are_for_the_director_and_the_section_head(world: Any) -> None:
    assert login(world, "bureau_section").get("/accounts/").status_code == 200
    for role in ("officer", "supervisor", "bureau_leader", "judicial_organ"):
        assert login(world, role).get("/accounts/").status_code == 403, role
    plain = make_user(world.center, "section2", Role.bureau_section)
    client = Client()
    client.force_login(plain)
    assert client.get("/accounts/new/").status_code == 403


def test_another_center_s_login_is_not_found(world: Any) -> None:
    from fayuan.roster.models import Center

    other = Center.objects.create(code="lianhua", name="莲花区法律援助中心", notice_prefix="莲援指")
    stranger = make_user(other, "stranger", Role.officer)
    assert login(world, "director").get(f"/accounts/{stranger.pk}/").status_code == 404


def test_the_accounts_list_takes_few_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        make_user(world.center, f"extra{n}", Role.officer)
    client = login(world, "director")
    with django_assert_max_num_queries(10):
        response = client.get("/accounts/")
    assert response.status_code == 200
    assert StaffProfile.objects.count() > 10
