"""The statutory working-day calendar (SPEC.md §5; FACTS.md "Working days").

A day is a working day if the State Council's holiday arrangement for its year makes it one:
Monday to Friday unless it is a holiday, and a weekend day only if it is a make-up working day
(调休上班). The arrangements come from two places:

* the center's own overrides file (TOML, see `load_overrides`), for a year the package does not
  know yet or one the center must correct. A year in it replaces everything else for that year;
* otherwise ``chinese_calendar`` (``chinesecalendar`` 1.11.0: 2004–2026).

A year neither knows is an error (`CalendarYearMissing`), never a guess — unless the calendar is
made `provisional`: then such a year counts weekends and the statutory holidays of
《全国年节及纪念日放假办法》 (`fayuan.holiday_law`) as rest days, and whoever uses a date counted so
must mark it 暂定 (`covers` tells which years are provisional). The live service does this, so that
it never refuses a case for an unpublished arrangement; `replay` does it only when asked.

Pure Python: no Django, no database.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar

from fayuan.holiday_law import statutory_holidays
from fayuan.policy.params import toml_error_reason

__all__ = [
    "CHINESE_CALENDAR_VERSION",
    "PACKAGED_OVERRIDES",
    "CalendarFileError",
    "CalendarYearMissing",
    "WorkdayCalendar",
    "YearArrangement",
    "arrangement_problems",
    "dump_overrides",
    "load_overrides",
]

#: The overrides file shipped with the package (kept by the center).
PACKAGED_OVERRIDES: Path = Path(__file__).resolve().parent / "calendars" / "overrides.toml"

CHINESE_CALENDAR_VERSION: str = str(getattr(chinese_calendar, "__version__", "unknown"))

# chinese_calendar recomputes min()/max() over its whole table on every call; do it once here.
_CC_FIRST_YEAR: int = min(d.year for d in chinese_calendar.holidays)
_CC_LAST_YEAR: int = max(d.year for d in chinese_calendar.holidays)

_ONE_DAY = timedelta(days=1)
_YEAR_KEYS = frozenset({"source", "holidays", "makeup_workdays", "note"})
_RANGE_KEYS = frozenset({"from", "to"})
_WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


class CalendarYearMissing(ValueError):
    """No holiday arrangement is known for `year`: the center must enter it (SPEC §5)."""

    def __init__(self, year: int, overrides_path: str | Path | None = None) -> None:
        self.year = year
        self.overrides_path = Path(overrides_path) if overrides_path is not None else None
        where = self.overrides_path if self.overrides_path is not None else PACKAGED_OVERRIDES
        if year > _CC_LAST_YEAR:
            coverage = f"chinese_calendar {CHINESE_CALENDAR_VERSION} 只收录到 {_CC_LAST_YEAR} 年"
        else:
            coverage = (
                f"chinese_calendar {CHINESE_CALENDAR_VERSION} "
                f"只收录 {_CC_FIRST_YEAR} 年至 {_CC_LAST_YEAR} 年"
            )
        super().__init__(
            f"缺少 {year} 年的法定节假日安排：{coverage}，日历补充文件中也没有 {year} 年。"
            f"请按国务院办公厅关于 {year} 年部分节假日安排的通知，在日历补充文件 {where} 中加入 "
            f"[years.{year}]（holidays 放假日期、makeup_workdays 调休上班日期、source 通知文号），"
            f"或用 --calendar 指定该文件。"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.year, self.overrides_path))


class CalendarFileError(ValueError):
    """The overrides file is missing, unreadable or wrong. Names the file, the key and why."""

    def __init__(self, path: str | Path, key: str | None, reason: str) -> None:
        self.path = Path(path)
        self.key = key
        self.reason = reason
        where = f"日历补充文件 {self.path}"
        if key:
            where += f" 中的 {key}"
        super().__init__(f"{where}：{reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.key, self.reason))


@dataclass(frozen=True)
class YearArrangement:
    """One year's holiday arrangement as published by the General Office of the State Council."""

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    #: The notice it comes from, e.g. "国办发明电〔2025〕7号".
    source: str
    note: str = ""

    def is_workday(self, d: date) -> bool:
        if d in self.makeup_workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays


