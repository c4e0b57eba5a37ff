"""The 第九条 quality score pages: every practitioner's and institution's current score with its
computation (/quality/scores/), and one subject's page (the parts, every record behind the
score, the history of assessments, the advice notices and the suspensions), where the director
issues an advice notice (《法律援助案件指派建议书》, PDF and DOCX) and suspends or reinstates new
assignments with a reason, and the institution's admin confirms receipt of an advice.

Who sees: those who may see supervision records (`view_supervision`: officers, the director,
the bureau, supervisors), of their center; an institution's admin sees its own institution and
its practitioners only (another's pages are a 404, as a case one may not see). The pages show
professional data and case numbers only: never an aided person's name or ID number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from fayuan.accounts.access import can, profile_of
from fayuan.accounts.models import Role, StaffProfile
from fayuan.documents.advice import AdviceData, AdvicePart, render_advice_docx, render_advice_pdf
from fayuan.errors import ActionError
from fayuan.policy.params import SupervisionValues
from fayuan.roster.actions import RosterActionError, do_set_institution_status
from fayuan.roster.models import (
    Institution,
    InstitutionStatus,
    Practitioner,
    PractitionerStatus,
)
from fayuan.roster.practitioner_actions import do_set_practitioner_status
from fayuan.supervision import advice as advising
from fayuan.supervision import quality
from fayuan.supervision.actions import values_for
from fayuan.supervision.models import QualityAdvice, QualityAssessment
from fayuan.web.lists import Column, list_page
from fayuan.web.ui import done, local, page, run_action

Subject = Practitioner | Institution


# ---------------------------------------------------------------------------------------------
# Who may see


def _viewer(request: HttpRequest) -> StaffProfile:
    """The staff profile of one who may see quality scores (403 for the others)."""
    profile = profile_of(request.user)
    if profile is None:
        raise PermissionDenied("请先登录。")
    if can(request.user, "view_supervision"):
        return profile
    if profile.role == Role.institution_admin and profile.institution_id:
        return profile
    raise PermissionDenied("您的角色不能查看办案质量评分。")


def _own_only(profile: StaffProfile) -> int | None:
    """The institution an institution admin is limited to (None: the whole center)."""
    return profile.institution_id if profile.role == Role.institution_admin else None


def _may_see(profile: StaffProfile, institution: Institution) -> bool:
    own = _own_only(profile)
    return institution.center_id == profile.center_id and (own is None or own == institution.pk)


def _practitioner(profile: StaffProfile, code: str) -> Practitioner:
    person = get_object_or_404(
        Practitioner.objects.select_related("institution", "center"),
        center_id=profile.center_id,
        code=code,
    )
    if not _may_see(profile, person.institution):
        raise Http404("没有这个承办人，或您无权查看。")
    return person


def _institution(profile: StaffProfile, code: str) -> Institution:
    place = get_object_or_404(
        Institution.objects.select_related("center"), center_id=profile.center_id, code=code
    )
    if not _may_see(profile, place):
        raise Http404("没有这个承办机构，或您无权查看。")
    return place


def _is_director(profile: StaffProfile) -> bool:
    return profile.role == Role.director


# ---------------------------------------------------------------------------------------------
# Shown text


def _score_text(row: QualityAssessment | None, subject: Subject) -> str:
    if row is not None and row.value is not None:
        return f"{row.value:.1f}"
    if isinstance(subject, Practitioner):
        return f"名册录入 {subject.quality:g}"
    return "无记录"


def _flag(row: QualityAssessment | None, values: SupervisionValues) -> str:
    if row is not None and quality.calls_for_advice(row, values):
        return f"低于 {values.quality_advice_threshold:g} 分，应提出指派建议"
    return ""


def _advice_state(
    row: QualityAssessment | None, values: SupervisionValues, issued: set[int]
) -> str:
    flag = _flag(row, values)
    if not flag:
        return ""
    assert row is not None
    return "已就此评分提出指派建议" if row.pk in issued else flag


def practitioner_url(p: Practitioner) -> str:
    return reverse("sv_quality_practitioner", args=[p.code])


def institution_url(i: Institution) -> str:
    return reverse("sv_quality_institution", args=[i.code])


# ---------------------------------------------------------------------------------------------
# The list


TABS = {"practitioners": "承办人", "institutions": "承办机构"}


def _latest_value(field: str) -> Subquery:
    """The value of the subject's latest assessment, for ordering the list."""
    latest = QualityAssessment.objects.filter(**{field: OuterRef("pk")}).order_by("-as_of", "-id")
    return Subquery(latest.values("value")[:1])


