"""The pages of supervision and of the center's administration (第十三条: the bureau supervises
the assignments; 第十一条: the criminal rotation is public): the audit log in words people read,
the roster, the rotation's order and standing with the ranking's inputs, and the accounts."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from fayuan.accounts.access import BUREAU, CENTER_STAFF, can, profile_of, visible_audit_events
from fayuan.accounts.account_actions import (
    NewAccount,
    do_create_account,
    do_set_account_active,
    may_manage_accounts,
)
from fayuan.accounts.models import Role, StaffProfile
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case
from fayuan.policy.deadlines import CHINA_TZ, local_date
from fayuan.policy.rotation import RotationState, take_turn
from fayuan.roster.models import Institution, Practitioner
from fayuan.web.describe import action_name, details, object_text
from fayuan.web.lists import Column, list_page
from fayuan.web.supervision_forms import (
    AccountActiveForm,
    AccountFilter,
    AccountForm,
    AuditFilter,
    RosterFilter,
)
from fayuan.web.ui import done, local, page, run_action
from fayuan.workflow import engine
from fayuan.workflow.models import Assignment

ROTATION_ROLES = {*CENTER_STAFF, *BUREAU, Role.supervisor}
#: How many turns ahead the page shows the rotation's order.
TURNS_AHEAD = 12


def _links(request: HttpRequest) -> list[dict[str, str]]:
    """The supervision pages' own menu; the director also gets the holiday calendar entry."""
    items = []
    if can(request.user, "view_audit"):
        items.append({"label": "审计日志", "url": reverse("web:audit")})
    if can(request.user, "export_roster"):
        items.append({"label": "承办机构名册", "url": reverse("web:roster")})
    if _may_see_rotation(request):
        items.append({"label": "轮次与排名", "url": reverse("web:rotation")})
    if may_manage_accounts(request.user):
        items.append({"label": "账号", "url": reverse("web:accounts")})
    if can(request.user, "enter_calendar"):
        items.append({"label": "法定节假日安排（管理后台）", "url": "/admin/holidays/"})
    return items


def _may_see_rotation(request: HttpRequest) -> bool:
    profile = profile_of(request.user)
    return profile is not None and Role(profile.role) in ROTATION_ROLES


# --- the audit log ------------------------------------------------------------------------------


def _who(e: Any) -> str:
    if e.actor_id is None:
        return "系统"
    return f"{e.actor_name}（{e.actor_label}）" if e.actor_name else e.actor_label


def _what(e: Any) -> str:
    numbers = {e.case_id_ref: e.case_number} if e.case_number else {}
    return object_text(e, numbers)


AUDIT_COLUMNS = [
    Column("序号", lambda e: e.seq),
    Column("时间", lambda e: local(e.at)),
    Column("操作人", _who),
    Column("操作", lambda e: action_name(e.action)),
    Column(
        "对象",
        _what,
        link=lambda e: f"/cases/{e.case_number}/" if e.case_number else "",
    ),
    Column("内容", details),
]


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "view_audit"):
        raise PermissionDenied("审计日志供中心负责人、管理科和监督人员查看。")
    rows = (
        visible_audit_events(request.user, AuditEvent.objects.all())
        .annotate(
            case_number=Subquery(
                Case.objects.filter(pk=OuterRef("case_id_ref")).values("number")[:1]
            ),
            actor_name=Subquery(
                StaffProfile.objects.filter(user_id=OuterRef("actor_id")).values("full_name")[:1]
            ),
        )
        .order_by("-seq")
    )
    return list_page(
        request,
        title="审计日志",
        rows=rows,
        columns=AUDIT_COLUMNS,
        filterset=AuditFilter,
        template="web/supervision/list.html",
        extra={"links": _links(request)},
        filename="审计日志",
    )


# --- the roster ---------------------------------------------------------------------------------

ROSTER_COLUMNS = [
    Column("承办机构", lambda p: p.institution.name),
    Column("机构类型", lambda p: p.institution.get_kind_display()),
    Column("机构状态", lambda p: p.institution.get_status_display()),
    Column("镇街", lambda p: p.institution.locality.name),
    Column("承办人", lambda p: p.name),
    Column("编号", lambda p: p.code),
    Column("类别", lambda p: p.get_kind_display()),
    Column("执业状态", lambda p: p.get_status_display()),
    Column("执业日期", lambda p: p.licensed_on.isoformat()),
    Column("刑事辩护件数", lambda p: p.criminal_defense_cases),
    Column("专业特长", lambda p: "、".join(p.specialties or [])),
    Column("未成年人案件", lambda p: "可承办" if p.minors_qualified else ""),
    Column("办案质量评分", lambda p: _quality(p)),
]


def _quality(p: Practitioner) -> str:
    """The score the rules use (第九条): computed with its date, else the roster's entry."""
    if p.quality_score is None:
        return f"{p.quality:g}（名册录入）"
    assert p.quality_as_of is not None
    return f"{p.quality_score:g}（{p.quality_as_of.isoformat()} 计算）"


