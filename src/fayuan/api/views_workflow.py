"""The workflow (第五、六、八、十、十二条): one endpoint per action, each a thin call of its
`do_*` function, which checks who may act, writes the step and its audit event in one
transaction, and refuses bad input before writing anything."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from fayuan.accounts.access import role_of
from fayuan.accounts.models import Role
from fayuan.api import serializers as out
from fayuan.api.lookup import actor, case_for, one_of, reloaded, require_proposal_reader
from fayuan.api.schemas import (
    AgreementIn,
    ApprovalOut,
    AssignmentOut,
    BureauReportIn,
    CaseNumber,
    CaseStatusOut,
    CloseIn,
    DecisionIn,
    DiscussionIn,
    EngineProposalOut,
    GrantIn,
    HandlerChangeIn,
    HandlerChangeOut,
    HandlersIn,
    ProposalIn,
    ProposalOut,
    RecordId,
    RecusalDecisionIn,
    RecusalIn,
    RecusalOut,
)
from fayuan.api.views_cases import ERRORS
from fayuan.cases.actions import do_grant_aid
from fayuan.cases.models import Case
from fayuan.errors import ActionError
from fayuan.policy.deadlines import local_date
from fayuan.workflow import actions
from fayuan.workflow.models import (
    Approval,
    Assignment,
    EngineProposal,
    HandlerChange,
    OfficerProposal,
    Recusal,
)
from fayuan.workflow.recusal import do_apply_recusal, do_decide_recusal

router = Router()


def _status(case: Case) -> dict[str, Any]:
    return out.case_status(reloaded(case), timezone.now())


def _proposal(case: Case, proposal_id: int) -> OfficerProposal:
    proposal = one_of(
        OfficerProposal.objects.filter(case=case).select_related(
            "institution", "engine_proposal", "officer"
        ),
        proposal_id,
        "指派意见",
    )
    proposal.case = case
    return proposal


def _proposal_out(proposal: OfficerProposal) -> dict[str, Any]:
    fresh = OfficerProposal.objects.select_related(
        "case", "institution", "officer", "engine_proposal__institution"
    ).get(pk=proposal.pk)
    return out.proposal(fresh)


def _approval_out(approval: Approval) -> dict[str, Any]:
    fresh = Approval.objects.select_related("actor", "proposal__case").get(pk=approval.pk)
    return out.approval(fresh)


def _assignment_out(assignment: Assignment) -> dict[str, Any]:
    fresh = Assignment.objects.select_related("case", "institution").get(pk=assignment.pk)
    return out.assignment(fresh)


def _change_out(change: HandlerChange, request: HttpRequest) -> dict[str, Any]:
    fresh = HandlerChange.objects.select_related(
        "case", "new_assignment__case", "new_assignment__institution"
    ).get(pk=change.pk)
    body = out.handler_change(fresh)
    if role_of(actor(request)) in (Role.institution_admin, Role.practitioner):
        # The rules' reasoning names other institutions' cases and their parties: it stays
        # with the center (an institution sees only its own cases).
        body["explanation"] = f"{fresh.get_status_display()}（理由说明由法律援助中心掌握）"
        body["decision"] = {
            k: v for k, v in fresh.decision.items() if k not in ("skipped", "reasons")
        }
    return body


def _recusal_out(recusal: Recusal) -> dict[str, Any]:
    fresh = Recusal.objects.select_related("case", "staff").get(pk=recusal.pk)
    return out.recusal(fresh)


# --- deciding to grant aid, and the engine --------------------------------------------------


@router.post(
    "/cases/{number}/grant",
    response={200: CaseStatusOut, **ERRORS},
    tags=["指派流程"],
    summary="决定给予法律援助（起算指派期限，第六条）",
)
def grant(request: HttpRequest, number: CaseNumber, payload: GrantIn) -> dict[str, Any]:
    # `at` is a moment that has happened (the schema's `Time`); one before the policy took
    # effect is refused by the action.
    case = case_for(request, number, "grant_aid")
    return _status(do_grant_aid(case, actor(request), payload.at))


@router.post(
    "/cases/{number}/engine",
    response={201: EngineProposalOut, **ERRORS},
    tags=["指派流程"],
    summary="按规则提出系统指派建议（SPEC §7）",
    description="按本中心的政策计算应指派的机构，完整保存结论和逐条理由（中文）。"
    "无可指派机构时，案件转为“无可指派机构，待处理”，并立即通知指派人员和中心负责人。",
)
def run_engine(request: HttpRequest, number: CaseNumber) -> Status[dict[str, Any]]:
    case = case_for(request, number, "propose")
    proposal = actions.do_run_engine(case, actor(request))
    fresh = EngineProposal.objects.select_related("institution").get(pk=proposal.pk)
    return Status(201, out.engine_proposal(fresh))


# --- the proposal and its route (第五条) ----------------------------------------------------


@router.get(
    "/cases/{number}/proposals",
    response={200: list[ProposalOut], **ERRORS},
    tags=["指派流程"],
    summary="本案的指派意见及审批记录",
)
def list_proposals(request: HttpRequest, number: CaseNumber) -> list[dict[str, Any]]:
    case = case_for(request, number, "view_case")
    require_proposal_reader(request, case)
    proposals = OfficerProposal.objects.filter(case=case).select_related(
        "case", "institution", "officer", "engine_proposal__institution"
    )
    return [out.proposal(p) for p in proposals]


@router.post(
    "/cases/{number}/proposals",
    response={201: ProposalOut, **ERRORS},
    tags=["指派流程"],
    summary="提出指派意见（第五条）",
    description="省略 institution 即采用系统建议；与系统建议不同的，须写明 override_reason。"
    "所选机构仍须符合承办条件（第二、十一条）且无利益冲突。",
)
def propose(
    request: HttpRequest, number: CaseNumber, payload: ProposalIn
) -> Status[dict[str, Any]]:
    case = case_for(request, number, "propose")
    proposal = actions.do_propose(
        case,
        actor(request),
        institution_code=payload.institution or None,
        opinion=payload.opinion,
        override_reason=payload.override_reason,
    )
    return Status(201, _proposal_out(proposal))


@router.post(
    "/cases/{number}/proposals/{proposal_id}/director-decision",
    response={200: ApprovalOut, **ERRORS},
    tags=["指派流程"],
    summary="中心负责人决定（普通案件，第五条）",
    description="不同意的，指派意见退回指派人员，须写明理由。",
)
def director_decision(
    request: HttpRequest, number: CaseNumber, proposal_id: RecordId, payload: DecisionIn
) -> dict[str, Any]:
    case = case_for(request, number, "director_decide")
    approval = actions.do_director_decide(
        _proposal(case, proposal_id), actor(request), payload.approve, payload.reason
    )
    return _approval_out(approval)


@router.post(
    "/cases/{number}/proposals/{proposal_id}/discussion",
    response={200: ApprovalOut, **ERRORS},
    tags=["指派流程"],
    summary="记录中心集体讨论（重大疑难案件，第五条）",
)
def discussion(
    request: HttpRequest, number: CaseNumber, proposal_id: RecordId, payload: DiscussionIn
) -> dict[str, Any]:
    case = case_for(request, number, "record_discussion")
    if case.started_at is not None and payload.held_on < local_date(case.started_at):
        raise ActionError(
            f"集体讨论日期 {payload.held_on.isoformat()} 早于本案指派期限的起算日"
            f"（{local_date(case.started_at).isoformat()}），请核对日期。",
            "held_on",
        )
    approval = actions.do_record_discussion(
        _proposal(case, proposal_id),
        actor(request),
        payload.held_on,
        list(payload.participants),
        payload.conclusion,
    )
    return _approval_out(approval)


@router.post(
    "/cases/{number}/proposals/{proposal_id}/bureau-report",
    response={200: ApprovalOut, **ERRORS},
    tags=["指派流程"],
    summary="书面报请区司法局（重大疑难案件，第五条）",
)
def bureau_report(
    request: HttpRequest, number: CaseNumber, proposal_id: RecordId, payload: BureauReportIn
) -> dict[str, Any]:
    case = case_for(request, number, "report_to_bureau")
    approval = actions.do_report_to_bureau(
        _proposal(case, proposal_id), actor(request), payload.document_number, payload.report
    )
    return _approval_out(approval)


@router.post(
    "/cases/{number}/proposals/{proposal_id}/bureau-decision",
    response={200: ApprovalOut, **ERRORS},
    tags=["指派流程"],
    summary="区司法局决定（重大疑难案件，第五条）",
)
def bureau_decision(
    request: HttpRequest, number: CaseNumber, proposal_id: RecordId, payload: DecisionIn
) -> dict[str, Any]:
    case = case_for(request, number, "bureau_decide")
    approval = actions.do_bureau_decide(
        _proposal(case, proposal_id), actor(request), payload.approve, payload.reason
    )
    return _approval_out(approval)


@router.post(
    "/cases/{number}/proposals/{proposal_id}/issue",
    response={201: AssignmentOut, **ERRORS},
    tags=["指派流程"],
    summary="发出《指派通知书》（第六条）",
    description="已批准的指派意见成为指派：编号通知书（按中心、年度连续编号），"
    "刑事案件计入轮次。返回通知书文号和下载地址。",
)
def issue(
    request: HttpRequest, number: CaseNumber, proposal_id: RecordId
) -> Status[dict[str, Any]]:
    case = case_for(request, number, "issue_assignment")
    assignment = actions.do_issue_assignment(_proposal(case, proposal_id), actor(request))
    return Status(201, _assignment_out(assignment))


# --- handlers, agreement, changes, closing --------------------------------------------------


@router.post(
    "/cases/{number}/handlers",
    response={200: CaseStatusOut, **ERRORS},
    tags=["承办"],
    summary="承办机构安排承办人（第二、十、十一条）",
    description="刑事案件须为律师，重大刑事案件须为执业年限和刑事辩护件数达到政策规定的律师；"
    "集团案件不少于规定人数。",
)
def name_handlers(request: HttpRequest, number: CaseNumber, payload: HandlersIn) -> dict[str, Any]:
    case = case_for(request, number, "name_handlers")
    actions.do_name_handlers(case, actor(request), list(payload.practitioners))
    return _status(case)


@router.post(
    "/cases/{number}/agreement",
    response={200: CaseStatusOut, **ERRORS},
    tags=["承办"],
    summary="登记委托协议（第十二条）",
)
def sign_agreement(
    request: HttpRequest, number: CaseNumber, payload: AgreementIn
) -> dict[str, Any]:
    case = case_for(request, number, "sign_agreement")
    return _status(actions.do_sign_agreement(case, actor(request), payload.signed_on))


@router.post(
    "/cases/{number}/handler-changes",
    response={201: HandlerChangeOut, **ERRORS},
    tags=["承办"],
    summary="申请更换承办人（第十二条）",
    description="须有正当理由并征得受援人同意；每案更换次数以政策规定为限，超过的须区司法局批准。"
    "规则不允许的申请记录为“不予更换”，案件不变。",
)
def request_handler_change(
    request: HttpRequest, number: CaseNumber, payload: HandlerChangeIn
) -> Status[dict[str, Any]]:
    case = case_for(request, number, "request_handler_change")
    change = actions.do_request_handler_change(
        case,
        actor(request),
        payload.reason,
        payload.consent,
        payload.mode,
        payload.bureau_approved,
        payload.bureau_reason,
    )
    return Status(201, _change_out(change, request))


@router.post(
    "/cases/{number}/handler-changes/{change_id}/decision",
    response={200: HandlerChangeOut, **ERRORS},
    tags=["承办"],
    summary="批准或不批准更换承办人（第十二条）",
)
def decide_handler_change(
    request: HttpRequest, number: CaseNumber, change_id: RecordId, payload: DecisionIn
) -> dict[str, Any]:
    case = case_for(request, number, "decide_handler_change")
    change = one_of(HandlerChange.objects.filter(case=case), change_id, "更换承办人申请")
    change.case = case
    decided = actions.do_decide_handler_change(
        change, actor(request), payload.approve, payload.reason
    )
    return _change_out(decided, request)


@router.post(
    "/cases/{number}/close",
    response={200: CaseStatusOut, **ERRORS},
    tags=["承办"],
    summary="结案",
)
def close(request: HttpRequest, number: CaseNumber, payload: CloseIn) -> dict[str, Any]:
    case = case_for(request, number, "close_case")
    return _status(actions.do_close_case(case, actor(request), payload.outcome))


# --- recusal (第八条) ------------------------------------------------------------------------


@router.post(
    "/cases/{number}/recusals",
    response={201: RecusalOut, **ERRORS},
    tags=["回避"],
    summary="申请回避（第八条）",
    description="申请后至作出决定前，申请人不得处理本案。"
    "指派人员由中心负责人决定，中心负责人由管理科决定，管理科负责人由区司法局决定。",
)
def apply_recusal(
    request: HttpRequest, number: CaseNumber, payload: RecusalIn
) -> Status[dict[str, Any]]:
    case = case_for(request, number, "apply_recusal")
    return Status(201, _recusal_out(do_apply_recusal(case, actor(request), payload.grounds)))


@router.post(
    "/cases/{number}/recusals/{recusal_id}/decision",
    response={200: RecusalOut, **ERRORS},
    tags=["回避"],
    summary="决定回避（第八条）",
)
def decide_recusal(
    request: HttpRequest, number: CaseNumber, recusal_id: RecordId, payload: RecusalDecisionIn
) -> dict[str, Any]:
    case = case_for(request, number, "decide_recusal")
    recusal = one_of(Recusal.objects.filter(case=case), recusal_id, "回避申请")
    recusal.case = case
    decided = do_decide_recusal(recusal, actor(request), payload.grant, payload.reason)
    return _recusal_out(decided)
