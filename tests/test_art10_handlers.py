"""第十条: how many handlers a case needs (SPEC §6).

One handler per case; a group case (10 or more aided persons) at least 2, 3 from 50 persons, plus
1 when major and difficult. Criminal: one lawyer per defendant. An institution with fewer eligible
practitioners free of conflict than required is not eligible.
"""

from __future__ import annotations

import pytest

from fayuan.policy.decision import Status
from fayuan.policy.handlers import handlers_recommended as handlers_required
from fayuan.policy.handlers import is_group_case
from policy_builders import POLICY, Run, case, criminal, firm, lawyers, office, worker

PV = POLICY.values_on(POLICY.effective)


@pytest.mark.parametrize(
    ("persons", "handlers"),
    [(1, 1), (9, 1), (10, 2), (11, 2), (49, 2), (50, 3), (51, 3), (5000, 3)],
)
def test_handlers_required_by_number_of_aided_persons(persons: int, handlers: int) -> None:
    assert handlers_required(case("C1", aided_persons=persons), PV) == handlers


def test_nine_persons_is_not_a_group_case_and_ten_is() -> None:
    assert not is_group_case(case("C1", aided_persons=9), PV)
    assert is_group_case(case("C1", aided_persons=10), PV)


@pytest.mark.parametrize(("persons", "handlers"), [(10, 3), (49, 3), (50, 4)])
def test_major_difficult_group_case_needs_one_more(persons: int, handlers: int) -> None:
    c = case("C1", aided_persons=persons, major_difficult=True)
    assert handlers_required(c, PV) == handlers


def test_major_difficult_case_that_is_not_a_group_case_needs_one() -> None:
    assert handlers_required(case("C1", aided_persons=9, major_difficult=True), PV) == 1


@pytest.mark.parametrize("persons", [1, 10, 50, 200])
def test_criminal_case_needs_one_lawyer_whatever_the_persons(persons: int) -> None:
    c = criminal("C1", aided_persons=persons, major_difficult=True)
    assert handlers_required(c, PV) == 1
    assert not is_group_case(c, PV)


def test_decision_records_handlers_required_and_cites_article_ten_for_a_group_case() -> None:
    run = Run.of([firm("F1", 1)], lawyers("F1", 3))
    single = run.assign(case("C1", aided_persons=9))
    group = run.assign(case("C2", aided_persons=10))
    assert (single.handlers_required, single.group) == (1, False)
    assert (group.handlers_required, group.group) == (2, True)
    assert group.to_json()["handlers_required"] == 2
    assert "第十条" in group.articles


# --------------------------------------------------------------------------------- eligibility


def _two_firms() -> Run:
    """F1 (sequence 1, the favourite) has one practitioner; F2 has two."""
    return Run.of(
        [firm("F1", 1), firm("F2", 2)],
        lawyers("F1", 1, quality=100) + lawyers("F2", 2, quality=10),
    )


def test_institution_with_one_practitioner_takes_a_nine_person_case() -> None:
    assert _two_firms().assign(case("C1", aided_persons=9)).institution == "F1"


def test_institution_with_fewer_practitioners_than_required_is_not_eligible() -> None:
    decision = _two_firms().assign(case("C1", aided_persons=10))
    assert decision.institution == "F2"
    check = {c.institution: c for c in decision.ineligible}["F1"]
    assert check.reason == "practitioners"
    assert "1 名" in check.detail and "2 名" in check.detail


def test_institution_with_exactly_the_required_number_is_eligible() -> None:
    decision = _two_firms().assign(case("C1", aided_persons=10, chosen_institution="F2"))
    assert decision.institution == "F2"
    assert decision.rule == "choice"
    assert len(decision.eligible_practitioners) == 2


def test_chosen_institution_too_small_for_a_group_case_is_declined() -> None:
    decision = _two_firms().assign(case("C1", aided_persons=10, chosen_institution="F1"))
    assert [(d.institution, d.reason) for d in decision.declined] == [("F1", "practitioners")]
    assert decision.institution == "F2"


def test_practitioner_in_conflict_does_not_count_towards_the_required_number() -> None:
    decision = _two_firms().assign(
        case("C1", aided_persons=10, chosen_institution="F2", conflict_practitioners=["F2-L1"])
    )
    assert [(d.institution, d.reason) for d in decision.declined] == [("F2", "practitioners")]
    assert decision.status is Status.unassignable


def test_inactive_practitioner_does_not_count_towards_the_required_number() -> None:
    run = Run.of(
        [office("G1", 1)],
        [worker("W1", "G1"), worker("W2", "G1", active=False), worker("W3", "G1")],
    )
    assert run.assign(case("C1", aided_persons=10)).institution == "G1"
    # 50 persons recommend 3; the minimum of 2 active ones still makes G1 eligible (SPEC §6).
    fifty = run.assign(case("C2", aided_persons=50))
    assert fifty.institution == "G1"
    assert (fifty.handlers_recommended, fifty.handlers_required) == (3, 2)
    alone = Run.of([office("G1", 1)], [worker("W1", "G1"), worker("W2", "G1", active=False)])
    assert alone.assign(case("C3", aided_persons=10)).status is Status.unassignable


def test_fifty_person_case_needs_an_institution_with_three() -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2)],
        lawyers("F1", 2, quality=100) + lawyers("F2", 3, quality=10),
    )
    assert run.assign(case("C1", aided_persons=49)).institution == "F1"
    assert run.assign(case("C2", aided_persons=50)).institution == "F2"


def test_major_difficult_group_case_needs_an_institution_with_one_more() -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2)],
        lawyers("F1", 2, quality=100) + lawyers("F2", 3, quality=10),
    )
    decision = run.assign(case("C1", aided_persons=10, major_difficult=True))
    assert decision.handlers_required == 3
    assert decision.institution == "F2"


def test_no_institution_large_enough_makes_the_case_unassignable_with_every_reason() -> None:
    run = Run.of([firm("F1", 1), office("G1", 2)], [*lawyers("F1", 1), worker("W1", "G1")])
    decision = run.assign(case("C1", aided_persons=10))
    assert decision.status is Status.unassignable
    assert decision.to_json()["reasons"] == {"F1": "practitioners", "G1": "practitioners"}
