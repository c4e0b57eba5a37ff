"""Who may see and do what. Every view and action asks these few functions, and a table-driven
test checks every role against every action (the Zulip `access_*` pattern)."""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, Q, QuerySet

from fayuan.accounts.models import Role, StaffProfile
from fayuan.cases.models import Case, Channel
from fayuan.errors import ActionError

AnyUser = AbstractBaseUser | AnonymousUser
M = TypeVar("M", bound=Model)

CENTER_STAFF = {Role.officer, Role.director}
BUREAU = {Role.bureau_section, Role.bureau_leader}
ALL_ROLES = set(Role)

#: Action → the roles that may take it (further limited to the cases the user may see).
ACTIONS: dict[str, frozenset[Role]] = {
    # 第七条: a workstation (司法所) or a liaison institution submits for a person at its
    # counter, only as itself (`helper_intake_refusal`).
    "intake_application": frozenset({Role.officer, Role.workstation, Role.liaison}),
    "intake_notification": frozenset({Role.officer, Role.judicial_organ}),
    "grant_aid": frozenset({Role.officer, Role.director}),
    "propose": frozenset({Role.officer}),
    "director_decide": frozenset({Role.director}),
    "record_discussion": frozenset({Role.officer, Role.director}),
    "report_to_bureau": frozenset({Role.director}),
    "bureau_decide": frozenset(BUREAU),
    "issue_assignment": frozenset({Role.officer}),
    "name_handlers": frozenset({Role.institution_admin}),
    "sign_agreement": frozenset({Role.institution_admin, Role.practitioner}),
    # The bureau section too: its answer to a complaint may open one (法律援助法第五十五条).
    "request_handler_change": frozenset(
        {Role.officer, Role.institution_admin, Role.practitioner, Role.bureau_section}
    ),
    "decide_handler_change": frozenset({Role.director, *BUREAU}),
    "close_case": frozenset({Role.officer, Role.institution_admin, Role.practitioner}),
    "view_case": frozenset(ALL_ROLES),
    "view_personal_data": frozenset(
        {
            Role.officer,
            Role.director,
            *BUREAU,
            Role.institution_admin,
            Role.practitioner,
            Role.supervisor,
        }
    ),
    "declare_persons": frozenset({Role.officer, Role.director, Role.bureau_section}),
    "apply_recusal": frozenset({Role.officer, Role.director, Role.bureau_section}),
    "decide_recusal": frozenset({Role.director, *BUREAU}),
    "import_roster": frozenset({Role.officer, Role.director}),
    "export_roster": frozenset({Role.officer, Role.director, *BUREAU, Role.supervisor}),
    # 第九、十三条: the reports to the bureau (fayuan.reports).
    "view_reports": frozenset({Role.director, *BUREAU, Role.supervisor}),
    "set_institution_status": frozenset({Role.director, Role.bureau_section}),
    "view_deadlines": frozenset({Role.officer, Role.director, *BUREAU, Role.supervisor}),
    "view_audit": frozenset({Role.director, Role.bureau_section, Role.supervisor}),
    # The State Council's yearly holiday arrangement (SPEC §5); also the installation's superuser.
    "enter_calendar": frozenset({Role.director}),
    # 第十三条、法律援助法第五十五、五十六、五十九条 (fayuan.supervision): the bureau draws the
    # files and names reviewers (supervisors); organs give opinions on the cases they sent.
    "draw_file_review": frozenset(BUREAU),
    "assign_reviewer": frozenset(BUREAU),
    "score_file_review": frozenset({Role.supervisor}),
    "record_return_visit": frozenset({Role.officer, Role.bureau_section, Role.supervisor}),
    "record_organ_opinion": frozenset({Role.judicial_organ}),
    "record_court_attendance": frozenset({Role.supervisor}),
    "record_complaint": frozenset({Role.officer}),
    "answer_complaint": frozenset(BUREAU),
    "view_supervision": frozenset({Role.officer, Role.director, *BUREAU, Role.supervisor}),
}

