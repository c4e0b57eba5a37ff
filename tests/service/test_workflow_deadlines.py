"""第六条 in the service: the deadline starts at the decision to grant aid (or the letter's
receipt), counts working days (SPEC §5), and an assignment issued after it is flagged late."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count

import pytest

from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError
from fayuan.workflow import actions
from fayuan.workflow.models import Assignment

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
GRANTED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
_names = count(1)


def applied(world, category: str = "civil") -> Case:
    n = next(_names)
    data = CaseInput(
        category=category,
        locality="天生街道",
        parties=[PartyInput("aided", f"申请人{n}", is_applicant=True)],
        channel="online",
    )
    return do_intake_application(world.center, world.user("officer"), data)


def issue_at(world, case: Case, at: datetime) -> Assignment:
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    return actions.do_issue_assignment(proposal, world.user("officer"), at=at)


def test_art06_application_has_no_deadline_until_aid_is_granted(world) -> None:
    case = applied(world)
    assert case.status == CaseStatus.intake
    assert case.started_at is None and case.due_at is None


def test_art06_civil_deadline_is_three_working_days_from_the_grant(world) -> None:
    case = do_grant_aid(applied(world), world.user("officer"), at=GRANTED)
    assert case.granted_at == case.started_at == GRANTED
    # 10-01..10-07 holidays; 10-08, 10-09 and Saturday 10-10 (make-up day) are working days.
    assert case.local_due_at == datetime(2026, 10, 10, 23, 59, 59, tzinfo=CST)
    # The statutory 三日 ends on holiday 10-03, moved to 10-08: earlier, so it governs (SPEC §5).
    assert case.statutory_due_at == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST)
    assert case.due_at == case.statutory_due_at and not case.due_provisional
    event = AuditEvent.objects.get(case_id_ref=case.pk, action="case.grant_aid")
    assert event.data["due_at"] == "2026-10-08T23:59:59+08:00"


def test_art06_criminal_deadline_is_one_working_day_from_the_grant(world) -> None:
    case = do_grant_aid(applied(world, "criminal"), world.user("director"), at=GRANTED)
    assert case.due_at == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST)


def test_art06_aid_is_granted_once(world) -> None:
    case = do_grant_aid(applied(world), world.user("officer"), at=GRANTED)
    with pytest.raises(ActionError) as refused:
        do_grant_aid(case, world.user("director"), at=GRANTED + timedelta(days=1))
    assert refused.value.kind == "conflict"
    case.refresh_from_db()
    assert case.started_at == GRANTED


def test_art06_grant_needs_center_staff(world) -> None:
    case = applied(world)
    for role in ("institution_admin", "bureau_section", "judicial_organ", "supervisor"):
        with pytest.raises(ActionError) as refused:
            do_grant_aid(case, world.user(role), at=GRANTED)
        assert refused.value.kind == "forbidden"


def test_art06_issued_on_the_last_day_is_on_time(world) -> None:
    case = do_grant_aid(applied(world), world.user("officer"), at=GRANTED)
    assignment = issue_at(world, case, datetime(2026, 10, 8, 23, 59, 0, tzinfo=CST))
    assert assignment.due_at == case.due_at and not assignment.late


def test_art06_issued_after_the_deadline_is_flagged_late(world) -> None:
    case = do_grant_aid(applied(world), world.user("officer"), at=GRANTED)
    assignment = issue_at(world, case, datetime(2026, 10, 9, 0, 0, 1, tzinfo=CST))
    assert assignment.late
    event = AuditEvent.objects.get(case_id_ref=case.pk, action="assignment.issue")
    assert event.data["late"] is True
