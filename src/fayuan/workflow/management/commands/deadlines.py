"""`python -m django deadlines [--center CODE] [--email]`: what is due today, what is overdue,
what falls due within a working day and what was assigned late (第六条; SPEC §5), in Chinese;
with `--email`, sent (by the worker when there is one, `fayuan.tasks`) to the center's officers
and director."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fayuan import tasks
from fayuan.holidays.actions import remind_next_year
from fayuan.policy.deadlines import CHINA_TZ
from fayuan.roster.models import Center
from fayuan.workflow.deadlines import buckets, report_text

#: The center's officers and director with an e-mail address, active accounts only.
recipients = tasks.center_recipients


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--at 应为 ISO 格式的时间，如 2026-10-08T09:00+08:00：{text}") from exc
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=CHINA_TZ)


class Command(BaseCommand):
    help = "指派期限报告：今日到期、已超期、下一个工作日内到期、超期指派（第六条）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", help="法律援助中心编码（默认：全部中心）")
        parser.add_argument(
            "--email", action="store_true", help="同时用电子邮件发给中心的指派人员和负责人"
        )
        parser.add_argument(
            "--late-days", type=int, default=30, help="列出最近多少天的超期指派（默认 30）"
        )
        parser.add_argument("--at", help="按这一时刻出报告（ISO 格式，默认现在）")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["center"]
        if code:
            centers = list(Center.objects.filter(code=code))
            if not centers:
                known = "、".join(Center.objects.order_by("code").values_list("code", flat=True))
                raise CommandError(
                    f"没有编码为“{code}”的法律援助中心。" + (f"现有：{known}。" if known else "")
                )
        else:
            centers = list(Center.objects.order_by("code"))
            if not centers:
                raise CommandError("数据库中还没有法律援助中心，请先导入名册。")
        now = _moment(options["at"]) if options["at"] else timezone.now()
        for n, center in enumerate(centers):
            text = report_text(buckets(center, now, late_days=options["late_days"]))
            if n:
                self.stdout.write("")
            self.stdout.write(text)
            if options["email"]:
                self._send(center, text, now)
        if options["email"]:
            # SPEC §5: one e-mail per center while next year's arrangement is missing.
            for reminder in remind_next_year(now):
                self.stdout.write(
                    f"已提醒 {reminder.center.name} 录入 {reminder.year} 年节假日安排"
                )

    def _send(self, center: Center, text: str, now: datetime) -> None:
        to = recipients(center)
        if not to:
            self.stderr.write(f"{center.name}：没有填写电子邮箱的指派人员或负责人，未发送邮件。")
            return
        # Through the worker (retried if the mail server is down); a key per run of the command,
        # so a task delivered twice sends once, and running the command again sends again.
        key = f"deadlines-command:{center.code}:{timezone.now().isoformat()}"
        outcome = tasks.run(tasks.send_email, key, tasks.deadline_subject(center, now), text, to)
        if outcome.queued:
            self.stdout.write(f"已交由后台任务发送邮件，收件人：{'、'.join(to)}")
        elif outcome.value == "sent":
            self.stdout.write(f"已发送邮件 1 封，收件人：{'、'.join(to)}")
        else:
            self.stderr.write(f"{center.name}：邮件未能发送（{outcome.value}），请检查邮件设置。")
