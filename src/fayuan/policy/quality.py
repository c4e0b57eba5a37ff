"""第九条 办案质量评分: one practitioner's or institution's quality score from the records of
the three sources the article names — 案卷评查 (the file review's total, 0–100), 受援人回访满意度
(a reached visit's 1–5, as the policy's points) and 办案机关评价 (an organ's rating, as the
policy's points).

    score = Σ weight_s × mean_s ÷ Σ weight_s      over the sources with a record in the window

The window is the policy's `quality.window_days` days up to and including the score's date. A
source without a record leaves the sum and its weight leaves the divisor, so a practitioner is
never marked down for a source nobody recorded. With no record at all there is no score
(`QualityScore.value is None`): the roster's entered value stands, and says so. Pure Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from fayuan.policy.params import QUALITY_SOURCES, SupervisionValues

REVIEW, VISIT, OPINION = QUALITY_SOURCES


@dataclass(frozen=True, slots=True)
class Record:
    """One record behind a score: its source (`QUALITY_SOURCES`), its day, its points out of
    100, and what it is (a case number and the raw value, for the page that shows the sum)."""

    source: str
    on: date
    points: float
    case: str = ""
    raw: str = ""


@dataclass(frozen=True, slots=True)
class SourcePart:
    source: str
    weight: float
    count: int
    mean: float | None

    @property
    def counted(self) -> bool:
        return self.count > 0 and self.weight > 0


@dataclass(frozen=True, slots=True)
class QualityScore:
    """A score on `as_of`, part by part; `value` None when no source had a record."""

    as_of: date
    window_start: date
    parts: tuple[SourcePart, ...]
    value: float | None
    records: int

    def calls_for_advice(self, values: SupervisionValues) -> bool:
        """第九条 指派建议: below the threshold (not equal), on at least the minimum records."""
        return (
            self.value is not None
            and self.records >= values.quality_advice_min_records
            and self.value < values.quality_advice_threshold
        )

    def formula(self) -> str:
        """How the value was computed, in Chinese, e.g.
        ``(50×82.0 + 30×80.0) ÷ 80 = 81.3；办案机关评价无记录，不计``."""
        counted = [p for p in self.parts if p.counted]
        if self.value is None:
            return (
                f"{self.window_start.isoformat()} 至 {self.as_of.isoformat()} 无评查、回访或"
                "评价记录，不计算评分，沿用名册录入的评分"
            )
        terms = " + ".join(f"{p.weight:g}×{p.mean:.1f}" for p in counted)
        divisor = sum(p.weight for p in counted)
        text = f"({terms}) ÷ {divisor:g} = {self.value:.1f}"
        absent = [p.source for p in self.parts if not p.counted]
        if absent:
            text += f"；{'、'.join(absent)}无记录，不计"
        return text


def window_start(as_of: date, values: SupervisionValues) -> date:
    """The first day the window counts: `window_days` days up to and including `as_of`."""
    return as_of - timedelta(days=values.quality_window_days - 1)


def satisfaction_points(values: SupervisionValues, satisfaction: int) -> float:
    return dict(values.quality_satisfaction_points)[str(satisfaction)]


def opinion_points(values: SupervisionValues, rating_label: str) -> float:
    return dict(values.quality_opinion_points)[rating_label]


def quality_score(
    records: Iterable[Record], values: SupervisionValues, as_of: date
) -> QualityScore:
    """The score on `as_of` from `records` (those outside the window are left out)."""
    start = window_start(as_of, values)
    by_source: dict[str, list[float]] = {s: [] for s in QUALITY_SOURCES}
    for r in records:
        if start <= r.on <= as_of:
            by_source[r.source].append(r.points)
    weights = dict(values.quality_source_weights)
    parts = tuple(
        SourcePart(s, weights[s], len(pts), sum(pts) / len(pts) if pts else None)
        for s, pts in by_source.items()
    )
    counted = [p for p in parts if p.counted]
    divisor = sum(p.weight for p in counted)
    value = (
        sum(p.weight * (p.mean or 0.0) for p in counted) / divisor if counted and divisor else None
    )
    return QualityScore(
        as_of=as_of,
        window_start=start,
        parts=parts,
        value=None if value is None else round(value, 1),
        records=sum(p.count for p in parts),
    )
