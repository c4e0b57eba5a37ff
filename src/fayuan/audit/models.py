"""The append-only audit log: each event carries the hash of the one before it, so that
`fayuan audit verify` detects an edited or deleted record."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditHead(models.Model):
    """One row per log: locked while appending so the chain stays a chain under concurrency."""

    name = models.CharField(max_length=20, unique=True, default="main", verbose_name="名称")
    last_seq = models.BigIntegerField(default=0, verbose_name="最后序号")
    last_hash = models.CharField(max_length=64, default="0" * 64, verbose_name="最后哈希值")


class AuditEvent(models.Model):
    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_label = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=60)
    object_type = models.CharField("对象类型", max_length=60)
    object_id = models.CharField("对象", max_length=60)
    case_id_ref = models.BigIntegerField("案件", null=True, blank=True, db_index=True)
    data = models.JSONField("内容", default=dict)
    prev_hash = models.CharField(max_length=64, verbose_name="前一事件哈希值")
    hash = models.CharField(max_length=64, unique=True, verbose_name="哈希值")

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering = ["seq"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit events are append-only")
