"""The supervision pages (第九、十三条；法律援助法第五十五、五十六、五十九条): file reviews for the
bureau and the reviewers, return visits, organ opinions and court attendance on a case, the
complaints (a public page without login, the counter, the bureau's answer), and each
practitioner's review results."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from fayuan.abuse import limits
from fayuan.accounts.access import can, profile_of, visible_cases
from fayuan.cases.models import Case, CaseStatus
from fayuan.roster.models import Practitioner
from fayuan.supervision import actions
from fayuan.supervision.forms import (
    AnswerForm,
    AttendanceForm,
    CounterComplaintForm,
    DrawForm,
    OpinionForm,
    PublicComplaintForm,
    ReviewerForm,
    ScoreForm,
    UnreachableForm,
    VisitForm,
)
from fayuan.supervision.models import (
    Complaint,
    ComplaintStatus,
    CourtAttendance,
    FileReview,
    OrganOpinion,
    ReturnVisit,
    ReviewRound,
    ReviewStatus,
    VisitStatus,
)
from fayuan.supervision.sampling import in_visit_sample
from fayuan.web.lists import Column, list_page
from fayuan.web.ui import case_for, done, local, page, run_action
from fayuan.workstations.roster_page import public_center

#: Public complaints per client address (count, seconds): a complaint is one POST or two.
COMPLAINTS_PER_IP = (10, 3600)


def _require(request: HttpRequest, action: str) -> None:
    if not can(request.user, action):
        raise PermissionDenied("您的角色不能进行此项操作。")


def _center_id(request: HttpRequest) -> int:
    profile = profile_of(request.user)
    assert profile is not None
    return int(profile.center_id)


# ---------------------------------------------------------------------------------------------
# 案卷评查 (第十三条)


@login_required
@require_http_methods(["GET", "POST"])
def reviews(request: HttpRequest) -> HttpResponse:
    """The review rounds; the bureau draws a new one here."""
    _require(request, "view_supervision")
    form = DrawForm(request.POST or None) if can(request.user, "draw_file_review") else None
    if request.method == "POST":
        _require(request, "draw_file_review")
        assert form is not None
        profile = profile_of(request.user)
        assert profile is not None
        if form.is_valid():
            d = form.cleaned_data
            drawn = run_action(
                form,
                lambda: actions.do_draw_file_review(
                    profile.center, request.user, d["period_start"], d["period_end"], d["seed"]
                ),
            )
            if drawn is not None:
                done(request, f"已抽取 {len(drawn.case_ids)} 件案卷（种子 {drawn.seed}）。")
                return redirect("sv_round", pk=drawn.pk)
    rounds = ReviewRound.objects.filter(center_id=_center_id(request))
    mine = FileReview.objects.filter(
        reviewer_id=request.user.pk, status=ReviewStatus.assigned
    ).select_related("case")
    return page(
        request,
        "sv/reviews.html",
        {"title": "案卷评查", "form": form, "rounds": rounds[:50], "mine": mine},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_round(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's drawn files, each with its reviewer(s) and result; the bureau names reviewers."""
    _require(request, "view_supervision")
    drawn = get_object_or_404(ReviewRound, pk=pk, center_id=_center_id(request))
    may_assign = can(request.user, "assign_reviewer")
    form = None
    if request.method == "POST":
        _require(request, "assign_reviewer")
        case = get_object_or_404(visible_cases(request.user), pk=request.POST.get("case"))
        form = ReviewerForm(request.POST, center_id=drawn.center_id)
        if form.is_valid():
            person = form.cleaned_data["reviewer"]
            first = FileReview.objects.filter(round=drawn, case=case).order_by("id").first()
            if first is not None and first.grade == "不合格" and not first.second_reviews.exists():
                step = lambda: actions.do_assign_second_review(first, request.user, person)  # noqa: E731
            else:
                step = lambda: actions.do_assign_reviewer(drawn, case, request.user, person)  # noqa: E731
            if run_action(form, step) is not None:
                done(request, f"已为案件 {case.number} 指定评查人。")
                return redirect("sv_round", pk=drawn.pk)
    cases = Case.objects.filter(pk__in=drawn.case_ids).select_related("institution")
    by_case: dict[int, list[FileReview]] = {}
    for r in FileReview.objects.filter(round=drawn).select_related("reviewer__profile"):
        by_case.setdefault(r.case_id, []).append(r)
    rows = []
    for case in cases.order_by("number"):
        reviews_of = by_case.get(case.pk, [])
        needs = not reviews_of or (
            reviews_of[-1].grade == "不合格" and reviews_of[-1].second_of_id is None
        )
        rows.append(
            {
                "case": case,
                "reviews": reviews_of,
                "form": (
                    form
                    if form is not None and str(case.pk) == request.POST.get("case")
                    else ReviewerForm(center_id=drawn.center_id)
                )
                if may_assign and needs
                else None,
            }
        )
    return page(
        request,
        "sv/round.html",
        {
            "title": f"案卷评查：{drawn.period_start} 至 {drawn.period_end}",
            "round": drawn,
            "rows": rows,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_score(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewer's scoring page: the policy's checklist (items, weights), the pass mark and
    the grade bands in force today (第十三条)."""
    review = get_object_or_404(
        FileReview.objects.select_related("case__center", "case__institution"), pk=pk
    )
    case = case_for(request, review.case.number)
    if review.reviewer_id != request.user.pk and not can(request.user, "view_supervision", case):
        raise PermissionDenied("您不是本案卷的评查人。")
    values = actions.values_for(case.center)
    may_score = review.reviewer_id == request.user.pk and review.status == ReviewStatus.assigned
    form = ScoreForm(request.POST or None, values=values) if may_score else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("本案卷不由您评查，或已评查。")
        if form.is_valid():
            scored = run_action(
                form,
                lambda: actions.do_score_file_review(
                    review, request.user, form.points(), form.cleaned_data["comments"]
                ),
            )
            if scored is not None:
                done(request, f"评查完成：{scored.total:g} 分，{scored.grade}。")
                return redirect("sv_review", pk=review.pk)
    return page(
        request,
        "sv/score.html",
        {
            "title": f"评查案卷 {case.number}",
            "case": case,
            "review": review,
            "form": form,
            "values": values,
            "bands": [*values.review_grade_bands, ("合格", values.review_pass_mark)],
        },
    )


@login_required
def practitioners(request: HttpRequest) -> HttpResponse:
    """Each practitioner's file review results (第九条：结合案件承办人办案质量…): the final result
    of every reviewed file they handled."""
    _require(request, "view_supervision")
    center_id = _center_id(request)
    rows: QuerySet[Any] = (
        Practitioner.objects.filter(center_id=center_id, handled__case__file_reviews__isnull=False)
        .annotate(
            files=Count("handled__case", distinct=True),
            failed=Count(
                "handled__case__file_reviews",
                filter=Q(handled__case__file_reviews__grade="不合格"),
                distinct=True,
            ),
        )
        .select_related("institution")
        .order_by("code")
        .distinct()
    )

    def results(p: Practitioner) -> str:
        cases = Case.objects.filter(handlers__practitioner=p, file_reviews__isnull=False).distinct()
        out = []
        for case in cases.order_by("number"):
            final = actions.final_review(case)
            if final is not None:
                out.append(f"{case.number} {final.total:g} 分 {final.grade}")
        return "；".join(out) or "待评查"

    return list_page(
        request,
        title="承办人的案卷评查结果",
        rows=rows,
        columns=[
            Column(
                "承办人",
                lambda p: f"{p.name}（{p.code}）",
                link=lambda p: reverse("sv_quality_practitioner", args=[p.code]),
            ),
            Column("承办机构", lambda p: p.institution.name),
            Column("评查案卷", lambda p: p.files),
            Column("评查结果（以复评为准）", results),
            Column("不合格次数", lambda p: p.failed, alert=lambda p: p.failed > 0),
        ],
        filename="案卷评查结果",
    )


# ---------------------------------------------------------------------------------------------
# The case: its reviews, return visit, organ opinions and court attendance


@login_required
@require_http_methods(["GET", "POST"])
def case_quality(request: HttpRequest, number: str) -> HttpResponse:
    """Everything supervision recorded on one case; the forms for whoever may add to it: the
    return visit (officer, bureau section, supervisor), the organ's opinion (only the organ that
    sent the case), a court attendance note (supervisor)."""
    case = case_for(request, number)
    user = request.user
    forms_: dict[str, Any] = {}
    visit = ReturnVisit.objects.filter(case=case).first()
    visit_open = case.status == CaseStatus.closed and (
        visit is None or visit.status == VisitStatus.open
    )
    if visit_open and can(user, "record_return_visit", case):
        forms_["visit"] = VisitForm(request.POST if request.POST.get("form") == "visit" else None)
        if visit is not None and visit.attempts.exists():
            forms_["unreachable"] = UnreachableForm(
                request.POST if request.POST.get("form") == "unreachable" else None
            )
    if can(user, "record_organ_opinion", case):
        forms_["opinion"] = OpinionForm(
            request.POST if request.POST.get("form") == "opinion" else None
        )
    if can(user, "record_court_attendance", case):
        forms_["attendance"] = AttendanceForm(
            request.POST if request.POST.get("form") == "attendance" else None
        )
    if request.method == "POST":
        which = request.POST.get("form", "")
        form = forms_.get(which)
        if form is None:
            raise PermissionDenied("您的角色不能对本案进行此项操作。")
        if form.is_valid():
            d = form.cleaned_data
            steps = {
                "visit": lambda: actions.do_record_visit_attempt(
                    case,
                    user,
                    d["method"],
                    d["outcome"],
                    d["note"],
                    d["satisfaction"],
                    d["comments"],
                ),
                "unreachable": lambda: actions.do_mark_unreachable(case, user, d["note"]),
                "opinion": lambda: actions.do_record_organ_opinion(
                    case, user, d["rating"], d["opinion"]
                ),
                "attendance": lambda: actions.do_record_court_attendance(
                    case, user, d["attended_on"], d["court"], d["notes"]
                ),
            }
            if run_action(form, steps[which]) is not None:
                done(request, "已记录。")
                return redirect("sv_case", number=case.number)
    return page(
        request,
        "sv/case.html",
        {
            "title": f"监督与质量：案件 {case.number}",
            "case": case,
            "reviews": FileReview.objects.filter(case=case).select_related("reviewer__profile"),
            "final": actions.final_review(case),
            "visit": visit,
            "attempts": visit.attempts.all() if visit else [],
            "opinions": OrganOpinion.objects.filter(case=case),
            "attendances": CourtAttendance.objects.filter(case=case),
            "complaints": Complaint.objects.filter(case=case)
            if can(user, "view_supervision", case)
            else [],
            "forms": forms_,
            "local": local,
        },
    )


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    """回访: the closed cases to visit (all, or the policy's sample), with where each stands."""
    _require(request, "record_return_visit")
    profile = profile_of(request.user)
    assert profile is not None
    share = actions.values_for(profile.center).return_visit_share
    closed = visible_cases(request.user).filter(status=CaseStatus.closed)
    ids = [pk for pk in closed.values_list("pk", flat=True) if in_visit_sample(pk, share)]
    rows = (
        closed.filter(pk__in=ids)
        .select_related("institution", "return_visit")
        .order_by("-closed_at")
    )

    def standing(case: Case) -> str:
        visit = getattr(case, "return_visit", None)
        if visit is None:
            return "待回访"
        if visit.status == VisitStatus.reached:
            return f"已回访：{visit.satisfaction} 分"
        return f"{visit.get_status_display()}（{visit.attempts.count()} 次尝试）"

    return list_page(
        request,
        title="回访受援人",
        rows=rows,
        columns=[
            Column(
                "案件编号", lambda c: c.number, link=lambda c: reverse("sv_case", args=[c.number])
            ),
            Column("类别", lambda c: c.get_category_display()),
            Column("承办机构", lambda c: c.institution.name if c.institution else ""),
            Column("结案时间", lambda c: local(c.closed_at)),
            Column("回访", standing, alert=lambda c: getattr(c, "return_visit", None) is None),
        ],
        filename="回访",
    )


# ---------------------------------------------------------------------------------------------
# 投诉 (法律援助法第五十五、五十六条)


@require_http_methods(["GET", "POST"])
def public_complaint(request: HttpRequest) -> HttpResponse:
    """The aided person's complaint, without login (法律援助法第五十五条): CSRF (the middleware),
    a limit per address (`fayuan.abuse.limits.per_ip`) and the human check; nothing is written
    unless all pass."""
    if request.method == "POST":
        limits.per_ip(request, "complaint.public", *COMPLAINTS_PER_IP)
    form = PublicComplaintForm(request.POST or None)
    center = public_center()
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        row = run_action(
            form,
            lambda: actions.do_public_complaint(
                center, d["name"], d["phone"], d["case_number"], d["what"]
            ),
        )
        if row is not None:
            return render(
                request,
                "sv/complaint_thanks.html",
                {"title": "投诉已收到", "complaint": row, "center_name": center.name},
            )
    return render(
        request,
        "sv/complaint_public.html",
        {"title": "投诉", "form": form, "center_name": center.name},
    )


@login_required
def complaints(request: HttpRequest) -> HttpResponse:
    """The complaints of the center, for the bureau (routed to it) and the center's staff."""
    _require(request, "view_supervision")
    rows = actions.visible_complaints(request.user)
    assert isinstance(rows, QuerySet)
    rows = rows.select_related("case").order_by("status", "due_at")
    return list_page(
        request,
        title="投诉",
        rows=rows,
        columns=[
            Column("编号", lambda c: c.pk, link=lambda c: reverse("sv_complaint", args=[c.pk])),
            Column("收到时间", lambda c: local(c.received_at)),
            Column("方式", lambda c: c.get_channel_display()),
            Column("案件", lambda c: c.case_number or "—"),
            Column("状态", lambda c: c.get_status_display()),
            Column(
                "答复期限",
                lambda c: local(c.due_at, with_time=False),
                alert=lambda c: c.status == ComplaintStatus.open and c.due_at < _now(),
            ),
        ],
        template="sv/complaints.html",
        extra={"may_record": can(request.user, "record_complaint")},
        filename="投诉",
    )


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """A complaint at the counter, entered by an officer."""
    _require(request, "record_complaint")
    profile = profile_of(request.user)
    assert profile is not None
    form = CounterComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        row = run_action(
            form,
            lambda: actions.do_counter_complaint(
                profile.center, request.user, d["name"], d["phone"], d["case_number"], d["what"]
            ),
        )
        if row is not None:
            done(request, f"投诉已登记，已转区司法局，答复期限 {local(row.due_at, False)}。")
            return redirect("sv_complaint", pk=row.pk)
    return page(request, "sv/form.html", {"title": "登记投诉", "form": form, "button": "登记"})


@login_required
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest, pk: int) -> HttpResponse:
    """One complaint; the bureau answers it here, and may open a handler change (第十二条)."""
    _require(request, "view_supervision")
    row = get_object_or_404(
        Complaint.objects.select_related("case"), pk=pk, center_id=_center_id(request)
    )
    may_answer = row.status == ComplaintStatus.open and can(request.user, "answer_complaint")
    form = AnswerForm(request.POST or None) if may_answer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("您的角色不能答复投诉，或本投诉已答复。")
        if form.is_valid():
            d = form.cleaned_data
            answered = run_action(
                form,
                lambda: actions.do_answer_complaint(
                    row, request.user, d["answer"], d["change_handler"], d["consent"], d["mode"]
                ),
            )
            if answered is not None:
                done(request, "已答复投诉。")
                return redirect("sv_complaint", pk=row.pk)
    return page(
        request,
        "sv/complaint.html",
        {"title": f"投诉 {row.pk}", "complaint": row, "form": form, "local": local},
    )
