"""The documents of a case, as PDF (Chinese font embedded) and DOCX: the 《指派通知书》 of the
current assignment (第六条), the 指派审批表 of a proposal (第五条) and the 更换承办人审批表 of a
handler change (第十二条). They name the aided persons, so each download is a view of personal
data: only those who may see it get one, and each is an audit event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router

from fayuan import documents
from fayuan.accounts.access import require
from fayuan.api.lookup import actor, case_for, one_of, require_proposal_reader
from fayuan.api.schemas import CaseNumber, RecordId
from fayuan.api.views_cases import ERRORS
from fayuan.cases.models import Case
from fayuan.documents_bridge import (
    approval_form_data,
    current_notice_data,
    handler_change_form_data,
)
from fayuan.errors import ActionError
from fayuan.workflow.actions import record_personal_data_view
from fayuan.workflow.models import HandlerChange, OfficerProposal

router = Router(tags=["文书"])

Kind = Literal["pdf", "docx"]
D = TypeVar("D")

MEDIA: dict[Kind, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _openapi(kind: Kind) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": "文件",
                "content": {MEDIA[kind]: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def _readable_case(request: HttpRequest, number: str) -> Case:
    case = case_for(request, number, "view_personal_data")
    require(actor(request), "view_personal_data", case)
    return case


def _file(
    request: HttpRequest,
    case: Case,
    data: D,
    render: tuple[Callable[[D], bytes], Callable[[D], bytes]],
    kind: Kind,
    title: str,
    what: str = "",
) -> HttpResponse:
    content = render[0](data) if kind == "pdf" else render[1](data)
    record_personal_data_view(actor(request), case, f"{what or title}（{kind.upper()}）")
    response = HttpResponse(content, content_type=MEDIA[kind])
    filename = f"{case.number}-{title}.{kind}"
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    return response


NOTICE = (documents.render_notice_pdf, documents.render_notice_docx)
APPROVAL_FORM = (documents.render_approval_form_pdf, documents.render_approval_form_docx)
CHANGE_FORM = (documents.render_handler_change_form_pdf, documents.render_handler_change_form_docx)


def _notice(request: HttpRequest, number: str, kind: Kind) -> HttpResponse:
    case = _readable_case(request, number)
    data = current_notice_data(case)
    if data is None:
        raise ActionError("本案尚未指派，还没有指派通知书。", kind="not_found")
    what = f"指派通知书 {data.notice_number}"
    return _file(request, case, data, NOTICE, kind, "指派通知书", what)


def _approval_form(request: HttpRequest, number: str, proposal_id: int, kind: Kind) -> HttpResponse:
    case = _readable_case(request, number)
    require_proposal_reader(request, case)
    proposal = one_of(OfficerProposal.objects.filter(case=case), proposal_id, "指派意见")
    return _file(request, case, approval_form_data(proposal), APPROVAL_FORM, kind, "指派审批表")


def _change_form(request: HttpRequest, number: str, change_id: int, kind: Kind) -> HttpResponse:
    case = _readable_case(request, number)
    change = one_of(HandlerChange.objects.filter(case=case), change_id, "更换承办人申请")
    return _file(
        request, case, handler_change_form_data(change), CHANGE_FORM, kind, "更换承办人审批表"
    )


NOTICE_HELP = "现行指派的《指派通知书》（第六条）。下载视为查看个人信息，记入审计日志。"
APPROVAL_HELP = (
    "指派意见的审批表（普通案件或重大疑难案件，第五条），已进行的环节填入，未进行的留空待签。"
    "仅参与指派决定的人员可下载；下载记入审计日志。"
)
CHANGE_HELP = "更换承办人审批表（第十二条）。下载视为查看个人信息，记入审计日志。"


@router.get(
    "/cases/{number}/notice.pdf",
    response=ERRORS,
    url_name="case_notice_pdf",
    summary="《指派通知书》PDF",
    description=NOTICE_HELP,
    openapi_extra=_openapi("pdf"),
)
def notice_pdf(request: HttpRequest, number: CaseNumber) -> HttpResponse:
    return _notice(request, number, "pdf")


@router.get(
    "/cases/{number}/notice.docx",
    response=ERRORS,
    url_name="case_notice_docx",
    summary="《指派通知书》DOCX",
    description=NOTICE_HELP,
    openapi_extra=_openapi("docx"),
)
def notice_docx(request: HttpRequest, number: CaseNumber) -> HttpResponse:
    return _notice(request, number, "docx")


@router.get(
    "/cases/{number}/proposals/{proposal_id}/approval-form.pdf",
    response=ERRORS,
    summary="指派审批表 PDF",
    description=APPROVAL_HELP,
    openapi_extra=_openapi("pdf"),
)
def approval_form_pdf(
    request: HttpRequest, number: CaseNumber, proposal_id: RecordId
) -> HttpResponse:
    return _approval_form(request, number, proposal_id, "pdf")


@router.get(
    "/cases/{number}/proposals/{proposal_id}/approval-form.docx",
    response=ERRORS,
    summary="指派审批表 DOCX",
    description=APPROVAL_HELP,
    openapi_extra=_openapi("docx"),
)
def approval_form_docx(
    request: HttpRequest, number: CaseNumber, proposal_id: RecordId
) -> HttpResponse:
    return _approval_form(request, number, proposal_id, "docx")


@router.get(
    "/cases/{number}/handler-changes/{change_id}/form.pdf",
    response=ERRORS,
    summary="更换承办人审批表 PDF",
    description=CHANGE_HELP,
    openapi_extra=_openapi("pdf"),
)
def change_form_pdf(request: HttpRequest, number: CaseNumber, change_id: RecordId) -> HttpResponse:
    return _change_form(request, number, change_id, "pdf")


@router.get(
    "/cases/{number}/handler-changes/{change_id}/form.docx",
    response=ERRORS,
    summary="更换承办人审批表 DOCX",
    description=CHANGE_HELP,
    openapi_extra=_openapi("docx"),
)
def change_form_docx(request: HttpRequest, number: CaseNumber, change_id: RecordId) -> HttpResponse:
    return _change_form(request, number, change_id, "docx")
