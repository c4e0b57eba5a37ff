"""第五条: who decides an assignment (SPEC §4).

A major case (50 or more aided persons — "50人以上" includes 50 —, or a stability risk, or major and
difficult) goes to the bureau after a collective discussion; every other case to the director.
"""

from __future__ import annotations

import pytest

from fayuan.policy.approval import Route, approval_route, major_case_grounds
from policy_builders import POLICY, Run, case, criminal, firm, lawyers

PV = POLICY.values_on(POLICY.effective)


def _run() -> Run:
    return Run.of([firm("F1", 1), firm("F2", 2)], lawyers("F1", 4) + lawyers("F2", 4))


def test_policy_threshold_for_a_major_group_case_is_50_persons() -> None:
    assert PV.major_group_min_persons == 50


@pytest.mark.parametrize(
    ("persons", "route"),
    [(1, Route.director), (49, Route.director), (50, Route.bureau), (51, Route.bureau)],
)
def test_group_of_49_goes_to_the_director_and_of_50_to_the_bureau(
    persons: int, route: Route
) -> None:
    assert approval_route(case("C1", aided_persons=persons), PV) is route


def test_decision_of_a_49_person_case_is_routed_to_the_director() -> None:
    decision = _run().assign(case("C1", aided_persons=49))
    assert decision.route is Route.director
    assert decision.route_grounds == ()
    assert decision.to_json()["route"] == "director"


def test_decision_of_a_50_person_case_is_routed_to_the_bureau_with_its_ground() -> None:
    decision = _run().assign(case("C1", aided_persons=50))
    assert decision.route is Route.bureau
    assert decision.to_json()["route"] == "bureau"
    assert len(decision.route_grounds) == 1
    assert "50" in decision.route_grounds[0]
    assert "第五条" in decision.articles


def test_stability_risk_alone_goes_to_the_bureau() -> None:
    c = case("C1", stability_risk=True)
    assert approval_route(c, PV) is Route.bureau
    assert major_case_grounds(c, PV) == ["对社会平安稳定有影响"]
    assert _run().assign(c).route is Route.bureau


def test_major_difficult_alone_goes_to_the_bureau() -> None:
    c = case("C1", major_difficult=True)
    assert approval_route(c, PV) is Route.bureau
    assert major_case_grounds(c, PV) == ["重大疑难"]
    assert _run().assign(c).route is Route.bureau


def test_social_impact_alone_goes_to_the_director() -> None:
    c = case("C1", social_impact=True)
    assert approval_route(c, PV) is Route.director
    assert major_case_grounds(c, PV) == []
    assert _run().assign(c).route is Route.director


def test_serious_criminal_case_by_social_impact_alone_goes_to_the_director() -> None:
    decision = _run().assign(criminal("C1", social_impact=True))
    assert decision.serious
    assert decision.route is Route.director


def test_life_sentence_possible_alone_goes_to_the_director() -> None:
    assert _run().assign(criminal("C1", life_sentence_possible=True)).route is Route.director


def test_major_difficult_criminal_case_goes_to_the_bureau() -> None:
    assert _run().assign(criminal("C1", major_difficult=True)).route is Route.bureau


def test_every_ground_is_recorded_when_several_apply() -> None:
    c = case("C1", aided_persons=60, stability_risk=True, major_difficult=True)
    assert len(major_case_grounds(c, PV)) == 3
    assert _run().assign(c).route_grounds == tuple(major_case_grounds(c, PV))


def test_unassignable_case_still_carries_its_route() -> None:
    run = Run.of([firm("F1", 1)], lawyers("F1", 1))
    decision = run.assign(case("C1", aided_persons=50))
    assert decision.status == "unassignable"  # 3 handlers needed, only 1 lawyer
    assert decision.route is Route.bureau
