"""The status lookup's logic: find an application by its number and the applicant's phone, send a
6-digit code, check it (no Django views here: `fayuan.status.views`).

- Only citizens' applications (法律援助法第四十一条; any channel: online, counter, workstation,
  liaison) have a public status; a judicial organ's notification (第六条 of the district rules)
  was not applied for by the defendant and is refused exactly like a wrong number.
- The answer is the same whether or not the number and phone match, and whether or not a code
  went out (`request_code` returns nothing the caller could show).
- Send limits, counted on the phone's keyed hash whatever the case: no second code within
  `RESEND_AFTER` (60 s), at most `DAILY_LIMIT` (5) in 24 hours.
- A code: 6 digits from `secrets`, stored as a salted HMAC, valid `LIFETIME` (10 min), at most
  `MAX_ATTEMPTS` (5) tries, one use.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from fayuan import tasks
from fayuan.cases.models import Case
from fayuan.messaging.sms import SmsError, normalize_phone
from fayuan.status.models import (
    DAILY_LIMIT,
    DAY,
    LIFETIME,
    MAX_ATTEMPTS,
    RESEND_AFTER,
    LookupCode,
)

log = logging.getLogger(__name__)

CODE_DIGITS = 6


def phone_key(phone: str) -> str:
    """The keyed hash of a normalised mobile number (HMAC-SHA256 under FAYUAN_MATCH_KEY)."""
    key = settings.FAYUAN_MATCH_KEY.encode()
    return hmac.new(key, b"status-phone:" + phone.encode("ascii"), hashlib.sha256).hexdigest()


def _code_hash(code: str, salt: str) -> str:
    return salted_hmac("fayuan.status.code", f"{salt}:{code}", algorithm="sha256").hexdigest()


def clean_number(number: str) -> str:
    """The application number as printed on the receipt: full-width forms and spaces do not
    matter, nor the case of the letters (BEIBEI-2026-000012)."""
    text = unicodedata.normalize("NFKC", number or "")
    return "".join(text.split()).upper().replace("—", "-").replace("－", "-")


def matching_case(number: str, phone: str) -> Case | None:
    """The citizen's application numbered `number` whose applicant party has `phone` (both
    normalised), else None: a notification, an unknown number and another phone all give None."""
    try:
        wanted = normalize_phone(phone)
    except SmsError:
        return None
    cleaned = clean_number(number)
    if not cleaned:
        return None
    for case in Case.objects.filter(number=cleaned, source="application").prefetch_related(
        "parties"
    ):
        for party in case.parties.all():
            if not party.is_applicant or not party.phone:
                continue
            try:
                if normalize_phone(party.phone) == wanted:
                    return case
            except SmsError:
                continue
    return None


def may_send(key: str) -> bool:
    """The send limits of one phone: none in the last minute, fewer than 5 in 24 hours."""
    now = timezone.now()
    recent = LookupCode.objects.filter(phone_key=key)
    if recent.filter(created_at__gt=now - RESEND_AFTER).exists():
        return False
    return recent.filter(created_at__gt=now - DAY).count() < DAILY_LIMIT


def code_text(case: Case, code: str) -> str:
    return (
        f"【{case.center.name}】您查询法律援助申请进度的验证码是 {code}，"
        f"{int(LIFETIME.total_seconds() // 60)} 分钟内有效。请勿告诉他人；"
        "工作人员不会向您索要验证码。"
    )


def request_code(number: str, phone: str) -> int | None:
    """Send a code for the application `number` to `phone` when they match and the limits
    allow. Returns the code's row id (kept in the session), or None; the page shows the same
    either way. The text goes through `fayuan.tasks.send_sms` once the row is committed."""
    case = matching_case(number, phone)
    if case is None:
        log.info("status lookup: no code sent")
        return None
    wanted = normalize_phone(phone)
    key = phone_key(wanted)
    with transaction.atomic():
        if not may_send(key):
            log.info("status lookup: code limit reached for this phone")
            return None
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(16)
        now = timezone.now()
        row = LookupCode.objects.create(
            case=case,
            phone_key=key,
            code_hash=_code_hash(code, salt),
            salt=salt,
            created_at=now,
            expires_at=now + LIFETIME,
        )
        tasks.run_after_commit(
            tasks.send_sms, f"status-code:{row.pk}", wanted, code_text(case, code)
        )
    log.info("status lookup: code %s sent", row.pk)
    return row.pk


@dataclass(frozen=True)
class Check:
    """The outcome of a code typed: `case` when right; else why not, for the page."""

    case: Case | None
    problem: str = ""
    locked: bool = False
    tries: int = 0


WRONG = "验证码不对，请再看一下短信。"
LOCKED = "验证码已输错 5 次，不能再用。请回到上一步重新获取验证码。"
EXPIRED = "验证码已过期（10 分钟内有效）。请回到上一步重新获取验证码。"


def check_code(code_id: int | None, typed: str, sent_at: datetime, tries: int) -> Check:
    """Check `typed` against the code `code_id`. None means no code was sent (wrong number or
    phone, or the limits): it answers exactly as a code that is never typed right would, with
    `sent_at` and `tries` (kept in the session) standing in for the row's time and attempts.
    Each try counts; the 5th wrong one locks the code; a right one uses it."""
    typed = unicodedata.normalize("NFKC", typed or "").strip()
    now = timezone.now()
    with transaction.atomic():
        row = (
            LookupCode.objects.select_for_update().filter(pk=code_id).first()
            if code_id is not None
            else None
        )
        if row is not None:
            if row.used_at is not None:
                return Check(None, LOCKED, locked=True)
            sent_at, tries = row.created_at, row.attempts
        if tries >= MAX_ATTEMPTS:
            return Check(None, LOCKED, locked=True)
        if now >= sent_at + LIFETIME:
            return Check(None, EXPIRED, locked=True)
        tries += 1
        right = row is not None and hmac.compare_digest(_code_hash(typed, row.salt), row.code_hash)
        if row is not None:
            LookupCode.objects.filter(pk=row.pk).update(
                attempts=F("attempts") + 1, used_at=now if right else None
            )
        if right:
            assert row is not None
            return Check(row.case, tries=tries)
        if tries >= MAX_ATTEMPTS:
            return Check(None, LOCKED, locked=True, tries=tries)
        return Check(None, f"{WRONG}还可以再试 {MAX_ATTEMPTS - tries} 次。", tries=tries)
