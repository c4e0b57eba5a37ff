"""The center enters the State Council's yearly holiday arrangement here (SPEC §5). Saving goes
through `do_enter_holiday_year`: validated, audited, and every provisional deadline recomputed.
The entered years can be downloaded as the overrides file that `replay --calendar` reads."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from fayuan.errors import ActionError
from fayuan.holidays.actions import do_enter_holiday_year, may_enter_calendar
from fayuan.holidays.calendar import entered_arrangements
from fayuan.holidays.models import DayKind, HolidayYear
from fayuan.workdays import arrangement_problems, dump_overrides

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[HolidayYear]
    _FormBase = forms.ModelForm[HolidayYear]
else:
    _ModelAdmin = admin.ModelAdmin
    _FormBase = forms.ModelForm

_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:(?:~|～|至|到|—|--)\s*(\d{4}-\d{2}-\d{2}))?$")


def parse_days(text: str) -> tuple[list[date], list[str]]:
    """Dates written one per line (or separated by commas), a run as `2027-02-05 至 2027-02-11`.
    Returns the days and every entry that could not be read, with why."""
    days: list[date] = []
    errors: list[str] = []
    for raw in text.replace("\r", "\n").split("\n"):
        for item in re.split(r"[,，、;；]", raw):
            item = item.strip()
            if not item:
                continue
            m = _RANGE.match(item)
            try:
                if m is None:
                    raise ValueError
                first = date.fromisoformat(m.group(1))
                last = date.fromisoformat(m.group(2)) if m.group(2) else first
            except ValueError:
                errors.append(
                    f"“{item}”不是日期或日期区间（如 2027-02-05 或 2027-02-05 至 2027-02-11）"
                )
                continue
            if last < first:
                errors.append(f"“{item}”的终点早于起点")
                continue
            d = first
            while d <= last:
                days.append(d)
                d += timedelta(days=1)
    return days, errors


class HolidayYearForm(_FormBase):
    holidays = forms.CharField(
        label="放假日期",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            "每行一个日期或区间，如 2027-01-01、2027-02-05 至 2027-02-11"
            "（区间内的周末可列可不列）。"
        ),
    )
    makeup_workdays = forms.CharField(
        label="调休上班日期",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="调休上班的星期六、星期日，每行一个；没有则留空。",
    )

    class Meta:
        model = HolidayYear
        fields = ("year", "source", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            days = list(self.instance.days.order_by("day"))
            self.initial["holidays"] = "\n".join(
                d.day.isoformat() for d in days if d.kind == DayKind.holiday
            )
            self.initial["makeup_workdays"] = "\n".join(
                d.day.isoformat() for d in days if d.kind == DayKind.makeup
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        holidays, bad_h = parse_days(data.get("holidays") or "")
        makeup, bad_m = parse_days(data.get("makeup_workdays") or "")
        for message in bad_h:
            self.add_error("holidays", message)
        for message in bad_m:
            self.add_error("makeup_workdays", message)
        year = data.get("year")
        if year is not None:  # every mistake at once, the unreadable entries left out
            if not holidays and not bad_h:
                self.add_error("holidays", "请至少填写一个放假日期")
            for field, reason in arrangement_problems(
                year, holidays, makeup, data.get("source") or ""
            ):
                self.add_error(field if field != "source" else "source", reason)
        data["holiday_days"], data["makeup_days"] = holidays, makeup
        return data

    def validate_unique(self) -> None:
        """Re-entering a year replaces it (the action does), so the year may already exist."""


@admin.register(HolidayYear)
class HolidayYearAdmin(_ModelAdmin):
    form = HolidayYearForm
    list_display = ("year", "source", "holiday_count", "makeup_count", "entered_by", "entered_at")
    readonly_fields = ("entered_by", "entered_at")
    actions = ["export_overrides"]

    @admin.display(description="放假天数")
    def holiday_count(self, obj: HolidayYear) -> int:
        return obj.days.filter(kind=DayKind.holiday).count()

    @admin.display(description="调休上班天数")
    def makeup_count(self, obj: HolidayYear) -> int:
        return obj.days.filter(kind=DayKind.makeup).count()

    def get_queryset(self, request: HttpRequest) -> QuerySet[HolidayYear]:
        return super().get_queryset(request).select_related("entered_by")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_enter_calendar(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_enter_calendar(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a year once entered is corrected by entering it again, never removed

    def save_model(self, request: HttpRequest, obj: HolidayYear, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            saved = do_enter_holiday_year(
                request.user,
                data["year"],
                data["holiday_days"],
                data["makeup_days"],
                data["source"],
                data.get("note") or "",
            )
        except ActionError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = saved.pk
        obj.entered_by, obj.entered_at = saved.entered_by, saved.entered_at

    @admin.action(description="导出为日历补充文件（overrides.toml）")
    def export_overrides(
        self, request: HttpRequest, queryset: QuerySet[HolidayYear]
    ) -> HttpResponse:
        years = set(queryset.values_list("year", flat=True))
        text = dump_overrides(a for y, a in entered_arrangements().items() if y in years)
        response = HttpResponse(text, content_type="application/toml; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="overrides.toml"'
        return response