def arrangement_problems(
    year: int, holidays: Iterable[date], makeup_workdays: Iterable[date], source: str
) -> list[tuple[str, str]]:
    """Every mistake in one year's arrangement as (field, Chinese reason): dates inside the
    year, none listed twice, a make-up day is a Saturday or Sunday and not also a holiday, the
    notice named. The same rules as the overrides file; the service's form shows them all."""
    problems: list[tuple[str, str]] = []
    if not source.strip():
        problems.append(("source", "请写明国务院办公厅通知的文号"))
    for key, days in (("holidays", list(holidays)), ("makeup_workdays", list(makeup_workdays))):
        seen: set[date] = set()
        for d in days:
            if d.year != year:
                problems.append((key, f"{d.isoformat()} 不在 {year} 年内"))
            if d in seen:
                problems.append((key, f"{d.isoformat()} 重复列出"))
            seen.add(d)
    off = set(holidays)
    for d in sorted(set(makeup_workdays)):
        if d in off:
            problems.append(
                ("makeup_workdays", f"{d.isoformat()} 同时列在放假日期和调休上班日期中")
            )
        elif d.weekday() < 5:
            problems.append(
                (
                    "makeup_workdays",
                    f"{d.isoformat()} 是{_WEEKDAY_NAMES[d.weekday()]}，"
                    "调休上班日只能是星期六或星期日",
                )
            )
    return problems


def dump_overrides(arrangements: Iterable[YearArrangement]) -> str:
    """The overrides file (`load_overrides`'s format) for `arrangements`: what the service's
    database holds, for `replay --calendar` and for the record."""
    lines = [
        "# 法定节假日安排补充文件（由法援指派导出；格式见 fayuan/calendars/overrides.toml）",
        "",
        "[years]",
    ]
    for a in sorted(arrangements, key=lambda a: a.year):
        lines += ["", f"[years.{a.year}]", f"source = {_toml_string(a.source)}"]
        lines.append("holidays = [" + ", ".join(d.isoformat() for d in sorted(a.holidays)) + "]")
        makeup = ", ".join(d.isoformat() for d in sorted(a.makeup_workdays))
        lines.append(f"makeup_workdays = [{makeup}]")
        if a.note:
            lines.append(f"note = {_toml_string(a.note)}")
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


# --------------------------------------------------------------------------- overrides file


