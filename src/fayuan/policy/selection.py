"""Choosing the institution: the order of precedence (第四、七、九、十、十一条; SPEC.md §7).

1. 点援 (applicant's choice), 2. 便民 (helping institution), 3. criminal rotation,
4. ranking for other categories, 5. nothing eligible: `unassignable`, never a silent pick.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from fayuan.policy.approval import approval_route, major_case_grounds
from fayuan.policy.conflicts import ConflictReason, HoldingsIndex, listed_conflicts
from fayuan.policy.deadlines import WorkingDays, assignment_deadline, local_date
from fayuan.policy.decision import RULE_ARTICLES, Decision, Declined, Rule, Status, sort_articles
from fayuan.policy.eligibility import (
    INSTITUTION_REASONS_ZH,
    CaseNeeds,
    InstitutionCheck,
    PractitionerCheck,
    check_institution,
    check_practitioner,
)
from fayuan.policy.handlers import handlers_required, is_group_case
from fayuan.policy.model import Case
from fayuan.policy.params import PolicyValues
from fayuan.policy.ranking import LoadWindow, ScoreParts, score, with_share_caps
from fayuan.policy.roster import RosterView
from fayuan.policy.rotation import RotationState, RotationTurn, count_as_turn, take_turn


class PolicyLike(Protocol):
    @property
    def id(self) -> str: ...

    def values_on(self, on: date) -> PolicyValues: ...


@dataclass(slots=True)
class AssignmentState:
    """Everything the rules read besides the case. The caller owns it and applies each decision
    (`fayuan.policy.state.apply_*`) in the same transaction as it records the decision."""

    roster: RosterView
    rotation: RotationState
    institution_holdings: HoldingsIndex
    practitioner_holdings: HoldingsIndex
    load: LoadWindow


@dataclass(frozen=True, slots=True)
class _Setting:
    """One case read against the state: needs and conflicts, computed once."""

    case: Case
    needs: CaseNeeds
    institution_conflicts: Mapping[str, ConflictReason]
    practitioner_conflicts: Mapping[str, ConflictReason]
    state: AssignmentState

    def member_checks(self, institution: str) -> tuple[PractitionerCheck, ...]:
        """Each practitioner of `institution`, eligible or why not (for the record)."""
        return tuple(
            check_practitioner(p, self.needs, self.practitioner_conflicts)
            for p in self.state.roster.members[institution]
        )

    def check(self, institution: str, *, allow_suspended: bool = False) -> InstitutionCheck:
        roster = self.state.roster
        return check_institution(
            roster.institutions[institution],
            institution in roster.suspended,
            roster.candidates_for(institution, self.needs.criminal),
            self.needs,
            self.institution_conflicts,
            self.practitioner_conflicts,
            allow_suspended=allow_suspended,
        )


def case_setting(
    case: Case, on: date, required: int, pv: PolicyValues, state: AssignmentState
) -> _Setting:
    institution_conflicts = listed_conflicts(case.conflict_institutions)
    institution_conflicts |= state.institution_holdings.conflicts(case)
    practitioner_conflicts = listed_conflicts(case.conflict_practitioners)
    practitioner_conflicts |= state.practitioner_holdings.conflicts(case)
    return _Setting(
        case,
        CaseNeeds.of(case, on, required, pv),
        institution_conflicts,
        practitioner_conflicts,
        state,
    )


def _choice(
    setting: _Setting, declined: list[Declined]
) -> tuple[InstitutionCheck, str | None] | None:
    """第四条 点援制；第九条 适当结合受援人意愿：the applicant's choice, honoured when eligible."""
    case, roster = setting.case, setting.state.roster
    if case.chosen_practitioner:
        chosen = roster.practitioners[case.chosen_practitioner]
        check = setting.check(chosen.institution)
        if not check.eligible:
            declined.append(Declined(chosen.institution, Rule.choice, check.reason, check.detail))
            return None
        if chosen.id not in check.eligible_practitioners:
            why = check_practitioner(chosen, setting.needs, setting.practitioner_conflicts)
            detail = INSTITUTION_REASONS_ZH["chosen_practitioner"].format(
                practitioner=chosen.id, detail=why.detail or "不在可承办人员之列"
            )
            declined.append(
                Declined(chosen.institution, Rule.choice, "chosen_practitioner", detail)
            )
            return None
        return check, chosen.id
    if case.chosen_institution:
        check = setting.check(case.chosen_institution)
        if check.eligible:
            return check, None
        declined.append(Declined(check.institution, Rule.choice, check.reason, check.detail))
    return None


