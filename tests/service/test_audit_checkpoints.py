"""Signed audit checkpoints (`fayuan.audit.checkpoints`): someone with database access who edits
an event, recomputes every later hash and moves the head leaves a chain that verifies by
itself; against the Ed25519-signed checkpoints kept outside the database it does not, and
verify names the checkpoint it contradicts."""

from __future__ import annotations

import json
import os
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections, transaction

from fayuan import cli
from fayuan.audit.checkpoints import (
    CheckpointError,
    periodic_checkpoint,
    read_checkpoints,
    verify_key,
    verify_with_checkpoints,
    write_checkpoint,
    write_key_pair,
)
from fayuan.audit.log import GENESIS, event_hash, record, verify
from fayuan.audit.models import AuditEvent, AuditHead

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings, tmp_path: Path) -> tuple[Path, Path, Path]:
    private, public = write_key_pair(tmp_path / "keys")
    settings.FAYUAN_AUDIT_SIGNING_KEY = str(private)
    settings.FAYUAN_AUDIT_VERIFY_KEY = str(public)
    settings.FAYUAN_AUDIT_DEV_KEY = None
    file = tmp_path / "worm" / "checkpoints.jsonl"
    settings.FAYUAN_AUDIT_CHECKPOINTS = str(file)
    return private, public, file


