"""`fayuan fairness`: did every law firm get its share of the criminal rotation (第十一条 按序依次
指派; SPEC.md §8)?

A firm's **entitlement** is the sum, over every rotation turn of the period, of its weight over the
total weight of the pool at that turn (SPEC §8: the pool is the active, unsuspended law firms with
weight > 0, so a firm suspended for part of the period is entitled only while it was in). Counted
exactly, as fractions; shown to 0.1 turn and shares to 0.1 %.

A **turn** is a decision that moved the credits: a rotation win (rule 3), a criminal case assigned
by the applicant's choice or to the helping institution when
`criminal_rotation.choice_counts_as_turn` (SPEC §8), and a handler change to another firm
(SPEC §10, "counts as a turn"). A criminal case nobody could take changes no credit and is no
turn (SPEC §8); it is counted apart.

**Documented causes** (what the engine records in `RotationTurn.skipped`, reason codes of
`fayuan.policy.eligibility.INSTITUTION_REASONS_ZH`): a firm next in line passed over for a
conflict of interest (第七条), for having no qualified lawyer for a serious or minor's case
(第十一条; 《办理法律援助案件程序规定》第二十六条第二款), for too few eligible lawyers
(第十条), as the old firm of a handler change (第十二条), or displaced by an applicant's choice
counted as a turn (第四、九条). Each firm so passed over *lost* a turn it would have had had it
been eligible, and the firm that took the turn *gained* one. Suspension (SPEC §8) is out of the
entitlement already; the turns a firm missed while suspended are shown for the record.

**Flag.** The standing at the end of the period is `net = opening + received − entitled`
(`opening`: the same difference over the turns before the period, so a period cut in the middle of
the rotation's cycle is not mistaken for unfairness). Documented losses are *pending* until made
good: a skipped firm keeps its credit and is next in line (SPEC §8), so each later win brings its
shortfall down by 1 − w/W, and the pending losses by as much; a gained turn is worked off by w/W
at every turn the firm does not win. The part of `net` the pending causes do not explain is
`min(0, net + pending lost)` when behind and `max(0, net − pending gained)` when ahead. A firm is
flagged when that part exceeds one turn either way: smooth weighted round robin keeps every firm
within one turn of its share (tests/test_art11_rotation_properties.py), so more than one is a
departure from the rules. (tests/test_fairness.py checks, on random streams, that the rules' own
decisions are never flagged.)

**Recorded decisions** (`--decisions`, SPEC §12 lines, e.g. from another system or the service):
the pools, credits and eligibility still come from the rules, but each criminal assignment is the
recorded one, and a recorded winner that jumped firms next in line that could take the case makes
them undocumented losses. The recorded standing is also compared with the rules' own decisions
for the same events (`compare_with_rules`): more than one turn apart is flagged.

**Open question (suspensions).** A pool change (a firm suspended or back) gives every firm in
the pool one turn of allowance each way, not worked off. That is not always enough: on a random
stream the rules' own decisions left a firm +2.3 turns over its entitlement after one
reinstatement, since the frozen credits of SPEC §8 were earned against another total weight.
Either SPEC §8's frozen credit or this allowance needs a decision; the random-stream test of
tests/test_fairness.py therefore covers streams without suspensions.

The computation (`assess`) is pure: it takes `TurnRecord`s and needs no Django. `turns_from_replay`
makes them by replaying an event stream with the engine; `fayuan.fairness_db.turns_from_database`
(`--center CODE`) makes them from the service's database (its criminal assignments, the stored
decisions' skips, the institutions' status history), and only that path sets Django up.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fayuan.exchange import EVENT_ADAPTER
from fayuan.policy.deadlines import local_date
from fayuan.policy.decision import Decision, Rule, Status
from fayuan.policy.eligibility import InstitutionCheck
from fayuan.policy.model import InstitutionKind
from fayuan.policy.params import Policy, PolicyError
from fayuan.policy.rotation import PoolMember, RotationTurn, count_as_turn, rotation_pool
from fayuan.replay import (
    Replayer,
    ReplayInputError,
    ReplayOutputError,
    _read_events,
    _refusal,
    load_roster,
    os_reason,
)
from fayuan.workdays import WorkdayCalendar

#: Exit code when some firm is flagged (0: none; 1: bad input; 2: bad command line).
EXIT_FLAGGED = 3

#: One turn off either way is what the rules themselves allow (SPEC §8, smooth WRR).
TOLERANCE = Fraction(1)

#: Engine reason codes (eligibility.INSTITUTION_REASONS_ZH, "choice" added here) → cause.
CAUSE_OF_REASON = {
    "conflict": "conflict",
    "qualified": "qualification",
    "minors_qualified": "qualification",
    "qualified_minors": "qualification",
    "practitioners": "staffing",
    "recommended": "staffing",
    "excluded": "excluded",
    "choice": "choice",
}
CAUSES = ("conflict", "qualification", "staffing", "excluded", "choice", "pool")
CAUSE_ZH = {
    "conflict": "利益冲突（第七条）",
    "qualification": "无符合资格律师（第十一条）",
    "staffing": "承办人数不足（第十条）",
    "excluded": "原承办机构（第十二条）",
    "choice": "点援计为轮次（第四、九条）",
    "pool": "暂停或恢复后轮流池变动（SPEC §8）",
    "undocumented": "无记载的原因",
}
CAUSE_SHORT_ZH = {
    "conflict": "冲突",
    "qualification": "资格",
    "staffing": "人数",
    "excluded": "原承办",
    "choice": "点援",
    "pool": "池变动",
}


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One criminal assignment decision as the fairness check needs it.

    `pool`: the firms in the rotation at that moment with weight and published sequence (SPEC §8).
    `winner`: the firm assigned (None: nobody could take the case). `counted`: whether the
    decision was a rotation turn (credits moved). `passed_over`: firms ahead of the winner that did
    not get the turn, with the engine's reason code ("choice" for the firm next in line displaced
    by an applicant's choice counted as a turn; any other code is not a documented cause).
    `suspended`: pool firms of the roster suspended at the time.
    """

    case: str
    on: date
    rule: str
    pool: tuple[PoolMember, ...]
    winner: str | None
    counted: bool
    passed_over: tuple[tuple[str, str], ...] = ()
    suspended: tuple[str, ...] = ()


