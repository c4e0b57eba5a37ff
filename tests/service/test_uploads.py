"""fayuan.cases.uploads: a file's type by its content, its size limit, a stored name of our own,
and no half-write: a refusal leaves no row, no file and no audit event."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from fayuan.audit.models import AuditEvent
from fayuan.cases import uploads
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_application
from fayuan.cases.models import Case, CaseDocument
from fayuan.errors import ActionError

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


def ofd(root: str = "OFD.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(root, "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        z.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def on_disk(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def case(world: Any) -> Case:
    data = CaseInput(
        category="civil",
        locality="天生街道",
        parties=[PartyInput("aided", "张三", is_applicant=True)],
        channel="counter",
    )
    return do_intake_application(world.center, world.user("officer"), data)


@pytest.mark.parametrize(
    ("content", "kind", "content_type"),
    [
        (PDF, "pdf", "application/pdf"),
        (JPEG, "jpeg", "image/jpeg"),
        (PNG, "png", "image/png"),
        (ofd(), "ofd", "application/ofd"),
    ],
)
def test_the_type_is_the_content_s(content: bytes, kind: str, content_type: str) -> None:
    checked = uploads.check(uploads.bytes_file(content, "whatever.doc"))
    assert checked.kind == kind and checked.content_type == content_type
    assert checked.size == len(content)
    import hashlib

    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    "content",
    [EXE, b"hello, world", ofd("content.xml"), b"PK\x03\x04not really a zip", b"<html>%PDF-"],
)
def test_other_content_is_refused_whatever_its_name(content: bytes) -> None:
    with pytest.raises(ActionError) as refused:
        uploads.check(uploads.bytes_file(content, "公函.pdf"), field="letter_file")
    assert refused.value.message.startswith("类型不符：只接受 PDF、JPG、PNG")
    assert refused.value.field == "letter_file"


def test_too_large_is_refused_while_reading(settings: Any) -> None:
    settings.FAYUAN_MAX_DOCUMENT_BYTES = 1024
    uploads.check(uploads.bytes_file(PDF + b"x" * (1024 - len(PDF)), "ok.pdf"))
    with pytest.raises(ActionError) as refused:
        uploads.check(uploads.bytes_file(PDF + b"x" * 1024, "big.pdf"))
    assert "文件过大" in refused.value.message and "1 KB" in refused.value.message


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\公函.pdf", "公函.pdf"),
        ("a\x00b\u202e.pdf", "ab.pdf"),
        ("", "未命名文件"),
        ("..", "未命名文件"),
    ],
)
def test_the_display_name_is_never_a_path(given: str, shown: str) -> None:
    assert uploads.display_name(given) == shown


def test_a_long_name_keeps_its_extension() -> None:
    name = uploads.display_name("很" * 300 + ".pdf")
    assert len(name) == uploads.NAME_LENGTH and name.endswith(".pdf")


def test_an_upload_is_one_row_one_file_one_event(world: Any, case: Case, media: Path) -> None:
    before = AuditEvent.objects.count()
    doc = uploads.do_upload_document(
        case, world.user("officer"), "application_material", io.BytesIO(PNG), "../申请书.pdf"
    )
    assert doc.original_name == "申请书.pdf" and doc.content_type == "image/png"
    assert doc.file.name.startswith("cases/") and doc.file.name.endswith(".png")
    assert "申请书" not in doc.file.name
    files = on_disk(media)
    assert [p.read_bytes() for p in files] == [PNG]
    assert oct(files[0].stat().st_mode & 0o777) == oct(0o600)
    event = AuditEvent.objects.get(seq__gt=before)
    assert event.action == "case.document_upload" and event.case_id_ref == case.pk
    assert event.data["sha256"] == doc.sha256 and event.data["type"] == "PNG"


def test_a_refused_file_writes_nothing(world: Any, case: Case, media: Path) -> None:
    before = (CaseDocument.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ActionError):
        uploads.do_upload_document(
            case, world.user("officer"), "application_material", io.BytesIO(EXE), "a.pdf"
        )
    assert (CaseDocument.objects.count(), AuditEvent.objects.count()) == before
    assert on_disk(media) == []


def test_a_refused_action_takes_its_file_away(world: Any, case: Case, media: Path) -> None:
    """The file is written before the action; the action refuses (a kind that does not exist):
    neither the row nor the file stays."""
    before = (CaseDocument.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ActionError) as refused:
        uploads.do_upload_document(
            case, world.user("officer"), "no_such_kind", io.BytesIO(PDF), "a.pdf"
        )
    assert refused.value.field == "kind"
    assert (CaseDocument.objects.count(), AuditEvent.objects.count()) == before
    assert on_disk(media) == []


def test_an_error_after_staging_deletes_the_file(media: Path) -> None:
    checked = uploads.check(uploads.bytes_file(PDF, "a.pdf"))
    with pytest.raises(RuntimeError), uploads.staged(checked):
        assert len(on_disk(media)) == 1
        raise RuntimeError("the action failed")
    assert on_disk(media) == []


def test_a_staged_file_no_row_names_is_not_kept(media: Path) -> None:
    checked = uploads.check(uploads.bytes_file(PDF, "a.pdf"))
    with uploads.staged(checked):
        pass
    assert on_disk(media) == []
