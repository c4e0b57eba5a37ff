"""Structured logs: one JSON object a line on stderr, never personal data.

Every record carries time, level, logger and message, and, while a request or a task runs, its
request id (`X-Request-ID`, echoed on the response). The access line of each request (path
without the query string, status, duration) is written by the server (`fayuan.gunicorn_conf`).

`MaskPersonalData` is a filter on every handler: an 18-digit ID number or an 11-digit mobile
number that reaches a message, its arguments or a traceback is masked (5001**********123X,
138****5678) before anything is written. Nothing should log them; this is the last guard.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from fayuan.identity import mask_id_number, mask_phone

#: The id of the request (or task) being handled in this thread, "" outside one.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("fayuan_request_id", default="")

# An ID number (GB 11643: 17 digits and a digit or X) or a mainland mobile number, not part of a
# longer run of digits (a timestamp, a hash).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
#: A request id we accept from the proxy: short, no spaces or quotes.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def mask_personal_data(text: str) -> str:
    """`text` with every ID number and mobile number masked."""
    if not any(c.isdigit() for c in text):
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


class MaskPersonalData(logging.Filter):
    """Masks ID numbers and phones in the message (with its arguments) and any traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (the request or task being handled, or "") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


#: Extra fields a record may carry into its JSON line (`log.info(..., extra={...})`).
EXTRA_FIELDS = ("path", "method", "status", "duration_ms", "task", "event")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, and
    the extra fields present on the record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "") or request_id.get()
        if rid:
            entry["request_id"] = rid
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = mask_personal_data(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


def new_request_id(offered: str | None = None) -> str:
    """The proxy's `X-Request-ID` when it looks like one, else a new random id."""
    if offered and _SAFE_ID.fullmatch(offered):
        return offered
    return str(uuid.uuid4())


class RequestIdMiddleware:
    """Gives each request an id (the proxy's `X-Request-ID` or a new one) for its log records,
    and returns it in the `X-Request-ID` response header, where the access log reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = new_request_id(request.headers.get("X-Request-ID"))
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response
