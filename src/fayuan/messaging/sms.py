"""Text messages (短信) to applicants: one small interface, a backend chosen by the setting
`FAYUAN_SMS_BACKEND` (a class path).

- `ConsoleSmsBackend` (the default): prints the message, the number masked; sends nothing.
- `FileSmsBackend`: appends one JSON line a message to `FAYUAN_SMS_FILE_PATH` (mode 0600), for
  a test system or a gateway that picks the file up.
- `LocmemSmsBackend`: keeps messages in `LocmemSmsBackend.outbox`, for tests.

A real gateway is one more subclass of `SmsBackend` whose `send` raises `SmsUnavailable` (or an
`OSError`) when it cannot take the message for now, which the `send_sms` task
(`fayuan.tasks`) retries with backoff, and `SmsError` for a message it will never take.
"""

from __future__ import annotations

import json
import os
import re
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TextIO

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from fayuan.identity import mask_phone

#: A mainland mobile number (after removing spaces, hyphens and +86).
_MOBILE = re.compile(r"1[3-9]\d{9}")
#: The longest text accepted: a few concatenated messages, never a letter.
MAX_TEXT = 500


class SmsError(Exception):
    """A message that cannot be sent; the message says why, in Chinese."""


class SmsUnavailable(SmsError):
    """The gateway did not take the message for now: the task tries again later."""


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str


def normalize_phone(phone: str) -> str:
    """The 11-digit mobile number, or `SmsError`."""
    digits = re.sub(r"[\s-]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.fullmatch(digits):
        raise SmsError("手机号码应为 11 位中国大陆手机号（如 13800001234）。")
    return digits


def checked(phone: str, text: str) -> Sms:
    text = (text or "").strip()
    if not text:
        raise SmsError("短信内容不能为空。")
    if len(text) > MAX_TEXT:
        raise SmsError(f"短信内容过长（{len(text)} 字，最多 {MAX_TEXT} 字）。")
    return Sms(normalize_phone(phone), text)


class SmsBackend(ABC):
    """Sends one text message; raises `SmsError` or `OSError` when it could not."""

    @abstractmethod
    def send(self, message: Sms) -> None: ...


class ConsoleSmsBackend(SmsBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: Sms) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"短信（未实际发送）至 {mask_phone(message.phone)}：{message.text}\n")
        stream.flush()


class FileSmsBackend(SmsBackend):
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or settings.FAYUAN_SMS_FILE_PATH)

    def send(self, message: Sms) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "to": message.phone, "text": message.text},
            ensure_ascii=False,
        )
        # One write of one line in append mode: lines of concurrent workers never interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)


class LocmemSmsBackend(SmsBackend):
    outbox: ClassVar[list[Sms]] = []

    def send(self, message: Sms) -> None:
        LocmemSmsBackend.outbox.append(message)


def backend() -> SmsBackend:
    """The backend of the setting `FAYUAN_SMS_BACKEND`."""
    cls = import_string(settings.FAYUAN_SMS_BACKEND)
    if not (isinstance(cls, type) and issubclass(cls, SmsBackend)):
        raise SmsError(f"FAYUAN_SMS_BACKEND 应为 SmsBackend 的子类：{settings.FAYUAN_SMS_BACKEND}")
    return cls()


def send_sms_now(phone: str, text: str) -> None:
    """Check and send one message through the configured backend (the task calls this)."""
    backend().send(checked(phone, text))
