"""From the database to the documents' plain data (`fayuan.documents.data`).

The renderers know nothing of models; this module reads an assignment, a proposal or a handler
change with its case, and says it in the words the documents print (category, source, rule,
articles, who decided), so that the API, the admin and the CLI all print the same document for
the same record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from fayuan.accounts.models import StaffProfile
from fayuan.cases.models import Case, PartyRole
from fayuan.documents.data import (
    ApprovalFormData,
    BureauDecision,
    BureauReport,
    CollectiveDiscussion,
    DirectorDecision,
    EngineProposalView,
    HandlerChangeFormData,
    NoticeData,
    OfficerProposalView,
    PartyContact,
)
from fayuan.policy.approval import major_case_grounds
from fayuan.policy.deadlines import local_date
from fayuan.policy.decision import RULE_ZH
from fayuan.workflow import engine
from fayuan.workflow.models import (
    Approval,
    ApprovalStep,
    Assignment,
    Handler,
    HandlerChange,
    HandlerChangeStatus,
    OfficerProposal,
    Route,
)

#: How many aided persons a notice names; a group case prints "张三、李四等60人".
NAMES_ON_NOTICE = 5

RULE_ON_NOTICE: dict[str, str] = {
    **{rule.value: text for rule, text in RULE_ZH.items()},
    "override": "法律援助中心指定",
}

RULE_ARTICLES_FALLBACK = ("第六条",)


def source_zh(case: Case) -> str:
    """公民申请; a notification letter is 通知辩护 in a criminal case, 通知代理 otherwise."""
    if case.source != "notification":
        return "公民申请"
    return "通知辩护" if case.category == "criminal" else "通知代理"


def _articles(assignment: Assignment) -> tuple[str, ...]:
    """The articles the decision behind the assignment relied on."""
    decision: object = None
    if assignment.proposal is not None:
        decision = assignment.proposal.engine_proposal.decision
    else:
        change = HandlerChange.objects.filter(new_assignment=assignment).first()
        decision = change.decision if change else None
    articles = decision.get("articles") if isinstance(decision, dict) else None
    if isinstance(articles, list) and all(isinstance(a, str) for a in articles):
        return tuple(articles) or RULE_ARTICLES_FALLBACK
    return RULE_ARTICLES_FALLBACK


def notice_data(assignment: Assignment) -> NoticeData:
    """The 《指派通知书》 of one assignment (第六条), with what the institution needs to take the
    case: the aided persons' phones and addresses, the opposing parties (for its conflict check),
    the matter as recorded, and whom at the center to ask (the staff member who issued it).

    The center's own address and phone are not recorded anywhere yet: None (not printed)."""
    case = (
        Case.objects.select_related("center", "organ", "chosen_practitioner", "chosen_institution")
        .prefetch_related("parties")
        .get(pk=assignment.case_id)
    )
    institution = assignment.institution
    parties = list(case.parties.all())
    aided = [p for p in parties if p.role == PartyRole.aided]
    names = [p.name for p in aided]
    shown = aided[:NAMES_ON_NOTICE]
    contacts = [
        PartyContact(p.name, p.phone.strip() or None, p.address.strip() or None)
        for p in shown
        if p.phone.strip() or p.address.strip()
    ]
    opposing = [p.name for p in parties if p.role == PartyRole.opposing]
    issuer = _names({assignment.issued_by_id}).get(assignment.issued_by_id) or None
    chosen = case.chosen_practitioner
    return NoticeData(
        notice_number=assignment.notice_number,
        center_name=case.center.name,
        issued_at=assignment.issued_at,
        case_number=case.number,
        category_zh=case.get_category_display(),
        source_zh=source_zh(case),
        aided_persons=names[:NAMES_ON_NOTICE],
        aided_count=max(case.aided_persons, len(names[:NAMES_ON_NOTICE])),
        institution_name=institution.name,
        handlers_required=max(1, assignment.handlers_required),
        assignment_due_at=assignment.due_at,
        rule_zh=RULE_ON_NOTICE.get(assignment.rule, assignment.rule),
        articles=_articles(assignment),
        organ_name=case.organ.name if case.organ else None,
        letter_number=case.letter_number or None,
        institution_address=institution.address or None,
        chosen_practitioner_name=(
            chosen.name if chosen is not None and chosen.institution_id == institution.pk else None
        ),
        regulation_title=engine.policy_for(case.center).title,
        aided_contacts=contacts,
        opposing_parties=opposing,
        case_summary=case.summary.strip() or None,
        center_contact_person=issuer,
        center_address=case.center.address or None,
        center_phone=case.center.phone or None,
        deadline_provisional=assignment.due_provisional,
    )


