"""A decision's reasoning in Chinese, article by article, as an officer reads it."""

from __future__ import annotations

from fayuan.policy.approval import ROUTE_ZH
from fayuan.policy.deadlines import CHINA_TZ
from fayuan.policy.decision import RULE_ZH, Decision, Rule, Status
from fayuan.policy.roster import RosterView


def _name(roster: RosterView, institution: str | None) -> str:
    if institution is None:
        return "（无）"
    inst = roster.institutions.get(institution)
    return f"{inst.name}（{institution}）" if inst else institution


def _practitioners(roster: RosterView, ids: tuple[str, ...]) -> str:
    names = [
        f"{roster.practitioners[i].name}（{i}）" if i in roster.practitioners else i for i in ids
    ]
    return "、".join(names) if names else "无"


def explain_decision(decision: Decision, roster: RosterView) -> str:
    """第四条 公开公正、程序规范: every step of the decision, with the article that governs it."""
    lines: list[str] = []
    when = decision.on.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    title = "更换承办人" if decision.event == "change_handler" else "指派"
    lines.append(f"案件 {decision.case} 的{title}决定（{when}，政策 {decision.policy_id}）")
    if decision.status is Status.refused:
        lines.append(f"结论：不予更换。{decision.refusal}")
        return "\n".join(lines)
    if decision.change_number:
        lines.append(f"第十二条：这是本案第 {decision.change_number} 次更换承办人。")
    if decision.status is Status.assigned:
        lines.append(
            f"结论：指派 {_name(roster, decision.institution)}，"
            f"依据：{RULE_ZH[decision.rule] if decision.rule else ''}。"
        )
    else:
        lines.append(
            "结论：没有符合条件的承办机构，须立即报指派人员和中心负责人处理，不得超过期限。"
        )
    if decision.route is not None:
        grounds = "；".join(decision.route_grounds)
        article = "第十二条" if decision.change_number else "第五条"
        suffix = f"（{grounds}）" if grounds else "（普通案件）"
        lines.append(f"{article}：决定程序为{ROUTE_ZH[decision.route]}{suffix}。")
    if decision.deadline is not None:
        pv = decision.policy_values
        days = ""
        if pv is not None:
            n = pv.criminal_working_days if _criminal(decision) else pv.other_working_days
            days = f"{n} 个工作日，"
        lines.append(
            f"第六条：指派期限为{days}开始之日不计入，"
            f"须在 {decision.deadline.strftime('%Y-%m-%d %H:%M:%S')}（北京时间）前"
            "指派并制作《指派通知书》。"
        )
    if decision.handlers_required is not None:
        extra = "（集团案件）" if decision.group else ""
        lines.append(f"第十条：需安排承办人员 {decision.handlers_required} 名{extra}。")
    if decision.serious:
        lines.append(
            "第十一条：本案具有一定社会影响、重大疑难或可能判处无期徒刑以上，"
            "须由执业满 3 年且刑事辩护经验丰富的律师承办。"
        )
    for d in decision.declined:
        which = "申请人选择的" if d.rule is Rule.choice else "为当事人提供法律帮助的"
        article = "第四条、第九条" if d.rule is Rule.choice else "第七条"
        lines.append(f"{article}：{which}{_name(roster, d.institution)}不能指派：{d.detail}。")
    lines.extend(_rule_lines(decision, roster))
    if decision.status is Status.assigned:
        lines.append(
            f"可承办人员：{_practitioners(roster, decision.eligible_practitioners)}"
            + (
                f"；申请人选择的承办人：{_practitioners(roster, (decision.handler,))}"
                if decision.handler
                else ""
            )
        )
        lines.extend(_practitioner_lines(decision, roster))
    lines.append(f"引用条款：{'、'.join(decision.articles)}")
    return "\n".join(lines)


def _criminal(decision: Decision) -> bool:
    return decision.rule is Rule.rotation or decision.serious or (decision.rotation is not None)


def _rule_lines(decision: Decision, roster: RosterView) -> list[str]:
    lines: list[str] = []
    if decision.rule is Rule.choice:
        lines.append("第四条、第九条：尊重受援人意愿（点援），所选机构符合条件且无利益冲突。")
    elif decision.rule is Rule.helping:
        lines.append("第七条：根据便民原则，优先指派为当事人提供法律帮助的机构，且无利益冲突。")
    turn = decision.rotation
    if turn is not None:
        if decision.rule is Rule.rotation or decision.status is Status.unassignable:
            lines.append(
                "第十一条：刑事案件按序依次指派。各律师事务所按执业律师人数取得轮次积分，"
                "积分最高且符合条件者中选，中选者扣减全部权重之和；"
                f"本次轮候池共 {len(turn.pool)} 家，权重合计 {turn.total_weight}。"
            )
        else:
            lines.append("第十一条：本刑事案件按申请人选择或便民原则指派，计为该所的一次轮次。")
        ordered = sorted(
            turn.pool, key=lambda m: (-(turn.credit_before(m.firm) + m.weight), m.sequence)
        )
        skipped = dict(turn.skipped)
        for m in ordered:
            credit = turn.credit_before(m.firm) + m.weight
            if m.firm == turn.winner:
                verdict = "中选"
            elif m.firm in skipped:
                verdict = f"跳过，保留积分：{skipped[m.firm].detail}"
            else:
                verdict = "积分低于中选者"
            lines.append(
                f"  · {_name(roster, m.firm)}：权重 {m.weight}，积分 {turn.credit_before(m.firm)}"
                f"+{m.weight}={credit}，{verdict}"
            )
    if decision.scores:
        lines.append(
            "第九条、第十条、属地原则：对符合条件的机构综合评分（专业特长、办案质量、属地、近期负担）："
        )
        for rank, s in enumerate(decision.scores, 1):
            verdict = "中选" if rank == 1 else "得分较低"
            if s.over_share:
                verdict += f"；近期案件已达份额上限 {s.share_cap:.1f} 件，排在未达上限者之后"
            lines.append(
                f"  {rank}. {_name(roster, s.institution)}：总分 {s.total:.2f} = "
                f"专业 {s.specialty:.2f}（擅长人员 {s.specialists} 名）+ 质量 {s.quality:.2f}"
                f"（平均 {s.mean_quality:.1f}）+ 属地 {s.locality:.2f}"
                f"{'（同一镇街）' if s.same_locality else ''} − 负担 {s.load:.2f}"
                f"（近期 {s.recent_cases} 件/{s.practitioners} 人），{verdict}"
            )
    if decision.ineligible and (decision.scores or decision.status is Status.unassignable):
        lines.append("不符合条件的机构：")
        for check in decision.ineligible:
            lines.append(f"  · {_name(roster, check.institution)}：{check.detail}")
    return lines


def _practitioner_lines(decision: Decision, roster: RosterView) -> list[str]:
    """Why each other practitioner of the chosen institution may not handle the case."""
    lines = []
    for check in decision.practitioner_checks:
        if check.practitioner in decision.excluded:
            lines.append(
                f"  · 原承办人 {_practitioners(roster, (check.practitioner,))} 不再承办（第十二条）"
            )
        elif not check.eligible:
            lines.append(
                f"  · {_practitioners(roster, (check.practitioner,))} 不能承办：{check.detail}"
            )
    return lines
