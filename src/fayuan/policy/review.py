"""The review of a citizen's application (审查): its time limit and the time that is not counted.

法律援助法第四十三条：法律援助机构应当自收到法律援助申请之日起七日内进行审查，作出是否给予
法律援助的决定……申请人提交的申请材料不齐全的，法律援助机构应当一次性告知申请人需要补充的
材料或者要求申请人作出说明。

《办理法律援助案件程序规定》（2023）第十五条: the time the applicant takes to supply the
material or give the explanation is not counted in the review period (申请人补充材料、作出说明
所需的时间不计入审查期限; the same rule as 第十三条 of the 2012 版).

The seven days are the statute's, the same for every district, so they are a constant here and
not a policy parameter. They are counted as every statutory day-period is (民法典第二百零一、
二百零三条, as `fayuan.policy.deadlines.statutory_deadline` does for the 三日): the day of receipt
is not counted; when the 7th day is a rest day the period ends on the first working day after
it, at 24:00 China Standard Time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fayuan.policy.deadlines import WorkingDays, statutory_deadline

#: 法律援助法第四十三条：自收到法律援助申请之日起七日内进行审查.
REVIEW_DAYS = 7


def review_deadline(received_at: datetime, calendar: WorkingDays) -> datetime:
    """法律援助法第四十三条：the end of the review period of an application received at
    `received_at` (23:59:59 CST of the 7th day after the day of receipt, moved past a run of
    rest days, 民法典第二百零一、二百零三条)."""
    return statutory_deadline(received_at, REVIEW_DAYS, calendar)


def paused_time(requested_at: datetime, received_at: datetime) -> timedelta:
    """程序规定第十五条：the time from asking for the missing material to receiving it, which
    is not counted in the review period (never negative)."""
    return max(timedelta(0), received_at - requested_at)


def resumed_deadline(due: datetime, requested_at: datetime, received_at: datetime) -> datetime:
    """The review deadline after the applicant supplied the material: later by the time waited
    (程序规定第十五条：补充材料所需的时间不计入审查期限)."""
    return due + paused_time(requested_at, received_at)