def _helping(
    setting: _Setting, pv: PolicyValues, declined: list[Declined]
) -> InstitutionCheck | None:
    """第七条：根据便民原则可优先指派为当事人提供法律帮助的法律服务机构，但有利益冲突的除外。

    [SPEC §7 rule 2: not for criminal cases, which 第十一条 orders by rotation, unless
    `criminal_rotation.prefer_helping_institution`.]
    """
    case = setting.case
    if not case.helped_by_institution or (case.is_criminal and not pv.rotation_prefer_helping):
        return None
    check = setting.check(case.helped_by_institution)
    if check.eligible:
        return check
    declined.append(Declined(check.institution, Rule.helping, check.reason, check.detail))
    return None


def _rotation_checker(
    setting: _Setting, exclude: Collection[str]
) -> Callable[[str], tuple[bool, InstitutionCheck]]:
    def check(firm: str) -> tuple[bool, InstitutionCheck]:
        if firm in exclude:
            return False, InstitutionCheck(
                firm, False, "excluded", INSTITUTION_REASONS_ZH["excluded"]
            )
        result = setting.check(firm)
        return result.eligible, result

    return check


def rank_institutions(
    setting: _Setting, pv: PolicyValues, exclude: Collection[str]
) -> tuple[tuple[ScoreParts, ...], tuple[InstitutionCheck, ...], dict[str, InstitutionCheck]]:
    """第九条、第十条：score every eligible institution; the best first (SPEC §9)."""
    state, case = setting.state, setting.case
    scores: list[ScoreParts] = []
    ineligible: list[InstitutionCheck] = []
    checks: dict[str, InstitutionCheck] = {}
    for inst in state.roster.ordered:
        if inst.id in exclude:
            ineligible.append(
                InstitutionCheck(inst.id, False, "excluded", INSTITUTION_REASONS_ZH["excluded"])
            )
            continue
        check = setting.check(inst.id)
        if not check.eligible:
            ineligible.append(check)
            continue
        checks[inst.id] = check
        eligible = check.eligible_practitioners
        members = state.roster.active_members[inst.id]
        if len(eligible) == len(members):
            mean_quality = state.roster.mean_quality[inst.id]
            specialists = state.roster.specialty_counts[inst.id].get(case.specialty or "", 0)
        else:
            chosen = [p for p in members if p.id in eligible]
            mean_quality = sum(p.quality for p in chosen) / len(chosen)
            specialists = sum(1 for p in chosen if case.specialty in p.specialties)
        scores.append(
            score(
                inst, case, specialists, mean_quality, state.load.recent(inst.id), len(eligible), pv
            )
        )
    scores = with_share_caps(scores, pv.ranking_max_share_ratio)
    scores.sort(key=lambda s: s.order_key)
    return tuple(scores), tuple(ineligible), checks


def decide_case(
    case: Case,
    state: AssignmentState,
    policy: PolicyLike,
    calendar: WorkingDays,
    *,
    on: datetime | None = None,
    exclude: Collection[str] = (),
    event: str = "case",
) -> Decision:
    """Assign one case by the order of precedence of SPEC §7. Does not change `state`."""
    decision, setting = _decide_case(case, state, policy, calendar, on, exclude, event)
    if decision.institution is None:
        return decision
    return replace(decision, practitioner_checks=setting.member_checks(decision.institution))


