"""The assignment officer's pages (指派人员): intake at the counter (第七条) and of a judicial
organ's letter (第六条), the review of an application (法律援助法第四十三条: grant, refuse with
reasons and the 《不予法律援助决定书》, or ask for missing material), the 指派意见 with the rules'
reasoning (第五条), and the issue of the 《指派通知书》 (第六条).

Every write goes through a `do_*` action (`fayuan.web.ui.run_action`): a refused one writes
nothing and the form comes back with everything typed and the error beside its field. Every
page works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from fayuan.accounts.access import can, profile_of
from fayuan.cases import uploads
from fayuan.cases.actions import do_grant_aid, do_intake_application, do_intake_notification
from fayuan.cases.models import Case, CaseStatus, PartyRole
from fayuan.cases.review import (
    UNDER_REVIEW,
    do_material_received,
    do_refuse_aid,
    do_request_material,
)
from fayuan.documents.refusal import (
    RefusalData,
    bureau_of,
    render_refusal_docx,
    render_refusal_pdf,
)
from fayuan.errors import ActionError
from fayuan.policy.approval import ROUTE_ZH
from fayuan.policy.approval import Route as PolicyRoute
from fayuan.policy.deadlines import local_date
from fayuan.policy.decision import RULE_ZH, Rule
from fayuan.policy.eligibility import INSTITUTION_REASONS_ZH
from fayuan.policy.handlers import handlers_minimum
from fayuan.policy.selection import case_setting
from fayuan.roster.models import Center, Institution
from fayuan.web.officer_forms import (
    PARTY_ROWS,
    ApplicationForm,
    MaterialForm,
    NotificationForm,
    PartyFormSet,
    ProposeForm,
    RefuseForm,
)
from fayuan.web.organ import send_letter
from fayuan.web.ui import case_for, countdown, done, local, page, run_action
from fayuan.workflow import engine
from fayuan.workflow.actions import (
    do_issue_assignment,
    do_propose,
    do_run_engine,
    record_personal_data_view,
)
from fayuan.workflow.models import EngineProposal, OfficerProposal, ProposalStatus

PARTIES = "parties"


class Problems(forms.Form):
    """No fields: where a refusal of a button-only action (grant, material received, run the
    rules, issue) is shown, on top of the page."""


def _problems() -> Problems:
    """An empty, bound, validated `Problems`: ready for `run_action` to add a refusal to."""
    form = Problems({})
    form.is_valid()
    return form


def _case_url(case: Case) -> str:
    return f"/cases/{case.number}/"


def _center(request: HttpRequest, action: str) -> Center:
    """The user's center, when the role may take `action` (403 otherwise)."""
    profile = profile_of(request.user)
    if profile is None or not can(request.user, action):
        raise PermissionDenied("您的角色不能进行此项操作。")
    return profile.center


# --- intake -----------------------------------------------------------------------------------


def _blank_parties(first_role: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"role": first_role, "is_applicant": True}]
    rows += [{"role": PartyRole.aided}] * (PARTY_ROWS - 2)
    rows.append({"role": PartyRole.opposing})
    return rows


def _posted_rows(request: HttpRequest) -> list[dict[str, Any]]:
    """The party rows as typed (for one more blank row without losing anything)."""
    try:
        total = min(int(request.POST.get(f"{PARTIES}-TOTAL_FORMS", "0")), 199)
    except ValueError:
        total = 0
    fields = ("role", "name", "id_number", "phone", "address")
    rows: list[dict[str, Any]] = []
    for i in range(max(total, 0)):
        row: dict[str, Any] = {k: request.POST.get(f"{PARTIES}-{i}-{k}", "") for k in fields}
        row["is_applicant"] = bool(request.POST.get(f"{PARTIES}-{i}-is_applicant"))
        rows.append(row)
    return rows


def _run_intake(form: Any, formset: Any, step: Callable[[list[Any]], Case | None]) -> Case | None:
    """Run an intake for a valid form and formset; a refusal naming a party's field
    (`parties.N.id_number`) goes beside that field of that row."""
    parties, rows = formset.parties()

    def attempt() -> Case | None:
        try:
            return step(parties)
        except ActionError as exc:
            bits = (exc.field or "").split(".")
            if bits[0] == PARTIES and len(bits) == 3 and bits[1].isdigit():
                n = int(bits[1])
                target = formset.forms[rows[n]] if n < len(rows) else None
                if target is not None and bits[2] in target.fields:
                    target.add_error(bits[2], exc.message)
                    return None
            if bits[0] == PARTIES:
                form.add_error(None, exc.message)
                return None
            raise

    return run_action(form, attempt)