ACTION_ZH = {
    "intake_application": "受理申请",
    "intake_notification": "登记通知辩护（代理）公函",
    "grant_aid": "决定给予法律援助",
    "propose": "提出指派意见",
    "director_decide": "中心负责人决定",
    "record_discussion": "记录集体讨论",
    "report_to_bureau": "书面报请区司法局",
    "bureau_decide": "区司法局决定",
    "issue_assignment": "发出指派通知书",
    "name_handlers": "安排承办人",
    "sign_agreement": "登记委托协议",
    "request_handler_change": "申请更换承办人",
    "decide_handler_change": "批准更换承办人",
    "close_case": "结案",
    "view_case": "查看案件",
    "view_personal_data": "查看个人信息",
    "declare_persons": "申报近亲属与利害关系人",
    "apply_recusal": "申请回避",
    "decide_recusal": "决定回避",
    "import_roster": "导入名册",
    "export_roster": "导出名册",
    "view_reports": "查看统计报表",
    "set_institution_status": "暂停或恢复机构指派",
    "view_deadlines": "查看期限报表",
    "view_audit": "查看审计日志",
    "enter_calendar": "录入法定节假日安排",
    "draw_file_review": "抽取评查案卷",
    "assign_reviewer": "指定评查人",
    "score_file_review": "评查案卷",
    "record_return_visit": "回访受援人",
    "record_organ_opinion": "填写办案机关意见",
    "record_court_attendance": "记录庭审旁听",
    "record_complaint": "登记投诉",
    "answer_complaint": "答复投诉",
    "view_supervision": "查看监督与质量记录",
}


def profile_of(user: AnyUser | None) -> StaffProfile | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    cached = getattr(user, "_fayuan_profile", None)
    if cached is None:
        cached = StaffProfile.objects.filter(user_id=user.pk).select_related("center").first()
        setattr(user, "_fayuan_profile", cached)  # noqa: B010 - cache on the request user
    return cached


def role_of(user: AnyUser | None) -> Role | None:
    profile = profile_of(user)
    return Role(profile.role) if profile else None


def user_id(user: AnyUser) -> int:
    """The acting user's id; actions call `require` first, so the user is authenticated."""
    if user.pk is None:
        raise ActionError("请先登录。", kind="forbidden")
    return int(user.pk)


def visible_cases(user: AnyUser | None) -> QuerySet[Case]:
    """The cases a user may see: the center's staff and the bureau their center's; an
    institution its cases; a practitioner the cases it handles; an organ the cases it sent."""
    profile = profile_of(user)
    if profile is None:
        return Case.objects.none()
    role = Role(profile.role)
    cases = Case.objects.filter(center_id=profile.center_id)
    if role in CENTER_STAFF or role in BUREAU or role is Role.supervisor:
        return cases
    if role is Role.institution_admin and profile.institution_id:
        return cases.filter(
            Q(institution_id=profile.institution_id)
            | Q(assignments__institution_id=profile.institution_id)
        ).distinct()
    if role is Role.practitioner and profile.practitioner_id:
        return cases.filter(handlers__practitioner_id=profile.practitioner_id).distinct()
    if role is Role.judicial_organ and profile.organ_id:
        return cases.filter(organ_id=profile.organ_id)
    # 第七条: a workstation or a liaison institution sees only the cases it helped with.
    if role is Role.workstation and profile.workstation_id:
        return cases.filter(workstation_id=profile.workstation_id)
    if role is Role.liaison and profile.institution_id:
        return cases.filter(
            helped_by_institution_id=profile.institution_id, channel=Channel.liaison
        )
    return Case.objects.none()


#: The channel each helper role submits by (第七条; `Case.channel`).
HELPER_CHANNELS = {Role.workstation: Channel.workstation, Role.liaison: Channel.liaison}


