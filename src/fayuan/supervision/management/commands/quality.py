"""fayuan manage quality [--center CODE] [--date YYYY-MM-DD]

第九条 办案质量评分: every practitioner's and institution's score computed again (the daily task
`fayuan.refresh_quality` does the same), and the scores below the policy's threshold listed.
Exit status 0; 1 with a Chinese message on bad input, the database unchanged."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fayuan.roster.models import Center, Practitioner
from fayuan.supervision import quality
from fayuan.supervision.actions import do_refresh_quality, values_for


class Command(BaseCommand):
    help = "重新计算办案质量评分（第九条），并列出低于指派建议分数线的承办人。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", help="法律援助中心编码（默认全部）")
        parser.add_argument("--date", help="评分日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = None
        if options.get("date"):
            try:
                as_of = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date：“{options['date']}”不是 YYYY-MM-DD 格式的日期。"
                ) from None
        centers = Center.objects.order_by("pk")
        if options.get("center"):
            centers = centers.filter(code=options["center"])
            if not centers.exists():
                raise CommandError(f"--center：没有编码为“{options['center']}”的法律援助中心。")
        for center in centers:
            changed = do_refresh_quality(center, None, as_of)
            values = values_for(center, as_of)
            self.stdout.write(f"{center.name}：{len(changed)} 项评分有变化。")
            for p in Practitioner.objects.filter(center=center).order_by("code"):
                row = quality.current(p)
                if row is not None and quality.calls_for_advice(row, values):
                    assert row.value is not None
                    self.stdout.write(
                        f"  低于 {values.quality_advice_threshold:g} 分：{p.name}（{p.code}）"
                        f"{row.value:.1f}，{row.formula}"
                    )