@login_required
def scores(request: HttpRequest) -> HttpResponse:
    """Every practitioner's (or, ?of=institutions, institution's) current score of the center,
    with its date, its records and its computation; the ones below the threshold flagged."""
    profile = _viewer(request)
    own = _own_only(profile)
    center = profile.center
    values = values_for(center)
    of = request.GET.get("of", "practitioners")
    if of not in TABS:
        of = "practitioners"
    rows_all = QualityAssessment.objects.filter(center=center)
    issued = set(
        QualityAdvice.objects.filter(center=center).values_list("assessment_id", flat=True)
    )
    threshold = f"{values.quality_advice_threshold:g}"
    columns: list[Column]
    rows: QuerySet[Any]
    if of == "practitioners":
        latest = quality.latest_by(rows_all.filter(practitioner__isnull=False), "practitioner_id")
        rows = Practitioner.objects.filter(center=center).select_related("institution")
        if own is not None:
            rows = rows.filter(institution_id=own)
        # The lowest computed score first (the ones to advise on), then the roster's order.
        rows = rows.annotate(score=_latest_value("practitioner")).order_by(
            F("score").asc(nulls_last=True), "institution__sequence", "code"
        )

        def row_of(p: Any) -> QualityAssessment | None:
            return latest.get(p.pk)

        columns = [
            Column("承办人", lambda p: f"{p.name}（{p.code}）", link=practitioner_url),
            Column("承办机构", lambda p: p.institution.name),
            Column("状态", lambda p: p.get_status_display()),
        ]
    else:
        latest = quality.latest_by(rows_all.filter(institution__isnull=False), "institution_id")
        rows = Institution.objects.filter(center=center)
        if own is not None:
            rows = rows.filter(pk=own)
        rows = rows.annotate(score=_latest_value("institution")).order_by(
            F("score").asc(nulls_last=True), "sequence"
        )

        def row_of(p: Any) -> QualityAssessment | None:
            return latest.get(p.pk)

        columns = [
            Column("承办机构", lambda i: f"{i.name}（{i.code}）", link=institution_url),
            Column("状态", lambda i: i.get_status_display()),
        ]
    columns += [
        Column(
            "质量评分",
            lambda s: _score_text(row_of(s), s),
            alert=lambda s: bool(_flag(row_of(s), values)),
        ),
        Column(
            "评分日期",
            lambda s: r.as_of.isoformat() if (r := row_of(s)) and r.value is not None else "",
        ),
        Column("记录数", lambda s: r.records if (r := row_of(s)) else 0),
        Column("计算", lambda s: r.formula if (r := row_of(s)) else "尚未计算，沿用名册录入"),
        Column(
            f"指派建议（低于 {threshold} 分）",
            lambda s: _advice_state(row_of(s), values, issued),
            alert=lambda s: (
                _advice_state(row_of(s), values, issued) == _flag(row_of(s), values)
                and bool(_flag(row_of(s), values))
            ),
        ),
    ]
    return list_page(
        request,
        title="办案质量评分（第九条）",
        rows=rows,
        columns=columns,
        template="sv/quality_list.html",
        extra={
            "tabs": [
                {"key": k, "label": v, "current": k == of, "url": f"?of={k}"}
                for k, v in TABS.items()
            ],
            "values": values,
            "weights": values.quality_source_weights,
        },
        filename=f"办案质量评分-{TABS[of]}",
    )


# ---------------------------------------------------------------------------------------------
# One practitioner's or institution's page


class AdviceForm(forms.Form):
    text = forms.CharField(
        label="建议内容",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=advising.TEXT_LIMIT,
        error_messages={"required": "请填写建议内容。"},
        help_text="已按当前评分预填，可修改；将写入《法律援助案件指派建议书》。",
    )


class StatusForm(forms.Form):
    reason = forms.CharField(
        label="原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写暂停或恢复指派的原因。"},
        help_text="必填，记入状态变更记录和审计日志。",
    )


