"""Criminal rotation: 按序依次指派 (第十一条; SPEC.md §8).

Smooth weighted round robin over the pool of active law firms. The state is a plain mapping of
credits that the caller passes in and gets back (`RotationTurn.state_after`), so the service can
store it in the same transaction as the assignment; nothing here mutates its input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Generic, NamedTuple, TypeVar

from fayuan.policy.model import Institution, InstitutionKind

_EMPTY: Mapping[str, int] = MappingProxyType({})

C = TypeVar("C")


class PoolMember(NamedTuple):
    firm: str
    weight: int
    sequence: int


class Pool(tuple[PoolMember, ...]):
    """The pool, in published order, with each firm's weight and the total weight at hand."""

    weights: Mapping[str, int]
    total: int


def make_pool(members: Iterable[PoolMember]) -> Pool:
    pool = Pool(members)
    pool.weights = {m.firm: m.weight for m in pool}
    pool.total = sum(pool.weights.values())
    return pool


def as_pool(members: tuple[PoolMember, ...]) -> Pool:
    return members if isinstance(members, Pool) else make_pool(members)


@dataclass(frozen=True, slots=True)
class RotationState:
    """Each firm's credit; a firm never seen has 0. Suspended firms keep theirs frozen.

    Stored as `base` plus `turns` taken with `pool` since: a pool firm's credit is
    base + weight × turns. A turn then costs one copy of `base` instead of an update of every
    firm (SPEC §8's "every firm in the pool gains w", kept exactly). Never mutated.
    """

    base: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    pool: Pool | None = None
    turns: int = 0

    def credit(self, firm: str) -> int:
        credit = self.base.get(firm, 0)
        if self.turns and self.pool is not None:
            credit += self.pool.weights.get(firm, 0) * self.turns
        return credit

    @property
    def credits(self) -> Mapping[str, int]:
        """Every firm's credit, as stored by the service."""
        if not self.turns or self.pool is None:
            return self.base
        credits = dict(self.base)
        for firm, weight, _ in self.pool:
            credits[firm] = credits.get(firm, 0) + weight * self.turns
        return credits

    def aligned(self, pool: Pool) -> RotationState:
        """The same credits, counted against `pool` (the pool changes only on suspension)."""
        if self.pool is pool or (self.pool == pool and self.pool is not None):
            return self
        return RotationState(self.credits, pool, 0)


def firm_weight(active_lawyers: int, mode: str) -> int:
    """第十一条：根据全区律师事务所执业律师情况，按序依次指派律师事务所。

    [SPEC §8: `criminal_rotation.weight` = "lawyers" gives w = the firm's active lawyers;
    "equal" gives every firm with a lawyer w = 1.]
    """
    if mode == "equal":
        return 1 if active_lawyers > 0 else 0
    return active_lawyers


def rotation_pool(firms: Iterable[tuple[Institution, bool, int]], mode: str) -> Pool:
    """The pool: active law firms with weight > 0.

    `firms` gives (institution, takes new cases now, number of active lawyers)."""
    pool = []
    for inst, active, lawyers in firms:
        if not active or inst.kind is not InstitutionKind.law_firm:
            continue
        weight = firm_weight(lawyers, mode)
        if weight > 0:
            pool.append(PoolMember(inst.id, weight, inst.sequence))
    return make_pool(pool)


@dataclass(frozen=True, slots=True)
class RotationTurn(Generic[C]):
    """One turn of the rotation, with everything needed to explain it."""

    winner: str | None
    pool: tuple[PoolMember, ...]
    total_weight: int
    state_before: RotationState
    # Firms ahead of the winner (higher credit or same credit, lower sequence) that could not
    # take the case, with the check that said why. They keep their credit (SPEC §8).
    skipped: tuple[tuple[str, C], ...]
    winner_check: C | None
    state_after: RotationState

    @property
    def credits_before(self) -> Mapping[str, int]:
        return self.state_before.credits

    def credit_before(self, firm: str) -> int:
        return self.state_before.credit(firm)


def _advance(state: RotationState, winner: str) -> RotationState:
    """Every pool firm gains its weight (one more turn); the winner pays the total weight."""
    assert state.pool is not None
    base = dict(state.base)
    base[winner] = base.get(winner, 0) - state.pool.total
    return RotationState(base, state.pool, state.turns + 1)


def take_turn(
    state: RotationState,
    pool: tuple[PoolMember, ...],
    check: Callable[[str], tuple[bool, C]],
) -> RotationTurn[C]:
    """第十一条：按序依次指派律师事务所安排律师承办。

    [SPEC §8: every pool firm gains its weight; among the eligible the highest credit wins, ties to
    the lower sequence; the winner pays the pool's total weight. Skipped firms keep their credit.
    If none is eligible, no credit changes.] `check(firm)` says whether a firm may take the case.
    """
    members = as_pool(pool)
    state = state.aligned(members)
    skipped: list[tuple[str, C]] = []
    passed: set[str] = set()
    while len(passed) < len(members):
        firm = _leader(state, members, passed)
        eligible, result = check(firm)
        if eligible:
            after = _advance(state, firm)
            return RotationTurn(firm, members, members.total, state, tuple(skipped), result, after)
        skipped.append((firm, result))
        passed.add(firm)
    return RotationTurn(None, members, members.total, state, tuple(skipped), None, state)


def _leader(state: RotationState, pool: Pool, passed: set[str]) -> str:
    """The firm next in line: the highest credit after this turn's gain, ties to the lower
    sequence, among those not yet passed over. One pass; firms are rarely passed over."""
    best_firm, best_credit, best_sequence = "", 0, 0
    get, turns = state.base.get, state.turns + 1
    for firm, weight, sequence in pool:
        credit = get(firm, 0) + weight * turns
        if (
            not best_firm
            or credit > best_credit
            or (credit == best_credit and sequence < best_sequence)
        ) and firm not in passed:
            best_firm, best_credit, best_sequence = firm, credit, sequence
    return best_firm


def count_as_turn(
    state: RotationState, pool: tuple[PoolMember, ...], winner: str, check: C
) -> RotationTurn[C]:
    """[SPEC §8 `criminal_rotation.choice_counts_as_turn`: a criminal case assigned by the
    applicant's choice (第四条 点援) or to the helping institution counts as that firm's turn.]"""
    members = as_pool(pool)
    state = state.aligned(members)
    if winner not in members.weights:
        return RotationTurn(winner, members, members.total, state, (), check, state)
    return RotationTurn(winner, members, members.total, state, (), check, _advance(state, winner))
