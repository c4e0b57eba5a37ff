"""第九、十条 and 属地 (第四条): ranking for non-criminal cases (SPEC §9).

score = 40·(has a specialist) + 30·mean quality/100 + 20·(same locality)
        − 10·(cases in the last 90 days ÷ eligible practitioners)

Highest score wins; ties go to the lower sequence. Every decision records each eligible
candidate's score parts, and the ineligible ones with their reasons. Over many identical cases no
institution gets more than twice its share by practitioners.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fayuan.policy.decision import Status
from fayuan.policy.ranking import LoadWindow
from policy_builders import (
    POLICY,
    Run,
    case,
    firm,
    lawyer,
    lawyers,
    office,
    worker,
)

PV = POLICY.values_on(POLICY.effective)
SPECIALTY = "劳动争议"
HERE = "天生街道"
THERE = "澄江镇"


def test_packaged_weights_are_specialty_40_quality_30_locality_20_load_10() -> None:
    assert (
        PV.ranking_weight_specialty,
        PV.ranking_weight_quality,
        PV.ranking_weight_locality,
        PV.ranking_weight_load,
    ) == (40, 30, 20, 10)
    assert PV.ranking_load_window_days == 90


def _labour(id: str = "C1", locality: str = "", **kwargs: object) -> object:
    return case(id, "labor_arbitration", specialty=SPECIALTY, locality=locality, **kwargs)


def _scores(decision: object) -> dict[str, tuple[float, float, float, float]]:
    return {
        s.institution: (s.specialty, s.quality, s.locality, s.load)
        for s in decision.scores  # type: ignore[attr-defined]
    }


# --------------------------------------------------------------------------------- order of weight


def test_specialty_beats_the_best_quality() -> None:
    run = Run.of(
        [firm("Q", 1, THERE), firm("S", 2, THERE)],
        [lawyer("Q1", "Q", quality=100), lawyer("S1", "S", quality=0, specialties=[SPECIALTY])],
    )
    decision = run.assign(_labour())
    assert decision.institution == "S"
    assert _scores(decision) == {"S": (40, 0, 0, 0), "Q": (0, 30, 0, 0)}


def test_best_quality_with_locality_beats_specialty_alone_as_weighted() -> None:
    run = Run.of(
        [firm("Q", 1, HERE), firm("S", 2, THERE)],
        [lawyer("Q1", "Q", quality=100), lawyer("S1", "S", quality=0, specialties=[SPECIALTY])],
    )
    assert run.assign(_labour(locality=HERE)).institution == "Q"


def test_full_quality_beats_locality() -> None:
    run = Run.of(
        [firm("L", 1, HERE), firm("Q", 2, THERE)],
        [lawyer("L1", "L", quality=0), lawyer("Q1", "Q", quality=100)],
    )
    decision = run.assign(case("C1", locality=HERE))
    assert decision.institution == "Q"
    assert _scores(decision) == {"Q": (0, 30, 0, 0), "L": (0, 0, 20, 0)}


def test_locality_beats_a_quality_lead_of_less_than_two_thirds() -> None:
    run = Run.of(
        [firm("L", 1, HERE), firm("Q", 2, THERE)],
        [lawyer("L1", "L", quality=0), lawyer("Q1", "Q", quality=60)],
    )
    assert run.assign(case("C1", locality=HERE)).institution == "L"


def test_locality_beats_one_recent_case_per_practitioner_and_ties_at_two() -> None:
    run = Run.of(
        [firm("N", 1, THERE), firm("L", 2, HERE)],
        [lawyer("N1", "N", quality=50), lawyer("L1", "L", quality=50)],
    )
    run.assign(case("P1", chosen_institution="L"))
    one = run.assign(case("C1", locality=HERE))
    assert one.institution == "L"  # 15 + 20 − 10 = 25 > 15
    assert _scores(one)["L"] == (0, 15, 20, 10)
    # L now has 2 recent cases: 15 + 20 − 20 = 15 = N's 15, and N has the lower sequence.
    two = run.assign(case("C2", locality=HERE))
    assert two.institution == "N"


def test_load_counts_per_eligible_practitioner() -> None:
    run = Run.of(
        [firm("A", 1, THERE), firm("B", 2, THERE)],
        lawyers("A", 1, quality=50) + lawyers("B", 4, quality=50),
    )
    for n in range(4):
        run.assign(case(f"P{n}", chosen_institution="B"))
    run.assign(case("P9", chosen_institution="A"))
    # A: 1 case / 1 practitioner = 10 points off; B: 4 / 4 = 10 off as well → tie → A.
    decision = run.assign(case("C1"))
    assert _scores(decision) == {"A": (0, 15, 0, 10), "B": (0, 15, 0, 10)}
    assert decision.institution == "A"


def test_identical_institutions_take_turns_as_load_builds_up() -> None:
    run = Run.of([firm("A", 1), firm("B", 2)], lawyers("A", 2) + lawyers("B", 2))
    assert [run.assign(case(f"C{n}")).institution for n in range(6)] == ["A", "B"] * 3


# --------------------------------------------------------------------------------- ties


def test_tie_goes_to_the_lower_sequence_not_the_lower_id() -> None:
    run = Run.of(
        [firm("Z", 1), firm("A", 2), office("M", 3)],
        lawyers("Z", 1) + lawyers("A", 1) + [worker("M1", "M")],
    )
    decision = run.assign(case("C1"))
    assert len({s.total for s in decision.scores}) == 1
    assert decision.institution == "Z"
    assert [s.institution for s in decision.scores] == ["Z", "A", "M"]


def test_locality_needs_the_case_to_have_one() -> None:
    run = Run.of([firm("A", 1, ""), firm("B", 2, HERE)], lawyers("A", 1) + lawyers("B", 1))
    decision = run.assign(case("C1", locality=""))
    assert _scores(decision)["A"][2] == 0
    assert decision.institution == "A"


# --------------------------------------------------------------------------------- the record


def test_every_eligible_candidate_score_parts_are_recorded_best_first() -> None:
    run = Run.of(
        [firm("A", 1, HERE), firm("B", 2, THERE), office("G", 3, HERE)],
        [
            lawyer("A1", "A", quality=40),
            lawyer("A2", "A", quality=80, specialties=[SPECIALTY]),
            lawyer("B1", "B", quality=90),
            worker("G1", "G", quality=100, specialties=[SPECIALTY, "婚姻家庭"]),
        ],
    )
    decision = run.assign(_labour(locality=HERE))
    assert decision.rule == "ranking"
    assert [s.institution for s in decision.scores] == ["G", "A", "B"]
    parts = {s.institution: s for s in decision.scores}
    assert (parts["G"].specialty, parts["G"].quality, parts["G"].locality) == (40, 30, 20)
    assert (parts["A"].specialty, parts["A"].quality, parts["A"].locality) == (40, 18, 20)
    assert (parts["B"].specialty, parts["B"].quality, parts["B"].locality) == (0, 27, 0)
    assert parts["A"].specialists == 1 and parts["A"].practitioners == 2
    assert parts["G"].total == pytest.approx(90)
    assert decision.ineligible == ()


def test_ineligible_institutions_are_listed_with_their_reasons_and_not_scored() -> None:
    run = Run.of(
        [
            firm("A", 1),
            firm("X", 2, active=False),
            firm("S", 3),
            firm("C", 4),
            firm("P", 5),
            firm("E", 6),
        ],
        lawyers("A", 2)
        + lawyers("X", 2)
        + lawyers("S", 2)
        + lawyers("C", 2)
        + lawyers("P", 1)
        + lawyers("E", 2, active=False),
        suspended=["S"],
    )
    decision = run.assign(case("C1", aided_persons=10, conflict_institutions=["C"]))
    assert decision.institution == "A"
    assert [s.institution for s in decision.scores] == ["A"]
    assert {c.institution: c.reason for c in decision.ineligible} == {
        "X": "inactive",
        "S": "suspended",
        "C": "conflict",
        "P": "practitioners",
        "E": "practitioners",
    }
    assert all(c.detail for c in decision.ineligible)


def test_mean_quality_and_specialists_count_only_eligible_practitioners() -> None:
    run = Run.of(
        [firm("A", 1)],
        [
            lawyer("A1", "A", quality=100, specialties=[SPECIALTY]),
            lawyer("A2", "A", quality=20),
            lawyer("A3", "A", quality=100, active=False, specialties=[SPECIALTY]),
        ],
    )
    decision = run.assign(_labour(conflict_practitioners=["A1"]))
    assert _scores(decision)["A"] == (0, 6, 0, 0)


def test_ranking_cites_articles_nine_and_ten() -> None:
    decision = Run.of([firm("A", 1)], lawyers("A", 1)).assign(case("C1"))
    assert {"第九条", "第十条"} <= set(decision.articles)


def test_nothing_eligible_is_unassignable_with_each_institutions_reason() -> None:
    run = Run.of([firm("A", 1), office("G", 2)], [*lawyers("A", 1), worker("G1", "G")])
    decision = run.assign(case("C1", conflict_institutions=["A", "G"]))
    assert decision.status is Status.unassignable
    assert decision.scores == ()
    assert decision.to_json()["reasons"] == {"A": "conflict", "G": "conflict"}


# --------------------------------------------------------------------------------- the load window


def test_load_window_keeps_the_last_90_days_including_today() -> None:
    window = LoadWindow()
    window.record("A", date(2024, 3, 1))
    window.expire(date(2024, 5, 29), 90)  # 89 days later: still counted
    assert window.recent("A") == 1
    window.expire(date(2024, 5, 30), 90)  # 90 days later: forgotten
    assert window.recent("A") == 0


# --------------------------------------------------------------------------------- fairness


def _share_bound(counts: Counter[str | None], practitioners: dict[str, int], n: int) -> None:
    total = sum(practitioners.values())
    for inst, p in practitioners.items():
        assert counts[inst] <= 2 * n * p / total, (inst, counts, practitioners)


def test_thousand_identical_cases_give_no_institution_more_than_twice_its_share() -> None:
    run = Run.of(
        [
            firm("Star", 1, HERE),
            firm("Big", 2, THERE),
            office("Mid", 3, HERE),
            firm("Low", 4, THERE),
        ],
        [lawyer("S1", "Star", quality=100, specialties=[SPECIALTY])]
        + lawyers("Big", 6, quality=0)
        + [worker(f"M{n}", "Mid", quality=50) for n in range(3)]
        + lawyers("Low", 2, quality=10),
    )
    counts = Counter(run.assign(_labour(f"C{n}", locality=HERE)).institution for n in range(1000))
    assert sum(counts.values()) == 1000
    _share_bound(counts, {"Star": 1, "Big": 6, "Mid": 3, "Low": 2}, 1000)


@settings(max_examples=12, deadline=None)
@given(
    institutions=st.lists(
        st.tuples(
            st.integers(1, 4),  # practitioners
            st.sampled_from([0, 50, 100]),  # quality
            st.booleans(),  # a specialist
            st.booleans(),  # same locality
        ),
        min_size=2,
        max_size=4,
    )
)
def test_fairness_holds_for_any_small_roster_over_500_identical_cases(
    institutions: list[tuple[int, int, bool, bool]],
) -> None:
    insts, people, sizes = [], [], {}
    for i, (count, quality, specialist, local) in enumerate(institutions):
        insts.append(firm(f"F{i}", i + 1, HERE if local else THERE))
        specialties = [SPECIALTY] if specialist else []
        people += lawyers(f"F{i}", count, quality=quality, specialties=specialties)
        sizes[f"F{i}"] = count
    run = Run.of(insts, people)
    counts = Counter(run.assign(_labour(f"C{n}", locality=HERE)).institution for n in range(500))
    _share_bound(counts, sizes, 500)


def test_fairness_holds_for_a_district_sized_roster_over_1000_identical_cases() -> None:
    insts = [office("Star", 1, HERE)]
    people = [worker("S1", "Star", quality=100, specialties=[SPECIALTY])]
    sizes = {"Star": 1}
    for k in range(20):
        insts.append(firm(f"F{k:02}", k + 2, THERE))
        people += lawyers(f"F{k:02}", 10, quality=0)
        sizes[f"F{k:02}"] = 10
    run = Run.of(insts, people)
    counts = Counter(run.assign(_labour(f"C{n}", locality=HERE)).institution for n in range(1000))
    _share_bound(counts, sizes, 1000)