@dataclass
class FirmFairness:
    firm: str
    name: str = ""
    sequence: int = 0
    weight: int = 0
    received: int = 0
    entitled: Fraction = Fraction(0)
    opening: Fraction = Fraction(0)
    turns_in_pool: int = 0
    lost: Counter[str] = field(default_factory=Counter)
    gained: Counter[str] = field(default_factory=Counter)
    suspended_turns: int = 0
    choice_not_counted: int = 0
    #: Documented turns lost (gained) not yet made good at the end of the period.
    pending_lost: Fraction = Fraction(0)
    pending_gained: Fraction = Fraction(0)
    #: Changes of the pool (a firm suspended or back) seen while this firm was in it.
    pool_changes: int = 0
    #: With recorded decisions: the turns the rules themselves give this firm in the period.
    rules_received: int | None = None
    unexplained: Fraction = Fraction(0)
    flagged: bool = False

    @property
    def difference(self) -> Fraction:
        return self.received - self.entitled

    @property
    def net(self) -> Fraction:
        return self.opening + self.difference


@dataclass
class FairnessReport:
    firms: list[FirmFairness]
    turns: int
    unassignable: list[str]
    not_counted: int
    period_from: date | None
    period_until: date | None
    policy_id: str = ""
    choice_counts_as_turn: bool | None = None

    @property
    def flagged(self) -> list[FirmFairness]:
        return [f for f in self.firms if f.flagged]


