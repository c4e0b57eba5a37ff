"""Next year's calendar in the service (issue 6 §2; SPEC §5): a case is never refused because
chinese_calendar lacks a year. Its deadline is provisional (暂定), counted from weekends and the
statutory holidays of 《全国年节及纪念日放假办法》, marked wherever it appears, and recomputed,
with an audit event per case, the moment the center enters the year's arrangement.

The 2027 arrangement entered here is a test fixture, not the State Council's (unpublished on
2026-12-01): 元旦 01-01..01-03, 春节 02-05..02-11 with make-up Sunday 02-14 and Saturday 02-20.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from pypdf import PdfReader

from fayuan.audit.log import verify
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case
from fayuan.errors import ActionError
from fayuan.holidays.actions import (
    do_enter_holiday_year,
    missing_next_year,
    remind_next_year,
)
from fayuan.holidays.admin import HolidayYearForm, parse_days
from fayuan.holidays.models import CalendarReminder, HolidayYear
from fayuan.workdays import load_overrides
from fayuan.workflow.deadlines import buckets, report_text
from fayuan.workflow.models import Assignment

from .test_api_support import Api, criminal_notification

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
DEC30 = datetime(2026, 12, 30, 9, 30, tzinfo=CST)  # Wednesday
DEC31 = datetime(2026, 12, 31, 9, 30, tzinfo=CST)  # Thursday


def _days(first: str, last: str) -> list[date]:
    d, end, out = date.fromisoformat(first), date.fromisoformat(last), []
    while d <= end:
        out.append(d)
        d += timedelta(days=1)
    return out


HOLIDAYS_2027 = _days("2027-01-01", "2027-01-03") + _days("2027-02-05", "2027-02-11")
MAKEUP_2027 = [date(2027, 2, 14), date(2027, 2, 20)]
SOURCE_2027 = "测试用 2027 年安排（非国务院通知）"


def _end(day: str) -> str:
    return f"{day}T23:59:59+08:00"


def _notice_text(api: Api, number: str) -> str:
    response = api.get(f"/api/cases/{number}/notice.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return "".join(page.extract_text() for page in reader.pages)


def _notified_and_issued(world, letter: str, received: datetime) -> tuple[str, dict]:
    """A criminal notification through the API on `received`, up to the issued notice."""
    court = Api.token(world.user("judicial_organ"))
    officer = Api.session(world.user("officer"))
    director = Api.session(world.user("director"))
    body = criminal_notification(letter) | {"letter_received_at": received.isoformat()}
    number = court.ok("POST", "/api/notifications", body, status=201)["number"]
    officer.ok("POST", f"/api/cases/{number}/engine", status=201)
    proposal = officer.ok("POST", f"/api/cases/{number}/proposals", status=201)
    base = f"/api/cases/{number}/proposals/{proposal['id']}"
    director.ok("POST", f"{base}/director-decision", {"approve": True})
    assignment = officer.ok("POST", f"{base}/issue", status=201)
    return number, assignment


def test_year_end_criminal_notifications_get_provisional_deadlines_recomputed_on_entry(
    world,
) -> None:
    with time_machine.travel(DEC30, tick=False):
        officer = Api.session(world.user("officer"))
        # Received Wednesday 12-30: local limit Thursday 12-31 (2026 is known) governs; the
        # statutory third day, Saturday 2027-01-02, is counted provisionally (→ Monday 01-04).
        first, _ = _notified_and_issued(world, "（2026）渝0109刑初901号", DEC30)
        status = officer.ok("GET", f"/api/cases/{first}")
        assert status["due_at"] == _end("2026-12-31") and status["due_provisional"] is False
        assert status["statutory_due_at"] == _end("2027-01-04")
        assert status["limits_provisional"] is True
    with time_machine.travel(DEC31, tick=False):
        officer = Api.session(world.user("officer"))
        # Received Thursday 12-31: the next working day is in 2027: 01-01 元旦 (statutory
        # holiday), weekend, so Monday 01-04, provisional; the statutory 01-03 moves there too.
        second, issued = _notified_and_issued(world, "（2026）渝0109刑初902号", DEC31)
        assert issued["due_at"] == _end("2027-01-04") and issued["due_provisional"] is True
        status = officer.ok("GET", f"/api/cases/{second}")
        assert status["due_provisional"] is True and status["local_due_at"] == _end("2027-01-04")
        engine = officer.ok("GET", f"/api/cases/{second}/proposals")[0]["engine"]
        assert engine["due_provisional"] is True
        assert engine["decision"]["deadline_provisional"] is True
        assert "【暂定】" in engine["explanation"]
        assert "（暂定）" in _notice_text(officer, second)

        entry = do_enter_holiday_year(
            world.user("director"), 2027, HOLIDAYS_2027, MAKEUP_2027, SOURCE_2027
        )
        assert HolidayYear.objects.get(year=2027).entered_by == world.user("director")
        for number, due in ((first, "2026-12-31"), (second, "2027-01-04")):
            case = Case.objects.get(number=number)
            assert not case.due_provisional and not case.limits_provisional
            assert case.due_at == datetime.fromisoformat(_end(due))
            event = AuditEvent.objects.get(case_id_ref=case.pk, action="case.deadline_recomputed")
            assert event.data["still_provisional"] is False
            assert event.actor_id == world.user("director").pk
        assignment = Assignment.objects.get(case__number=second, current=True)
        assert not assignment.due_provisional and not assignment.late
        entered = AuditEvent.objects.get(action="calendar.year_entered")
        assert entered.object_id == str(entry.pk) and entered.data["makeup_workdays"] == [
            "2027-02-14",
            "2027-02-20",
        ]
        assert officer.ok("GET", f"/api/cases/{second}")["due_provisional"] is False
        assert "（暂定）" not in _notice_text(officer, second)
    assert verify().ok


def test_an_entered_make_up_day_moves_a_provisional_deadline(world) -> None:
    """The arrangement, not the guess, decides: a (fictional) make-up Sunday 2027-01-03 is a
    working day, so the next working day after Thursday 12-31 becomes 01-03."""
    with time_machine.travel(DEC31, tick=False):
        number, _ = _notified_and_issued(world, "（2026）渝0109刑初903号", DEC31)
        do_enter_holiday_year(
            world.user("director"), 2027, [date(2027, 1, 1)], [date(2027, 1, 3)], "测试"
        )
    case = Case.objects.get(number=number)
    assert case.due_at == datetime.fromisoformat(_end("2027-01-03"))
    event = AuditEvent.objects.get(case_id_ref=case.pk, action="case.deadline_recomputed")
    assert (event.data["old_due_at"], event.data["due_at"]) == (
        _end("2027-01-04"),
        _end("2027-01-03"),
    )
    # Issued on 12-31, still on time against the new deadline.
    assert not Assignment.objects.get(case=case, current=True).late


def test_deadline_lists_mark_a_provisional_deadline(world) -> None:
    with time_machine.travel(DEC31, tick=False):
        court = Api.token(world.user("judicial_organ"))
        body = criminal_notification("（2026）渝0109刑初904号") | {
            "letter_received_at": DEC31.isoformat()
        }
        court.ok("POST", "/api/notifications", body, status=201)
        text = report_text(buckets(world.center, DEC31))
    assert "期限 2027-01-04 23:59（暂定）" in text
    assert "2027 年的国务院节假日安排尚未录入" in text


# ------------------------------------------------------------------------- who may enter


def test_only_the_director_or_the_system_administrator_enters_a_year(world) -> None:
    for role in ("officer", "bureau_section", "institution_admin", "supervisor"):
        with pytest.raises(ActionError) as refused:
            do_enter_holiday_year(world.user(role), 2027, HOLIDAYS_2027, [], SOURCE_2027)
        assert refused.value.kind == "forbidden"
    assert not HolidayYear.objects.exists()
    admin = User.objects.create_superuser("root", password="pw-root")
    assert do_enter_holiday_year(admin, 2027, HOLIDAYS_2027, [], SOURCE_2027).year == 2027


@pytest.mark.parametrize(
    ("holidays", "makeup", "source", "field", "words"),
    [
        ([date(2026, 12, 31)], [], "通知", "holidays", "不在 2027 年内"),
        ([date(2027, 1, 1)], [date(2027, 1, 4)], "通知", "makeup_workdays", "星期一"),
        ([date(2027, 1, 2)], [date(2027, 1, 2)], "通知", "makeup_workdays", "同时列在"),
        ([date(2027, 1, 1)], [], " ", "source", "文号"),
    ],
)
def test_a_wrong_arrangement_is_refused_and_writes_nothing(
    world, holidays, makeup, source, field, words
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ActionError) as refused:
        do_enter_holiday_year(world.user("director"), 2027, holidays, makeup, source)
    assert refused.value.field == field and words in refused.value.message
    assert not HolidayYear.objects.exists() and AuditEvent.objects.count() == before


def test_the_admin_form_shows_every_mistake_at_once_beside_its_field() -> None:
    form = HolidayYearForm(
        data={
            "year": 2027,
            "source": "",
            "holidays": "2027-01-01\n2026-12-31\n二月五日\n2027-02-05 至 2027-02-01",
            "makeup_workdays": "2027-01-04",
        }
    )
    assert not form.is_valid()
    assert "不是日期或日期区间" in " ".join(form.errors["holidays"])
    assert "终点早于起点" in " ".join(form.errors["holidays"])
    assert "星期一" in " ".join(form.errors["makeup_workdays"])
    assert "source" in form.errors


def test_the_admin_form_reads_runs_and_lists() -> None:
    days, errors = parse_days("2027-01-01\n2027-02-05 至 2027-02-07，2027-04-05\n\n")
    assert errors == [] and [d.isoformat() for d in days] == [
        "2027-01-01",
        "2027-02-05",
        "2027-02-06",
        "2027-02-07",
        "2027-04-05",
    ]


def test_a_superuser_enters_the_year_through_the_admin(world) -> None:
    admin = User.objects.create_superuser("root", password="pw-root")
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/holidays/holidayyear/add/",
        {
            "year": "2027",
            "source": SOURCE_2027,
            "note": "",
            "holidays": "2027-01-01 至 2027-01-03\n2027-02-05 至 2027-02-11",
            "makeup_workdays": "2027-02-14\n2027-02-20",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = HolidayYear.objects.get(year=2027)
    assert entry.entered_by == admin and entry.days.count() == 12
    assert AuditEvent.objects.filter(action="calendar.year_entered").count() == 1


# ------------------------------------------------------------------------- reminder and export


def test_the_reminder_starts_on_the_policys_day_and_ends_when_the_year_is_entered(world) -> None:
    assert missing_next_year(world.center, datetime(2026, 11, 30, 23, 0, tzinfo=CST)) is None
    assert missing_next_year(world.center, datetime(2026, 12, 1, 0, 0, tzinfo=CST)) == 2027
    do_enter_holiday_year(world.user("director"), 2027, HOLIDAYS_2027, [], SOURCE_2027)
    assert missing_next_year(world.center, datetime(2026, 12, 1, 0, 0, tzinfo=CST)) is None


def test_officers_and_the_director_receive_one_e_mail_and_see_a_banner(world) -> None:
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=CST), tick=False):
        sent = remind_next_year()
        again = remind_next_year()
        client = Client()
        client.force_login(world.user("officer"))
        page = client.get("/").content.decode()
    assert [r.year for r in sent] == [2027] and again == []
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"officer@example.cn", "director@example.cn"}
    assert "2027" in mail.outbox[0].subject
    assert CalendarReminder.objects.count() == 1
    assert "2027 年的国务院节假日安排尚未录入" in page


def test_export_writes_the_overrides_file_replay_reads(world, tmp_path: Path) -> None:
    do_enter_holiday_year(world.user("director"), 2027, HOLIDAYS_2027, MAKEUP_2027, SOURCE_2027)
    out = tmp_path / "overrides.toml"
    call_command("holidays", "export", "--out", str(out), stdout=io.StringIO())
    year = load_overrides(out)[2027]
    assert sorted(year.holidays) == HOLIDAYS_2027 and sorted(year.makeup_workdays) == MAKEUP_2027
    assert year.source == SOURCE_2027


def test_export_to_a_missing_folder_fails_and_leaves_no_file(world, tmp_path: Path) -> None:
    do_enter_holiday_year(world.user("director"), 2027, HOLIDAYS_2027, [], SOURCE_2027)
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command("holidays", "export", "--out", str(tmp_path / "no" / "o.toml"))
    assert list(tmp_path.iterdir()) == []


def test_an_entered_year_moves_open_review_and_agreement_deadlines(world) -> None:
    """法律援助法第四十三条 (7 days to review) and 程序规定第二十七条 (5 days to the agreement)
    end on a working day: a year entered later can move them, as it moves the 第六条 deadline."""
    from fayuan.cases.actions import CaseInput, PartyInput, do_intake_application

    received = datetime(2026, 12, 28, 9, 30, tzinfo=CST)  # Monday
    with time_machine.travel(received, tick=False):
        application = do_intake_application(
            world.center,
            world.user("officer"),
            CaseInput(
                category="civil",
                locality="天生街道",
                parties=[PartyInput("aided", "赵小红", "500109196706097552")],
                channel="counter",
            ),
        )
    with time_machine.travel(DEC30, tick=False):
        number, _ = _notified_and_issued(world, "（2026）渝0109刑初9001号", DEC30)
    assigned = Case.objects.get(number=number)
    # Provisionally 2027-01-01 is the only holiday (and 2-3 a weekend): both end on Monday 4th.
    assert _end_day(application.review_due_at) == "2027-01-04"
    assert _end_day(assigned.agreement_due_at) == "2027-01-04"
    with time_machine.travel(DEC31, tick=False):
        do_enter_holiday_year(
            world.user("director"), 2027, _days("2027-01-01", "2027-01-05"), [], SOURCE_2027
        )
    application.refresh_from_db()
    assigned.refresh_from_db()
    assert _end_day(application.review_due_at) == "2027-01-06"
    assert _end_day(assigned.agreement_due_at) == "2027-01-06"
    events = AuditEvent.objects.filter(
        action="case.deadline_recomputed", case_id_ref=application.pk
    )
    assert events.get().data["review_due_at"].startswith("2027-01-06T23:59:59")
    # A year that changes nothing for them leaves them, and the log, alone.
    before = AuditEvent.objects.count()
    with time_machine.travel(DEC31, tick=False):
        do_enter_holiday_year(
            world.user("director"), 2027, _days("2027-01-01", "2027-01-05"), [], SOURCE_2027
        )
    assert AuditEvent.objects.count() == before + 1  # the entry itself only


def _end_day(moment: datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(CST).date().isoformat()
