"""The menu of each role: the pages its people work in, in the order of their day. A page not
built yet (its URL name unknown) is left out rather than shown broken."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from fayuan.accounts.access import profile_of
from fayuan.accounts.models import Role

Entry = tuple[str, str]  # (label, URL name in the "web" namespace)

COMMON: list[Entry] = [("待办", "home")]
CENTER_CASES: list[Entry] = [("案件", "cases"), ("指派期限", "deadlines")]

NAV: dict[Role, list[Entry]] = {
    Role.officer: [
        *COMMON,
        ("回访", "sv_visits"),
        ("投诉", "sv_complaints"),
        ("质量评分", "sv_quality"),
        ("受理申请", "intake_application"),
        ("登记通知公函", "intake_notification"),
        *CENTER_CASES,
        ("轮次与排名", "rotation"),
    ],
    Role.director: [
        *COMMON,
        ("待决定", "decisions"),
        ("回避申请", "recusals"),
        ("更换承办人", "handler_changes"),
        *CENTER_CASES,
        ("承办机构名册", "roster"),
        ("质量评分", "sv_quality"),
        ("轮次与排名", "rotation"),
        ("账号", "accounts"),
        ("审计日志", "audit"),
        ("统计报表", "reports"),
    ],
    Role.bureau_section: [
        *COMMON,
        ("案卷评查", "sv_reviews"),
        ("回访", "sv_visits"),
        ("投诉", "sv_complaints"),
        ("质量评分", "sv_quality"),
        ("待决定", "decisions"),
        ("回避申请", "recusals"),
        ("更换承办人", "handler_changes"),
        *CENTER_CASES,
        ("承办机构名册", "roster"),
        ("轮次与排名", "rotation"),
        ("账号", "accounts"),
        ("审计日志", "audit"),
        ("统计报表", "reports"),
    ],
    Role.bureau_leader: [
        *COMMON,
        ("案卷评查", "sv_reviews"),
        ("投诉", "sv_complaints"),
        ("质量评分", "sv_quality"),
        ("待决定", "decisions"),
        ("更换承办人", "handler_changes"),
        *CENTER_CASES,
        ("轮次与排名", "rotation"),
        ("统计报表", "reports"),
    ],
    Role.institution_admin: [
        *COMMON,
        ("本所案件", "cases"),
        ("本所承办人", "practitioners"),
        ("质量评分", "sv_quality"),
    ],
    Role.practitioner: [*COMMON, ("我的案件", "cases")],
    Role.judicial_organ: [
        *COMMON,
        ("发送通知公函", "organ_letter_new"),
        ("已发公函", "cases"),
    ],
    Role.supervisor: [
        *COMMON,
        ("案卷评查", "sv_reviews"),
        ("回访", "sv_visits"),
        ("投诉", "sv_complaints"),
        ("质量评分", "sv_quality"),
        *CENTER_CASES,
        ("承办机构名册", "roster"),
        ("轮次与排名", "rotation"),
        ("审计日志", "audit"),
        ("统计报表", "reports"),
    ],
    # 第七条 (fayuan.workstations: names outside the "web" namespace, see `menu`).
    Role.workstation: [
        *COMMON,
        ("协助申请的案件", "ws_home"),
        ("代为申请", "ws_apply"),
        ("案件", "cases"),
    ],
    Role.liaison: [
        *COMMON,
        ("协助申请的案件", "ws_home"),
        ("代为申请", "ws_apply"),
        ("案件", "cases"),
    ],
}


def menu(request: HttpRequest) -> list[dict[str, Any]]:
    profile = profile_of(request.user)
    entries = NAV.get(Role(profile.role), COMMON) if profile else COMMON
    here = request.path
    items = []
    for label, name in entries:
        try:
            url = reverse(f"web:{name}")
        except NoReverseMatch:
            try:  # a page of the public side's apps (fayuan.workstations), not namespaced
                url = reverse(name)
            except NoReverseMatch:
                continue
        matches = here == url if url == "/" else here.startswith(url)
        items.append({"label": label, "url": url, "current": matches})
    # Only the closest entry is the current one (/workstation/apply/ is not also /workstation/).
    best = max((i for i in items if i["current"]), key=lambda i: len(str(i["url"])), default=None)
    for item in items:
        item["current"] = item is best
    return items


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: the menu and who is signed in."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    profile = profile_of(request.user)
    return {
        "menu": menu(request),
        "me": profile,
        "me_role": profile.role if profile else "",
        "me_label": (
            f"{profile.full_name}（{profile.get_role_display()}）"
            if profile
            else request.user.get_username()
        ),
    }
