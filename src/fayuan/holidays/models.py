"""The State Council's yearly holiday arrangements as the center enters them (SPEC §5), and the
reminders sent while next year's is missing. National data: one set for the installation."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fayuan.roster.models import Center


class HolidayYear(models.Model):
    """国务院办公厅关于××年部分节假日安排的通知, as entered: its days are `HolidayDay` rows."""

    year = models.PositiveIntegerField("年份", unique=True)
    source = models.CharField(
        "通知文号",
        max_length=200,
        help_text="如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）",
    )
    note = models.CharField("备注", max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="录入人"
    )
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = verbose_name_plural = "年度节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年节假日安排"


class DayKind(models.TextChoices):
    holiday = "holiday", "放假"
    makeup = "makeup", "调休上班"


class HolidayDay(models.Model):
    year = models.ForeignKey(
        HolidayYear, on_delete=models.CASCADE, related_name="days", verbose_name="年度"
    )
    day = models.DateField("日期", unique=True)
    kind = models.CharField("类别", max_length=10, choices=DayKind.choices)

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排日期"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.get_kind_display()}"


class CalendarReminder(models.Model):
    """One e-mail per center and year asking for next year's arrangement (sent once)."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="+", verbose_name="法律援助中心"
    )
    year = models.PositiveIntegerField("缺少安排的年份")
    sent_at = models.DateTimeField("发送时间")
    recipients = models.JSONField("收件人", default=list)

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排录入提醒"
        constraints = [
            models.UniqueConstraint(fields=["center", "year"], name="uniq_calendar_reminder")
        ]
