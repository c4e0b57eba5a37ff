"""How many handlers a case needs (第十条; SPEC.md §6)."""

from __future__ import annotations

from fayuan.policy.model import Case
from fayuan.policy.params import PolicyValues


def is_group_case(case: Case, pv: PolicyValues) -> bool:
    """第十条 集团案件.

    [SPEC §6: ten or more aided persons, 民事诉讼法解释第七十五条 "人数众多".]
    """
    return not case.is_criminal and case.aided_persons >= pv.group_min_persons


def handlers_minimum(case: Case, pv: PolicyValues) -> int:
    """第十条：案件承办机构应当按照每件法律援助案件由 1 名承办人员办理的标准安排；集团案件可以……
    安排 2 名及以上承办人员办理。

    [SPEC §6: the number an institution must field to be eligible: 1, or `group.min_handlers` for
    a group case (可以 is a recommendation beyond that, `handlers_recommended`). Criminal: one
    lawyer per defendant.]
    """
    if case.is_criminal:
        return pv.criminal_handlers_per_defendant
    return pv.group_min_handlers if is_group_case(case, pv) else 1


def handlers_recommended(case: Case, pv: PolicyValues) -> int:
    """第十条：每件法律援助案件由 1 名承办人员办理；集团案件可以根据涉案人数、案件疑难复杂程度
    适当合理安排 2 名及以上承办人员办理。

    [SPEC §6: ranking prefers institutions that can field this many; the largest
    `group.handlers_by_persons` row whose persons ≤ the case's, never fewer
    than `group.min_handlers`, plus `group.major_difficult_extra_handlers` when major_difficult.
    Criminal: one lawyer per defendant, and a case names one defendant.]
    """
    if case.is_criminal:
        return pv.criminal_handlers_per_defendant
    if not is_group_case(case, pv):
        return 1
    recommended = pv.group_min_handlers
    for persons, handlers in pv.group_handlers_by_persons:
        if persons <= case.aided_persons:
            recommended = max(recommended, handlers)
    if case.major_difficult:
        recommended += pv.group_major_difficult_extra
    return recommended
