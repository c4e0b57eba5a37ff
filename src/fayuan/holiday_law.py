"""The statutory public holidays of 《全国年节及纪念日放假办法》, for a year whose State Council
arrangement is not known yet (SPEC.md §5: the service's provisional deadline).

The State Council's yearly notice (国务院办公厅关于××年部分节假日安排的通知) fixes the days off
and the make-up working days. Before it is published, the best-founded count uses the statutory
holidays that the 办法 itself grants, plus weekends, and no make-up day: a deadline counted so is
provisional and is recomputed when the year's arrangement is entered.

Lunar dates (春节, 端午, 中秋) and the solar term 清明 come from `lunar_python` (6tail's lunar
calendar), not from a hand-written table. Each version of the 办法 is dated data with its source.

Pure Python: no Django, no database.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from lunar_python import Lunar

__all__ = ["HOLIDAY_LAW_VERSIONS", "HolidayLawVersion", "statutory_holidays"]

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class HolidayLawVersion:
    """One version of the 办法: from when it applies and how many days each holiday has."""

    since: date
    source: str
    spring_festival_eve: bool  # 春节 includes 农历除夕
    spring_festival_days: int  # 正月初一 and the days after it
    labour_day_days: int  # from 5月1日
    national_day_days: int  # from 10月1日


#: 全国年节及纪念日放假办法, by the date each version took effect (ascending).
HOLIDAY_LAW_VERSIONS: tuple[HolidayLawVersion, ...] = (
    HolidayLawVersion(
        since=date(2014, 1, 1),
        source="《全国年节及纪念日放假办法》（国务院令第644号，2013年12月11日修订）第二条",
        spring_festival_eve=False,
        spring_festival_days=3,
        labour_day_days=1,
        national_day_days=3,
    ),
    HolidayLawVersion(
        since=date(2025, 1, 1),
        source="《全国年节及纪念日放假办法》（国务院令第795号，2024年11月10日修订）第二条",
        spring_festival_eve=True,
        spring_festival_days=3,
        labour_day_days=2,
        national_day_days=3,
    ),
)


def version_for(year: int) -> HolidayLawVersion:
    """The version of the 办法 in force on 1 January of `year`."""
    i = bisect_right(HOLIDAY_LAW_VERSIONS, date(year, 1, 1), key=lambda v: v.since)
    if i == 0:
        raise ValueError(
            f"《全国年节及纪念日放假办法》的收录版本不早于 {HOLIDAY_LAW_VERSIONS[0].since}"
        )
    return HOLIDAY_LAW_VERSIONS[i - 1]


def _solar(lunar: Lunar) -> date:
    s = lunar.getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


def _run(first: date, days: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(days)]


@cache
def statutory_holidays(year: int) -> frozenset[date]:
    """第二条 全体公民放假的节日: 元旦、春节、清明节、劳动节、端午节、中秋节、国庆节, as dates of
    `year` (no 调休: the State Council's yearly arrangement adds those)."""
    v = version_for(year)
    new_year = _solar(Lunar.fromYmd(year, 1, 1))  # 正月初一 of the lunar year starting in `year`
    days = {date(year, 1, 1)}  # 元旦
    days.update(_run(new_year, v.spring_festival_days))
    if v.spring_festival_eve:
        days.add(new_year - _ONE_DAY)  # 除夕: the last day of the twelfth lunar month
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days.add(date(qingming.getYear(), qingming.getMonth(), qingming.getDay()))
    days.update(_run(date(year, 5, 1), v.labour_day_days))
    days.add(_solar(Lunar.fromYmd(year, 5, 5)))  # 端午
    days.add(_solar(Lunar.fromYmd(year, 8, 15)))  # 中秋
    days.update(_run(date(year, 10, 1), v.national_day_days))
    return frozenset(days)
