"""Drafts of the online application: the public center, the browser's cookie, the encrypted
values, the resume code, consents and the purge of expired drafts.

Nothing personal ever goes into a URL or a cookie: the cookie holds a random token (signed,
HttpOnly), the database its SHA-256; the values are one Fernet-encrypted JSON blob
(个人信息保护法第二十八、五十一条: 敏感个人信息, 加密等安全技术措施).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fayuan.apply.models import ApplicationDraft, Consent, DraftFile
from fayuan.cases.models import CaseDocument
from fayuan.roster.models import Center
from fayuan.security.fields import decrypt, encrypt

COOKIE = "fayuan_apply"
RECEIPT_COOKIE = "fayuan_apply_receipt"
SALT = "fayuan.apply.draft"
RECEIPT_SALT = "fayuan.apply.receipt"
#: A draft is kept this long after its last save, then purged.
DRAFT_DAYS = 30
#: The version of the privacy notice the consents refer to (templates/apply/privacy.html).
NOTICE_VERSION = "2026-12-v1"
#: Resume codes: 8 characters without look-alikes (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
#: Wrong codes for one draft before it pauses, and for how long.
RESUME_FAILURES = 5
RESUME_PAUSE = timedelta(minutes=30)
#: Resume attempts per address and per phone in an hour (fayuan.abuse.limits), drafts started
#: and applications submitted per address in an hour.
RESUME_PER_IP = 20
RESUME_PER_PHONE = 10
STARTS_PER_IP = 20
SUBMITS_PER_IP = 10
WINDOW = 3600


def _keyed(purpose: str, value: str) -> str:
    key = settings.FAYUAN_MATCH_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def phone_hash(phone: str) -> str:
    return _keyed("apply-phone", phone) if phone else ""


def code_hash(code: str) -> str:
    return _keyed("apply-resume", code)


def ip_hash(request: HttpRequest) -> str:
    ip = request.META.get("REMOTE_ADDR", "") or ""
    return _keyed("apply-ip", ip) if ip else ""


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def encrypt_json(value: dict[str, Any]) -> str:
    """A JSON object encrypted with the first `FAYUAN_FIELD_KEY` (Fernet)."""
    return encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    value = json.loads(decrypt(token))
    return value if isinstance(value, dict) else {}


class Draft:
    """A draft row with its decrypted values: `values[step]` is what was typed on a step,
    `done` the steps whose values passed their checks."""

    def __init__(self, row: ApplicationDraft) -> None:
        self.row = row
        blob = decrypt_json(row.data)
        self.values: dict[str, dict[str, Any]] = blob.get("values", {})
        self.done: set[int] = set(blob.get("done", []))

    def step_values(self, step: int) -> dict[str, Any]:
        return self.values.get(str(step), {})

    def put(self, step: int, values: dict[str, Any], valid: bool) -> None:
        self.values[str(step)] = values
        if valid:
            self.done.add(step)
        else:
            self.done.discard(step)

    def save(self, *, phone: str | None = None) -> None:
        row = self.row
        row.data = encrypt_json({"values": self.values, "done": sorted(self.done)})
        row.expires_at = timezone.now() + timedelta(days=DRAFT_DAYS)
        fields = ["data", "expires_at", "step_reached", "updated_at"]
        if phone is not None:
            row.phone_hash = phone_hash(phone)
            fields.append("phone_hash")
        row.save(update_fields=fields)


def new_draft(center: Center, request: HttpRequest) -> tuple[Draft, str]:
    """A new draft and its cookie token, with the two consents given on the consent page."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApplicationDraft.objects.create(
            center=center,
            token_hash=token_hash(token),
            data=encrypt_json({"values": {}, "done": []}),
            expires_at=timezone.now() + timedelta(days=DRAFT_DAYS),
        )
        now = timezone.now()
        where = ip_hash(request)
        Consent.objects.bulk_create(
            Consent(
                draft=row, kind=kind, notice_version=NOTICE_VERSION, given_at=now, ip_hash=where
            )
            for kind in ("personal", "sensitive")
        )
    return Draft(row), token


def record_consent(draft: Draft, kind: str, request: HttpRequest) -> None:
    """One consent of `kind` for the draft (a second one replaces the first's time)."""
    Consent.objects.update_or_create(
        draft=draft.row,
        case=None,
        kind=kind,
        defaults={
            "notice_version": NOTICE_VERSION,
            "given_at": timezone.now(),
            "ip_hash": ip_hash(request),
        },
    )


