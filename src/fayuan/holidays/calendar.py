"""The service's working-day calendar (SPEC §5): chinese_calendar, then the overrides file, then
the years the center entered here (which win), provisional for a year none of them knows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from threading import Lock

from django.conf import settings
from django.db.models import Count, Max

from fayuan.holidays.models import DayKind, HolidayDay, HolidayYear
from fayuan.workdays import WorkdayCalendar, YearArrangement

_lock = Lock()
_cached: tuple[tuple[int, datetime | None, int], WorkdayCalendar] | None = None


def entered_arrangements() -> dict[int, YearArrangement]:
    """The years entered in the service, as `YearArrangement`s (two queries)."""
    days: dict[int, dict[str, set[date]]] = defaultdict(lambda: {"holiday": set(), "makeup": set()})
    for year, day, kind in HolidayDay.objects.values_list("year__year", "day", "kind"):
        days[year][kind].add(day)
    return {
        y.year: YearArrangement(
            year=y.year,
            holidays=frozenset(days[y.year][DayKind.holiday]),
            makeup_workdays=frozenset(days[y.year][DayKind.makeup]),
            source=y.source,
            note=y.note,
        )
        for y in HolidayYear.objects.all()
    }


def _version() -> tuple[int, datetime | None, int]:
    row = HolidayYear.objects.aggregate(
        n=Count("id", distinct=True), last=Max("entered_at"), days=Count("days")
    )
    return (row["n"], row["last"], row["days"])


def service_calendar() -> WorkdayCalendar:
    """Rebuilt only when the entered years change (one aggregate query per call)."""
    global _cached
    version = _version()
    with _lock:
        if _cached is not None and _cached[0] == version:
            return _cached[1]
    path = settings.FAYUAN_CALENDAR_OVERRIDES
    years = dict(WorkdayCalendar.default(path).overrides)
    years.update(entered_arrangements())
    cal = WorkdayCalendar(years, overrides_path=path, provisional=True)
    with _lock:
        _cached = (version, cal)
    return cal