def assess(
    records: Iterable[TurnRecord],
    period_from: date | None = None,
    period_until: date | None = None,
    firms: Mapping[str, tuple[str, int, int]] | None = None,
) -> FairnessReport:
    """Entitlement, turns received, documented causes and the flag of every firm (SPEC §8).

    `firms` (id → name, sequence, weight) lists the roster's rotation firms, so that a firm never
    in the pool during the period (suspended throughout) is still reported. Records before
    `period_from` give each firm's opening difference; records after `period_until` are ignored.
    """
    table: dict[str, FirmFairness] = {}

    def row(firm: str) -> FirmFairness:
        if firm not in table:
            name, sequence, weight = (firms or {}).get(firm, ("", 0, 0))
            table[firm] = FirmFairness(firm, name, sequence, weight)
        return table[firm]

    for firm in firms or {}:
        row(firm)
    turns = not_counted = 0
    unassignable: list[str] = []
    last_pool: frozenset[tuple[str, int]] | None = None
    for record in records:
        if period_until is not None and record.on > period_until:
            continue
        before = period_from is not None and record.on < period_from
        if record.winner is None:
            if not before:
                unassignable.append(record.case)
            continue
        if not record.counted:
            if not before:
                not_counted += 1
                row(record.winner).choice_not_counted += 1
            continue
        total = sum(m.weight for m in record.pool)
        passes = [
            (f, CAUSE_OF_REASON.get(reason, "undocumented")) for f, reason in record.passed_over
        ]
        causes = [cause for _, cause in passes if cause != "undocumented"]
        for member in record.pool:
            share = Fraction(member.weight, total)
            r = row(member.firm)
            r.weight = r.weight or member.weight
            r.sequence = r.sequence or member.sequence
            if member.firm != record.winner:
                # An extra turn is worked off as the firm's share accrues without a win.
                r.pending_gained = max(Fraction(0), r.pending_gained - share)
            if before:
                r.opening -= share
            else:
                r.entitled += share
                r.turns_in_pool += 1
        pool = frozenset((m.firm, m.weight) for m in record.pool)
        if last_pool is not None and pool != last_pool:
            # A firm left or came back (SPEC §8: its credit frozen meanwhile): the credits of the
            # others were earned against another total weight, so every firm's standing may move
            # by up to a turn while the rotation settles. Documented as "pool".
            # Not worked off: the random-stream test finds the settling can outlast the decay.
            for member in record.pool:
                r = row(member.firm)
                r.pool_changes += 1
                if not before:
                    r.lost["pool"] += 1
        last_pool = pool
        won = row(record.winner)
        # A documented loss is made good as the firm wins again: each win brings its shortfall
        # down by 1 − w/W (SPEC §8: a skipped firm keeps its credit, so it is next in line).
        won.pending_lost = max(Fraction(0), won.pending_lost - 1 + Fraction(won.weight, total))
        # Every firm passed over for a documented cause would have had this turn had it been
        # eligible (the engine checks them in the rotation's order); the winner gained it.
        for firm, cause in passes:
            if cause != "undocumented":
                row(firm).pending_lost += 1
        if causes:
            won.pending_gained += 1
        if before:
            won.opening += 1
            continue
        turns += 1
        won.received += 1
        for firm, cause in passes:
            row(firm).lost[cause] += 1
        if causes:
            won.gained[causes[0]] += 1
        for firm in record.suspended:
            row(firm).suspended_turns += 1
    for r in table.values():
        net = r.net
        if net < 0:
            r.unexplained = min(Fraction(0), net + r.pending_lost + r.pool_changes)
        else:
            r.unexplained = max(Fraction(0), net - r.pending_gained - r.pool_changes)
        r.flagged = abs(r.unexplained) > TOLERANCE
    ordered = sorted(table.values(), key=lambda f: (f.sequence, f.firm))
    return FairnessReport(ordered, turns, unassignable, not_counted, period_from, period_until)


def compare_with_rules(recorded: FairnessReport, rules: FairnessReport) -> None:
    """Recorded decisions against the rules' own decisions for the same events (SPEC §8, §12).

    Both see the same pools (suspensions are events), so they have the same entitlement; the
    rules depart from it only by the documented causes (a conflict, a missing qualification, a
    choice counted as a turn: SPEC §8) and smooth WRR's one turn. So a firm whose recorded standing
    (`net`) is more than one turn from the rules' standing for the same cases got turns the rules
    did not give it, or lost turns they did: the departure is the unexplained part and the firm
    is flagged, whatever the pending documented skips say."""
    by_firm = {f.firm: f for f in rules.firms}
    for firm in recorded.firms:
        mine = by_firm.get(firm.firm)
        ruled = mine.net if mine is not None else Fraction(0)
        firm.rules_received = mine.received if mine is not None else 0
        departure = firm.net - ruled
        if abs(departure) > abs(firm.unexplained):
            firm.unexplained = departure
        firm.flagged = abs(firm.unexplained) > TOLERANCE


