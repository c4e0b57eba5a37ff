"""Files uploaded to a case (an organ's letter, an applicant's material, the agreement): checked by
their content, stored under MEDIA_ROOT under a name of our own, and recorded as a `CaseDocument`
with its audit event.

* The type is what the first bytes say, never the file's name: PDF (`%PDF-`), JPEG (FF D8 FF),
  PNG (its 8-byte signature) and OFD (GB/T 33190: a ZIP whose root holds `OFD.xml`). A PNG
  named `.pdf` is stored as the PNG it is; an executable named `.pdf` is refused.
* At most `settings.FAYUAN_MAX_DOCUMENT_BYTES` (10 MB unless set), counted while the file is
  read. (`fayuan.api.guard` already refuses a multipart request whose Content-Length is over
  `FAYUAN_MAX_UPLOAD_BYTES`; this check covers a request that did not say its length, and the
  callers that are not a request.)
* The stored name is `cases/<year>/<month>/<random hex>.<type's extension>`; the user's name is
  kept only as `original_name`, for display, with any path and control characters removed.
* MEDIA_ROOT is never served by the web server: only `fayuan.web.cases_pages.case_document`
  sends a file, after checking access.

No half-write
-------------
A row must never name a missing file, and a refused upload must leave neither. So the order is:
check (nothing written) → write the file (`staged`) → run the action that adds the row and its
audit event (`attach`, inside the action's one transaction, retried whole by `fayuan.locks`) →
after it, the file is kept only if a committed row names it; on a refusal, an error, or an
action that attached nothing (a resent letter), it is deleted. A crash between writing and
committing leaves at worst a file no row names, which nothing serves.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage
from django.utils import timezone

from fayuan import limits
from fayuan.accounts.access import AnyUser
from fayuan.audit import log as audit
from fayuan.cases.models import Case, CaseDocument, DocumentKind
from fayuan.errors import ActionError
from fayuan.locks import action

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CHUNK = 64 * 1024
NAME_LENGTH = CaseDocument._meta.get_field("original_name").max_length or 200

#: type → (extension, content type, name shown in Chinese)
TYPES: dict[str, tuple[str, str, str]] = {
    "pdf": ("pdf", "application/pdf", "PDF"),
    "jpeg": ("jpg", "image/jpeg", "JPG"),
    "png": ("png", "image/png", "PNG"),
    "ofd": ("ofd", "application/ofd", "OFD"),
}
WRONG_TYPE = "类型不符：只接受 PDF、JPG、PNG（或 OFD）文件，请上传扫描件或版式文件。"


def max_bytes() -> int:
    return int(getattr(settings, "FAYUAN_MAX_DOCUMENT_BYTES", DEFAULT_MAX_BYTES))


def too_large(limit: int) -> str:
    return f"文件过大：最多 {limits.size_zh(limit)}，请压缩或分页扫描后再上传。"


def sniff(head: bytes, file: IO[bytes] | None = None) -> str | None:
    """The type the first bytes of a file say (a key of `TYPES`), or None. An OFD is a ZIP: its
    central directory is read (not its contents) to see `OFD.xml` at the root."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04") and file is not None:
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = {n.lower() for n in archive.namelist()}
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            file.seek(0)
        return "ofd" if "ofd.xml" in names else None
    return None


def display_name(name: str) -> str:
    """The user's file name for display only: its last path part, no control characters, at
    most `NAME_LENGTH` characters (the extension kept)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not base:
        return "未命名文件"
    if len(base) > NAME_LENGTH:
        stem, dot, ext = base.rpartition(".")
        ext = ext[:10] if dot else ""
        base = (stem if dot else base)[: NAME_LENGTH - len(ext) - 1] + (f".{ext}" if ext else "")
    return base


@dataclass
class CheckedFile:
    """An upload that passed the checks: its type by content, size, SHA-256 and display name."""

    file: File[bytes]
    kind: str
    size: int
    sha256: str
    original_name: str
    stored_name: str = field(default="")

    @property
    def content_type(self) -> str:
        return TYPES[self.kind][1]

    @property
    def extension(self) -> str:
        return TYPES[self.kind][0]


def check(upload: File[bytes] | IO[bytes], name: str = "", field: str = "file") -> CheckedFile:
    """Read the upload once: its size (refused over `max_bytes()`), its type by content (refused
    unless PDF, JPEG, PNG or OFD) and its SHA-256. Writes nothing. `ActionError` on `field`."""
    file = upload if isinstance(upload, File) else File(upload, name=name)
    limit = max_bytes()
    digest = hashlib.sha256()
    size = 0
    head = b""
    file.seek(0)
    for chunk in file.chunks(CHUNK):
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        size += len(chunk)
        if size > limit:
            raise ActionError(too_large(limit), field)
        digest.update(chunk)
    file.seek(0)
    if size == 0:
        raise ActionError("文件是空的（0 字节），请重新选择扫描件。", field)
    kind = sniff(head, file)
    if kind is None:
        raise ActionError(WRONG_TYPE, field)
    return CheckedFile(
        file=file,
        kind=kind,
        size=size,
        sha256=digest.hexdigest(),
        original_name=display_name(name or getattr(file, "name", "") or ""),
    )


def _storage() -> Storage:
    return CaseDocument._meta.get_field("file").storage


def _new_name(checked: CheckedFile) -> str:
    now = timezone.localtime()
    return f"cases/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{checked.extension}"


@contextmanager
def staged(checked: CheckedFile) -> Iterator[CheckedFile]:
    """The file written under MEDIA_ROOT for the block, which runs the action that `attach`es it.
    After the block the file stays only if a row names it; on any error it is deleted and the
    error goes on (module docstring)."""
    storage = _storage()
    checked.file.seek(0)
    checked.stored_name = storage.save(_new_name(checked), checked.file)
    try:
        yield checked
    except BaseException:
        storage.delete(checked.stored_name)
        raise
    if not CaseDocument.objects.filter(file=checked.stored_name).exists():
        storage.delete(checked.stored_name)


def attach(checked: CheckedFile, case: Case, actor: AnyUser, kind: str) -> CaseDocument:
    """The row of a staged file and its audit event (`case.document_upload`). Inside the
    calling action's transaction."""
    if not checked.stored_name:
        raise RuntimeError("attach() needs a staged file (uploads.staged)")
    if kind not in DocumentKind.values:
        raise ActionError("材料类别无效。", "kind")
    doc = CaseDocument(
        case=case,
        kind=kind,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by_id=actor.pk if actor.is_authenticated else None,
    )
    doc.file.name = checked.stored_name
    doc.save()
    audit.record(
        actor,
        "case.document_upload",
        doc,
        case=case,
        data={
            "what": f"{doc.get_kind_display()}：{doc.original_name}",
            "type": TYPES[checked.kind][2],
            "size": checked.size,
            "sha256": checked.sha256,
        },
    )
    return doc


@action
def _attach_action(case: Case, actor: AnyUser, kind: str, checked: CheckedFile) -> CaseDocument:
    return attach(checked, case, actor, kind)


def do_upload_document(
    case: Case, actor: AnyUser, kind: str, upload: File[bytes] | IO[bytes], name: str = ""
) -> CaseDocument:
    """Check, store and record one file for a case, in the order that never half-writes. The
    caller has checked that `actor` may add material to `case`."""
    checked = check(upload, name)
    with staged(checked):
        return _attach_action(case, actor, kind, checked)


def bytes_file(content: bytes, name: str) -> File[bytes]:
    """Bytes as a file to `check` (a generated document, a test)."""
    return File(io.BytesIO(content), name=name)
