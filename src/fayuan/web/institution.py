"""The institution's (承办机构) and the practitioner's (承办人) pages: the new assignments,
naming the handlers (第二、十、十一条), the agreement (《办理法律援助案件程序规定》第二十七条), a
request to change the handler (第十二条), closing the case, and the institution's own practitioners
(第九、十一条). Each page calls one action (`fayuan.workflow.actions`,
`fayuan.roster.practitioner_actions`) and goes back to the case page with a message; a refused
form shows the reason beside its field with everything typed, and nothing is written."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from fayuan.accounts.access import AnyUser, can, profile_of
from fayuan.accounts.models import Role, StaffProfile
from fayuan.cases import uploads
from fayuan.cases.models import CATEGORY_CHOICES, Case, CaseStatus, DocumentKind
from fayuan.locks import action
from fayuan.policy.deadlines import local_date
from fayuan.roster.models import Practitioner, PractitionerStatus
from fayuan.roster.practitioner_actions import do_update_practitioner
from fayuan.web.institution_forms import (
    AgreementForm,
    CloseForm,
    HandlerChangeForm,
    HandlersForm,
    PractitionerForm,
)
from fayuan.web.lists import Column, list_page
from fayuan.web.ui import case_for, countdown, done, local, page, run_action
from fayuan.workflow.actions import (
    do_close_case,
    do_name_handlers,
    do_request_handler_change,
    do_sign_agreement,
    handler_options,
)
from fayuan.workflow.models import Assignment, HandlerChangeStatus, Route

#: The states in which the institution still has to name a handler or sign the agreement.
AWAITING_AGREEMENT = (CaseStatus.assigned, CaseStatus.handler_named)


def _posted(request: HttpRequest) -> Any:
    """The submitted data (an empty submission too: it is a form with every field missing)."""
    return request.POST if request.method == "POST" else None


def _case_url(number: str) -> str:
    return reverse("web:case", kwargs={"number": number})


def _to_case(case: Case) -> HttpResponse:
    return redirect(_case_url(case.number))


def _institution_admin(request: HttpRequest) -> tuple[StaffProfile, int]:
    """The institution admin's profile and institution (403 for any other role: these pages
    are the institution's own)."""
    profile = profile_of(request.user)
    if profile is None or profile.role != Role.institution_admin or not profile.institution_id:
        raise PermissionDenied("只有承办机构管理员可以使用本页面。")
    return profile, profile.institution_id


def _agreement_due(case: Case) -> dict[str, Any]:
    """程序规定第二十七条's deadline of this case, with its countdown (red when overdue)."""
    due = case.agreement_due_at if case.status in AWAITING_AGREEMENT else None
    left, overdue = countdown(due)
    return {"agreement_due": local(due), "agreement_left": left, "agreement_overdue": overdue}


def _case_context(case: Case, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": f"{title} · {case.number}",
        "heading": title,
        "case": case,
        "case_url": _case_url(case.number),
        **_agreement_due(case),
        **extra,
    }


def _wrong_state(
    request: HttpRequest, case: Case, title: str, why: str, **extra: Any
) -> HttpResponse:
    """The page of an action the case is not ready for (or past): why, and the way back."""
    context = _case_context(case, title, not_now=why, **extra)
    return page(request, "web/institution/not_now.html", context)


# --------------------------------------------------------------------- new assignments


class AssignmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="案件编号或通知书文号", method="search")
    category = django_filters.ChoiceFilter(
        label="类别", field_name="case__category", choices=CATEGORY_CHOICES, empty_label="全部"
    )
    waiting = django_filters.BooleanFilter(
        label="只看待安排承办人或待签委托协议",
        method="filter_waiting",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Assignment
        fields: list[str] = []

    def search(self, rows: QuerySet[Assignment], name: str, value: str) -> QuerySet[Assignment]:
        value = value.strip()[:60]
        if not value:
            return rows
        return rows.filter(Q(case__number__icontains=value) | Q(notice_number__icontains=value))

    def filter_waiting(
        self, rows: QuerySet[Assignment], name: str, value: bool
    ) -> QuerySet[Assignment]:
        return rows.filter(current=True, case__status__in=AWAITING_AGREEMENT) if value else rows


def _assignment_state(a: Assignment) -> str:
    if not a.current:
        return "已转出（更换承办机构）"
    return a.case.get_status_display()


def _assignment_due(a: Assignment) -> Any:
    return a.case.agreement_due_at if a.current and a.case.status in AWAITING_AGREEMENT else None


ASSIGNMENT_COLUMNS = [
    Column(
        "指派通知书",
        lambda a: a.notice_number,
        link=lambda a: f"/api/cases/{a.case.number}/notice.pdf" if a.current else "",
    ),
    Column("案件编号", lambda a: a.case.number, link=lambda a: _case_url(a.case.number)),
    Column("类别", lambda a: a.case.get_category_display()),
    Column("指派时间", lambda a: local(a.issued_at)),
    Column("须安排承办人", lambda a: f"{a.handlers_required} 名"),
    Column("状态", _assignment_state),
    Column("委托协议期限", lambda a: local(_assignment_due(a))),
    Column(
        "剩余",
        lambda a: countdown(_assignment_due(a))[0],
        alert=lambda a: countdown(_assignment_due(a))[1],
    ),
    Column(
        "委托协议签订日期",
        lambda a: (
            a.case.agreement_signed_on.isoformat()
            if a.current and a.case.agreement_signed_on
            else ""
        ),
    ),
]


@login_required
@require_GET
def assignments(request: HttpRequest) -> HttpResponse:
    """The assignments this institution received, newest first, with the notice and the
    agreement deadline of 程序规定第二十七条 (red when it passed)."""
    profile, institution_id = _institution_admin(request)
    rows = (
        Assignment.objects.filter(institution_id=institution_id, case__center_id=profile.center_id)
        .select_related("case")
        .order_by("-issued_at", "-id")
    )
    return list_page(
        request,
        title="本机构收到的指派",
        rows=rows,
        columns=ASSIGNMENT_COLUMNS,
        filterset=AssignmentFilter,
        filename="指派清单",
    )


# --------------------------------------------------------------------- naming the handlers


@login_required
@require_http_methods(["GET", "POST"])
def case_handlers(request: HttpRequest, number: str) -> HttpResponse:
    """第二条：由承办机构安排案件承办人；第十条：每案 1 名，集团案件 2 名及以上；第十一条：刑事
    案件由律师承办，重大案件由执业 3 年以上、刑事辩护经验丰富的律师承办. Offers only the
    practitioners `do_name_handlers` accepts and says why each other one is excluded."""
    case = case_for(request, number, "name_handlers")
    title = "安排承办人"
    if case.status not in AWAITING_AGREEMENT:
        return _wrong_state(
            request,
            case,
            title,
            f"案件当前状态为“{case.get_status_display()}”，不能安排承办人。"
            + (
                "签订委托协议后更换承办人，须经受援人同意并报中心批准（第十二条）。"
                if case.status == CaseStatus.agreement_signed
                else ""
            ),
        )
    assignment, options = handler_options(case)
    current = list(
        case.handlers.filter(active=True)
        .select_related("practitioner")
        .values_list("practitioner__code", flat=True)
    )
    form = HandlersForm(
        _posted(request),
        initial={"practitioners": current},
        options=options,
        required=assignment.handlers_required,
    )
    if request.method == "POST" and form.is_valid():
        codes: list[str] = form.cleaned_data["practitioners"]
        named = run_action(form, lambda: do_name_handlers(case, request.user, codes))
        if named is not None:
            case.refresh_from_db()
            names = "、".join(h.practitioner.name for h in named)
            done(
                request,
                f"已安排承办人：{names}。请于 {local(case.agreement_due_at)} 前与受援人签订"
                "委托协议（《办理法律援助案件程序规定》第二十七条）。",
            )
            return _to_case(case)
    context = _case_context(
        case,
        title,
        form=form,
        assignment=assignment,
        excluded=[o for o in options if not o.eligible],
        eligible_count=sum(1 for o in options if o.eligible),
        current=current,
    )
    return page(request, "web/institution/handlers.html", context)


# --------------------------------------------------------------------- the agreement


@action
def _sign_and_attach(
    case: Case, actor: AnyUser, signed_on: date, checked: uploads.CheckedFile | None
) -> Case:
    """The agreement and its scan (a `CaseDocument` of kind 委托协议) in one transaction."""
    signed = do_sign_agreement(case, actor, signed_on)
    if checked is not None:
        uploads.attach(checked, signed, actor, DocumentKind.agreement)
    return signed


def record_agreement(
    case: Case, actor: AnyUser, signed_on: date, checked: uploads.CheckedFile | None
) -> Case:
    """Store the scan first, then sign and attach (`fayuan.cases.uploads`: never half-written;
    a refused signing leaves no file)."""
    if checked is None:
        return do_sign_agreement(case, actor, signed_on)
    with uploads.staged(checked):
        return _sign_and_attach(case, actor, signed_on, checked)


@login_required
@require_http_methods(["GET", "POST"])
def case_agreement(request: HttpRequest, number: str) -> HttpResponse:
    """《办理法律援助案件程序规定》第二十七条：自收到指派之日起五日内与受援人签订委托协议和
    授权委托书. The institution or the handler records the date it was signed."""
    case = case_for(request, number, "sign_agreement")
    title = "登记委托协议"
    if case.status != CaseStatus.handler_named:
        why = (
            "请先安排承办人，再登记委托协议。"
            if case.status == CaseStatus.assigned
            else f"案件当前状态为“{case.get_status_display()}”，不能登记委托协议。"
        )
        return _wrong_state(request, case, title, why)
    assigned_on = local_date(case.assigned_at) if case.assigned_at else None
    files = request.FILES if request.method == "POST" else None
    form = AgreementForm(_posted(request), files, assigned_on=assigned_on)
    if request.method == "POST" and form.is_valid():
        signed_on = form.cleaned_data["signed_on"]
        upload = form.cleaned_data.get("agreement_file")
        checked: uploads.CheckedFile | None = None
        if upload:
            checked = run_action(form, lambda: uploads.check(upload, upload.name, "agreement_file"))
        signed: Case | None = None
        if checked is not None or not upload:
            signed = run_action(
                form, lambda: record_agreement(case, request.user, signed_on, checked)
            )
        if signed is not None:
            late = case.agreement_due_at is not None and local_date(case.agreement_due_at) < (
                signed_on
            )
            done(
                request,
                f"已登记委托协议，签订日期 {signed_on.isoformat()}"
                + ("，扫描件已存入案件材料" if checked is not None else "")
                + "。"
                + ("（晚于程序规定第二十七条的五日期限。）" if late else ""),
            )
            return _to_case(case)
    handlers = case.handlers.filter(active=True).select_related("practitioner")
    context = _case_context(
        case, title, form=form, assigned=local(case.assigned_at), handlers=handlers
    )
    return page(request, "web/institution/agreement.html", context)


# --------------------------------------------------------------------- changing the handler


@login_required
@require_http_methods(["GET", "POST"])
def case_handler_change(request: HttpRequest, number: str) -> HttpResponse:
    """第十二条：签订委托协议后，不得随意更换案件承办人；因利益冲突等正当理由需要更换的，应当
    在征得受援人同意后报区法律援助中心批准；更换原则上不超过 2 次. The consent is a required
    box: without it the form is refused and nothing is recorded."""
    case = case_for(request, number, "request_handler_change")
    title = "申请更换承办人"
    if case.status != CaseStatus.agreement_signed:
        may_rename = case.status in AWAITING_AGREEMENT and can(request.user, "name_handlers", case)
        why = (
            f"案件当前状态为“{case.get_status_display()}”。"
            "签订委托协议后才适用更换承办人（第十二条）。"
        )
        if case.status in AWAITING_AGREEMENT:
            why += "签订委托协议前，由承办机构重新安排承办人即可。"
        return _wrong_state(request, case, title, why, may_rename=may_rename)
    pending = case.handler_changes_log.filter(status=HandlerChangeStatus.requested).first()
    if pending is not None:
        return _wrong_state(
            request,
            case,
            title,
            f"本案已有待批准的更换承办人申请（{local(pending.requested_at)} 提出），"
            "请待其决定后再申请。",
        )
    form = HandlerChangeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = run_action(
            form,
            lambda: do_request_handler_change(
                case, request.user, data["reason"], consent=data["consent"], mode=data["mode"]
            ),
        )
        if change is not None:
            if change.status == HandlerChangeStatus.requested:
                who = (
                    "已超过更换次数，报区司法局批准"
                    if change.route == Route.bureau
                    else "待中心负责人批准"
                )
                done(request, f"已提出第 {change.number} 次更换承办人申请，{who}（第十二条）。")
            else:
                messages.warning(
                    request,
                    f"更换承办人申请未获通过（{change.get_status_display()}）："
                    f"{change.explanation}",
                )
            return _to_case(case)
    handlers = case.handlers.filter(active=True).select_related("practitioner")
    context = _case_context(case, title, form=form, handlers=handlers)
    return page(request, "web/institution/handler_change.html", context)


# --------------------------------------------------------------------- closing


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, number: str) -> HttpResponse:
    """结案: the outcome of the case. A criminal case closed adds a defence to each handler
    (SPEC §2, 第十一条's 刑事案件辩护经验)."""
    case = case_for(request, number, "close_case")
    title = "结案"
    if case.status != CaseStatus.agreement_signed:
        return _wrong_state(
            request,
            case,
            title,
            f"案件当前状态为“{case.get_status_display()}”，签订委托协议后才能结案。",
        )
    form = CloseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        outcome = form.cleaned_data["outcome"]
        if run_action(form, lambda: do_close_case(case, request.user, outcome)):
            done(request, f"案件 {case.number} 已结案：{outcome.strip()}。")
            return _to_case(case)
    return page(request, "web/institution/close.html", _case_context(case, title, form=form))


