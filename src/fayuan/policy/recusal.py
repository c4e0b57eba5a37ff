"""Recusal of assignment staff (第八条; SPEC.md §11)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from fayuan.policy.model import Party


class StaffRole(StrEnum):
    officer = "officer"  # 区法律援助中心负责案件指派工作的人员
    director = "director"  # 法律援助中心负责人
    section_head = "section_head"  # 区司法局公共法律服务管理科负责人


class RecusalDecider(StrEnum):
    aid_center = "aid_center"  # 区法律援助中心（由中心负责人决定）
    pls_section = "pls_section"  # 区司法局公共法律服务管理科
    bureau = "bureau"  # 区司法局


RECUSAL_DECIDER_ZH = {
    RecusalDecider.aid_center: "区法律援助中心（中心负责人）",
    RecusalDecider.pls_section: "区司法局公共法律服务管理科",
    RecusalDecider.bureau: "区司法局",
}


def recusal_decider(role: StaffRole) -> RecusalDecider:
    """第八条：工作人员回避由区法律援助中心决定；法律援助中心负责人回避由区司法局公共法律服务
    管理科决定；区司法局公共法律服务管理科负责人回避由区司法局决定。"""
    return {
        StaffRole.officer: RecusalDecider.aid_center,
        StaffRole.director: RecusalDecider.pls_section,
        StaffRole.section_head: RecusalDecider.bureau,
    }[role]


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    id_number: str | None = None

    def matches(self, other: Person | Party) -> bool:
        """Same person: on id_number when both have one, else on exact name (SPEC §3)."""
        if self.id_number and other.id_number:
            return self.id_number == other.id_number
        return self.name == other.name


@dataclass(frozen=True, slots=True)
class Declaration:
    """What a staff member declared: themself, close relatives, and persons they have an
    interest with (利害关系)."""

    staff: Person
    relatives: tuple[Person, ...] = ()
    interests: tuple[Person, ...] = ()


def recusal_grounds(declaration: Declaration, parties: Iterable[Party]) -> list[str]:
    """第八条：负责案件指派工作的人员与申请人、申请人的近亲属或可能与所申请的法律援助事项有
    利害关系的，应当主动申请回避。

    [SPEC §11: the system also flags a likely relation itself — the staff member's own identity,
    a declared relative or a declared interest among the case's parties.] Returns the grounds in
    Chinese; empty when nothing matches.
    """
    grounds = []
    for party in parties:
        if declaration.staff.matches(party):
            grounds.append(f"本人即本案当事人 {party.name}")
        for relative in declaration.relatives:
            if relative.matches(party):
                grounds.append(f"申报的近亲属 {relative.name} 是本案当事人")
        for interest in declaration.interests:
            if interest.matches(party):
                grounds.append(f"与本案当事人 {party.name} 有申报的利害关系")
    return grounds
