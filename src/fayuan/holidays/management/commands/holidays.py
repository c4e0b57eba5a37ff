"""`fayuan manage holidays export --out FILE` writes the years entered in the service as the
overrides file `replay --calendar` reads (whole or not at all); `fayuan manage holidays remind`
sends the once-a-year reminder while next year's arrangement is missing (SPEC §5)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fayuan.holidays.actions import remind_next_year
from fayuan.holidays.calendar import entered_arrangements
from fayuan.workdays import dump_overrides


def write_atomically(path: Path, text: str) -> None:
    """Written beside, then renamed: a failed write leaves no partial file."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "法定节假日安排：export 导出为日历补充文件；remind 提醒录入下一年的安排"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        export = sub.add_parser("export", help="把已录入的年份导出为日历补充文件（TOML）")
        export.add_argument("--out", required=True, help="输出文件路径")
        sub.add_parser("remind", help="下一年安排缺失时，给各中心发一次提醒邮件")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "remind":
            for reminder in remind_next_year():
                self.stdout.write(
                    f"已提醒 {reminder.center.name}：{reminder.year} 年安排尚未录入"
                    f"（{len(reminder.recipients)} 人）"
                )
            return
        years = entered_arrangements()
        if not years:
            raise CommandError("尚未录入任何年份的节假日安排，没有可导出的内容。")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"输出目录不存在：{out.parent}")
        try:
            write_atomically(out, dump_overrides(years.values()))
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror or exc}") from exc
        self.stdout.write(
            f"已导出 {len(years)} 个年份（{'、'.join(map(str, sorted(years)))}）到 {out}"
        )
