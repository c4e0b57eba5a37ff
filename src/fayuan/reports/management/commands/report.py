"""fayuan manage report --center CODE (--month YYYY-MM | --year YYYY) --out DIR

Writes the report to the bureau (第九、十三条) as report-<center>-<period>.xlsx and .pdf in DIR,
each atomically. Exit status 0 when both are written; 1 with a Chinese message otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fayuan.reports.figures import Period, PeriodError, compute
from fayuan.reports.output import write_report
from fayuan.roster.models import Center


class Command(BaseCommand):
    help = "生成向区司法局反馈的统计报表（Excel 与 PDF）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", required=True, help="法律援助中心编码，如 beibei")
        parser.add_argument("--month", help="月份，如 2026-11")
        parser.add_argument("--year", help="年度，如 2026")
        parser.add_argument("--out", required=True, help="输出目录")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(month=options.get("month"), year=options.get("year"))
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        center = Center.objects.filter(code=options["center"]).first()
        if center is None:
            raise CommandError(f"没有编码为“{options['center']}”的法律援助中心。")
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"输出位置“{out}”不是目录。")
        try:
            xlsx, pdf = write_report(compute(center, period), out)
        except OSError as exc:
            raise CommandError(f"无法写入报表：{exc.strerror or exc}（{out}）") from None
        self.stdout.write(f"已生成 {center.name} {period.label} 统计报表：\n{xlsx}\n{pdf}")
