"""The center's calendar overrides file: entering a year, replacing a year, and strict checks."""

from __future__ import annotations

import pickle
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path

import pytest

from fayuan.policy.deadlines import CHINA_TZ, assignment_deadline
from fayuan.workdays import (
    PACKAGED_OVERRIDES,
    CalendarFileError,
    CalendarYearMissing,
    WorkdayCalendar,
    YearArrangement,
    load_overrides,
)

# TEST DATA ONLY — a made-up 2027 arrangement, NOT the State Council's real one.
# 2027-01-01 is a Friday; 02-06 a Saturday, 02-12 a Friday; 01-30 and 02-20 are Saturdays.
FICTIONAL_2027 = """
# TEST DATA ONLY: fictional arrangement, not the real 2027 notice.
[years.2027]
source = "测试数据（虚构，非真实通知）"
holidays = [2027-01-01, { from = 2027-02-06, to = 2027-02-12 }]
makeup_workdays = [2027-01-30, 2027-02-20]
note = "fictional, for tests"
"""


def _write(tmp_path: Path, text: str, name: str = "overrides.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _started(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(10, 0, tzinfo=CHINA_TZ))


# --------------------------------------------------------------------------- adding a year


@pytest.fixture
def calendar_2027(tmp_path: Path) -> WorkdayCalendar:
    return WorkdayCalendar.default(_write(tmp_path, FICTIONAL_2027))


def test_fictional_2027_file_loads_as_an_arrangement(tmp_path: Path) -> None:
    overrides = load_overrides(_write(tmp_path, FICTIONAL_2027))
    assert list(overrides) == [2027]
    arrangement = overrides[2027]
    assert arrangement.year == 2027
    assert arrangement.source == "测试数据（虚构，非真实通知）"
    assert arrangement.note == "fictional, for tests"
    assert arrangement.holidays == frozenset(
        [date(2027, 1, 1)] + [date(2027, 2, d) for d in range(6, 13)]
    )
    assert arrangement.makeup_workdays == frozenset([date(2027, 1, 30), date(2027, 2, 20)])


@pytest.mark.parametrize(
    ("started_on", "working_days", "due_on"),
    [
        # 12-31 Thu (2026 data), 01-01 off, 01-02/03 weekend, 01-04 Mon, 01-05 Tue.
        pytest.param("2026-12-30", 3, "2027-01-05", id="civil-across-new-year-2027"),
        pytest.param("2026-12-31", 1, "2027-01-04", id="criminal-from-12-31"),
        pytest.param("2027-01-29", 1, "2027-01-30", id="lands-on-makeup-saturday-01-30"),
        # 02-06..02-12 off, 02-13/14 weekend.
        pytest.param("2027-02-05", 1, "2027-02-15", id="across-fictional-spring-festival"),
        pytest.param("2027-02-08", 3, "2027-02-17", id="from-a-fictional-holiday"),
        # Fri 02-19, Sat 02-20 make-up, Mon 02-22, Tue 02-23.
        pytest.param("2027-02-18", 3, "2027-02-22", id="makeup-saturday-02-20-counts"),
    ],
)
def test_entered_2027_makes_2027_deadlines_computable_and_makeup_days_count(
    calendar_2027: WorkdayCalendar, started_on: str, working_days: int, due_on: str
) -> None:
    due = assignment_deadline(_started(started_on), working_days, calendar_2027)
    assert due.isoformat() == f"{due_on}T23:59:59+08:00"


def test_entered_2027_is_reported_as_covered_with_its_source(
    calendar_2027: WorkdayCalendar,
) -> None:
    assert calendar_2027.covers(2027)
    assert calendar_2027.years_covered()[-2:] == [2026, 2027]
    assert calendar_2027.source_for(2027) == "测试数据（虚构，非真实通知）"
    assert calendar_2027.source_for(2026) == "chinese_calendar 1.11.0"
    assert calendar_2027.is_workday(date(2027, 1, 30))  # make-up Saturday
    assert not calendar_2027.is_workday(date(2027, 1, 31))  # plain Sunday
    assert not calendar_2027.is_workday(date(2027, 2, 8))  # fictional holiday, a Monday
    assert calendar_2027.is_workday(date(2027, 3, 1))  # plain Monday


def test_a_year_still_missing_after_2027_raises_naming_that_year_and_the_file(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, FICTIONAL_2027)
    calendar = WorkdayCalendar.default(path)
    with pytest.raises(CalendarYearMissing) as info:
        calendar.nth_workday_after(date(2027, 12, 31), 1)
    assert info.value.year == 2028
    assert "2028" in str(info.value)
    assert str(path) in str(info.value)
    with pytest.raises(CalendarYearMissing):
        calendar.source_for(2028)


def test_calendar_year_missing_is_a_value_error_and_pickles() -> None:
    error = CalendarYearMissing(2030)
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert copy.year == 2030
    assert str(copy) == str(error)
    assert "2030" in str(error)


def test_years_before_chinese_calendar_data_are_missing_too() -> None:
    calendar = WorkdayCalendar()
    with pytest.raises(CalendarYearMissing) as info:
        calendar.is_workday(date(2003, 6, 2))
    assert info.value.year == 2003
    assert "2003" in str(info.value)


# --------------------------------------------------------------------------- replacing a year


def test_override_for_an_existing_year_replaces_chinese_calendar_for_that_year(
    tmp_path: Path,
) -> None:
    # TEST DATA ONLY: pretend 2026 had no holidays and no make-up days at all.
    path = _write(
        tmp_path,
        '[years.2026]\nsource = "测试数据：2026 年无假日（虚构）"\n'
        "holidays = []\nmakeup_workdays = []\n",
    )
    calendar = WorkdayCalendar.default(path)
    assert calendar.is_workday(date(2026, 10, 1))  # a Thursday: no longer National Day
    assert not calendar.is_workday(date(2026, 10, 10))  # a Saturday: no longer a make-up day
    assert calendar.source_for(2026) == "测试数据：2026 年无假日（虚构）"
    assert calendar.nth_workday_after(date(2026, 9, 30), 1) == date(2026, 10, 1)
    assert calendar.nth_workday_after(date(2026, 10, 9), 1) == date(2026, 10, 12)
    # Other years keep chinese_calendar's data.
    assert not calendar.is_workday(date(2025, 10, 1))
    assert calendar.source_for(2025) == "chinese_calendar 1.11.0"


def test_calendar_built_from_arrangements_in_memory() -> None:
    arrangement = YearArrangement(
        year=2031,
        holidays=frozenset({date(2031, 1, 1)}),
        makeup_workdays=frozenset({date(2031, 1, 4)}),  # a Saturday
        source="测试数据（虚构）",
    )
    calendar = WorkdayCalendar({2031: arrangement})
    assert not calendar.is_workday(date(2031, 1, 1))
    assert calendar.is_workday(date(2031, 1, 4))
    assert calendar.nth_workday_after(date(2030, 12, 31), 1) == date(2031, 1, 2)
    with pytest.raises(ValueError):
        WorkdayCalendar({2032: arrangement})


def test_a_datetime_is_refused_because_its_day_depends_on_the_time_zone() -> None:
    calendar = WorkdayCalendar()
    with pytest.raises(TypeError):
        calendar.is_workday(datetime(2026, 3, 10, 12, 0))
    with pytest.raises(TypeError):
        calendar.nth_workday_after(datetime(2026, 3, 10, 12, 0), 1)


# --------------------------------------------------------------------------- validation

VALID_BODY = (
    'source = "测试数据（虚构）"\nholidays = [2027-01-01]\nmakeup_workdays = [2027-01-30]\n'
)

# (id, file text, key the message must name, a word of the reason)
INVALID_FILES = [
    (
        "unknown-key-in-year",
        "[years.2027]\n" + VALID_BODY + "holiday = [2027-01-02]\n",
        "years.2027.holiday",
        "未知的键",
    ),
    ("unknown-top-level-key", "year = 2027\n[years]\n", "year", "未知的键"),
    ("years-not-a-table", "years = [2027]\n", "years", "应为表"),
    ("year-key-not-a-year", "[years.abc]\n" + VALID_BODY, "years.abc", "四位数字"),
    ("year-not-a-table", "[years]\n2027 = 1\n", "years.2027", "应为表"),
    (
        "missing-source",
        "[years.2027]\nholidays = []\nmakeup_workdays = []\n",
        "years.2027.source",
        "缺少",
    ),
    (
        "missing-makeup-workdays",
        '[years.2027]\nsource = "x"\nholidays = []\n',
        "years.2027.makeup_workdays",
        "缺少",
    ),
    (
        "empty-source",
        '[years.2027]\nsource = "  "\nholidays = []\nmakeup_workdays = []\n',
        "years.2027.source",
        "不能为空",
    ),
    (
        "source-wrong-type",
        "[years.2027]\nsource = 7\nholidays = []\nmakeup_workdays = []\n",
        "years.2027.source",
        "应为字符串",
    ),
    (
        "note-wrong-type",
        "[years.2027]\n" + VALID_BODY + "note = 1\n",
        "years.2027.note",
        "应为字符串",
    ),
    (
        "holidays-wrong-type-not-a-list",
        '[years.2027]\nsource = "x"\nholidays = 2027-01-01\nmakeup_workdays = []\n',
        "years.2027.holidays",
        "应为日期列表",
    ),
    (
        "holiday-quoted-string-not-a-date",
        '[years.2027]\nsource = "x"\nholidays = ["2027-01-01"]\nmakeup_workdays = []\n',
        "years.2027.holidays[0]",
        "不加引号",
    ),
    (
        "holiday-with-a-time",
        '[years.2027]\nsource = "x"\nholidays = [2027-01-01T00:00:00]\nmakeup_workdays = []\n',
        "years.2027.holidays[0]",
        "不要带时间",
    ),
    (
        "holiday-outside-its-year",
        '[years.2027]\nsource = "x"\nholidays = [2027-01-01, 2026-12-31]\nmakeup_workdays = []\n',
        "years.2027.holidays[1]",
        "不在 2027 年内",
    ),
    (
        "range-outside-its-year",
        '[years.2027]\nsource = "x"\nholidays = [{from = 2027-12-30, to = 2028-01-02}]\n'
        "makeup_workdays = []\n",
        "years.2027.holidays[0]",
        "2028-01-01 不在 2027 年内",
    ),
    (
        "makeup-outside-its-year",
        '[years.2027]\nsource = "x"\nholidays = []\nmakeup_workdays = [2028-01-01]\n',
        "years.2027.makeup_workdays[0]",
        "不在 2027 年内",
    ),
    (
        "both-holiday-and-makeup",
        '[years.2027]\nsource = "x"\nholidays = [{from = 2027-01-29, to = 2027-02-01}]\n'
        "makeup_workdays = [2027-01-30]\n",
        "years.2027.makeup_workdays",
        "同时列在",
    ),
    (
        "weekday-makeup",
        '[years.2027]\nsource = "x"\nholidays = []\nmakeup_workdays = [2027-02-15]\n',
        "years.2027.makeup_workdays",
        "星期一",
    ),
    (
        "duplicate-holiday",
        '[years.2027]\nsource = "x"\n'
        "holidays = [2027-02-08, {from = 2027-02-06, to = 2027-02-10}]\nmakeup_workdays = []\n",
        "years.2027.holidays[1]",
        "重复",
    ),
    (
        "range-reversed",
        '[years.2027]\nsource = "x"\nholidays = [{from = 2027-02-10, to = 2027-02-06}]\n'
        "makeup_workdays = []\n",
        "years.2027.holidays[0]",
        "早于",
    ),
    (
        "range-unknown-key",
        '[years.2027]\nsource = "x"\nholidays = [{from = 2027-02-06, until = 2027-02-10}]\n'
        "makeup_workdays = []\n",
        "years.2027.holidays[0].until",
        "未知的键",
    ),
    (
        "range-missing-to",
        '[years.2027]\nsource = "x"\nholidays = [{from = 2027-02-06}]\nmakeup_workdays = []\n',
        "years.2027.holidays[0].to",
        "缺少",
    ),
]


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [pytest.param(t, k, r, id=i) for i, t, k, r in INVALID_FILES],
)
def test_invalid_overrides_file_raises_calendar_file_error_naming_file_and_key(
    tmp_path: Path, text: str, key: str, reason: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(CalendarFileError) as info:
        load_overrides(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert reason in message
    assert info.value.key == key
    assert isinstance(info.value, ValueError)


def test_missing_overrides_file_raises_calendar_file_error_naming_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(CalendarFileError) as info:
        load_overrides(path)
    assert str(path) in str(info.value)
    assert "不存在" in str(info.value)
    with pytest.raises(CalendarFileError):
        WorkdayCalendar.default(path)


def test_toml_syntax_error_raises_calendar_file_error_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[years.2027\nsource = \n")
    with pytest.raises(CalendarFileError) as info:
        load_overrides(path)
    assert str(path) in str(info.value)
    assert "TOML" in str(info.value)


def test_calendar_file_error_pickles(tmp_path: Path) -> None:
    error = CalendarFileError(tmp_path / "x.toml", "years.2027.source", "不能为空")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert copy.key == "years.2027.source"


# --------------------------------------------------------------------------- the packaged file


def test_packaged_overrides_file_loads_and_holds_no_invented_year() -> None:
    assert PACKAGED_OVERRIDES.is_file()
    assert load_overrides(PACKAGED_OVERRIDES) == {}
    calendar = WorkdayCalendar.default()
    assert calendar.years_covered() == list(range(2004, 2027))
    assert not calendar.covers(2027)


def test_packaged_overrides_file_is_package_data() -> None:
    packaged = resources.files("fayuan").joinpath("calendars", "overrides.toml")
    assert packaged.is_file()
    assert "[years]" in packaged.read_text(encoding="utf-8")


def test_packaged_header_example_is_a_valid_year_when_uncommented(tmp_path: Path) -> None:
    """The how-to in the packaged file's header must itself pass validation."""
    lines = PACKAGED_OVERRIDES.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "#        [years.2027]")
    example = []
    for line in lines[start:]:
        if not line.startswith("#        "):
            break
        example.append(line.removeprefix("#        "))
    overrides = load_overrides(_write(tmp_path, "\n".join(example) + "\n"))
    assert set(overrides) == {2027}
