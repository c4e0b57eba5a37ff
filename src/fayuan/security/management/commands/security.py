"""`fayuan manage security rekey`: after a key rotation, re-encrypt every stored ID number with
the first key of FAYUAN_FIELD_KEY and recompute its hash with FAYUAN_MATCH_KEY. Keep the old
Fernet key in the list until this has run; then it can be dropped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from fayuan.accounts.models import DeclaredPerson, StaffProfile
from fayuan.cases.models import Party

MODELS: tuple[Any, ...] = (Party, StaffProfile, DeclaredPerson)


def rekey(batch: int = 500) -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in MODELS:
        done = 0
        last = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.filter(pk__gt=last).order_by("pk").only("pk", "id_number")[:batch]
                )
                for row in rows:
                    if row.id_number:
                        row.save(update_fields=["id_number", "id_number_hash"])
                        done += 1
            if not rows:
                break
            last = rows[-1].pk
        counts[model._meta.label] = done
    return counts


class Command(BaseCommand):
    help = (
        "安全：rekey 用第一个 FAYUAN_FIELD_KEY 重新加密全部身份证号，并按 FAYUAN_MATCH_KEY 重算哈希"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{rekey}")
        actions.add_parser("rekey", help="密钥轮换后重新加密身份证号、重算比对哈希")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rekey()
        for label, n in counts.items():
            self.stdout.write(f"{label}：已重新加密 {n} 个身份证号")
