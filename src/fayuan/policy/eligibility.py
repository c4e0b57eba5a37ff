"""Who may handle what (第二、六、十、十一条; SPEC.md §2) and who is free of conflict (§3)."""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from fayuan.policy.conflicts import ConflictReason
from fayuan.policy.model import (
    Case,
    Institution,
    InstitutionKind,
    Practitioner,
    PractitionerKind,
)
from fayuan.policy.params import PolicyValues


def is_serious_criminal(case: Case) -> bool:
    """第十一条：对具有一定社会影响，重大疑难或可能判处无期徒刑以上的案件应安排执业 3 年以上，
    且具有丰富的刑事案件辩护经验的律师承办。"""
    return case.is_criminal and (
        case.social_impact or case.major_difficult or case.life_sentence_possible
    )


def serious_grounds(case: Case) -> tuple[str, ...]:
    """Which of 第十一条's grounds make a criminal case serious, in the article's words."""
    if not case.is_criminal:
        return ()
    grounds = (
        (case.social_impact, "具有一定社会影响"),
        (case.major_difficult, "重大疑难"),
        (case.life_sentence_possible, "可能判处无期徒刑以上"),
    )
    return tuple(text for present, text in grounds if present)


def full_years_between(since: date, on: date) -> int:
    """Full years from `since` to `on` (the anniversary counts; 29 February as below)."""
    years = on.year - since.year
    while years > 0 and not full_years_reached(since, years, on):
        years -= 1
    return max(years, 0)


def full_years_reached(since: date, years: int, on: date) -> bool:
    """Whether `years` full years have passed from `since` by `on`; the anniversary counts.

    [SPEC §2. A 29 February start ends on the last day of February (民法典第二百零二条: 没有对应日
    的，月末日为期间的最后一日).]
    """
    year = since.year + years
    day = min(since.day, _gregorian.monthrange(year, since.month)[1])
    return on >= date(year, since.month, day)


# Reason codes a practitioner or institution is not eligible, with what an officer reads.
PRACTITIONER_REASONS_ZH = {
    "inactive": "非执业状态",
    "suspended": "中心已暂停指派（第九条）",
    "not_lawyer": "刑事案件只能由执业律师承办（第二条、第十一条）",
    "practice_years": "自 {since} 执业，至 {on} 满 {have} 年，不满 {years} 年（第十一条）",
    "defense_cases": "刑事辩护 {have} 件，少于 {cases} 件（第十一条）",
    "minors": "名册未标记熟悉未成年人身心特点，不能承办未成年人案件"
    "（《办理法律援助案件程序规定》第二十六条第二款）",
    "conflict": "利益冲突：{detail}",
}

INSTITUTION_REASONS_ZH = {
    "inactive": "名册中为非执业（停用）状态",
    "suspended": "已暂停接受指派",
    "kind": "刑事案件只能指派律师事务所（第六条、第十一条）",
    "conflict": "利益冲突：{detail}",
    "practitioners": "符合条件且无利益冲突的承办人 {have} 名，少于需要的 {need} 名",
    "qualified": "没有执业满 {years} 年且刑事辩护 {cases} 件以上、无利益冲突的律师（第十一条）",
    "minors_qualified": "没有熟悉未成年人身心特点且无利益冲突的律师"
    "（《办理法律援助案件程序规定》第二十六条第二款）",
    "qualified_minors": "没有执业满 {years} 年、刑事辩护 {cases} 件以上、熟悉未成年人身心特点且"
    "无利益冲突的律师（第十一条；《办理法律援助案件程序规定》第二十六条第二款）",
    "recommended": "符合条件且无利益冲突的承办人 {have} 名，能满足最低 {minimum} 名，"
    "但不足建议的 {recommended} 名，排在能安排建议人数的机构之后（第十条）",
    "excluded": "原承办机构，更换时不再指派（第十二条）",
    "chosen_practitioner": "申请人选择的承办人{practitioner}不能承办：{detail}",
}


@dataclass(frozen=True, slots=True)
class PractitionerCheck:
    practitioner: str
    eligible: bool
    reason: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class InstitutionCheck:
    """One institution assessed for one case: eligible or why not, and who may handle it."""

    institution: str
    eligible: bool
    reason: str = ""
    detail: str = ""
    eligible_practitioners: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseNeeds:
    """What the rules ask of a handler for one case on one date."""

    criminal: bool
    serious: bool
    minor: bool
    on: date
    handlers_required: int
    min_practice_years: int
    min_criminal_cases: int

    @classmethod
    def of(cls, case: Case, on: date, handlers_required: int, pv: PolicyValues) -> CaseNeeds:
        return cls(
            criminal=case.is_criminal,
            serious=is_serious_criminal(case),
            minor=case.is_criminal and case.minor,
            on=on,
            handlers_required=handlers_required,
            min_practice_years=pv.serious_min_practice_years,
            min_criminal_cases=pv.serious_min_criminal_cases,
        )


