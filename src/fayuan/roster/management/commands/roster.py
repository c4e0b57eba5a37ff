"""`python -m django roster import FILE --center CODE [--format json|xlsx]` and
`python -m django roster export FILE --center CODE [--format json|xlsx]`.

A bad file exits non-zero with every problem in Chinese and leaves the database unchanged; an
export is written beside the target and renamed over it, so no partial file is ever left."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fayuan.roster.actions import RosterImportError, do_import_roster, json_locator
from fayuan.roster.io_excel import export_roster_xlsx, read_roster_xlsx
from fayuan.roster.io_json import dump_roster_json, parse_roster_json
from fayuan.roster.models import Center

FORMATS = ("json", "xlsx")


def _format(path: Path, given: str | None) -> str:
    if given:
        return given
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise CommandError(f"无法从文件名 {path.name} 判断格式，请用 --format json 或 --format xlsx")


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file in the target's directory, then rename it over `path`."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "导入或导出法律援助中心的名册（SPEC §12 的 JSON，或 Excel 工作簿）"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        for name, text in (("import", "从文件导入名册"), ("export", "把名册导出到文件")):
            sub = actions.add_parser(name, help=text)
            sub.add_argument("file", type=Path, help="名册文件（.json 或 .xlsx）")
            sub.add_argument("--center", required=True, help="法律援助中心编码")
            sub.add_argument("--format", choices=FORMATS, help="文件格式（默认按扩展名）")
            if name == "import":
                sub.add_argument("--user", help="记入审计日志的操作人用户名（默认 system）")

    def handle(self, *args: Any, **options: Any) -> None:
        center = Center.objects.filter(code=options["center"]).first()
        if center is None:
            raise CommandError(f"未知的法律援助中心：{options['center']}")
        path: Path = options["file"]
        fmt = _format(path, options["format"])
        if options["action"] == "import":
            self._import(center, path, fmt, options.get("user"))
        else:
            data = export_roster_xlsx(center) if fmt == "xlsx" else dump_roster_json(center)
            try:
                write_atomically(path, data)
            except OSError as exc:
                raise CommandError(f"无法写入 {path}：{exc.strerror}") from exc
            self.stdout.write(f"已导出名册到 {path}")

    def _import(self, center: Center, path: Path, fmt: str, username: str | None) -> None:
        actor: AbstractBaseUser | None = None
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"未知用户：{username}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc.strerror}") from exc
        try:
            if fmt == "xlsx":
                roster, locate = read_roster_xlsx(data, center.code, center.name)
            else:
                roster, locate = parse_roster_json(data), json_locator
            summary = do_import_roster(center, roster, actor, locate=locate)
        except RosterImportError as exc:
            raise CommandError(f"{path}：{exc}") from exc
        self.stdout.write(f"已导入名册 {path}：{summary}")
