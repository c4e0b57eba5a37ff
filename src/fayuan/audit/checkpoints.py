"""Signed checkpoints of the audit chain, kept outside the database.

The hash chain (`fayuan.audit.log`) shows an edit or a deletion, but not a rewrite by someone
with write access to the database who recomputes every hash after the edit and moves the head:
the rewritten chain is as consistent as the original. A checkpoint closes that gap. Every so
often (`fayuan audit checkpoint`, or `periodic_checkpoint` from a scheduler) the service checks
the events since the last checkpoint, then signs (seq, hash, time) of the chain's last event with
an Ed25519 key that is not in the database (`FAYUAN_AUDIT_SIGNING_KEY`, a PEM file), and appends
the signed line to a file (`FAYUAN_AUDIT_CHECKPOINTS`, JSON Lines; point it at WORM storage or a
file with `chattr +a`, and copy it off the machine). `fayuan audit verify` then checks the
signatures with the public key alone (`FAYUAN_AUDIT_VERIFY_KEY`) and that the chain still holds
every signed (seq, hash): a rewrite before a checkpoint changes the hash at its seq, a rewound
head leaves it short.

What a checkpoint cannot cover is the events after the newest one: verify says how many.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from fayuan.audit.log import Anchor, VerifyResult, verify

log = logging.getLogger("fayuan.audit")

VERSION = 1
#: Domain separation: a checkpoint signature is never valid as anything else.
CONTEXT = b"fayuan-audit-checkpoint-v1\n"


class CheckpointError(Exception):
    """Why no checkpoint could be written or read, in Chinese."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # UTC, ISO 8601, when it was signed
    key: str  # the signing key's id (`key_id`)
    sig: str = ""  # base64 Ed25519 signature of `message()`
    line: int = 0  # its line in the file (1-based), once read

    def message(self) -> bytes:
        body = {"v": VERSION, "seq": self.seq, "hash": self.hash, "at": self.at, "key": self.key}
        return CONTEXT + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        body = {
            "v": VERSION,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at,
            "key": self.key,
            "sig": self.sig,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    def label(self) -> str:
        where = f"检查点文件第 {self.line} 行的" if self.line else ""
        return f"{where}签名检查点（第 {self.seq} 号事件，{self.at} 签署）"

    def anchor(self) -> Anchor:
        return Anchor(self.seq, self.hash, self.label())


# --- keys --------------------------------------------------------------------------------------


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def write_key_pair(folder: Path) -> tuple[Path, Path]:
    """A new key pair: `audit-signing.pem` (mode 0600) and `audit-verify.pem`."""
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private, public = folder / "audit-signing.pem", folder / "audit-verify.pem"
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private_pem(key))
    public.write_bytes(public_pem(key.public_key()))
    return private, public


def _read_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise CheckpointError(f"无法读取审计签名私钥 {path}：{exc.strerror}") from None
    except (ValueError, TypeError):
        raise CheckpointError(f"{path} 不是未加密的 PEM 私钥") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} 不是 Ed25519 私钥")
    return key


