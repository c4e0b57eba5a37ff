"""Assignment deadlines (第六条; SPEC.md §5)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol

#: China Standard Time. Deadlines are read in it whatever offset a time arrives with (SPEC §5).
CHINA_TZ = timezone(timedelta(hours=8), "CST")
_END_OF_DAY = time(23, 59, 59, tzinfo=CHINA_TZ)


class WorkingDays(Protocol):
    """What the deadline rule needs of a calendar (implemented by `fayuan.workdays`)."""

    def nth_workday_after(self, start: date, n: int) -> date: ...


def local_date(moment: datetime) -> date:
    """The calendar day of `moment` in China Standard Time."""
    return moment.astimezone(CHINA_TZ).date()


def assignment_deadline(started_at: datetime, working_days: int, calendar: WorkingDays) -> datetime:
    """第六条：刑事法律援助案件应当自决定给予法律援助或收到通知辩护（通知代理）公函之日
    起 1 个工作日内指派……民事或行政、劳动仲裁、其他非诉讼类法律援助案件应当自决定给予
    法律援助之日起 3个工作日内指派。

    [SPEC §5: the start day is not counted (民法典第二百零一条); the deadline is 23:59:59 CST of the
    N-th working day strictly after the start date; make-up Saturdays count as working days.]
    """
    if working_days < 1:
        raise ValueError(f"working_days must be >= 1, got {working_days}")
    due = calendar.nth_workday_after(local_date(started_at), working_days)
    return datetime.combine(due, _END_OF_DAY)
