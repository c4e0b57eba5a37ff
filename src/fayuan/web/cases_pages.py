"""The case list and the case page, for every role: what the user may see (fayuan.accounts.access),
filtered and exportable; a case's facts, parties (masked; in full only on an explicit, audited
reveal), documents, the timeline of every step, and the next action for this user."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fayuan.abuse.views import badge as screening_badge
from fayuan.abuse.views import screening_url
from fayuan.accounts.access import can, may_see_personal_data, own_center_rows, visible_cases
from fayuan.accounts.models import StaffProfile
from fayuan.audit import log as audit
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import CATEGORY_CHOICES, Case, CaseDocument, CaseStatus
from fayuan.identity import mask_id_number, mask_name, mask_phone
from fayuan.roster.models import Institution, Locality
from fayuan.web.describe import action_name, details
from fayuan.web.lists import Column, list_page
from fayuan.web.next_steps import next_steps
from fayuan.web.ui import case_for, countdown, local, page
from fayuan.workflow.actions import record_personal_data_view
from fayuan.workflow.models import (
    Approval,
    ApprovalStep,
    Assignment,
    EngineProposal,
    OfficerProposal,
)


def case_url(case: Case) -> str:
    return f"/cases/{case.number}/"


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    category = django_filters.ChoiceFilter(
        label="类别", choices=CATEGORY_CHOICES, empty_label="全部"
    )
    status = django_filters.ChoiceFilter(
        label="状态", choices=CaseStatus.choices, empty_label="全部"
    )
    institution = django_filters.ModelChoiceFilter(
        label="承办机构", queryset=Institution.objects.none(), empty_label="全部"
    )
    locality = django_filters.ModelChoiceFilter(
        label="镇街", queryset=Locality.objects.none(), empty_label="全部"
    )
    since = django_filters.DateFilter(
        label="受理日期自",
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = django_filters.DateFilter(
        label="至",
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    overdue = django_filters.BooleanFilter(
        label="已超指派期限未指派",
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["institution"].queryset = own_center_rows(
            user, Institution.objects.order_by("code"), "center"
        )
        self.filters["locality"].queryset = own_center_rows(
            user, Locality.objects.order_by("name"), "center"
        )

    def search(self, rows: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        """By case number, letter number or a party's name (exact or its beginning)."""
        value = value.strip()[:60]
        if not value:
            return rows
        return rows.filter(
            Q(number__icontains=value)
            | Q(letter_number__icontains=value)
            | Q(parties__name__startswith=value)
        ).distinct()

    def filter_overdue(self, rows: QuerySet[Case], name: str, value: bool) -> QuerySet[Case]:
        if not value:
            return rows
        open_statuses = [
            CaseStatus.granted,
            CaseStatus.proposed,
            CaseStatus.discussed,
            CaseStatus.reported,
            CaseStatus.unassignable,
        ]
        return rows.filter(status__in=open_statuses, due_at__lt=timezone.now())


OPEN_FOR_ASSIGNMENT = {
    CaseStatus.granted,
    CaseStatus.proposed,
    CaseStatus.discussed,
    CaseStatus.reported,
    CaseStatus.unassignable,
}


def _deadline(case: Case) -> str:
    if case.status == CaseStatus.awaiting_material:
        return "审查期限暂停计算（等待补充材料）"
    if case.status == CaseStatus.intake:
        return f"审查 {local(case.review_due_at)}" if case.review_due_at else ""
    if case.status in OPEN_FOR_ASSIGNMENT:
        text = local(case.due_at)
        return f"{text}（暂定）" if case.due_provisional else text
    if case.status in (CaseStatus.assigned, CaseStatus.handler_named) and case.agreement_due_at:
        return f"委托协议 {local(case.agreement_due_at)}"
    return ""


def _due_of(case: Case) -> Any:
    if case.status in (CaseStatus.intake,):
        return case.review_due_at
    if case.status in OPEN_FOR_ASSIGNMENT:
        return case.due_at
    if case.status in (CaseStatus.assigned, CaseStatus.handler_named):
        return case.agreement_due_at
    return None


def _left(case: Case) -> str:
    return countdown(_due_of(case))[0]


def _is_overdue(case: Case) -> bool:
    return countdown(_due_of(case))[1]


CASE_COLUMNS = [
    Column("案件编号", lambda c: c.number, link=case_url),
    Column("类别", lambda c: c.get_category_display()),
    Column("来源", lambda c: c.get_source_display()),
    Column("镇街", lambda c: c.locality.name),
    Column("状态", lambda c: c.get_status_display()),
    Column("期限", _deadline),
    Column("剩余", _left, alert=_is_overdue),
    Column("承办机构", lambda c: c.institution.name if c.institution else ""),
    Column("受理时间", lambda c: local(c.created_at)),
    # An online application screened as junk (fayuan.abuse): 可疑 with its reasons, linked to
    # the page where the officer clears or confirms it.
    Column(
        "可疑标记",
        lambda c: screening_badge(c.screening),
        link=lambda c: screening_url(c.number) if c.screening else "",
        alert=lambda c: bool(c.screening),
    ),
]


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    rows = visible_cases(request.user).select_related("locality", "institution")
    return list_page(
        request,
        title="案件",
        rows=rows,
        columns=CASE_COLUMNS,
        filterset=CaseFilter,
        filename="案件清单",
    )


# --- the case page ------------------------------------------------------------------------------


