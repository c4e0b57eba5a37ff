"""The bureau's desk (/reports/): pick a month or a year, ask for the report (made by the
background worker), see the reports asked for with their status, download them (access-checked,
audited). And the public figures (/figures/, 法律援助法第五十八条): no login, no personal data."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.views.decorators.http import require_GET, require_http_methods

from fayuan.accounts.access import can, profile_of
from fayuan.audit import log as audit
from fayuan.policy.deadlines import CHINA_TZ
from fayuan.reports.figures import (
    Period,
    PeriodError,
    file_reviews,
    first_assignments,
    organ_opinions,
    rate,
    return_visits,
    supervision_available,
)
from fayuan.reports.models import GeneratedReport, ReportStatus
from fayuan.reports.tasks import make_report
from fayuan.roster.models import Institution
from fayuan.tasks import run_after_commit
from fayuan.web.lists import Column, list_page
from fayuan.web.supervision import rotation_context
from fayuan.web.ui import done, local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label="报表", choices=[("month", "月度报表"), ("year", "年度报表")])
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    month = forms.IntegerField(label="月份（月度报表）", min_value=1, max_value=12, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "month" and not data.get("month"):
            self.add_error("month", "月度报表请填写月份。")
        return data

    def period(self) -> Period:
        data = self.cleaned_data
        if data["kind"] == "month":
            return Period.parse(month=f"{data['year']:04d}-{data['month']:02d}")
        return Period.parse(year=f"{data['year']:04d}")


def _may_report(request: HttpRequest) -> None:
    if not can(request.user, "view_reports"):
        raise PermissionDenied("统计报表供区司法局、中心负责人和监督人员查看。")


COLUMNS = [
    Column("期间", lambda r: r.period),
    Column("申请时间", lambda r: local(r.requested_at)),
    Column("申请人", lambda r: getattr(getattr(r.requested_by, "profile", None), "full_name", "")),
    Column("状态", lambda r: r.get_status_display(), alert=lambda r: r.status == "failed"),
    Column("完成时间", lambda r: local(r.finished_at)),
    Column(
        "Excel",
        lambda r: "下载 Excel" if r.xlsx else "",
        link=lambda r: reverse("report_file", args=[r.pk, "xlsx"]) if r.xlsx else "",
    ),
    Column(
        "PDF",
        lambda r: "下载 PDF" if r.pdf else "",
        link=lambda r: reverse("report_file", args=[r.pk, "pdf"]) if r.pdf else "",
    ),
]


@login_required
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    _may_report(request)
    profile = profile_of(request.user)
    assert profile is not None
    today = timezone.localdate()
    last = date(today.year, today.month, 1).toordinal() - 1
    previous = date.fromordinal(last)
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        initial={"kind": "month", "year": previous.year, "month": previous.month},
    )
    if request.method == "POST" and form.is_valid():
        try:
            period = form.period()
        except PeriodError as exc:
            form.add_error(None, str(exc))
        else:
            with transaction.atomic():
                report = GeneratedReport.objects.create(
                    center_id=profile.center_id, period=period.code, requested_by_id=request.user.pk
                )
                audit.record(request.user, "report.request", report, data={"period": period.code})
                run_after_commit(make_report, report.pk)
            done(request, f"已提交 {period.label} 统计报表，由后台生成；生成后可在下表下载。")
            return HttpResponseRedirect(reverse("reports"))
    rows = (
        GeneratedReport.objects.filter(center_id=profile.center_id)
        .select_related("requested_by__profile")
        .order_by("-requested_at", "-pk")
    )
    return list_page(
        request,
        title="统计报表",
        rows=rows,
        columns=COLUMNS,
        template="reports/reports.html",
        extra={"form": form},
        filename="统计报表列表",
    )


@login_required
@require_GET
def report_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    _may_report(request)
    profile = profile_of(request.user)
    assert profile is not None
    report = GeneratedReport.objects.filter(pk=pk, center_id=profile.center_id).first()
    if report is None or report.status != ReportStatus.done or kind not in ("xlsx", "pdf"):
        raise Http404("没有这份报表，或尚未生成。")
    relative = report.xlsx if kind == "xlsx" else report.pdf
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise Http404("报表文件不存在。")
    with transaction.atomic():
        audit.record(
            request.user, "report.download", report, data={"period": report.period, "kind": kind}
        )
    response = FileResponse(
        path.open("rb"), content_type=XLSX if kind == "xlsx" else "application/pdf"
    )
    name = f"统计报表-{report.period}.{kind}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(name)}"
    return response


# ------------------------------------------------------------------ public figures

#: How many months back the public page counts assignments per institution.
PUBLIC_MONTHS = 6


def _months_back(today: date, n: int) -> list[Period]:
    periods = []
    y, m = today.year, today.month
    for _ in range(n):
        periods.append(Period(y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return list(reversed(periods))


@require_GET
def public_figures(request: HttpRequest) -> HttpResponse:
    """/figures/ (信息公开, 法律援助法第五十八条): the published rotation order (the same as the
    staff page /rotation/ shows), the assignments per institution in the last months, and the
    on-time rate, the file review results, the return visits' satisfaction and the organs'
    ratings of this year (counts only). Institutions only: no person's name, number or case."""
    from fayuan.cases.models import Case
    from fayuan.workflow.models import Assignment
    from fayuan.workstations.roster_page import public_center

    center = public_center()
    now = timezone.now()
    rotation = rotation_context(center.pk, now)
    today = timezone.localtime(now, CHINA_TZ).date()
    months = _months_back(today, PUBLIC_MONTHS)
    month_of = {(p.year, p.month): i for i, p in enumerate(months)}
    counts: dict[tuple[int, int], int] = {}
    for inst_id, at in Assignment.objects.filter(
        case__center=center, issued_at__gte=months[0].start, issued_at__lt=months[-1].end
    ).values_list("institution_id", "issued_at"):
        day = at.astimezone(CHINA_TZ)
        key = (inst_id, month_of[day.year, day.month])
        counts[key] = counts.get(key, 0) + 1
    institutions = list(
        Institution.objects.filter(center=center)
        .order_by("sequence", "code")
        .only("pk", "name", "sequence", "code", "status")
    )
    table = []
    for inst in institutions:
        # The latest month first: on a phone the older months are the ones scrolled to.
        cells = [counts.get((inst.pk, i), 0) for i in reversed(range(len(months)))]
        if any(cells) or inst.status == "active":
            table.append({"name": inst.name, "cells": cells, "total": sum(cells)})
    year = Period(today.year)
    firsts = first_assignments(center, year)
    cases = list(
        Case.objects.filter(pk__in=list(firsts)).only("pk", "local_due_at", "statutory_due_at")
    )
    return render(
        request,
        "reports/figures.html",
        {
            "title": "法律援助指派情况公开",
            "center_name": center.name,
            "center_phone": center.phone,
            "order": rotation["order"],
            "firms": rotation["firms"],
            "weight_mode": rotation["weight_mode"],
            "months": [p.label for p in reversed(months)],
            "table": table,
            "year": year.label,
            "assigned": len(cases),
            "local": rate(cases, firsts, "local_due_at"),
            "statutory": rate(cases, firsts, "statutory_due_at"),
            "quality": file_reviews(center, year) if supervision_available() else None,
            # Counts only: no visit's case, comments or aided person; no organ's words.
            "visits": return_visits(center, year) if supervision_available() else None,
            "opinions": organ_opinions(center, year) if supervision_available() else None,
            "updated": local(now),
        },
    )
