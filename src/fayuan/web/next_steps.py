"""The next action for this user on this case: what the case page offers first, by the case's
state and what the role may do (fayuan.accounts.access). A page not built yet is left out."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from fayuan.accounts.access import can, profile_of, role_of
from fayuan.accounts.models import Role
from fayuan.cases.models import Case, CaseStatus
from fayuan.workflow.models import (
    HandlerChange,
    HandlerChangeStatus,
    OfficerProposal,
    ProposalStatus,
    Recusal,
    RecusalStatus,
    Route,
)
from fayuan.workflow.recusal import bodies_decided_by


def _url(name: str, **kwargs: Any) -> str | None:
    try:
        return reverse(f"web:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return None


def next_steps(user: Any, case: Case) -> list[dict[str, str]]:
    steps: list[tuple[str, str | None, str]] = []
    number = case.number
    status = case.status
    proposal = OfficerProposal.objects.filter(case=case).order_by("-created_at", "-id").first()
    if status in (CaseStatus.intake, CaseStatus.awaiting_material) and can(user, "grant_aid", case):
        steps.append(
            ("审查申请", _url("case_review", number=number), "给予、不予法律援助，或要求补充材料")
        )
    if status in (CaseStatus.granted, CaseStatus.unassignable) and can(user, "propose", case):
        steps.append(("提出指派意见", _url("case_propose", number=number), "查看系统建议及理由"))
    if proposal is not None:
        if proposal.status == ProposalStatus.pending:
            if proposal.route == Route.director and can(user, "director_decide", case):
                steps.append(("决定指派意见", _url("case_decide", number=number), "同意或退回"))
            if proposal.route == Route.bureau and can(user, "record_discussion", case):
                steps.append(("记录集体讨论", _url("case_discussion", number=number), "第五条"))
        if proposal.status == ProposalStatus.discussed and can(user, "report_to_bureau", case):
            steps.append(("书面报请区司法局", _url("case_bureau_report", number=number), "第五条"))
        if proposal.status == ProposalStatus.reported and can(user, "bureau_decide", case):
            steps.append(("区司法局决定", _url("case_bureau_decide", number=number), "第五条"))
        if proposal.status == ProposalStatus.approved and can(user, "issue_assignment", case):
            steps.append(("发出指派通知书", _url("case_issue", number=number), "第六条"))
    if status == CaseStatus.assigned and can(user, "name_handlers", case):
        steps.append(("安排承办人", _url("case_handlers", number=number), "第二、十条"))
    if status == CaseStatus.handler_named and can(user, "sign_agreement", case):
        steps.append(("登记委托协议", _url("case_agreement", number=number), "程序规定第二十七条"))
    changeable = status in (CaseStatus.handler_named, CaseStatus.agreement_signed)
    if changeable and can(user, "request_handler_change", case):
        steps.append(("申请更换承办人", _url("case_handler_change", number=number), "第十二条"))
    if status == CaseStatus.agreement_signed and can(user, "close_case", case):
        steps.append(("结案", _url("case_close", number=number), "登记办理结果"))
    pending_change = HandlerChange.objects.filter(
        case=case, status=HandlerChangeStatus.requested
    ).first()
    if pending_change is not None and can(user, "decide_handler_change", case):
        steps.append(
            ("决定更换承办人", _url("handler_change_decide", pk=pending_change.pk), "第十二条")
        )
    pending_recusal = (
        Recusal.objects.filter(
            case=case,
            status=RecusalStatus.pending,
            decider_body__in=bodies_decided_by(profile_of(user)),
        )
        .exclude(staff_id=getattr(user, "pk", None))
        .first()
    )
    if pending_recusal is not None and can(user, "decide_recusal", case):
        steps.append(("决定回避申请", _url("recusal_decide", pk=pending_recusal.pk), "第八条"))
    before_assignment = status not in (CaseStatus.closed, CaseStatus.refused)
    if before_assignment and can(user, "apply_recusal", case):
        steps.append(("申请回避", _url("case_recusal_apply", number=number), "第八条"))
    if role_of(user) is Role.judicial_organ and case.institution_id is not None:
        steps.append(("下载指派复函", _url("organ_reply", number=number), "程序规定第二十四条"))
    return [{"label": label, "url": url, "note": note} for label, url, note in steps if url]
