"""The shared staff pages: the case list (filters, pages, Excel), the case page (masked parties,
the audited reveal, the timeline in Chinese, the next step), the to-do home and the menus."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client
from openpyxl import load_workbook

from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_notification
from fayuan.cases.models import Case
from fayuan.workflow import actions

CST = timezone(timedelta(hours=8))
ID = "500109196706097552"


def _letter(world, n: int, category: str = "criminal", name: str = "刘勇勇") -> Case:
    data = CaseInput(
        category=category,
        locality="天生街道",
        parties=[PartyInput("aided", name, ID, phone="13800001234", address="北碚区天生路1号")],
        organ_id=world.organ.pk,
        letter_number=f"（2026）渝0109刑初{n}号",
        letter_received_at=datetime(2026, 11, 30, 10, 0, tzinfo=CST),
    )
    case, _ = do_intake_notification(world.center, world.user("judicial_organ"), data)
    return case


def _client(world, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


@pytest.mark.django_db
def test_case_list_shows_the_centers_cases_and_filters_them(world) -> None:
    first = _letter(world, 1, name="刘勇勇")
    second = _letter(world, 2, name="王小明")
    client = _client(world, "officer")
    html = client.get("/cases/").content.decode()
    assert first.number in html and second.number in html
    # A party's name is searched, never shown in the list.
    found = client.get("/cases/", {"q": "王小明"}).content.decode()
    assert second.number in found and first.number not in found
    assert "王小明" not in found.split("<table>")[1]
    civil = client.get("/cases/", {"category": "civil"}).content.decode()
    assert first.number not in civil and "没有符合条件的记录" in civil


@pytest.mark.django_db
def test_case_list_overdue_filter_both_sides_of_the_deadline(world, time_machine) -> None:
    time_machine.move_to(datetime(2026, 11, 30, 12, 0, tzinfo=CST))
    case = _letter(world, 3)
    assert case.due_at is not None
    client = _client(world, "officer")
    time_machine.move_to(case.due_at - timedelta(minutes=1))
    client = _client(world, "officer")
    assert case.number not in client.get("/cases/", {"overdue": "on"}).content.decode()
    time_machine.move_to(case.due_at + timedelta(minutes=1))
    client = _client(world, "officer")  # a new session: the old one has expired meanwhile
    assert case.number in client.get("/cases/", {"overdue": "on"}).content.decode()


@pytest.mark.django_db
def test_case_list_exports_what_it_shows_as_excel(world) -> None:
    case = _letter(world, 4)
    response = _client(world, "officer").get("/cases/", {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("案件编号", "类别", "来源")
    assert rows[1][0] == case.number and rows[1][1] == "刑事"
    # No personal data in the workbook.
    assert not any("刘勇勇" in str(v) or ID in str(v) for row in rows for v in row)


@pytest.mark.django_db
def test_case_list_queries_do_not_grow_with_the_cases(world, django_assert_max_num_queries) -> None:
    for n in range(30):
        _letter(world, 100 + n)
    client = _client(world, "officer")
    with django_assert_max_num_queries(12):
        assert client.get("/cases/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/cases/", {"q": "刘", "overdue": "on"}).status_code == 200


@pytest.mark.django_db
def test_case_page_masks_parties_and_records_the_view(world) -> None:
    case = _letter(world, 5)
    before = AuditEvent.objects.filter(case_id_ref=case.pk, action="case.view").count()
    html = _client(world, "officer").get(f"/cases/{case.number}/").content.decode()
    assert "刘*勇" in html and "5001**********7552" in html and "138****1234" in html
    assert ID not in html and "13800001234" not in html and "天生路" not in html
    assert AuditEvent.objects.filter(case_id_ref=case.pk, action="case.view").count() == before + 1
    # The timeline in Chinese, not action codes.
    assert "登记通知辩护（代理）公函" in html and "case.intake_notification" not in html


@pytest.mark.django_db
def test_reveal_is_a_post_shows_everything_and_is_audited(world) -> None:
    case = _letter(world, 6)
    client = _client(world, "officer")
    assert client.get(f"/cases/{case.number}/reveal/").status_code == 405
    before = AuditEvent.objects.filter(action="case.view_personal_data").count()
    html = client.post(f"/cases/{case.number}/reveal/").content.decode()
    assert ID in html and "13800001234" in html and "北碚区天生路1号" in html
    assert AuditEvent.objects.filter(action="case.view_personal_data").count() == before + 1


@pytest.mark.django_db
def test_reveal_is_refused_to_a_role_that_does_not_need_it(world) -> None:
    case = _letter(world, 7)
    client = _client(world, "judicial_organ")
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "显示完整个人信息" not in page
    assert client.post(f"/cases/{case.number}/reveal/").status_code == 403
    assert not AuditEvent.objects.filter(
        action="case.view_personal_data", actor=world.user("judicial_organ")
    ).exists()


@pytest.mark.django_db
def test_an_institution_does_not_see_a_case_it_never_held(world) -> None:
    case = _letter(world, 8)
    client = _client(world, "institution_admin")
    assert client.get(f"/cases/{case.number}/").status_code == 404
    assert case.number not in client.get("/cases/").content.decode()


@pytest.mark.django_db
def test_case_page_offers_the_next_step_for_this_user(world) -> None:
    case = _letter(world, 9)
    proposal = actions.do_propose(case, world.user("officer"))
    html = _client(world, "director").get(f"/cases/{case.number}/").content.decode()
    # Whatever page the director decides on, the case page says the reasoning and the route.
    assert "为何指派给该机构" in html
    assert proposal.engine_proposal.explanation.splitlines()[0] in html


@pytest.mark.django_db
def test_home_lists_what_awaits_each_role(world) -> None:
    case = _letter(world, 10)
    officer = _client(world, "officer").get("/").content.decode()
    assert "待提出指派意见" in officer and case.number in officer
    court = _client(world, "judicial_organ").get("/").content.decode()
    assert "本机关发出的通知公函" in court and case.number in court
    firm = _client(world, "institution_admin").get("/").content.decode()
    assert "新指派、待安排承办人" in firm and case.number not in firm


@pytest.mark.django_db
def test_every_role_has_a_menu_with_its_pages(world) -> None:
    for role in (
        "officer",
        "director",
        "bureau_section",
        "bureau_leader",
        "institution_admin",
        "practitioner",
        "judicial_organ",
        "supervisor",
    ):
        html = _client(world, role).get("/").content.decode()
        assert 'aria-label="主菜单"' in html, role
        assert 'href="/" aria-current="page">待办' in html, role


def _recusal_section(html: str) -> str:
    return html.split("待决定的回避")[1].split("</section>")[0]


@pytest.mark.django_db
def test_a_recusal_is_offered_only_to_the_body_that_decides_it(world) -> None:
    """第八条: the director's own recusal is decided by the 管理科, not by the director."""
    from fayuan.workflow.recusal import do_apply_recusal

    case = _letter(world, 11)
    do_apply_recusal(case, world.user("director"), "与受援人系同学")
    director = _client(world, "director")
    assert "决定回避申请" not in director.get(f"/cases/{case.number}/").content.decode()
    assert case.number not in _recusal_section(director.get("/").content.decode())
    section = _client(world, "bureau_section")
    assert "决定回避申请" in section.get(f"/cases/{case.number}/").content.decode()
    assert case.number in _recusal_section(section.get("/").content.decode())
    # Anyone of the center may ask to stand aside from a case.
    assert "申请回避" in _client(world, "officer").get(f"/cases/{case.number}/").content.decode()


def test_every_audit_action_the_code_records_has_a_chinese_name() -> None:
    """The audit log is read by people: no action shows as a bare code (其他操作（…）)."""
    import re
    from pathlib import Path

    from fayuan.web.describe import ACTION_NAMES

    src = Path(__file__).resolve().parents[2] / "src" / "fayuan"
    recorded: set[str] = set()
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"record\(\s*[^,]+,\s*f?\"([a-z_]+\.[a-z_{}]+)\"", text):
            recorded.add(call.group(1))
    steps = {f"approval.{s}" for s in ("director_decision", "collective_discussion")}
    recorded = {a for a in recorded if "{" not in a} | steps
    assert recorded, "no audit.record calls found"
    assert sorted(recorded - ACTION_NAMES.keys()) == []
