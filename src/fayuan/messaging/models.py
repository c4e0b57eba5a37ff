"""One row per message sent (or task done) under an idempotency key: what it is about, never
its text or its recipients' addresses, which may be personal data."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    email = "email", "电子邮件"
    sms = "sms", "短信"
    task = "task", "后台任务"


class KeyStatus(models.TextChoices):
    running = "running", "进行中"
    done = "done", "已完成"
    failed = "failed", "失败"


class TaskKey(models.Model):
    """A message or task under its key. `running` is a claim: a second run of the same task finds
    it and does nothing; a claim older than the lease (a worker that died mid-send) may be taken
    again. `failed` (the last attempt raised) may be retried."""

    key = models.CharField("幂等键", max_length=200, unique=True)
    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    status = models.CharField("状态", max_length=8, choices=KeyStatus.choices)
    recipients = models.PositiveIntegerField("收件人数", default=0)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    claimed_at = models.DateTimeField("开始时间")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    error = models.CharField("错误类型", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "发送与任务记录"
        ordering = ["-claimed_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}（{self.get_status_display()}）"