def _dev_key(path: Path) -> Ed25519PrivateKey:
    """DEBUG only: the development signing key, generated on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _read_private(path)
        with os.fdopen(fd, "wb") as out:
            out.write(private_pem(Ed25519PrivateKey.generate()))
    return _read_private(path)


def signing_key() -> Ed25519PrivateKey:
    configured = getattr(settings, "FAYUAN_AUDIT_SIGNING_KEY", None)
    if configured:
        return _read_private(Path(configured))
    dev = getattr(settings, "FAYUAN_AUDIT_DEV_KEY", None)
    if dev:
        return _dev_key(Path(dev))
    raise CheckpointError(
        "未设置 FAYUAN_AUDIT_SIGNING_KEY（审计签名私钥 PEM 文件的路径）。"
        "生成密钥对：fayuan audit keygen --out 目录；私钥只放在运行 fayuan audit checkpoint 的"
        "机器上，公钥用于校验（FAYUAN_AUDIT_VERIFY_KEY）。"
    )


def verify_key() -> Ed25519PublicKey | None:
    """The public key: FAYUAN_AUDIT_VERIFY_KEY, else the signing key's (when this machine has
    it, or has the development key); None when neither is there."""
    configured = getattr(settings, "FAYUAN_AUDIT_VERIFY_KEY", None)
    if configured:
        path = Path(configured)
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except OSError as exc:
            raise CheckpointError(f"无法读取审计校验公钥 {path}：{exc.strerror}") from None
        except ValueError:
            raise CheckpointError(f"{path} 不是 PEM 公钥") from None
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointError(f"{path} 不是 Ed25519 公钥")
        return key
    if getattr(settings, "FAYUAN_AUDIT_SIGNING_KEY", None) or getattr(
        settings, "FAYUAN_AUDIT_DEV_KEY", None
    ):
        return signing_key().public_key()
    return None


# --- the file ----------------------------------------------------------------------------------


def checkpoints_path() -> Path:
    return Path(settings.FAYUAN_AUDIT_CHECKPOINTS)


def read_checkpoints(path: Path, public: Ed25519PublicKey | None) -> list[Checkpoint]:
    """Every checkpoint of the file, each signature checked; a line that does not parse, is
    not signed by `public`, or goes back in seq or time is a `CheckpointError` naming it."""
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"无法读取检查点文件 {path}：{exc}") from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if lines and public is None:
        raise CheckpointError(
            f"检查点文件 {path} 有 {len(lines)} 个检查点，但没有校验公钥："
            "请设置 FAYUAN_AUDIT_VERIFY_KEY（公钥 PEM 文件的路径）"
        )
    found: list[Checkpoint] = []
    for n, line in lines:
        try:
            raw: Any = json.loads(line)
            cp = Checkpoint(
                seq=int(raw["seq"]),
                hash=str(raw["hash"]),
                at=str(raw["at"]),
                key=str(raw["key"]),
                sig=str(raw["sig"]),
                line=n,
            )
            signature = base64.b64decode(cp.sig, validate=True)
        except (ValueError, KeyError, TypeError):
            raise CheckpointError(f"检查点文件 {path} 第 {n} 行不是有效的检查点") from None
        assert public is not None
        if cp.key != key_id(public):
            raise CheckpointError(
                f"检查点文件 {path} 第 {n} 行由另一个密钥（{cp.key}）签署，"
                f"不是校验公钥（{key_id(public)}）所对应的私钥"
            )
        try:
            public.verify(signature, cp.message())
        except InvalidSignature:
            raise CheckpointError(
                f"检查点文件 {path} 第 {n} 行的签名无效：检查点被伪造或篡改"
            ) from None
        if found and (cp.seq < found[-1].seq or cp.at < found[-1].at):
            raise CheckpointError(
                f"检查点文件 {path} 第 {n} 行早于上一行（第 {found[-1].seq} 号事件，"
                f"{found[-1].at}）：检查点文件被改动"
            )
        found.append(cp)
    return found


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())


def write_checkpoint(path: Path | None = None) -> Checkpoint:
    """Check the events since the last checkpoint and sign the chain's last (seq, hash).

    Refuses (CheckpointError) when the chain does not verify from the last checkpoint on: a
    checkpoint must never vouch for a tampered chain."""
    path = path or checkpoints_path()
    key = signing_key()
    public = key.public_key()
    earlier = read_checkpoints(path, public)
    start = earlier[-1].anchor() if earlier else None
    result = verify(start=start)
    if not result.ok:
        raise CheckpointError(f"拒绝签署检查点：{result.problem}")
    at = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    if earlier and at < earlier[-1].at:
        at = earlier[-1].at  # a clock set back never makes the file go back in time
    unsigned = Checkpoint(result.events, result.last_hash, at, key_id(public))
    signature = base64.b64encode(key.sign(unsigned.message())).decode("ascii")
    checkpoint = Checkpoint(unsigned.seq, unsigned.hash, at, unsigned.key, signature)
    _append(path, checkpoint.to_json())
    log.info("audit checkpoint: seq %s hash %s", checkpoint.seq, checkpoint.hash)
    return checkpoint


def periodic_checkpoint() -> dict[str, Any]:
    """The hook for a scheduler (cron, a systemd timer, a Celery beat task): one checkpoint,
    as a plain dict. Raises CheckpointError (and logs it) when it cannot sign."""
    try:
        checkpoint = write_checkpoint()
    except CheckpointError as exc:
        log.error("audit checkpoint failed: %s", exc)
        raise
    return {"seq": checkpoint.seq, "hash": checkpoint.hash, "at": checkpoint.at}


# --- verifying ---------------------------------------------------------------------------------


NO_CHECKPOINT = "未找到签名检查点，只校验了哈希链（它发现不了重算全部哈希的改写）。"


@dataclass(frozen=True)
class CheckedResult:
    chain: VerifyResult
    checkpoints: int = 0
    newest: Checkpoint | None = None
    problem: str = ""  # a checkpoint-file problem (bad signature, unreadable), in Chinese
    required: bool = False

    @property
    def ok(self) -> bool:
        if self.problem or not self.chain.ok:
            return False
        return not (self.required and self.checkpoints == 0)

    def __str__(self) -> str:
        if self.problem:
            return f"审计日志校验失败：{self.problem}"
        if not self.chain.ok:
            return str(self.chain)
        if self.newest is None:
            if self.required:
                return "审计日志校验失败：" + NO_CHECKPOINT
            return f"{self.chain}{NO_CHECKPOINT}"
        after = self.chain.events - self.newest.seq
        tail = f"最新检查点之后还有 {after} 条事件尚未签署。" if after else ""
        return (
            f"审计日志完整：共 {self.chain.events} 条事件，哈希链校验通过，"
            f"与 {self.checkpoints} 个签名检查点一致（最新：第 {self.newest.seq} 号事件，"
            f"{self.newest.at}）。{tail}"
        )


def verify_with_checkpoints(
    path: Path | None = None, public: Ed25519PublicKey | None = None, required: bool = False
) -> CheckedResult:
    path = path or checkpoints_path()
    try:
        key = public if public is not None else verify_key()
        found = read_checkpoints(path, key)
    except CheckpointError as exc:
        return CheckedResult(VerifyResult(False, 0), problem=str(exc), required=required)
    chain = verify(anchors=[c.anchor() for c in found])
    return CheckedResult(chain, len(found), found[-1] if found else None, required=required)
