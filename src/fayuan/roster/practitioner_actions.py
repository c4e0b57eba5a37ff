"""An institution keeps its own practitioners up to date (第九条：执业人员资质、专业特长; 第十一条：
执业年限与刑事辩护经验; 《办理法律援助案件程序规定》第二十六条第二款：熟悉未成年人身心特点).

The rules read these facts on every assignment (SPEC §2), so every change is one audit event
`roster.practitioner_update` with the old and the new value of each field changed, written in
the same transaction as the change (`fayuan.locks.action`, the institution locked: two edits of
one institution's practitioners run one after the other). A refused change writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from fayuan import locks
from fayuan.accounts.access import AnyUser, profile_of, require, user_id
from fayuan.accounts.models import Role
from fayuan.audit.log import record
from fayuan.errors import ActionError
from fayuan.limits import ROSTER_MAX_INT, ROSTER_MAX_SPECIALTIES, control_character
from fayuan.locks import action
from fayuan.policy.deadlines import local_date
from fayuan.roster.models import Practitioner, PractitionerStatus, PractitionerStatusChange

#: One specialty (as in the roster exchange format, SPEC §12).
SPECIALTY_MAX_LENGTH = 50


@dataclass(frozen=True)
class PractitionerUpdate:
    """The facts an institution keeps about its practitioner (all of them, as the form has)."""

    licence_number: str
    licensed_on: date
    criminal_defense_cases: int
    specialties: list[str]
    minors_qualified: bool
    phone: str
    status: str


def _text(value: str, field: str, label: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise ActionError(f"{label}过长（不得超过 {limit} 个字符）。", field)
    bad = control_character(value, line_breaks=False)
    if bad:
        raise ActionError(f"{label}含有不可见的控制字符 {bad}。", field)
    return value


def _checked(update: PractitionerUpdate) -> PractitionerUpdate:
    """The update with its text trimmed, or the first problem as an `ActionError` naming its
    field."""
    licence = _text(update.licence_number, "licence_number", "执业证号", 40)
    phone = _text(update.phone, "phone", "电话", 30)
    today = local_date(timezone.now())
    if update.licensed_on > today:
        raise ActionError(
            f"执业日期 {update.licensed_on.isoformat()} 晚于今天（{today.isoformat()}），"
            "执业日期不能是将来的日期。",
            "licensed_on",
        )
    if not 0 <= update.criminal_defense_cases <= ROSTER_MAX_INT:
        raise ActionError(
            f"刑事辩护件数应为 0 至 {ROSTER_MAX_INT} 之间的整数。", "criminal_defense_cases"
        )
    specialties: list[str] = []
    for item in update.specialties:
        item = _text(item, "specialties", f"专业特长“{item[:20]}”", SPECIALTY_MAX_LENGTH)
        if item and item not in specialties:
            specialties.append(item)
    if len(specialties) > ROSTER_MAX_SPECIALTIES:
        raise ActionError(
            f"专业特长最多 {ROSTER_MAX_SPECIALTIES} 项，填写了 {len(specialties)} 项。",
            "specialties",
        )
    if update.status not in PractitionerStatus.values:
        raise ActionError(f"未知的执业状态“{update.status}”。", "status")
    return PractitionerUpdate(
        licence,
        update.licensed_on,
        update.criminal_defense_cases,
        specialties,
        update.minors_qualified,
        phone,
        update.status,
    )


def _audit_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@action
def do_update_practitioner(
    practitioner: Practitioner, actor: AnyUser, update: PractitionerUpdate
) -> dict[str, list[Any]]:
    """The institution's admin changes its own practitioner's facts. Returns the changes
    ({field: [old, new]}); none: nothing is written, no audit event."""
    profile = profile_of(actor)
    if profile is None:
        raise ActionError("请先登录。", kind="forbidden")
    if (
        profile.role != Role.institution_admin
        or profile.institution_id is None
        or profile.institution_id != practitioner.institution_id
        or profile.center_id != practitioner.center_id
    ):
        raise ActionError(
            f"{profile.get_role_display()}只能维护本机构的承办人信息。", kind="forbidden"
        )
    update = _checked(update)
    with transaction.atomic():
        locks.institution(practitioner.institution)
        current = Practitioner.objects.get(pk=practitioner.pk)
        if current.institution_id != profile.institution_id:
            raise ActionError("该承办人已不属于本机构。", kind="forbidden")
        suspended = PractitionerStatus.suspended
        if update.status != current.status and suspended in (update.status, current.status):
            # 第九条: only the center suspends and reinstates, with a reason.
            raise ActionError(
                "暂停指派和恢复指派由法律援助中心决定，承办机构不能更改；"
                f"该承办人现为“{current.get_status_display()}”。",
                "status",
            )
        changes: dict[str, list[Any]] = {}
        for f in fields(update):
            old, new = getattr(current, f.name), getattr(update, f.name)
            if f.name == "specialties":
                old = list(old or [])
            if old != new:
                changes[f.name] = [_audit_value(old), _audit_value(new)]
                setattr(current, f.name, new)
        if not changes:
            return {}
        current.save(update_fields=list(changes))
        record(
            actor,
            "roster.practitioner_update",
            current,
            data={"code": current.code, "changes": changes},
        )
    for name in changes:
        setattr(practitioner, name, getattr(current, name))
    return changes


#: The statuses the center sets with a reason (第九条): suspend, and reinstate.
CENTER_STATUSES = (PractitionerStatus.suspended, PractitionerStatus.active)


@action
def do_set_practitioner_status(
    practitioner: Practitioner, status: PractitionerStatus | str, reason: str, actor: AnyUser
) -> PractitionerStatusChange:
    """第九条: the center suspends a practitioner's new assignments (暂停指派) or reinstates them
    (恢复指派), with a reason kept in the history. A suspended practitioner is not eligible for
    a new assignment (the rules count only "active"), and keeps the cases it handles; a roster
    import does not lift a suspension. Who: those who may suspend an institution
    (`set_institution_status`), of the practitioner's center."""
    profile = require(actor, "set_institution_status")
    if profile.center_id != practitioner.center_id:
        raise ActionError("只能变更本中心名册上的承办人。", kind="forbidden")
    if status not in [s.value for s in CENTER_STATUSES]:
        raise ActionError(f"只能暂停或恢复指派，不能设为“{status}”。", "status")
    new = PractitionerStatus(status)
    reason = _text(reason or "", "reason", "原因", 500)
    if not reason:
        raise ActionError("暂停或恢复指派必须填写原因。", "reason")
    with transaction.atomic():
        locks.institution(practitioner.institution)
        current = Practitioner.objects.get(pk=practitioner.pk)
        if current.status == new:
            raise ActionError(f"承办人 {current} 已是“{new.label}”状态。", "status", "conflict")
        if current.status == PractitionerStatus.inactive:
            raise ActionError(
                f"承办人 {current} 为“非执业”，不在指派范围内，不能暂停或恢复指派。",
                "status",
                "conflict",
            )
        previous = current.status
        current.status = new.value
        current.save(update_fields=["status"])
        at = timezone.now()
        change = PractitionerStatusChange.objects.create(
            practitioner=current, status=new.value, reason=reason, at=at, by_id=user_id(actor)
        )
        record(
            actor,
            "practitioner.status",
            current,
            data={
                "code": current.code,
                "institution": current.institution.code,
                "from": previous,
                "to": new.value,
                "reason": reason,
            },
        )
    practitioner.status = new.value
    return change
