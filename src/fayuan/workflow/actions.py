"""The assignment workflow (第五、六、十、十一、十二条). Every step is a `do_*` function that checks
who may act, writes the step and its audit event in one transaction, and refuses bad input with
an `ActionError` before writing anything.

Each `do_*` is a `fayuan.locks.action`: one transaction, retried whole on a deadlock, its locks
taken in the one order of `fayuan.locks` (center → case → proposal/change → rotation credits →
notice sequence → audit head). A refusal rolls back everything the action wrote, the engine's
proposal included; only a `RecordedRefusal` keeps its record (the rotation moved on: the
proposal goes back to the officer; a handler change lapsed; the rules found nobody for the
case, SPEC §7 rule 5)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fayuan import locks, tasks
from fayuan.accounts.access import AnyUser, require, user_id
from fayuan.accounts.models import Role, StaffProfile
from fayuan.audit import log as audit
from fayuan.cases.actions import DEADLINE_FIELDS, set_deadlines
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError, RecordedRefusal
from fayuan.locks import action
from fayuan.policy.agreement import agreement_deadline
from fayuan.policy.approval import Route as PolicyRoute
from fayuan.policy.deadlines import CHINA_TZ, local_date
from fayuan.policy.decision import CHOICE_RULES, Decision, Status
from fayuan.policy.eligibility import check_practitioner
from fayuan.policy.explain import explain_decision
from fayuan.policy.handler_change import ChangeRequest, HeldCase, decide_change
from fayuan.policy.handlers import handlers_minimum, handlers_recommended
from fayuan.policy.model import Case as PolicyCase
from fayuan.policy.roster import RosterView
from fayuan.policy.rotation import RotationState, count_as_turn
from fayuan.policy.selection import AssignmentState, case_setting, decide_case
from fayuan.roster.models import Center, Institution, Practitioner
from fayuan.status import notify
from fayuan.workdays import CalendarYearMissing
from fayuan.workflow import engine
from fayuan.workflow.models import (
    Approval,
    ApprovalStep,
    Assignment,
    EngineProposal,
    Handler,
    HandlerChange,
    HandlerChangeStatus,
    OfficerProposal,
    ProposalStatus,
    RotationCredit,
    Route,
)
from fayuan.workflow.recusal import ensure_not_recused

log = logging.getLogger("fayuan.workflow")

OPEN_FOR_PROPOSAL = (CaseStatus.granted, CaseStatus.unassignable)


def _lock_case(case: Case) -> Case:
    """The case row locked (`fayuan.locks.case`), with its center, locality and institution."""
    return locks.case(case)


def _lock_center(center: Center) -> Center:
    """Serialises the writes that must be one after the other per center: rotation credits and
    notice numbers (SPEC §8: two assignments at once give the result of one after the other).
    Taken first (`fayuan.locks`)."""
    return locks.center(center)


@contextmanager
def _calendar_known(field: str) -> Iterator[None]:
    """A deadline in a year the calendar has no data for is a clear refusal, never a crash
    (SPEC §5): the message names the year and how to enter its arrangement."""
    try:
        yield
    except CalendarYearMissing as exc:
        raise ActionError(str(exc), field) from exc


def _engine_decision(
    case: Case, on: datetime, state: AssignmentState | None = None, pcase: PolicyCase | None = None
) -> tuple[Decision, str]:
    """The rules' answer. `state` and `pcase`: already read in this transaction (the center is
    locked first, so they cannot change before it commits)."""
    center = case.center
    policy = engine.policy_for(center)
    state = state or engine.assignment_state(center, case, on)
    with _calendar_known("started_at"):
        decision = decide_case(pcase or engine.policy_case(case), state, policy, engine.calendar())
    return decision, explain_decision(decision, state.roster)


def _change_decision(case: Case, request: ChangeRequest, state: AssignmentState) -> Decision:
    with _calendar_known("at"):
        return decide_change(
            _held(case), request, state, engine.policy_for(case.center), engine.calendar()
        )


def _alert_unassignable(case: Case, actor: AnyUser, reasons: str) -> None:
    """SPEC §7 rule 5: a case nobody can take goes to the officers and the director at once."""
    staff = StaffProfile.objects.filter(
        center=case.center, role__in=[Role.officer, Role.director]
    ).exclude(email="")
    recipients = [p.email for p in staff]
    event = audit.record(
        actor, "case.unassignable_alert", case, case=case, data={"recipients": len(recipients)}
    )
    if recipients:
        due = (
            timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
            if case.due_at
            else "（未定）"
        )
        # Sent by the worker once this commits; once per alert (its audit event).
        tasks.run_after_commit(
            tasks.send_email,
            f"unassignable:{case.pk}:{event.seq}",
            f"【须立即处理】案件 {case.number} 无可指派的承办机构",
            f"案件 {case.number} 按规则没有符合条件的承办机构，须在 {due} 前处理。\n\n{reasons}",
            recipients,
        )


def _open_for_proposal(case: Case, what: str) -> None:
    if case.status not in OPEN_FOR_PROPOSAL:
        raise ActionError(
            f"案件当前状态为“{case.get_status_display()}”，不能{what}。", kind="conflict"
        )


@action
def do_run_engine(case: Case, actor: AnyUser) -> EngineProposal:
    """Ask the rules (SPEC §7) and store their answer whole, with its reasoning."""
    require(actor, "propose", case)
    ensure_not_recused(actor, case)
    case = _lock_case(case)
    _open_for_proposal(case, "提出指派建议")
    return _run_engine(case, actor)


def _run_engine(case: Case, actor: AnyUser) -> EngineProposal:
    """The rules' answer and its audit event, in the caller's transaction, the case locked."""
    decision, explanation = _engine_decision(case, case.started_at or timezone.now())
    proposal = EngineProposal.objects.create(
        case=case,
        policy=decision.policy_id,
        status=decision.status.value,
        rule=decision.rule.value if decision.rule else "",
        institution=(
            Institution.objects.get(center=case.center, code=decision.institution)
            if decision.institution
            else None
        ),
        route=(decision.route or PolicyRoute.director).value,
        handlers_required=decision.handlers_required or 1,
        due_at=decision.deadline or case.due_at or timezone.now(),
        due_provisional=bool(decision.deadlines and decision.deadlines.provisional),
        decision=decision.to_json(),
        explanation=explanation,
        rotation_before=dict(decision.rotation.credits_before) if decision.rotation else {},
        rotation_after=dict(decision.rotation.state_after.credits) if decision.rotation else {},
    )
    audit.record(
        actor,
        "engine.propose",
        proposal,
        case=case,
        data={
            "status": proposal.status,
            "rule": proposal.rule,
            "institution": decision.institution,
        },
    )
    if decision.status is Status.unassignable:
        _set_status(case, CaseStatus.unassignable)
        _alert_unassignable(case, actor, explanation)
    return proposal


def _hard_check(
    case: Case,
    institution: Institution,
    on: datetime,
    state: AssignmentState | None = None,
    pcase: PolicyCase | None = None,
) -> int:
    """An officer may depart from the engine's choice, never from the rules of who may take a
    case (§2, §3): the institution must be eligible (with the minimum of handlers, §6). Returns
    the number of handlers it is asked for: the recommendation, or all its eligible
    practitioners when it has fewer (SPEC §6)."""
    state = state or engine.assignment_state(case.center, case, on)
    policy = engine.policy_for(case.center)
    pcase = pcase or engine.policy_case(case)
    pv = policy.values_on(local_date(on))
    setting = case_setting(pcase, local_date(on), handlers_minimum(pcase, pv), pv, state)
    check = setting.check(institution.code)
    if not check.eligible:
        raise ActionError(f"{institution.name}不能承办本案：{check.detail}。", "institution")
    return min(handlers_recommended(pcase, pv), len(check.eligible_practitioners))


@action
def do_propose(
    case: Case,
    actor: AnyUser,
    institution_code: str | None = None,
    opinion: str = "",
    override_reason: str = "",
) -> OfficerProposal:
    """第五条：由负责案件指派工作的人员提出指派意见.

    Departing from the rules' answer needs a reason. When the rules must be asked (first, or
    again), their proposal is written in this same transaction: a refused proposal leaves no
    engine proposal behind — except when the rules found that nobody can take the case (SPEC §7
    rule 5): that finding, the case's status and the alert to the officers and the director
    are kept (`RecordedRefusal`, with the refusal's own status)."""
    require(actor, "propose", case)
    ensure_not_recused(actor, case)
    case = _lock_case(case)
    engine_proposal = case.engine_proposals.order_by("-created_at", "-id").first()
    if not (
        engine_proposal is None
        or (
            case.status == CaseStatus.granted
            and engine_proposal.created_at < (case.granted_at or engine_proposal.created_at)
        )
        # A proposal built on it went back to the officer: the rules are asked again, for the
        # rotation or the roster may have moved on since.
        or case.proposals.filter(
            engine_proposal=engine_proposal, status=ProposalStatus.rejected
        ).exists()
    ):
        return _propose(case, actor, engine_proposal, institution_code, opinion, override_reason)
    _open_for_proposal(case, "提出指派建议")
    engine_proposal = _run_engine(case, actor)
    try:
        return _propose(case, actor, engine_proposal, institution_code, opinion, override_reason)
    except ActionError as exc:
        if engine_proposal.status != Status.unassignable.value or isinstance(exc, RecordedRefusal):
            raise
        raise RecordedRefusal(exc.message, exc.field, exc.kind) from exc


def _propose(
    case: Case,
    actor: AnyUser,
    engine_proposal: EngineProposal,
    institution_code: str | None,
    opinion: str,
    override_reason: str,
) -> OfficerProposal:
    code = institution_code or (
        engine_proposal.institution.code if engine_proposal.institution else None
    )
    if code is None:
        raise ActionError("系统未找到符合条件的机构，请指定承办机构并说明理由。", "institution")
    institution = Institution.objects.filter(center=case.center, code=code).first()
    if institution is None:
        raise ActionError(f"名册中没有编号为 {code} 的承办机构。", "institution")
    differs = engine_proposal.institution_id != institution.pk
    if differs and not override_reason.strip():
        raise ActionError("指派意见与系统建议不同，须写明理由。", "override_reason")
    _open_for_proposal(case, "提出指派意见")
    _hard_check(case, institution, timezone.now())
    case.proposals.filter(status=ProposalStatus.pending).update(status=ProposalStatus.rejected)
    proposal = OfficerProposal.objects.create(
        case=case,
        engine_proposal=engine_proposal,
        officer_id=user_id(actor),
        institution=institution,
        differs_from_engine=differs,
        override_reason=override_reason.strip(),
        opinion=opinion,
        route=engine_proposal.route,
    )
    _set_status(case, CaseStatus.proposed)
    audit.record(
        actor,
        "proposal.create",
        proposal,
        case=case,
        data={
            "institution": institution.code,
            "differs_from_engine": differs,
            "override_reason": override_reason.strip(),
            "route": proposal.route,
        },
    )
    return proposal


def _step(proposal: OfficerProposal, actor: AnyUser, step: str, **fields: object) -> Approval:
    approval = Approval.objects.create(
        proposal=proposal, step=step, actor_id=user_id(actor), **fields
    )
    audit.record(
        actor,
        f"approval.{step}",
        approval,
        case=proposal.case,
        data={k: str(v) for k, v in fields.items()},
    )
    return approval


def _set_status(row: Case | OfficerProposal, status: str) -> None:
    row.status = status
    row.save(update_fields=["status"])


def _reject(proposal: OfficerProposal, case: Case) -> None:
    """A rejected proposal goes back to the officer with the reason."""
    _set_status(proposal, ProposalStatus.rejected)
    _set_status(case, CaseStatus.granted)


def _locked(
    proposal: OfficerProposal, expected: tuple[str, ...], route: str
) -> tuple[OfficerProposal, Case]:
    case = _lock_case(proposal.case)
    proposal = locks.proposal(proposal.pk)
    if proposal.route != route:
        raise ActionError("本案的决定程序不是这一环节（第五条）。", kind="conflict")
    if proposal.status not in expected:
        raise ActionError(
            f"指派意见当前状态为“{proposal.get_status_display()}”，不能进行这一环节。",
            kind="conflict",
        )
    return proposal, case


@action
def do_director_decide(
    proposal: OfficerProposal, actor: AnyUser, approve: bool, reason: str = ""
) -> Approval:
    """第五条：普通案件报法律援助中心负责人决定。"""
    require(actor, "director_decide", proposal.case)
    ensure_not_recused(actor, proposal.case)
    if not approve and not reason.strip():
        raise ActionError("不同意指派意见的，须写明理由。", "reason")
    proposal, case = _locked(proposal, (ProposalStatus.pending,), Route.director)
    approval = _step(
        proposal, actor, ApprovalStep.director_decision, approved=approve, reason=reason.strip()
    )
    if approve:
        _set_status(proposal, ProposalStatus.approved)
    else:
        _reject(proposal, case)
    return approval


@action
def do_record_discussion(
    proposal: OfficerProposal,
    actor: AnyUser,
    held_on: date,
    participants: list[str],
    conclusion: str,
) -> Approval:
    """第五条：重大疑难案件应当由区法律援助中心集体讨论。"""
    require(actor, "record_discussion", proposal.case)
    ensure_not_recused(actor, proposal.case)
    names = [p.strip() for p in participants if p.strip()]
    if len(names) < 2:
        raise ActionError("集体讨论须记录参加人员（至少 2 人）。", "participants")
    if not conclusion.strip():
        raise ActionError("须记录讨论结论。", "conclusion")
    proposal, case = _locked(proposal, (ProposalStatus.pending,), Route.bureau)
    approval = _step(
        proposal,
        actor,
        ApprovalStep.collective_discussion,
        held_on=held_on,
        participants=names,
        conclusion=conclusion.strip(),
    )
    _set_status(proposal, ProposalStatus.discussed)
    _set_status(case, CaseStatus.discussed)
    return approval


@action
def do_report_to_bureau(
    proposal: OfficerProposal, actor: AnyUser, document_number: str, report: str
) -> Approval:
    """第五条：集体讨论后，书面报请区司法局决定。"""
    require(actor, "report_to_bureau", proposal.case)
    ensure_not_recused(actor, proposal.case)
    if not document_number.strip():
        raise ActionError("须填写书面报告的文号。", "document_number")
    if not report.strip():
        raise ActionError("须填写书面报告内容。", "report")
    proposal, case = _locked(proposal, (ProposalStatus.discussed,), Route.bureau)
    approval = _step(
        proposal,
        actor,
        ApprovalStep.bureau_report,
        document_number=document_number.strip(),
        reason=report.strip(),
    )
    _set_status(proposal, ProposalStatus.reported)
    _set_status(case, CaseStatus.reported)
    return approval


@action
def do_bureau_decide(
    proposal: OfficerProposal, actor: AnyUser, approve: bool, reason: str
) -> Approval:
    """第五条：由区司法局决定。"""
    require(actor, "bureau_decide", proposal.case)
    ensure_not_recused(actor, proposal.case)
    if not reason.strip():
        raise ActionError("区司法局的决定须写明意见。", "reason")
    proposal, case = _locked(proposal, (ProposalStatus.reported,), Route.bureau)
    approval = _step(
        proposal, actor, ApprovalStep.bureau_decision, approved=approve, reason=reason.strip()
    )
    if approve:
        _set_status(proposal, ProposalStatus.approved)
    else:
        _reject(proposal, case)
    return approval


def next_notice_number(center: Center, on: datetime) -> tuple[int, int, str]:
    """第六条《指派通知书》：numbered per center and year, without gaps or repeats. Caller holds
    the center lock and the transaction, so a rolled-back assignment gives its number back."""
    year = local_date(on).year
    sequence = locks.notice_sequence(center, year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return year, sequence.last, f"{center.notice_prefix}〔{year}〕第{sequence.last:04d}号"


def _take_rotation_turn(
    case: Case,
    institution: Institution,
    on: datetime,
    rule: str,
    roster: RosterView | None = None,
) -> dict[str, int] | None:
    """第十一条 (SPEC §8): a criminal assignment counts as the firm's turn, whatever rule chose it
    (an officer's override and a handler change included), except a 点援 or 便民 assignment when
    the policy's `criminal_rotation.choice_counts_as_turn` is false; credits change in the
    assignment's transaction. Returns the credits after the turn (None: no turn).
    `roster`: the roster already read in this transaction."""
    center = case.center
    policy = engine.policy_for(center)
    pv = policy.values_on(local_date(on))
    if rule in CHOICE_RULES and not pv.rotation_choice_counts_as_turn:
        return None
    roster = roster or engine.roster_view(center)
    pool = roster.pool(pv.rotation_weight)
    credits = {r.institution.code: r for r in locks.rotation_credits(center)}
    # The credits as locked now (the same values engine.rotation_state would read again).
    state = RotationState({code: row.credit for code, row in credits.items()})
    turn = count_as_turn(state, pool, institution.code, None)
    missing = [m.firm for m in pool if m.firm not in credits]
    if missing:
        ids = dict(
            Institution.objects.filter(center=center, code__in=missing).values_list("code", "pk")
        )
        for code in missing:
            credits[code] = RotationCredit.objects.create(
                center=center, institution_id=ids[code], credit=0
            )
    changed = []
    for firm, credit in turn.state_after.credits.items():
        row = credits.get(firm)
        if row is not None and row.credit != credit:
            row.credit = credit
            changed.append(row)
    RotationCredit.objects.bulk_update(changed, ["credit"])
    return dict(turn.state_after.credits)


def _issue(
    case: Case,
    institution: Institution,
    actor: AnyUser,
    rule: str,
    proposal: OfficerProposal | None,
    required: int,
    on: datetime,
    roster: RosterView | None = None,
) -> Assignment:
    """Write an assignment: rotation turn, notice number, the case's holder. Inside the caller's
    transaction, with the center locked; `roster` as already read in it."""
    rotation_after = None
    if case.category == "criminal":
        rotation_after = _take_rotation_turn(case, institution, on, rule, roster)
    year, seq, number = next_notice_number(case.center, on)
    due = case.due_at or on
    assignment = Assignment.objects.create(
        case=case,
        proposal=proposal,
        institution=institution,
        rule=rule,
        notice_year=year,
        notice_seq=seq,
        notice_number=number,
        issued_by_id=user_id(actor),
        issued_at=on,
        due_at=due,
        due_provisional=case.due_provisional,
        late=on > due,
        handlers_required=required,
    )
    case.institution = institution
    case.assigned_at = on
    case.status = CaseStatus.assigned
    case.agreement_due_at = _agreement_due(on)
    case.save(update_fields=["institution", "assigned_at", "status", "agreement_due_at"])
    event = audit.record(
        actor,
        "assignment.issue",
        assignment,
        case=case,
        data={
            "notice": number,
            "institution": institution.code,
            "rule": rule,
            "late": assignment.late,
            "rotation_after": rotation_after,
            "agreement_due_at": case.agreement_due_at.isoformat(),
        },
    )
    _email_institution(case, assignment, event.seq)
    notify.case_assigned(case, assignment)  # SMS to the applicant after commit (issue 9)
    return assignment


def _agreement_due(on: datetime) -> datetime:
    """《办理法律援助案件程序规定》第二十七条：自安排或者收到指派之日起五日内签订委托协议
    (`fayuan.policy.agreement`)."""
    with _calendar_known("at"):
        return agreement_deadline(on, engine.calendar())


def _email_institution(case: Case, assignment: Assignment, seq: int) -> None:
    """The institution's admins learn of a new assignment by e-mail, once it commits (sent by
    the worker; once per assignment). What the case is and what is due, never who the parties
    are: the personal data stay behind the login (and its audit)."""
    emails = (
        StaffProfile.objects.filter(
            role=Role.institution_admin, institution=assignment.institution, user__is_active=True
        )
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    recipients = list(dict.fromkeys(emails))
    if not recipients:
        return
    path = f"/cases/{case.number}/"  # the staff case page (fayuan.web.urls "case")
    site = str(getattr(settings, "FAYUAN_SITE_URL", "") or "").rstrip("/")
    link = f"{site}{path}" if site else f"{path}（请登录本系统后打开）"
    due = timezone.localtime(case.agreement_due_at, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    body = (
        f"{assignment.institution.name}：\n\n"
        f"{case.center.name}已向贵机构指派法律援助案件（{assignment.notice_number}），"
        "请及时安排承办人（《办理法律援助案件程序规定》第二十五条第二款）。\n\n"
        f"案件编号：{case.number}\n"
        f"案件类别：{case.get_category_display()}\n"
        f"须安排承办人：{assignment.handlers_required} 名（第十条）\n"
        f"安排承办人并签订委托协议的期限：{due}（北京时间；程序规定第二十七条："
        "自收到指派之日起五日内签订委托协议和授权委托书）\n"
        f"案件页面：{link}\n\n"
        "本邮件不含当事人信息，请登录系统查看案件和《指派通知书》。\n"
    )
    tasks.run_after_commit(
        tasks.send_email,
        f"assignment:{assignment.pk}:{seq}",
        f"【新指派】案件 {case.number}（{case.get_category_display()}）请安排承办人",
        body,
        recipients,
    )


@action
def do_issue_assignment(
    proposal: OfficerProposal, actor: AnyUser, at: datetime | None = None
) -> Assignment:
    """第六条：指派案件应当制作《指派通知书》. The approved proposal becomes the assignment.

    Locks: center → case → proposal → rotation credits → notice sequence → audit head. When
    the rotation moved on since the proposal, it goes back to the officer: that return and its
    audit event are kept (`RecordedRefusal`, 409), nothing else is written."""
    require(actor, "issue_assignment", proposal.case)
    ensure_not_recused(actor, proposal.case)
    _lock_center(proposal.case.center)
    case = _lock_case(proposal.case)
    proposal = locks.proposal(proposal.pk)
    if proposal.status != ProposalStatus.approved:
        raise ActionError(
            f"指派意见尚未批准（当前：{proposal.get_status_display()}），不能发出指派通知书。",
            kind="conflict",
        )
    if case.assignments.filter(current=True).exists():
        raise ActionError("本案已指派。", kind="conflict")
    on = at or timezone.now()
    # Read once, after the center lock: the check, the rotation's standing and the turn agree.
    state = engine.assignment_state(case.center, case, on)
    pcase = engine.policy_case(case)
    required = _hard_check(case, proposal.institution, on, state, pcase)
    engine_proposal = proposal.engine_proposal
    stale = _rotation_moved_on(case, proposal, state, pcase)
    if stale is None:
        rule = engine_proposal.rule if not proposal.differs_from_engine else "override"
        assignment = _issue(
            case, proposal.institution, actor, rule, proposal, required, on, state.roster
        )
        _set_status(proposal, ProposalStatus.issued)
        return assignment
    # Deliberately recorded: the proposal goes back to the officer, with the reason.
    _reject(proposal, case)
    audit.record(
        actor,
        "proposal.rotation_moved_on",
        proposal,
        case=case,
        data={"proposed": proposal.institution.code, "now_next": stale},
    )
    raise RecordedRefusal(
        f"按序依次指派（第十一条）：提出指派意见后轮次已有变化，本案现应轮到 {stale}。"
        "指派意见已退回，请重新提出指派意见。"
    )


def _rotation_moved_on(
    case: Case,
    proposal: OfficerProposal,
    state: AssignmentState | None = None,
    pcase: PolicyCase | None = None,
) -> str | None:
    """第十一条 按序依次：a proposal that follows the rotation is issued only while its firm is
    still next in line; other issues since may have moved the rotation on (SPEC §8: the result
    of one after the other). Returns the firm now next, or None when the proposal stands."""
    engine_proposal = proposal.engine_proposal
    if engine_proposal.rule != "rotation" or proposal.differs_from_engine:
        return None
    decision, _ = _engine_decision(case, case.started_at or timezone.now(), state, pcase)
    if decision.institution in (None, proposal.institution.code):
        return None
    return decision.institution


def _current_assignment(case: Case) -> Assignment:
    assignment = case.assignments.filter(current=True).select_related("institution").first()
    if assignment is None:
        raise ActionError("本案尚未指派。", kind="conflict")
    return assignment


def _replaced_handlers(case: Case) -> set[str]:
    """The handlers an approved change replaced (SPEC §10: another than the current handler)."""
    change = (
        case.handler_changes_log.filter(status=HandlerChangeStatus.approved)
        .order_by("-decided_at")
        .first()
    )
    if change is None or change.decided_at is None:
        return set()
    ended = case.handlers.filter(active=False, ended_at=change.decided_at)
    return set(ended.values_list("practitioner__code", flat=True))


def _eligibility_day(case: Case) -> date:
    """The day a handler's qualification is judged on: the case's start (SPEC §2), or the last
    approved handler change (SPEC §10: judged on the change's date)."""
    change = (
        case.handler_changes_log.filter(status=HandlerChangeStatus.approved)
        .order_by("-decided_at")
        .first()
    )
    if change is not None and change.decided_at is not None:
        return local_date(change.decided_at)
    return local_date(case.started_at or timezone.now())


@dataclass(frozen=True)
class HandlerOption:
    """One practitioner of the holding institution, for `do_name_handlers`: eligible, or the
    rule that excludes it, in the words the action refuses it with."""

    practitioner: Practitioner
    eligible: bool
    reason: str = ""


def handler_options(case: Case) -> tuple[Assignment, list[HandlerOption]]:
    """The current assignment and every practitioner of its institution, judged by the checks
    `do_name_handlers` makes (第二、十、十一、十二条; 程序规定第二十六条第二款), so that a page
    offers exactly the practitioners the action accepts. Reads only."""
    assignment = _current_assignment(case)
    day = _eligibility_day(case)
    pv = engine.policy_for(case.center).values_on(day)
    state = engine.assignment_state(case.center, case, timezone.now())
    setting = case_setting(engine.policy_case(case), day, assignment.handlers_required, pv, state)
    replaced = _replaced_handlers(case)
    options = []
    for practitioner in Practitioner.objects.filter(
        center=case.center, institution_id=assignment.institution_id
    ).order_by("code"):
        if practitioner.code in replaced:
            options.append(
                HandlerOption(
                    practitioner, False, "原承办人，已被更换，不能再安排为本案承办人（第十二条）"
                )
            )
            continue
        check = check_practitioner(
            state.roster.practitioners[practitioner.code],
            setting.needs,
            setting.practitioner_conflicts,
        )
        options.append(HandlerOption(practitioner, check.eligible, check.detail))
    return assignment, options


@action
def do_name_handlers(case: Case, actor: AnyUser, practitioner_codes: list[str]) -> list[Handler]:
    """第二条：由承办机构安排案件承办人；第十条：每案 1 名，集团案件 2 名及以上；
    第十一条：刑事案件由
    律师承办，重大案件由执业 3 年以上且经验丰富的律师承办。"""
    require(actor, "name_handlers", case)
    codes = list(dict.fromkeys(c.strip() for c in practitioner_codes if c.strip()))
    with transaction.atomic():
        case = _lock_case(case)
        if case.status not in (CaseStatus.assigned, CaseStatus.handler_named):
            raise ActionError(
                f"案件当前状态为“{case.get_status_display()}”，不能安排承办人。", kind="conflict"
            )
        assignment = _current_assignment(case)
        if len(codes) < assignment.handlers_required:
            raise ActionError(
                f"本案须安排承办人 {assignment.handlers_required} 名（第十条），"
                f"只提交了 {len(codes)} 名。",
                "practitioners",
            )
        practitioners = {
            p.code: p for p in Practitioner.objects.filter(center=case.center, code__in=codes)
        }
        on = timezone.now()
        policy = engine.policy_for(case.center)
        pcase = engine.policy_case(case)
        day = _eligibility_day(case)
        pv = policy.values_on(day)
        state = engine.assignment_state(case.center, case, on)
        setting = case_setting(pcase, day, assignment.handlers_required, pv, state)
        replaced = _replaced_handlers(case)
        for n, code in enumerate(codes):
            if code in replaced:
                raise ActionError(
                    f"{code} 已被更换，不能再安排为本案承办人（第十二条）。", f"practitioners.{n}"
                )
            practitioner = practitioners.get(code)
            if practitioner is None or practitioner.institution_id != assignment.institution_id:
                raise ActionError(
                    f"{code} 不是{assignment.institution.name}的承办人。", f"practitioners.{n}"
                )
            check = check_practitioner(
                state.roster.practitioners[code], setting.needs, setting.practitioner_conflicts
            )
            if not check.eligible:
                raise ActionError(
                    f"{practitioner.name}不能承办本案：{check.detail}。", f"practitioners.{n}"
                )
        case.handlers.filter(active=True).update(active=False, ended_at=on)
        handlers = [
            Handler.objects.create(
                case=case,
                assignment=assignment,
                practitioner=practitioners[c],
                named_by_id=user_id(actor),
                named_at=on,
            )
            for c in codes
        ]
        if case.status == CaseStatus.assigned:
            _set_status(case, CaseStatus.handler_named)
        audit.record(actor, "handlers.name", assignment, case=case, data={"practitioners": codes})
        notify.handlers_named(case, handlers)  # SMS to the applicant after commit (issue 9)
    return handlers


@action
def do_sign_agreement(case: Case, actor: AnyUser, signed_on: date) -> Case:
    """第十二条：承办人与受援人签订委托协议."""
    require(actor, "sign_agreement", case)
    with transaction.atomic():
        case = _lock_case(case)
        if case.status != CaseStatus.handler_named:
            raise ActionError(
                f"案件当前状态为“{case.get_status_display()}”，须先安排承办人再登记委托协议。",
                kind="conflict",
            )
        if case.assigned_at and signed_on < local_date(case.assigned_at):
            raise ActionError("委托协议的签订日期不能早于指派日期。", "signed_on")
        case.agreement_signed_on = signed_on
        case.status = CaseStatus.agreement_signed
        case.save(update_fields=["agreement_signed_on", "status"])
        audit.record(
            actor, "agreement.sign", case, case=case, data={"signed_on": signed_on.isoformat()}
        )
    return case


def _held(case: Case) -> HeldCase:
    handler = case.handlers.filter(active=True).select_related("practitioner").first()
    return HeldCase(
        engine.policy_case(case),
        Status.assigned if case.institution_id else Status.unassignable,
        case.institution.code if case.institution else None,
        handler.practitioner.code if handler else None,
        case.handler_changes,
    )


@action
def do_request_handler_change(
    case: Case,
    actor: AnyUser,
    reason: str,
    consent: bool,
    mode: str,
    bureau_approved: bool = False,
    bureau_reason: str = "",
) -> HandlerChange:
    """第十二条：不得随意更换案件承办人；因正当理由需要更换的，征得受援人同意后报中心批准；
    原则上不超过 2 次. A change the rules refuse is recorded as refused and changes nothing else.

    Over the cap the request goes to the bureau (route `bureau`): its decision in
    `do_decide_handler_change` is the approval SPEC §10 asks for, so the requester cannot give it
    here (`bureau_approved`, `bureau_reason` are refused when set)."""
    require(actor, "request_handler_change", case)
    ensure_not_recused(actor, case)
    if mode not in ("same_institution", "other_institution"):
        raise ActionError("更换方式应为 same_institution 或 other_institution。", "mode")
    if bureau_approved or bureau_reason.strip():
        raise ActionError(
            "区司法局的批准及其理由由区司法局在审批时作出，申请时不能填写（第十二条）。",
            "bureau_approved" if bureau_approved else "bureau_reason",
        )
    with transaction.atomic():
        case = _lock_case(case)
        if case.status != CaseStatus.agreement_signed:
            raise ActionError(
                "签订委托协议后才适用更换承办人（第十二条）；此前可由承办机构重新安排承办人。",
                kind="conflict",
            )
        if case.handler_changes_log.filter(status=HandlerChangeStatus.requested).exists():
            raise ActionError(
                "本案已有待批准的更换承办人申请，请待其决定后再申请。", kind="conflict"
            )
        on = timezone.now()
        # The bureau's approval is sought, not yet given: over the cap this routes the request
        # to the bureau instead of refusing it outright.
        request = ChangeRequest(on, reason, consent, mode, bureau_approved=True)
        state = engine.assignment_state(case.center, case, on)
        decision = _change_decision(case, request, state)
        status = {
            Status.refused: HandlerChangeStatus.refused,
            Status.unassignable: HandlerChangeStatus.unassignable,
        }.get(decision.status, HandlerChangeStatus.requested)
        change = HandlerChange.objects.create(
            case=case,
            number=case.handler_changes + 1,
            requested_by_id=user_id(actor),
            requested_at=on,
            reason=reason.strip(),
            consent=consent,
            mode=mode,
            status=status,
            route=decision.route.value if decision.route else "",
            decision=decision.to_json(),
            explanation=explain_decision(decision, state.roster),
        )
        audit.record(
            actor,
            "handler_change.request",
            change,
            case=case,
            data={"status": status, "mode": mode, "route": change.route},
        )
    return change


@action
def do_decide_handler_change(
    change: HandlerChange, actor: AnyUser, approve: bool, reason: str = ""
) -> HandlerChange:
    """第十二条：报区法律援助中心批准；over the cap, the bureau's written approval (SPEC §10).

    A request whose case moved on since (closed, say) lapses: it is recorded as refused and the
    approval is refused with `conflict`. A change that finds no other institution leaves the
    handler in place."""
    profile = require(actor, "decide_handler_change", change.case)
    ensure_not_recused(actor, change.case)
    bureau = change.route == Route.bureau
    if bureau and profile.role not in (Role.bureau_section, Role.bureau_leader):
        raise ActionError("超过更换次数的，须由区司法局批准（第十二条）。", kind="forbidden")
    if not bureau and profile.role != Role.director:
        raise ActionError("更换承办人由中心负责人批准（第十二条）。", kind="forbidden")
    if (bureau or not approve) and not reason.strip():
        raise ActionError("须写明书面理由。", "reason")
    change = _decide_change(change, actor, approve, reason.strip(), bureau)
    if change.status == HandlerChangeStatus.refused and approve:
        # Deliberately recorded: the lapsed request is kept as refused, with its audit event.
        raise RecordedRefusal(
            f"案件当前状态为“{change.case.get_status_display()}”，该更换申请已失效（第十二条）。"
        )
    return change


def _decide_change(
    change: HandlerChange, actor: AnyUser, approve: bool, reason: str, bureau: bool
) -> HandlerChange:
    _lock_center(change.case.center)
    case = _lock_case(change.case)
    change = locks.handler_change(change.pk)
    change.case = case
    if change.status != HandlerChangeStatus.requested:
        raise ActionError(
            f"该申请当前状态为“{change.get_status_display()}”，不能再决定。", kind="conflict"
        )
    on = timezone.now()
    change.decided_by = actor  # type: ignore[assignment]
    change.decided_at = on
    lapsed = case.status != CaseStatus.agreement_signed
    if lapsed or not approve:
        change.status = HandlerChangeStatus.refused
        change.explanation += (
            f"\n申请已失效：案件当前状态为“{case.get_status_display()}”。"
            if lapsed
            else f"\n批准人不同意：{reason}"
        )
        change.save(update_fields=["status", "decided_by", "decided_at", "explanation"])
        audit.record(
            actor,
            "handler_change.lapse" if lapsed else "handler_change.refuse",
            change,
            case=case,
            data={"reason": reason},
        )
        return change
    if bureau:
        change.bureau_approved = True
        change.bureau_reason = reason
    if change.mode == "same_institution":
        case.status = CaseStatus.assigned
        # 程序规定第二十七条：自安排之日起五日内 — the new handler signs a new agreement.
        case.agreement_due_at = _agreement_due(on)
    else:
        request = ChangeRequest(on, change.reason, change.consent, change.mode, True)
        state = engine.assignment_state(case.center, case, on)
        decision = _change_decision(case, request, state)
        if decision.status is not Status.assigned or decision.institution is None:
            # Nobody else can take the case now: the handler stays until the officer acts.
            change.status = HandlerChangeStatus.unassignable
            change.decision = decision.to_json()
            change.explanation = explain_decision(decision, state.roster)
            change.save()
            audit.record(actor, "handler_change.unassignable", change, case=case)
            _alert_unassignable(case, actor, change.explanation)
            return change
        old = _current_assignment(case)
        Assignment.objects.filter(pk=old.pk).update(current=False, ended_at=on)
        institution = Institution.objects.get(center=case.center, code=decision.institution)
        set_deadlines(case, on, "at")
        change.new_assignment = _issue(
            case, institution, actor, "change", None, decision.handlers_required or 1, on
        )
        change.decision = decision.to_json()
    case.handlers.filter(active=True).update(active=False, ended_at=on)
    change.status = HandlerChangeStatus.approved
    change.save()
    case.handler_changes += 1
    case.save(update_fields=["status", "handler_changes", "agreement_due_at", *DEADLINE_FIELDS])
    audit.record(
        actor,
        "handler_change.approve",
        change,
        case=case,
        data={"route": change.route, "mode": change.mode},
    )
    return change


@action
def do_close_case(case: Case, actor: AnyUser, outcome: str) -> Case:
    """Closes the case with its outcome. [SPEC §2: each criminal legal aid case a lawyer closes
    adds to its criminal defences.]"""
    require(actor, "close_case", case)
    ensure_not_recused(actor, case)
    if not outcome.strip():
        raise ActionError("须填写办理结果。", "outcome")
    with transaction.atomic():
        case = _lock_case(case)
        if case.status != CaseStatus.agreement_signed:
            raise ActionError(
                f"案件当前状态为“{case.get_status_display()}”，不能结案。", kind="conflict"
            )
        on = timezone.now()
        handlers = list(case.handlers.filter(active=True).select_related("practitioner"))
        if case.category == "criminal":
            # One UPDATE, counted in the database: two cases closed at once both count.
            Practitioner.objects.filter(pk__in=[h.practitioner_id for h in handlers]).update(
                criminal_defense_cases=F("criminal_defense_cases") + 1
            )
        case.status = CaseStatus.closed
        case.closed_at = on
        case.outcome = outcome.strip()
        case.save(update_fields=["status", "closed_at", "outcome"])
        audit.record(
            actor,
            "case.close",
            case,
            case=case,
            data={"handlers": [h.practitioner.code for h in handlers]},
        )
    return case


@action
def record_personal_data_view(actor: AnyUser, case: Case, what: str) -> None:
    """Every view of a case's personal data is an audit event."""
    with transaction.atomic():
        audit.record(actor, "case.view_personal_data", case, case=case, data={"what": what})
