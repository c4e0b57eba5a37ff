"""What every staff page shares: finding the case a user may act on, running an action from a
form (its refusal shown beside the field it names, nothing typed lost), times in Beijing time
with a countdown, and the one way a page is rendered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fayuan.accounts.access import can, profile_of, visible_cases
from fayuan.cases.models import Case
from fayuan.errors import ActionError
from fayuan.policy.deadlines import CHINA_TZ

T = TypeVar("T")


def page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("profile", profile_of(request.user))
    return render(request, template, context)


def case_for(request: HttpRequest, number: str, action: str = "view_case") -> Case:
    """The case of this number that the user may see (404 otherwise: a case one may not see
    does not exist for one) and, for any other action, may do `action` on (403)."""
    case = (
        visible_cases(request.user)
        .select_related("center", "locality", "institution", "organ")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404("没有这个案件，或您无权查看。")
    if action != "view_case" and not can(request.user, action, case):
        raise PermissionDenied("您的角色不能对本案进行此项操作。")
    return case


def run_action(form: forms.Form, step: Callable[[], T]) -> T | None:
    """Run an action for a valid form. Its refusal goes beside the field it names (or on top of
    the form) and the action wrote nothing; None then, and the page shows the form again with
    everything the user typed."""
    try:
        return step()
    except ActionError as exc:
        field = exc.field.split(".")[0] if exc.field else None
        if field not in form.fields:
            field = None
        form.add_error(field, exc.message)
        return None


def done(request: HttpRequest, message: str) -> None:
    messages.success(request, message)


def local(at: datetime | None, with_time: bool = True) -> str:
    if at is None:
        return ""
    fmt = "%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d"
    return timezone.localtime(at, CHINA_TZ).strftime(fmt)


def countdown(due: datetime | None, now: datetime | None = None) -> tuple[str, bool]:
    """("剩 1 天 3 小时", False) or ("超期 2 小时", True): what a list shows beside a deadline."""
    if due is None:
        return "", False
    left = due - (now or timezone.now())
    overdue = left < timedelta(0)
    span = -left if overdue else left
    days, rest = divmod(int(span.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} 天")
    if hours or days:
        parts.append(f"{hours} 小时")
    if not days:
        parts.append(f"{minutes} 分钟")
    text = " ".join(parts)
    return (f"超期 {text}", True) if overdue else (f"剩 {text}", False)


def page_of(rows: QuerySet[Any], request: HttpRequest, per_page: int = 25) -> Any:
    from django.core.paginator import Paginator

    return Paginator(rows, per_page).get_page(request.GET.get("page"))
