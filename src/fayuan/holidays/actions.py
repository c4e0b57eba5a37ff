"""Entering a year's holiday arrangement, recomputing the provisional deadlines it settles, and
reminding the center while next year's is missing (SPEC §5). Every write with its audit event in
one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from fayuan import locks, tasks
from fayuan.accounts.access import AnyUser, can
from fayuan.accounts.models import Role, StaffProfile
from fayuan.audit import log as audit
from fayuan.cases.actions import DEADLINE_FIELDS, set_deadlines
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError
from fayuan.holidays.models import CalendarReminder, DayKind, HolidayDay, HolidayYear
from fayuan.policy.agreement import agreement_deadline
from fayuan.policy.deadlines import CHINA_TZ, local_date
from fayuan.policy.review import review_deadline
from fayuan.roster.models import Center
from fayuan.workdays import arrangement_problems
from fayuan.workflow import engine
from fayuan.workflow.models import Assignment, HandlerChange, HandlerChangeStatus

log = logging.getLogger(__name__)


def may_enter_calendar(actor: AnyUser) -> bool:
    superuser = bool(getattr(actor, "is_superuser", False))
    return bool(actor.is_authenticated and (superuser or can(actor, "enter_calendar")))


@locks.action
def do_enter_holiday_year(
    actor: AnyUser,
    year: int,
    holidays: Iterable[date],
    makeup_workdays: Iterable[date],
    source: str,
    note: str = "",
) -> HolidayYear:
    """Store (or replace) one year's arrangement and recompute every provisional deadline it
    settles, each with its audit event, in one transaction."""
    if not may_enter_calendar(actor):
        raise ActionError("只有中心负责人或系统管理员可以录入法定节假日安排。", kind="forbidden")
    holidays, makeup_workdays = sorted(set(holidays)), sorted(set(makeup_workdays))
    problems = arrangement_problems(year, holidays, makeup_workdays, source)
    if not 2000 <= year <= 2100:
        problems.insert(0, ("year", f"年份 {year} 超出 2000–2100"))
    if problems:
        field = problems[0][0]
        raise ActionError("；".join(r for _, r in problems) + "。", field)
    now = timezone.now()
    inline = not tasks.broker_configured()
    with transaction.atomic():
        # fayuan.locks: the calendar year, then the cases to recompute, before any audit event.
        existing = locks.calendar_year(year)
        provisional = locks.cases(provisional_cases()) if inline else []
        entry = existing or HolidayYear(year=year)
        entry.source, entry.note = source.strip(), note.strip()
        entry.entered_by = actor  # type: ignore[assignment]
        entry.entered_at = now
        entry.save()
        entry.days.all().delete()
        HolidayDay.objects.bulk_create(
            [HolidayDay(year=entry, day=d, kind=DayKind.holiday) for d in holidays]
            + [HolidayDay(year=entry, day=d, kind=DayKind.makeup) for d in makeup_workdays]
        )
        audit.record(
            actor,
            "calendar.year_entered",
            entry,
            data={
                "year": year,
                "source": entry.source,
                "holidays": [d.isoformat() for d in holidays],
                "makeup_workdays": [d.isoformat() for d in makeup_workdays],
                "replaced": existing is not None,
            },
        )
        if not inline:
            # Many cases may be provisional: the worker recomputes them once this commits,
            # once per entry, each with its audit event.
            key = f"recompute:{year}:{now.isoformat()}"
            actor_pk = actor.pk if actor.is_authenticated else None
            tasks.run_after_commit(tasks.recompute_provisional_deadlines, actor_pk, key)
        else:
            recompute_provisional_deadlines(actor, provisional)
    return entry


REVIEWING = [CaseStatus.intake, CaseStatus.awaiting_material]
AGREEING = [CaseStatus.assigned, CaseStatus.handler_named]


def provisional_cases() -> QuerySet[Case]:
    """The cases whose deadline (or one of its two limits) is 暂定, and the open reviews and
    agreements, whose 7-day and 5-day limits (法律援助法第四十三条, 程序规定第二十七条) also end
    on a working day and so may move with a newly entered year."""
    return Case.objects.filter(
        Q(due_provisional=True)
        | Q(limits_provisional=True)
        | Q(status__in=REVIEWING, review_due_at__isnull=False)
        | Q(status__in=AGREEING, agreement_due_at__isnull=False)
    ).select_related("center", "locality")


def _review_due(case: Case) -> datetime | None:
    """The review limit as the calendar now counts it: 7 days from receipt (as at intake), later
    by the time already waited for material (not counted, 程序规定)."""
    if case.status not in REVIEWING or case.review_due_at is None:
        return case.review_due_at
    due = review_deadline(case.created_at, engine.calendar())
    return due + (case.review_paused or timedelta(0))


def _agreement_due(case: Case, since: dict[int, datetime]) -> datetime | None:
    """The agreement limit counted again from the day the institution received the case (the
    assignment, or the approved change that sent it back to arrange another handler)."""
    if case.status not in AGREEING or case.agreement_due_at is None or case.assigned_at is None:
        return case.agreement_due_at
    start = max(case.assigned_at, since.get(case.pk, case.assigned_at))
    return agreement_deadline(start, engine.calendar())


def _recount_review_and_agreement(actor: AnyUser, case: Case, since: dict[int, datetime]) -> bool:
    old_review, old_agreement = case.review_due_at, case.agreement_due_at
    case.review_due_at = _review_due(case)
    case.agreement_due_at = _agreement_due(case, since)
    if (case.review_due_at, case.agreement_due_at) == (old_review, old_agreement):
        return False
    case.save(update_fields=["review_due_at", "agreement_due_at"])
    audit.record(
        actor,
        "case.deadline_recomputed",
        case,
        case=case,
        data={
            "old_review_due_at": _iso(old_review),
            "review_due_at": _iso(case.review_due_at),
            "old_agreement_due_at": _iso(old_agreement),
            "agreement_due_at": _iso(case.agreement_due_at),
        },
    )
    return True


def recompute_provisional_deadlines(actor: AnyUser, cases: list[Case] | None = None) -> list[Case]:
    """Every case whose deadline is 暂定 is counted again with the calendar as it now stands,
    with an audit event per case; its current assignment's deadline and lateness follow.
    Runs inside the caller's transaction; `cases`: the provisional cases the caller already
    locked (else they are locked here, in id order, before any audit event)."""
    changed = []
    if cases is None:
        cases = locks.cases(provisional_cases())
    # The current assignments whose deadline is 暂定, in one query (not one per case).
    assignments = {
        a.case_id: a
        for a in Assignment.objects.filter(
            case__in=[c.pk for c in cases], current=True, due_provisional=True
        )
    }
    # When a same-institution handler change last restarted each open agreement's 5 days.
    since = dict(
        HandlerChange.objects.filter(
            case__in=[c.pk for c in cases if c.status in AGREEING],
            status=HandlerChangeStatus.approved,
            mode="same_institution",
            decided_at__isnull=False,
        )
        .values("case_id")
        .annotate(last=Max("decided_at"))
        .values_list("case_id", "last")
    )
    for case in cases:
        if not (case.due_provisional or case.limits_provisional):
            if _recount_review_and_agreement(actor, case, since):
                changed.append(case)
            continue
        start = case.due_from or case.started_at
        if start is None:
            continue
        old_due, old_local, old_statutory = case.due_at, case.local_due_at, case.statutory_due_at
        set_deadlines(case, start, "due_from")
        case.save(update_fields=DEADLINE_FIELDS)
        assignment = assignments.get(case.pk)
        if assignment is not None and case.due_at is not None:
            assignment.due_at = case.due_at
            assignment.due_provisional = case.due_provisional
            assignment.late = assignment.issued_at > case.due_at
            assignment.save(update_fields=["due_at", "due_provisional", "late"])
        audit.record(
            actor,
            "case.deadline_recomputed",
            case,
            case=case,
            data={
                "from": _iso(start),
                "old_due_at": _iso(old_due),
                "due_at": _iso(case.due_at),
                "old_local_due_at": _iso(old_local),
                "local_due_at": _iso(case.local_due_at),
                "old_statutory_due_at": _iso(old_statutory),
                "statutory_due_at": _iso(case.statutory_due_at),
                "still_provisional": case.due_provisional,
                "limits_still_provisional": case.limits_provisional,
            },
        )
        _recount_review_and_agreement(actor, case, since)
        changed.append(case)
    return changed


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA_TZ).isoformat() if moment is not None else None


def missing_next_year(center: Center, now: datetime) -> int | None:
    """The year whose arrangement staff should enter now, or None: from the policy's
    `calendar.next_year_reminder_from` day until next year is known (SPEC §5)."""
    today = local_date(now)
    pv = engine.policy_for(center).values_on(today)
    month, day = pv.next_year_reminder_from
    if today < date(today.year, month, day):
        return None
    year = today.year + 1
    return None if engine.calendar().covers(year) else year


def banner_text(year: int) -> str:
    return (
        f"{year} 年的国务院节假日安排尚未录入：凡期限涉及 {year} 年的案件，期限暂按周末和"
        "《全国年节及纪念日放假办法》规定的节日计算，标注“暂定”。通知发布后，请中心负责人在"
        "管理后台“法定节假日安排”中录入，录入后暂定期限将自动重新计算。"
    )


def remind_next_year(now: datetime | None = None) -> list[CalendarReminder]:
    """Send each center's officers and director one e-mail while next year's arrangement is
    missing (once per center and year: a unique row records it)."""
    now = now or timezone.now()
    sent = []
    for center in Center.objects.order_by("code"):
        year = missing_next_year(center, now)
        if year is None:
            continue
        emails = list(
            StaffProfile.objects.filter(
                center=center, role__in=[Role.officer, Role.director], user__is_active=True
            )
            .exclude(email="")
            .order_by("email")
            .values_list("email", flat=True)
        )
        try:
            with transaction.atomic():
                reminder = CalendarReminder.objects.create(
                    center=center, year=year, sent_at=now, recipients=emails
                )
                audit.record(
                    None,
                    "calendar.reminder_sent",
                    reminder,
                    data={"year": year, "recipients": len(emails)},
                )
        except IntegrityError:
            continue  # already sent for this center and year
        if emails:
            when = timezone.localtime(now, CHINA_TZ).strftime("%Y-%m-%d")
            tasks.run(
                tasks.send_email,
                f"calendar-reminder:{center.code}:{year}",
                f"【法援指派】请录入 {year} 年法定节假日安排",
                f"{center.name}：\n\n{banner_text(year)}\n\n（{when} 系统自动提醒，只发送一次。）",
                emails,
            )
        log.info("calendar reminder for %s year %s sent to %d", center.code, year, len(emails))
        sent.append(reminder)
    return sent
