"""API tokens for judicial organs and integrations (`Authorization: Bearer <token>`).

    python -m django api_token create USERNAME --name NAME   prints the token once
    python -m django api_token list [USERNAME]               prefixes, names, state
    python -m django api_token revoke PREFIX                 the token stops working at once

Only the token's SHA-256 digest and its first characters are stored; a lost token cannot be
shown again, only revoked and replaced. Creating and revoking are audit events.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from fayuan.accounts.models import ApiToken, StaffProfile
from fayuan.audit import log as audit

PREFIX_LENGTH = 8


class Command(BaseCommand):
    help = "签发、列出或吊销 API 令牌（办案机关和对接系统使用）。"

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        create = commands.add_parser("create", help="为用户签发令牌（只显示一次）")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="用途，如 北碚区法院案件系统")
        listing = commands.add_parser("list", help="列出令牌")
        listing.add_argument("username", nargs="?")
        revoke = commands.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("prefix", help="令牌前缀（list 显示的前 8 个字符）")

    def handle(self, *args: Any, **options: Any) -> None:
        command = options["command"]
        if command == "create":
            self._create(options["username"], options["name"])
        elif command == "list":
            self._list(options.get("username"))
        else:
            self._revoke(options["prefix"])

    def _create(self, username: str, name: str) -> None:
        name = name.strip()
        if not name:
            raise CommandError("请用 --name 写明令牌用途。")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户 {username}。")
        if not user.is_active:
            raise CommandError(f"用户 {username} 已停用，不能签发令牌。")
        if not StaffProfile.objects.filter(user=user).exists():
            raise CommandError(f"用户 {username} 没有人员档案（角色），令牌将无权做任何事。")
        raw = ApiToken.new_raw()
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user, name=name[:100], prefix=raw[:PREFIX_LENGTH], digest=ApiToken.hash(raw)
            )
            audit.record(
                None,
                "api_token.create",
                token,
                data={"user": username, "name": token.name, "prefix": token.prefix},
            )
        self.stdout.write(raw)
        self.stderr.write(
            f"已为 {username} 签发令牌“{token.name}”（前缀 {token.prefix}）。"
            "令牌只显示这一次，请妥善交付；遗失后只能吊销重发。"
        )

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("created_at", "id")
        if username:
            tokens = tokens.filter(user__username=username)
        for token in tokens:
            state = f"已吊销 {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "有效"
            self.stdout.write(
                f"{token.prefix}\t{token.user.get_username()}\t{token.name}\t"
                f"{token.created_at:%Y-%m-%d %H:%M}\t{state}"
            )

    def _revoke(self, prefix: str) -> None:
        matches = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if not matches:
            raise CommandError(f"没有前缀为 {prefix} 的有效令牌。")
        if len(matches) > 1:
            raise CommandError(f"前缀 {prefix} 对应多个令牌，请联系管理员在后台吊销。")
        token = matches[0]
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(None, "api_token.revoke", token, data={"prefix": token.prefix})
        self.stdout.write(f"已吊销令牌 {prefix}（{token.name}）。")
