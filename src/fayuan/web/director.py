"""The deciders' pages: the center director (中心负责人), the collective discussion and the district
bureau (区司法局：公共法律服务管理科 and its leader).

* 第五条: the list of what awaits a decision; an ordinary case's decision (the officer's 指派意见
  beside the rules' suggestion and reasoning: approve, or return with a reason); a major case's
  collective discussion, its written report to the bureau (the 《关于重大疑难法律援助案件指派的
  请示》 as PDF and DOCX) and the bureau's decision.
* 第八条: the recusals awaiting this decider, the decision, and the application of a staff member.
* 第十二条: the handler changes awaiting this decider and the decision.

Every write is an action of fayuan.workflow (who may act, the rules, the audit event); a refused
action shows its reason beside the field and the form again with what was typed.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from fayuan.accounts.access import can, role_of, visible_cases
from fayuan.accounts.models import Role
from fayuan.cases.models import CATEGORY_CHOICES, Case
from fayuan.documents.bureau_report import (
    REPORT_TITLE,
    BureauReportData,
    render_bureau_report_docx,
    render_bureau_report_pdf,
)
from fayuan.documents.data import ApprovalFormData
from fayuan.documents.layout import zh_date
from fayuan.documents_bridge import RULE_ON_NOTICE, approval_form_data
from fayuan.policy.approval import major_case_grounds
from fayuan.policy.deadlines import local_date
from fayuan.policy.recusal import RECUSAL_DECIDER_ZH, RecusalDecider
from fayuan.roster.models import Institution, Practitioner
from fayuan.web import director_forms as f
from fayuan.web.lists import Column, list_page
from fayuan.web.ui import case_for, countdown, done, local, page, run_action
from fayuan.workflow import engine as engine_mod
from fayuan.workflow.actions import (
    do_bureau_decide,
    do_decide_handler_change,
    do_director_decide,
    do_record_discussion,
    do_report_to_bureau,
    record_personal_data_view,
)
from fayuan.workflow.models import (
    Approval,
    ApprovalStep,
    EngineProposal,
    HandlerChange,
    HandlerChangeStatus,
    OfficerProposal,
    ProposalStatus,
    Recusal,
    RecusalStatus,
    Route,
)
from fayuan.workflow.recusal import do_apply_recusal, do_decide_recusal

MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
BUREAU_ROLES = (Role.bureau_section, Role.bureau_leader)

#: The step a proposal waits for: (route, status) → (what, the page's URL name).
STEPS: dict[tuple[str, str], tuple[str, str]] = {
    (Route.director, ProposalStatus.pending): ("待决定指派意见（普通案件）", "case_decide"),
    (Route.bureau, ProposalStatus.pending): ("待集体讨论（重大疑难案件）", "case_discussion"),
    (Route.bureau, ProposalStatus.discussed): ("待书面报请区司法局", "case_bureau_report"),
    (Route.bureau, ProposalStatus.reported): ("待区司法局决定", "case_bureau_decide"),
}

#: Who decides a recusal (第八条), by the decider's role.
RECUSAL_BODY = {
    Role.director: RecusalDecider.aid_center,
    Role.bureau_section: RecusalDecider.pls_section,
    Role.bureau_leader: RecusalDecider.bureau,
}


def case_url(case: Case) -> str:
    return reverse("web:case", kwargs={"number": case.number})


def _to_case(request: HttpRequest, case: Case, message: str) -> HttpResponseRedirect:
    done(request, message)
    return redirect(case_url(case))


def _not_now(request: HttpRequest, case: Case, message: str) -> HttpResponseRedirect:
    """The case is not (or no longer) at this step: back to its page, saying why."""
    messages.error(request, message)
    return redirect(case_url(case))


def _full_name(user: Any) -> str:
    if user is None:
        return ""
    profile = getattr(user, "profile", None)
    return getattr(profile, "full_name", "") or user.get_username()


# --- the proposal and its reasoning ------------------------------------------------------------


def _latest_proposal(case: Case) -> OfficerProposal | None:
    return (
        OfficerProposal.objects.filter(case=case)
        .select_related("institution", "officer__profile", "engine_proposal__institution")
        .order_by("-created_at", "-id")
        .first()
    )


def _candidates(case: Case, engine: EngineProposal) -> dict[str, Any]:
    """What the rules' decision (SPEC §12, stored whole) says of each institution it weighed:
    the one it suggests, those it declined (the applicant's choice, 便民), those the rotation
    passed over, and those not eligible when nobody could take the case; the practitioners who
    may handle it; and, for a criminal case, each firm's rotation credit before and after."""
    d: dict[str, Any] = engine.decision or {}
    declined = [x for x in d.get("declined", []) if isinstance(x, dict)]
    skipped = [x for x in d.get("skipped", []) if isinstance(x, dict)]
    reasons: dict[str, Any] = d.get("reasons") or {}
    before: dict[str, Any] = engine.rotation_before or {}
    after: dict[str, Any] = engine.rotation_after or {}
    codes = {
        *([d["institution"]] if d.get("institution") else []),
        *(str(x.get("institution")) for x in declined + skipped),
        *reasons,
        *before,
        *after,
    }
    names = dict(
        Institution.objects.filter(center_id=case.center_id, code__in=codes).values_list(
            "code", "name"
        )
    )

    def named(code: str) -> str:
        return f"{names.get(code, code)}（{code}）"

    rows: list[dict[str, Any]] = []
    if d.get("institution"):
        rows.append(
            {
                "institution": named(d["institution"]),
                "result": "建议指派",
                "rule": RULE_ON_NOTICE.get(str(d.get("rule")), ""),
                "reason": "",
                "chosen": True,
            }
        )
    for x in declined:
        rows.append(
            {
                "institution": named(str(x.get("institution"))),
                "result": "未采用",
                "rule": RULE_ON_NOTICE.get(str(x.get("rule")), str(x.get("rule", ""))),
                "reason": str(x.get("reason", "")),
                "chosen": False,
            }
        )
    for x in skipped:
        rows.append(
            {
                "institution": named(str(x.get("institution"))),
                "result": "轮候时跳过",
                "rule": RULE_ON_NOTICE.get("rotation", "按序轮流"),
                "reason": str(x.get("reason", "")),
                "chosen": False,
            }
        )
    for code, reason in reasons.items():
        rows.append(
            {
                "institution": named(code),
                "result": "不符合条件",
                "rule": "",
                "reason": str(reason),
                "chosen": False,
            }
        )
    practitioners = [str(c) for c in d.get("eligible_practitioners", [])]
    people = dict(
        Practitioner.objects.filter(center_id=case.center_id, code__in=practitioners).values_list(
            "code", "name"
        )
    )
    rotation = [
        {"institution": named(code), "before": before.get(code, ""), "after": after.get(code, "")}
        for code in sorted(set(before) | set(after), key=lambda c: (names.get(c, c), c))
    ]
    return {
        "candidate_rows": rows,
        "eligible": [f"{people.get(c, c)}（{c}）" for c in practitioners],
        "rotation": rotation,
        "articles": "、".join(str(a) for a in d.get("articles", [])),
        "status": str(d.get("status", engine.status)),
    }


def _approval_forms(case: Case, proposal: OfficerProposal) -> list[dict[str, str]]:
    base = f"/api/cases/{case.number}/proposals/{proposal.pk}/approval-form"
    title = "普通案件指派审批表" if proposal.route == Route.director else "重大疑难案件指派审批表"
    return [
        {"title": f"{title}（{kind.upper()}）", "url": f"{base}.{kind}"} for kind in ("pdf", "docx")
    ]


def _report_links(case: Case) -> list[dict[str, str]]:
    return [
        {
            "title": f"《{REPORT_TITLE}》（{kind.upper()}）",
            "url": reverse(f"web:case_bureau_report_{kind}", kwargs={"number": case.number}),
        }
        for kind in ("pdf", "docx")
    ]


def _steps(proposal: OfficerProposal) -> dict[str, Approval]:
    """The proposal's steps taken so far (第五条), the last of each kind."""
    steps = Approval.objects.filter(proposal=proposal).select_related("actor__profile")
    return {a.step: a for a in steps.order_by("at", "id")}


def _returned_before(case: Case, proposal: OfficerProposal) -> list[dict[str, str]]:
    """Earlier proposals of this case that were returned, with who returned them and why."""
    rows = (
        Approval.objects.filter(proposal__case=case, approved=False)
        .exclude(proposal=proposal)
        .select_related("actor__profile", "proposal__institution")
        .order_by("at", "id")
    )
    return [
        {
            "when": local(a.at),
            "who": _full_name(a.actor),
            "step": a.get_step_display(),
            "institution": a.proposal.institution.name,
            "reason": a.reason,
        }
        for a in rows
    ]


def _proposal_context(case: Case, proposal: OfficerProposal) -> dict[str, Any]:
    engine = proposal.engine_proposal
    left, overdue = countdown(case.due_at)
    return {
        "case": case,
        "proposal": proposal,
        "officer_name": _full_name(proposal.officer),
        "engine": engine,
        "engine_rule": RULE_ON_NOTICE.get(engine.rule, "无可指派机构"),
        "due": local(case.due_at) + ("（暂定）" if case.due_provisional else ""),
        "left": left,
        "overdue": overdue,
        "approval_forms": _approval_forms(case, proposal),
        "returned": _returned_before(case, proposal),
        **_candidates(case, engine),
    }


# --- the decisions list (第五条) -------------------------------------------------------------


def _latest(field: str) -> Subquery:
    return Subquery(
        OfficerProposal.objects.filter(case=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values(field)[:1]
    )


def _step_of(case: Any) -> tuple[str, str]:
    return STEPS.get((case.p_route, case.p_status), ("", ""))


def _step_url(case: Any) -> str:
    name = _step_of(case)[1]
    return reverse(f"web:{name}", kwargs={"number": case.number}) if name else case_url(case)


STEP_FILTER = [
    ("decide", "待决定指派意见（普通案件）"),
    ("discuss", "待集体讨论"),
    ("report", "待书面报请区司法局"),
    ("bureau", "待区司法局决定"),
]
STEP_Q = {
    "decide": Q(p_route=Route.director, p_status=ProposalStatus.pending),
    "discuss": Q(p_route=Route.bureau, p_status=ProposalStatus.pending),
    "report": Q(p_route=Route.bureau, p_status=ProposalStatus.discussed),
    "bureau": Q(p_route=Route.bureau, p_status=ProposalStatus.reported),
}


class DecisionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="案件编号或公函文号", method="search")
    category = django_filters.ChoiceFilter(
        label="类别", choices=CATEGORY_CHOICES, empty_label="全部"
    )
    step = django_filters.ChoiceFilter(
        label="待办环节", choices=STEP_FILTER, empty_label="全部", method="filter_step"
    )
    overdue = django_filters.BooleanFilter(
        label="已超指派期限", method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def search(self, rows: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()[:60]
        if not value:
            return rows
        return rows.filter(Q(number__icontains=value) | Q(letter_number__icontains=value))

    def filter_step(self, rows: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return rows.filter(STEP_Q[value]) if value in STEP_Q else rows

    def filter_overdue(self, rows: QuerySet[Case], name: str, value: bool) -> QuerySet[Case]:
        return rows.filter(due_at__lt=timezone.now()) if value else rows


DECISION_COLUMNS = [
    Column("案件编号", lambda c: c.number, link=_step_url),
    Column("待办环节", lambda c: _step_of(c)[0]),
    Column("类别", lambda c: c.get_category_display()),
    Column("受援人数", lambda c: c.aided_persons),
    Column("拟指派机构", lambda c: c.p_institution or ""),
    Column("指派期限", lambda c: local(c.due_at) + ("（暂定）" if c.due_provisional else "")),
    Column("剩余", lambda c: countdown(c.due_at)[0], alert=lambda c: countdown(c.due_at)[1]),
    Column("案件页面", lambda c: "查看", link=case_url),
]


@login_required
@require_GET
def decisions(request: HttpRequest) -> HttpResponse:
    """What awaits a decision of this user (第五条), the most urgent (the earliest assignment
    deadline) first: the director's ordinary proposals and the major cases to discuss or report;
    the bureau's reported major cases."""
    role = role_of(request.user)
    rows = (
        visible_cases(request.user)
        .select_related("locality")
        .annotate(
            p_status=_latest("status"),
            p_route=_latest("route"),
            p_institution=_latest("institution__name"),
        )
    )
    if role is Role.director:
        rows = rows.filter(STEP_Q["decide"] | STEP_Q["discuss"] | STEP_Q["report"])
        title = "待决定：指派意见与重大疑难案件"
    elif role in BUREAU_ROLES:
        rows = rows.filter(STEP_Q["bureau"])
        title = "待决定：报请区司法局的重大疑难案件"
    else:
        raise PermissionDenied("只有中心负责人和区司法局可以查看待决定的指派意见。")
    return list_page(
        request,
        title=title,
        rows=rows.order_by(F("due_at").asc(nulls_last=True), "number"),
        columns=DECISION_COLUMNS,
        filterset=DecisionFilter,
        filename="待决定案件",
    )


# --- 第五条: an ordinary case ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_decide(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, "director_decide")
    proposal = _latest_proposal(case)
    if proposal is None or proposal.route != Route.director:
        return _not_now(request, case, "本案没有报中心负责人决定的指派意见（第五条）。")
    if proposal.status != ProposalStatus.pending and request.method == "GET":
        return _not_now(
            request,
            case,
            f"本案的指派意见当前状态为“{proposal.get_status_display()}”，无需再决定。",
        )
    form = f.DirectorDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approval = run_action(
            form,
            lambda: do_director_decide(
                proposal, request.user, form.approve, form.cleaned_data["reason"]
            ),
        )
        if approval is not None:
            if approval.approved:
                return _to_case(
                    request,
                    case,
                    f"已同意指派意见：指派{proposal.institution.name}。请指派人员发出指派通知书。",
                )
            return _to_case(request, case, "已退回指派意见，指派人员将重新提出。")
    context = {
        "title": f"决定指派意见 · {case.number}",
        "form": form,
        **_proposal_context(case, proposal),
    }
    return page(request, "web/director/decide.html", context)


# --- 第五条: a major case ----------------------------------------------------------------------


def _major_proposal(case: Case) -> OfficerProposal | None:
    proposal = _latest_proposal(case)
    return proposal if proposal is not None and proposal.route == Route.bureau else None


def _major_grounds(case: Case) -> list[str]:
    pv = engine_mod.policy_for(case.center).values_on(
        local_date(case.started_at or case.created_at)
    )
    return major_case_grounds(engine_mod.policy_case(case), pv)


@login_required
@require_http_methods(["GET", "POST"])
def case_discussion(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, "record_discussion")
    proposal = _major_proposal(case)
    if proposal is None:
        return _not_now(request, case, "本案不是重大疑难案件，无需集体讨论（第五条）。")
    if proposal.status != ProposalStatus.pending and request.method == "GET":
        return _not_now(
            request,
            case,
            f"本案的指派意见当前状态为“{proposal.get_status_display()}”，不需要再记录集体讨论。",
        )
    form = f.DiscussionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approval = run_action(
            form,
            lambda: do_record_discussion(
                proposal,
                request.user,
                form.cleaned_data["held_on"],
                form.names,
                form.cleaned_data["conclusion"],
            ),
        )
        if approval is not None:
            return _to_case(
                request,
                case,
                f"已记录 {zh_date(form.cleaned_data['held_on'])} 的集体讨论"
                f"（{len(form.names)} 人参加）。下一步：书面报请区司法局决定。",
            )
    context = {
        "title": f"集体讨论 · {case.number}",
        "form": form,
        "grounds": _major_grounds(case),
        **_proposal_context(case, proposal),
    }
    return page(request, "web/director/discussion.html", context)


def _strip(text: str) -> str:
    return text.strip().rstrip("。；;.")


def draft_report_text(case: Case, data: ApprovalFormData, regulation: str) -> str:
    """The report's text as the page proposes it, from the discussion and the proposal: the
    case (without names: the aided persons are counted, not named), why it is major, the rules'
    suggestion, the officer's opinion, the discussion, and what the center asks."""
    o, d, e = data.officer, data.discussion, data.engine
    grounds = "、".join(data.major_grounds) or "属重大疑难情形"
    paragraphs = [
        f"本中心受理的{data.category_zh}法律援助案件（案件编号：{data.case_number}，"
        f"受援人{case.aided_persons}人，来源：{data.source_zh}），已决定给予法律援助。"
        f"该案{grounds}，依照《{regulation}》第五条，属于重大疑难案件，"
        "应当由本中心集体讨论后书面报请你局决定。",
        f"系统指派建议：{e.institution_name or '无可指派机构'}（{e.rule_zh}）。",
    ]
    if o is not None:
        text = f"指派人员提出指派意见：拟指派{o.institution_name}承办本案"
        text += f"，{_strip(o.opinion)}。" if o.opinion.strip() else "。"
        if o.override_reason:
            text += f"该意见与系统建议不同，理由是：{_strip(o.override_reason)}。"
        paragraphs.append(text)
    if d is not None:
        paragraphs.append(
            f"本中心于{zh_date(d.held_on)}召开集体讨论，参加人员：{'、'.join(d.participants)}。"
            f"讨论结论：{_strip(d.conclusion)}。"
        )
    if o is not None:
        paragraphs.append(
            f"现拟指派{o.institution_name}承办本案，并安排承办人{data.handlers_required}名，"
            "特此请示。"
        )
    return "\n".join(paragraphs)


def _policy_title(case: Case) -> str:
    return engine_mod.policy_for(case.center).title


@login_required
@require_http_methods(["GET", "POST"])
def case_bureau_report(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, "report_to_bureau")
    proposal = _major_proposal(case)
    if proposal is None:
        return _not_now(request, case, "本案不是重大疑难案件，无需报请区司法局（第五条）。")
    steps = _steps(proposal)
    reported = steps.get(ApprovalStep.bureau_report)
    if proposal.status != ProposalStatus.discussed and request.method == "GET":
        if reported is None:
            return _not_now(
                request,
                case,
                f"本案的指派意见当前状态为“{proposal.get_status_display()}”："
                "集体讨论后才能书面报请区司法局（第五条）。",
            )
        # Reported already: the page shows the report as sent, and its documents.
        context = {
            "title": f"书面报请区司法局 · {case.number}",
            "report": reported,
            "reporter": _full_name(reported.actor),
            "discussion": steps.get(ApprovalStep.collective_discussion),
            "report_links": _report_links(case),
            **_proposal_context(case, proposal),
        }
        return page(request, "web/director/bureau_report.html", context)
    data = approval_form_data(proposal)
    initial = {"report": draft_report_text(case, data, _policy_title(case))}
    form = f.BureauReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        approval = run_action(
            form,
            lambda: do_report_to_bureau(
                proposal,
                request.user,
                form.cleaned_data["document_number"],
                form.cleaned_data["report"],
            ),
        )
        if approval is not None:
            return _to_case(
                request,
                case,
                f"已书面报请区司法局决定（{approval.document_number}）。"
                f"请示可在“书面报请区司法局”页下载（PDF、Word）。",
            )
    context = {
        "title": f"书面报请区司法局 · {case.number}",
        "form": form,
        "discussion": steps.get(ApprovalStep.collective_discussion),
        "report_links": _report_links(case),
        **_proposal_context(case, proposal),
    }
    return page(request, "web/director/bureau_report.html", context)


def bureau_report_data(case: Case, proposal: OfficerProposal) -> BureauReportData:
    """The 请示 of a major case: as sent, when it was; else a draft from the discussion."""
    form = approval_form_data(proposal)
    if form.discussion is None:
        raise Http404("本案尚未集体讨论，还没有可报送的请示。")
    steps = _steps(proposal)
    report = steps.get(ApprovalStep.bureau_report)
    policy = engine_mod.policy_for(case.center)
    if report is not None:
        return BureauReportData(
            form=form,
            bureau_name=policy.issued_by,
            report_text=report.reason,
            document_number=report.document_number,
            reported_on=local_date(report.at),
            contact_person=_full_name(report.actor),
            contact_phone=case.center.phone,
        )
    return BureauReportData(
        form=form,
        bureau_name=policy.issued_by,
        report_text=draft_report_text(case, form, policy.title),
        contact_phone=case.center.phone,
    )


def _report_file(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    """The 请示 names the aided persons (its 附件): a view of personal data, for those who take
    part in a major case's decision only, and an audit event."""
    case = case_for(request, number, "view_personal_data")
    if not any(
        can(request.user, action, case)
        for action in ("record_discussion", "report_to_bureau", "bureau_decide")
    ):
        raise PermissionDenied("只有参与重大疑难案件指派决定的人员可以下载请示。")
    proposal = _major_proposal(case)
    if proposal is None:
        raise Http404("本案不是重大疑难案件，没有报请区司法局的请示。")
    data = bureau_report_data(case, proposal)
    render = render_bureau_report_pdf if kind == "pdf" else render_bureau_report_docx
    content = render(data)
    what = f"《{REPORT_TITLE}》{'（草稿）' if data.draft else data.document_number}"
    record_personal_data_view(request.user, case, f"{what}（{kind.upper()}）")
    response = HttpResponse(content, content_type=MEDIA[kind])
    filename = f"{case.number}-请示{'（草稿）' if data.draft else ''}.{kind}"
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


@login_required
@require_GET
def case_bureau_report_pdf(request: HttpRequest, number: str) -> HttpResponse:
    return _report_file(request, number, "pdf")


@login_required
@require_GET
def case_bureau_report_docx(request: HttpRequest, number: str) -> HttpResponse:
    return _report_file(request, number, "docx")


@login_required
@require_http_methods(["GET", "POST"])
def case_bureau_decide(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, "bureau_decide")
    proposal = _major_proposal(case)
    if proposal is None:
        return _not_now(request, case, "本案不是重大疑难案件，不由区司法局决定（第五条）。")
    if proposal.status != ProposalStatus.reported and request.method == "GET":
        return _not_now(
            request,
            case,
            f"本案的指派意见当前状态为“{proposal.get_status_display()}”："
            "中心书面报请后才由区司法局决定（第五条）。",
        )
    steps = _steps(proposal)
    form = f.BureauDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approval = run_action(
            form,
            lambda: do_bureau_decide(
                proposal, request.user, form.approve, form.cleaned_data["reason"]
            ),
        )
        if approval is not None:
            if approval.approved:
                return _to_case(
                    request,
                    case,
                    f"区司法局已同意指派意见：指派{proposal.institution.name}。"
                    "请法律援助中心发出指派通知书。",
                )
            return _to_case(request, case, "区司法局不同意该指派意见，已退回法律援助中心。")
    report = steps.get(ApprovalStep.bureau_report)
    context = {
        "title": f"区司法局决定 · {case.number}",
        "form": form,
        "grounds": _major_grounds(case),
        "discussion": steps.get(ApprovalStep.collective_discussion),
        "report": report,
        "reporter": _full_name(report.actor) if report else "",
        "report_links": _report_links(case),
        **_proposal_context(case, proposal),
    }
    return page(request, "web/director/bureau_decide.html", context)


# --- 第八条: recusals ---------------------------------------------------------------------------


def _decider_body(request: HttpRequest) -> RecusalDecider:
    role = role_of(request.user)
    if role is None or role not in RECUSAL_BODY or not can(request.user, "decide_recusal"):
        raise PermissionDenied("您的角色不决定回避申请（第八条）。")
    return RECUSAL_BODY[role]


class RecusalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="案件编号", method="search")
    flagged = django_filters.BooleanFilter(
        label="仅系统提示的", method="filter_flagged", widget=forms.CheckboxInput
    )

    class Meta:
        model = Recusal
        fields: list[str] = []

    def search(self, rows: QuerySet[Recusal], name: str, value: str) -> QuerySet[Recusal]:
        value = value.strip()[:60]
        return rows.filter(case__number__icontains=value) if value else rows

    def filter_flagged(self, rows: QuerySet[Recusal], name: str, value: bool) -> QuerySet[Recusal]:
        return rows.filter(flagged_by_system=True) if value else rows


def _recusal_url(r: Recusal) -> str:
    return reverse("web:recusal_decide", kwargs={"pk": r.pk})


def _staff_role(user: Any) -> str:
    profile = getattr(user, "profile", None)
    return profile.get_role_display() if profile is not None else ""


RECUSAL_COLUMNS = [
    Column("案件编号", lambda r: r.case.number, link=_recusal_url),
    Column("申请回避人员", lambda r: _full_name(r.staff)),
    Column("职务", lambda r: _staff_role(r.staff)),
    Column("回避事由", lambda r: "；".join(str(g) for g in r.grounds)[:80]),
    Column("系统提示", lambda r: "是" if r.flagged_by_system else "否"),
    Column("决定机关", lambda r: RECUSAL_DECIDER_ZH[RecusalDecider(r.decider_body)]),
    Column("申请时间", lambda r: local(r.created_at)),
    Column("案件页面", lambda r: "查看", link=lambda r: case_url(r.case)),
]


@login_required
@require_GET
def recusals(request: HttpRequest) -> HttpResponse:
    """The recusals this user's body decides (第八条), the oldest first; one's own is decided by
    the body above, never by oneself."""
    body = _decider_body(request)
    rows = (
        Recusal.objects.filter(
            status=RecusalStatus.pending,
            decider_body=body.value,
            case__in=visible_cases(request.user),
        )
        .exclude(staff_id=request.user.pk)
        .select_related("case", "staff__profile")
        .order_by("created_at", "id")
    )
    return list_page(
        request,
        title=f"待决定的回避申请（第八条，{RECUSAL_DECIDER_ZH[body]}决定）",
        rows=rows,
        columns=RECUSAL_COLUMNS,
        filterset=RecusalFilter,
        filename="待决定的回避申请",
    )


@login_required
@require_http_methods(["GET", "POST"])
def recusal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    recusal = (
        Recusal.objects.filter(pk=pk, case__in=visible_cases(request.user))
        .select_related("staff__profile", "decided_by__profile")
        .first()
    )
    if recusal is None:
        raise Http404("没有这个回避申请，或您无权查看。")
    case = case_for(request, recusal.case.number, "decide_recusal")
    body = RecusalDecider(recusal.decider_body)
    role = role_of(request.user)
    mine = RECUSAL_BODY.get(role) if role is not None else None
    if mine is not body or recusal.staff_id == request.user.pk:
        raise PermissionDenied(f"本回避应由{RECUSAL_DECIDER_ZH[body]}决定（第八条）。")
    form = f.RecusalDecisionForm(request.POST or None)
    pending = recusal.status == RecusalStatus.pending
    if request.method == "POST" and form.is_valid():
        decided = run_action(
            form,
            lambda: do_decide_recusal(
                recusal, request.user, form.grant, form.cleaned_data["reason"]
            ),
        )
        if decided is not None:
            who = _full_name(recusal.staff)
            if decided.status == RecusalStatus.granted:
                return _to_case(request, case, f"已准予{who}回避本案（第八条）。")
            return _to_case(request, case, f"已决定{who}不予回避，其可以继续处理本案。")
    context = {
        "title": f"决定回避申请 · {case.number}",
        "case": case,
        "recusal": recusal,
        "staff_name": _full_name(recusal.staff),
        "staff_role": _staff_role(recusal.staff),
        "decider": RECUSAL_DECIDER_ZH[body],
        "pending": pending,
        "decided_by": _full_name(recusal.decided_by),
        "decided_at": local(recusal.decided_at),
        "form": form if pending or request.method == "POST" else None,
    }
    return page(request, "web/director/recusal_decide.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_recusal_apply(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, "apply_recusal")
    mine = Recusal.objects.filter(case=case, staff_id=request.user.pk).first()
    form = f.RecusalApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        recusal = run_action(
            form, lambda: do_apply_recusal(case, request.user, form.cleaned_data["grounds"])
        )
        if recusal is not None:
            decider = RECUSAL_DECIDER_ZH[RecusalDecider(recusal.decider_body)]
            return _to_case(
                request,
                case,
                f"已提交回避申请，由{decider}决定；决定前您不能处理本案（第八条）。",
            )
    context = {
        "title": f"申请回避 · {case.number}",
        "case": case,
        "form": form,
        "mine": mine,
        "mine_grounds": "；".join(str(g) for g in mine.grounds) if mine else "",
    }
    return page(request, "web/director/recusal_apply.html", context)


# --- 第十二条: handler changes ------------------------------------------------------------------


def _change_route(request: HttpRequest) -> str:
    """Which handler changes this user decides: the director those within the cap, the bureau
    those over it (第十二条; SPEC §10)."""
    role = role_of(request.user)
    if role is Role.director:
        return Route.director
    if role in BUREAU_ROLES:
        return Route.bureau
    raise PermissionDenied("您的角色不批准更换承办人（第十二条）。")


class HandlerChangeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="案件编号", method="search")
    mode = django_filters.ChoiceFilter(
        label="更换方式",
        choices=[
            ("same_institution", "原承办机构重新安排承办人"),
            ("other_institution", "中心重新指派其他承办机构"),
        ],
        empty_label="全部",
    )

    class Meta:
        model = HandlerChange
        fields: list[str] = []

    def search(
        self, rows: QuerySet[HandlerChange], name: str, value: str
    ) -> QuerySet[HandlerChange]:
        value = value.strip()[:60]
        return rows.filter(case__number__icontains=value) if value else rows


def _change_url(h: HandlerChange) -> str:
    return reverse("web:handler_change_decide", kwargs={"pk": h.pk})


CHANGE_COLUMNS = [
    Column("案件编号", lambda h: h.case.number, link=_change_url),
    Column("第几次更换", lambda h: h.number),
    Column("更换方式", lambda h: h.get_mode_display()),
    Column("受援人同意", lambda h: "是" if h.consent else "否"),
    Column(
        "决定程序", lambda h: "超过次数，报区司法局" if h.route == Route.bureau else "中心负责人"
    ),
    Column("理由", lambda h: h.reason[:60]),
    Column("申请人", lambda h: _full_name(h.requested_by)),
    Column("申请时间", lambda h: local(h.requested_at)),
    Column("案件页面", lambda h: "查看", link=lambda h: case_url(h.case)),
]


@login_required
@require_GET
def handler_changes(request: HttpRequest) -> HttpResponse:
    route = _change_route(request)
    rows = (
        HandlerChange.objects.filter(
            status=HandlerChangeStatus.requested,
            route=route,
            case__in=visible_cases(request.user),
        )
        .select_related("case", "requested_by__profile")
        .order_by("requested_at", "id")
    )
    who = "区司法局" if route == Route.bureau else "中心负责人"
    return list_page(
        request,
        title=f"待批准的更换承办人申请（第十二条，{who}批准）",
        rows=rows,
        columns=CHANGE_COLUMNS,
        filterset=HandlerChangeFilter,
        filename="待批准的更换承办人申请",
    )


def _current_holding(case: Case) -> dict[str, str]:
    assignment = case.assignments.filter(current=True).select_related("institution").first()
    names = [
        h.practitioner.name
        for h in case.handlers.filter(active=True).select_related("practitioner")
    ]
    return {
        "institution": assignment.institution.name if assignment else "",
        "handlers": "、".join(names),
    }


@login_required
@require_http_methods(["GET", "POST"])
def handler_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = (
        HandlerChange.objects.filter(pk=pk, case__in=visible_cases(request.user))
        .select_related("requested_by__profile", "decided_by__profile")
        .first()
    )
    if change is None:
        raise Http404("没有这个更换承办人申请，或您无权查看。")
    case = case_for(request, change.case.number, "decide_handler_change")
    change.case = case
    route = _change_route(request)
    bureau = change.route == Route.bureau
    pending = change.status == HandlerChangeStatus.requested
    if pending and change.route != route:
        raise PermissionDenied(
            "超过更换次数的，须由区司法局批准（第十二条）。"
            if bureau
            else "未超过更换次数的，由中心负责人批准（第十二条）。"
        )
    form = f.HandlerChangeDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decided = run_action(
            form,
            lambda: do_decide_handler_change(
                change, request.user, form.approve, form.cleaned_data["reason"]
            ),
        )
        if decided is not None:
            if decided.status == HandlerChangeStatus.approved:
                how = (
                    "由原承办机构重新安排承办人"
                    if decided.mode == "same_institution"
                    else "已重新指派其他承办机构，并发出新的指派通知书"
                )
                return _to_case(request, case, f"已批准第 {decided.number} 次更换承办人：{how}。")
            if decided.status == HandlerChangeStatus.unassignable:
                return _to_case(
                    request,
                    case,
                    "已批准更换，但目前没有其他机构可以承办本案，原承办人继续办理；请指派人员处理。",
                )
            return _to_case(request, case, "已决定不予更换承办人，原承办人继续办理。")
    pv = engine_mod.policy_for(case.center).values_on(local_date(change.requested_at))
    max_changes = pv.handler_change_max_changes
    context = {
        "title": f"决定更换承办人 · {case.number}",
        "case": case,
        "change": change,
        "requester": _full_name(change.requested_by),
        "requested_at": local(change.requested_at),
        "max_changes": max_changes,
        "over_cap": bureau,
        "pending": pending,
        "holding": _current_holding(case),
        "decided_by": _full_name(change.decided_by),
        "decided_at": local(change.decided_at),
        "forms": [
            {
                "title": f"更换承办人审批表（{kind.upper()}）",
                "url": f"/api/cases/{case.number}/handler-changes/{change.pk}/form.{kind}",
            }
            for kind in ("pdf", "docx")
        ],
        "form": form if pending or request.method == "POST" else None,
    }
    return page(request, "web/director/handler_change_decide.html", context)


urlpatterns: list[URLPattern] = [
    path("decisions/", decisions, name="decisions"),
    path("cases/<str:number>/decide/", case_decide, name="case_decide"),
    path("cases/<str:number>/discussion/", case_discussion, name="case_discussion"),
    path("cases/<str:number>/bureau-report/", case_bureau_report, name="case_bureau_report"),
    path(
        "cases/<str:number>/bureau-report.pdf",
        case_bureau_report_pdf,
        name="case_bureau_report_pdf",
    ),
    path(
        "cases/<str:number>/bureau-report.docx",
        case_bureau_report_docx,
        name="case_bureau_report_docx",
    ),
    path("cases/<str:number>/bureau-decision/", case_bureau_decide, name="case_bureau_decide"),
    path("recusals/", recusals, name="recusals"),
    path("recusals/<int:pk>/", recusal_decide, name="recusal_decide"),
    path("cases/<str:number>/recusal/", case_recusal_apply, name="case_recusal_apply"),
    path("handler-changes/", handler_changes, name="handler_changes"),
    path("handler-changes/<int:pk>/", handler_change_decide, name="handler_change_decide"),
]
