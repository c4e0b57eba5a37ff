"""Concurrency (issue 3 item 10; SPEC §8): officers issuing assignments at the same moment give
the result of one after the other — notice numbers, rotation credits and the audit chain stay
exact — and one notification letter submitted by several clients at once makes one case.

Real parallel workers: threads, each with its own database connection, released together by a
barrier, in `transaction=True` tests so that every action really commits. On SQLite the test
database is a file (tests/conftest.py) shared by the threads; IMMEDIATE transactions with a busy
timeout serialise the writers. On PostgreSQL (`DATABASE_URL`) the row locks do.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
from django.contrib.auth.models import Group, User
from django.db import OperationalError, connections
from django.utils import timezone as dj_timezone

from fayuan.accounts.models import Role, StaffProfile
from fayuan.audit.log import verify
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import (
    DEADLINE_FIELDS,
    CaseInput,
    PartyInput,
    do_intake_notification,
    set_deadlines,
)
from fayuan.cases.models import Case, CaseStatus, Party
from fayuan.policy.deadlines import local_date
from fayuan.policy.rotation import RotationState, count_as_turn
from fayuan.roster.models import Center, Locality
from fayuan.workflow import actions, engine
from fayuan.workflow.models import (
    Assignment,
    NoticeSequence,
    OfficerProposal,
    ProposalStatus,
    RotationCredit,
)

CST = timezone(timedelta(hours=8))
RECEIVED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)

WORKERS = 4
CASES = 24
#: A worker waits this long at most for the others at the start line, and the test this long
#: at most for a worker to finish: a safety net against a hang, not a measurement.
STUCK = 120.0

T = TypeVar("T")


# --- parallel workers ---------------------------------------------------------------------


def _lock_timeout(exc: BaseException) -> bool:
    """A lock wait that ran out: SQLite's busy timeout ("database is locked") or PostgreSQL's
    lock_timeout (SQLSTATE 55P03). The worker retries; anything else is a failure (a deadlock
    included: the lock order must not allow one)."""
    if not isinstance(exc, OperationalError):
        return False
    if "database is locked" in str(exc) or "database is busy" in str(exc):
        return True
    return getattr(exc.__cause__, "sqlstate", None) == "55P03"


@dataclass
class Outcome:
    results: list[list[Any]]
    errors: list[tuple[int, BaseException]] = field(default_factory=list)
    retries: int = 0


def run_parallel(work: Sequence[Sequence[Callable[[], T]]]) -> Outcome:
    """Run `work[w]` (a list of calls) in worker thread w; all workers start together. Each
    thread has its own connection (Django's are per thread) and closes it at the end."""
    n = len(work)
    start = threading.Barrier(n, timeout=STUCK)
    outcome = Outcome(results=[[] for _ in range(n)])
    lock = threading.Lock()

    def worker(w: int) -> None:
        try:
            start.wait()
            for call in work[w]:
                while True:
                    try:
                        outcome.results[w].append(call())
                        break
                    except OperationalError as exc:
                        if not _lock_timeout(exc):
                            raise
                        with lock:
                            outcome.retries += 1
        except BaseException as exc:
            start.abort()
            with lock:
                outcome.errors.append((w, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(w,), name=f"worker-{w}") for w in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(STUCK)
    assert not any(t.is_alive() for t in threads), "a worker is stuck (lock wait without end?)"
    return outcome


def _errors(outcome: Outcome) -> str:
    return "\n".join(f"worker {w}: {type(e).__name__}: {e}" for w, e in outcome.errors)


# --- set-up -----------------------------------------------------------------------------


def _officer(center: Center, username: str) -> User:
    user = User.objects.create_user(username)  # no password: nobody logs in, no hashing
    group, _ = Group.objects.get_or_create(name=Role.officer.value)
    user.groups.add(group)
    StaffProfile.objects.create(user=user, role=Role.officer, center=center, full_name=username)
    return user


def _granted_criminal_case(center: Center, organ_id: int, n: int) -> Case:
    """A criminal notification already received (intake itself is tested elsewhere; here only
    the assignment matters). One aided person of its own, so no case conflicts with another."""
    case = Case.objects.create(
        center=center,
        number=f"CONC-{n:04d}",
        category="criminal",
        source="notification",
        organ_id=organ_id,
        letter_number=f"（2026）渝0109刑初{700 + n}号",
        letter_received_at=RECEIVED,
        locality=Locality.objects.get(center=center, name="天生街道"),
        status=CaseStatus.granted,
        started_at=RECEIVED,
    )
    set_deadlines(case, RECEIVED, "letter_received_at")
    case.save(update_fields=DEADLINE_FIELDS)
    Party.objects.create(case=case, role="aided", name=f"并发受援人{n:04d}")
    return case


def _rotation_pool(center: Center) -> tuple[Any, ...]:
    policy = engine.policy_for(center)
    mode = policy.values_on(local_date(dj_timezone.now())).rotation_weight
    return engine.roster_view(center).pool(mode)


def _approved_proposals(world: Any) -> list[OfficerProposal]:
    """CASES criminal cases, each proposed (to the rotation's law firms in turn, so the winners
    differ from case to case) and approved by the director: ready to issue."""
    center = world.center
    firms = [m.firm for m in _rotation_pool(center)]
    assert len(firms) >= 3
    proposals = []
    for n in range(CASES):
        case = _granted_criminal_case(center, world.organ.pk, n)
        # Always a firm other than the rotation's pick: an override, issued as proposed whatever
        # the rotation does meanwhile (a proposal that follows the rotation is refused once the
        # rotation has moved on, 第十一条).
        pick = actions.do_run_engine(case, world.user("officer")).institution
        others = [f for f in firms if pick is None or f != pick.code]
        proposal = actions.do_propose(
            case,
            world.user("officer"),
            institution_code=others[n % len(others)],
            override_reason="测试：依次指定各律师事务所",
        )
        actions.do_director_decide(proposal, world.user("director"), approve=True)
        proposals.append(proposal)
    return proposals


# --- the tests --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_assignments_equal_one_after_the_other(world: Any) -> None:
    center = world.center
    proposals = _approved_proposals(world)
    officers = [_officer(center, f"conc-officer{w}") for w in range(WORKERS)]
    events_before = AuditEvent.objects.count()

    def issue(proposal: OfficerProposal, officer: User) -> Callable[[], Assignment]:
        return lambda: actions.do_issue_assignment(proposal, officer)

    # Two rounds: the first starts from no rotation credits at all (the rows are created by the
    # first turn), the second from stored credits (each turn reads and rewrites them). In each,
    # worker w issues every WORKERS-th case, all workers at the same moment.
    half = CASES // 2
    for batch in (proposals[:half], proposals[half:]):
        work = [[issue(p, officers[w]) for p in batch[w::WORKERS]] for w in range(WORKERS)]
        outcome = run_parallel(work)
        # (d) no worker failed (a lock timeout is retried, anything else is a failure)
        assert not outcome.errors, _errors(outcome)
        assert sum(len(r) for r in outcome.results) == len(batch)

    # (a) notice numbers 1..CASES, no gap, no repeat; one current assignment per case
    assignments = list(
        Assignment.objects.filter(case__center=center)
        .select_related("institution", "case")
        .order_by("notice_seq")
    )
    assert [a.notice_seq for a in assignments] == list(range(1, CASES + 1))
    assert len({a.notice_number for a in assignments}) == CASES
    assert len({a.case_id for a in assignments}) == CASES
    (sequence,) = NoticeSequence.objects.filter(center=center)
    assert sequence.last == CASES
    assert all(a.current for a in assignments)
    assert not OfficerProposal.objects.filter(
        case__center=center, status=ProposalStatus.approved
    ).exists()
    assert Case.objects.filter(center=center, status=CaseStatus.assigned).count() == CASES
    # The order of notice numbers is the order of the commits (each takes its time under the
    # center lock), so it is the serial order the result must equal.
    issued = [a.issued_at for a in assignments]
    assert issued == sorted(issued)

    # (b) rotation credits = a serial run of the same turns in the committed order
    pool = _rotation_pool(center)
    events = {
        int(e.object_id): e
        for e in AuditEvent.objects.filter(
            action="assignment.issue", object_type="workflow.assignment"
        )
    }
    state = RotationState()
    for a in assignments:
        state = count_as_turn(state, pool, a.institution.code, None).state_after
        # each assignment saw exactly the credits the one before it left
        assert events[a.pk].data["rotation_after"] == dict(state.credits), a.notice_number
    stored = dict(
        RotationCredit.objects.filter(center=center).values_list("institution__code", "credit")
    )
    assert stored == dict(state.credits)
    assert sum(stored.values()) == 0
    assert Counter(a.institution.code for a in assignments) == Counter(
        p.institution.code for p in proposals
    )

    # (c) the audit chain verifies; its sequence has no gap; one issue event per assignment
    result = verify()
    assert result.ok, str(result)
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) == events_before + CASES
    assert len(events) == CASES


@pytest.mark.django_db(transaction=True)
def test_one_letter_submitted_at_once_makes_one_case(world: Any) -> None:
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "刘勇勇", "500109196706097552")],
        organ_id=world.organ.pk,
        letter_number="（2026）渝0109刑初999号",
        letter_received_at=RECEIVED,
    )
    actors = [world.user("judicial_organ"), world.user("officer"), world.user("officer2")]

    def submit(actor: User) -> Callable[[], tuple[Case, bool]]:
        return lambda: do_intake_notification(world.center, actor, data)

    work = [[submit(actors[w % len(actors)])] for w in range(WORKERS)]
    outcome = run_parallel(work)

    assert not outcome.errors, _errors(outcome)
    answers = [r for results in outcome.results for r in results]
    assert len(answers) == WORKERS
    cases = Case.objects.filter(organ=world.organ, letter_number=data.letter_number)
    assert cases.count() == 1
    (case,) = cases
    assert {c.pk for c, _ in answers} == {case.pk}
    assert sorted(created for _, created in answers) == [False] * (WORKERS - 1) + [True]
    assert Party.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(action="case.intake_notification").count() == 1
    result = verify()
    assert result.ok, str(result)


