"""fayuan manage quality [--center CODE] [--date YYYY-MM-DD]

第九条 办案质量评分. Without --date: every practitioner's and institution's score computed again
today and kept (the daily task `fayuan.refresh_quality` does the same), then the scores below
the policy's threshold listed. With --date: the scores as they stood (or will stand) on that day,
computed from the records and listed, nothing written (the rules use today's). Exit status 0;
1 with a Chinese message on bad input, the database unchanged."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fayuan.policy.quality import QualityScore, quality_score
from fayuan.roster.models import Center, Practitioner
from fayuan.supervision import quality
from fayuan.supervision.actions import do_refresh_quality, values_for


class Command(BaseCommand):
    help = "重新计算办案质量评分（第九条），并列出低于指派建议分数线的承办人；--date 只查看不写入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", help="法律援助中心编码（默认全部）")
        parser.add_argument("--date", help="查看该日的评分 YYYY-MM-DD（只查看，不写入）")

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
            day = as_of or quality.today()
            values = values_for(center, day)
            if as_of is None:
                changed = do_refresh_quality(center, None)
                self.stdout.write(f"{center.name}：{len(changed)} 项评分有变化。")
            else:
                self.stdout.write(f"{center.name}：{day.isoformat()} 的评分（只查看，未写入）。")
            by_practitioner, _ = quality.records(center, values, day)
            for p in Practitioner.objects.filter(center=center).order_by("code"):
                score: QualityScore = quality_score(by_practitioner.get(p.pk, ()), values, day)
                if score.calls_for_advice(values):
                    assert score.value is not None
                    self.stdout.write(
                        f"  低于 {values.quality_advice_threshold:g} 分：{p.name}（{p.code}）"
                        f"{score.value:.1f}，{score.formula()}"
                    )
