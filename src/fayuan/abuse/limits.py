"""Rate limits that hold across gunicorn workers: fixed-window counters in the database.

Why the database and not a cache: the counters must be shared by every worker (a per-process
memory cache is not), and the service runs on SQLite (the demo) and PostgreSQL (production)
without any other server; Redis is only the optional task broker. One counter row per
(bucket, keyed hash of the key, window) is incremented by one conditional UPDATE
(`count < limit`), so a request over the limit writes nothing, and workers racing on a new window
meet on the unique constraint. Expired rows are purged as new windows are opened. nginx's
`limit_req` (deploy/nginx) stops a flood before it reaches the application at all.

    hit("apply.submit", key, limit=5, window_seconds=3600)     # raises RateLimited
    per_ip(request, "status.lookup", 20, 600)
    per_phone(phone, "status.sms", 3, 3600)

Keys are stored as HMAC-SHA256 with FAYUAN_MATCH_KEY (`keyed_hash`), never raw. `client_ip`
honours X-Forwarded-For only when the connection comes from FAYUAN_TRUSTED_PROXIES (the nginx
in front; by default the loopback). Call `hit` before the action's own transaction: inside one
that rolls back, the hit is rolled back with it. `fayuan.abuse.middleware` turns RateLimited
into a 429 (a Chinese page, or the API's JSON shape under /api/) with Retry-After.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import random
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from fayuan.errors import ActionError

#: Purge expired counters on about one new window in this many.
PURGE_ONE_IN = 20


class RateLimited(ActionError):
    """Too many requests for one key in one window. `retry_after`: whole seconds until the
    window ends (at least 1)."""

    def __init__(self, retry_after: int, bucket: str = "") -> None:
        self.retry_after = max(1, int(retry_after))
        self.bucket = bucket
        super().__init__(retry_message(self.retry_after), kind="forbidden")

    def as_dict(self) -> dict[str, object]:
        return {"error": "rate_limited", "field": None, "message": self.message}


def retry_message(retry_after: int) -> str:
    minutes = max(1, math.ceil(retry_after / 60))
    return f"操作过于频繁，请 {minutes} 分钟后再试。"


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of `value` with the project's match key (hex): what is stored instead of a
    phone, an address or a text. Prefixed so it never equals an ID number's match hash."""
    key = settings.FAYUAN_MATCH_KEY.encode()
    return hmac.new(key, b"fayuan.abuse:" + value.encode("utf-8"), hashlib.sha256).hexdigest()


def _window(now: datetime, window_seconds: int) -> tuple[datetime, datetime]:
    epoch = int(now.timestamp())
    start = epoch - epoch % window_seconds
    return (
        datetime.fromtimestamp(start, UTC),
        datetime.fromtimestamp(start + window_seconds, UTC),
    )


def hit(bucket: str, key: str, limit: int, window_seconds: int) -> None:
    """Count one request of `key` in `bucket`; raise RateLimited when `limit` requests of this
    window were already counted (the refused one is not counted and writes nothing)."""
    from fayuan.abuse.models import RateCounter

    if window_seconds < 1:
        raise ValueError("window_seconds must be at least 1")
    now = datetime.now(UTC)
    start, end = _window(now, window_seconds)
    retry_after = math.ceil((end - now).total_seconds())
    if limit < 1:
        raise RateLimited(retry_after, bucket)
    hashed = keyed_hash(key)
    rows = RateCounter.objects.filter(bucket=bucket, key=hashed, window_start=start)
    for _ in range(2):
        with transaction.atomic():
            if rows.filter(count__lt=limit).update(count=F("count") + 1):
                return
            if rows.exists():
                raise RateLimited(retry_after, bucket)
            try:
                with transaction.atomic():
                    RateCounter.objects.create(
                        bucket=bucket,
                        key=hashed,
                        window_start=start,
                        expires_at=end,
                        count=1,
                    )
            except IntegrityError:
                continue  # another worker opened this window first: count in its row
            if random.randrange(PURGE_ONE_IN) == 0:
                RateCounter.objects.filter(expires_at__lt=now).delete()
            return
    raise RateLimited(retry_after, bucket)  # pragma: no cover - the row vanished twice


def count(bucket: str, key: str, window_seconds: int) -> int:
    """How many requests of `key` the current window of `bucket` has counted."""
    from fayuan.abuse.models import RateCounter

    start, _ = _window(datetime.now(UTC), window_seconds)
    row = RateCounter.objects.filter(bucket=bucket, key=keyed_hash(key), window_start=start)
    return int(row.values_list("count", flat=True).first() or 0)


# --- who is asking ---------------------------------------------------------------------------


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = getattr(settings, "FAYUAN_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
    found = []
    for item in raw:
        item = item.strip()
        if item:
            found.append(ipaddress.ip_network(item, strict=False))
    return found


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, when that is a trusted proxy
    (FAYUAN_TRUSTED_PROXIES), the rightmost X-Forwarded-For entry that is not one ("" when
    nothing usable is there)."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return ""
    trusted = _networks()

    def is_trusted(a: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(a.version == n.version and a in n for n in trusted)

    if not is_trusted(remote):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [a for a in (_address(p) for p in forwarded.split(",")[-20:]) if a is not None]
    for address in reversed(chain):
        if not is_trusted(address):
            return str(address)
    return str(chain[0] if chain else remote)


def ip_key(request: HttpRequest) -> str:
    """The key of the client's address: an IPv6 client is counted by its /64 (one subscriber
    gets a whole /64), an IPv4 one by its address."""
    address = _address(client_ip(request))
    if address is None:
        return "ip:unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return "ip6:" + str(ipaddress.ip_network(f"{address}/64", strict=False))
    return f"ip:{address}"


def normalize_phone(phone: str) -> str:
    """Digits only (full-width ones too), without a leading +86/0086."""
    digits = "".join(c for c in unicodedata.normalize("NFKC", phone or "") if c.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


def per_ip(request: HttpRequest, bucket: str, limit: int, window_seconds: int) -> None:
    hit(bucket, ip_key(request), limit, window_seconds)


def per_phone(phone: str, bucket: str, limit: int, window_seconds: int) -> None:
    hit(bucket, "phone:" + normalize_phone(phone), limit, window_seconds)


V = TypeVar("V", bound=Callable[..., Any])


def limit_ip(
    bucket: str, limit: int, window_seconds: int, methods: tuple[str, ...] = ("POST",)
) -> Callable[[V], V]:
    """A view decorator: `per_ip` for the requests of `methods` (RateLimited becomes a 429 in
    `fayuan.abuse.middleware`)."""

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method in methods:
                per_ip(request, bucket, limit, window_seconds)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def day_start(now: datetime | None = None) -> datetime:
    """Midnight of today in the service's time zone."""
    from django.utils import timezone

    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


__all__ = [
    "RateLimited",
    "client_ip",
    "count",
    "day_start",
    "hit",
    "ip_key",
    "keyed_hash",
    "limit_ip",
    "normalize_phone",
    "per_ip",
    "per_phone",
    "retry_message",
]
