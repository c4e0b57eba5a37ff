"""`python -m django audit verify`: walk the audit chain; exit 1 when a record was edited or
deleted."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fayuan.audit.log import verify


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链，发现记录被篡改或删除时以状态 1 退出"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        actions.add_parser("verify", help="校验审计日志的哈希链")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if result.ok:
            self.stdout.write(str(result))
            return
        self.stderr.write(str(result))
        sys.exit(1)
