"""`fayuan fairness --center CODE`: the fairness check of `fayuan.fairness` on the service's
database instead of a replayed stream (第十一条 按序依次指派; SPEC §8).

The service moves the rotation credits on every criminal assignment it issues, whatever rule
chose the firm (`fayuan.workflow.actions._take_rotation_turn`: rotation, choice, helping, an
officer's override, a handler change to another firm), except choice and helping when the
policy's `criminal_rotation.choice_counts_as_turn` is false. So the turns are the center's criminal
`Assignment` rows, in the order issued, current or ended. The stored decision (the engine's
`EngineProposal.decision`, or `HandlerChange.decision` for a change) keeps the firms the rules
passed over and why (`skipped`), but not the pool or the credits; so they are rebuilt here:

- the pool at each issue: the center's law firms that took new cases then, by their status
  history (`InstitutionStatusChange`; before an institution's first recorded change it is taken
  as active, or as suspended when that first change made it active again; with no history its
  present status throughout), weighted by the policy of the day (`engine.policy_for(center)`,
  `criminal_rotation.weight`) and the firm's active lawyers then: its lawyers on the roster now,
  each by its status history (`PractitionerStatusChange`: the center's suspensions and
  reinstatements, `do_set_practitioner_status`, and a roster import's changes), by the same rule
  as an institution (before a lawyer's first recorded change: active, or not active when that
  first change made it active; with no history its present status throughout). A suspended
  lawyer is not active (SPEC §8), so the weight of a firm follows its lawyers' suspensions as the
  service's pool did (`engine.roster_view` at each issue);
- the credits: from 0 (SPEC §8), each assignment applied as the service does (`count_as_turn`).

Each firm ranked ahead of the assigned one at that turn was passed over: with the stored reason
when the rules recorded one, as "choice" for an applicant's choice or the helping institution
(第四、九条), else undocumented (an override, a turn taken out of order). The rebuilt credits are
then compared with the stored `RotationCredit` rows: a difference means the pool was not what is
rebuilt here (a lawyer joined, left or moved to another firm in the period: the roster keeps no
history of that; a status change not recorded; credits carried over from another system) and is
reported as a warning beside the report.

A criminal case for which the rules found nobody (an unassignable engine proposal or handler
change) is counted apart, as in the replay. `record_of` is not used: the stored decision has no
pool and no credits, so the `TurnRecord`s are made directly, as `RecordedReplayer` makes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fayuan.fairness import ReplaySource, TurnRecord, _ahead_of
from fayuan.policy.deadlines import local_date
from fayuan.policy.decision import CHOICE_RULES
from fayuan.policy.params import Policy
from fayuan.policy.rotation import RotationState, count_as_turn, rotation_pool
from fayuan.replay import ReplayInputError

#: Reason code of a firm jumped by an officer's override: not a documented cause (第五条 asks
#: for the officer's reason, but it is no cause SPEC §8 allows).
OVERRIDE = "override"


@dataclass
class DatabaseSource(ReplaySource):
    policy: Policy | None = None
    #: Chinese warnings printed beside the report (the rebuilt credits differ from the stored).
    warnings: list[str] = field(default_factory=list)


class StatusHistory:
    """Each institution's (or practitioner's) status at a moment, from `InstitutionStatusChange`
    (`PractitionerStatusChange`), by code: `changes` in the order made."""

    def __init__(self, current: dict[str, str], changes: Sequence[tuple[str, str, datetime]]):
        self.current = current
        self.changes: dict[str, list[tuple[datetime, str]]] = {}
        for code, status, at in changes:
            self.changes.setdefault(code, []).append((at, status))

    def at(self, code: str, moment: datetime) -> str:
        changes = self.changes.get(code)
        if not changes:
            return self.current.get(code, "active")
        status = None
        for at, new in changes:
            if at > moment:
                break
            status = new
        if status is None:  # before the first recorded change
            return "suspended" if changes[0][1] == "active" else "active"
        return status


class ActiveLawyers:
    """Each law firm's active lawyers at a moment (SPEC §8: the firm's weight), from the lawyers
    on the roster now, (code, firm, active now), and their `PractitionerStatusChange` rows."""

    def __init__(
        self,
        lawyers: Iterable[tuple[str, str, bool]],
        changes: Sequence[tuple[str, str, datetime]],
    ):
        roster = list(lawyers)
        self.history = StatusHistory(
            {code: "active" if active else "inactive" for code, _, active in roster}, changes
        )
        #: Active lawyers with no recorded change (present status throughout), per firm.
        self.fixed: dict[str, int] = {}
        #: Lawyers with a recorded change, per firm: counted at each moment.
        self.tracked: dict[str, list[str]] = {}
        for code, firm, active in roster:
            if code in self.history.changes:
                self.tracked.setdefault(firm, []).append(code)
            elif active:
                self.fixed[firm] = self.fixed.get(firm, 0) + 1

    def at(self, firm: str, moment: datetime) -> int:
        return self.fixed.get(firm, 0) + sum(
            1 for code in self.tracked.get(firm, ()) if self.history.at(code, moment) == "active"
        )


def _skipped(decision: Any) -> dict[str, str]:
    """`skipped` of a stored decision (SPEC §12 line): firm → the engine's reason code."""
    if not isinstance(decision, dict):
        return {}
    out: dict[str, str] = {}
    for item in decision.get("skipped") or ():
        if isinstance(item, dict) and isinstance(item.get("institution"), str):
            out[item["institution"]] = str(item.get("reason") or "")
    return out


