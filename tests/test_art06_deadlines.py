"""第六条 deadlines (SPEC §5) on the real State Council arrangements of 2024–2026.

Every expected date below was worked out by hand from the published notices (and checked against
chinese_calendar's table), not from the code under test:

2024 (国办发明电〔2023〕7号)
    春节 02-10 (Sat) .. 02-17 (Sat) off; make-up Sun 02-04 and Sun 02-18
    劳动节 05-01 (Wed) .. 05-05 (Sun) off; make-up Sun 04-28 and Sat 05-11
    中秋 09-15 (Sun) .. 09-17 (Tue) off; make-up Sat 09-14
    国庆 10-01 (Tue) .. 10-07 (Mon) off; make-up Sun 09-29 and Sat 10-12
2025 (国办发明电〔2024〕12号)
    春节 01-28 (Tue) .. 02-04 (Tue) off; make-up Sun 01-26 and Sat 02-08
    劳动节 05-01 (Thu) .. 05-05 (Mon) off; make-up Sun 04-27
    国庆中秋 10-01 (Wed) .. 10-08 (Wed) off; make-up Sun 09-28 and Sat 10-11
2026 (国办发明电〔2025〕7号)
    元旦 01-01 (Thu) .. 01-03 (Sat) off; make-up Sun 01-04
    春节 02-15 (Sun) .. 02-23 (Mon) off; make-up Sat 02-14 and Sat 02-28
    劳动节 05-01 (Fri) .. 05-05 (Tue) off; make-up Sat 05-09
    中秋 09-25 (Fri) .. 09-27 (Sun) off
    国庆 10-01 (Thu) .. 10-07 (Wed) off; make-up Sun 09-20 and Sat 10-10
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fayuan.policy.deadlines import CHINA_TZ, assignment_deadline
from fayuan.workdays import CalendarYearMissing, WorkdayCalendar

CRIMINAL = 1  # deadline.criminal_working_days
OTHER = 3  # deadline.other_working_days


@pytest.fixture(scope="module")
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar.default()


def _started(day: str, hh: int = 10, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hh, mm, ss, tzinfo=CHINA_TZ))


def _due(day: str) -> str:
    return f"{day}T23:59:59+08:00"


# --------------------------------------------------------------------------- SPEC §5 examples


def test_spec_example_criminal_started_2026_09_30_is_due_2026_10_08(
    calendar: WorkdayCalendar,
) -> None:
    due = assignment_deadline(_started("2026-09-30"), CRIMINAL, calendar)
    assert due.isoformat() == "2026-10-08T23:59:59+08:00"


def test_spec_example_civil_started_2026_09_30_is_due_on_make_up_saturday_2026_10_10(
    calendar: WorkdayCalendar,
) -> None:
    due = assignment_deadline(_started("2026-09-30"), OTHER, calendar)
    assert due.isoformat() == "2026-10-10T23:59:59+08:00"
    assert due.utcoffset() == timedelta(hours=8)


# --------------------------------------------------------------------------- holiday periods

# (id, started on, working days, due on)
HOLIDAY_CASES = [
    # 2024 春节: off 02-10..02-17, make-up Sun 02-04, Sun 02-18
    ("2024-spring-sat-before-makeup-1", "2024-02-03", 1, "2024-02-04"),
    ("2024-spring-sat-before-makeup-3", "2024-02-03", 3, "2024-02-06"),
    ("2024-spring-on-makeup-02-04-1", "2024-02-04", 1, "2024-02-05"),
    ("2024-spring-on-makeup-02-04-3", "2024-02-04", 3, "2024-02-07"),
    ("2024-spring-thu-two-days-before-3", "2024-02-08", 3, "2024-02-19"),
    ("2024-spring-day-before-holiday-1-lands-on-makeup-sunday", "2024-02-09", 1, "2024-02-18"),
    ("2024-spring-day-before-holiday-3", "2024-02-09", 3, "2024-02-20"),
    ("2024-spring-on-holiday-mon-02-12-1", "2024-02-12", 1, "2024-02-18"),
    ("2024-spring-on-holiday-mon-02-12-3", "2024-02-12", 3, "2024-02-20"),
    ("2024-spring-on-last-holiday-02-17-1", "2024-02-17", 1, "2024-02-18"),
    ("2024-spring-on-makeup-02-18-1", "2024-02-18", 1, "2024-02-19"),
    ("2024-spring-on-makeup-02-18-3", "2024-02-18", 3, "2024-02-21"),
    # 2024 劳动节: off 05-01..05-05, make-up Sun 04-28, Sat 05-11
    ("2024-labour-sat-before-makeup-1", "2024-04-27", 1, "2024-04-28"),
    ("2024-labour-sat-before-makeup-3", "2024-04-27", 3, "2024-04-30"),
    ("2024-labour-on-makeup-04-28-1", "2024-04-28", 1, "2024-04-29"),
    ("2024-labour-on-makeup-04-28-3", "2024-04-28", 3, "2024-05-06"),
    ("2024-labour-day-before-holiday-1", "2024-04-30", 1, "2024-05-06"),
    ("2024-labour-day-before-holiday-3", "2024-04-30", 3, "2024-05-08"),
    ("2024-labour-on-holiday-05-03-1", "2024-05-03", 1, "2024-05-06"),
    ("2024-labour-on-holiday-05-03-3", "2024-05-03", 3, "2024-05-08"),
    ("2024-labour-fri-before-makeup-1", "2024-05-10", 1, "2024-05-11"),
    ("2024-labour-fri-before-makeup-3", "2024-05-10", 3, "2024-05-14"),
    ("2024-labour-on-makeup-05-11-1", "2024-05-11", 1, "2024-05-13"),
    ("2024-labour-on-makeup-05-11-3", "2024-05-11", 3, "2024-05-15"),
    # 2024 中秋: off 09-15..09-17, make-up Sat 09-14
    ("2024-midautumn-fri-before-makeup-1", "2024-09-13", 1, "2024-09-14"),
    ("2024-midautumn-fri-before-makeup-3", "2024-09-13", 3, "2024-09-19"),
    # 2024 国庆: off 10-01..10-07, make-up Sun 09-29, Sat 10-12
    ("2024-national-sat-before-makeup-1", "2024-09-28", 1, "2024-09-29"),
    ("2024-national-sat-before-makeup-3", "2024-09-28", 3, "2024-10-08"),
    ("2024-national-on-makeup-09-29-1", "2024-09-29", 1, "2024-09-30"),
    ("2024-national-on-makeup-09-29-3", "2024-09-29", 3, "2024-10-09"),
    ("2024-national-day-before-holiday-1", "2024-09-30", 1, "2024-10-08"),
    ("2024-national-day-before-holiday-3", "2024-09-30", 3, "2024-10-10"),
    ("2024-national-on-holiday-10-01-1", "2024-10-01", 1, "2024-10-08"),
    ("2024-national-on-holiday-10-01-3", "2024-10-01", 3, "2024-10-10"),
    ("2024-national-fri-before-makeup-1", "2024-10-11", 1, "2024-10-12"),
    ("2024-national-fri-before-makeup-3", "2024-10-11", 3, "2024-10-15"),
    ("2024-national-on-makeup-10-12-1", "2024-10-12", 1, "2024-10-14"),
    ("2024-national-on-makeup-10-12-3", "2024-10-12", 3, "2024-10-16"),
    # 2025 春节: off 01-28..02-04, make-up Sun 01-26, Sat 02-08
    ("2025-spring-sat-before-makeup-1", "2025-01-25", 1, "2025-01-26"),
    ("2025-spring-sat-before-makeup-3", "2025-01-25", 3, "2025-02-05"),
    ("2025-spring-on-makeup-01-26-1", "2025-01-26", 1, "2025-01-27"),
    ("2025-spring-on-makeup-01-26-3", "2025-01-26", 3, "2025-02-06"),
    ("2025-spring-day-before-holiday-1", "2025-01-27", 1, "2025-02-05"),
    ("2025-spring-day-before-holiday-3", "2025-01-27", 3, "2025-02-07"),
    ("2025-spring-on-holiday-01-29-1", "2025-01-29", 1, "2025-02-05"),
    ("2025-spring-on-holiday-01-29-3", "2025-01-29", 3, "2025-02-07"),
    ("2025-spring-fri-before-makeup-1", "2025-02-07", 1, "2025-02-08"),
    ("2025-spring-fri-before-makeup-3", "2025-02-07", 3, "2025-02-11"),
    ("2025-spring-on-makeup-02-08-1", "2025-02-08", 1, "2025-02-10"),
    ("2025-spring-on-makeup-02-08-3", "2025-02-08", 3, "2025-02-12"),
    # 2025 劳动节: off 05-01..05-05, make-up Sun 04-27
    ("2025-labour-sat-before-makeup-1", "2025-04-26", 1, "2025-04-27"),
    ("2025-labour-sat-before-makeup-3", "2025-04-26", 3, "2025-04-29"),
    ("2025-labour-on-makeup-04-27-1", "2025-04-27", 1, "2025-04-28"),
    ("2025-labour-on-makeup-04-27-3", "2025-04-27", 3, "2025-04-30"),
    ("2025-labour-tue-before-3", "2025-04-29", 3, "2025-05-07"),
    ("2025-labour-day-before-holiday-1", "2025-04-30", 1, "2025-05-06"),
    ("2025-labour-day-before-holiday-3", "2025-04-30", 3, "2025-05-08"),
    ("2025-labour-on-holiday-05-01-1", "2025-05-01", 1, "2025-05-06"),
    ("2025-labour-on-holiday-05-01-3", "2025-05-01", 3, "2025-05-08"),
    # 2025 国庆中秋: off 10-01..10-08, make-up Sun 09-28, Sat 10-11
    ("2025-national-sat-before-makeup-1", "2025-09-27", 1, "2025-09-28"),
    ("2025-national-sat-before-makeup-3", "2025-09-27", 3, "2025-09-30"),
    ("2025-national-on-makeup-09-28-1", "2025-09-28", 1, "2025-09-29"),
    ("2025-national-on-makeup-09-28-3", "2025-09-28", 3, "2025-10-09"),
    ("2025-national-day-before-holiday-1", "2025-09-30", 1, "2025-10-09"),
    ("2025-national-day-before-holiday-3-ends-on-makeup", "2025-09-30", 3, "2025-10-11"),
    ("2025-national-on-holiday-10-06-1", "2025-10-06", 1, "2025-10-09"),
    ("2025-national-on-holiday-10-06-3", "2025-10-06", 3, "2025-10-11"),
    ("2025-national-fri-before-makeup-1", "2025-10-10", 1, "2025-10-11"),
    ("2025-national-fri-before-makeup-3", "2025-10-10", 3, "2025-10-14"),
    ("2025-national-on-makeup-10-11-1", "2025-10-11", 1, "2025-10-13"),
    ("2025-national-on-makeup-10-11-3", "2025-10-11", 3, "2025-10-15"),
    # 2026 元旦 (crossing from 2025): off 01-01..01-03, make-up Sun 01-04
    ("2026-newyear-from-2025-12-31-1-lands-on-makeup-sunday", "2025-12-31", 1, "2026-01-04"),
    ("2026-newyear-from-2025-12-31-3", "2025-12-31", 3, "2026-01-06"),
    # 2026 春节: off 02-15..02-23, make-up Sat 02-14, Sat 02-28
    ("2026-spring-fri-before-makeup-1", "2026-02-13", 1, "2026-02-14"),
    ("2026-spring-fri-before-makeup-3", "2026-02-13", 3, "2026-02-25"),
    ("2026-spring-on-makeup-day-before-holiday-1", "2026-02-14", 1, "2026-02-24"),
    ("2026-spring-on-makeup-day-before-holiday-3", "2026-02-14", 3, "2026-02-26"),
    ("2026-spring-on-holiday-02-18-1", "2026-02-18", 1, "2026-02-24"),
    ("2026-spring-on-holiday-02-18-3", "2026-02-18", 3, "2026-02-26"),
    ("2026-spring-on-last-holiday-02-23-1", "2026-02-23", 1, "2026-02-24"),
    ("2026-spring-on-last-holiday-02-23-3", "2026-02-23", 3, "2026-02-26"),
    ("2026-spring-thu-before-makeup-3", "2026-02-26", 3, "2026-03-02"),
    ("2026-spring-fri-before-makeup-02-28-1", "2026-02-27", 1, "2026-02-28"),
    ("2026-spring-fri-before-makeup-02-28-3", "2026-02-27", 3, "2026-03-03"),
    ("2026-spring-on-makeup-02-28-1", "2026-02-28", 1, "2026-03-02"),
    ("2026-spring-on-makeup-02-28-3", "2026-02-28", 3, "2026-03-04"),
    # 2026 劳动节: off 05-01..05-05, make-up Sat 05-09
    ("2026-labour-day-before-holiday-1", "2026-04-30", 1, "2026-05-06"),
    ("2026-labour-day-before-holiday-3", "2026-04-30", 3, "2026-05-08"),
    ("2026-labour-on-holiday-05-03-1", "2026-05-03", 1, "2026-05-06"),
    ("2026-labour-on-holiday-05-03-3", "2026-05-03", 3, "2026-05-08"),
    ("2026-labour-thu-before-makeup-3", "2026-05-07", 3, "2026-05-11"),
    ("2026-labour-fri-before-makeup-1", "2026-05-08", 1, "2026-05-09"),
    ("2026-labour-fri-before-makeup-3", "2026-05-08", 3, "2026-05-12"),
    ("2026-labour-on-makeup-05-09-1", "2026-05-09", 1, "2026-05-11"),
    ("2026-labour-on-makeup-05-09-3", "2026-05-09", 3, "2026-05-13"),
    # 2026 中秋: off 09-25..09-27
    ("2026-midautumn-day-before-holiday-1", "2026-09-24", 1, "2026-09-28"),
    ("2026-midautumn-day-before-holiday-3", "2026-09-24", 3, "2026-09-30"),
    # 2026 国庆: off 10-01..10-07, make-up Sun 09-20, Sat 10-10
    ("2026-national-sat-before-makeup-1", "2026-09-19", 1, "2026-09-20"),
    ("2026-national-sat-before-makeup-3", "2026-09-19", 3, "2026-09-22"),
    ("2026-national-on-makeup-09-20-1", "2026-09-20", 1, "2026-09-21"),
    ("2026-national-on-makeup-09-20-3", "2026-09-20", 3, "2026-09-23"),
    ("2026-national-two-days-before-1", "2026-09-29", 1, "2026-09-30"),
    ("2026-national-two-days-before-3", "2026-09-29", 3, "2026-10-09"),
    ("2026-national-on-holiday-10-03-1", "2026-10-03", 1, "2026-10-08"),
    ("2026-national-on-holiday-10-03-3", "2026-10-03", 3, "2026-10-10"),
    ("2026-national-on-last-holiday-10-07-1", "2026-10-07", 1, "2026-10-08"),
    ("2026-national-on-last-holiday-10-07-3", "2026-10-07", 3, "2026-10-10"),
    ("2026-national-fri-before-makeup-1", "2026-10-09", 1, "2026-10-10"),
    ("2026-national-fri-before-makeup-3", "2026-10-09", 3, "2026-10-13"),
    ("2026-national-on-makeup-10-10-1", "2026-10-10", 1, "2026-10-12"),
    ("2026-national-on-makeup-10-10-3", "2026-10-10", 3, "2026-10-14"),
]


@pytest.mark.parametrize(
    ("started_on", "working_days", "due_on"),
    [pytest.param(s, n, d, id=i) for i, s, n, d in HOLIDAY_CASES],
)
def test_deadline_across_holidays_and_make_up_days_of_2024_to_2026(
    calendar: WorkdayCalendar, started_on: str, working_days: int, due_on: str
) -> None:
    due = assignment_deadline(_started(started_on), working_days, calendar)
    assert due.isoformat() == _due(due_on)


def test_expected_make_up_days_are_weekends_the_holiday_table_agrees_with() -> None:
    """The hand-written table's premises, checked against chinese_calendar's own data."""
    make_up = [
        "2024-02-04", "2024-02-18", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29",
        "2024-10-12", "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    ]  # fmt: skip
    for day in map(date.fromisoformat, make_up):
        assert day.weekday() >= 5, day
        assert chinese_calendar.is_workday(day), day


def test_from_a_holiday_counting_is_not_chinese_calendar_find_workday(
    calendar: WorkdayCalendar,
) -> None:
    """find_workday first moves to the next working day, so from a holiday it is one day late."""
    started = date(2024, 2, 12)  # 春节 holiday; next working day is make-up Sunday 02-18
    assert chinese_calendar.find_workday(1, started) == date(2024, 2, 19)
    assert assignment_deadline(_started("2024-02-12"), 1, calendar).date() == date(2024, 2, 18)


# --------------------------------------------------------------------------- start day


@pytest.mark.parametrize(
    "started_on",
    [
        pytest.param("2026-09-30", id="workday-before-national-day"),
        pytest.param("2026-10-03", id="holiday"),
        pytest.param("2026-10-10", id="make-up-saturday"),
        pytest.param("2026-10-11", id="plain-sunday"),
        pytest.param("2025-01-27", id="workday-before-spring-festival"),
    ],
)
@pytest.mark.parametrize("working_days", [CRIMINAL, OTHER], ids=["criminal", "other"])
def test_start_day_is_not_counted_so_0000_and_2359_give_the_same_deadline(
    calendar: WorkdayCalendar, started_on: str, working_days: int
) -> None:
    early = assignment_deadline(_started(started_on, 0, 0, 0), working_days, calendar)
    late = assignment_deadline(_started(started_on, 23, 59, 59), working_days, calendar)
    assert early == late
    assert early.date() > date.fromisoformat(started_on)


def test_started_on_a_working_day_one_working_day_is_the_next_day_not_the_same_day(
    calendar: WorkdayCalendar,
) -> None:
    due = assignment_deadline(_started("2026-03-10", 0, 0, 0), CRIMINAL, calendar)  # Tuesday
    assert due.isoformat() == "2026-03-11T23:59:59+08:00"


# --------------------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    ("started_at", "working_days", "due_on"),
    [
        # 2026-09-29 16:30 UTC is 2026-09-30 00:30 in China: the SPEC example, not 09-29's.
        pytest.param("2026-09-29T16:30:00+00:00", CRIMINAL, "2026-10-08", id="utc-0929-is-0930"),
        pytest.param("2026-09-29T16:30:00+00:00", OTHER, "2026-10-10", id="utc-0929-is-0930-3d"),
        # 2026-02-13 17:00 UTC is Saturday 02-14 01:00 in China (the make-up day itself).
        pytest.param("2026-02-13T17:00:00+00:00", CRIMINAL, "2026-02-24", id="utc-fri-is-makeup"),
        # 2025-12-31 20:00 UTC is 2026-01-01 04:00 in China (a holiday).
        pytest.param("2025-12-31T20:00:00+00:00", CRIMINAL, "2026-01-04", id="utc-new-year"),
        # Just before midnight in China stays on the same Chinese day.
        pytest.param("2026-09-29T15:59:59+00:00", CRIMINAL, "2026-09-30", id="utc-before-cst-0000"),
    ],
)
def test_utc_evening_time_is_read_as_the_next_day_in_china(
    calendar: WorkdayCalendar, started_at: str, working_days: int, due_on: str
) -> None:
    moment = datetime.fromisoformat(started_at)
    assert moment.tzinfo is not None
    due = assignment_deadline(moment, working_days, calendar)
    assert due.isoformat() == _due(due_on)


def test_deadline_is_expressed_in_china_time_whatever_the_input_offset(
    calendar: WorkdayCalendar,
) -> None:
    moment = datetime(2026, 9, 30, 2, 0, tzinfo=timezone(timedelta(hours=-5)))  # 15:00 CST
    due = assignment_deadline(moment, CRIMINAL, calendar)
    assert due.isoformat() == "2026-10-08T23:59:59+08:00"


# --------------------------------------------------------------------------- end of the data


@pytest.mark.parametrize(
    ("started_on", "working_days"),
    [
        pytest.param("2026-12-30", 3, id="civil-from-12-30-crosses"),
        pytest.param("2026-12-31", 1, id="criminal-from-12-31-crosses"),
        pytest.param("2027-01-04", 1, id="started-in-2027"),
    ],
)
def test_count_into_2027_raises_calendar_year_missing_naming_2027(
    calendar: WorkdayCalendar, started_on: str, working_days: int
) -> None:
    with pytest.raises(CalendarYearMissing) as info:
        assignment_deadline(_started(started_on), working_days, calendar)
    assert info.value.year == 2027
    message = str(info.value)
    assert "2027" in message
    assert "[years.2027]" in message
    assert "overrides.toml" in message


def test_count_that_ends_on_2026_12_31_needs_no_2027_data(calendar: WorkdayCalendar) -> None:
    due = assignment_deadline(_started("2026-12-30"), CRIMINAL, calendar)
    assert due.isoformat() == "2026-12-31T23:59:59+08:00"


def test_working_days_below_one_are_rejected(calendar: WorkdayCalendar) -> None:
    with pytest.raises(ValueError):
        assignment_deadline(_started("2026-03-10"), 0, calendar)
    with pytest.raises(ValueError):
        calendar.nth_workday_after(date(2026, 3, 10), 0)


# --------------------------------------------------------------------------- property


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 11, 30)),
    n=st.integers(min_value=1, max_value=10),
)
def test_exactly_n_chinese_calendar_working_days_lie_between_start_and_deadline(
    start: date, n: int
) -> None:
    calendar = WorkdayCalendar.default()
    due = calendar.nth_workday_after(start, n)
    # chinese_calendar.get_workdays counts both ends; the start day is excluded here.
    counted = chinese_calendar.get_workdays(start + timedelta(days=1), due)
    assert len(counted) == n
    assert chinese_calendar.is_workday(due)