def events(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with transaction.atomic():
            record(None, "test.event", object_type="test", object_id=str(i), data={"n": i})


def rewrite(seq: int, data: dict[str, object]) -> None:
    """What an attacker with database access does: change one event, recompute the hash of it
    and of every later event, and move the head to the new last hash."""
    before = AuditEvent.objects.filter(seq=seq - 1).first()
    prev = before.hash if before else GENESIS
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        if event.seq == seq:
            event.data = data
        event.prev_hash = prev
        event.hash = event_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(
            data=event.data, prev_hash=event.prev_hash, hash=event.hash
        )
        prev = event.hash
    AuditHead.objects.filter(name="main").update(last_hash=prev)


def test_a_checkpoint_signs_the_chain_end_and_verify_agrees(keys) -> None:
    _, _, file = keys
    events(3)
    cp = write_checkpoint()
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None and (cp.seq, cp.hash) == (last.seq, last.hash)
    line = json.loads(file.read_text(encoding="utf-8"))
    assert set(line) == {"v", "seq", "hash", "at", "key", "sig"}
    events(2, start=3)
    result = verify_with_checkpoints()
    assert result.ok, str(result)
    assert "与 1 个签名检查点一致" in str(result)
    assert "最新检查点之后还有 2 条事件尚未签署" in str(result)
    write_checkpoint()
    assert [c.seq for c in read_checkpoints(file, verify_key())] == [3, 5]


def test_a_rewrite_with_recomputed_hashes_passes_the_chain_but_not_the_checkpoints(keys) -> None:
    events(6)
    write_checkpoint()
    events(2, start=6)
    rewrite(2, {"n": 99, "note": "改写"})

    assert verify().ok  # the chain alone cannot see it
    result = verify_with_checkpoints()
    assert not result.ok
    message = str(result)
    assert "检查点文件第 1 行的签名检查点（第 6 号事件" in message
    assert "第 6 号事件已不是签署时的内容" in message

    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("audit", "verify", stdout=out, stderr=err)
    assert exit_.value.code == 1
    assert "检查点文件第 1 行的签名检查点" in err.getvalue()


def test_a_rewound_head_is_found_by_the_checkpoint(keys) -> None:
    events(5)
    write_checkpoint()
    # Delete the last two events and move the head back to the third: a consistent, shorter
    # chain (QuerySet.delete goes past the model's append-only guard, as raw SQL would).
    AuditEvent.objects.filter(seq__gt=3).delete()
    third = AuditEvent.objects.get(seq=3)
    AuditHead.objects.filter(name="main").update(last_seq=3, last_hash=third.hash)
    assert verify().ok
    result = verify_with_checkpoints()
    assert not result.ok
    assert "签署时已有第 5 号事件，现在只有 3 条" in str(result)


def test_an_edited_or_forged_checkpoint_line_fails(keys, tmp_path: Path) -> None:
    _, _, file = keys
    events(3)
    write_checkpoint()
    line = json.loads(file.read_text(encoding="utf-8"))
    line["hash"] = "f" * 64
    file.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = verify_with_checkpoints()
    assert not result.ok and "第 1 行的签名无效" in str(result)

    # A checkpoint signed by another key (the attacker's own) is refused too.
    other, _ = write_key_pair(tmp_path / "attacker")
    file.unlink()
    from django.conf import settings

    settings.FAYUAN_AUDIT_SIGNING_KEY = str(other)
    write_checkpoint()
    settings.FAYUAN_AUDIT_SIGNING_KEY = None
    result = verify_with_checkpoints()
    assert not result.ok and "由另一个密钥" in str(result)


def test_no_checkpoint_is_signed_over_a_tampered_chain(keys) -> None:
    events(3)
    write_checkpoint()
    events(2, start=3)
    AuditEvent.objects.filter(seq=4).update(data={"n": 42})
    with pytest.raises(CheckpointError, match="拒绝签署检查点：第 4 号事件的内容与其哈希不符"):
        write_checkpoint()
    with pytest.raises(CheckpointError):
        periodic_checkpoint()


def test_verify_needs_only_the_public_key(keys, settings) -> None:
    events(2)
    write_checkpoint()
    settings.FAYUAN_AUDIT_SIGNING_KEY = None  # the verifying machine has no private key
    assert verify_with_checkpoints().ok
    settings.FAYUAN_AUDIT_VERIFY_KEY = None
    result = verify_with_checkpoints()
    assert not result.ok and "没有校验公钥" in str(result)


def test_without_checkpoints_verify_says_so_and_can_require_them(keys) -> None:
    events(1)
    result = verify_with_checkpoints()
    assert result.ok and "未找到签名检查点" in str(result)
    assert not verify_with_checkpoints(required=True).ok


def test_without_a_signing_key_production_cannot_checkpoint(settings, tmp_path: Path) -> None:
    settings.FAYUAN_AUDIT_SIGNING_KEY = None
    settings.FAYUAN_AUDIT_DEV_KEY = None
    with pytest.raises(CheckpointError, match="未设置 FAYUAN_AUDIT_SIGNING_KEY"):
        write_checkpoint(tmp_path / "cp.jsonl")


def test_debug_uses_a_generated_development_key(settings, tmp_path: Path) -> None:
    settings.FAYUAN_AUDIT_SIGNING_KEY = None
    settings.FAYUAN_AUDIT_VERIFY_KEY = None
    settings.FAYUAN_AUDIT_DEV_KEY = str(tmp_path / "dev" / "audit.pem")
    events(1)
    assert periodic_checkpoint()["seq"] == 1
    assert stat.S_IMODE(os.stat(tmp_path / "dev" / "audit.pem").st_mode) == 0o600
    assert verify_with_checkpoints().ok


def test_the_commands_keygen_checkpoint_and_verify(keys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(connections, "close_all", lambda: None)
    out = StringIO()
    call_command("audit", "keygen", "--out", str(tmp_path / "new"), stdout=out)
    private = tmp_path / "new" / "audit-signing.pem"
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert (tmp_path / "new" / "audit-verify.pem").exists()
    with pytest.raises(SystemExit):  # never overwrites a key
        call_command("audit", "keygen", "--out", str(tmp_path / "new"), stderr=StringIO())

    events(2)
    elsewhere = tmp_path / "elsewhere.jsonl"
    assert cli.main(["audit", "checkpoint", "--checkpoints", str(elsewhere)]) == 0
    assert elsewhere.exists()
    assert cli.main(["audit", "verify", "--checkpoints", str(elsewhere)]) == 0
    rewrite(1, {"n": -1})
    assert cli.main(["audit", "verify"]) == 0  # the default file has no checkpoint
    assert cli.main(["audit", "verify", "--checkpoints", str(elsewhere)]) == 1
