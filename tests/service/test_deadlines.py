"""第六条 deadlines (SPEC §5) in the service: the lists, the `deadlines` command, the home page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import Client

from fayuan import cli
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_notification
from fayuan.cases.models import Case
from fayuan.workflow import actions, deadlines

CST = timezone(timedelta(hours=8))
# 2026: 10-01..10-07 National Day, Saturday 10-10 a make-up working day (SPEC §5).
AT_0930 = datetime(2026, 9, 30, 10, 0, tzinfo=CST)  # criminal → due 2026-10-08 23:59:59
AT_1008 = datetime(2026, 10, 8, 15, 0, tzinfo=CST)  # criminal → due 2026-10-09 23:59:59
MORNING_1008 = datetime(2026, 10, 8, 9, 0, tzinfo=CST)
LAST_SECOND_1008 = datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST)
MIDNIGHT_1009 = datetime(2026, 10, 9, 0, 0, tzinfo=CST)


def notify(world, letter: str, received: datetime, actor: str = "officer") -> Case:
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "刘勇勇", "500109196706097552")],
        organ_id=world.organ.pk,
        letter_number=letter,
        letter_received_at=received,
    )
    case, created = do_intake_notification(world.center, world.user(actor), data)
    assert created
    return case


def numbers(rows: Iterable[deadlines.DeadlineRow | Case]) -> list[str]:
    return [r.number if isinstance(r, Case) else r.case.number for r in rows]


@pytest.fixture
def two_cases(world) -> tuple[Case, Case]:
    today = notify(world, "（2026）渝0109刑初1号", AT_0930)
    tomorrow = notify(world, "（2026）渝0109刑初2号", AT_1008, actor="judicial_organ")
    assert today.due_at == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST)
    assert tomorrow.due_at == datetime(2026, 10, 9, 23, 59, 59, tzinfo=CST)
    return today, tomorrow


@pytest.mark.django_db
def test_due_today_versus_tomorrow(world, two_cases) -> None:
    today, tomorrow = two_cases
    for now in (MORNING_1008, LAST_SECOND_1008):
        assert numbers(deadlines.due_today(world.center, now)) == [today.number]
        assert deadlines.overdue(world.center, now) == []
        within = deadlines.due_within_working_day(world.center, now)
        assert numbers(within) == [today.number, tomorrow.number]
    row = deadlines.due_today(world.center, MORNING_1008)[0]
    assert row.time_left == timedelta(hours=14, minutes=59, seconds=59)
    assert not row.overdue
    assert deadlines.format_time_left(row.time_left) == "剩余 14 小时 59 分"


@pytest.mark.django_db
def test_overdue_from_the_first_second_after_the_deadline(world, two_cases) -> None:
    today, tomorrow = two_cases
    assert numbers(deadlines.overdue(world.center, MIDNIGHT_1009)) == [today.number]
    assert numbers(deadlines.due_today(world.center, MIDNIGHT_1009)) == [tomorrow.number]
    late = deadlines.overdue(world.center, MIDNIGHT_1009)[0]
    assert late.time_left == timedelta(seconds=-1)
    assert late.overdue
    assert deadlines.format_time_left(late.time_left) == "已超期 0 分"
    assert deadlines.format_time_left(timedelta(days=-1, hours=-3)) == "已超期 1 天 3 小时"


@pytest.mark.django_db
def test_next_working_day_skips_the_holiday(world, two_cases) -> None:
    # From 2026-09-30 the next working day is 10-08 (10-01..10-07 off).
    end = deadlines.end_of_next_working_day(datetime(2026, 9, 30, 9, 0, tzinfo=CST))
    assert end == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST)
    # From Friday 10-09 the next working day is the make-up Saturday 10-10.
    end = deadlines.end_of_next_working_day(datetime(2026, 10, 9, 9, 0, tzinfo=CST))
    assert end == datetime(2026, 10, 10, 23, 59, 59, tzinfo=CST)
    # On 2026-09-30 only the first case falls due before the end of 10-08.
    within = deadlines.due_within_working_day(world.center, datetime(2026, 9, 30, 12, tzinfo=CST))
    assert numbers(within) == [two_cases[0].number]


@pytest.mark.django_db
def test_assigned_cases_leave_the_lists_and_late_ones_are_flagged(world, two_cases) -> None:
    today, tomorrow = two_cases
    officer, director = world.user("officer"), world.user("director")
    on_time = actions.do_propose(today, officer)
    actions.do_director_decide(on_time, director, approve=True)
    actions.do_issue_assignment(on_time, officer, at=LAST_SECOND_1008)
    late = actions.do_propose(tomorrow, world.user("officer2"))
    actions.do_director_decide(late, director, approve=True)
    after = datetime(2026, 10, 10, 0, 0, 1, tzinfo=CST)
    assignment = actions.do_issue_assignment(late, officer, at=after)
    assert assignment.late

    assert deadlines.overdue(world.center, after) == []
    assert deadlines.due_within_working_day(world.center, after) == []
    rows = deadlines.assigned_late(world.center)
    assert numbers(rows) == [tomorrow.number]
    assert rows[0].assignment == assignment
    assert rows[0].time_left == timedelta(seconds=-2)
    # The officer of a late assignment is the one who proposed it.
    assert rows[0].officer_name == "officer2"
    assert deadlines.assigned_late(world.center, officer=world.user("officer")) == []
    assert deadlines.assigned_late(world.center, since=after + timedelta(seconds=1)) == []


@pytest.mark.django_db
def test_per_officer(world, two_cases) -> None:
    today, tomorrow = two_cases
    officer, officer2 = world.user("officer"), world.user("officer2")
    # Taken in by the officer; the organ's own submission has no officer until a proposal.
    assert numbers(deadlines.waiting_cases(world.center, officer)) == [today.number]
    assert numbers(deadlines.waiting_cases(world.center, officer2)) == []
    rows = deadlines.due_within_working_day(world.center, MORNING_1008)
    assert [r.officer_name for r in rows] == ["officer", "未确定"]
    # The latest proposal's officer is responsible from then on.
    actions.do_propose(tomorrow, officer2)
    assert numbers(deadlines.waiting_cases(world.center, officer2)) == [tomorrow.number]
    rows = deadlines.due_within_working_day(world.center, MORNING_1008, officer=officer2)
    assert numbers(rows) == [tomorrow.number]


@pytest.mark.django_db
def test_command_prints_the_report(world, two_cases) -> None:
    today, tomorrow = two_cases
    out = StringIO()
    call_command("deadlines", "--center", "beibei", "--at", "2026-10-08T09:00+08:00", stdout=out)
    text = out.getvalue()
    assert "重庆市北碚区法律援助中心 指派期限报告（2026-10-08 09:00，北京时间）" in text
    head, rest = text.split("【已超过指派期限、尚未指派】0 件")
    assert "【今日到期、尚未指派】1 件" in head and today.number in head
    assert "剩余 14 小时 59 分" in head
    within, late = rest.split("【超期指派")
    assert "【下一个工作日（2026-10-09）结束前到期】1 件" in within
    assert tomorrow.number in within and today.number not in within
    assert "】0 件" in late
    assert "officer：1 / 0 / 0 / 0" in text and "未确定：0 / 0 / 1 / 0" in text


@pytest.mark.django_db
def test_command_emails_the_officers_and_the_director(world, two_cases, mailoutbox) -> None:
    out = StringIO()
    call_command("deadlines", "--email", "--at", "2026-10-09T00:00+08:00", stdout=out)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == ["director@example.cn", "officer@example.cn"]
    assert mail.subject == "【指派期限】重庆市北碚区法律援助中心 2026-10-09"
    assert "【已超过指派期限、尚未指派】1 件" in mail.body
    assert two_cases[0].number in mail.body
    assert "已发送邮件 1 封" in out.getvalue()


@pytest.mark.django_db
def test_unknown_center_is_an_error(world, capsys, monkeypatch) -> None:
    monkeypatch.setattr(connections, "close_all", lambda: None)  # see test_audit_command
    with pytest.raises(CommandError, match="没有编码为“nope”的法律援助中心。现有：beibei。"):
        call_command("deadlines", "--center", "nope")
    assert cli.main(["manage", "deadlines", "--center", "nope"]) == 1
    assert "没有编码为“nope”的法律援助中心" in capsys.readouterr().err


@pytest.mark.django_db
def test_home_page_lists_the_buckets_for_an_officer(world, two_cases) -> None:
    client = Client()
    client.force_login(world.user("officer"))
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("今日到期", "已超过指派期限", "下一个工作日", "超期指派"):
        assert title in html
    # Both cases were due in October 2026; today they are overdue.
    assert two_cases[0].number in html and two_cases[1].number in html
    # Each case links to its own page, not to the admin.
    assert f'href="/cases/{two_cases[0].number}/"' in html
    assert "/admin/cases/" not in html
    # "Mine" narrows the deadline report (the to-do lists above it are the center's).
    mine = client.get("/?mine=1").content.decode().split("<h2>指派期限</h2>")[1]
    assert two_cases[0].number in mine and two_cases[1].number not in mine


@pytest.mark.django_db
def test_home_page_sends_anonymous_users_to_the_login(world) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


@pytest.mark.django_db
def test_home_page_tells_an_institution_it_has_no_report(world) -> None:
    client = Client()
    client.force_login(world.user("institution_admin"))
    html = client.get("/").content.decode()
    # Its home lists what awaits the institution, not the center's deadline report.
    assert "新指派、待安排承办人" in html
    assert "今日到期" not in html


@pytest.mark.django_db
def test_every_role_can_sign_in_on_the_login_page(world) -> None:
    from django.test import Client

    client = Client()
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "court", "password": "pw-court", "next": "/"})
    assert response.status_code == 302
    assert client.get("/api/cases").status_code == 200