def _parties(case: Case, revealed: bool) -> list[dict[str, str]]:
    rows = []
    for p in case.parties.all():
        rows.append(
            {
                "role": p.get_role_display() + ("（申请人）" if p.is_applicant else ""),
                "name": p.name if revealed else mask_name(p.name),
                "id_number": (p.id_number if revealed else mask_id_number(p.id_number)) or "—",
                "phone": (p.phone if revealed else mask_phone(p.phone)) or "—",
                "address": (p.address if revealed else ("已隐去" if p.address else "")) or "—",
            }
        )
    return rows


def _timeline(case: Case) -> list[dict[str, str]]:
    events = (
        AuditEvent.objects.filter(case_id_ref=case.pk)
        .exclude(action__in=["case.view", "case.view_personal_data"])
        .order_by("seq")
    )
    rows = list(events[:300])
    names = dict(
        StaffProfile.objects.filter(user_id__in={e.actor_id for e in rows}).values_list(
            "user_id", "full_name"
        )
    )
    return [
        {
            "when": local(e.at),
            "who": names.get(e.actor_id, e.actor_label) if e.actor_id else e.actor_label,
            "what": action_name(e.action),
            "details": details(e),
        }
        for e in rows
    ]


def _documents(case: Case, user: Any) -> list[dict[str, str]]:
    docs: list[dict[str, str]] = []
    full = may_see_personal_data(user, case)
    if full:
        for d in case.documents.all():
            docs.append(
                {
                    "title": f"{d.get_kind_display()}：{d.original_name}",
                    "url": f"/cases/{case.number}/documents/{d.pk}/",
                    "note": f"{d.size // 1024 or 1} KB，{local(d.uploaded_at)} 上传",
                }
            )
        current = case.assignments.filter(current=True).first()
        if current is not None:
            for kind in ("pdf", "docx"):
                docs.append(
                    {
                        "title": f"指派通知书 {current.notice_number}（{kind.upper()}）",
                        "url": f"/api/cases/{case.number}/notice.{kind}",
                        "note": "下载记入审计日志",
                    }
                )
        deciders = any(can(user, a, case) for a in ("propose", "director_decide", "bureau_decide"))
        reported = Approval.objects.filter(
            proposal__case=case, step=ApprovalStep.bureau_report
        ).exists()
        if deciders and reported:
            for kind in ("pdf", "docx"):
                docs.append(
                    {
                        "title": f"关于重大疑难案件指派的请示（{kind.upper()}）",
                        "url": f"/cases/{case.number}/bureau-report.{kind}",
                        "note": "下载记入审计日志",
                    }
                )
        if case.refused_at:
            for kind in ("pdf", "docx"):
                docs.append(
                    {
                        "title": f"不予法律援助决定书（{kind.upper()}）",
                        "url": f"/cases/{case.number}/refusal.{kind}",
                        "note": "下载记入审计日志",
                    }
                )
    return docs


def _record_view(request: HttpRequest, case: Case) -> None:
    """Every opening of a case page is in the audit log (who read which case, when)."""
    with transaction.atomic():
        audit.record(request.user, "case.view", case, case=case, data={"what": "案件页面"})


def _case_context(request: HttpRequest, case: Case, revealed: bool) -> dict[str, Any]:
    user = request.user
    assignment = (
        Assignment.objects.filter(case=case, current=True).select_related("institution").first()
    )
    engine = EngineProposal.objects.filter(case=case).order_by("-created_at", "-id").first()
    proposals = (
        OfficerProposal.objects.filter(case=case)
        .select_related("institution", "officer")
        .order_by("-created_at", "-id")
    )
    handlers = case.handlers.filter(active=True).select_related("practitioner__institution")
    due = _due_of(case)
    left, overdue = countdown(due)
    return {
        "title": f"案件 {case.number}",
        "case": case,
        "deadline": _deadline(case),
        "left": left,
        "overdue": overdue,
        "parties": _parties(case, revealed),
        "revealed": revealed,
        "may_reveal": may_see_personal_data(user, case) and not revealed,
        "summary": case.summary if revealed else "",
        "timeline": _timeline(case),
        "documents": _documents(case, user),
        "assignment": assignment,
        "engine": engine,
        "proposals": proposals,
        "handlers": handlers,
        "steps": next_steps(user, case),
        "can_view_reasoning": can(user, "propose", case) or can(user, "director_decide", case),
    }


@login_required
@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number)
    _record_view(request, case)
    return page(request, "web/case.html", _case_context(request, case, revealed=False))


@login_required
@require_POST
def case_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """The parties in full: only for a role that needs them, only on this explicit request
    (a POST, never a link or a prefetch), and recorded in the audit log."""
    case = case_for(request, number, "view_personal_data")
    record_personal_data_view(request.user, case, "案件页面：当事人姓名、身份证号、电话、住址")
    return page(request, "web/case.html", _case_context(request, case, revealed=True))


@login_required
@require_http_methods(["GET"])
def case_document(request: HttpRequest, number: str, pk: int) -> FileResponse:
    case = case_for(request, number, "view_personal_data")
    doc = get_object_or_404(CaseDocument, case=case, pk=pk)
    record_personal_data_view(request.user, case, f"案件材料：{doc.original_name}")
    response = FileResponse(
        doc.file.open("rb"),
        content_type=doc.content_type,
        as_attachment=True,
        filename=doc.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
