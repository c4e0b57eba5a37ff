"""Intake (applications and notification letters) and reading cases."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from fayuan.accounts.access import may_see_personal_data, require, visible_cases
from fayuan.accounts.models import JudicialOrgan, Role
from fayuan.api import serializers as out
from fayuan.api.lookup import actor, case_for, profile, reloaded
from fayuan.api.schemas import (
    ApplicationIn,
    CaseDetailOut,
    CaseFieldsIn,
    CaseFilter,
    CaseListOut,
    CaseNumber,
    CaseStatusOut,
    ErrorOut,
    NotificationIn,
)
from fayuan.cases.actions import (
    CaseInput,
    PartyInput,
    do_intake_application,
    do_intake_notification,
)
from fayuan.errors import ActionError
from fayuan.workflow.actions import record_personal_data_view

router = Router()

#: Every refusal an endpoint may answer, each in the one shape (`fayuan.api.errors`); 413 is a
#: body over the limit (`fayuan.api.guard`).
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
}


def case_input(payload: CaseFieldsIn, **extra: Any) -> CaseInput:
    return CaseInput(
        category=payload.category,
        locality=payload.locality,
        parties=[
            PartyInput(
                role=p.role,
                name=p.name,
                id_number=p.id_number,
                phone=p.phone,
                address=p.address,
                is_applicant=p.is_applicant,
            )
            for p in payload.parties
        ],
        aided_persons=payload.aided_persons,
        specialty=payload.specialty,
        summary=payload.summary,
        social_impact=payload.social_impact,
        major_difficult=payload.major_difficult,
        life_sentence_possible=payload.life_sentence_possible,
        stability_risk=payload.stability_risk,
        minor=payload.minor,
        chosen_practitioner=payload.chosen_practitioner,
        chosen_institution=payload.chosen_institution,
        wishes=payload.wishes,
        conflict_institutions=list(payload.conflict_institutions),
        conflict_practitioners=list(payload.conflict_practitioners),
        **extra,
    )


@router.post(
    "/applications",
    response={201: CaseStatusOut, **ERRORS},
    tags=["受理"],
    summary="受理公民的法律援助申请（第七条）",
    description="指派人员登记公民申请（线上、窗口，或经工作站、联络点），"
    "写明代为申请的工作站或提供帮助的机构。受理后待决定是否给予法律援助。",
)
def create_application(request: HttpRequest, payload: ApplicationIn) -> Status[dict[str, Any]]:
    staff = profile(request, "intake_application")
    case = do_intake_application(
        staff.center,
        actor(request),
        case_input(
            payload,
            channel=payload.channel,
            workstation=payload.workstation,
            helped_by_institution=payload.helped_by_institution,
        ),
    )
    return Status(201, out.case_status(reloaded(case), timezone.now()))


@router.post(
    "/notifications",
    response={201: CaseStatusOut, 200: CaseStatusOut, **ERRORS},
    tags=["受理"],
    summary="登记办案机关的通知辩护（代理）公函（第六条）",
    description="办案机关以令牌提交，或指派人员代为登记。收到公函即起算指派期限。"
    "同一办案机关的同一公函文号只登记一次：首次返回 201，重复提交返回 200 和同一案件。",
)
def create_notification(request: HttpRequest, payload: NotificationIn) -> Status[dict[str, Any]]:
    staff = profile(request, "intake_notification")
    if staff.role == Role.judicial_organ:
        organ = JudicialOrgan.objects.filter(pk=staff.organ_id or 0).first()
        if organ is None:
            raise ActionError("该账号未关联办案机关，请联系法律援助中心。", kind="forbidden")
        if payload.organ and payload.organ != organ.name:
            raise ActionError(f"只能登记本机关（{organ.name}）的公函。", "organ", kind="forbidden")
    else:
        if not payload.organ:
            raise ActionError("代为登记通知公函时，须填写办案机关名称。", "organ")
        organ = JudicialOrgan.objects.filter(center=staff.center, name=payload.organ).first()
        if organ is None:
            raise ActionError(f"本中心没有名为“{payload.organ}”的办案机关。", "organ")
    case, created = do_intake_notification(
        staff.center,
        actor(request),
        case_input(
            payload,
            organ_id=organ.pk,
            letter_number=payload.letter_number,
            letter_received_at=payload.letter_received_at,
        ),
    )
    return Status(201 if created else 200, out.case_status(reloaded(case), timezone.now()))


@router.get(
    "/cases",
    response={200: CaseListOut, **ERRORS},
    tags=["查询"],
    summary="案件列表",
    description="调用者可见的案件（中心人员：本中心；承办机构：本机构的；承办人：本人承办的；"
    "办案机关：本机关通知的），新近的在前。当事人姓名、身份证号、电话一律遮蔽。",
)
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> dict[str, Any]:
    require(actor(request), "view_case")
    cases = visible_cases(actor(request))
    if filters.status:
        cases = cases.filter(status=filters.status)
    page = list(
        cases.select_related(*out.CASE_RELATED)
        .prefetch_related(*out.CASE_PREFETCH)
        .order_by("-created_at", "-id")[filters.offset : filters.offset + filters.limit]
    )
    now = timezone.now()
    return {"count": cases.count(), "items": [out.case_list_item(c, now) for c in page]}


@router.get(
    "/cases/{number}",
    response={200: CaseDetailOut, **ERRORS},
    tags=["查询"],
    summary="案件状态、承办机构和承办人",
    description="状态、类别、指派期限和剩余时间、承办机构（编号、名称、电话）、承办人、"
    "指派通知书文号。有权查看个人信息的（中心、区司法局、承办机构、承办人、监督人员）"
    "看到完整的当事人信息，每次查看记入审计日志；办案机关看到遮蔽后的信息。",
)
def get_case(request: HttpRequest, number: CaseNumber) -> dict[str, Any]:
    user = actor(request)
    case = case_for(request, number, "view_case", read=True)
    masked = not may_see_personal_data(user, case)
    if not masked:
        record_personal_data_view(user, case, "案件详情（当事人姓名、身份证号、电话、住址）")
    return out.case_detail(case, timezone.now(), masked)
