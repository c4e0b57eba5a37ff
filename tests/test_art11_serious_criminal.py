"""第十一条: serious criminal cases need a lawyer with 3 full years of practice and at least 10
criminal defences (SPEC §2), and a firm without one is skipped in rotation but keeps its place
(SPEC §8).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fayuan.policy.decision import Status
from fayuan.policy.eligibility import full_years_reached, is_serious_criminal
from policy_builders import Run, case, criminal, firm, lawyer, lawyers, policy_with

START = "2024-06-03"  # Monday; every case below starts at 10:00 CST that day


def _one_lawyer(**kwargs: object) -> Run:
    return Run.of([firm("F1", 1)], [lawyer("L1", "F1", **kwargs)])  # type: ignore[arg-type]


# --------------------------------------------------------------------------------- what is serious


@pytest.mark.parametrize("flag", ["social_impact", "major_difficult", "life_sentence_possible"])
def test_each_ground_alone_makes_a_criminal_case_serious(flag: str) -> None:
    c = criminal("C1", **{flag: True})
    assert is_serious_criminal(c)
    decision = _one_lawyer().assign(c)
    assert decision.serious
    assert "第十一条" in decision.articles


def test_criminal_case_without_any_ground_is_not_serious() -> None:
    c = criminal("C1", stability_risk=True, aided_persons=60)
    assert not is_serious_criminal(c)
    assert not _one_lawyer().assign(c).serious


def test_junior_lawyer_may_take_a_criminal_case_that_is_not_serious() -> None:
    run = _one_lawyer(licensed_on="2024-01-02", cases=0)
    assert run.assign(criminal("C1")).eligible_practitioners == ("L1",)


@pytest.mark.parametrize("flag", ["social_impact", "major_difficult", "life_sentence_possible"])
def test_the_same_grounds_do_not_make_a_civil_case_need_a_senior_lawyer(flag: str) -> None:
    c = case("C1", **{flag: True})
    assert not is_serious_criminal(c)
    decision = _one_lawyer(licensed_on="2024-01-02", cases=0).assign(c)
    assert decision.status is Status.assigned
    assert not decision.serious


# --------------------------------------------------------------------------------- three full years


def test_licence_exactly_three_years_old_on_the_start_date_qualifies() -> None:
    decision = _one_lawyer(licensed_on="2021-06-03").assign(criminal("C1", social_impact=True))
    assert decision.status is Status.assigned
    assert decision.eligible_practitioners == ("L1",)


def test_licence_one_day_short_of_three_years_does_not_qualify() -> None:
    decision = _one_lawyer(licensed_on="2021-06-04").assign(criminal("C1", social_impact=True))
    assert decision.status is Status.unassignable
    assert decision.to_json()["reasons"] == {"F1": "qualified"}


def test_start_date_is_the_china_date_of_started_at() -> None:
    # 2024-06-02T20:00Z is 2024-06-03 04:00 in China: the anniversary, so three full years.
    early = criminal("C1", "2024-06-02T20:00:00+00:00", social_impact=True)
    assert _one_lawyer(licensed_on="2021-06-03").assign(early).status is Status.assigned
    # 2024-06-02T15:00Z is still 2024-06-02 23:00 in China: one day short.
    late = criminal("C2", "2024-06-02T15:00:00+00:00", social_impact=True)
    assert _one_lawyer(licensed_on="2021-06-03").assign(late).status is Status.unassignable


def test_full_years_reached_on_the_anniversary_and_not_the_day_before() -> None:
    assert full_years_reached(date(2021, 6, 3), 3, date(2024, 6, 3))
    assert not full_years_reached(date(2021, 6, 3), 3, date(2024, 6, 2))
    assert full_years_reached(date(2021, 6, 3), 3, date(2030, 1, 1))


def test_twenty_ninth_of_february_licence_is_full_on_the_last_day_of_february() -> None:
    # 民法典第二百零二条: with no corresponding day, the last day of the month ends the period.
    assert full_years_reached(date(2020, 2, 29), 3, date(2023, 2, 28))
    assert not full_years_reached(date(2020, 2, 29), 3, date(2023, 2, 27))
    assert full_years_reached(date(2020, 2, 29), 3, date(2023, 3, 1))


def test_twenty_ninth_of_february_licence_into_a_leap_year_needs_the_twenty_ninth() -> None:
    assert not full_years_reached(date(2020, 2, 29), 4, date(2024, 2, 28))
    assert full_years_reached(date(2020, 2, 29), 4, date(2024, 2, 29))


def test_twenty_eighth_of_february_licence_is_not_full_before_the_twenty_eighth() -> None:
    assert not full_years_reached(date(2023, 2, 28), 1, date(2024, 2, 27))
    assert full_years_reached(date(2023, 2, 28), 1, date(2024, 2, 28))


def test_twenty_ninth_of_february_licence_through_a_decision(tmp_path: Path) -> None:
    # The packaged 3 years from 2020-02-29 would end before the policy took effect, and from
    # 2024-02-29 in 2027 with no calendar data: use a 2-year copy of the policy instead.
    policy = policy_with(tmp_path, {"serious_criminal.min_practice_years": "2"})
    leap = [firm("F1", 1)], [lawyer("L1", "F1", licensed_on="2024-02-29")]
    on_28 = Run.of(*leap, policy=policy).assign(criminal("C1", "2026-02-28", major_difficult=True))
    on_27 = Run.of(*leap, policy=policy).assign(criminal("C2", "2026-02-27", major_difficult=True))
    assert on_28.status is Status.assigned
    assert on_27.status is Status.unassignable


# --------------------------------------------------------------------------------- ten defences


@pytest.mark.parametrize(
    ("cases", "status"), [(9, Status.unassignable), (10, Status.assigned), (11, Status.assigned)]
)
def test_nine_criminal_defences_are_not_enough_and_ten_are(cases: int, status: Status) -> None:
    decision = _one_lawyer(cases=cases).assign(criminal("C1", life_sentence_possible=True))
    assert decision.status is status


def test_both_conditions_are_needed() -> None:
    run = Run.of(
        [firm("F1", 1)],
        [
            lawyer("L1", "F1", licensed_on="2022-01-03", cases=50),  # experienced, too recent
            lawyer("L2", "F1", licensed_on="2000-01-03", cases=3),  # old, too few defences
            lawyer("L3", "F1", licensed_on="2021-06-03", cases=10),  # both, just
        ],
    )
    assert run.assign(criminal("C1", major_difficult=True)).eligible_practitioners == ("L3",)
    assert set(run.assign(criminal("C2")).eligible_practitioners) == {"L1", "L2", "L3"}


def test_qualified_lawyer_in_conflict_does_not_qualify_the_firm() -> None:
    run = Run.of(
        [firm("F1", 1)],
        [lawyer("L1", "F1"), lawyer("L2", "F1", licensed_on="2023-01-02", cases=0)],
    )
    decision = run.assign(criminal("C1", social_impact=True, conflict_practitioners=["L1"]))
    assert decision.status is Status.unassignable
    assert decision.to_json()["reasons"] == {"F1": "qualified"}


# --------------------------------------------------------------------------------- rotation


def _rotation() -> Run:
    """A (weight 2, sequence 1) has only junior lawyers; B (weight 1) has a senior one."""
    junior = {"licensed_on": "2023-01-02", "cases": 2}
    return Run.of(
        [firm("A", 1), firm("B", 2)],
        [*lawyers("A", 2, **junior), lawyer("B-L1", "B")],
    )


def test_firm_without_a_qualified_lawyer_is_skipped_in_rotation() -> None:
    run = _rotation()
    decision = run.assign(criminal("C1", social_impact=True))
    assert decision.institution == "B"
    assert decision.to_json()["skipped"] == [{"institution": "A", "reason": "qualified"}]


def test_skipped_firm_keeps_its_credit_and_wins_the_next_ordinary_case() -> None:
    run = _rotation()
    run.assign(criminal("C1", social_impact=True))
    # Every firm gained its weight (A 2, B 1); only the winner B paid the total weight 3.
    assert run.credits() == {"A": 2, "B": -2}
    assert run.assign(criminal("C2")).institution == "A"
    assert run.credits() == {"A": 1, "B": -1}


def test_without_the_serious_case_the_order_would_have_been_a_then_a() -> None:
    run = _rotation()
    assert [run.assign(criminal(f"C{n}")).institution for n in range(3)] == ["A", "B", "A"]


def test_serious_case_with_no_qualified_firm_is_unassignable_and_changes_no_credit() -> None:
    run = Run.of([firm("A", 1)], lawyers("A", 2, licensed_on="2023-01-02"), credits={"A": 5})
    decision = run.assign(criminal("C1", major_difficult=True))
    assert decision.status is Status.unassignable
    assert run.credits() == {"A": 5}
