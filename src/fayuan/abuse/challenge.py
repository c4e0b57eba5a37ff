"""A human check without any outside service: a proof of work, or a sum in Chinese.

`issue()` makes a challenge: an id, the time it was issued, the work's difficulty in bits, and a
small sum (三加五等于几？), signed with the project's SECRET_KEY (Django's signing: HMAC-SHA256)
and expiring after FAYUAN_CHALLENGE_MAX_AGE seconds. It passes in one of three ways:

* **proof of work** (`pow.js`, WebCrypto): a nonce such that SHA-256(token + ":" + nonce) starts
  with `bits` zero bits (FAYUAN_POW_BITS, 14 by default: about 16,000 hashes, a few hundred ms
  on a phone). Costless to a person, costly to a flood;
* **the sum**, for people with scripts blocked (or a browser without WebCrypto outside HTTPS):
  the answer in digits, full-width digits or Chinese numerals. A question rather than a
  time-trap alone, because a trap refuses nobody the person can see and gives no way to
  correct; the sum is read aloud by a screen reader and needs no image. It is not a secret
  (the token is readable): against a bot written for this site the rate limits and the
  screening carry the load; the check stops the untargeted ones;
* **already passed**: `issue(passed=True, first_issued=...)` re-issues, for a form shown again
  with other mistakes, a challenge that needs no new work (made only after a real pass).

`consume()` spends the id once (`UsedChallenge`, a primary key: the second use fails even from
another worker); `verify()` does all of it.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

SALT = "fayuan.abuse.challenge"
DEFAULT_BITS = 14
DEFAULT_MAX_AGE = 6 * 3600
#: Purge spent challenges on about one consume in this many.
PURGE_ONE_IN = 20

DIGITS_ZH = "零一二三四五六七八九"


class ChallengeError(Exception):
    """A challenge that does not pass; `message` says what to do, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def pow_bits() -> int:
    return int(getattr(settings, "FAYUAN_POW_BITS", DEFAULT_BITS))


def max_age() -> int:
    return int(getattr(settings, "FAYUAN_CHALLENGE_MAX_AGE", DEFAULT_MAX_AGE))


def number_zh(n: int) -> str:
    """0…99 in Chinese numerals: 8 → 八, 12 → 十二, 20 → 二十."""
    if n < 10:
        return DIGITS_ZH[n]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else DIGITS_ZH[tens] + "十"
    return head + (DIGITS_ZH[ones] if ones else "")


def parse_answer(text: str) -> int | None:
    """An answer as a number: "8", "８", "八", "十二", "二十" (spaces ignored), or None."""
    text = "".join(unicodedata.normalize("NFKC", text or "").split())
    if text.isascii() and text.isdigit() and len(text) <= 3:
        return int(text)
    for n in range(100):
        if number_zh(n) == text:
            return n
    return None


@dataclass(frozen=True)
class Challenge:
    id: str
    issued_at: float  # when this token was made (seconds since the epoch)
    first_issued: float  # when the person first got a challenge on this form
    bits: int
    a: int
    b: int
    passed: bool
    token: str

    @property
    def question(self) -> str:
        return f"{number_zh(self.a)}加{number_zh(self.b)}等于几？"

    @property
    def answer(self) -> int:
        return self.a + self.b

    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.issued_at + max_age(), UTC)

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since the person first got the form."""
        return (time.time() if now is None else now) - self.first_issued


def issue(passed: bool = False, first_issued: float | None = None) -> Challenge:
    now = time.time()
    rng = random.SystemRandom()
    payload = {
        "i": secrets.token_urlsafe(12),
        "t": round(now, 3),
        "f": round(first_issued if first_issued is not None else now, 3),
        "d": pow_bits(),
        "a": rng.randint(1, 9),
        "b": rng.randint(1, 9),
        "p": 1 if passed else 0,
    }
    token = signing.dumps(payload, salt=SALT, compress=False)
    return _from_payload(payload, token)


def _from_payload(payload: dict[str, object], token: str) -> Challenge:
    def num(key: str) -> float:
        value = payload[key]
        if not isinstance(value, int | float):
            raise ChallengeError("验证信息无效，请重新回答下面的题目后再提交。")
        return float(value)

    return Challenge(
        id=str(payload["i"]),
        issued_at=num("t"),
        first_issued=num("f"),
        bits=int(num("d")),
        a=int(num("a")),
        b=int(num("b")),
        passed=bool(payload.get("p")),
        token=token,
    )


def read(token: str) -> Challenge:
    """The challenge `token` names, if its signature holds and it has not expired."""
    if not token or len(token) > 500:
        raise ChallengeError("缺少验证信息，请回答下面的题目后再提交。")
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired:
        raise ChallengeError("页面打开太久，验证已过期；请回答下面的新题目后再提交。") from None
    except signing.BadSignature:
        raise ChallengeError("验证信息无效，请回答下面的题目后再提交。") from None
    if not isinstance(payload, dict) or not {"i", "t", "f", "d", "a", "b"} <= payload.keys():
        raise ChallengeError("验证信息无效，请回答下面的题目后再提交。")
    return _from_payload(payload, token)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def work_ok(challenge: Challenge, nonce: str) -> bool:
    """Whether `nonce` is a proof of work for `challenge` (what pow.js finds)."""
    if not nonce or len(nonce) > 32 or not nonce.isascii():
        return False
    digest = hashlib.sha256(f"{challenge.token}:{nonce}".encode("ascii")).digest()
    return leading_zero_bits(digest) >= challenge.bits


def solve(challenge: Challenge) -> str:
    """A nonce for `challenge`, found the way pow.js finds it (for tests and tools)."""
    n = 0
    while not work_ok(challenge, str(n)):
        n += 1
    return str(n)


def answer_ok(challenge: Challenge, answer: str) -> bool:
    return parse_answer(answer) == challenge.answer


def consume(challenge: Challenge) -> None:
    """Spend `challenge` once; ChallengeError if it was spent already."""
    from fayuan.abuse.models import UsedChallenge

    try:
        with transaction.atomic():
            UsedChallenge.objects.create(id=challenge.id, expires_at=challenge.expires_at())
    except IntegrityError:
        raise ChallengeError(
            "这次验证已经用过了，请回答下面的新题目后再提交（已提交的内容不会重复保存）。"
        ) from None
    if random.randrange(PURGE_ONE_IN) == 0:
        UsedChallenge.objects.filter(expires_at__lt=datetime.now(UTC)).delete()


def verify(token: str, nonce: str = "", answer: str = "") -> Challenge:
    """The challenge of `token`, passed (by its proof of work, the sum, or a pass already
    made) and now spent; ChallengeError (in Chinese) otherwise."""
    challenge = read(token)
    if not (challenge.passed or work_ok(challenge, nonce)):
        if not (answer or "").strip():
            raise ChallengeError("请回答这道算术题（填数字），以确认是您本人在填写。")
        if not answer_ok(challenge, answer):
            raise ChallengeError("算术题的答案不对，请回答下面的新题目（填数字，例如 8）。")
    consume(challenge)
    return challenge