def turns_from_database(code: str) -> DatabaseSource:
    """The center's criminal assignments as fairness records (Django must be set up)."""
    from django.db import DatabaseError

    try:
        return _read(code)
    except DatabaseError as exc:
        raise ReplayInputError(
            "数据库", None, None, f"无法读取数据库（是否已运行 fayuan manage migrate？）：{exc}"
        ) from exc


def _read(code: str) -> DatabaseSource:
    from fayuan.cases.models import Case
    from fayuan.policy.model import PractitionerKind
    from fayuan.roster.models import (
        Center,
        Institution,
        InstitutionStatusChange,
        PractitionerStatusChange,
    )
    from fayuan.workflow import engine
    from fayuan.workflow.models import (
        Assignment,
        EngineProposal,
        HandlerChange,
        HandlerChangeStatus,
        RotationCredit,
    )

    center = Center.objects.filter(code=code).first()
    if center is None:
        known = "、".join(Center.objects.order_by("code").values_list("code", flat=True))
        raise ReplayInputError(
            "命令行",
            None,
            "--center",
            f"数据库中没有编码为 {code!r} 的法律援助中心（已有：{known or '无'}）",
        )
    policy = engine.policy_for(center)
    view = engine.roster_view(center)
    lawyers = {i.id: len(view.active_lawyers[i.id]) for i in view.ordered}  # now
    # The lawyers' status history: one query for the center (practitioners of other kinds do
    # not weigh a firm).
    lawyers_then = ActiveLawyers(
        (
            (p.id, p.institution, p.active)
            for p in view.practitioners.values()
            if p.kind is PractitionerKind.lawyer
        ),
        list(
            PractitionerStatusChange.objects.filter(
                practitioner__center=center, practitioner__kind=PractitionerKind.lawyer.value
            )
            .order_by("at", "id")
            .values_list("practitioner__code", "status", "at")
        ),
    )
    history = StatusHistory(
        dict(Institution.objects.filter(center=center).values_list("code", "status")),
        list(
            InstitutionStatusChange.objects.filter(institution__center=center)
            .order_by("at", "id")
            .values_list("institution__code", "status", "at")
        ),
    )
    assignments = list(
        Assignment.objects.filter(case__center=center, case__category="criminal")
        .select_related("case", "institution", "proposal__engine_proposal")
        .order_by("issued_at", "id")
    )
    changes = {
        c.new_assignment_id: c.decision
        for c in HandlerChange.objects.filter(
            case__center=center, new_assignment__isnull=False
        ).only("new_assignment_id", "decision")
    }
    # (moment, order, assignment or case number): the turns and the unassignable findings.
    events: list[tuple[datetime, int, Any]] = [(a.issued_at, a.pk, a) for a in assignments]
    found: dict[str, datetime] = {}
    for number, at in EngineProposal.objects.filter(
        case__center=center, case__category="criminal", status="unassignable"
    ).values_list("case__number", "created_at"):
        found.setdefault(number, at)
    for number, decided, asked in HandlerChange.objects.filter(
        case__center=center, case__category="criminal", status=HandlerChangeStatus.unassignable
    ).values_list("case__number", "decided_at", "requested_at"):
        found.setdefault(number, decided or asked)
    events += [(at, 0, number) for number, at in found.items()]
    events.sort(key=lambda e: (e[0], e[1]))

    state = RotationState({})
    records: list[TurnRecord] = []
    mode = policy.values_on(local_date(events[-1][0])).rotation_weight if events else None
    for moment, _, item in events:
        day = local_date(moment)
        pv = policy.values_on(day)
        statuses = {i.id: history.at(i.id, moment) for i in view.ordered}
        weights = {i.id: lawyers_then.at(i.id, moment) for i in view.ordered}
        pool = rotation_pool(
            ((i, statuses[i.id] == "active", weights[i.id]) for i in view.ordered),
            pv.rotation_weight,
        )
        in_pool = {m.firm for m in pool}
        base = rotation_pool(
            ((i, statuses[i.id] != "inactive", weights[i.id]) for i in view.ordered),
            pv.rotation_weight,
        )
        away = tuple(sorted(m.firm for m in base if m.firm not in in_pool))  # suspended
        if isinstance(item, str):
            records.append(TurnRecord(item, day, "", tuple(pool), None, False, (), away))
            continue
        case: Case = item.case
        winner = item.institution.code
        if item.rule in CHOICE_RULES and not pv.rotation_choice_counts_as_turn:
            # SPEC §8: the policy does not count 点援/便民 as a turn; the service moved nothing.
            records.append(TurnRecord(case.number, day, item.rule, tuple(pool), winner, False))
            continue
        turn = count_as_turn(state, pool, winner, None)
        state = turn.state_after
        if winner not in in_pool:
            # Not a rotation firm at the time (suspended, not a law firm): no credit moved.
            records.append(TurnRecord(case.number, day, item.rule, tuple(pool), winner, False))
            continue
        if item.rule == "change":
            reasons = _skipped(changes.get(item.pk))
        elif item.proposal is not None:
            reasons = _skipped(item.proposal.engine_proposal.decision)
        else:
            reasons = {}
        fallback = {"choice": "choice", "helping": "choice", OVERRIDE: OVERRIDE}.get(
            item.rule, "undocumented"
        )
        passed = tuple((f, reasons.get(f) or fallback) for f in _ahead_of(turn, winner))
        records.append(
            TurnRecord(case.number, day, item.rule, tuple(pool), winner, True, passed, away)
        )

    if mode is None:
        mode = policy.values_on(local_date(_now())).rotation_weight
    base_now = rotation_pool(
        ((i, i.active, lawyers[i.id]) for i in view.ordered),
        mode,
    )
    firms = {m.firm: (view.institutions[m.firm].name, m.sequence, m.weight) for m in base_now}
    source = DatabaseSource(records, firms, policy)
    stored = dict(
        RotationCredit.objects.filter(center=center).values_list("institution__code", "credit")
    )
    rebuilt = state.credits
    differ = [
        f"{firm}：库中 {stored.get(firm, 0)}，重算 {rebuilt.get(firm, 0)}"
        for firm in sorted(set(stored) | set(rebuilt))
        if stored.get(firm, 0) != rebuilt.get(firm, 0)
    ]
    if differ:
        source.warnings.append(
            "注意：按指派记录重算的轮次积分与数据库所存不一致（"
            + "；".join(differ)
            + "）。期间内律师人数或机构状态的变更可能未有记载，各轮的轮流池因此可能与当时不同，"
            "以下应得轮次仅供参考。"
        )
    return source


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()