def has_consents(row: ApplicationDraft) -> bool:
    kinds = set(Consent.objects.filter(draft=row).values_list("kind", flat=True))
    return {"personal", "sensitive"} <= kinds


def current(request: HttpRequest, center: Center) -> Draft | None:
    """The draft of this browser's cookie, if it still exists and has not expired."""
    token = request.get_signed_cookie(COOKIE, default="", salt=SALT)
    if not token:
        return None
    row = ApplicationDraft.objects.filter(
        center=center, token_hash=token_hash(token), expires_at__gt=timezone.now()
    ).first()
    return Draft(row) if row is not None else None


def set_cookie(response: HttpResponse, token: str) -> None:
    response.set_signed_cookie(
        COOKIE,
        token,
        salt=SALT,
        max_age=DRAFT_DAYS * 86400,
        httponly=True,
        secure=not settings.DEBUG,
        samesite="Lax",
        path="/apply/",
    )


def set_receipt_cookie(response: HttpResponse, case_pk: int) -> None:
    response.set_signed_cookie(
        RECEIPT_COOKIE,
        str(case_pk),
        salt=RECEIPT_SALT,
        max_age=7 * 86400,
        httponly=True,
        secure=not settings.DEBUG,
        samesite="Lax",
        path="/apply/",
    )
    response.delete_cookie(COOKIE, path="/apply/")


def issue_resume_code(draft: Draft) -> str:
    """A new resume code for the draft (shown once; only its keyed hash is kept)."""
    code = new_code()
    draft.row.resume_code_hash = code_hash(code)
    draft.row.resume_failures = 0
    draft.row.resume_locked_until = None
    draft.row.save(update_fields=["resume_code_hash", "resume_failures", "resume_locked_until"])
    return code


class ResumeRefused(Exception):
    """The code and phone do not open a draft; the message says what to do, in Chinese."""


def resume(request: HttpRequest, center: Center, code: str, phone: str) -> tuple[Draft, str]:
    """The draft the code and phone open, and a new cookie token for this browser. Refused
    with `ResumeRefused` for a wrong pair; a draft paused after `RESUME_FAILURES` wrong codes.
    (The view also limits attempts per address and per phone: `fayuan.abuse.limits`.)"""
    now = timezone.now()
    wrong = "续填码或手机号不对。请核对后重新输入（续填码为 8 位字母和数字）。"
    with transaction.atomic():
        row = (
            ApplicationDraft.objects.select_for_update()
            .filter(center=center, phone_hash=phone_hash(phone), expires_at__gt=now)
            .exclude(resume_code_hash="")
            .order_by("-updated_at")
            .first()
        )
        if row is None:
            raise ResumeRefused(wrong)
        if row.resume_locked_until is not None and row.resume_locked_until > now:
            raise ResumeRefused("续填码输错次数过多，已暂停 30 分钟，请稍后再试。")
        if not hmac.compare_digest(row.resume_code_hash, code_hash(normalize_code(code))):
            row.resume_failures += 1
            if row.resume_failures >= RESUME_FAILURES:
                row.resume_failures = 0
                row.resume_locked_until = now + RESUME_PAUSE
            row.save(update_fields=["resume_failures", "resume_locked_until"])
            token = ""  # the count commits; the refusal is raised after the block
        else:
            token = secrets.token_urlsafe(32)
            row.token_hash = token_hash(token)
            row.resume_failures = 0
            row.resume_locked_until = None
            row.save(update_fields=["token_hash", "resume_failures", "resume_locked_until"])
    if not token:
        raise ResumeRefused(wrong)
    return Draft(row), token


def _file_in_use(name: str) -> bool:
    return CaseDocument.objects.filter(file=name).exists()


def delete_draft(row: ApplicationDraft) -> None:
    """The draft, its consents not attached to a case, and its files no case names."""
    storage = CaseDocument._meta.get_field("file").storage
    names = list(DraftFile.objects.filter(draft=row).values_list("stored_name", flat=True))
    Consent.objects.filter(draft=row, case__isnull=True).delete()
    row.delete()
    for name in names:
        if not _file_in_use(name):
            storage.delete(name)


def purge_expired(now: Any = None) -> int:
    """Delete every expired draft with its files; the number deleted."""
    count = 0
    for row in ApplicationDraft.objects.filter(expires_at__lte=now or timezone.now()):
        delete_draft(row)
        count += 1
    return count
