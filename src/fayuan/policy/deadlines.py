"""Assignment deadlines (第六条, 第十四条 and the higher law's 三日; SPEC.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Protocol

#: China Standard Time. Deadlines are read in it whatever offset a time arrives with (SPEC §5).
CHINA_TZ = timezone(timedelta(hours=8), "CST")
_END_OF_DAY = time(23, 59, 59, tzinfo=CHINA_TZ)
_ONE_DAY = timedelta(days=1)


class WorkingDays(Protocol):
    """What the deadline rules need of a calendar (implemented by `fayuan.workdays`)."""

    def nth_workday_after(self, start: date, n: int) -> date: ...

    def first_day_after_rest(self, d: date) -> date: ...

    def covers(self, year: int) -> bool: ...


def local_date(moment: datetime) -> date:
    """The calendar day of `moment` in China Standard Time."""
    return moment.astimezone(CHINA_TZ).date()


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, _END_OF_DAY)


def assignment_deadline(started_at: datetime, working_days: int, calendar: WorkingDays) -> datetime:
    """第六条：刑事法律援助案件应当自决定给予法律援助或收到通知辩护（通知代理）公函之日
    起 1 个工作日内指派……民事或行政、劳动仲裁、其他非诉讼类法律援助案件应当自决定给予
    法律援助之日起 3个工作日内指派。

    [SPEC §5: the start day is not counted (民法典第二百零一条); the deadline is 23:59:59 CST of the
    N-th working day strictly after the start date; make-up Saturdays count as working days.]
    """
    if working_days < 1:
        raise ValueError(f"working_days must be >= 1, got {working_days}")
    return end_of_day(calendar.nth_workday_after(local_date(started_at), working_days))


def statutory_deadline(started_at: datetime, days: int, calendar: WorkingDays) -> datetime:
    """法律援助法第四十三条：决定给予法律援助的，应当自作出决定之日起三日内指派；第三十六条：
    （通知辩护、通知代理）应当在三日内指派律师；《办理法律援助案件程序规定》第二十四条。

    [SPEC §5, 民法典第二百零一、二百零三条: the start day is not counted; the limit is the `days`-th
    calendar day after the start date, moved to the first working day after a run of rest days
    when it falls on one.]
    """
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    last = local_date(started_at) + timedelta(days=days)
    return end_of_day(calendar.first_day_after_rest(last))


class Governs(StrEnum):
    """Which limit a decision's deadline is."""

    local = "local"  # 第六条's working days come first
    statutory = "statutory"  # the higher law's 三日 comes first and caps the local limit
    both = "both"  # the two fall on the same day
    local_uncapped = "local_uncapped"  # cap_by_statute = false: the local limit, whatever comes


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Both limits of one case (SPEC §5) and the one that governs."""

    started_at: datetime
    working_days: int
    statutory_days: int
    local: datetime
    statutory: datetime
    deadline: datetime
    governs: Governs
    #: The limit was counted into a year with no State Council arrangement yet (暂定).
    local_provisional: bool
    statutory_provisional: bool
    #: Weekend make-up working days (调休上班日) up to the later limit, for the explanation.
    makeup_days: tuple[date, ...] = ()

    @property
    def provisional(self) -> bool:
        """Whether the decision's deadline may still change when the year is entered. Only the
        governing limit counts: an unknown year lies after every known day, so a provisional
        limit is never earlier than a certain one and cannot take its place."""
        if self.governs is Governs.statutory:
            return self.statutory_provisional
        if self.governs is Governs.both:
            return self.local_provisional or self.statutory_provisional
        return self.local_provisional

    @property
    def any_provisional(self) -> bool:
        """Either limit shown is 暂定."""
        return self.local_provisional or self.statutory_provisional


def case_deadlines(
    started_at: datetime,
    working_days: int,
    statutory_days: int,
    cap_by_statute: bool,
    calendar: WorkingDays,
) -> Deadlines:
    """第六条 and 第十四条（依照相关法律法规执行）: the local limit, the statutory one, and the
    decision's deadline — the earlier of the two with `deadline.cap_by_statute` (SPEC §5)."""
    local = assignment_deadline(started_at, working_days, calendar)
    statutory = statutory_deadline(started_at, statutory_days, calendar)
    if not cap_by_statute:
        deadline, governs = local, Governs.local_uncapped
    elif local == statutory:
        deadline, governs = local, Governs.both
    elif statutory < local:
        deadline, governs = statutory, Governs.statutory
    else:
        deadline, governs = local, Governs.local
    start = local_date(started_at)

    def unknown(limit: datetime) -> bool:  # a day from the start to `limit` lies in such a year
        return any(not calendar.covers(y) for y in range(start.year, limit.year + 1))

    last = max(local, statutory).date()
    makeup = []
    d = start + _ONE_DAY
    while d <= last:
        if d.weekday() >= 5 and calendar.first_day_after_rest(d) == d:
            makeup.append(d)
        d += _ONE_DAY
    return Deadlines(
        started_at,
        working_days,
        statutory_days,
        local,
        statutory,
        deadline,
        governs,
        unknown(local),
        unknown(statutory),
        tuple(makeup),
    )
