"""A report asked for from the bureau's desk and made by the background worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fayuan.roster.models import Center


class ReportStatus(models.TextChoices):
    queued = "queued", "排队中"
    running = "running", "生成中"
    done = "done", "已生成"
    failed = "failed", "生成失败"


class GeneratedReport(models.Model):
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="reports", verbose_name="法律援助中心"
    )
    period = models.CharField("期间", max_length=7, help_text="2026-11 或 2026")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="申请人",
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    status = models.CharField(
        "状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.queued
    )
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    #: Paths relative to MEDIA_ROOT (never served directly: `fayuan.reports.views.download`).
    xlsx = models.CharField("Excel 文件", max_length=200, blank=True)
    pdf = models.CharField("PDF 文件", max_length=200, blank=True)

    class Meta:
        verbose_name = "统计报表"
        verbose_name_plural = "统计报表"
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.center.name} {self.period}"
