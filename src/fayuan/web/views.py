"""The staff home page: what awaits this person (fayuan.web.todo) and, for the center's staff,
the deadline lists (第六条) of the user's center. Anonymous users go to the login page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from fayuan.accounts.access import can, profile_of
from fayuan.accounts.models import Role
from fayuan.errors import ActionError
from fayuan.policy.deadlines import CHINA_TZ, local_date
from fayuan.roster.models import Center
from fayuan.web import todo
from fayuan.workflow import engine
from fayuan.workflow.deadlines import Buckets, DeadlineRow, buckets, format_time_left


def _row(row: DeadlineRow) -> dict[str, Any]:
    case = row.case
    return {
        "pk": case.pk,
        "number": case.number,
        "category": case.get_category_display(),
        "status": case.get_status_display(),
        "due": timezone.localtime(row.due_at, CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
        "provisional": row.provisional,
        "left": format_time_left(row.time_left),
        "overdue": row.overdue,
        "officer": row.officer_name,
        "institution": row.assignment.institution.name if row.assignment else "",
        "issued": (
            timezone.localtime(row.assignment.issued_at, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
            if row.assignment
            else ""
        ),
    }


def _sections(b: Buckets) -> list[dict[str, Any]]:
    nxt = b.next_working_day_end.strftime("%Y-%m-%d") if b.next_working_day_end else "—"
    since = timezone.localtime(b.late_since, CHINA_TZ).strftime("%Y-%m-%d")
    return [
        {"key": "today", "title": "今日到期、尚未指派", "rows": [_row(r) for r in b.today]},
        {
            "key": "overdue",
            "title": "已超过指派期限、尚未指派",
            "rows": [_row(r) for r in b.overdue],
        },
        {
            "key": "within",
            "title": f"下一个工作日（{nxt}）结束前到期",
            "rows": [_row(r) for r in b.within_working_day],
        },
        {
            "key": "late",
            "title": f"超期指派（{since} 以来）",
            "rows": [_row(r) for r in b.late],
            "late": True,
        },
    ]


def _deadline_context(request: HttpRequest) -> dict[str, Any]:
    profile = profile_of(request.user)
    mine = request.GET.get("mine") == "1" and profile is not None and profile.role == Role.officer
    allowed = request.user.is_superuser or can(request.user, "view_deadlines")
    centers: list[Center] = []
    if allowed and profile is not None:
        centers = [profile.center]
    elif allowed:  # a superuser without a staff profile: every center
        centers = list(Center.objects.order_by("code"))
    officer = request.user if mine and isinstance(request.user, AbstractBaseUser) else None
    now = timezone.now()
    reports = []
    for center in centers:
        try:
            b = buckets(center, now, officer=officer)
        except ActionError as exc:  # pragma: no cover - buckets reports calendar gaps itself
            reports.append({"center": center, "problem": exc.message, "sections": []})
            continue
        pv = engine.policy_for(center).values_on(local_date(now))
        reports.append(
            {
                "center": center,
                "problem": b.calendar_problem,
                "sections": _sections(b),
                "criminal_days": pv.criminal_working_days,
                "other_days": pv.other_working_days,
                "statutory_days": pv.statutory_days,
                "capped": pv.cap_by_statute,
            }
        )
    context = {
        "profile": profile,
        "allowed": allowed,
        "reports": reports,
        "mine": mine,
        "is_officer": profile is not None and profile.role == Role.officer,
        "now": timezone.localtime(now, CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
    }
    return context


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = _deadline_context(request)
    context["title"] = "待办"
    context["todo"] = todo.sections(request.user)
    html = render_to_string("web/home.html", context, request)
    return HttpResponse(html)


@login_required
def deadlines(request: HttpRequest) -> HttpResponse:
    context = _deadline_context(request)
    context["title"] = "指派期限"
    html = render_to_string("web/deadlines.html", context, request)
    return HttpResponse(html)
