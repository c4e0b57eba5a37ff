"""A decision's reasoning in Chinese, article by article, as an officer reads it and signs.

Every sentence is built from the decision itself and the policy values in force on its date:
no number, limit or verdict is written here as a literal. A line cites an article only when the
decision's own `articles` list has it, and lists follow the regulation's order.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fayuan.policy.approval import ROUTE_ZH, Route
from fayuan.policy.deadlines import CHINA_TZ, Deadlines, Governs, local_date
from fayuan.policy.decision import RULE_ARTICLES, RULE_ZH, Decision, Rule, Status
from fayuan.policy.eligibility import InstitutionCheck
from fayuan.policy.params import PolicyValues
from fayuan.policy.ranking import ScoreParts
from fayuan.policy.roster import RosterView
from fayuan.policy.rotation import PoolMember, RotationTurn

_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

#: The higher law behind `deadline.statutory_days` (SPEC §5) and the minors rule (SPEC §2).
STATUTE_ZH = "法律援助法第三十六条、第四十三条和《办理法律援助案件程序规定》第二十四条"
MINORS_ZH = "《办理法律援助案件程序规定》第二十六条第二款"

_PROVISIONAL = "（暂定）"

_START_ZH = {
    "notification": "收到通知辩护（通知代理）公函",
    "application": "决定给予法律援助",
}

_WEIGHT_RULE_ZH = {
    "lawyers": "各律师事务所的权重为其在职执业律师人数",
    "equal": "各律师事务所的权重均为 1",
}


class _Lines:
    """Collects lines; `cite` prefixes an article only if the decision relies on it."""

    def __init__(self, decision: Decision) -> None:
        self.articles = decision.articles
        self.lines: list[str] = []

    def add(self, text: str) -> None:
        self.lines.append(text)

    def cite(self, articles: tuple[str, ...], text: str) -> None:
        cited = [a for a in self.articles if a in articles]  # the decision's (regulation) order
        self.lines.append(f"{'、'.join(cited)}：{text}" if cited else text)


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


def _day(d: date, makeup: tuple[date, ...] = ()) -> str:
    mark = "，调休上班日" if d in makeup else ""
    return f"{d.isoformat()}（{_WEEKDAYS[d.weekday()]}{mark}）"


def _moment(t: datetime) -> str:
    return t.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def explain_decision(decision: Decision, roster: RosterView) -> str:
    """第四条 公开公正、程序规范: every step of the decision, with the article that governs it."""
    out = _Lines(decision)
    when = decision.on.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    title = "更换承办人" if decision.event == "change_handler" else "指派"
    out.add(f"案件 {decision.case} 的{title}决定（{when}，政策 {decision.policy_id}）")
    if decision.status is Status.refused:
        out.add(f"结论：不予更换。{decision.refusal}")
        return "\n".join(out.lines)
    pv = decision.policy_values
    if decision.status is Status.assigned and decision.change_mode == "same_institution":
        out.add(f"结论：由原承办机构 {_name(roster, decision.institution)} 重新安排承办人。")
    elif decision.status is Status.assigned and decision.change_number:
        rule = "按序依次指派" if decision.rotation is not None else "综合评分"
        out.add(
            f"结论：重新指派其他承办机构 {_name(roster, decision.institution)}（{rule}，"
            "原承办机构不再参与）。"
        )
    elif decision.status is Status.assigned:
        rule = RULE_ZH[decision.rule] if decision.rule else ""
        out.add(f"结论：指派 {_name(roster, decision.institution)}，依据：{rule}。")
    else:
        out.add("结论：没有符合条件的承办机构，须立即报指派人员和中心负责人处理，不得超过期限。")
    _route(out, decision, pv)
    if decision.deadlines is not None:
        _deadline(out, decision, decision.deadlines)
    _handlers(out, decision)
    if decision.serious and pv is not None:
        grounds = "、".join(decision.serious_grounds)
        out.cite(
            ("第十一条",),
            f"本案{grounds}，须由执业满 {pv.serious_min_practice_years} 年且刑事辩护 "
            f"{pv.serious_min_criminal_cases} 件以上的律师承办。",
        )
    if decision.minor:
        out.cite(
            ("第十四条",),
            f"本案为未成年人刑事案件，依{MINORS_ZH}，须由熟悉未成年人身心特点的律师承办"
            "（名册中标记为可承办未成年人案件）。",
        )
    for d in decision.declined:
        if d.reason == "chosen_practitioner":
            out.cite(RULE_ARTICLES[d.rule], f"{d.detail}（{_name(roster, d.institution)}）。")
            continue
        which = "申请人选择的" if d.rule is Rule.choice else "为当事人提供法律帮助的"
        out.cite(
            RULE_ARTICLES[d.rule], f"{which}{_name(roster, d.institution)}不能指派：{d.detail}。"
        )
    _rule_lines(out, decision, roster, pv)
    if decision.status is Status.assigned:
        chosen = (
            f"；申请人选择的承办人：{_practitioners(roster, (decision.handler,))}"
            if decision.handler
            else ""
        )
        out.add(f"可承办人员：{_practitioners(roster, decision.eligible_practitioners)}{chosen}")
        _practitioner_lines(out, decision, roster)
    out.add(f"引用条款：{'、'.join(decision.articles)}")
    return "\n".join(out.lines)


def _route(out: _Lines, decision: Decision, pv: PolicyValues | None) -> None:
    if decision.route is None:
        return
    if decision.change_number:
        # 第十二条: within the cap the center approves; beyond it the bureau does, in writing.
        # Neither is 第五条's collective discussion.
        cap = pv.handler_change_max_changes if pv is not None else None
        if decision.route is Route.bureau:
            text = (
                f"更换承办人原则上不超过 {cap} 次；本次为第 {decision.change_number} 次，"
                "须经区司法局书面批准。"
            )
        else:
            text = (
                f"本次为第 {decision.change_number} 次更换，未超过 {cap} 次，报法律援助中心批准。"
            )
        out.cite(("第十二条",), text)
        return
    grounds = "；".join(decision.route_grounds)
    suffix = f"（重大案件：{grounds}）" if grounds else "（普通案件）"
    out.cite(("第五条",), f"决定程序为{ROUTE_ZH[decision.route]}{suffix}。")


def _deadline(out: _Lines, decision: Decision, dl: Deadlines) -> None:
    start = local_date(dl.started_at)
    if decision.event == "change_handler":
        event = "更换承办人"
    else:
        event = _START_ZH.get(decision.source, "决定给予法律援助")
    counted = [d for d in dl.makeup_days if d <= dl.local.date()]
    makeup = "".join(f"，其中 {_day(d)}为调休上班日，计为工作日" for d in counted)
    out.cite(
        ("第六条",),
        f"自{event}之日 {start.isoformat()} 起算（当日不计入），"
        f"{dl.working_days} 个工作日内指派，本地期限为 {_moment(dl.local)}"
        f"{_PROVISIONAL if dl.local_provisional else ''}{makeup}。",
    )
    third = start + timedelta(days=dl.statutory_days)
    moved = (
        f"，该日为休息日，顺延至其后第一个工作日 {_day(dl.statutory.date(), dl.makeup_days)}"
        if dl.statutory.date() != third
        else ""
    )
    statute = (
        f"依{STATUTE_ZH}，应在 {dl.statutory_days} 日内指派：起算日后第 {dl.statutory_days} 日为 "
        f"{_day(third, dl.makeup_days)}{moved}，法定期限为 {_moment(dl.statutory)}"
        f"{_PROVISIONAL if dl.statutory_provisional else ''}。"
    )
    out.cite(("第十四条",), statute)
    governs = {
        Governs.statutory: "法定期限早于本地期限，以法定期限为准",
        Governs.local: "本地期限早于法定期限，以本地期限为准",
        Governs.both: "两个期限为同一日",
        Governs.local_uncapped: (
            "本政策不以法定期限限制本地期限（deadline.cap_by_statute = false），"
            "以本地期限为准；法定期限仅供参考"
        ),
    }[dl.governs]
    mark = "，暂定" if dl.provisional else ""
    line = (
        f"指派期限：{_moment(dl.deadline)}（北京时间{mark}）前指派并制作《指派通知书》"
        f"（{governs}）。"
    )
    if dl.any_provisional:
        line += (
            "【暂定】所涉年份的国务院节假日安排尚未录入，暂按周末和《全国年节及纪念日放假办法》"
            "规定的节日计算，录入后将重新计算。"
        )
    out.add(line)


def _handlers(out: _Lines, decision: Decision) -> None:
    if decision.handlers_required is None:
        return
    recommended = decision.handlers_recommended or decision.handlers_required
    group = "（集团案件）" if decision.group else ""
    if recommended != decision.handlers_required:
        text = (
            f"建议安排承办人员 {recommended} 名{group}；该机构符合条件的承办人员只有 "
            f"{decision.handlers_required} 名，需安排 {decision.handlers_required} 名。"
        )
    else:
        text = f"需安排承办人员 {decision.handlers_required} 名{group}。"
    out.cite(("第十条",), text)


def _rule_lines(
    out: _Lines, decision: Decision, roster: RosterView, pv: PolicyValues | None
) -> None:
    if decision.rule is Rule.choice:
        out.cite(
            RULE_ARTICLES[Rule.choice],
            "尊重受援人意愿（点援），所选机构符合条件且无利益冲突。",
        )
    elif decision.rule is Rule.helping:
        out.cite(
            RULE_ARTICLES[Rule.helping],
            "根据便民原则，优先指派为当事人提供法律帮助的机构，且无利益冲突。",
        )
    if decision.rotation is not None:
        _rotation_lines(out, decision, roster, decision.rotation, pv)
    if decision.scores:
        _ranking_lines(out, decision, roster, decision.scores)
    if decision.ineligible and (decision.scores or decision.status is Status.unassignable):
        out.add("不符合条件的机构：")
        for check in decision.ineligible:
            out.add(f"  · {_name(roster, check.institution)}：{check.detail}")


def _rotation_lines(
    out: _Lines,
    decision: Decision,
    roster: RosterView,
    turn: RotationTurn[InstitutionCheck],
    pv: PolicyValues | None,
) -> None:
    by_rotation = decision.rule is Rule.rotation or decision.status is Status.unassignable
    weight_rule = _WEIGHT_RULE_ZH.get(pv.rotation_weight, "") if pv is not None else ""
    if by_rotation:
        out.cite(
            ("第十一条",),
            f"刑事案件按序依次指派。{weight_rule}；每次轮候，各所积分加上其权重，"
            "符合条件者中积分最高的中选，积分相同时按公布顺序号在前者中选，中选者积分减去权重之和；"
            f"本次轮候池共 {len(turn.pool)} 家，权重合计 {turn.total_weight}。",
        )
    else:
        out.cite(
            ("第十一条",),
            f"本刑事案件按{RULE_ZH[decision.rule] if decision.rule else ''}指派，"
            "计为该所的一次轮次（各所积分照常增加，中选所减去权重之和）；"
            "其他律师事务所未参与比较。",
        )

    def credit_now(m: PoolMember) -> int:
        return turn.credit_before(m.firm) + m.weight

    ordered = sorted(turn.pool, key=lambda m: (-credit_now(m), m.sequence))
    skipped = {firm: check for firm, check in turn.skipped}
    winner = next((m for m in turn.pool if m.firm == turn.winner), None)
    for m in ordered:
        credit = credit_now(m)
        if m.firm == turn.winner:
            verdict = "中选"
        elif m.firm in skipped:
            verdict = f"跳过，保留积分：{skipped[m.firm].detail}"
        elif not by_rotation:
            verdict = "未参与比较"
        elif winner is not None and credit == credit_now(winner):
            verdict = f"积分与中选者相同，公布顺序号 {m.sequence} 在中选者（{winner.sequence}）之后"
        else:
            verdict = "积分低于中选者"
        out.add(
            f"  · {_name(roster, m.firm)}（顺序号 {m.sequence}）：权重 {m.weight}，积分 "
            f"{turn.credit_before(m.firm)}+{m.weight}={credit}，{verdict}"
        )


def _ranking_lines(
    out: _Lines, decision: Decision, roster: RosterView, scores: tuple[ScoreParts, ...]
) -> None:
    out.cite(
        RULE_ARTICLES[Rule.ranking],
        "对符合条件的机构综合评分（专业特长、办案质量、属地、近期负担），得分最高者中选，"
        "同分时按公布顺序号在前者中选：",
    )
    best = next((s for s in scores if s.institution == decision.institution), scores[0])
    for rank, s in enumerate(scores, 1):
        if s.institution == decision.institution:
            verdict = "中选"
        elif s.over_share and not best.over_share:
            verdict = f"近期案件已达份额上限 {s.share_cap:.1f} 件，排在未达上限者之后"
        elif round(s.total, 9) == round(best.total, 9):
            verdict = f"得分与中选者相同，公布顺序号 {s.sequence} 在中选者（{best.sequence}）之后"
        else:
            verdict = "得分低于中选者"
        out.add(
            f"  {rank}. {_name(roster, s.institution)}（顺序号 {s.sequence}）：总分 "
            f"{s.total:.2f} = 专业 {s.specialty:.2f}（擅长人员 {s.specialists} 名）+ 质量 "
            f"{s.quality:.2f}（平均 {s.mean_quality:.1f}{_quality_date(roster, s.institution)}）"
            f"+ 属地 {s.locality:.2f}"
            f"{'（同一镇街）' if s.same_locality else ''} − 负担 {s.load:.2f}"
            f"（近期 {s.recent_cases} 件/{s.practitioners} 人），{verdict}"
        )


def _quality_date(roster: RosterView, institution: str) -> str:
    """第九条: the day the scores behind the mean were computed (fayuan.policy.quality); nothing
    when every score is the roster's entry (as in a replayed roster)."""
    members = roster.active_members[institution]
    days = sorted({p.quality_as_of for p in members if p.quality_as_of})
    if not days:
        return ""
    when = days[-1].isoformat() if len(days) == 1 else f"{days[0]}～{days[-1]}"
    entered = sum(1 for p in members if p.quality_as_of is None)
    return f"，评分日期 {when}" + (f"，另 {entered} 名为名册录入" if entered else "")


def _practitioner_lines(out: _Lines, decision: Decision, roster: RosterView) -> None:
    """Why each other practitioner of the chosen institution may not handle the case."""
    for check in decision.practitioner_checks:
        who = _practitioners(roster, (check.practitioner,))
        if check.practitioner in decision.excluded:
            out.cite(("第十二条",), f"原承办人 {who} 不再承办。")
        elif not check.eligible:
            out.add(f"  · {who} 不能承办：{check.detail}")
