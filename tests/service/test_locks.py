"""`fayuan.locks`: the one lock order, the retry of a whole action on a deadlock, and refusals
that write nothing (runs on SQLite and on PostgreSQL).

The retry tests are `transaction=True`: only an action that owns its transaction may start it
again (inside a test's own transaction it runs once, as a savepoint)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError, transaction
from django.test import Client

from fayuan import locks
from fayuan.accounts.models import ApiToken
from fayuan.audit.log import verify
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_notification
from fayuan.cases.models import Case, CaseStatus, Party
from fayuan.errors import ActionError, RecordedRefusal
from fayuan.locks import LockOrderError, Rank
from fayuan.roster.models import Institution
from fayuan.workflow import actions
from fayuan.workflow.models import (
    Approval,
    Assignment,
    EngineProposal,
    Handler,
    NoticeSequence,
    OfficerProposal,
    ProposalStatus,
    Recusal,
    RotationCredit,
)
from fayuan.workflow.recusal import do_apply_recusal, do_decide_recusal

from .test_workflow_rotation import RECEIVED, notification

# --- helpers ------------------------------------------------------------------------------------


def rows() -> dict[str, int]:
    """Everything an action may write, counted (and the notice sequences' last numbers)."""
    counted = {
        model.__name__: model._default_manager.count()
        for model in (
            Case,
            Party,
            EngineProposal,
            OfficerProposal,
            Approval,
            Assignment,
            Handler,
            Recusal,
            RotationCredit,
            AuditEvent,
        )
    }
    counted["notice_last"] = sum(NoticeSequence.objects.values_list("last", flat=True))
    counted["credits"] = sum(
        abs(c) for c in RotationCredit.objects.values_list("credit", flat=True)
    )
    return counted


def deadlock() -> OperationalError:
    """What Django raises when PostgreSQL picks this transaction as a deadlock victim."""
    try:
        raise psycopg.errors.DeadlockDetected("deadlock detected")
    except psycopg.errors.DeadlockDetected as cause:
        try:
            raise OperationalError("deadlock detected") from cause
        except OperationalError as exc:
            return exc


def failing_audit_head(monkeypatch: pytest.MonkeyPatch, failures: list[BaseException]) -> list[int]:
    """Make the audit head's lock raise `failures` one after the other, then work; returns the
    attempt numbers it was asked in (so a test sees the whole action start again)."""
    real = locks.audit_head
    asked: list[int] = []

    def head() -> Any:
        asked.append(locks.attempt())
        if failures:
            raise failures.pop(0)
        return real()

    monkeypatch.setattr(locks, "audit_head", head)
    return asked


@pytest.fixture
def no_pause(settings: Any) -> None:
    settings.FAYUAN_ACTION_RETRY_PAUSE = 0
    settings.FAYUAN_ACTION_ATTEMPTS = 3


# --- the lock order -----------------------------------------------------------------------------


def test_the_order_in_the_docstring_is_the_order_of_the_ranks() -> None:
    doc = locks.__doc__ or ""
    listed = re.findall(r"^\s+(\d)\. ([a-z ]+?)\s{2,}", doc, flags=re.M)
    assert [(int(n), name.strip().replace(" ", "_")) for n, name in listed] == [
        (rank.value, rank.name) for rank in Rank
    ]


@pytest.mark.django_db
def test_locks_out_of_order_are_refused_before_waiting(world: Any) -> None:
    case = notification(world)

    @locks.action
    def case_then_center() -> None:
        locks.case(case)
        locks.center(world.center)

    with pytest.raises(LockOrderError, match=r"center .* after case"):
        case_then_center()

    @locks.action
    def audit_then_case() -> None:
        locks.audit_head()
        locks.case(case)

    with pytest.raises(LockOrderError, match=r"case .* after audit_head"):
        audit_then_case()


@pytest.mark.django_db
def test_locks_in_order_and_a_held_row_named_again_are_allowed(world: Any) -> None:
    case = notification(world)

    @locks.action
    def in_order() -> int:
        locks.center(world.center)
        locks.case(case)
        locks.rotation_credits(world.center)
        locks.notice_sequence(world.center, 2026)
        locks.audit_head()
        locks.case(case)  # held already: waits for nothing
        locks.center(world.center)
        return locks.held_rank()

    assert in_order() == Rank.audit_head
    assert locks.held_rank() == 0  # nothing held once the action is over


@pytest.mark.django_db
def test_an_assignment_takes_its_locks_in_the_one_order(world: Any, monkeypatch: Any) -> None:
    case = notification(world)
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    taken: list[Rank] = []
    real = locks._enter

    def record(rank: Rank, label: str, pks: Any) -> None:
        taken.append(rank)
        real(rank, label, pks)

    monkeypatch.setattr(locks, "_enter", record)
    actions.do_issue_assignment(proposal, world.user("officer"))
    assert taken == sorted(taken)
    assert list(dict.fromkeys(taken)) == [
        Rank.center,
        Rank.case,
        Rank.step,
        Rank.rotation,
        Rank.sequence,
        Rank.audit_head,
    ]


# --- the retry of a whole action ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_victim_is_run_again_whole_with_one_set_of_rows(
    world: Any, monkeypatch: Any, no_pause: None
) -> None:
    case = notification(world)
    before = rows()
    # The first attempt writes the engine's proposal, then dies at the audit head.
    asked = failing_audit_head(monkeypatch, [deadlock()])
    proposal = actions.do_run_engine(case, world.user("officer"))
    assert asked == [1, 2]
    after = rows()
    assert after["EngineProposal"] == before["EngineProposal"] + 1
    assert after["AuditEvent"] == before["AuditEvent"] + 1
    assert EngineProposal.objects.get(case=case).pk == proposal.pk
    assert AuditEvent.objects.filter(action="engine.propose", object_id=str(proposal.pk)).count()
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_psycopg_errors_are_retryable_as_they_come(
    world: Any, monkeypatch: Any, no_pause: None
) -> None:
    """The driver's own exceptions (deadlock, serialization failure) count too, not only
    Django's wrapper; the issue of a notice then takes one number and one turn."""
    case = notification(world)
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    before = rows()
    failures: list[BaseException] = [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
    ]
    asked = failing_audit_head(monkeypatch, failures)
    assignment = actions.do_issue_assignment(proposal, world.user("officer"))
    assert asked == [1, 2, 3]
    after = rows()
    assert after["Assignment"] == before["Assignment"] + 1
    assert after["notice_last"] == before["notice_last"] + 1 == assignment.notice_seq
    assert after["AuditEvent"] == before["AuditEvent"] + 1
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_retries_are_bounded_and_leave_nothing(
    world: Any, monkeypatch: Any, no_pause: None
) -> None:
    case = notification(world)
    before = rows()
    asked = failing_audit_head(monkeypatch, [deadlock() for _ in range(5)])
    with pytest.raises(OperationalError):
        actions.do_run_engine(case, world.user("officer"))
    assert asked == [1, 2, 3]  # FAYUAN_ACTION_ATTEMPTS
    assert rows() == before


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried(
    world: Any, monkeypatch: Any, no_pause: None
) -> None:
    case = notification(world)
    before = rows()
    asked = failing_audit_head(monkeypatch, [IntegrityError("duplicate key")])
    with pytest.raises(IntegrityError):
        actions.do_run_engine(case, world.user("officer"))
    assert asked == [1]
    assert rows() == before