def _intake_page(
    request: HttpRequest,
    *,
    action: str,
    form_class: type[ApplicationForm] | type[NotificationForm],
    template: str,
    title: str,
    first_role: str,
    submit: Callable[[Center, Any, list[Any]], Case | None],
) -> HttpResponse:
    center = _center(request, action)
    if request.method == "POST" and "add_party" in request.POST:
        rows = [*_posted_rows(request), {"role": PartyRole.opposing}]
        form = form_class(center=center, initial=request.POST.dict())
        formset = PartyFormSet(prefix=PARTIES, initial=rows)
    elif request.method == "POST":
        form = form_class(request.POST, request.FILES, center=center)
        formset = PartyFormSet(request.POST, prefix=PARTIES)
        if form.is_valid() and formset.is_valid():
            case = _run_intake(form, formset, lambda parties: submit(center, form, parties))
            if case is not None:
                return redirect(_case_url(case))
    else:
        form = form_class(center=center)
        formset = PartyFormSet(prefix=PARTIES, initial=_blank_parties(first_role))
    return page(request, template, {"title": title, "form": form, "formset": formset})


@login_required
@require_http_methods(["GET", "POST"])
def intake_application(request: HttpRequest) -> HttpResponse:
    """第七条：a citizen's application at the counter, at a workstation or via a liaison
    institution; the review period (法律援助法第四十三条) starts with it."""

    def submit(center: Center, form: Any, parties: list[Any]) -> Case:
        case = do_intake_application(center, request.user, form.case_input(parties))
        done(
            request,
            f"已受理申请，案件编号 {case.number}。请于 {local(case.review_due_at)} 前"
            "作出是否给予法律援助的决定（法律援助法第四十三条）。",
        )
        return case

    return _intake_page(
        request,
        action="intake_application",
        form_class=ApplicationForm,
        template="web/officer/intake_application.html",
        title="受理法律援助申请",
        first_role=PartyRole.aided,
        submit=submit,
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_notification(request: HttpRequest) -> HttpResponse:
    """第六条：a notification letter (通知辩护/通知代理) typed in at the center; the assignment
    deadline runs from its receipt, and there is no review."""

    def submit(center: Center, form: Any, parties: list[Any]) -> Case:
        data = form.case_input(parties)
        upload = form.cleaned_data.get("letter_file")
        if upload:
            # The scan is checked first (nothing written), then stored with the letter's case
            # in one transaction (fayuan.cases.uploads: never half-written).
            letter = uploads.check(upload, upload.name, "letter_file")
            case, created = send_letter(center, request.user, data, letter)
        else:
            case, created = do_intake_notification(center, request.user, data)
        if created:
            done(request, f"已登记公函，案件编号 {case.number}，指派期限 {local(case.due_at)}。")
        else:
            done(request, f"该公函已登记为案件 {case.number}，未重复登记。")
        return case

    return _intake_page(
        request,
        action="intake_notification",
        form_class=NotificationForm,
        template="web/officer/intake_notification.html",
        title="登记通知辩护（代理）公函",
        first_role=PartyRole.aided,
        submit=submit,
    )


# --- the review -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_review(request: HttpRequest, number: str) -> HttpResponse:
    """法律援助法第四十三条：七日内审查，作出是否给予法律援助的决定；材料不齐全的，一次性告知
    申请人需要补充的材料（程序规定第十五条：补充材料的时间不计入审查期限）."""
    case = case_for(request, number, "grant_aid")
    if case.source != "application":
        raise Http404("本案由司法机关通知，无需审查。")
    refuse = RefuseForm(prefix="refuse")
    material = MaterialForm(prefix="material")
    errors = _problems()
    op = request.POST.get("op", "") if request.method == "POST" else ""
    result: Case | None = None
    if op == "grant":
        result = run_action(errors, lambda: do_grant_aid(case, request.user))
        if result is not None:
            done(request, f"已决定给予法律援助。请于 {local(result.due_at)} 前指派（第六条）。")
    elif op == "refuse":
        refuse = RefuseForm(request.POST, prefix="refuse")
        if refuse.is_valid():
            reason = refuse.cleaned_data["reason"]
            result = run_action(refuse, lambda: do_refuse_aid(case, request.user, reason))
            if result is not None:
                done(request, f"已决定不予法律援助，决定书文号 {result.refusal_number}。")
    elif op == "material":
        material = MaterialForm(request.POST, prefix="material")
        if material.is_valid():
            what = material.cleaned_data["what"]
            result = run_action(material, lambda: do_request_material(case, request.user, what))
            if result is not None:
                done(request, "已记录需补充的材料，请告知申请人；补充期间不计入审查期限。")
    elif op == "received":
        result = run_action(errors, lambda: do_material_received(case, request.user))
        if result is not None:
            done(request, f"已登记补齐材料，审查期限顺延至 {local(result.review_due_at)}。")
    if result is not None:
        if result.status == CaseStatus.intake:
            return redirect(f"/cases/{case.number}/review/")
        return redirect(_case_url(case))
    left, overdue = countdown(case.review_due_at)
    if case.status == CaseStatus.awaiting_material:
        # The clock stands still while the applicant supplies the material (程序规定).
        left, overdue = "暂停计算，等待补充材料", False
    return page(
        request,
        "web/officer/review.html",
        {
            "title": f"审查申请 {case.number}",
            "case": case,
            "open": case.status in UNDER_REVIEW,
            "waiting": case.status == CaseStatus.awaiting_material,
            "due": local(case.review_due_at),
            "left": left,
            "overdue": overdue,
            "requested_at": local(case.material_requested_at),
            "paused": _duration_zh(case.review_paused),
            "errors": errors,
            "refuse": refuse,
            "material": material,
        },
    )


def _duration_zh(span: Any) -> str:
    if not span:
        return ""
    total = int(span.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} 天" if days else "", f"{hours} 小时" if hours else "", f"{minutes} 分钟"]
    return " ".join(p for p in parts if p)


def refusal_data(case: Case) -> RefusalData:
    """The 《不予法律援助决定书》 of a refused case, from what the refusal recorded."""
    if not case.refusal_number or case.refused_at is None:
        raise Http404("本案没有不予法律援助决定书。")
    parties = list(case.parties.all())
    applicant = next((p for p in parties if p.is_applicant), None) or next(
        (p for p in parties if p.role == PartyRole.aided), None
    )
    center = case.center
    return RefusalData(
        center_name=center.name,
        number=case.refusal_number,
        decided_at=case.refused_at,
        case_number=case.number,
        applicant_name=applicant.name if applicant else "申请人",
        applied_at=case.created_at,
        reason=case.refusal_reason,
        bureau_name=_bureau(case),
        category_zh=case.get_category_display(),
        center_address=center.address or None,
        center_phone=center.phone or None,
    )


MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _refusal_file(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    """法律援助法第四十三条：书面告知申请人. The letter names the applicant: a view of personal
    data, recorded in the audit log."""
    case = case_for(request, number, "view_personal_data")
    data = refusal_data(case)
    content = render_refusal_pdf(data) if kind == "pdf" else render_refusal_docx(data)
    record_personal_data_view(
        request.user, case, f"不予法律援助决定书 {data.number}（{kind.upper()}）"
    )
    response = HttpResponse(content, content_type=MEDIA[kind])
    filename = f"{case.number}-不予法律援助决定书.{kind}"
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    return response


@login_required
@require_GET
def case_refusal_pdf(request: HttpRequest, number: str) -> HttpResponse:
    return _refusal_file(request, number, "pdf")


@login_required
@require_GET
def case_refusal_docx(request: HttpRequest, number: str) -> HttpResponse:
    return _refusal_file(request, number, "docx")


# --- the proposal -----------------------------------------------------------------------------


def _bureau(case: Case) -> str:
    """The bureau that set up the center (法律援助法第四十九条): the issuer of the district's
    policy (北碚司发 → 重庆市北碚区司法局), else read from the center's name."""
    issuer = engine.policy_for(case.center).issued_by
    return issuer if issuer.split("（")[0].endswith("司法局") else bureau_of(case.center.name)


def current_engine_proposal(case: Case) -> EngineProposal | None:
    """The rules' answer a new 指派意见 would be built on (as `do_propose` decides): None when
    the rules must be asked (first, after a new grant, or after a proposal built on the last
    answer went back to the officer)."""
    latest = (
        EngineProposal.objects.filter(case=case)
        .select_related("institution")
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None:
        return None
    if case.status == CaseStatus.granted and latest.created_at < (
        case.granted_at or latest.created_at
    ):
        return None
    if OfficerProposal.objects.filter(
        engine_proposal=latest, status=ProposalStatus.rejected
    ).exists():
        return None
    return latest


REASON_SHORT_ZH = {
    "inactive": "名册中为停用状态",
    "suspended": "已暂停接受指派",
    "kind": INSTITUTION_REASONS_ZH["kind"],
    "conflict": "有利益冲突",
    "practitioners": "符合条件且无利益冲突的承办人不足",
    "qualified": "没有符合第十一条要求（执业年限、刑事辩护经验）且无利益冲突的律师",
    "minors_qualified": INSTITUTION_REASONS_ZH["minors_qualified"],
    "qualified_minors": "没有符合第十一条要求且熟悉未成年人身心特点、无利益冲突的律师",
    "recommended": "承办人不足建议人数，排在能安排建议人数的机构之后（第十条）",
    "excluded": INSTITUTION_REASONS_ZH["excluded"],
    "chosen_practitioner": "申请人选择的承办人不能承办",
}


def _rule_zh(rule: object) -> str:
    try:
        return RULE_ZH[Rule(str(rule))]
    except ValueError:
        return str(rule or "")


def _reason_zh(code: str) -> str:
    return REASON_SHORT_ZH.get(code, code)


def _candidates(case: Case, proposal: EngineProposal) -> list[dict[str, Any]]:
    """Every institution of the center with what the rules said of it (SPEC §12 decision:
    the winner, `declined`, `skipped`, `reasons`), its rotation standing before and after
    (第十一条, criminal cases), and whether it can take the case now (§2, §3, §6)."""
    decision: dict[str, Any] = proposal.decision if isinstance(proposal.decision, dict) else {}
    winner = decision.get("institution")
    rule = decision.get("rule")
    declined = {d.get("institution"): d for d in decision.get("declined", [])}
    skipped = {s.get("institution"): s.get("reason", "") for s in decision.get("skipped", [])}
    reasons: dict[str, str] = decision.get("reasons", {}) or {}
    before: dict[str, Any] = proposal.rotation_before or {}
    after: dict[str, Any] = proposal.rotation_after or {}
    checks = _live_checks(case)
    rows = []
    institutions = (
        Institution.objects.filter(center=case.center)
        .select_related("locality")
        .order_by("sequence", "code")
    )
    for inst in institutions:
        code = inst.code
        if code == winner:
            verdict = f"建议指派：{_rule_zh(rule)}"
        elif code in declined:
            d = declined[code]
            how = "申请人选择（点援）" if d.get("rule") == "choice" else "提供法律帮助的机构"
            verdict = f"{how}，未采用：{_reason_zh(str(d.get('reason', '')))}"
        elif code in skipped:
            verdict = f"轮到但跳过，保留积分：{_reason_zh(skipped[code])}（第十一条）"
        elif code in reasons:
            verdict = f"不符合条件：{_reason_zh(reasons[code])}"
        elif rule == "rotation" and code in before:
            verdict = "符合条件，轮次积分低于（或同分时序号晚于）建议机构"
        elif rule == "ranking":
            verdict = "未被选中：综合评分（专业、质量、属地、近期案件量）低于建议机构"
        elif rule in ("choice", "helping"):
            verdict = "未参与比较：前一顺位规则已确定机构"
        elif code in before:
            verdict = "参与轮次"
        else:
            verdict = "不在本案的候选范围内"
        check = checks.get(code)
        rows.append(
            {
                "code": code,
                "name": inst.name,
                "locality": inst.locality.name if inst.locality_id else "",
                "winner": code == winner,
                "verdict": verdict,
                "credit_before": before.get(code, ""),
                "credit_after": after.get(code, ""),
                "eligible_now": bool(check and check.eligible),
                "now": ("符合条件" if check.eligible else check.detail) if check else "",
            }
        )
    return rows


def _live_checks(case: Case) -> dict[str, Any]:
    """Each institution's eligibility for the case now (what `do_propose` checks, §2, §3)."""
    on = timezone.now()
    policy = engine.policy_for(case.center)
    state = engine.assignment_state(case.center, case, on)
    pcase = engine.policy_case(case)
    pv = policy.values_on(local_date(on))
    setting = case_setting(pcase, local_date(on), handlers_minimum(pcase, pv), pv, state)
    return {code: setting.check(code) for code in state.roster.institutions}


@login_required
@require_http_methods(["GET", "POST"])
def case_propose(request: HttpRequest, number: str) -> HttpResponse:
    """第五条：由负责案件指派工作的人员提出指派意见后，报法律援助中心负责人决定（重大案件：
    集体讨论后书面报请区司法局决定）. The rules' answer and reasoning first; departing from it
    needs a reason (SPEC §7), and the institution must still be eligible (§2, §3)."""
    case = case_for(request, number, "propose")
    open_ = case.status in (CaseStatus.granted, CaseStatus.unassignable)
    proposal = current_engine_proposal(case) if open_ else None
    op = request.POST.get("op", "") if request.method == "POST" else ""
    run_errors = _problems()
    if op == "run" and open_:
        ran = run_action(run_errors, lambda: do_run_engine(case, request.user))
        if ran is not None:
            return redirect(f"/cases/{case.number}/propose/")
    candidates = _candidates(case, proposal) if proposal is not None else []
    engine_code = proposal.institution.code if proposal and proposal.institution else None
    alternatives = [
        (c["code"], f"{c['name']}（{c['code']}）")
        for c in candidates
        if c["eligible_now"] and c["code"] != engine_code
    ]
    form = ProposeForm(alternatives=alternatives, engine_found=engine_code is not None)
    if op == "propose" and open_:
        form = ProposeForm(
            request.POST, alternatives=alternatives, engine_found=engine_code is not None
        )
        if form.is_valid():
            d = form.cleaned_data
            code = d["institution"] if d["choice"] == ProposeForm.OTHER else engine_code
            reason = d["override_reason"] if d["choice"] == ProposeForm.OTHER else ""
            made = run_action(
                form,
                lambda: do_propose(
                    case,
                    request.user,
                    institution_code=code,
                    opinion=d["opinion"].strip(),
                    override_reason=reason,
                ),
            )
            if made is not None:
                done(
                    request,
                    f"已提出指派意见：{made.institution.name}；"
                    f"{ROUTE_ZH[PolicyRoute(made.route)]}（第五条）。",
                )
                return redirect(_case_url(case))
    route = PolicyRoute(proposal.route) if proposal else None
    return page(
        request,
        "web/officer/propose.html",
        {
            "title": f"提出指派意见 {case.number}",
            "case": case,
            "open": open_,
            "proposal": proposal,
            "route_zh": ROUTE_ZH[route] if route else "",
            "candidates": candidates,
            "criminal": case.category == "criminal",
            "due": local(proposal.due_at) if proposal else local(case.due_at),
            "run_errors": run_errors,
            "form": form,
        },
    )


# --- issue the notice -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_issue(request: HttpRequest, number: str) -> HttpResponse:
    """第六条：区法律援助中心指派案件应当制作《指派通知书》. Confirm, issue, then the notice."""
    case = case_for(request, number, "issue_assignment")
    proposal = (
        OfficerProposal.objects.filter(case=case)
        .select_related("institution", "engine_proposal")
        .order_by("-created_at", "-id")
        .first()
    )
    assignment = case.assignments.filter(current=True).select_related("institution").first()
    errors = _problems()
    if (
        request.method == "POST"
        and assignment is None
        and proposal is not None
        and proposal.status == ProposalStatus.approved
    ):
        issued = run_action(errors, lambda: do_issue_assignment(proposal, request.user))
        if issued is not None:
            done(request, f"已发出指派通知书 {issued.notice_number}。")
            return redirect(f"/cases/{case.number}/issue/")
        proposal.refresh_from_db()
    return page(
        request,
        "web/officer/issue.html",
        {
            "title": f"发出指派通知书 {case.number}",
            "case": case,
            "proposal": proposal,
            "approved": proposal is not None and proposal.status == ProposalStatus.approved,
            "assignment": assignment,
            "due": local(case.due_at),
            "errors": errors,
        },
    )


urlpatterns: list[URLPattern] = [
    path("intake/application/", intake_application, name="intake_application"),
    path("intake/notification/", intake_notification, name="intake_notification"),
    path("cases/<str:number>/review/", case_review, name="case_review"),
    path("cases/<str:number>/refusal.pdf", case_refusal_pdf, name="case_refusal_pdf"),
    path("cases/<str:number>/refusal.docx", case_refusal_docx, name="case_refusal_docx"),
    path("cases/<str:number>/propose/", case_propose, name="case_propose"),
    path("cases/<str:number>/issue/", case_issue, name="case_issue"),
]