@login_required
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "export_roster"):
        raise PermissionDenied("名册供法律援助中心、区司法局和监督人员查看。")
    profile = profile_of(request.user)
    assert profile is not None
    rows = (
        Practitioner.objects.filter(center_id=profile.center_id)
        .select_related("institution__locality")
        .order_by("institution__sequence", "institution__code", "code")
    )
    institutions = (
        Institution.objects.filter(center_id=profile.center_id)
        .select_related("locality")
        .annotate(
            active_count=Count("practitioners", filter=Q(practitioners__status="active")),
            total_count=Count("practitioners"),
        )
        .order_by("sequence", "code")
    )
    return list_page(
        request,
        title="承办机构名册",
        rows=rows,
        columns=ROSTER_COLUMNS,
        filterset=RosterFilter,
        template="web/supervision/roster.html",
        extra={"links": _links(request), "institutions": institutions},
        filename="承办机构名册",
    )


# --- the rotation and the ranking's inputs ------------------------------------------------------


def _year_start(now: datetime) -> datetime:
    today = local_date(now)
    return datetime.combine(today.replace(month=1, day=1), time(0), tzinfo=CHINA_TZ)


def rotation_context(center_id: int, now: datetime) -> dict[str, Any]:
    """The published order of the criminal rotation (第十一条; SPEC §8) as the engine reads it:
    the pool (active law firms, weight by the policy), each firm's stored credit, the order of
    the next turns if every firm could take the case, this year's assignments; and the inputs
    of the ranking of other cases (SPEC §9)."""
    from fayuan.roster.models import Center

    center = Center.objects.get(pk=center_id)
    policy = engine.policy_for(center)
    values = policy.values_on(local_date(now))
    view = engine.roster_view(center)
    mode = values.rotation_weight
    pool = view.pool(mode)
    state = engine.rotation_state(center)
    aligned = RotationState(dict(state.credits))
    order: list[str] = []
    ahead = aligned
    for _ in range(TURNS_AHEAD if pool else 0):
        turn = take_turn(ahead, pool, lambda firm: (True, None))
        if turn.winner is None:
            break
        order.append(turn.winner)
        ahead = turn.state_after
    next_place: dict[str, int] = {}
    for n, firm in enumerate(order, start=1):
        next_place.setdefault(firm, n)

    year_counts: dict[str, dict[str, int]] = {}
    for code, category, n in (
        Assignment.objects.filter(case__center=center, issued_at__gte=_year_start(now))
        .values_list("institution__code", "case__category")
        .annotate(n=Count("id"))
    ):
        per = year_counts.setdefault(code, {"criminal": 0, "all": 0})
        per["all"] += n
        if category == "criminal":
            per["criminal"] += n

    firms = []
    in_pool = {m.firm: m for m in pool}
    for inst in view.ordered:
        if inst.kind.value != "law_firm":
            continue
        member = in_pool.get(inst.id)
        lawyers = len(view.active_lawyers.get(inst.id, ()))
        counts = year_counts.get(inst.id, {"criminal": 0, "all": 0})
        if member is None:
            why = (
                "暂停指派，积分冻结"
                if inst.id in view.suspended
                else "停用"
                if not inst.active
                else "无在册执业律师"
            )
        else:
            why = ""
        firms.append(
            {
                "code": inst.id,
                "name": inst.name,
                "sequence": inst.sequence,
                "weight": member.weight if member else 0,
                "lawyers": lawyers,
                "credit": aligned.credit(inst.id),
                "next": next_place.get(inst.id),
                "criminal_this_year": counts["criminal"],
                "all_this_year": counts["all"],
                "out": why,
            }
        )
    firms.sort(key=lambda f: (f["next"] is None, f["next"] or 0, f["sequence"]))
    names = {i.id: i.name for i in view.ordered}

    window = engine.load_window(center, now, values.ranking_load_window_days)
    ranking = []
    for inst in view.ordered:
        members = view.active_members.get(inst.id, ())
        specialties = sorted(
            view.specialty_counts.get(inst.id, {}).items(), key=lambda kv: (-kv[1], kv[0])
        )
        counts = year_counts.get(inst.id, {"criminal": 0, "all": 0})
        ranking.append(
            {
                "name": inst.name,
                "kind": "律师事务所" if inst.kind.value == "law_firm" else "基层法律服务所",
                "locality": inst.locality,
                "available": view.available(inst.id),
                "practitioners": len(members),
                "quality": round(view.mean_quality.get(inst.id, 0.0), 2),
                "specialties": "、".join(f"{s}（{n}）" for s, n in specialties[:8]),
                "recent": window.recent(inst.id),
                "all_this_year": counts["all"],
            }
        )
    return {
        "firms": firms,
        "order": [names.get(code, code) for code in order],
        "total_weight": pool.total if pool else 0,  # type: ignore[attr-defined]
        "weight_mode": "按在册执业律师人数" if mode == "lawyers" else "各所相同（每所 1）",
        "ranking": ranking,
        "weights": {
            "specialty": values.ranking_weight_specialty,
            "quality": values.ranking_weight_quality,
            "locality": values.ranking_weight_locality,
            "load": values.ranking_weight_load,
        },
        "window_days": values.ranking_load_window_days,
        "year": local_date(now).year,
        "policy": policy.title,
    }