def load_overrides(path: str | Path) -> dict[int, YearArrangement]:
    """Read and strictly check a calendar overrides file.

    Format (TOML)::

        [years.2027]
        source = "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）"
        holidays = [2027-01-01, {from = 2027-02-06, to = 2027-02-12}]
        makeup_workdays = [2027-02-14]
        note = "optional"

    Every day off in the year's holiday periods is listed in ``holidays`` (weekend days inside a
    period may be listed or not: a weekend is a rest day anyway); ``makeup_workdays`` are the
    weekend days worked instead. Any mistake raises `CalendarFileError`.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise CalendarFileError(p, None, "文件不存在") from None
    except OSError as exc:
        raise CalendarFileError(p, None, f"无法读取（{exc.strerror or exc}）") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CalendarFileError(
            p, None, f"不是 UTF-8 编码的文本（第 {exc.start + 1} 个字节起）"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise CalendarFileError(p, None, toml_error_reason(str(exc))) from exc

    for key in data:
        if key != "years":
            raise CalendarFileError(p, key, "未知的键，顶层只允许 [years]")
    years = data.get("years", {})
    if not isinstance(years, dict):
        raise CalendarFileError(p, "years", f"应为表（[years.YYYY]），实际是 {_type_name(years)}")

    result: dict[int, YearArrangement] = {}
    for year_key, table in years.items():
        key = f"years.{year_key}"
        if not (isinstance(year_key, str) and len(year_key) == 4 and year_key.isascii()):
            raise CalendarFileError(p, key, "年份应为四位数字，如 [years.2027]")
        if not year_key.isdigit() or year_key.startswith("0"):
            raise CalendarFileError(p, key, "年份应为四位数字，如 [years.2027]")
        if not isinstance(table, dict):
            raise CalendarFileError(p, key, f"应为表，实际是 {_type_name(table)}")
        result[int(year_key)] = _parse_year(p, int(year_key), table)
    return result


def _parse_year(p: Path, year: int, table: dict[str, Any]) -> YearArrangement:
    base = f"years.{year}"
    for k in table:
        if k not in _YEAR_KEYS:
            raise CalendarFileError(
                p, f"{base}.{k}", "未知的键，只允许 source、holidays、makeup_workdays、note"
            )
    for required in ("source", "holidays", "makeup_workdays"):
        if required not in table:
            raise CalendarFileError(p, f"{base}.{required}", "缺少此项（没有时写空列表 []）")

    source = table["source"]
    if not isinstance(source, str):
        raise CalendarFileError(p, f"{base}.source", f"应为字符串，实际是 {_type_name(source)}")
    if not source.strip():
        raise CalendarFileError(p, f"{base}.source", "不能为空：请写明国务院办公厅通知的文号")
    note = table.get("note", "")
    if not isinstance(note, str):
        raise CalendarFileError(p, f"{base}.note", f"应为字符串，实际是 {_type_name(note)}")

    holidays = _parse_dates(p, year, f"{base}.holidays", table["holidays"])
    makeup = _parse_dates(p, year, f"{base}.makeup_workdays", table["makeup_workdays"])

    for d in sorted(makeup):
        if d in holidays:
            raise CalendarFileError(
                p,
                f"{base}.makeup_workdays",
                f"{d.isoformat()} 同时列在 holidays 和 makeup_workdays 中",
            )
        if d.weekday() < 5:
            raise CalendarFileError(
                p,
                f"{base}.makeup_workdays",
                f"{d.isoformat()} 是{_WEEKDAY_NAMES[d.weekday()]}，调休上班日只能是星期六或星期日",
            )
    return YearArrangement(
        year=year,
        holidays=frozenset(holidays),
        makeup_workdays=frozenset(makeup),
        source=source.strip(),
        note=note,
    )


def _parse_dates(p: Path, year: int, key: str, value: object) -> set[date]:
    if not isinstance(value, list):
        raise CalendarFileError(
            p, key, f"应为日期列表（如 [2027-01-01]），实际是 {_type_name(value)}"
        )
    seen: set[date] = set()
    for i, item in enumerate(value):
        item_key = f"{key}[{i}]"
        if isinstance(item, dict):
            days = list(_parse_range(p, item_key, item))
        else:
            days = [_as_date(p, item_key, item)]
        for d in days:
            if d.year != year:
                raise CalendarFileError(p, item_key, f"{d.isoformat()} 不在 {year} 年内")
            if d in seen:
                raise CalendarFileError(p, item_key, f"{d.isoformat()} 重复列出")
            seen.add(d)
    return seen


def _parse_range(p: Path, key: str, item: dict[str, Any]) -> Iterable[date]:
    for k in item:
        if k not in _RANGE_KEYS:
            raise CalendarFileError(p, f"{key}.{k}", "未知的键，日期区间只允许 from 和 to")
    for k in ("from", "to"):
        if k not in item:
            raise CalendarFileError(p, f"{key}.{k}", "日期区间缺少此项（{from = ..., to = ...}）")
    first = _as_date(p, f"{key}.from", item["from"])
    last = _as_date(p, f"{key}.to", item["to"])
    if last < first:
        raise CalendarFileError(p, key, f"区间终点 {last.isoformat()} 早于起点 {first.isoformat()}")
    d = first
    while d <= last:
        yield d
        d += _ONE_DAY


def _as_date(p: Path, key: str, value: object) -> date:
    if isinstance(value, datetime):
        raise CalendarFileError(p, key, f"应为日期（如 2027-01-01），不要带时间：{value}")
    if not isinstance(value, date):
        hint = "（TOML 日期不加引号）" if isinstance(value, str) else ""
        raise CalendarFileError(
            p, key, f"应为日期（如 2027-01-01），实际是 {_type_name(value)} {value!r}{hint}"
        )
    return value


def _type_name(value: object) -> str:
    names = {
        str: "字符串",
        int: "整数",
        float: "浮点数",
        bool: "布尔值",
        list: "列表",
        dict: "表",
        date: "日期",
        datetime: "日期时间",
    }
    return names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- the calendar


class WorkdayCalendar:
    """Working days by the State Council's arrangements, with the center's overrides on top."""

    def __init__(
        self,
        overrides: Mapping[int, YearArrangement] | None = None,
        *,
        overrides_path: str | Path | None = None,
        provisional: bool = False,
    ) -> None:
        """`overrides_path` only names the file in `CalendarYearMissing` messages. With
        `provisional`, a year with no arrangement is counted from the statutory holidays instead
        of raising `CalendarYearMissing`."""
        self.provisional = provisional
        self._overrides: dict[int, YearArrangement] = dict(overrides or {})
        for year, arrangement in self._overrides.items():
            if arrangement.year != year:
                raise ValueError(f"override for {year} holds the arrangement of {arrangement.year}")
        self._overrides_path = Path(overrides_path) if overrides_path is not None else None
        self._cache: dict[date, bool] = {}

    @classmethod
    def default(
        cls, overrides_path: str | Path | None = None, *, provisional: bool = False
    ) -> WorkdayCalendar:
        """chinese_calendar plus the overrides file (the packaged one unless a path is given)."""
        path = Path(overrides_path) if overrides_path is not None else PACKAGED_OVERRIDES
        return cls(load_overrides(path), overrides_path=path, provisional=provisional)

    @property
    def overrides(self) -> Mapping[int, YearArrangement]:
        return dict(self._overrides)

    def is_workday(self, d: date) -> bool:
        """Whether `d` is a statutory working day. Raises `CalendarYearMissing`."""
        try:
            return self._cache[d]
        except KeyError:
            pass
        result = self._compute(d)
        self._cache[d] = result
        return result

    def _compute(self, d: date) -> bool:
        if isinstance(d, datetime) or not isinstance(d, date):
            # A datetime's calendar day depends on its time zone: the caller must decide it.
            raise TypeError(f"expected a datetime.date, got {type(d).__name__}: {d!r}")
        arrangement = self._overrides.get(d.year)
        if arrangement is not None:
            return arrangement.is_workday(d)
        if not _CC_FIRST_YEAR <= d.year <= _CC_LAST_YEAR:
            if self.provisional and d.year > _CC_LAST_YEAR:
                # 暂定: weekends and the 办法's statutory holidays; no make-up working day.
                return d.weekday() < 5 and d not in statutory_holidays(d.year)
            raise CalendarYearMissing(d.year, self._overrides_path)
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:  # pragma: no cover - guarded by the year check above
            raise CalendarYearMissing(d.year, self._overrides_path) from None

    def nth_workday_after(self, start: date, n: int) -> date:
        """The `n`-th working day strictly after `start` (the start day itself never counts).

        Counts day by day with `is_workday` (chinese_calendar's ``find_workday`` first moves to the
        next working day on or after `start` and so lands one day late from a holiday).
        """
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        if isinstance(start, datetime) or not isinstance(start, date):
            raise TypeError(f"expected a datetime.date, got {type(start).__name__}: {start!r}")
        d = start
        is_workday = self.is_workday
        while n:
            d += _ONE_DAY
            if is_workday(d):
                n -= 1
        return d

    def covers(self, year: int) -> bool:
        """Whether this calendar knows `year`'s arrangement (a year it does not know is counted
        provisionally, or refused)."""
        return year in self._overrides or _CC_FIRST_YEAR <= year <= _CC_LAST_YEAR

    def first_day_after_rest(self, d: date) -> date:
        """`d` if it is a working day, else the first working day after the run of rest days
        (民法典第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的
        最后一日)."""
        while not self.is_workday(d):
            d += _ONE_DAY
        return d

    def years_covered(self) -> list[int]:
        """Every year this calendar knows, ascending."""
        return sorted(set(range(_CC_FIRST_YEAR, _CC_LAST_YEAR + 1)) | set(self._overrides))

    def source_for(self, year: int) -> str:
        """Where `year`'s arrangement comes from: the override's notice or chinese_calendar."""
        arrangement = self._overrides.get(year)
        if arrangement is not None:
            return arrangement.source
        if _CC_FIRST_YEAR <= year <= _CC_LAST_YEAR:
            return f"chinese_calendar {CHINESE_CALENDAR_VERSION}"
        raise CalendarYearMissing(year, self._overrides_path)
