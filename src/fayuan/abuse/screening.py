"""Screening of an online application: why it looks like junk, in Chinese, for the officer.

    reasons = screen(request, data)      # reads only; [] when nothing looks wrong
    case.screening = reasons             # the application's own transaction...
    remember(request, data)              # ...records today's fingerprints, in the same one

Nothing is refused here: the application is stored and reaches the officer's queue marked
可疑 with these reasons (`fayuan.web.todo`, the case lists), and the officer clears or confirms
the mark (`fayuan.abuse.views`). `data` is the application's cleaned data; the keys read:

* `hc_homepage`, `hc_elapsed`: from `HumanCheckMixin` (the honeypot, seconds since the form was
  first shown); `started_at` (a datetime: when the draft began) wins over `hc_elapsed`;
* `phone`, `id_number`: counted among today's applications (keyed hashes, `Submission`);
* `facts` (or `summary`): the same text as another application today, links, nonsense.

The counts of today are per client address (not for a signed-in workstation or liaison point,
whose counter serves many people), per phone and per ID number.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from fayuan.abuse.limits import day_start, ip_key, keyed_hash, normalize_phone
from fayuan.identity import normalize_id_number

#: Below this many seconds from the form shown to its submission, no person filled it.
MIN_SECONDS = 5
#: From this many applications of one address today (this one included), it is marked.
IP_PER_DAY = 4
#: From this many applications of one phone or one ID number today (this one included).
PHONE_PER_DAY = 3
#: Keep fingerprints this long.
KEEP = timedelta(days=2)

_LINK = re.compile(
    r"(?:https?://|ftp://|www\.)\S+|\b[a-z0-9-]{2,}\.(?:com|net|org|cn|top|xyz|info|ru|io|cc|vip)\b",
    re.IGNORECASE,
)
_REPEAT = re.compile(r"(.)\1{9,}")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def facts_of(data: dict[str, Any]) -> str:
    return str(data.get("facts") or data.get("summary") or "")


def text_key(text: str) -> str:
    """The facts reduced to letters and digits (NFKC, lower case): equal texts up to spaces,
    punctuation and width hash equal."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in text if c.isalnum())


def _cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


def nonsense(text: str) -> str | None:
    """Why the facts read as nonsense, or None."""
    letters = [c for c in unicodedata.normalize("NFKC", text) if c.isalnum()]
    if _REPEAT.search(text):
        return "案情中有一长串重复的字符"
    if len(letters) >= 20 and sum(map(_cjk, letters)) < len(letters) * 0.2:
        return "案情几乎没有中文"
    if len(letters) >= 20 and len(set(letters)) < 6:
        return "案情只由很少几个字符反复组成"
    return None


def _elapsed(data: dict[str, Any]) -> float | None:
    started = data.get("started_at")
    if isinstance(started, datetime):
        return (timezone.now() - started).total_seconds()
    value = data.get("hc_elapsed")
    return float(value) if isinstance(value, int | float) else None


def fingerprints(request: HttpRequest, data: dict[str, Any]) -> dict[str, str]:
    """The keyed hashes this application is counted by (empty when it has none)."""
    user = getattr(request, "user", None)
    counter = bool(user is not None and user.is_authenticated)
    phone = normalize_phone(str(data.get("phone") or ""))
    number = normalize_id_number(str(data.get("id_number") or ""))
    text = text_key(facts_of(data))
    return {
        "ip": "" if counter else keyed_hash("submit:" + ip_key(request)),
        "phone": keyed_hash("phone:" + phone) if phone else "",
        "id_number": keyed_hash("id:" + number) if number else "",
        "text": keyed_hash("text:" + text) if len(text) >= 15 else "",
    }


def screen(request: HttpRequest, data: dict[str, Any]) -> list[str]:
    """Why this application looks like junk, each reason a Chinese sentence; [] if nothing."""
    from fayuan.abuse.models import Submission

    reasons: list[str] = []
    if str(data.get("hc_homepage") or "").strip():
        reasons.append("填写了页面上隐藏的防机器人栏目（自动程序才会填写）")
    elapsed = _elapsed(data)
    minimum = _setting("FAYUAN_SCREEN_MIN_SECONDS", MIN_SECONDS)
    if elapsed is not None and elapsed < minimum:
        reasons.append(f"从打开页面到提交只用了 {max(elapsed, 0):.0f} 秒（少于 {minimum} 秒）")
    keys = fingerprints(request, data)
    today = Submission.objects.filter(at__gte=day_start())
    limits = (
        ("ip", _setting("FAYUAN_SCREEN_IP_PER_DAY", IP_PER_DAY), "同一网络地址"),
        ("phone", _setting("FAYUAN_SCREEN_PHONE_PER_DAY", PHONE_PER_DAY), "同一手机号"),
        ("id_number", _setting("FAYUAN_SCREEN_PHONE_PER_DAY", PHONE_PER_DAY), "同一身份证号"),
    )
    for field, limit, what in limits:
        if keys[field]:
            n = today.filter(**{field: keys[field]}).count() + 1
            if n >= limit:
                reasons.append(f"今天{what}已提交 {n} 份申请（含本份）")
    if keys["text"] and today.filter(text=keys["text"]).exists():
        reasons.append("案情与今天另一份申请完全相同")
    facts = facts_of(data)
    if _LINK.search(facts):
        reasons.append("案情中含有网址链接")
    odd = nonsense(facts)
    if odd:
        reasons.append(odd)
    return reasons


def remember(request: HttpRequest, data: dict[str, Any]) -> None:
    """Record this application's fingerprints for today's screening (call it where the
    application is stored, in the same transaction); purges those older than two days."""
    from fayuan.abuse.models import Submission

    now = timezone.now()
    Submission.objects.create(at=now, **fingerprints(request, data))
    Submission.objects.filter(at__lt=now - KEEP).delete()