def current_notice_data(case: Case) -> NoticeData | None:
    """The notice of the case's current assignment, or None before it is assigned."""
    assignment = (
        Assignment.objects.filter(case=case, current=True)
        .select_related("institution", "proposal__engine_proposal")
        .first()
    )
    return notice_data(assignment) if assignment else None


# --- 指派审批表 (第五条) and 更换承办人审批表 (第十二条) ---------------------------------------


def _case(pk: int) -> Case:
    return (
        Case.objects.select_related("center", "locality", "institution")
        .prefetch_related("parties", "conflict_institutions", "conflict_practitioners")
        .get(pk=pk)
    )


def aided_summary(case: Case) -> str:
    """ "张三", or "李四等60人" for a group case."""
    names = [p.name for p in case.parties.all() if p.role == PartyRole.aided]
    if not names:
        return f"{case.aided_persons}人"
    if case.aided_persons > 1 or len(names) > 1:
        return f"{names[0]}等{max(case.aided_persons, len(names))}人"
    return names[0]


def _names(user_ids: set[int]) -> dict[int, str]:
    """Staff names as the forms print them (the profile's full name, else the username)."""
    names = dict(
        StaffProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "full_name")
    )
    return {pk: names.get(pk) or "" for pk in user_ids}


def _name(names: dict[int, str], user: AbstractBaseUser | None, pk: int | None) -> str:
    if pk is None:
        return ""
    return names.get(pk) or (user.get_username() if user is not None else str(pk))


def _day(moment: datetime | None) -> date:
    return local_date(moment) if moment is not None else timezone.localdate()


def approval_form_data(proposal: OfficerProposal) -> ApprovalFormData:
    """The 指派审批表 of an officer's proposal, with every step taken so far (第五条)."""
    proposal = OfficerProposal.objects.select_related(
        "officer", "institution", "engine_proposal__institution"
    ).get(pk=proposal.pk)
    case = _case(proposal.case_id)
    steps = list(
        Approval.objects.filter(proposal=proposal).select_related("actor").order_by("at", "id")
    )
    names = _names({proposal.officer_id, *(a.actor_id for a in steps)})
    last = {a.step: a for a in steps}

    def decided(step: str) -> Approval | None:
        return last.get(step)

    engine_row = proposal.engine_proposal
    engine_view = EngineProposalView(
        institution_name=engine_row.institution.name if engine_row.institution else None,
        rule_zh=RULE_ON_NOTICE.get(engine_row.rule, "无可指派机构"),
        explanation=engine_row.explanation.strip(),  # whole: the renderers print any length
    )
    officer = OfficerProposalView(
        institution_name=proposal.institution.name,
        opinion=proposal.opinion,
        officer_name=_name(names, proposal.officer, proposal.officer_id),
        proposed_on=_day(proposal.created_at),
        override_reason=proposal.override_reason or None,
    )
    common: dict[str, Any] = {
        "center_name": case.center.name,
        "case_number": case.number,
        "category_zh": case.get_category_display(),
        "source_zh": source_zh(case),
        "aided_summary": aided_summary(case),
        "handlers_required": max(1, engine_row.handlers_required),
        "engine": engine_view,
        "officer": officer,
        "assignment_due_at": case.due_at,
        "case_summary": case.summary or None,
    }
    if proposal.route == Route.director:
        step = decided(ApprovalStep.director_decision)
        director = (
            DirectorDecision(
                name=_name(names, step.actor, step.actor_id),
                decided_on=_day(step.at),
                approved=bool(step.approved),
                reason=step.reason,
            )
            if step is not None
            else None
        )
        return ApprovalFormData(kind="ordinary", director=director, **common)
    pv = engine.policy_for(case.center).values_on(_day(case.started_at or case.created_at))
    discussion = decided(ApprovalStep.collective_discussion)
    report = decided(ApprovalStep.bureau_report)
    bureau = decided(ApprovalStep.bureau_decision)
    return ApprovalFormData(
        kind="major",
        major_grounds=major_case_grounds(engine.policy_case(case), pv),
        discussion=(
            CollectiveDiscussion(
                held_on=discussion.held_on or _day(discussion.at),
                participants=[str(p) for p in discussion.participants],
                conclusion=discussion.conclusion,
            )
            if discussion is not None
            else None
        ),
        bureau_report=(
            BureauReport(number=report.document_number, reported_on=_day(report.at))
            if report is not None
            else None
        ),
        bureau_decision=(
            BureauDecision(
                decider=_name(names, bureau.actor, bureau.actor_id),
                decided_on=_day(bureau.at),
                approved=bool(bureau.approved),
                reason=bureau.reason,
            )
            if bureau is not None
            else None
        ),
        **common,
    )