@login_required
@require_GET
def rotation(request: HttpRequest) -> HttpResponse:
    if not _may_see_rotation(request):
        raise PermissionDenied("轮次与排名供法律援助中心、区司法局和监督人员查看。")
    profile = profile_of(request.user)
    assert profile is not None
    context = rotation_context(profile.center_id, timezone.now())
    context.update({"title": "刑事案件轮次与其他案件排名", "links": _links(request)})
    return page(request, "web/supervision/rotation.html", context)


# --- accounts -----------------------------------------------------------------------------------


def _manager(request: HttpRequest) -> StaffProfile:
    profile = profile_of(request.user)
    if profile is None or not may_manage_accounts(request.user):
        raise PermissionDenied("账号由法律援助中心负责人或公共法律服务管理科负责人管理。")
    return profile


def _tied(p: StaffProfile) -> str:
    if p.practitioner_id and p.practitioner:
        return f"{p.practitioner.institution.name} {p.practitioner.name}"
    if p.institution_id and p.institution:
        return p.institution.name
    if p.organ_id and p.organ:
        return p.organ.name
    return ""


ACCOUNT_COLUMNS = [
    Column(
        "用户名",
        lambda p: p.user.username,
        link=lambda p: reverse("web:account", kwargs={"pk": p.user_id}),
    ),
    Column("姓名", lambda p: p.full_name),
    Column("角色", lambda p: p.get_role_display()),
    Column("所属", _tied),
    Column("状态", lambda p: "启用" if p.user.is_active else "已停用"),
    Column("最近登录", lambda p: local(p.user.last_login) or "从未登录"),
]


@login_required
@require_GET
def accounts(request: HttpRequest) -> HttpResponse:
    profile = _manager(request)
    rows = (
        StaffProfile.objects.filter(center_id=profile.center_id)
        .select_related("user", "institution", "organ", "practitioner__institution")
        .order_by("role", "user__username")
    )
    return list_page(
        request,
        title="账号",
        rows=rows,
        columns=ACCOUNT_COLUMNS,
        filterset=AccountFilter,
        template="web/supervision/accounts.html",
        extra={"links": _links(request)},
        filename="账号清单",
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request: HttpRequest) -> HttpResponse:
    profile = _manager(request)
    form = AccountForm(request.POST or None, center_id=profile.center_id)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = NewAccount(
            username=d["username"],
            full_name=d["full_name"],
            role=d["role"],
            email=d["email"] or "",
            institution_id=d["institution"].pk if d["institution"] else None,
            practitioner_id=d["practitioner"].pk if d["practitioner"] else None,
            organ_id=d["organ"].pk if d["organ"] else None,
        )
        result = run_action(form, lambda: do_create_account(request.user, data))
        if result is not None:
            user, password = result
            # Shown once, on this answer only (not a redirect): never stored in clear.
            return page(
                request,
                "web/supervision/account_created.html",
                {"title": "账号已创建", "account": user, "password": password},
            )
    return page(
        request,
        "web/supervision/account_new.html",
        {"title": "新建账号", "form": form, "links": _links(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    shown = get_object_or_404(
        StaffProfile.objects.select_related(
            "user", "institution", "organ", "practitioner__institution"
        ),
        user_id=pk,
        center_id=manager.center_id,
    )
    form = AccountActiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        active = request.POST.get("active") == "1"
        user = User.objects.get(pk=pk)
        reason = form.cleaned_data["reason"]
        if run_action(form, lambda: do_set_account_active(request.user, user, active, reason)):
            done(request, f"账号 {user.username} 已{'启用' if active else '停用'}。")
            return HttpResponseRedirect(reverse("web:account", kwargs={"pk": pk}))
    events = AuditEvent.objects.filter(
        object_type="auth.user", object_id=str(pk), action__startswith="account."
    ).order_by("-seq")[:50]
    return page(
        request,
        "web/supervision/account.html",
        {
            "title": f"账号 {shown.user.username}",
            "shown": shown,
            "tied": _tied(shown),
            "form": form,
            "events": [
                {
                    "when": local(e.at),
                    "who": e.actor_label,
                    "what": action_name(e.action),
                    "details": details(e),
                }
                for e in events
            ],
            "links": _links(request),
        },
    )


urlpatterns = [
    path("audit/", audit_log, name="audit"),
    path("roster/", roster, name="roster"),
    path("rotation/", rotation, name="rotation"),
    path("accounts/", accounts, name="accounts"),
    path("accounts/new/", account_new, name="account_new"),
    path("accounts/<int:pk>/", account, name="account"),
]
