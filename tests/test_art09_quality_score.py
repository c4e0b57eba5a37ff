"""第九条 办案质量评分 (pure rules): 结合案件承办人办案质量、受援人回访满意度、办案机关评价 — the
weighted mean of the three sources over the trailing window, a missing source left out of the
divisor, no score without a record, and the threshold of 指派建议 (both sides of each edge)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fayuan.policy.params import load_policy
from fayuan.policy.quality import (
    OPINION,
    REVIEW,
    VISIT,
    Record,
    opinion_points,
    quality_score,
    satisfaction_points,
    window_start,
)

VALUES = load_policy("beibei-2023").supervision_on(date(2026, 12, 1))
AS_OF = date(2026, 12, 1)


def test_art09_beibei_weights_window_and_points_are_the_policy_files() -> None:
    assert dict(VALUES.quality_source_weights) == {
        "案卷评查": 50,
        "回访满意度": 30,
        "办案机关评价": 20,
    }
    assert VALUES.quality_window_days == 365
    assert satisfaction_points(VALUES, 5) == 100 and satisfaction_points(VALUES, 1) == 20
    assert opinion_points(VALUES, "基本满意") == 70
    assert VALUES.quality_advice_threshold == 60 and VALUES.quality_advice_min_records == 3


def test_art09_score_is_the_weighted_mean_of_the_three_sources() -> None:
    records = [
        Record(REVIEW, AS_OF, 80.0),
        Record(REVIEW, AS_OF, 90.0),
        Record(VISIT, AS_OF, 60.0),
        Record(OPINION, AS_OF, 100.0),
    ]
    score = quality_score(records, VALUES, AS_OF)
    # (50×85 + 30×60 + 20×100) ÷ 100 = 80.5
    assert score.value == 80.5
    assert score.records == 4
    assert score.formula() == "(50×85.0 + 30×60.0 + 20×100.0) ÷ 100 = 80.5"
    assert [(p.source, p.count, p.mean) for p in score.parts] == [
        ("案卷评查", 2, 85.0),
        ("回访满意度", 1, 60.0),
        ("办案机关评价", 1, 100.0),
    ]


def test_art09_a_source_without_records_leaves_the_divisor() -> None:
    score = quality_score([Record(REVIEW, AS_OF, 70.0), Record(VISIT, AS_OF, 100.0)], VALUES, AS_OF)
    # (50×70 + 30×100) ÷ 80 = 81.25 → 81.2 (one decimal, half to even)
    assert score.value == 81.2
    assert score.formula() == "(50×70.0 + 30×100.0) ÷ 80 = 81.2；办案机关评价无记录，不计"


def test_art09_no_record_gives_no_score_and_says_the_roster_entry_stands() -> None:
    score = quality_score([], VALUES, AS_OF)
    assert score.value is None and score.records == 0
    assert "沿用名册录入的评分" in score.formula()
    assert not score.calls_for_advice(VALUES)


def test_art09_window_counts_its_first_day_and_not_the_day_before() -> None:
    first = window_start(AS_OF, VALUES)
    assert first == AS_OF - timedelta(days=364)
    inside = quality_score([Record(VISIT, first, 40.0)], VALUES, AS_OF)
    outside = quality_score([Record(VISIT, first - timedelta(days=1), 40.0)], VALUES, AS_OF)
    assert inside.value == 40.0 and outside.value is None
    later = quality_score([Record(VISIT, AS_OF + timedelta(days=1), 40.0)], VALUES, AS_OF)
    assert later.value is None  # a record after the score's day is not counted


def _low(n: int, points: float) -> list[Record]:
    return [Record(OPINION, AS_OF, points)] * n


def test_art09_advice_below_the_threshold_not_at_it() -> None:
    assert quality_score(_low(3, 59.9), VALUES, AS_OF).calls_for_advice(VALUES)
    assert not quality_score(_low(3, 60.0), VALUES, AS_OF).calls_for_advice(VALUES)


def test_art09_advice_needs_the_minimum_records() -> None:
    assert not quality_score(_low(2, 30.0), VALUES, AS_OF).calls_for_advice(VALUES)
    assert quality_score(_low(3, 30.0), VALUES, AS_OF).calls_for_advice(VALUES)


def test_art09_a_zero_weight_source_is_not_counted() -> None:
    values = replace(
        VALUES,
        quality_source_weights=(("案卷评查", 100.0), ("回访满意度", 0.0), ("办案机关评价", 0.0)),
    )
    score = quality_score([Record(VISIT, AS_OF, 20.0)], values, AS_OF)
    assert score.value is None


@pytest.mark.parametrize("policy", ["beibei-2023", "demo-lianhua-2025"])
def test_art09_every_policy_file_gives_the_quality_parameters(policy: str) -> None:
    values = load_policy(policy).supervision_on(date(2026, 12, 1))
    assert sum(w for _, w in values.quality_source_weights) == 100


@given(
    st.lists(
        st.tuples(st.sampled_from([REVIEW, VISIT, OPINION]), st.floats(0, 100)),
        min_size=1,
        max_size=30,
    )
)
def test_art09_score_stays_between_the_lowest_and_highest_record(rows) -> None:
    score = quality_score([Record(s, AS_OF, p) for s, p in rows], VALUES, AS_OF)
    assert score.value is not None
    points = [p for _, p in rows]
    assert min(points) - 0.05 <= score.value <= max(points) + 0.05
