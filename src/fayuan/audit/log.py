"""Writing and verifying the audit chain.

`record` is called inside the action's transaction; it locks the chain head, so two actions at
once append one after the other and the chain stays exact (FACTS.md: row locks on PostgreSQL,
IMMEDIATE transactions on SQLite). The head is the last lock in the order of `fayuan.locks`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from fayuan import locks
from fayuan.audit.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    case_id: int | None,
    data: dict[str, Any],
    prev_hash: str,
) -> bytes:
    body = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "case": case_id,
        "data": data,
        "prev": prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(
        _canonical(
            event.seq,
            event.at,
            event.actor_id,
            event.actor_label,
            event.action,
            event.object_type,
            event.object_id,
            event.case_id_ref,
            event.data,
            event.prev_hash,
        )
    ).hexdigest()


def _label(actor: AbstractBaseUser | AnonymousUser | None) -> tuple[int | None, str]:
    if actor is None:
        return None, "系统"  # a background task, a command
    if not actor.is_authenticated:
        # Someone not signed in: an applicant online, or a status lookup by SMS code.
        return None, "公众（未登录）"
    return int(actor.pk), actor.get_username()


def record(
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: Any = None,
    *,
    object_type: str = "",
    object_id: str = "",
    case: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction (`transaction.atomic`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the action's transaction")
    # The last lock of every action (fayuan.locks: audit head, rank 8).
    head = locks.audit_head()
    actor_id, actor_label = _label(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    case_id = None if case is None else int(case.pk)
    payload = json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))
    event = AuditEvent(
        seq=head.last_seq + 1,
        at=timezone.now(),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id_ref=case_id,
        data=payload,
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    event.save()
    AuditHead.objects.filter(pk=head.pk).update(last_seq=event.seq, last_hash=event.hash)
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    problem: str = ""  # Chinese, naming the first broken event
    last_hash: str = GENESIS  # the hash of the last event checked

    def __str__(self) -> str:
        if self.ok:
            return f"审计日志完整：共 {self.events} 条事件，哈希链校验通过。"
        return f"审计日志校验失败：{self.problem}"


@dataclass(frozen=True)
class Anchor:
    """A (seq, hash) the chain must still hold, from outside the database: a signed checkpoint
    (`fayuan.audit.checkpoints`). `label` names it in Chinese."""

    seq: int
    hash: str
    label: str


def verify(
    batch: int = 2000, anchors: Sequence[Anchor] = (), start: Anchor | None = None
) -> VerifyResult:
    """Walk the chain in order: every hash recomputes, every event links to the one before, no
    sequence number is missing, and the head matches the last event.

    The chain alone cannot show a rewrite by someone who recomputes every hash and the head;
    `anchors` can: each must still name an event of that hash. `start` walks only the events
    after an anchor already known good (the checkpoint writer checks what it is about to sign).
    """
    prev_hash, expected_seq, count = GENESIS, 1, 0
    wanted: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        wanted.setdefault(anchor.seq, []).append(anchor)
    if start is not None and start.seq > 0:
        first = AuditEvent.objects.filter(seq=start.seq).first()
        if first is None or first.hash != start.hash:
            return VerifyResult(
                False, 0, f"{start.label}：第 {start.seq} 号事件已不是签署时的内容，日志被改写"
            )
        prev_hash, expected_seq, count = start.hash, start.seq + 1, start.seq
    while True:
        rows = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                return VerifyResult(
                    False,
                    count,
                    f"缺少第 {expected_seq} 号事件（下一条为第 {event.seq} 号），记录被删除",
                )
            if event.prev_hash != prev_hash:
                return VerifyResult(
                    False, count, f"第 {event.seq} 号事件与前一条事件不衔接，记录被删除或篡改"
                )
            if event_hash(event) != event.hash:
                return VerifyResult(
                    False, count, f"第 {event.seq} 号事件的内容与其哈希不符，记录被篡改"
                )
            for anchor in wanted.get(event.seq, ()):
                if anchor.hash != event.hash:
                    return VerifyResult(
                        False,
                        count,
                        f"与{anchor.label}不符：第 {event.seq} 号事件已不是签署时的内容，"
                        "检查点之后日志被改写（哈希被重新计算）",
                    )
            prev_hash, expected_seq, count = event.hash, expected_seq + 1, count + 1
    for anchor in anchors:
        if anchor.seq > count:
            return VerifyResult(
                False,
                count,
                f"与{anchor.label}不符：签署时已有第 {anchor.seq} 号事件，现在只有 {count} 条，"
                "检查点之后日志被截断或回退",
            )
    head = AuditHead.objects.filter(name="main").first()
    if head is not None and (head.last_seq != count or head.last_hash != prev_hash):
        # Events appended while the walk ran are no deletion: the chain checked is a prefix.
        if head.last_seq > count and AuditEvent.objects.filter(seq=count + 1).exists():
            return VerifyResult(True, count, last_hash=prev_hash)
        return VerifyResult(
            False, count, f"日志末尾被删除：应有 {head.last_seq} 条事件，实有 {count} 条"
        )
    return VerifyResult(True, count, last_hash=prev_hash)