# --------------------------------------------------------------------------- replay source


def record_of(decision: Decision, suspended: Iterable[str]) -> TurnRecord | None:
    """The fairness record of one engine decision (None: not a criminal assignment decision)."""
    if decision.category != "criminal" or decision.status is Status.refused:
        return None
    turn = decision.rotation
    on = local_date(decision.on)
    rule = decision.rule.value if decision.rule is not None else ""
    if turn is None:
        if decision.status is not Status.assigned or decision.rule not in (
            Rule.choice,
            Rule.helping,
        ):
            return None  # a change within the same firm: no rotation at all
        # choice_counts_as_turn = false: the assignment is not a rotation turn (SPEC §8).
        return TurnRecord(decision.case, on, rule, (), decision.institution, False)
    members = tuple(turn.pool)
    in_pool = {m.firm for m in members}
    away = tuple(sorted(f for f in suspended if f not in in_pool))
    if turn.winner is None:
        return TurnRecord(decision.case, on, rule, members, None, False, (), away)
    counted = turn.state_after is not turn.state_before
    passed = tuple((firm, check.reason) for firm, check in turn.skipped)
    if counted and decision.rule in (Rule.choice, Rule.helping):
        # Every firm ahead of the chosen one in the rotation's order was displaced (第四、九条).
        passed = tuple((firm, "choice") for firm in _ahead_of(turn, turn.winner))
    return TurnRecord(decision.case, on, rule, members, turn.winner, counted, passed, away)


def _ahead_of(turn: RotationTurn[Any], winner: str) -> list[str]:
    """Pool firms ranked before `winner` in the rotation's order at this turn (SPEC §8)."""
    weights = {m.firm: m for m in turn.pool}
    mine = weights[winner]
    key = turn.credit_before(winner) + mine.weight, -mine.sequence
    ahead = [
        ((turn.credit_before(m.firm) + m.weight, -m.sequence), m.firm)
        for m in turn.pool
        if m.firm != winner
    ]
    return [firm for rank, firm in sorted(ahead, reverse=True) if rank > key]


