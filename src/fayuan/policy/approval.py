"""Who decides an assignment (第五条; SPEC.md §4)."""

from __future__ import annotations

from enum import StrEnum

from fayuan.policy.model import Case
from fayuan.policy.params import PolicyValues


class Route(StrEnum):
    director = "director"
    bureau = "bureau"


ROUTE_ZH = {
    Route.director: "指派人员提出指派意见，报法律援助中心负责人决定",
    Route.bureau: "法律援助中心集体讨论后，书面报请区司法局决定",
}


def major_case_grounds(case: Case, pv: PolicyValues) -> list[str]:
    """第五条：指派 50 人以上集团案件或对社会平安稳定有影响等重大疑难案件……

    [SPEC §4: "50人以上" includes 50; `major_difficult` alone also makes a case major.]
    """
    grounds = []
    if case.aided_persons >= pv.major_group_min_persons:
        grounds.append(f"受援人 {case.aided_persons} 人，达到 {pv.major_group_min_persons} 人以上")
    if case.stability_risk:
        grounds.append("对社会平安稳定有影响")
    if case.major_difficult:
        grounds.append("重大疑难")
    return grounds


def approval_route(case: Case, pv: PolicyValues) -> Route:
    """第五条：普通案件报法律援助中心负责人决定；重大疑难案件集体讨论后书面报请区司法局决定。"""
    return Route.bureau if major_case_grounds(case, pv) else Route.director
