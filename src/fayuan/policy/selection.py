"""Choosing the institution: the order of precedence (第四、七、九、十、十一条; SPEC.md §7).

1. 点援 (applicant's choice), 2. 便民 (helping institution), 3. criminal rotation,
4. ranking for other categories, 5. nothing eligible: `unassignable`, never a silent pick.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import Protocol

from fayuan.policy.approval import approval_route, major_case_grounds
from fayuan.policy.conflicts import ConflictReason, HoldingsIndex, listed_conflicts
from fayuan.policy.deadlines import Deadlines, WorkingDays, case_deadlines, local_date
from fayuan.policy.decision import RULE_ARTICLES, Decision, Declined, Rule, Status, sort_articles
from fayuan.policy.eligibility import (
    INSTITUTION_REASONS_ZH,
    CaseNeeds,
    InstitutionCheck,
    PractitionerCheck,
    check_institution,
    check_practitioner,
    serious_grounds,
)
from fayuan.policy.handlers import handlers_minimum, handlers_recommended, is_group_case
from fayuan.policy.model import Case
from fayuan.policy.params import PolicyValues
from fayuan.policy.ranking import (
    Candidate,
    LoadWindow,
    Ranking,
    RankingWeights,
    order_key,
    share_cap_unit,
    static_score,
)
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


def deadlines_for(
    case: Case, moment: datetime, pv: PolicyValues, calendar: WorkingDays
) -> Deadlines:
    """第六条's limit for the case's category and the higher law's 三日 (第十四条; SPEC §5)."""
    working_days = pv.criminal_working_days if case.is_criminal else pv.other_working_days
    return case_deadlines(moment, working_days, pv.statutory_days, pv.cap_by_statute, calendar)


def deadline_articles(case: Case, pv: PolicyValues) -> set[str]:
    """第六条 always; 第十四条 when the higher law shapes the decision: the statutory cap on the
    deadline, or a minor's lawyer (《办理法律援助案件程序规定》第二十六条第二款)."""
    articles = {"第六条"}
    if pv.cap_by_statute or (case.is_criminal and case.minor):
        articles.add("第十四条")
    return articles


#: An institution short of qualified practitioners (not barred itself).
STAFFING_REASONS = frozenset({"practitioners", "qualified", "minors_qualified", "qualified_minors"})


def _choice(
    setting: _Setting, declined: list[Declined]
) -> tuple[InstitutionCheck, str | None] | None:
    """第四条 点援制；第九条 适当结合受援人意愿：the applicant's choice, honoured when eligible."""
    case, roster = setting.case, setting.state.roster
    if case.chosen_practitioner:
        chosen = roster.practitioners[case.chosen_practitioner]
        check = setting.check(chosen.institution)
        if not check.eligible and check.reason not in STAFFING_REASONS:
            declined.append(Declined(chosen.institution, Rule.choice, check.reason, check.detail))
            return None
        if chosen.id not in check.eligible_practitioners:
            # The chosen person is named with their own exact shortfall, before the firm's.
            why = check_practitioner(chosen, setting.needs, setting.practitioner_conflicts)
            detail = INSTITUTION_REASONS_ZH["chosen_practitioner"].format(
                practitioner=f"{chosen.name}（{chosen.id}）",
                detail=why.detail or "不在可承办人员之列",
            )
            declined.append(
                Declined(chosen.institution, Rule.choice, "chosen_practitioner", detail)
            )
            return None
        if not check.eligible:
            declined.append(Declined(chosen.institution, Rule.choice, check.reason, check.detail))
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


_NEAR = 1e-6  # totals this close are compared by `order_key`'s exact (rounded) rule


def _wins_tie(total: float, sequence: int, best_total: float, best_sequence: int) -> bool:
    return (-round(total, 9), sequence) < (-round(best_total, 9), best_sequence)