class RecordedReplayer(Replayer):
    """A replay in which each criminal assignment is the one *recorded* in a decisions file (SPEC
    §12), not the engine's: the pool, the credits and every firm's eligibility still come from
    the rules, so a recorded winner that jumped a firm next in line which could take the case is
    an undocumented skip. The credits then follow the recorded assignment (SPEC §8's update with
    the recorded firm as winner), as the service's stored rotation credits do."""

    def __init__(
        self,
        roster: Any,
        policy: Policy,
        calendar: WorkdayCalendar,
        recorded: list[tuple[int, dict[str, Any]]],
        name: str,
    ) -> None:
        super().__init__(roster, policy, calendar)
        self.recorded = recorded
        self.name = name
        self.position = 0
        self.override: TurnRecord | None = None

    def _decide(self, run: Any, key: str, fail: Any) -> Decision:
        decision = super()._decide(run, key, fail)
        if self.position >= len(self.recorded):
            raise ReplayInputError(
                self.name, None, None, f"决定文件比事件流短：没有案件 {decision.case} 的决定"
            )
        number, line = self.recorded[self.position]
        self.position += 1
        if line.get("case") != decision.case:
            raise ReplayInputError(
                self.name,
                number,
                "case",
                f"应为事件流中此处的案件 {decision.case}（收到 {line.get('case')!r}）",
            )
        self.override = None
        turn = decision.rotation
        if decision.category != "criminal" or decision.status is Status.refused:
            return decision
        status, firm = line.get("status"), line.get("institution")
        if status == "assigned" and firm == decision.institution:
            return decision  # as the rules give it
        on, case, rule = local_date(decision.on), decision.case, str(line.get("rule") or "")
        if status != "assigned":
            members = tuple(turn.pool) if turn is not None else ()
            self.override = TurnRecord(case, on, rule, members, None, False)
            return replace(decision, status=Status.unassignable, institution=None, rotation=None)
        if not isinstance(firm, str) or firm not in self.state.roster.institutions:
            raise ReplayInputError(self.name, number, "institution", f"未知机构 {firm!r}")
        pv = decision.policy_values
        by_choice = rule in ("choice", "helping")
        if turn is None or (by_choice and pv is not None and not pv.rotation_choice_counts_as_turn):
            self.override = TurnRecord(case, on, rule, (), firm, False)
            return replace(decision, institution=firm, handler=None, rotation=None)
        if firm not in {m.firm for m in turn.pool}:
            # Not a rotation firm now (suspended, inactive, not a law firm): no credit moves.
            self.override = TurnRecord(case, on, rule, tuple(turn.pool), firm, False)
            return replace(decision, institution=firm, handler=None, rotation=None)
        reasons = {f: check.reason for f, check in turn.skipped}
        check = InstitutionCheck(firm, firm not in reasons, reasons.get(firm, ""))
        moved = count_as_turn(turn.state_before, turn.pool, firm, check)
        passed = tuple(
            (f, reasons.get(f) or ("choice" if by_choice else "undocumented"))
            for f in _ahead_of(turn, firm)
        )
        self.override = TurnRecord(case, on, rule, tuple(turn.pool), firm, True, passed)
        return replace(
            decision, status=Status.assigned, institution=firm, handler=None, rotation=moved
        )


