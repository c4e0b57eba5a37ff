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
from dataclasses import dataclass, replace
from datetime import date, timedelta

from fayuan.policy.model import Case, Institution
from fayuan.policy.params import PolicyValues


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """One candidate's score, part by part, as recorded in the decision."""

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


def with_share_caps(scores: list[ScoreParts], ratio: float) -> list[ScoreParts]:
    """第九条 合理指派 [SPEC §9: over many identical cases no institution gets more than twice its
    share by practitioners]. Each candidate's cap is `ratio` × its practitioners' share of the
    candidates' recent cases with this one, and never below one case."""
    recent = sum(s.recent_cases for s in scores) + 1
    practitioners = sum(s.practitioners for s in scores)
    if not practitioners:
        return scores
    return [
        replace(s, share_cap=max(1.0, ratio * recent * s.practitioners / practitioners))
        for s in scores
    ]


def score(
    inst: Institution,
    case: Case,
    specialists: int,
    mean_quality: float,
    recent_cases: int,
    practitioners: int,
    pv: PolicyValues,
) -> ScoreParts:
    """第九条：根据执业人员资质、专业特长、承办法律援助案件质量情况，适当结合受援人意愿等因素，
    合理指派案件承办机构；第十条：充分考虑案件重大疑难程度以及社会效果；第四条：属地制。"""
    same_locality = bool(case.locality) and inst.locality == case.locality
    return ScoreParts(
        institution=inst.id,
        sequence=inst.sequence,
        specialty=pv.ranking_weight_specialty if specialists else 0.0,
        quality=pv.ranking_weight_quality * mean_quality / 100.0,
        locality=pv.ranking_weight_locality if same_locality else 0.0,
        load=pv.ranking_weight_load * recent_cases / max(practitioners, 1),
        specialists=specialists,
        mean_quality=mean_quality,
        same_locality=same_locality,
        recent_cases=recent_cases,
        practitioners=practitioners,
    )


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

    def snapshot(self) -> dict[str, int]:
        return {k: v for k, v in self._recent.items() if v}
