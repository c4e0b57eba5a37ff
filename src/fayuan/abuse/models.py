"""What abuse resistance keeps: rate-limit counters, used challenges and today's application
fingerprints. Every key is a keyed hash (HMAC-SHA256 with FAYUAN_MATCH_KEY), never a phone,
an address or a text itself; every row expires and is purged as new ones are written."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """Hits of one key in one fixed window of one bucket (`fayuan.abuse.limits.hit`)."""

    bucket = models.CharField("限制项", max_length=60)
    key = models.CharField("键（HMAC）", max_length=64)
    window_start = models.DateTimeField("时间窗开始")
    expires_at = models.DateTimeField("过期时间", db_index=True)
    count = models.PositiveIntegerField("次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "频率限制计数"
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "key", "window_start"], name="abuse_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bucket} {self.key[:8]}… {self.count}"


class UsedChallenge(models.Model):
    """A human-check challenge already spent (`fayuan.abuse.challenge.consume`)."""

    id = models.CharField("挑战编号", max_length=40, primary_key=True)
    expires_at = models.DateTimeField("过期时间", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "已使用的人机验证"

    def __str__(self) -> str:
        return self.id


class Submission(models.Model):
    """One online application's fingerprints, for today's screening (`fayuan.abuse.screening`):
    keyed hashes of the client address, the phone, the ID number and the facts."""

    at = models.DateTimeField("提交时间", db_index=True)
    ip = models.CharField("地址（HMAC）", max_length=64, blank=True, db_index=True)
    phone = models.CharField("电话（HMAC）", max_length=64, blank=True, db_index=True)
    id_number = models.CharField("身份证号（HMAC）", max_length=64, blank=True, db_index=True)
    text = models.CharField("案情（HMAC）", max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "在线申请指纹"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"
