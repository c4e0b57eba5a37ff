"""The codes the status lookup sends to an applicant's phone (`fayuan.status.lookup`).

A code is kept only as a salted keyed hash (`code_hash`), never in plain; the phone only as a
keyed hash (`phone_key`, HMAC-SHA256 under `FAYUAN_MATCH_KEY`), which is what the send limits
count on: at most one code a minute and `DAILY_LIMIT` a day to one phone, whichever case it is
for. A code lives `LIFETIME`, allows `MAX_ATTEMPTS` tries and one use.

法律援助法第五十五条：受援人有权了解为其提供法律援助的进展情况 — the lookup is how an applicant
learns it without calling the center; 个人信息保护法第五十一条 (security measures) is why the code
and the phone are hashed and the case is shown only after the code.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models

from fayuan.cases.models import Case

LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
#: No second code to the same phone within this time.
RESEND_AFTER = timedelta(seconds=60)
#: At most this many codes to one phone in any 24 hours.
DAILY_LIMIT = 5
DAY = timedelta(hours=24)


class LookupCode(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="lookup_codes", verbose_name="案件"
    )
    phone_key = models.CharField("手机号索引", max_length=64, db_index=True)
    code_hash = models.CharField("验证码摘要", max_length=64)
    salt = models.CharField("盐", max_length=32)
    created_at = models.DateTimeField("发送时间", db_index=True)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "进度查询验证码"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phone_key", "created_at"], name="lookup_phone_recent")]

    def __str__(self) -> str:
        return f"{self.case.number} 验证码（{self.created_at:%Y-%m-%d %H:%M}）"
