"""Deadlines (第六条; SPEC.md §5): what is due today, what is overdue, what falls due within a
working day, and what was assigned late — for the center and per officer.

A case is *waiting* while its deadline runs and no assignment is issued yet (the statuses before
`assigned`). Its responsible officer is the officer of its latest proposal (指派意见) or, before
any proposal, the officer who took it in (`created_by`, when that user is an officer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from fayuan.accounts.models import Role, StaffProfile
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError
from fayuan.holidays.actions import banner_text, missing_next_year
from fayuan.policy.deadlines import CHINA_TZ, local_date
from fayuan.roster.models import Center
from fayuan.workdays import CalendarYearMissing
from fayuan.workflow import engine
from fayuan.workflow.models import Assignment, OfficerProposal

#: Cases whose deadline still runs: decided (or notified) but no assignment issued yet.
WAITING = (
    CaseStatus.granted,
    CaseStatus.proposed,
    CaseStatus.discussed,
    CaseStatus.reported,
    CaseStatus.unassignable,
)

_END_OF_DAY = time(23, 59, 59, tzinfo=CHINA_TZ)


@dataclass(frozen=True)
class DeadlineRow:
    """One case in a deadline list. `time_left` is negative when the deadline has passed; for an
    assignment issued late it is the deadline minus the time of issue."""

    case: Case
    due_at: datetime
    time_left: timedelta
    officer_id: int | None
    officer_name: str
    assignment: Assignment | None = None

    @property
    def provisional(self) -> bool:
        """暂定: counted in a year whose State Council arrangement is not entered yet."""
        if self.assignment is not None:
            return self.assignment.due_provisional
        return self.case.due_provisional

    @property
    def overdue(self) -> bool:
        return self.time_left < timedelta(0)


def end_of_day(moment: datetime) -> datetime:
    """23:59:59 China Standard Time of `moment`'s local date."""
    return datetime.combine(local_date(moment), _END_OF_DAY)


def end_of_next_working_day(now: datetime) -> datetime:
    """23:59:59 CST of the first working day strictly after `now`'s local date. A year the
    calendar does not know is an `ActionError` naming what to enter (SPEC §5: never a guess)."""
    try:
        day = engine.calendar().nth_workday_after(local_date(now), 1)
    except CalendarYearMissing as exc:
        raise ActionError(str(exc)) from exc
    return datetime.combine(day, _END_OF_DAY)


