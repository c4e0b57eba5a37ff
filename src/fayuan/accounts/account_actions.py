"""Logins made by the center's director (or the bureau's section head) for an institution's
administrator, a practitioner (tied to its roster row) or a judicial organ's staff, and their
deactivation. Each is one transaction with its audit event (`account.create`,
`account.update`). The initial password is random, returned once to be handed over, and never
stored or logged in clear."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, User

from fayuan.accounts.access import AnyUser, profile_of
from fayuan.accounts.models import JudicialOrgan, Role, StaffProfile
from fayuan.audit import log as audit
from fayuan.errors import ActionError
from fayuan.locks import action
from fayuan.roster.models import Institution, Practitioner

#: The roles a manager may create logins for here (the center's own staff come from the admin).
CREATABLE = (Role.institution_admin, Role.practitioner, Role.judicial_organ)


def may_manage_accounts(user: AnyUser | None) -> bool:
    profile = profile_of(user)
    if profile is None:
        return False
    return profile.role == Role.director or (
        profile.role == Role.bureau_section and profile.is_section_head
    )


def _manager(actor: AnyUser) -> StaffProfile:
    profile = profile_of(actor)
    if profile is None or not may_manage_accounts(actor):
        raise ActionError(
            "只有法律援助中心负责人或公共法律服务管理科负责人可以管理账号。", kind="forbidden"
        )
    return profile


@dataclass
class NewAccount:
    username: str
    full_name: str
    role: str
    email: str = ""
    institution_id: int | None = None
    practitioner_id: int | None = None
    organ_id: int | None = None


def initial_password() -> str:
    return secrets.token_urlsafe(12)


@action
def do_create_account(actor: AnyUser, data: NewAccount) -> tuple[User, str]:
    """The user, its role's group and its staff profile; and the one-time initial password."""
    manager = _manager(actor)
    center = manager.center
    if data.role not in {r.value for r in CREATABLE}:
        raise ActionError("只能为承办机构管理员、承办人或办案机关工作人员创建账号。", "role")
    username = data.username.strip()
    if not username:
        raise ActionError("须填写用户名。", "username")
    if User.objects.filter(username__iexact=username).exists():
        raise ActionError(f"用户名“{username}”已被使用，请换一个。", "username")
    if not data.full_name.strip():
        raise ActionError("须填写姓名。", "full_name")
    links: dict[str, object] = {}
    if data.role == Role.institution_admin:
        institution = Institution.objects.filter(center=center, pk=data.institution_id or 0).first()
        if institution is None:
            raise ActionError("承办机构管理员须选择本中心名册中的承办机构。", "institution")
        links["institution"] = institution
        tied = institution.name
    elif data.role == Role.practitioner:
        practitioner = (
            Practitioner.objects.filter(center=center, pk=data.practitioner_id or 0)
            .select_related("institution")
            .first()
        )
        if practitioner is None:
            raise ActionError("承办人账号须选择本中心名册中的承办人。", "practitioner")
        if StaffProfile.objects.filter(practitioner=practitioner).exists():
            raise ActionError(f"承办人{practitioner.name}已有账号。", "practitioner")
        links["practitioner"] = practitioner
        tied = f"{practitioner.institution.name} {practitioner.name}"
    else:
        organ = JudicialOrgan.objects.filter(center=center, pk=data.organ_id or 0).first()
        if organ is None:
            raise ActionError("办案机关工作人员须选择本中心的办案机关。", "organ")
        links["organ"] = organ
        tied = organ.name
    password = initial_password()
    user = User.objects.create_user(username, email=data.email.strip(), password=password)
    group, _ = Group.objects.get_or_create(name=data.role)
    user.groups.add(group)
    profile = StaffProfile.objects.create(
        user=user,
        role=data.role,
        center=center,
        full_name=data.full_name.strip(),
        email=data.email.strip(),
        **links,
    )
    audit.record(
        actor,
        "account.create",
        user,
        data={
            "name": f"{profile.full_name}（{username}）",
            "role": profile.get_role_display(),
            "what": f"{profile.get_role_display()}：{tied}",
        },
    )
    return user, password


@action
def do_set_account_active(actor: AnyUser, account: User, active: bool, reason: str = "") -> User:
    """Deactivate (or reactivate) a login of the manager's own center; not one's own."""
    manager = _manager(actor)
    profile = StaffProfile.objects.filter(user=account, center=manager.center).first()
    if profile is None:
        raise ActionError("本中心没有这个账号。", kind="not_found")
    if account.pk == actor.pk:
        raise ActionError("不能停用自己的账号。", "active")
    if active and not reason.strip():
        reason = "恢复使用"
    if not active and not reason.strip():
        raise ActionError("停用账号须填写原因。", "reason")
    account = User.objects.select_for_update().get(pk=account.pk)
    if account.is_active == active:
        raise ActionError("账号已是该状态。", "active", kind="conflict")
    account.is_active = active
    account.save(update_fields=["is_active"])
    audit.record(
        actor,
        "account.update",
        account,
        data={
            "name": f"{profile.full_name}（{account.username}）",
            "what": "启用账号" if active else "停用账号",
            "reason": reason.strip(),
        },
    )
    return account