def rank_institutions(
    setting: _Setting, pv: PolicyValues, exclude: Collection[str]
) -> tuple[Ranking, tuple[InstitutionCheck, ...]]:
    """第九条、第十条：score every eligible institution and take the best (SPEC §9).

    Hot path of a ranking decision. Institutions this case touches (conflicts, suspension,
    exclusion) and those short of practitioners go through the full check, which gives their
    reasons. Every other active institution is eligible with all its practitioners, and the
    roster keeps them ordered by the load-free part of the score: load only lowers a score, so
    the scan stops at the first institution whose load-free score is below the best total.
    """
    state, case = setting.state, setting.case
    roster = state.roster
    required = setting.needs.handlers_required
    specialty, locality = case.specialty or "", case.locality
    w = RankingWeights.of(pv)
    counts = state.load.counts
    touched = {
        roster.practitioners[p].institution
        for p in setting.practitioner_conflicts
        if p in roster.practitioners
    }
    special = touched | set(setting.institution_conflicts) | roster.suspended | set(exclude)
    fast_practitioners, short = roster.fast_totals(required)
    special_candidates: list[Candidate] = []
    ineligible: list[InstitutionCheck] = []
    institutions = roster.institutions
    for iid in sorted(special.union(short), key=lambda i: (institutions[i].sequence, i)):
        inst = institutions[iid]
        members = roster.active_members[iid]
        if inst.active and len(members) >= required:
            fast_practitioners -= len(members)  # not eligible with all of them, if at all
        if iid in exclude:
            ineligible.append(
                InstitutionCheck(iid, False, "excluded", INSTITUTION_REASONS_ZH["excluded"])
            )
            continue
        check = setting.check(iid)
        if not check.eligible:
            ineligible.append(check)
            continue
        eligible = set(check.eligible_practitioners)
        chosen = [p for p in members if p.id in eligible]
        mean_quality = sum(p.quality for p in chosen) / len(chosen)
        specialists = sum(1 for p in chosen if specialty in p.specialties)
        special_candidates.append(
            (inst, specialists, mean_quality, counts.get(iid, 0), len(chosen))
        )
    recent_all = sum(counts.values()) - sum(counts.get(c.institution, 0) for c in ineligible)
    practitioners_all = fast_practitioners + sum(c[4] for c in special_candidates)
    cap_unit = share_cap_unit(w, recent_all, practitioners_all)

    best: tuple[bool, float, int] | None = None
    winner = None
    for inst, specialists, quality, recent, n in special_candidates:
        key = order_key(
            static_score(inst, specialists, quality, locality, w),
            recent,
            n,
            inst.sequence,
            cap_unit,
            w,
        )
        if best is None or key < best:
            best, winner = key, inst.id
    order = roster.static_order(specialty, locality, w)
    wload, get = w.load, counts.get
    # The best so far, unpacked: within the cap?, total, sequence. Totals further apart than
    # the rounding compare as floats; near ones by `order_key`'s exact rule.
    best_over, best_total, best_seq = (best[0], -best[1], best[2]) if best else (True, 0.0, 0)
    found = best is not None
    for static, inst, n, _, _ in order:
        if found and not best_over and static < best_total - _NEAR:
            break  # load only lowers a score: every later institution scores below the best
        iid = inst.id
        if n < required or iid in special:
            continue
        recent = get(iid, 0)
        over = recent + 1 > max(1.0, cap_unit * n)
        total = static - wload * recent / n
        if found:
            if over != best_over:
                if over:
                    continue
            elif total < best_total - _NEAR or (
                total <= best_total + _NEAR
                and not _wins_tie(total, inst.sequence, best_total, best_seq)
            ):
                continue
        found, best_over, best_total, best_seq, winner = True, over, total, inst.sequence, iid

    snapshot = dict(counts)

    def candidates() -> list[Candidate]:
        rows = list(special_candidates)
        for _, inst, n, specialists, quality in order:
            if n >= required and inst.id not in special:
                rows.append((inst, specialists, quality, snapshot.get(inst.id, 0), n))
        return rows

    return Ranking(winner, locality, w, cap_unit, candidates), tuple(ineligible)


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
    decision, _ = _decide_case(case, state, policy, calendar, on, exclude, event)
    return decision


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
    minimum = handlers_minimum(case, pv)
    recommended = handlers_recommended(case, pv)
    setting = case_setting(case, day, minimum, pv, state)
    grounds = tuple(major_case_grounds(case, pv))
    deadlines = deadlines_for(case, moment, pv, calendar)
    articles = {"第二条", "第五条"} | deadline_articles(case, pv)
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
        deadline=deadlines.deadline,
        deadlines=deadlines,
        source=str(case.source) if event == "case" else "",
        handlers_required=recommended,
        handlers_recommended=recommended,
        serious=setting.needs.serious,
        serious_grounds=serious_grounds(case),
        minor=setting.needs.minor,
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
                None,
                (),
                setting,
            ), setting
        ineligible = tuple(check for _, check in turn.skipped)
        in_pool = {firm for firm, _ in turn.skipped}
        others = tuple(setting.check(i.id) for i in state.roster.ordered if i.id not in in_pool)
        return _unassignable(base, articles, declined, ineligible + others, turn), setting

    ranking, ineligible = _rank_preferring_recommended(setting, recommended, pv, exclude)
    articles.update(RULE_ARTICLES[Rule.ranking])
    if ranking.winner is not None:
        return _finish(
            base,
            setting.check(ranking.winner),
            Rule.ranking,
            articles,
            declined,
            None,
            None,
            ranking,
            ineligible,
            setting,
        ), setting
    return _unassignable(base, articles, declined, ineligible, None), setting


