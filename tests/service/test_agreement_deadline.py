"""The agreement deadline (《办理法律援助案件程序规定》第二十七条：法律援助人员所属单位应当自安排
或者收到指派之日起五日内与受援人……签订委托协议和授权委托书) and the e-mail that tells the
institution of a new assignment.

Five calendar days (五日, not working days) from the day the assignment is issued, the start day
not counted and a last day that is a rest day moved to the next working day (民法典第二百零一、
二百零三条); 23:59:59 Beijing time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from itertools import count

import pytest
from django.core import mail

from fayuan.accounts.models import Role, StaffProfile
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application
from fayuan.cases.models import Case, CaseStatus
from fayuan.policy.agreement import AGREEMENT_DAYS, agreement_deadline
from fayuan.roster.models import Institution
from fayuan.web.ui import countdown
from fayuan.workdays import WorkdayCalendar
from fayuan.workflow import actions
from fayuan.workflow.models import Assignment, HandlerChangeStatus

from .conftest import make_user

CST = timezone(timedelta(hours=8))
_names = count(1)


def end(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=CST)


# ------------------------------------------------------------------ the rule alone (pure)


CAL = WorkdayCalendar()


def test_art27_is_five_calendar_days_not_working_days() -> None:
    # Wednesday 2026-06-10 → Monday 06-15: the weekend 13–14 June counts (五日, not 工作日).
    assert AGREEMENT_DAYS == 5
    issued = datetime(2026, 6, 10, 9, 30, tzinfo=CST)
    assert agreement_deadline(issued, CAL) == end(date(2026, 6, 15))


def test_art27_start_day_not_counted_late_evening_or_utc() -> None:
    # 23:30 Beijing on 06-10 is still 06-10; 16:00 UTC on 06-10 is 00:00 Beijing on 06-11.
    assert agreement_deadline(datetime(2026, 6, 10, 23, 30, tzinfo=CST), CAL) == end(
        date(2026, 6, 15)
    )
    utc = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)
    assert agreement_deadline(utc, CAL) == end(date(2026, 6, 16))


def test_art27_last_day_a_rest_day_moves_to_the_next_working_day() -> None:
    # Tuesday 2026-06-02 + 5 = Sunday 06-07 → Monday 06-08 (民法典第二百零三条).
    assert agreement_deadline(datetime(2026, 6, 2, 10, 0, tzinfo=CST), CAL) == end(date(2026, 6, 8))
    # Monday 2026-09-28 + 5 = 10-03, inside the National Day holiday 10-01…10-07 → 10-08.
    assert agreement_deadline(datetime(2026, 9, 28, 10, 0, tzinfo=CST), CAL) == end(
        date(2026, 10, 8)
    )


def test_art27_both_sides_of_the_fifth_day() -> None:
    due = agreement_deadline(datetime(2026, 6, 10, 9, 30, tzinfo=CST), CAL)
    last_second = datetime(2026, 6, 15, 23, 59, 59, tzinfo=CST)
    next_day = datetime(2026, 6, 16, 0, 0, 0, tzinfo=CST)
    assert countdown(due, last_second) == ("剩 0 分钟", False)
    assert countdown(due, next_day)[1] is True
    assert countdown(due, datetime(2026, 6, 14, 23, 59, 59, tzinfo=CST)) == (
        "剩 1 天 0 小时",
        False,
    )


# ------------------------------------------------------------------ in the service


def granted(world, code: str = "F04", category: str = "civil", **fields) -> Case:
    n = next(_names)
    data = CaseInput(
        category=category,
        locality="天生街道",
        parties=[
            PartyInput("aided", f"受援人甲{n}", is_applicant=True),
            PartyInput("opposing", f"对方乙{n}"),
        ],
        channel="counter",
        chosen_institution=code,
        **fields,
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    do_grant_aid(case, world.user("officer"), at=datetime(2026, 9, 30, 10, 0, tzinfo=CST))
    return case


def issue(world, case: Case, at: datetime) -> Assignment:
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    assignment = actions.do_issue_assignment(proposal, world.user("officer"), at=at)
    case.refresh_from_db()
    return assignment


ISSUED = datetime(2026, 10, 8, 9, 0, tzinfo=CST)  # Thursday after the National Day holiday


def test_art27_issuing_sets_the_agreement_deadline_and_audits_it(world) -> None:
    case = granted(world)
    assignment = issue(world, case, ISSUED)
    case.refresh_from_db()
    assert case.status == CaseStatus.assigned
    # 10-08 + 5 = Tuesday 10-13.
    assert case.agreement_due_at == end(date(2026, 10, 13))
    event = AuditEvent.objects.get(action="assignment.issue", object_id=str(assignment.pk))
    assert event.data["agreement_due_at"] == end(date(2026, 10, 13)).isoformat()


def test_art27_deadline_kept_when_handlers_named_and_agreement_signed(world) -> None:
    case = granted(world)
    issue(world, case, ISSUED)
    admin = world.user("institution_admin")
    actions.do_name_handlers(case, admin, ["L013"])
    actions.do_sign_agreement(case, admin, date(2026, 10, 12))
    case.refresh_from_db()
    assert case.status == CaseStatus.agreement_signed
    assert case.agreement_due_at == end(date(2026, 10, 13))  # the record whether it was on time


def _signed(world) -> Case:
    case = granted(world)
    issue(world, case, ISSUED)
    admin = world.user("institution_admin")
    actions.do_name_handlers(case, admin, ["L013"])
    actions.do_sign_agreement(case, admin, date(2026, 10, 12))
    case.refresh_from_db()
    return case


def test_art27_same_institution_change_counts_again_from_the_approval(world) -> None:
    case = _signed(world)
    change = actions.do_request_handler_change(
        case, world.user("institution_admin"), "利益冲突", consent=True, mode="same_institution"
    )
    actions.do_decide_handler_change(change, world.user("director"), approve=True)
    change.refresh_from_db()
    case.refresh_from_db()
    assert change.status == HandlerChangeStatus.approved
    assert case.status == CaseStatus.assigned
    assert change.decided_at is not None
    assert case.agreement_due_at == agreement_deadline(change.decided_at, CAL)
    assert case.agreement_due_at > end(date(2026, 10, 13))


def test_art27_other_institution_change_counts_from_the_new_assignment(world) -> None:
    case = _signed(world)
    change = actions.do_request_handler_change(
        case, world.user("institution_admin"), "利益冲突", consent=True, mode="other_institution"
    )
    actions.do_decide_handler_change(change, world.user("director"), approve=True)
    case.refresh_from_db()
    new = Assignment.objects.get(case=case, current=True)
    assert new.institution.code != "F04"
    assert case.agreement_due_at == agreement_deadline(new.issued_at, CAL)


# ------------------------------------------------------------------ the e-mail


def _admin_with_mail(world, username: str, code: str, email: str, active: bool = True):
    user = make_user(
        world.center,
        username,
        Role.institution_admin,
        institution=Institution.objects.get(center=world.center, code=code),
        email=email,
    )
    if not active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


def test_new_assignment_emails_the_institution_admins_after_commit(
    world, django_capture_on_commit_callbacks
) -> None:
    _admin_with_mail(world, "f04mail", "F04", "f04@example.cn")
    _admin_with_mail(world, "f04gone", "F04", "gone@example.cn", active=False)
    _admin_with_mail(world, "f07mail", "F07", "f07@example.cn")
    StaffProfile.objects.filter(user=world.user("institution_admin")).update(email="")
    case = granted(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue(world, case, ISSUED)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["f04@example.cn"]
    case.refresh_from_db()
    assert case.number in message.subject and "民事" in message.subject
    body = message.body
    assert case.number in body
    assert "民事" in body
    assert "2026-10-13 23:59" in body  # 程序规定第二十七条's deadline
    assert "第二十七条" in body
    assert f"/cases/{case.number}/" in body
    assert "须安排承办人：1 名" in body
    # No personal data of the parties: neither names nor anything else of theirs.
    for party in case.parties.all():
        assert party.name not in body and party.name not in message.subject


def test_assignment_email_is_sent_once_when_delivered_twice(
    world, django_capture_on_commit_callbacks
) -> None:
    _admin_with_mail(world, "f04mail", "F04", "f04@example.cn")
    case = granted(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issue(world, case, ISSUED)
    assert len(mail.outbox) == 1
    for callback in callbacks:  # delivered twice (a retry): sent once
        callback()
    assert len(mail.outbox) == 1


def test_assignment_without_an_admin_address_sends_nothing(
    world, django_capture_on_commit_callbacks
) -> None:
    case = granted(world)
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, case, ISSUED)
    assert mail.outbox == []


def test_reassignment_to_another_institution_emails_the_new_one(
    world, django_capture_on_commit_callbacks
) -> None:
    case = _signed(world)
    for inst in Institution.objects.filter(center=world.center):
        _admin_with_mail(world, f"admin-{inst.code}", inst.code, f"{inst.code.lower()}@example.cn")
    change = actions.do_request_handler_change(
        case, world.user("institution_admin"), "利益冲突", consent=True, mode="other_institution"
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_decide_handler_change(change, world.user("director"), approve=True)
    new = Assignment.objects.get(case=case, current=True)
    assert new.institution.code != "F04"
    assert [m.to for m in mail.outbox] == [[f"{new.institution.code.lower()}@example.cn"]]
    assert new.notice_number in mail.outbox[0].body


pytestmark = pytest.mark.django_db