# --------------------------------------------------------------------- practitioners


class PractitionerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名或编号", method="search")
    status = django_filters.ChoiceFilter(
        label="状态", choices=PractitionerStatus.choices, empty_label="全部"
    )

    class Meta:
        model = Practitioner
        fields: list[str] = []

    def search(self, rows: QuerySet[Practitioner], name: str, value: str) -> QuerySet[Practitioner]:
        value = value.strip()[:50]
        if not value:
            return rows
        return rows.filter(Q(name__icontains=value) | Q(code__icontains=value))


def _edit_url(p: Practitioner) -> str:
    return reverse("web:practitioner_edit", kwargs={"pk": p.pk})


PRACTITIONER_COLUMNS = [
    Column("编号", lambda p: p.code, link=_edit_url),
    Column("姓名", lambda p: p.name, link=_edit_url),
    Column("类别", lambda p: p.get_kind_display()),
    Column("执业证号", lambda p: p.licence_number),
    Column("执业日期", lambda p: p.licensed_on.isoformat()),
    Column("刑事辩护件数", lambda p: p.criminal_defense_cases),
    Column("专业特长", lambda p: "、".join(p.specialties or [])),
    Column("未成年人案件", lambda p: "可承办" if p.minors_qualified else ""),
    Column("电话", lambda p: p.phone),
    Column("状态", lambda p: p.get_status_display()),
]