def handler_change_form_data(change: HandlerChange) -> HandlerChangeFormData:
    """The 更换承办人审批表 of one request (第十二条)."""
    change = HandlerChange.objects.select_related("decided_by", "new_assignment__institution").get(
        pk=change.pk
    )
    case = _case(change.case_id)
    at = change.requested_at
    held = (
        Assignment.objects.filter(case=case, issued_at__lte=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=at))
        .select_related("institution")
        .order_by("-issued_at", "-id")
        .first()
    )
    handler = (
        Handler.objects.filter(case=case, named_at__lte=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=at))
        .select_related("practitioner")
        .order_by("-named_at", "-id")
        .first()
    )
    decided = change.decided_at is not None and change.status in (
        HandlerChangeStatus.approved,
        HandlerChangeStatus.refused,
    )
    approved = change.status == HandlerChangeStatus.approved
    names = _names({change.decided_by_id} if change.decided_by_id else set())
    decider = _name(names, change.decided_by, change.decided_by_id)
    new_institution = None
    if approved:
        new_institution = (
            change.new_assignment.institution.name
            if change.new_assignment is not None
            else (held.institution.name if held else None)
        )
    new_handler = None
    if approved and change.decided_at is not None:
        named = (
            Handler.objects.filter(case=case, named_at__gte=change.decided_at)
            .select_related("practitioner")
            .order_by("named_at", "id")
            .first()
        )
        new_handler = named.practitioner.name if named else None
    max_changes = (
        engine.policy_for(case.center).values_on(local_date(at)).handler_change_max_changes
    )
    return HandlerChangeFormData(
        center_name=case.center.name,
        case_number=case.number,
        category_zh=case.get_category_display(),
        aided_summary=aided_summary(case),
        change_number=change.number,
        max_changes=max_changes,
        current_institution=held.institution.name if held else "",
        current_handler=handler.practitioner.name if handler else "",
        reason=change.reason,
        consent=change.consent,
        mode="other_institution" if change.mode == "other_institution" else "same_institution",
        requested_on=local_date(at),
        new_institution=new_institution,
        new_handler=new_handler,
        director=(
            DirectorDecision(decider, _day(change.decided_at), approved)
            if decided and change.route == Route.director
            else None
        ),
        bureau=(
            BureauDecision(decider, _day(change.decided_at), approved, change.bureau_reason)
            if decided and change.route == Route.bureau
            else None
        ),
    )


__all__ = [
    "NAMES_ON_NOTICE",
    "aided_summary",
    "approval_form_data",
    "current_notice_data",
    "handler_change_form_data",
    "notice_data",
    "source_zh",
]