def _responsible() -> Coalesce:
    """The officer responsible for a case: latest proposal's officer, else an officer who took
    it in."""
    latest_officer = Subquery(
        OfficerProposal.objects.filter(case_id=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("officer_id")[:1],
        output_field=IntegerField(),
    )
    intake_officer = models.Case(
        When(created_by__profile__role=Role.officer, then=F("created_by_id")),
        default=None,
        output_field=IntegerField(),
    )
    return Coalesce(latest_officer, intake_officer, output_field=IntegerField())


def waiting_cases(center: Center, officer: AbstractBaseUser | None = None) -> QuerySet[Case]:
    """The center's cases whose deadline runs, annotated with `responsible_id`, earliest due
    first; only those of `officer` when given."""
    cases = (
        Case.objects.filter(center=center, status__in=WAITING, due_at__isnull=False)
        .annotate(responsible_id=_responsible())
        .select_related("locality", "center")
        .order_by("due_at", "id")
    )
    if officer is not None:
        cases = cases.filter(responsible_id=officer.pk)
    return cases


def _names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    return {
        user_id: name or "未填姓名"
        for user_id, name in StaffProfile.objects.filter(user_id__in=wanted).values_list(
            "user_id", "full_name"
        )
    }


def _rows(cases: QuerySet[Case], now: datetime) -> list[DeadlineRow]:
    listed = list(cases)
    names = _names(getattr(c, "responsible_id", None) for c in listed)
    rows = []
    for case in listed:
        assert case.due_at is not None
        officer_id = getattr(case, "responsible_id", None)
        rows.append(
            DeadlineRow(
                case=case,
                due_at=case.due_at,
                time_left=case.due_at - now,
                officer_id=officer_id,
                officer_name=names.get(officer_id, "未确定") if officer_id else "未确定",
            )
        )
    return rows


def due_today(
    center: Center, now: datetime | None = None, officer: AbstractBaseUser | None = None
) -> list[DeadlineRow]:
    """Waiting cases due later today (China date): the deadline has not passed yet."""
    now = now or timezone.now()
    cases = waiting_cases(center, officer).filter(due_at__gte=now, due_at__lte=end_of_day(now))
    return _rows(cases, now)


def overdue(
    center: Center, now: datetime | None = None, officer: AbstractBaseUser | None = None
) -> list[DeadlineRow]:
    """Waiting cases whose deadline has passed (第六条: not assigned in time)."""
    now = now or timezone.now()
    return _rows(waiting_cases(center, officer).filter(due_at__lt=now), now)


def due_within_working_day(
    center: Center, now: datetime | None = None, officer: AbstractBaseUser | None = None
) -> list[DeadlineRow]:
    """Waiting cases due before the end of the next working day — everything that must be
    assigned by then, the overdue and today's included."""
    now = now or timezone.now()
    limit = end_of_next_working_day(now)
    return _rows(waiting_cases(center, officer).filter(due_at__lte=limit), now)


def assigned_late(
    center: Center,
    since: datetime | None = None,
    officer: AbstractBaseUser | None = None,
) -> list[DeadlineRow]:
    """Assignments issued after their deadline (`Assignment.late`), latest first; issued since
    `since` when given. The officer is the one who proposed the assignment, else who issued it."""
    assignments = (
        Assignment.objects.filter(case__center=center, late=True)
        .select_related("case", "case__locality", "institution", "proposal")
        .order_by("-issued_at", "-id")
    )
    if since is not None:
        assignments = assignments.filter(issued_at__gte=since)
    listed = [
        (a, a.proposal.officer_id if a.proposal is not None else a.issued_by_id)
        for a in assignments
    ]
    if officer is not None:
        listed = [(a, who) for a, who in listed if who == officer.pk]
    names = _names(who for _, who in listed)
    return [
        DeadlineRow(
            case=a.case,
            due_at=a.due_at,
            time_left=a.due_at - a.issued_at,
            officer_id=who,
            officer_name=names.get(who, "未确定"),
            assignment=a,
        )
        for a, who in listed
    ]


def format_time_left(left: timedelta) -> str:
    """剩余 5 小时 12 分 / 已超期 1 天 3 小时 (minutes dropped beyond a day)."""
    minutes = int(abs(left).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        span = f"{days} 天 {hours} 小时"
    elif hours:
        span = f"{hours} 小时 {mins} 分"
    else:
        span = f"{mins} 分"
    return f"已超期 {span}" if left < timedelta(0) else f"剩余 {span}"


@dataclass(frozen=True)
class Buckets:
    """The four lists of the deadline report, for one center (or one officer) at `now`.
    `within_working_day` holds only what the first two lists do not (due after today)."""

    center: Center
    now: datetime
    next_working_day_end: datetime | None
    calendar_problem: str
    today: list[DeadlineRow]
    overdue: list[DeadlineRow]
    within_working_day: list[DeadlineRow]
    late: list[DeadlineRow]
    late_since: datetime


def buckets(
    center: Center,
    now: datetime | None = None,
    officer: AbstractBaseUser | None = None,
    late_days: int = 30,
) -> Buckets:
    """Everything the report and the home page show."""
    now = now or timezone.now()
    limit: datetime | None = None
    problem = ""
    try:
        limit = end_of_next_working_day(now)
    except ActionError as exc:
        problem = exc.message
    missing = missing_next_year(center, now)
    if missing is not None and not problem:
        problem = banner_text(missing)
    later: list[DeadlineRow] = []
    if limit is not None:
        cases = waiting_cases(center, officer).filter(due_at__gt=end_of_day(now), due_at__lte=limit)
        later = _rows(cases, now)
    since = now - timedelta(days=late_days)
    return Buckets(
        center=center,
        now=now,
        next_working_day_end=limit,
        calendar_problem=problem,
        today=due_today(center, now, officer),
        overdue=overdue(center, now, officer),
        within_working_day=later,
        late=assigned_late(center, since, officer),
        late_since=since,
    )


def _line(row: DeadlineRow) -> str:
    case = row.case
    due = timezone.localtime(row.due_at, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    parts = [
        case.number,
        case.get_category_display(),
        case.get_status_display(),
        f"期限 {due}{'（暂定）' if row.provisional else ''}",
    ]
    if row.assignment is not None:
        issued = timezone.localtime(row.assignment.issued_at, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        parts.append(f"指派于 {issued}（{row.assignment.institution.name}）")
        parts.append(f"超期 {format_time_left(row.time_left).removeprefix('已超期 ')}")
    else:
        parts.append(format_time_left(row.time_left))
    parts.append(f"指派人员：{row.officer_name}")
    return "  - " + "；".join(parts)


def report_text(b: Buckets) -> str:
    """The report in Chinese, as printed and e-mailed."""
    now = timezone.localtime(b.now, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    lines = [f"{b.center.name} 指派期限报告（{now}，北京时间）", ""]
    if b.next_working_day_end is not None:
        nxt = b.next_working_day_end.strftime("%Y-%m-%d")
        within_title = f"下一个工作日（{nxt}）结束前到期"
    else:
        within_title = "下一个工作日结束前到期"
    since = timezone.localtime(b.late_since, CHINA_TZ).strftime("%Y-%m-%d")
    sections = [
        ("今日到期、尚未指派", b.today),
        ("已超过指派期限、尚未指派", b.overdue),
        (within_title, b.within_working_day),
        (f"超期指派（{since} 以来）", b.late),
    ]
    for title, rows in sections:
        lines.append(f"【{title}】{len(rows)} 件")
        lines.extend(_line(r) for r in rows)
        if not rows:
            lines.append("  （无）")
        lines.append("")
    if b.calendar_problem:
        lines.append(f"注意：{b.calendar_problem}")
        lines.append("")
    per_officer: dict[str, list[int]] = {}
    for n, rows in enumerate((b.today, b.overdue, b.within_working_day, b.late)):
        for r in rows:
            per_officer.setdefault(r.officer_name, [0, 0, 0, 0])[n] += 1
    if per_officer:
        lines.append("【按指派人员】今日到期 / 已超期 / 下一工作日到期 / 超期指派")
        for name, counts in sorted(per_officer.items()):
            lines.append(f"  - {name}：" + " / ".join(str(c) for c in counts))
        lines.append("")
    document = engine.policy_for(b.center).document
    lines.append(
        f"依据：{document}第六条（指派期限自决定给予法律援助或收到通知公函之日起计算）、"
        "第十四条及法律援助法第三十六、四十三条（三日内指派），取较早者。"
        "标注“暂定”的期限涉及尚未录入国务院节假日安排的年份，录入后重新计算。"
    )
    return "\n".join(lines)
