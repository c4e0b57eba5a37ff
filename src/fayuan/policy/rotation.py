"""Criminal rotation: 按序依次指派 (第十一条; SPEC.md §8).

Smooth weighted round robin over the pool of active law firms. The state is a plain mapping of
credits that the caller passes in and gets back (`RotationTurn.state_after`), so the service can
store it in the same transaction as the assignment; nothing here mutates its input.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Generic, TypeVar

from fayuan.policy.model import Institution, InstitutionKind

_EMPTY: Mapping[str, int] = MappingProxyType({})

C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class PoolMember:
    firm: str
    weight: int
    sequence: int


@dataclass(frozen=True, slots=True)
class RotationState:
    """Each firm's stored credit; a firm never seen has 0. Suspended firms keep theirs frozen."""

    credits: Mapping[str, int] = field(default_factory=lambda: _EMPTY)

    def credit(self, firm: str) -> int:
        return self.credits.get(firm, 0)


def firm_weight(active_lawyers: int, mode: str) -> int:
    """第十一条：根据全区律师事务所执业律师情况，按序依次指派律师事务所。

    [SPEC §8: `criminal_rotation.weight` = "lawyers" gives w = the firm's active lawyers;
    "equal" gives every firm with a lawyer w = 1.]
    """
    if mode == "equal":
        return 1 if active_lawyers > 0 else 0
    return active_lawyers


def rotation_pool(
    firms: Iterable[tuple[Institution, bool, int]], mode: str
) -> tuple[PoolMember, ...]:
    """The pool: active law firms with weight > 0.

    `firms` gives (institution, takes new cases now, number of active lawyers)."""
    pool = []
    for inst, active, lawyers in firms:
        if not active or inst.kind is not InstitutionKind.law_firm:
            continue
        weight = firm_weight(lawyers, mode)
        if weight > 0:
            pool.append(PoolMember(inst.id, weight, inst.sequence))
    return tuple(pool)


@dataclass(frozen=True, slots=True)
class RotationTurn(Generic[C]):
    """One turn of the rotation, with everything needed to explain it."""

    winner: str | None
    pool: tuple[PoolMember, ...]
    total_weight: int
    credits_before: Mapping[str, int]
    # Firms ahead of the winner (higher credit or same credit, lower sequence) that could not
    # take the case, with the check that said why. They keep their credit (SPEC §8).
    skipped: tuple[tuple[str, C], ...]
    winner_check: C | None
    state_after: RotationState

    def credit_before(self, firm: str) -> int:
        return self.credits_before.get(firm, 0)


def _advance(
    state: RotationState, pool: tuple[PoolMember, ...], winner: str, total: int
) -> RotationState:
    credits = dict(state.credits)
    for m in pool:
        credits[m.firm] = credits.get(m.firm, 0) + m.weight
    credits[winner] -= total
    return RotationState(MappingProxyType(credits))


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
    total = sum(m.weight for m in pool)
    heap = [(-(state.credit(m.firm) + m.weight), m.sequence, m.firm) for m in pool]
    heapq.heapify(heap)
    skipped: list[tuple[str, C]] = []
    while heap:
        _, _, firm = heapq.heappop(heap)
        eligible, result = check(firm)
        if eligible:
            after = _advance(state, pool, firm, total)
            return RotationTurn(firm, pool, total, state.credits, tuple(skipped), result, after)
        skipped.append((firm, result))
    return RotationTurn(None, pool, total, state.credits, tuple(skipped), None, state)


def count_as_turn(
    state: RotationState, pool: tuple[PoolMember, ...], winner: str, check: C
) -> RotationTurn[C]:
    """[SPEC §8 `criminal_rotation.choice_counts_as_turn`: a criminal case assigned by the
    applicant's choice (第四条 点援) or to the helping institution counts as that firm's turn.]"""
    total = sum(m.weight for m in pool)
    if all(m.firm != winner for m in pool):
        return RotationTurn(winner, pool, total, state.credits, (), check, state)
    return RotationTurn(
        winner, pool, total, state.credits, (), check, _advance(state, pool, winner, total)
    )
