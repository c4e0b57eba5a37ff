"""Changing the handler after the agreement (第十二条; SPEC.md §10)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from fayuan.policy.approval import Route
from fayuan.policy.deadlines import WorkingDays, local_date
from fayuan.policy.decision import Decision, Rule, Status, sort_articles
from fayuan.policy.eligibility import INSTITUTION_REASONS_ZH, InstitutionCheck, serious_grounds
from fayuan.policy.handlers import handlers_minimum, handlers_recommended
from fayuan.policy.model import Case
from fayuan.policy.selection import (
    STAFFING_REASONS,
    AssignmentState,
    PolicyLike,
    case_setting,
    deadline_articles,
    deadlines_for,
    decide_case,
)


class ChangeMode:
    same_institution = "same_institution"
    other_institution = "other_institution"


@dataclass(frozen=True, slots=True)
class HeldCase:
    """A case as assigned now: who holds it, who handles it, and how often it changed."""

    case: Case
    status: Status
    institution: str | None
    handler: str | None = None
    changes: int = 0


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    at: datetime
    reason: str
    consent: bool
    mode: str
    bureau_approved: bool = False


def refusal_reason(held: HeldCase, request: ChangeRequest, max_changes: int) -> str:
    """第十二条：不得随意更换案件承办人……因利益冲突等正当理由需要更换承办人的，应当在征得受援人
    同意后报区法律援助中心批准……更换案件承办人原则上不超过 2 次。

    [SPEC §10: no reason, no consent, or over the cap without the bureau's written approval is
    refused; so is a case that is not assigned.] Returns "" when the change may go ahead.
    """
    if held.status is not Status.assigned or held.institution is None:
        return "案件尚未指派，无承办人可更换"
    if not request.reason.strip():
        return "更换承办人须有正当理由（第十二条）"
    if not request.consent:
        return "未征得受援人同意，不得更换承办人（第十二条）"
    if held.changes >= max_changes and not request.bureau_approved:
        return f"已更换 {held.changes} 次，超过 {max_changes} 次须经区司法局书面批准（第十二条）"
    return ""


def decide_change(
    held: HeldCase,
    request: ChangeRequest,
    state: AssignmentState,
    policy: PolicyLike,
    calendar: WorkingDays,
) -> Decision:
    """第十二条：经批准同意更换的，可由原法律援助案件承办机构重新安排案件承办人，或由区法律援助中心
    重新指派其他案件承办机构安排人员。

    [SPEC §10: route `director` within the cap, `bureau` beyond it; the deadline counts like §5
    from the change; eligibility is judged on the change date. Another institution is chosen by
    rotation (criminal, counts as a turn) or ranking, the old one excluded.]
    """
    day = local_date(request.at)
    pv = policy.values_on(day)
    case = held.case
    refusal = refusal_reason(held, request, pv.handler_change_max_changes)
    if refusal:
        return Decision(
            case=case.id,
            event="change_handler",
            status=Status.refused,
            on=request.at,
            policy_id=policy.id,
            category=case.category.value,
            policy_values=pv,
            articles=("第十二条",),
            refusal=refusal,
        )
    route = Route.director if held.changes < pv.handler_change_max_changes else Route.bureau
    grounds = (
        ()
        if route is Route.director
        else (f"第 {held.changes + 1} 次更换，超过 {pv.handler_change_max_changes} 次",)
    )
    assert held.institution is not None
    if request.mode == ChangeMode.other_institution:
        decision = decide_case(
            case,
            state,
            policy,
            calendar,
            on=request.at,
            exclude=(held.institution,),
            event="change_handler",
        )
        # 第十二条 decides a change's route, not 第五条.
        articles = (set(decision.articles) - {"第五条"}) | {"第十二条"}
        return replace_decision(
            decision,
            rule=Rule.change if decision.status is Status.assigned else None,
            route=route,
            route_grounds=grounds,
            articles=sort_articles(articles),
            change_number=held.changes + 1,
            change_mode=ChangeMode.other_institution,
        )

    recommended = handlers_recommended(case, pv)
    setting = case_setting(case, day, handlers_minimum(case, pv), pv, state)
    check = setting.check(held.institution, allow_suspended=True)
    others = tuple(p for p in check.eligible_practitioners if p != held.handler)
    deadlines = deadlines_for(case, request.at, pv, calendar)
    articles = {"第十二条"} | deadline_articles(case, pv)
    status = Status.assigned
    if not check.eligible and check.reason not in STAFFING_REASONS:
        status = Status.unassignable
    elif not others:
        status = Status.unassignable
        check = InstitutionCheck(
            check.institution,
            False,
            "practitioners",
            INSTITUTION_REASONS_ZH["practitioners"].format(have=0, need=1),
        )
    return Decision(
        case=case.id,
        event="change_handler",
        status=status,
        on=request.at,
        policy_id=policy.id,
        category=case.category.value,
        policy_values=pv,
        institution=held.institution if status is Status.assigned else None,
        rule=Rule.change if status is Status.assigned else None,
        articles=sort_articles(articles),
        route=route,
        route_grounds=grounds,
        deadline=deadlines.deadline,
        deadlines=deadlines,
        handlers_recommended=recommended,
        handlers_required=min(recommended, len(others)) if others else recommended,
        eligible_practitioners=others,
        serious=setting.needs.serious,
        serious_grounds=serious_grounds(case),
        minor=setting.needs.minor,
        winner_check=check if status is Status.assigned else None,
        member_checks=partial(setting.member_checks, held.institution),
        ineligible=() if status is Status.assigned else (check,),
        excluded=(held.handler,) if held.handler else (),
        change_number=held.changes + 1,
        change_mode=ChangeMode.same_institution,
    )


def replace_decision(decision: Decision, **changes: object) -> Decision:
    return replace(decision, **changes)  # type: ignore[arg-type]