@pytest.mark.django_db(transaction=True)
def test_an_action_inside_someone_elses_transaction_is_not_retried(
    world: Any, monkeypatch: Any, no_pause: None
) -> None:
    case = notification(world)
    asked = failing_audit_head(monkeypatch, [deadlock()])
    with pytest.raises(OperationalError), transaction.atomic():
        actions.do_run_engine(case, world.user("officer"))
    assert asked == [1]


@pytest.mark.django_db(transaction=True)
def test_the_engine_inside_a_proposal_is_retried_with_it(
    world: Any, monkeypatch: Any, no_pause: None
) -> None:
    """The officer's proposal asks the engine in its own transaction: a deadlock at the
    proposal's audit event starts both again; one engine proposal and one proposal remain."""
    case = notification(world)
    before = rows()
    asked = failing_audit_head(monkeypatch, [deadlock()])
    actions.do_propose(case, world.user("officer"))
    after = rows()
    assert after["EngineProposal"] == before["EngineProposal"] + 1
    assert after["OfficerProposal"] == before["OfficerProposal"] + 1
    assert after["AuditEvent"] == before["AuditEvent"] + 2
    assert asked[0] == 1 and asked[-1] == 2


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_when_every_attempt_deadlocks(
    world: Any, monkeypatch: Any, no_pause: None
) -> None:
    case = notification(world)
    raw = ApiToken.new_raw()
    ApiToken.objects.create(
        user=world.user("officer"), name="t", prefix=raw[:8], digest=ApiToken.hash(raw)
    )
    before = rows()
    failing_audit_head(monkeypatch, [deadlock() for _ in range(3)])
    response = Client().post(
        f"/api/cases/{case.number}/engine", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert response["Retry-After"] == "1"
    assert rows() == before


# --- refusals write nothing ---------------------------------------------------------------------


def refused(call: Callable[[], object]) -> ActionError:
    before = rows()
    with pytest.raises(ActionError) as caught:
        call()
    assert rows() == before, type(caught.value).__name__
    return caught.value


@pytest.fixture
def granted(world: Any) -> Case:
    """A criminal notification, granted on receipt, the engine not yet asked."""
    return notification(world)


@pytest.mark.django_db
def test_a_refused_proposal_leaves_no_engine_proposal(world: Any, granted: Case) -> None:
    officer = world.user("officer")
    assert not EngineProposal.objects.filter(case=granted).exists()
    error = refused(lambda: actions.do_propose(granted, officer, institution_code="NOPE"))
    assert error.field == "institution"
    error = refused(lambda: actions.do_propose(granted, officer, institution_code="F02"))
    assert error.field == "override_reason"  # another firm than the engine's (F09), no reason
    error = refused(
        lambda: actions.do_propose(granted, officer, institution_code="G01", override_reason="x")
    )
    assert error.field == "institution"  # a grassroots office may not take a criminal case
    assert not EngineProposal.objects.filter(case=granted).exists()


@pytest.mark.django_db
def test_refused_workflow_steps_write_nothing(world: Any, granted: Case) -> None:
    officer, director = world.user("officer"), world.user("director")
    refused(lambda: do_grant_aid(granted, officer))  # granted on receipt already
    proposal = actions.do_propose(granted, officer)
    refused(lambda: actions.do_run_engine(granted, officer))  # proposed: not open
    refused(lambda: actions.do_issue_assignment(proposal, officer))  # not approved yet
    refused(lambda: actions.do_director_decide(proposal, director, approve=False))  # no reason
    actions.do_director_decide(proposal, director, approve=True)
    refused(lambda: actions.do_director_decide(proposal, director, approve=True))  # decided
    actions.do_issue_assignment(proposal, officer)
    refused(lambda: actions.do_issue_assignment(proposal, officer))  # issued already
    refused(lambda: actions.do_name_handlers(granted, world.user("institution_admin"), ["X1"]))


@pytest.mark.django_db
def test_a_refused_notification_writes_nothing(world: Any) -> None:
    data = CaseInput(
        category="criminal",
        locality="没有这个镇街",
        parties=[PartyInput("aided", "某人")],
        organ_id=world.organ.pk,
        letter_number="（2026）渝0109刑初777号",
        letter_received_at=RECEIVED,
    )
    error = refused(lambda: do_intake_notification(world.center, world.user("officer"), data))
    assert error.field == "locality"


@pytest.mark.django_db
def test_a_decided_recusal_refused_again_writes_nothing(world: Any, granted: Case) -> None:
    recusal = do_apply_recusal(granted, world.user("officer"), "与受援人系亲属")
    do_decide_recusal(recusal, world.user("director"), grant=False, reason="无亲属关系")
    stale = Recusal.objects.get(pk=recusal.pk)
    stale.status = "pending"  # as a second browser tab still shows it
    refused(lambda: do_decide_recusal(stale, world.user("director"), grant=True))


@pytest.mark.django_db
def test_the_rotation_moving_on_is_recorded_on_purpose_and_answered_409(world: Any) -> None:
    """The one refusal that keeps a record (第十一条): the proposal goes back to the officer,
    with its audit event; no notice number, no assignment, no rotation turn."""
    officer, director = world.user("officer"), world.user("director")
    first, second = notification(world), notification(world)
    p1 = actions.do_propose(first, officer)
    p2 = actions.do_propose(second, officer)
    for p in (p1, p2):
        actions.do_director_decide(p, director, approve=True)
    actions.do_issue_assignment(p1, officer)
    before = rows()
    with pytest.raises(RecordedRefusal) as caught:
        actions.do_issue_assignment(p2, officer)
    assert caught.value.kind == "conflict" and "第十一条" in caught.value.message
    after = rows()
    assert after == before | {"AuditEvent": before["AuditEvent"] + 1}
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None and last.action == "proposal.rotation_moved_on"
    p2.refresh_from_db()
    second.refresh_from_db()
    assert p2.status == ProposalStatus.rejected and second.status == CaseStatus.granted


@pytest.mark.django_db
def test_the_rotation_moving_on_is_a_409_through_the_api(world: Any) -> None:
    officer, director = world.user("officer"), world.user("director")
    first, second = notification(world), notification(world)
    proposals = [actions.do_propose(c, officer) for c in (first, second)]
    for p in proposals:
        actions.do_director_decide(p, director, approve=True)
    actions.do_issue_assignment(proposals[0], officer)
    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=officer, name="t", prefix=raw[:8], digest=ApiToken.hash(raw))
    response = Client().post(
        f"/api/cases/{second.number}/proposals/{proposals[1].pk}/issue",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert OfficerProposal.objects.get(pk=proposals[1].pk).status == ProposalStatus.rejected


@pytest.mark.django_db
def test_nobody_can_take_it_keeps_the_finding_and_the_alert(world: Any) -> None:
    """SPEC §7 rule 5: when the rules find nobody for the case, that finding, the case's status
    and the alert are recorded even though the proposal itself is refused."""
    firms = list(Institution.objects.filter(center=world.center).values_list("code", flat=True))
    case = notification(world, conflict_institutions=firms)
    with pytest.raises(RecordedRefusal) as caught:
        actions.do_propose(case, world.user("officer"))
    assert caught.value.field == "institution"
    case.refresh_from_db()
    assert case.status == CaseStatus.unassignable
    assert EngineProposal.objects.filter(case=case, status="unassignable").count() == 1
    assert AuditEvent.objects.filter(case_id_ref=case.pk, action="case.unassignable_alert")
    assert not OfficerProposal.objects.filter(case=case).exists()