@login_required
@require_GET
def practitioners(request: HttpRequest) -> HttpResponse:
    """第九条：执业人员资质、专业特长. The institution's own practitioners, as the rules read
    them on every assignment."""
    profile, institution_id = _institution_admin(request)
    rows = Practitioner.objects.filter(
        institution_id=institution_id, center_id=profile.center_id
    ).order_by("code")
    return list_page(
        request,
        title="本机构承办人",
        rows=rows,
        columns=PRACTITIONER_COLUMNS,
        filterset=PractitionerFilter,
        filename="本机构承办人",
    )


FIELD_LABELS = {
    "licence_number": "执业证号",
    "licensed_on": "执业日期",
    "criminal_defense_cases": "刑事辩护件数",
    "specialties": "专业特长",
    "minors_qualified": "未成年人案件",
    "phone": "电话",
    "status": "状态",
}


@login_required
@require_http_methods(["GET", "POST"])
def practitioner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """One practitioner of this institution (404 for anyone else's); every change audited."""
    profile, institution_id = _institution_admin(request)
    practitioner = (
        Practitioner.objects.filter(
            pk=pk, institution_id=institution_id, center_id=profile.center_id
        )
        .select_related("institution")
        .first()
    )
    if practitioner is None:
        raise Http404("本机构没有这名承办人。")
    form = PractitionerForm(_posted(request), initial=PractitionerForm.initial_for(practitioner))
    if request.method == "POST" and form.is_valid():
        update = form.update()
        changes = run_action(
            form, lambda: do_update_practitioner(practitioner, request.user, update)
        )
        if changes is not None:
            if changes:
                what = "、".join(FIELD_LABELS.get(f, f) for f in changes)
                done(request, f"已更新{practitioner.name}的{what}。")
            else:
                messages.info(request, f"{practitioner.name}的信息没有变化，未作修改。")
            return redirect(reverse("web:practitioners"))
    context = {
        "title": f"承办人 {practitioner.name}（{practitioner.code}）",
        "practitioner": practitioner,
        "form": form,
    }
    return page(request, "web/institution/practitioner_edit.html", context)


urlpatterns: list[URLPattern] = [
    path("institution/assignments/", assignments, name="inst_assignments"),
    path("institution/practitioners/", practitioners, name="practitioners"),
    path("institution/practitioners/<int:pk>/", practitioner_edit, name="practitioner_edit"),
    path("cases/<str:number>/handlers/", case_handlers, name="case_handlers"),
    path("cases/<str:number>/agreement/", case_agreement, name="case_agreement"),
    path("cases/<str:number>/handler-change/", case_handler_change, name="case_handler_change"),
    path("cases/<str:number>/close/", case_close, name="case_close"),
]
