"""Ranking for non-criminal cases (第九、十条 and 属地; SPEC.md §9).

score = specialty_match·w_specialty + quality/100·w_quality + same_locality·w_locality
        − recent_cases_per_eligible_practitioner·w_load

The weights are policy parameters. The load term alone would spread cases only once there are
enough of them to outweigh a fixed advantage, so a share cap guarantees SPEC §9's promise
directly: an institution whose recent cases would exceed `ranking.max_share_ratio` times its
share by eligible practitioners ranks after every institution that would not.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from fayuan.policy.model import Institution
from fayuan.policy.params import PolicyValues


class ScoreParts(NamedTuple):
    """One candidate's score, part by part, as recorded in the decision. (A named tuple: a
    ranking decision records every eligible institution of the district.)"""

    institution: str
    sequence: int
    specialty: float
    quality: float
    locality: float
    load: float
    # The raw facts behind the parts, for the explanation.
    specialists: int
    mean_quality: float
    same_locality: bool
    recent_cases: int
    practitioners: int
    # Share cap (SPEC §9): the most recent cases its practitioners' share allows with this case.
    share_cap: float = float("inf")

    @property
    def total(self) -> float:
        return self.specialty + self.quality + self.locality - self.load

    @property
    def over_share(self) -> bool:
        return self.recent_cases + 1 > self.share_cap

    @property
    def order_key(self) -> tuple[bool, float, int]:
        """Within the share cap first; then the highest total; ties to the lower published
        sequence (SPEC §9)."""
        return (self.over_share, -round(self.total, 9), self.sequence)


@dataclass(frozen=True, slots=True)
class RankingWeights:
    specialty: float
    quality: float
    locality: float
    load: float
    max_share_ratio: float

    @classmethod
    def of(cls, pv: PolicyValues) -> RankingWeights:
        return cls(
            pv.ranking_weight_specialty,
            pv.ranking_weight_quality,
            pv.ranking_weight_locality,
            pv.ranking_weight_load,
            pv.ranking_max_share_ratio,
        )


Candidate = tuple[Institution, int, float, int, int]
"""An eligible institution as (institution, specialists, mean quality, recent cases, eligible
practitioners)."""


def static_score(
    inst: Institution, specialists: int, mean_quality: float, locality: str, w: RankingWeights
) -> float:
    """The parts of the score that do not change with load: 第九条 专业特长、办案质量；属地."""
    return (
        (w.specialty if specialists else 0.0)
        + w.quality * mean_quality / 100.0
        + (w.locality if locality and inst.locality == locality else 0.0)
    )


def order_key(
    static: float,
    recent: int,
    practitioners: int,
    sequence: int,
    cap_unit: float,
    w: RankingWeights,
) -> tuple[bool, float, int]:
    """Within the share cap first; then the highest total; ties to the lower sequence (SPEC §9).
    The same order as `ScoreParts.order_key`."""
    total = static - w.load * recent / max(practitioners, 1)
    return (recent + 1 > max(1.0, cap_unit * practitioners), -round(total, 9), sequence)


def share_cap_unit(w: RankingWeights, recent_all: int, practitioners_all: int) -> float:
    """第九条 合理指派 [SPEC §9: over many identical cases no institution gets more than twice its
    share by practitioners]: a candidate's cap is this × its eligible practitioners — the ratio
    times its share of the candidates' recent cases with this one (never below one case)."""
    return w.max_share_ratio * (recent_all + 1) / max(practitioners_all, 1)


@dataclass(frozen=True, slots=True)
class Ranking:
    """One ranking decision: the winner at once, every candidate's score parts on demand (a
    district's ranking decision weighs every institution; most decisions are never read)."""

    winner: str | None
    locality: str
    weights: RankingWeights
    cap_unit: float
    candidates: Callable[[], list[Candidate]]

    def scores(self) -> tuple[ScoreParts, ...]:
        """Every eligible candidate's score parts, best first."""
        w = self.weights
        scored = []
        for inst, specialists, mean_quality, recent, practitioners in self.candidates():
            same = bool(self.locality) and inst.locality == self.locality
            scored.append(
                ScoreParts(
                    inst.id,
                    inst.sequence,
                    w.specialty if specialists else 0.0,
                    w.quality * mean_quality / 100.0,
                    w.locality if same else 0.0,
                    w.load * recent / max(practitioners, 1),
                    specialists,
                    mean_quality,
                    same,
                    recent,
                    practitioners,
                    max(1.0, self.cap_unit * practitioners),
                )
            )
        scored.sort(key=lambda s: s.order_key)
        return tuple(scored)


class LoadWindow:
    """Cases assigned to each institution in the trailing window (SPEC §9
    `ranking.load_window_days`). Caller-owned state; each record is added and expired once."""

    __slots__ = ("_log", "_recent")

    def __init__(self) -> None:
        self._log: deque[tuple[date, str]] = deque()
        self._recent: dict[str, int] = {}

    def record(self, institution: str, day: date) -> None:
        self._log.append((day, institution))
        self._recent[institution] = self._recent.get(institution, 0) + 1

    def expire(self, today: date, window_days: int) -> None:
        """Forget assignments on or before `today - window_days`: the window is the last
        `window_days` days up to and including today. Assumes days arrive in order, as events
        do; amortised O(1) per record."""
        cutoff = today - timedelta(days=window_days)
        log, recent = self._log, self._recent
        while log and log[0][0] <= cutoff:
            _, inst = log.popleft()
            recent[inst] -= 1

    def recent(self, institution: str) -> int:
        return self._recent.get(institution, 0)

    @property
    def counts(self) -> dict[str, int]:
        """Recent cases by institution (read-only use; absent means none)."""
        return self._recent

    def snapshot(self) -> dict[str, int]:
        return {k: v for k, v in self._recent.items() if v}
