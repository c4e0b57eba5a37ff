"""Background tasks without a broker (the embedded demo, the tests): each runs inline, once, and
under its idempotency key a second run sends nothing (`fayuan.tasks`)."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from fayuan import tasks
from fayuan.messaging import sms
from fayuan.messaging.models import KeyStatus, TaskKey

CST = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def test_without_a_broker_a_task_runs_inline_and_twice_sends_once(mailoutbox) -> None:
    assert not tasks.broker_configured()
    first = tasks.run(tasks.send_email, "k:1", "主题", "正文", ["a@example.cn"])
    again = tasks.run(tasks.send_email, "k:1", "主题", "正文", ["a@example.cn"])
    assert (first.state, first.value) == ("done", "sent")
    assert (again.state, again.value) == ("done", "duplicate")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["a@example.cn"]
    row = TaskKey.objects.get(key="k:1")
    assert row.status == KeyStatus.done and row.recipients == 1 and row.attempts == 1


def test_a_failed_send_is_recorded_and_the_next_run_sends(monkeypatch, mailoutbox) -> None:
    calls = {"n": 0}
    real = tasks.send_mail

    def flaky(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionRefusedError("smtp down")
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", flaky)
    failed = tasks.run(tasks.send_email, "k:2", "主题", "正文", ["a@example.cn"])
    assert (failed.state, failed.value) == ("failed", "ConnectionRefusedError")
    row = TaskKey.objects.get(key="k:2")
    assert row.status == KeyStatus.failed and row.error == "ConnectionRefusedError"
    assert mailoutbox == []
    retried = tasks.run(tasks.send_email, "k:2", "主题", "正文", ["a@example.cn"])
    assert retried.value == "sent" and len(mailoutbox) == 1
    assert TaskKey.objects.get(key="k:2").attempts == 2


def test_retries_are_bounded_with_backoff() -> None:
    assert tasks.send_email.max_retries == tasks.MAX_RETRIES == 5
    assert tasks.send_email.retry_backoff and tasks.send_email.retry_jitter
    assert issubclass(ConnectionRefusedError, tasks.send_email.autoretry_for)


def test_a_claim_of_a_worker_that_died_is_taken_again_after_the_lease(mailoutbox) -> None:
    from django.utils import timezone

    TaskKey.objects.create(
        key="k:3", kind="email", status=KeyStatus.running, claimed_at=timezone.now()
    )
    assert tasks.run(tasks.send_email, "k:3", "s", "b", ["a@example.cn"]).value == "duplicate"
    TaskKey.objects.filter(key="k:3").update(claimed_at=timezone.now() - tasks.LEASE * 2)
    assert tasks.run(tasks.send_email, "k:3", "s", "b", ["a@example.cn"]).value == "sent"
    assert len(mailoutbox) == 1


def test_a_broker_that_does_not_answer_falls_back_to_inline(monkeypatch, mailoutbox) -> None:
    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(tasks.send_email, "apply_async", down)
    with override_settings(FAYUAN_BROKER_URL="redis://127.0.0.1:1/0"):
        outcome = tasks.run(tasks.send_email, "k:4", "s", "b", ["a@example.cn"])
    assert outcome.value == "sent" and len(mailoutbox) == 1


def test_with_a_broker_the_task_is_queued(monkeypatch, mailoutbox) -> None:
    sent: list[tuple[Any, Any]] = []
    monkeypatch.setattr(tasks.send_email, "apply_async", lambda a, k: sent.append((a, k)))
    with override_settings(FAYUAN_BROKER_URL="redis://127.0.0.1:6379/15"):
        assert tasks.run(tasks.send_email, "k:5", "s", "b", ["a@example.cn"]).queued
    assert sent == [(("k:5", "s", "b", ["a@example.cn"]), {})] and mailoutbox == []


def test_run_after_commit_waits_for_the_commit(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.run_after_commit(tasks.send_email, "k:6", "s", "b", ["a@example.cn"])
    assert len(callbacks) == 1 and mail.outbox == []
    callbacks[0]()
    assert len(mail.outbox) == 1


# ------------------------------------------------------------------------------ text messages


@override_settings(FAYUAN_SMS_BACKEND="fayuan.messaging.sms.LocmemSmsBackend")
def test_send_sms_through_the_configured_backend_once() -> None:
    sms.LocmemSmsBackend.outbox.clear()
    text = "您的申请已受理。"
    assert tasks.run(tasks.send_sms, "sms:1", "+86 138-0000-1234", text).value == "sent"
    assert tasks.run(tasks.send_sms, "sms:1", "13800001234", text).value == "duplicate"
    assert sms.LocmemSmsBackend.outbox == [sms.Sms("13800001234", text)]


@override_settings(FAYUAN_SMS_BACKEND="fayuan.messaging.sms.LocmemSmsBackend")
def test_a_bad_number_is_refused_in_chinese_and_not_retried() -> None:
    with pytest.raises(sms.SmsError, match="11 位中国大陆手机号"):
        sms.send_sms_now("12345", "x")
    assert not issubclass(sms.SmsError, tasks.TRANSIENT)
    assert tasks.run(tasks.send_sms, "sms:2", "12345", "x").state == "failed"


def test_file_backend_appends_one_json_line_a_message(tmp_path) -> None:
    out = tmp_path / "sms.jsonl"
    with override_settings(
        FAYUAN_SMS_BACKEND="fayuan.messaging.sms.FileSmsBackend", FAYUAN_SMS_FILE_PATH=str(out)
    ):
        sms.send_sms_now("13800001234", "一")
        sms.send_sms_now("13800005678", "二")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line.count('"to"') for line in lines] == [1, 1] and "二" in lines[1]
    assert out.stat().st_mode & 0o777 == 0o600


def test_console_backend_masks_the_number() -> None:
    stream = StringIO()
    sms.ConsoleSmsBackend(stream).send(sms.Sms("13800001234", "您好"))
    assert stream.getvalue() == "短信（未实际发送）至 138****1234：您好\n"


# ------------------------------------------------------------------------------ reminders


def test_deadline_reminders_send_each_center_one_report_a_working_day(world) -> None:
    working_day = datetime(2026, 10, 9, 8, 30, tzinfo=CST).isoformat()  # a Friday
    assert tasks.run(tasks.deadline_reminders, working_day).value == 1
    assert tasks.run(tasks.deadline_reminders, working_day).value == 1  # beat ran twice
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "【指派期限】重庆市北碚区法律援助中心 2026-10-09"
    assert sorted(mail.outbox[0].to) == ["director@example.cn", "officer@example.cn"]
    holiday = datetime(2026, 10, 1, 8, 30, tzinfo=CST).isoformat()  # 国庆节
    make_up_saturday = datetime(2026, 10, 10, 8, 30, tzinfo=CST).isoformat()
    assert tasks.deadline_report("beibei", holiday) == "2026-10-01 is not a working day"
    assert tasks.deadline_report("beibei", make_up_saturday) == "done"
    assert len(mail.outbox) == 2


def test_the_calendar_reminder_task_sends_once_a_year(world) -> None:
    at = datetime(2026, 12, 2, 9, 0, tzinfo=CST).isoformat()
    assert tasks.run(tasks.calendar_reminder, at).value == 1
    assert tasks.run(tasks.calendar_reminder, at).value == 0
    assert len(mail.outbox) == 1 and "2027" in mail.outbox[0].subject


def test_the_deadlines_command_with_a_broker_hands_the_mail_to_the_worker(
    world, monkeypatch
) -> None:
    queued: list[Any] = []
    monkeypatch.setattr(tasks.send_email, "apply_async", lambda a, k: queued.append(a))
    out = StringIO()
    with override_settings(FAYUAN_BROKER_URL="redis://127.0.0.1:6379/15"):
        call_command("deadlines", "--email", "--at", "2026-10-09T09:00+08:00", stdout=out)
    assert "已交由后台任务发送邮件" in out.getvalue() and mail.outbox == []
    key, subject, _body, to = queued[0]
    assert key.startswith("deadlines-command:beibei:") and subject.endswith("2026-10-09")
    assert sorted(to) == ["director@example.cn", "officer@example.cn"]


def test_beat_schedule_is_in_code() -> None:
    from fayuan.worker import BEAT_SCHEDULE, app

    assert app.conf.beat_schedule == BEAT_SCHEDULE
    names = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert names == {
        "fayuan.deadline_reminders",
        "fayuan.calendar_reminder",
        "fayuan.purge_drafts",
        "fayuan.refresh_quality",
    }
    assert names <= set(app.tasks)


# ------------------------------------------------------------------ entering next year's calendar


def test_with_a_broker_the_recompute_is_enqueued_after_commit_and_runs_once(
    world, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    import time_machine

    from fayuan.audit.log import verify
    from fayuan.audit.models import AuditEvent
    from fayuan.cases.models import Case
    from fayuan.holidays.actions import do_enter_holiday_year

    from .test_next_year_calendar import DEC31, HOLIDAYS_2027, MAKEUP_2027, SOURCE_2027
    from .test_next_year_calendar import _notified_and_issued as issued

    with time_machine.travel(DEC31, tick=False):
        number, _ = issued(world, "（2026）渝0109刑初903号", DEC31)
        queued: list[Any] = []
        monkeypatch.setattr(
            tasks.recompute_provisional_deadlines, "apply_async", lambda a, k: queued.append(a)
        )
        director = world.user("director")
        with (
            override_settings(FAYUAN_BROKER_URL="redis://127.0.0.1:6379/15"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            do_enter_holiday_year(director, 2027, HOLIDAYS_2027, MAKEUP_2027, SOURCE_2027)
        case = Case.objects.get(number=number)
        assert case.due_provisional  # not yet: the worker does it
        assert len(queued) == 1
        actor_id, key = queued[0]
        assert actor_id == director.pk and key.startswith("recompute:2027:")
        # The worker runs it (here inline), and a second delivery does nothing.
        assert tasks.run(tasks.recompute_provisional_deadlines, actor_id, key).value == 1
        assert tasks.run(tasks.recompute_provisional_deadlines, actor_id, key).value == 0
    case.refresh_from_db()
    assert not case.due_provisional
    events = AuditEvent.objects.filter(case_id_ref=case.pk, action="case.deadline_recomputed")
    assert events.count() == 1 and events.get().actor_id == director.pk
    assert verify().ok