def _decide_case(
    case: Case,
    state: AssignmentState,
    policy: PolicyLike,
    calendar: WorkingDays,
    on: datetime | None,
    exclude: Collection[str],
    event: str,
) -> tuple[Decision, _Setting]:
    moment = on or case.started_at
    day = local_date(moment)
    pv = policy.values_on(day)
    required = handlers_required(case, pv)
    working_days = pv.criminal_working_days if case.is_criminal else pv.other_working_days
    setting = case_setting(case, day, required, pv, state)
    grounds = tuple(major_case_grounds(case, pv))
    articles = {"第二条", "第五条", "第六条"}
    if setting.needs.serious:
        articles.add("第十一条")
    if is_group_case(case, pv):
        articles.add("第十条")
    base = Decision(
        case=case.id,
        event=event,
        status=Status.unassignable,
        on=moment,
        policy_id=policy.id,
        category=case.category.value,
        policy_values=pv,
        route=approval_route(case, pv),
        route_grounds=grounds,
        deadline=assignment_deadline(moment, working_days, calendar),
        handlers_required=required,
        serious=setting.needs.serious,
        group=is_group_case(case, pv),
        excluded=tuple(exclude),
    )
    declined: list[Declined] = []
    if setting.institution_conflicts:
        articles.add("第七条")  # 但有利益冲突的除外

    chosen = None if exclude else _choice(setting, declined)
    if chosen is not None:
        check, handler = chosen
        return _assigned(
            base, setting, pv, check, Rule.choice, articles, declined, handler
        ), setting
    helping = None if exclude else _helping(setting, pv, declined)
    if helping is not None:
        return _assigned(
            base, setting, pv, helping, Rule.helping, articles, declined, None
        ), setting
    if declined:
        articles.update(a for d in declined for a in RULE_ARTICLES[d.rule])

    if case.is_criminal:
        turn = take_turn(
            state.rotation,
            state.roster.pool(pv.rotation_weight),
            _rotation_checker(setting, exclude),
        )
        articles.add("第十一条")
        if turn.winner is not None and turn.winner_check is not None:
            return _finish(
                base,
                turn.winner_check,
                Rule.rotation,
                articles,
                declined,
                None,
                turn,
                (),
                (),
            ), setting
        ineligible = tuple(check for _, check in turn.skipped)
        in_pool = {firm for firm, _ in turn.skipped}
        others = tuple(setting.check(i.id) for i in state.roster.ordered if i.id not in in_pool)
        return _unassignable(base, articles, declined, ineligible + others, turn), setting

    scores, ineligible, checks = rank_institutions(setting, pv, exclude)
    articles.update(RULE_ARTICLES[Rule.ranking])
    if scores:
        return _finish(
            base,
            checks[scores[0].institution],
            Rule.ranking,
            articles,
            declined,
            None,
            None,
            scores,
            ineligible,
        ), setting
    return _unassignable(base, articles, declined, ineligible, None), setting


def _assigned(
    base: Decision,
    setting: _Setting,
    pv: PolicyValues,
    check: InstitutionCheck,
    rule: Rule,
    articles: set[str],
    declined: list[Declined],
    handler: str | None,
) -> Decision:
    turn = None
    if setting.case.is_criminal and pv.rotation_choice_counts_as_turn:
        # [SPEC §8: a criminal case assigned by rule 1 or 2 counts as that firm's turn.]
        roster = setting.state.roster
        turn = count_as_turn(
            setting.state.rotation, roster.pool(pv.rotation_weight), check.institution, check
        )
        articles.add("第十一条")
    return _finish(base, check, rule, articles, declined, handler, turn, (), ())


def _finish(
    base: Decision,
    check: InstitutionCheck,
    rule: Rule,
    articles: set[str],
    declined: list[Declined],
    handler: str | None,
    turn: RotationTurn[InstitutionCheck] | None,
    scores: tuple[ScoreParts, ...],
    ineligible: tuple[InstitutionCheck, ...],
) -> Decision:
    articles.update(RULE_ARTICLES[rule])
    for d in declined:
        articles.update(RULE_ARTICLES[d.rule])
    return _replace(
        base,
        status=Status.assigned,
        institution=check.institution,
        rule=rule,
        articles=sort_articles(articles),
        eligible_practitioners=check.eligible_practitioners,
        handler=handler,
        declined=tuple(declined),
        winner_check=check,
        ineligible=ineligible,
        scores=scores,
        rotation=turn,
    )


def _unassignable(
    base: Decision,
    articles: set[str],
    declined: list[Declined],
    ineligible: tuple[InstitutionCheck, ...],
    turn: RotationTurn[InstitutionCheck] | None,
) -> Decision:
    """SPEC §7 rule 5: nothing eligible. The case goes to the officer with every reason."""
    return _replace(
        base,
        status=Status.unassignable,
        articles=sort_articles(articles),
        declined=tuple(declined),
        ineligible=ineligible,
        rotation=turn,
    )


def _replace(base: Decision, **changes: object) -> Decision:
    return replace(base, **changes)  # type: ignore[arg-type]