@pytest.mark.django_db(transaction=True)
def test_parallel_visits_of_one_practitioner_all_count_in_the_score(world: Any) -> None:
    """第九条: return visits recorded at the same moment on different cases of one practitioner
    each recompute the score; the practitioner's row is locked first (`locks.quality_scores`), so
    the last to commit sees every visit and the score is that of all of them."""
    from fayuan.roster.models import Practitioner
    from fayuan.supervision import actions as supervision
    from fayuan.supervision.models import QualityAssessment

    from .test_file_review import closed_case

    satisfactions = [5, 1, 4, 2, 3, 5, 1, 4]
    cases = [closed_case(world, "F04", handler="L013") for _ in satisfactions]
    supervisor = world.user("supervisor")

    def visit(case: Case, satisfaction: int) -> Callable[[], object]:
        return lambda: supervision.do_record_visit_attempt(
            case, supervisor, "phone", "reached", satisfaction=satisfaction
        )

    calls = [visit(c, s) for c, s in zip(cases, satisfactions, strict=True)]
    outcome = run_parallel([calls[w::WORKERS] for w in range(WORKERS)])
    assert not outcome.errors, _errors(outcome)
    l013 = Practitioner.objects.get(center=world.center, code="L013")
    # Beibei: satisfaction × 20 points; the mean of all eight visits.
    assert l013.quality_score == round(sum(s * 20 for s in satisfactions) / 8, 1)
    latest = QualityAssessment.objects.filter(practitioner=l013).order_by("-id").first()
    assert latest is not None and latest.records == 8
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_parallel_visits_of_two_practitioners_of_one_firm_all_count_for_the_firm(
    world: Any,
) -> None:
    """第九条: visits on cases of two different practitioners of one firm, at the same moment:
    the firm's row is locked before the practitioners' (`locks.quality_places`), so its last
    score counts every visit (no lost update between the two practitioners' records)."""
    from fayuan.roster.models import Institution
    from fayuan.supervision import actions as supervision
    from fayuan.supervision import quality

    from .test_file_review import closed_case

    satisfactions = [5, 1, 4, 2, 3, 5, 1, 4]
    handlers = ["L013", "L014"] * 4
    cases = [closed_case(world, "F04", handler=h) for h in handlers]
    supervisor = world.user("supervisor")

    def visit(case: Case, satisfaction: int) -> Callable[[], object]:
        return lambda: supervision.do_record_visit_attempt(
            case, supervisor, "phone", "reached", satisfaction=satisfaction
        )

    calls = [visit(c, s) for c, s in zip(cases, satisfactions, strict=True)]
    outcome = run_parallel([calls[w::WORKERS] for w in range(WORKERS)])
    assert not outcome.errors, _errors(outcome)
    f04 = quality.current(Institution.objects.get(center=world.center, code="F04"))
    assert f04 is not None and f04.records == 8
    assert f04.value == round(sum(s * 20 for s in satisfactions) / 8, 1)
