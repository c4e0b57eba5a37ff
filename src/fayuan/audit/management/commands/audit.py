"""`python -m django audit verify`: walk the audit chain and check it against the signed
checkpoints; exit 1 when a record was edited, deleted or rewritten. `audit checkpoint` signs the
chain's current end (`fayuan.audit.checkpoints`); `audit keygen --out DIR` makes the key pair."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fayuan.audit.checkpoints import (
    NO_CHECKPOINT,
    CheckpointError,
    verify_with_checkpoints,
    write_checkpoint,
    write_key_pair,
)


class Command(BaseCommand):
    help = (
        "审计日志：verify 校验哈希链和签名检查点，发现记录被篡改、删除或改写时以状态 1 退出；"
        "checkpoint 签署当前的日志末尾；keygen 生成签名密钥对"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{verify,checkpoint,keygen}"
        )
        check = actions.add_parser("verify", help="校验哈希链和签名检查点")
        check.add_argument(
            "--checkpoints", type=Path, help="检查点文件（默认 FAYUAN_AUDIT_CHECKPOINTS）"
        )
        check.add_argument(
            "--require-checkpoints",
            action="store_true",
            help="没有检查点时也以状态 1 退出",
        )
        sign = actions.add_parser("checkpoint", help="校验新事件后签署日志末尾，追加到检查点文件")
        sign.add_argument(
            "--checkpoints", type=Path, help="检查点文件（默认 FAYUAN_AUDIT_CHECKPOINTS）"
        )
        keygen = actions.add_parser("keygen", help="生成 Ed25519 签名密钥对")
        keygen.add_argument("--out", type=Path, required=True, help="写入密钥对的目录")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "keygen":
                private, public = write_key_pair(options["out"])
                self.stdout.write(
                    f"私钥：{private}（只放在签署检查点的机器上，FAYUAN_AUDIT_SIGNING_KEY）\n"
                    f"公钥：{public}（校验用，FAYUAN_AUDIT_VERIFY_KEY）"
                )
                return
            if action == "checkpoint":
                cp = write_checkpoint(options.get("checkpoints"))
                self.stdout.write(f"已签署检查点：第 {cp.seq} 号事件，{cp.hash}，{cp.at}")
                return
        except FileExistsError as exc:
            self.stderr.write(f"fayuan audit {action}：密钥文件已存在，未覆盖：{exc.filename}")
            sys.exit(1)
        except CheckpointError as exc:
            self.stderr.write(f"fayuan audit {action}：{exc}")
            sys.exit(1)
        result = verify_with_checkpoints(
            options.get("checkpoints"), required=options.get("require_checkpoints", False)
        )
        if result.ok and result.newest is None:  # the chain's verdict, and a warning
            self.stdout.write(str(result.chain))
            self.stderr.write(NO_CHECKPOINT)
            return
        if result.ok:
            self.stdout.write(str(result))
            return
        self.stderr.write(str(result))
        sys.exit(1)
