"""The judicial organ's pages (courts, procuratorates, police that do not use the API): send a
通知辩护（代理）公函 with its scan (第六条), follow its letters, and download the center's
《法律援助指派函》 (程序规定第二十四条), which the center's staff may download too.

An organ sees only the letters it sent (`fayuan.accounts.access.visible_cases`); another
organ's case is a 404 here as everywhere."""

from __future__ import annotations

from dataclasses import replace

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from fayuan.accounts.access import AnyUser, can, profile_of, visible_cases
from fayuan.accounts.models import Role, StaffProfile
from fayuan.audit import log as audit
from fayuan.cases import uploads
from fayuan.cases.actions import CaseInput, do_intake_notification
from fayuan.cases.letters import letter_key
from fayuan.cases.models import CATEGORY_CHOICES, Case, CaseStatus, DocumentKind, PartyRole
from fayuan.documents.organ_reply import (
    HandlerContact,
    OrganReplyData,
    render_reply_docx,
    render_reply_pdf,
    reply_text,
)
from fayuan.identity import mask_name
from fayuan.locks import action
from fayuan.roster.models import Center
from fayuan.web.lists import Column, list_page
from fayuan.web.organ_forms import LetterForm
from fayuan.web.ui import case_for, done, local, page, run_action
from fayuan.workflow.models import Assignment, Handler

#: Besides the organ that sent the letter, who may read and download the reply.
REPLY_STAFF = {Role.officer, Role.director}

MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _organ_profile(request: HttpRequest) -> StaffProfile:
    profile = profile_of(request.user)
    if (
        profile is None
        or profile.role != Role.judicial_organ
        or not profile.organ_id
        or not can(request.user, "intake_notification")
    ):
        raise PermissionDenied("只有办案机关的工作人员可以在此发送通知公函。")
    return profile


# --- sending a letter ---------------------------------------------------------------------------


@action
def _register_letter(
    center: Center, actor: AnyUser, data: CaseInput, letter: uploads.CheckedFile
) -> tuple[Case, bool]:
    """The letter's case (`do_intake_notification`, idempotent) and, for a new case, its scan as
    a `CaseDocument`, in one transaction (the intake runs inside this action's, and is retried
    with it). The time of receipt is the center's: a letter sent again keeps its first one."""
    first = (
        Case.objects.filter(
            organ_id=data.organ_id,
            letter_key=letter_key(data.letter_number),
            source="notification",
        )
        .values_list("letter_received_at", flat=True)
        .first()
    )
    if first is not None:
        data = replace(data, letter_received_at=first)
    case, created = do_intake_notification(center, actor, data)
    if created:
        uploads.attach(letter, case, actor, DocumentKind.organ_letter)
    return case, created


def send_letter(
    center: Center, actor: AnyUser, data: CaseInput, letter: uploads.CheckedFile
) -> tuple[Case, bool]:
    """Store the scan, then register the letter (uploads: the order that never half-writes)."""
    with uploads.staged(letter):
        return _register_letter(center, actor, data, letter)


@login_required
@require_http_methods(["GET", "POST"])
def letter_new(request: HttpRequest) -> HttpResponse:
    profile = _organ_profile(request)
    form = LetterForm(request.POST or None, request.FILES or None, center=profile.center)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["letter_file"]
        letter = run_action(form, lambda: uploads.check(upload, upload.name, "letter_file"))
        if letter is not None:
            organ_id = int(profile.organ_id or 0)
            result = run_action(
                form,
                lambda: send_letter(
                    profile.center, request.user, form.case_input(organ_id), letter
                ),
            )
            if result is not None:
                case, created = result
                if created:
                    done(
                        request,
                        f"公函已送达法律援助中心，登记为案件 {case.number}；"
                        f"指派期限至 {local(case.due_at)}。",
                    )
                else:
                    done(
                        request,
                        f"公函“{case.letter_number}”已于 {local(case.letter_received_at)} "
                        f"登记为案件 {case.number}，本次未重复登记。",
                    )
                return HttpResponseRedirect(reverse("web:case", kwargs={"number": case.number}))
    return page(
        request,
        "web/organ/letter_new.html",
        {"title": "发送通知辩护（代理）公函", "form": form, "organ": profile.organ},
    )


# --- the organ's letters ------------------------------------------------------------------------


class LetterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="公函文号或案件编号", method="search")
    category = django_filters.ChoiceFilter(
        label="类别", choices=CATEGORY_CHOICES, empty_label="全部"
    )
    status = django_filters.ChoiceFilter(
        label="状态", choices=CaseStatus.choices, empty_label="全部"
    )
    since = django_filters.DateFilter(
        label="收函日期自",
        field_name="letter_received_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = django_filters.DateFilter(
        label="至",
        field_name="letter_received_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def search(self, rows: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()[:60]
        if not value:
            return rows
        return rows.filter(Q(number__icontains=value) | Q(letter_number__icontains=value))


def _aided(case: Case) -> str:
    names = [mask_name(p.name) for p in case.parties.all() if p.role == PartyRole.aided]
    return "、".join(names)


def _handlers(case: Case) -> str:
    active: list[Handler] = getattr(case, "active_handlers", [])
    return "、".join(h.practitioner.name for h in active) or (
        "待安排" if case.institution_id else ""
    )


def _reply_link(case: Case) -> str:
    if case.status in (CaseStatus.assigned, CaseStatus.handler_named, CaseStatus.agreement_signed):
        return reverse("web:organ_reply", kwargs={"number": case.number})
    return ""


LETTER_COLUMNS = [
    Column("案件编号", lambda c: c.number, link=lambda c: f"/cases/{c.number}/"),
    Column("公函文号", lambda c: c.letter_number),
    Column("类别", lambda c: c.get_category_display()),
    Column("受援人", _aided),
    Column("收函时间", lambda c: local(c.letter_received_at)),
    Column("状态", lambda c: c.get_status_display()),
    Column("指派期限", lambda c: local(c.due_at)),
    Column("承办机构", lambda c: c.institution.name if c.institution else "尚未指派"),
    Column("承办人", _handlers),
    Column("指派函", lambda c: "查看、下载" if _reply_link(c) else "", link=_reply_link),
]


@login_required
@require_GET
def letters(request: HttpRequest) -> HttpResponse:
    rows = (
        visible_cases(request.user)
        .filter(source="notification")
        .select_related("institution", "organ")
        .prefetch_related(
            "parties",
            Prefetch(
                "handlers",
                queryset=Handler.objects.filter(active=True)
                .select_related("practitioner")
                .order_by("named_at", "id"),
                to_attr="active_handlers",
            ),
        )
        .order_by("-letter_received_at", "-id")
    )
    return list_page(
        request,
        title="已发通知公函",
        rows=rows,
        columns=LETTER_COLUMNS,
        filterset=LetterFilter,
        filename="通知公函清单",
    )


# --- the center's reply letter (程序规定第二十四条) --------------------------------------------


def _reply_case(request: HttpRequest, number: str) -> tuple[Case, Assignment]:
    """The case of a letter the user may read the reply to: the organ that sent it (its own
    cases only: `case_for` answers 404 for any other) or the center's staff; and only once
    the case is assigned."""
    case = case_for(request, number)
    profile = profile_of(request.user)
    role = Role(profile.role) if profile else None
    if role is not Role.judicial_organ and role not in REPLY_STAFF:
        raise PermissionDenied("指派函供发函的办案机关和法律援助中心工作人员查看。")
    if role is Role.judicial_organ and (profile is None or case.organ_id != profile.organ_id):
        raise Http404("没有这个案件，或您无权查看。")
    if case.source != "notification" or case.organ is None:
        raise Http404("本案不是办案机关通知的案件，没有指派函。")
    assignment = (
        Assignment.objects.filter(case=case, current=True).select_related("institution").first()
    )
    if assignment is None:
        raise Http404("本案尚未指派，还没有指派函。")
    return case, assignment


def reply_data(case: Case, assignment: Assignment) -> OrganReplyData:
    handlers = (
        Handler.objects.filter(case=case, assignment=assignment, active=True)
        .select_related("practitioner__institution")
        .order_by("named_at", "id")
    )
    institution = assignment.institution
    aided = tuple(
        p.name
        for p in case.parties.filter(role=PartyRole.aided).order_by("-is_applicant", "id")[:20]
    )
    if case.aided_persons > len(aided) and aided:
        aided = (f"{aided[0]}等{case.aided_persons}人",)
    center = case.center
    assert case.organ is not None
    return OrganReplyData(
        center_name=center.name,
        organ_name=case.organ.name,
        letter_number=case.letter_number,
        letter_kind_zh="通知辩护" if case.category == "criminal" else "通知代理",
        case_number=case.number,
        notice_number=assignment.notice_number,
        aided_names=aided,
        criminal=case.category == "criminal",
        institution_name=institution.name,
        institution_phone=institution.phone,
        institution_address=institution.address,
        assigned_at=assignment.issued_at,
        handlers=tuple(
            HandlerContact(
                name=h.practitioner.name,
                institution=h.practitioner.institution.name,
                phone=h.practitioner.phone,
                licence_number=h.practitioner.licence_number,
            )
            for h in handlers
        ),
        issued_at=timezone.now(),
        center_phone=center.phone,
        center_address=center.address,
    )


def _record(request: HttpRequest, case: Case, what: str) -> None:
    with transaction.atomic():
        audit.record(request.user, "organ.letter_reply", case, case=case, data={"what": what})


@login_required
@require_GET
def reply(request: HttpRequest, number: str) -> HttpResponse:
    case, assignment = _reply_case(request, number)
    data = reply_data(case, assignment)
    _record(request, case, "法律援助指派函（页面）")
    return page(
        request,
        "web/organ/reply.html",
        {
            "title": f"法律援助指派函 · {case.number}",
            "case": case,
            "lines": reply_text(data),
            "data": data,
        },
    )


def _download(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    case, assignment = _reply_case(request, number)
    data = reply_data(case, assignment)
    content = render_reply_pdf(data) if kind == "pdf" else render_reply_docx(data)
    _record(request, case, f"法律援助指派函（{kind.upper()}）")
    response = HttpResponse(content, content_type=MEDIA[kind])
    filename = f"{case.number}-法律援助指派函.{kind}"
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


@login_required
@require_GET
def reply_pdf(request: HttpRequest, number: str) -> HttpResponse:
    return _download(request, number, "pdf")


@login_required
@require_GET
def reply_docx(request: HttpRequest, number: str) -> HttpResponse:
    return _download(request, number, "docx")


urlpatterns = [
    path("organ/letters/new/", letter_new, name="organ_letter_new"),
    path("organ/letters/", letters, name="organ_letters"),
    path("cases/<str:number>/reply/", reply, name="organ_reply"),
    path("cases/<str:number>/reply.pdf", reply_pdf, name="organ_reply_pdf"),
    path("cases/<str:number>/reply.docx", reply_docx, name="organ_reply_docx"),
]