def _rank_preferring_recommended(
    setting: _Setting, recommended: int, pv: PolicyValues, exclude: Collection[str]
) -> tuple[Ranking, tuple[InstitutionCheck, ...]]:
    """第十条 可以…安排 2 名及以上: ranking prefers institutions that can field the recommended
    number; one that can field only the minimum is picked only when none can (SPEC §6)."""
    minimum = setting.needs.handlers_required
    if recommended <= minimum:
        return rank_institutions(setting, pv, exclude)
    full = replace(setting, needs=replace(setting.needs, handlers_required=recommended))
    ranking, ineligible = rank_institutions(full, pv, exclude)
    if ranking.winner is None:
        return rank_institutions(setting, pv, exclude)
    relabelled = []
    for check in ineligible:
        have = len(check.eligible_practitioners)
        if check.reason == "practitioners" and have >= minimum:
            text = INSTITUTION_REASONS_ZH["recommended"].format(
                have=have, minimum=minimum, recommended=recommended
            )
            check = InstitutionCheck(
                check.institution, False, "recommended", text, check.eligible_practitioners
            )
        relabelled.append(check)
    return ranking, tuple(relabelled)


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
    return _finish(base, check, rule, articles, declined, handler, turn, None, (), setting)


def _finish(
    base: Decision,
    check: InstitutionCheck,
    rule: Rule,
    articles: set[str],
    declined: list[Declined],
    handler: str | None,
    turn: RotationTurn[InstitutionCheck] | None,
    ranking: Ranking | None,
    ineligible: tuple[InstitutionCheck, ...],
    setting: _Setting,
) -> Decision:
    articles.update(RULE_ARTICLES[rule])
    for d in declined:
        articles.update(RULE_ARTICLES[d.rule])
    recommended = base.handlers_recommended or 1
    return _replace(
        base,
        status=Status.assigned,
        # [SPEC §6: the number the notice asks for: the recommendation, or all the assigned
        # institution's eligible practitioners when it has fewer.]
        handlers_required=min(recommended, len(check.eligible_practitioners)),
        institution=check.institution,
        rule=rule,
        articles=sort_articles(articles),
        eligible_practitioners=check.eligible_practitioners,
        handler=handler,
        declined=tuple(declined),
        winner_check=check,
        ineligible=ineligible,
        ranking=ranking,
        rotation=turn,
        member_checks=partial(setting.member_checks, check.institution),
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