def helper_intake_refusal(
    user: AnyUser | None,
    channel: str,
    workstation_id: int | None,
    helped_by_institution_id: int | None,
) -> str:
    """Why this user may not record an application so (第七条), or "" when it may. A workstation
    (司法所) submits only with channel `workstation` and itself as the workstation; a liaison
    institution only with channel `liaison` and itself as the helping institution (the 便民
    preference of 第七条 reads it, so nobody may name another). Other roles: "" (their
    `intake_application` decision is `can`'s alone)."""
    profile = profile_of(user)
    if profile is None:
        return ""
    role = Role(profile.role)
    expected = HELPER_CHANNELS.get(role)
    if expected is None:
        return ""
    label = profile.get_role_display()
    if channel != expected:
        return f"{label}只能以“{expected.label}”方式代为申请。"
    if role is Role.workstation:
        if not profile.workstation_id or workstation_id != profile.workstation_id:
            return f"{label}只能登记本工作站（司法所）代为申请的案件。"
        if helped_by_institution_id is not None:
            return f"{label}不能代为登记联络点（承办机构）提供的帮助。"
    if role is Role.liaison:
        if not profile.institution_id or helped_by_institution_id != profile.institution_id:
            return f"{label}只能登记本机构（联络点）提供帮助的案件。"
        if workstation_id is not None:
            return f"{label}不能代为登记工作站（司法所）的申请。"
    return ""


def can_see_case(user: AnyUser | None, case: Case) -> bool:
    return visible_cases(user).filter(pk=case.pk).exists()


def own_center_rows(user: AnyUser | None, rows: QuerySet[M], center_path: str) -> QuerySet[M]:
    """`rows` narrowed to the user's own center (several centers share one installation):
    `center_path` leads from a row to its center ("center", "user__profile__center"; "" when
    the rows are centers). The installation's superuser sees every center; a user without a
    staff profile sees nothing."""
    if user is not None and getattr(user, "is_superuser", False):
        return rows
    profile = profile_of(user)
    if profile is None:
        return rows.none()
    return rows.filter(**{f"{center_path}_id" if center_path else "pk": profile.center_id})


def visible_audit_events(user: AnyUser | None, events: QuerySet[M]) -> QuerySet[M]:
    """The audit events a user may read: about a case they may see, or (about no case) done by
    a user of their own center. The chain is one for the installation; its events are not."""
    if user is not None and getattr(user, "is_superuser", False):
        return events
    profile = profile_of(user)
    if profile is None:
        return events.none()
    colleagues = StaffProfile.objects.filter(center_id=profile.center_id).values("user_id")
    return events.filter(
        Q(case_id_ref__in=visible_cases(user).values("pk"))
        | Q(case_id_ref__isnull=True, actor_id__in=colleagues)
    )


def can(user: AnyUser | None, action: str, case: Case | None = None) -> bool:
    role = role_of(user)
    if role is None or role not in ACTIONS[action]:
        return False
    if case is None:
        return True
    if not can_see_case(user, case):
        return False
    profile = profile_of(user)
    assert profile is not None
    # An institution or practitioner still sees a case it held or handled before, but acts on,
    # and reads the personal data of, only the cases it holds or handles now: a case mostly
    # moves away for a conflict of interest (第十二条).
    if role is Role.institution_admin and action != "view_case":
        return case.institution_id == profile.institution_id
    if role is Role.practitioner and action != "view_case":
        practitioner = profile.practitioner_id or 0
        return case.handlers.filter(practitioner_id=practitioner, active=True).exists()
    return True


def may_see_personal_data(user: AnyUser | None, case: Case) -> bool:
    """The one answer, for the API and the admin alike, to "may this user read this case's
    personal data unmasked" (the parties' names, full ID numbers, phones and addresses, and
    the case's own text): `view_personal_data` on this case. Whoever may not sees the masked
    forms; whoever may, and reads them, is an audit event (`record_personal_data_view`). The
    installation's superuser is no role: without a staff profile it sees them masked too."""
    return can(user, "view_personal_data", case)


def require(user: AnyUser | None, action: str, case: Case | None = None) -> StaffProfile:
    """The actor's profile, or `ActionError(forbidden)` saying what they may not do."""
    profile = profile_of(user)
    if profile is None:
        raise ActionError("请先登录。", kind="forbidden")
    if not can(user, action, case):
        what = ACTION_ZH.get(action, action)
        raise ActionError(
            f"{profile.get_role_display()}无权{what}"
            + ("（本案件不在其职责范围内）" if case else "")
            + "。",
            kind="forbidden",
        )
    return profile
