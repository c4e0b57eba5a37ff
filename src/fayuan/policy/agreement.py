"""The agreement deadline: when the institution must have signed the 委托协议 with the aided
person (《办理法律援助案件程序规定》（2023 年司法部令第 148 号修订）第二十七条).

第二十七条：法律援助人员所属单位应当自安排或者收到指派之日起五日内与受援人或者其法定代理人、
近亲属签订委托协议和授权委托书，但因受援人原因或者其他客观原因无法按时签订的除外。

So the limit is five *days* (五日, not 工作日), counted from the day the institution receives the
assignment (收到指派之日: the day the center issues the 《指派通知书》, or approves a change that
sends the case back to the same institution to arrange another handler). Counted like every
statutory period (民法典第二百零一条：开始的当日不计入; 第二百零三条：期间的最后一日是法定休假日的，
以法定休假日结束的次日为期间的最后一日), the same way as the statutory 三日 of SPEC §5
(`fayuan.policy.deadlines.statutory_deadline`): 23:59:59 China Standard Time of the 5th calendar
day after the day of the assignment, moved to the first working day after a run of rest days.

Pure Python: no Django, no database.
"""

from __future__ import annotations

from datetime import datetime

from fayuan.policy.deadlines import WorkingDays, statutory_deadline

#: 第二十七条 "五日内". A national rule (the same for every district), hence not a parameter of
#: a district's policy file.
AGREEMENT_DAYS = 5


def agreement_deadline(
    assigned_at: datetime, calendar: WorkingDays, days: int = AGREEMENT_DAYS
) -> datetime:
    """第二十七条：自安排或者收到指派之日起五日内签订委托协议. The end of the `days`-th calendar
    day after the day of `assigned_at` (China Standard Time), the start day not counted, moved
    past a run of rest days (民法典第二百零一、二百零三条)."""
    return statutory_deadline(assigned_at, days, calendar)
