"""Where each article of the regulation lives in code, or why none implements it.

(DESIGN.md, after Catala: parts of the text not turned into code are marked with the reason.)
A test fails if an article is unaccounted for or names code that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ArticleEntry:
    article: str
    subject: str
    implemented_by: tuple[str, ...] = ()  # dotted paths of the functions/classes
    not_code_because: str = ""


REGISTRY: tuple[ArticleEntry, ...] = (
    ArticleEntry(
        "第一条",
        "制定依据",
        not_code_because="Cites the laws the regulation rests on; it states no rule to apply.",
    ),
    ArticleEntry(
        "第二条",
        "定义：法律援助案件、指派、承办机构与承办人",
        implemented_by=(
            "fayuan.policy.model.InstitutionKind",
            "fayuan.policy.model.PractitionerKind",
            "fayuan.policy.eligibility.check_practitioner",
            "fayuan.policy.eligibility.check_institution",
        ),
    ),
    ArticleEntry(
        "第三条",
        "职责：中心负责指派，区司法局监督指导",
        not_code_because=(
            "Allocates responsibilities between bodies; the service's roles and access rules "
            "(issue 3) reflect it, the assignment rules have nothing to compute."
        ),
    ),
    ArticleEntry(
        "第四条",
        "指派原则与“点援制+属地制”",
        implemented_by=(
            "fayuan.policy.selection._choice",
            "fayuan.policy.ranking.static_score",
            "fayuan.policy.explain.explain_decision",
        ),
    ),
    ArticleEntry(
        "第五条",
        "决定程序：普通案件中心负责人决定，重大案件集体讨论后报区司法局决定",
        implemented_by=(
            "fayuan.policy.approval.approval_route",
            "fayuan.policy.approval.major_case_grounds",
        ),
    ),
    ArticleEntry(
        "第六条",
        "指派期限与《指派通知书》",
        implemented_by=(
            "fayuan.policy.deadlines.assignment_deadline",
            "fayuan.workdays.WorkdayCalendar.nth_workday_after",
        ),
    ),
    ArticleEntry(
        "第七条",
        "便民优先指派提供法律帮助的机构，但有利益冲突的除外",
        implemented_by=(
            "fayuan.policy.selection._helping",
            "fayuan.policy.conflicts.HoldingsIndex.conflicts",
        ),
    ),
    ArticleEntry(
        "第八条",
        "指派人员回避",
        implemented_by=(
            "fayuan.policy.recusal.recusal_decider",
            "fayuan.policy.recusal.recusal_grounds",
        ),
    ),
    ArticleEntry(
        "第九条",
        "按资质、专业特长、质量并结合受援人意愿合理指派；结合办案质量、回访满意度、办案机关评价提出指派建议",
        implemented_by=(
            "fayuan.policy.ranking.static_score",
            "fayuan.policy.selection.rank_institutions",
            # The quality score from file reviews, visits and organ opinions, and when it calls
            # for 指派建议; a suspended practitioner's own reason.
            "fayuan.policy.quality.quality_score",
            "fayuan.policy.quality.QualityScore",
            "fayuan.policy.eligibility.check_practitioner",
        ),
    ),
    ArticleEntry(
        "第十条",
        "非刑事案件指派；每案 1 名承办人，集团案件 2 名及以上",
        implemented_by=(
            "fayuan.policy.handlers.handlers_minimum",
            "fayuan.policy.handlers.handlers_recommended",
            "fayuan.policy.handlers.is_group_case",
            "fayuan.policy.ranking.static_score",
        ),
    ),
    ArticleEntry(
        "第十一条",
        "刑事案件按序依次指派；重大案件由执业 3 年以上且经验丰富的律师承办",
        implemented_by=(
            "fayuan.policy.rotation.take_turn",
            "fayuan.policy.rotation.firm_weight",
            "fayuan.policy.eligibility.is_serious_criminal",
            "fayuan.policy.eligibility.full_years_reached",
        ),
    ),
    ArticleEntry(
        "第十二条",
        "更换承办人：正当理由、受援人同意、中心批准，原则上不超过 2 次",
        implemented_by=(
            "fayuan.policy.handler_change.refusal_reason",
            "fayuan.policy.handler_change.decide_change",
        ),
    ),
    ArticleEntry(
        "第十三条",
        "区司法局的监督检查（案卷评查、回访、质效评估）",
        not_code_because=(
            "Supervision by the bureau; no assignment rule. The service's supervision records "
            "and reports serve it; quality scores it produces feed 第九条 ranking."
        ),
    ),
    ArticleEntry(
        "第十四条",
        "解释权与未尽事宜：依照相关法律法规执行",
        implemented_by=(
            # 法律援助法第三十六、四十三条，《办理法律援助案件程序规定》第二十四条：三日内指派。
            "fayuan.policy.deadlines.statutory_deadline",
            "fayuan.policy.deadlines.case_deadlines",
            # 《办理法律援助案件程序规定》第二十六条第二款：未成年人案件的律师。
            "fayuan.policy.eligibility.check_practitioner",
        ),
        not_code_because=(
            "The interpretation power is the bureau's; where SPEC.md reads an open point, the "
            "code says so."
        ),
    ),
    ArticleEntry(
        "第十五条",
        "施行日期",
        implemented_by=("fayuan.policy.params.Parameter.at",),
        not_code_because="",
    ),
)