def check_practitioner(
    p: Practitioner, needs: CaseNeeds, conflicts: Mapping[str, ConflictReason]
) -> PractitionerCheck:
    """第二条：承办人是受指派的本区执业律师、基层法律服务工作者；第十一条：刑事案件由律师承办，
    重大案件由执业 3 年以上且刑事辩护经验丰富的律师承办；第十二条：利益冲突者不得承办。
    第九条：中心暂停指派的承办人不接受新的指派（its own reason: it is not 非执业）。"""
    if p.suspended:
        return PractitionerCheck(p.id, False, "suspended", PRACTITIONER_REASONS_ZH["suspended"])
    if not p.active:
        return PractitionerCheck(p.id, False, "inactive", PRACTITIONER_REASONS_ZH["inactive"])
    if needs.criminal and p.kind is not PractitionerKind.lawyer:
        return PractitionerCheck(p.id, False, "not_lawyer", PRACTITIONER_REASONS_ZH["not_lawyer"])
    if needs.serious:
        if not full_years_reached(p.licensed_on, needs.min_practice_years, needs.on):
            text = PRACTITIONER_REASONS_ZH["practice_years"].format(
                since=p.licensed_on.isoformat(),
                on=needs.on.isoformat(),
                have=full_years_between(p.licensed_on, needs.on),
                years=needs.min_practice_years,
            )
            return PractitionerCheck(p.id, False, "practice_years", text)
        if p.criminal_defense_cases < needs.min_criminal_cases:
            text = PRACTITIONER_REASONS_ZH["defense_cases"].format(
                have=p.criminal_defense_cases, cases=needs.min_criminal_cases
            )
            return PractitionerCheck(p.id, False, "defense_cases", text)
    if needs.minor and not p.minors_qualified:
        return PractitionerCheck(p.id, False, "minors", PRACTITIONER_REASONS_ZH["minors"])
    conflict = conflicts.get(p.id)
    if conflict is not None:
        text = PRACTITIONER_REASONS_ZH["conflict"].format(detail=conflict.zh())
        return PractitionerCheck(p.id, False, "conflict", text)
    return PractitionerCheck(p.id, True)


def practitioner_qualifies(p: Practitioner, needs: CaseNeeds) -> bool:
    """The fast form of `check_practitioner` without conflicts, for active candidates."""
    if needs.criminal and p.kind is not PractitionerKind.lawyer:
        return False
    if needs.minor and not p.minors_qualified:
        return False
    return not needs.serious or (
        p.criminal_defense_cases >= needs.min_criminal_cases
        and full_years_reached(p.licensed_on, needs.min_practice_years, needs.on)
    )


def eligible_practitioners(
    candidates: Sequence[Practitioner],
    needs: CaseNeeds,
    practitioner_conflicts: Mapping[str, ConflictReason],
) -> tuple[str, ...]:
    """Ids of the active `candidates` who may handle the case (§2) and are free of conflict (§3)."""
    if needs.serious or needs.criminal or needs.minor:
        candidates = [p for p in candidates if p.active and practitioner_qualifies(p, needs)]
    if practitioner_conflicts:
        return tuple(p.id for p in candidates if p.active and p.id not in practitioner_conflicts)
    return tuple(p.id for p in candidates if p.active)


def check_institution(
    inst: Institution,
    suspended: bool,
    candidates: Sequence[Practitioner],
    needs: CaseNeeds,
    institution_conflicts: Mapping[str, ConflictReason],
    practitioner_conflicts: Mapping[str, ConflictReason],
    *,
    allow_suspended: bool = False,
) -> InstitutionCheck:
    """SPEC §7 "eligible": allowed by §2, not in conflict (§3), with at least the required number
    of eligible practitioners free of conflict. `candidates` are the institution's practitioners
    (inactive ones are passed over).

    第二条、第六条：刑事案件指派律师事务所；其他案件指派律师事务所或基层法律服务所。
    第七条：……但有利益冲突的除外。第十条：集团案件安排 2 名及以上承办人员。
    [SPEC §8: a suspended institution takes no new case, but a handler change within it is allowed
    (`allow_suspended`).]
    """
    if not inst.active:
        return InstitutionCheck(inst.id, False, "inactive", INSTITUTION_REASONS_ZH["inactive"])
    if suspended and not allow_suspended:
        return InstitutionCheck(inst.id, False, "suspended", INSTITUTION_REASONS_ZH["suspended"])
    if needs.criminal and inst.kind is not InstitutionKind.law_firm:
        return InstitutionCheck(inst.id, False, "kind", INSTITUTION_REASONS_ZH["kind"])
    conflict = institution_conflicts.get(inst.id)
    if conflict is not None:
        text = INSTITUTION_REASONS_ZH["conflict"].format(detail=conflict.zh())
        return InstitutionCheck(inst.id, False, "conflict", text)
    eligible = eligible_practitioners(candidates, needs, practitioner_conflicts)
    if len(eligible) < needs.handlers_required:
        if (needs.serious or needs.minor) and not eligible:
            # [SPEC §2, §8: a firm with no qualified lawyer is skipped and keeps its credit.]
            reason = (
                "qualified_minors"
                if needs.serious and needs.minor
                else ("qualified" if needs.serious else "minors_qualified")
            )
            text = INSTITUTION_REASONS_ZH[reason].format(
                years=needs.min_practice_years, cases=needs.min_criminal_cases
            )
            return InstitutionCheck(inst.id, False, reason, text, ())
        text = INSTITUTION_REASONS_ZH["practitioners"].format(
            have=len(eligible), need=needs.handlers_required
        )
        return InstitutionCheck(inst.id, False, "practitioners", text, eligible)
    return InstitutionCheck(inst.id, True, "", "", eligible)