class AcknowledgeForm(forms.Form):
    advice = forms.IntegerField(widget=forms.HiddenInput)
    reply = forms.CharField(
        label="回复（可选）",
        required=False,
        max_length=advising.REPLY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@dataclass
class Shown:
    """A record as the page shows it."""

    on: str
    source: str
    case: str
    raw: str
    points: str


def _records(subject: Subject, row: QualityAssessment | None) -> list[Shown]:
    if row is None or row.value is None:
        return []
    return [
        Shown(r.on.isoformat(), r.source, r.case, r.raw, f"{r.points:g}")
        for r in quality.records_of(subject, row.as_of)
    ]


def _status_history(subject: Subject) -> list[Any]:
    return list(subject.status_changes.select_related("by__profile").order_by("-at", "-id"))


def _advice_of(subject: Subject) -> QuerySet[QualityAdvice]:
    rows = QualityAdvice.objects.select_related(
        "practitioner",
        "institution",
        "assessment",
        "issued_by__profile",
        "acknowledged_by__profile",
    )
    if isinstance(subject, Practitioner):
        return rows.filter(practitioner=subject)
    return rows.filter(institution=subject)


def _suspended(subject: Subject) -> bool:
    return subject.status == "suspended"


def _status_choice(subject: Subject) -> tuple[str, str] | None:
    """(new status, button) the director may set, or None (a retired subject)."""
    if isinstance(subject, Practitioner):
        if subject.status == PractitionerStatus.active:
            return PractitionerStatus.suspended.value, "暂停指派"
        if subject.status == PractitionerStatus.suspended:
            return PractitionerStatus.active.value, "恢复指派"
        return None
    if subject.status == InstitutionStatus.active:
        return InstitutionStatus.suspended.value, "暂停指派"
    if subject.status == InstitutionStatus.suspended:
        return InstitutionStatus.active.value, "恢复指派"
    return None


def _subject_page(request: HttpRequest, profile: StaffProfile, subject: Subject) -> HttpResponse:
    values = values_for(subject.center)
    row = quality.current(subject)
    url = (
        practitioner_url(subject) if isinstance(subject, Practitioner) else institution_url(subject)
    )
    which = request.POST.get("form", "") if request.method == "POST" else ""
    bound = request.POST if request.method == "POST" else None
    director = _is_director(profile)

    advice_form: AdviceForm | None = None
    refusal = advising.advice_refusal(row, values)
    already = row is not None and QualityAdvice.objects.filter(assessment=row).exists()
    if director and not refusal and not already:
        assert row is not None
        advice_form = AdviceForm(
            bound if which == "advice" else None,
            initial={"text": advising.default_text(subject, row, values)},
            prefix="advice",
        )
    status_form: StatusForm | None = None
    choice = _status_choice(subject)
    may_status = can(request.user, "set_institution_status") and choice is not None
    if may_status:
        status_form = StatusForm(bound if which == "status" else None, prefix="status")
    ack_forms: dict[int, AcknowledgeForm] = {}
    advice_rows = list(_advice_of(subject))
    mine = profile.role == Role.institution_admin
    for a in advice_rows:
        if mine and a.acknowledged_at is None and a.institution_id == profile.institution_id:
            posted = which == "ack" and request.POST.get("ack-advice") == str(a.pk)
            ack_forms[a.pk] = AcknowledgeForm(
                bound if posted else None, initial={"advice": a.pk}, prefix="ack"
            )

    if request.method == "POST":
        if which == "advice":
            if advice_form is None:
                raise PermissionDenied(refusal or "您不能对此提出指派建议。")
            if advice_form.is_valid():
                text = advice_form.cleaned_data["text"]
                made = run_action(
                    advice_form, lambda: advising.do_issue_advice(subject, request.user, text)
                )
                if made is not None:
                    done(request, f"已向{made.institution.name}提出指派建议。")
                    return redirect(url + "#advice")
        elif which == "status":
            if status_form is None or choice is None:
                raise PermissionDenied("您的角色不能暂停或恢复指派。")
            if status_form.is_valid():
                reason = status_form.cleaned_data["reason"]
                new, button = choice
                ok = _set_status(status_form, subject, new, reason, request)
                if ok:
                    done(request, f"已{button}：{subject}。")
                    return redirect(url + "#status")
        elif which == "ack":
            key = request.POST.get("ack-advice", "")
            form = ack_forms.get(int(key)) if key.isascii() and key.isdigit() else None
            if form is None:
                raise PermissionDenied("您不能确认这份指派建议。")
            if form.is_valid():
                target = next(a for a in advice_rows if a.pk == form.cleaned_data["advice"])
                reply = form.cleaned_data["reply"]
                if (
                    run_action(
                        form, lambda: advising.do_acknowledge_advice(target, request.user, reply)
                    )
                    is not None
                ):
                    done(request, "已确认收到指派建议。")
                    return redirect(url + "#advice")
        else:
            raise PermissionDenied("未知的操作。")

    parts = (
        [
            {
                "source": p["source"],
                "weight": p["weight"],
                "count": p["count"],
                "mean": p["mean"],
                "counted": p["count"] > 0 and p["weight"] > 0,
            }
            for p in row.parts
        ]
        if row is not None and row.value is not None
        else []
    )
    history = QualityAssessment.objects.filter(
        **{"practitioner" if isinstance(subject, Practitioner) else "institution": subject}
    ).order_by("-as_of", "-id")
    people: list[dict[str, Any]] = []
    if isinstance(subject, Institution):
        latest = quality.latest_by(
            QualityAssessment.objects.filter(practitioner__institution=subject), "practitioner_id"
        )
        for p in subject.practitioners.order_by("code"):
            r = latest.get(p.pk)
            people.append(
                {
                    "p": p,
                    "url": practitioner_url(p),
                    "score": _score_text(r, p),
                    "as_of": r.as_of.isoformat() if r and r.value is not None else "",
                    "flag": _flag(r, values),
                }
            )
    kind = "承办人" if isinstance(subject, Practitioner) else "承办机构"
    return page(
        request,
        "sv/quality_detail.html",
        {
            "title": f"办案质量评分：{kind}{subject.name}（{subject.code}）",
            "subject": subject,
            "is_practitioner": isinstance(subject, Practitioner),
            "row": row,
            "score": _score_text(row, subject),
            "flag": _flag(row, values),
            "values": values,
            "threshold": f"{values.quality_advice_threshold:g}",
            "parts": parts,
            "records": _records(subject, row),
            "history": history,
            "advice_rows": advice_rows,
            "advice_form": advice_form,
            "advice_refusal": refusal if director else "",
            "already": already,
            "status_form": status_form,
            "status_button": choice[1] if choice else "",
            "status_history": _status_history(subject),
            "suspended": _suspended(subject),
            "ack_forms": ack_forms,
            "people": people,
            "list_url": reverse("sv_quality")
            + ("" if isinstance(subject, Practitioner) else "?of=institutions"),
            "local": local,
        },
    )


def _set_status(
    form: StatusForm, subject: Subject, new: str, reason: str, request: HttpRequest
) -> bool:
    if isinstance(subject, Practitioner):
        return (
            run_action(form, lambda: do_set_practitioner_status(subject, new, reason, request.user))
            is not None
        )
    try:
        do_set_institution_status(subject, new, reason, request.user)
    except RosterActionError as exc:
        form.add_error("reason" if "原因" in str(exc) else None, str(exc))
        return False
    except ActionError as exc:
        form.add_error(None, exc.message)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def practitioner_score(request: HttpRequest, code: str) -> HttpResponse:
    profile = _viewer(request)
    return _subject_page(request, profile, _practitioner(profile, code))


@login_required
@require_http_methods(["GET", "POST"])
def institution_score(request: HttpRequest, code: str) -> HttpResponse:
    profile = _viewer(request)
    return _subject_page(request, profile, _institution(profile, code))


# ---------------------------------------------------------------------------------------------
# 《法律援助案件指派建议书》


def advice_data(advice: QualityAdvice) -> AdviceData:
    row = advice.assessment
    center = advice.center
    subject: Subject = advice.practitioner or advice.institution
    values = values_for(center, row.as_of)
    assert row.value is not None
    return AdviceData(
        center_name=center.name,
        institution_name=advice.institution.name,
        subject=advising.subject_label(subject),
        value=row.value,
        as_of=row.as_of,
        window_start=row.window_start,
        records=row.records,
        formula=row.formula,
        threshold=values.quality_advice_threshold,
        parts=tuple(
            AdvicePart(str(p["source"]), float(p["weight"]), int(p["count"]), p["mean"])
            for p in row.parts
        ),
        text=advice.text,
        issued_at=advice.issued_at,
        center_address=center.address or None,
        center_phone=center.phone or None,
    )


MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@login_required
@require_GET
def advice_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    profile = _viewer(request)
    if kind not in MEDIA:
        raise Http404("没有这种格式。")
    advice = get_object_or_404(
        QualityAdvice.objects.select_related("center", "institution", "practitioner", "assessment"),
        pk=pk,
        center_id=profile.center_id,
    )
    if not _may_see(profile, advice.institution):
        raise Http404("没有这份指派建议书，或您无权查看。")
    data = advice_data(advice)
    content = render_advice_pdf(data) if kind == "pdf" else render_advice_docx(data)
    response = HttpResponse(content, content_type=MEDIA[kind])
    who = advice.practitioner.code if advice.practitioner else advice.institution.code
    filename = f"法律援助案件指派建议书-{who}-{advice.issued_at:%Y%m%d}.{kind}"
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    return response