def read_decisions(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The recorded decisions (SPEC §12 JSON Lines): (line from 1, the object) of every line."""
    name = str(path)
    out: list[tuple[int, dict[str, Any]]] = []
    for number, line in _read_events(path):
        try:
            value = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReplayInputError(name, number, None, "不是有效的 JSON 行") from exc
        if not isinstance(value, dict):
            raise ReplayInputError(name, number, None, "每行应为一个 JSON 对象（一个决定）")
        if not isinstance(value.get("case"), str):
            raise ReplayInputError(name, number, "case", "缺少案件编号")
        if value.get("status") not in ("assigned", "unassignable", "refused"):
            raise ReplayInputError(
                name,
                number,
                "status",
                f"应为 assigned、unassignable 或 refused（收到 {value.get('status')!r}）",
            )
        out.append((number, value))
    return out


@dataclass
class ReplaySource:
    records: list[TurnRecord]
    firms: dict[str, tuple[str, int, int]]


def turns_from_replay(
    roster_path: Path,
    events_path: Path,
    policy: Policy,
    calendar: WorkdayCalendar,
    decisions_path: Path | None = None,
) -> ReplaySource:
    """Replay the stream with the engine (fayuan.replay) and keep every criminal decision; with
    `decisions_path`, the assignments are the recorded ones (`RecordedReplayer`)."""
    roster, view = load_roster(roster_path)
    replayer: Replayer
    recorded: RecordedReplayer | None = None
    if decisions_path is None:
        replayer = Replayer(view, policy, calendar)
    else:
        lines = read_decisions(decisions_path)
        replayer = recorded = RecordedReplayer(view, policy, calendar, lines, str(decisions_path))
    names = {i.id: i.name for i in roster.institutions}
    records: list[TurnRecord] = []
    events_name = str(events_path)
    mode: str | None = None
    seen = 0
    for number, line in _read_events(events_path):

        def fail(key: str, reason: str, number: int = number) -> ReplayInputError:
            return ReplayInputError(events_name, number, key, reason)

        try:
            event = EVENT_ADAPTER.validate_json(line)
        except ValidationError as exc:
            raise _refusal(exc, line, events_name, number) from exc
        seen += 1
        decision = replayer.apply(event, fail)
        if decision is None:
            continue
        if decision.policy_values is not None:
            mode = decision.policy_values.rotation_weight
        suspended = replayer.state.roster.suspended
        record = record_of(decision, suspended)
        if recorded is not None and recorded.override is not None:
            away = tuple(
                f for f in sorted(suspended) if f not in {m.firm for m in recorded.override.pool}
            )
            record = replace(recorded.override, suspended=away)
        if record is not None:
            records.append(record)
    if seen == 0:
        raise ReplayInputError(
            events_name, None, None, "没有任何事件：文件是空的或只有空行（每行应为一个事件）"
        )
    if recorded is not None and recorded.position < len(recorded.recorded):
        number, _ = recorded.recorded[recorded.position]
        raise ReplayInputError(
            recorded.name, number, None, "决定文件比事件流长：此行起没有对应的事件"
        )
    firms: dict[str, tuple[str, int, int]] = {}
    if mode is not None:
        base = rotation_pool(
            ((i, i.active, len(view.active_lawyers[i.id])) for i in view.ordered), mode
        )
        firms = {m.firm: (names.get(m.firm, ""), m.sequence, m.weight) for m in base}
    else:
        firms = {
            i.id: (names.get(i.id, ""), i.sequence, 0)
            for i in view.ordered
            if i.active and i.kind is InstitutionKind.law_firm
        }
    # Only the roster's rotation firms are "suspended at the time" (not a suspended office).
    records = [
        replace(r, suspended=tuple(f for f in r.suspended if f in firms)) if r.suspended else r
        for r in records
    ]
    return ReplaySource(records, firms)


# --------------------------------------------------------------------------------- output


def _fmt(value: Fraction, places: int = 1, sign: bool = False) -> str:
    text = f"{float(value):+.{places}f}" if sign else f"{float(value):.{places}f}"
    return "+0.0" if sign and text in ("-0.0", "+0.0") else text


def _pct(part: Fraction | int, whole: int) -> str:
    return f"{float(Fraction(part) * 100 / whole):.1f}%" if whole else "—"


def _causes(counter: Counter[str]) -> str:
    parts = [f"{CAUSE_SHORT_ZH[c]}{counter[c]}" for c in CAUSES if counter.get(c)]
    if counter.get("undocumented"):
        parts.append(f"无记载{counter['undocumented']}")
    return "、".join(parts) or "—"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


HEADERS = (
    "机构",
    "名称",
    "权重",
    "在轮次数",
    "实得",
    "按规则",
    "应得",
    "差额",
    "期初差额",
    "实得占比",
    "应得占比",
    "有据少得",
    "有据多得",
    "暂停期间",
    "未解释",
    "标记",
)


def _rows(report: FairnessReport) -> list[list[str]]:
    rows = []
    for f in report.firms:
        rows.append(
            [
                f.firm,
                f.name,
                str(f.weight),
                str(f.turns_in_pool),
                str(f.received),
                "—" if f.rules_received is None else str(f.rules_received),
                _fmt(f.entitled),
                _fmt(f.difference, sign=True),
                _fmt(f.opening, sign=True),
                _pct(f.received, report.turns),
                _pct(f.entitled, report.turns),
                _causes(f.lost),
                str(sum(f.gained.values())) if f.gained else "—",
                str(f.suspended_turns) if f.suspended_turns else "—",
                _fmt(f.unexplained, sign=True),
                "⚠ 超出一轮" if f.flagged else "正常",
            ]
        )
    return rows


def render(report: FairnessReport) -> str:
    """The readable table (Chinese) printed on stdout."""
    period = f"{report.period_from or '开始'} 至 {report.period_until or '结束'}"
    lines = [
        f"刑事案件按序轮流指派公平性核查（第十一条；SPEC §8）"
        f"  政策 {report.policy_id}  期间 {period}",
        f"轮次 {report.turns} 个；无可指派机构的刑事案件 {len(report.unassignable)} 个"
        + (f"（{', '.join(report.unassignable)}）" if report.unassignable else ""),
    ]
    if report.choice_counts_as_turn is False:
        lines.append(
            f"点援/便民指派不计为轮次（choice_counts_as_turn = false）：{report.not_counted} 个"
        )
    rows = _rows(report)
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) for i, h in enumerate(HEADERS)]
    numeric = {2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14}
    lines.append("  ".join(_pad(h, widths[i], i in numeric) for i, h in enumerate(HEADERS)))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(_pad(c, widths[i], i in numeric) for i, c in enumerate(r)))
    received = sum(f.received for f in report.firms)
    entitled = sum((f.entitled for f in report.firms), Fraction(0))
    lines.append("  ".join("-" * w for w in widths))
    lines.append(f"合计：实得 {received}，应得 {_fmt(entitled)}")
    lines.append(
        "差额 = 实得 − 应得；未解释 = 期初差额 + 差额 中有据跳过（少得/多得）不能解释的部分；"
        "超过一轮即标记。"
    )
    if any(f.rules_received is not None for f in report.firms):
        lines.append(
            "按规则 = 同一事件流按规则（SPEC §8）所得的轮次；所记录的决定与之相差超过一轮亦标记。"
        )
    flagged = report.flagged
    lines.append(
        f"标记的机构：{', '.join(f.firm for f in flagged)}" if flagged else "没有机构超出一轮。"
    )
    return "\n".join(lines)


def to_json(report: FairnessReport) -> dict[str, Any]:
    def causes(counter: Counter[str]) -> dict[str, int]:
        return {k: counter[k] for k in (*CAUSES, "undocumented", "skip") if counter.get(k)}

    return {
        "policy": report.policy_id,
        "from": report.period_from.isoformat() if report.period_from else None,
        "until": report.period_until.isoformat() if report.period_until else None,
        "turns": report.turns,
        "unassignable": report.unassignable,
        "choice_not_counted": report.not_counted,
        "tolerance_turns": 1,
        "firms": [
            {
                "institution": f.firm,
                "name": f.name,
                "sequence": f.sequence,
                "weight": f.weight,
                "turns_in_pool": f.turns_in_pool,
                "received": f.received,
                "rules_received": f.rules_received,
                "entitled": round(float(f.entitled), 4),
                "entitled_exact": str(f.entitled),
                "difference": round(float(f.difference), 4),
                "opening": round(float(f.opening), 4),
                "lost": causes(f.lost),
                "gained": causes(f.gained),
                "pending_lost": round(float(f.pending_lost), 4),
                "pending_gained": round(float(f.pending_gained), 4),
                "suspended_turns": f.suspended_turns,
                "choice_not_counted": f.choice_not_counted,
                "unexplained": round(float(f.unexplained), 4),
                "flagged": f.flagged,
            }
            for f in report.firms
        ],
        "flagged": [f.firm for f in report.flagged],
    }


def _atomic_write(path: Path, write: Any) -> None:
    """Write beside `path` and rename at the end: no partial file on error (like replay)."""
    if path.is_dir():
        raise ReplayOutputError(str(path), None, None, "输出路径是一个文件夹，应为文件名")
    try:
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise ReplayOutputError(
            str(path), None, None, f"无法创建输出文件：{os_reason(exc)}"
        ) from exc
    os.close(handle)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise ReplayOutputError(
            str(path), None, None, f"无法写入输出文件：{os_reason(exc)}"
        ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_json(report: FairnessReport, path: Path) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as out:
            json.dump(to_json(report), out, ensure_ascii=False, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())

    _atomic_write(path, write)


def write_xlsx(report: FairnessReport, path: Path) -> None:
    from openpyxl import Workbook

    def write(tmp: Path) -> None:
        book = Workbook()
        sheet = book.active
        sheet.title = "轮流指派公平性"
        sheet.append([render(report).splitlines()[0]])
        sheet.append(list(HEADERS))
        for f, text in zip(report.firms, _rows(report), strict=True):
            values: list[Any] = list(text)
            values[2:5] = [f.weight, f.turns_in_pool, f.received]
            values[5] = f.rules_received
            values[6:9] = [round(float(x), 4) for x in (f.entitled, f.difference, f.opening)]
            values[14] = round(float(f.unexplained), 4)
            sheet.append(values)
        sheet.append([])
        sheet.append(["轮次", report.turns, "无可指派", len(report.unassignable)])
        book.save(tmp)

    _atomic_write(path, write)


def check_outputs(paths: Sequence[Path | None], inputs: Sequence[Path]) -> None:
    """Refuse an output that is a folder, a missing folder's child, or one of the inputs."""
    for path in paths:
        if path is None:
            continue
        if path.is_dir():
            raise ReplayOutputError(str(path), None, None, "输出路径是一个文件夹，应为文件名")
        if not path.parent.is_dir():
            raise ReplayOutputError(str(path), None, None, "输出文件所在的文件夹不存在")
        for given in inputs:
            with contextlib.suppress(OSError):
                if path.exists() and path.samefile(given):
                    raise ReplayOutputError(
                        str(path), None, None, f"输出文件就是输入文件 {given}，会覆盖它"
                    )


# ---------------------------------------------------------------------------- command line


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ReplayInputError(
            "命令行", None, option, f"日期应为 YYYY-MM-DD 格式（收到 {text!r}）"
        ) from exc


def run_fairness(args: Any, message: Callable[[Exception], str]) -> int:
    """`fayuan fairness`: exit 0 when no firm is flagged, 3 when some is, 1 on bad input."""
    from fayuan.policy.params import load_policy
    from fayuan.workdays import CalendarFileError

    try:
        period_from = _parse_day(args.period_from, "--from")
        period_until = _parse_day(args.period_until, "--until")
        if period_from and period_until and period_from > period_until:
            raise ReplayInputError(
                "命令行", None, "--until", f"结束日期 {period_until} 早于开始日期 {period_from}"
            )
        center = getattr(args, "center", None)
        if center is not None and (args.roster or args.events or args.decisions):
            raise ReplayInputError(
                "命令行",
                None,
                "--center",
                "--center（读取数据库）与 --roster/--events/--decisions（重放事件流）只能选其一",
            )
        if center is None and (args.roster is None or args.events is None):
            raise ReplayInputError(
                "命令行",
                None,
                "--roster" if args.roster is None else "--events",
                "须给出 --roster 和 --events（重放事件流），或 --center 中心编码（读取数据库）",
            )
        inputs = [args.roster, args.events, *([args.decisions] if args.decisions else [])]
        check_outputs((args.json_out, args.xlsx_out), [p for p in inputs if p is not None])
        warnings: list[str] = []
        source: ReplaySource
        if center is not None:
            from fayuan.fairness_db import turns_from_database

            db = turns_from_database(center)
            assert db.policy is not None
            policy, source, warnings = db.policy, db, db.warnings
        else:
            policy = load_policy(args.policy)
            calendar = WorkdayCalendar.default(args.calendar, provisional=args.provisional_calendar)
            source = turns_from_replay(args.roster, args.events, policy, calendar, args.decisions)
        report = assess(source.records, period_from, period_until, source.firms)
        if args.decisions is not None:
            rules = turns_from_replay(args.roster, args.events, policy, calendar)
            compare_with_rules(
                report, assess(rules.records, period_from, period_until, rules.firms)
            )
        report.policy_id = policy.id
        report.choice_counts_as_turn = _choice_counts(policy, source.records, period_until)
        if args.json_out is not None:
            write_json(report, args.json_out)
        if args.xlsx_out is not None:
            write_xlsx(report, args.xlsx_out)
    except ReplayOutputError as exc:
        print(f"fayuan fairness：无法写入，未生成输出文件。\n{exc}", file=sys.stderr)
        return 1
    except (ReplayInputError, PolicyError, CalendarFileError) as exc:
        print(f"fayuan fairness：输入有误，未生成输出文件。\n{message(exc)}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(warning, file=sys.stderr)
    print(render(report))
    return EXIT_FLAGGED if report.flagged else 0


def _choice_counts(
    policy: Policy, records: Sequence[TurnRecord], until: date | None
) -> bool | None:
    """`criminal_rotation.choice_counts_as_turn` on the period's last day with a record."""
    days = [r.on for r in records if until is None or r.on <= until]
    if not days:
        return None
    try:
        return bool(policy.values_on(max(days)).rotation_choice_counts_as_turn)
    except PolicyError:  # only a label in the report
        return None
