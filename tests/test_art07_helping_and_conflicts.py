"""第七条 (便民, "但有利益冲突的除外") and conflicts of interest (SPEC §3, §7 rule 2).

The helping institution is preferred for non-criminal cases when eligible, never for criminal
cases (第十一条 orders rotation). An institution or practitioner is in conflict when the case lists
it, or when it holds a case whose aided person is an opposing party here or whose opposing party
is an aided person here; persons match on id_number when both have one, else on exact name.
"""

from __future__ import annotations

from pathlib import Path

from fayuan.policy.decision import Status
from policy_builders import (
    Run,
    aided,
    case,
    criminal,
    firm,
    id_number,
    lawyers,
    office,
    opposing,
    policy_with,
    worker,
)

ID_A = id_number("19800101", "011")
ID_B = id_number("19900202", "022")


def _district() -> Run:
    """F1 wins ranking and rotation unless something stops it; F2 and G1 help applicants."""
    return Run.of(
        [firm("F1", 1), firm("F2", 2), office("G1", 3)],
        lawyers("F1", 4, quality=100)
        + lawyers("F2", 2, quality=10)
        + [worker("W1", "G1", quality=10)],
    )


def _declined(decision: object) -> list[tuple[str, str, str]]:
    return [(d.institution, d.rule, d.reason) for d in decision.declined]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------- helping


def test_helping_institution_is_used_for_a_civil_case_when_eligible() -> None:
    decision = _district().assign(case("C1", helped_by_institution="G1"))
    assert decision.status is Status.assigned
    assert decision.institution == "G1"
    assert decision.rule == "helping"
    assert decision.declined == ()
    assert "第七条" in decision.articles


def test_helping_institution_is_used_for_every_non_criminal_category() -> None:
    for category in ("administrative", "labor_arbitration", "non_litigation"):
        decision = _district().assign(case("C1", category, helped_by_institution="F2"))
        assert (decision.institution, decision.rule) == ("F2", "helping"), category


def test_helping_institution_in_conflict_is_declined_and_ranking_applies() -> None:
    decision = _district().assign(
        case("C1", helped_by_institution="G1", conflict_institutions=["G1"])
    )
    assert _declined(decision) == [("G1", "helping", "conflict")]
    assert decision.institution == "F1"
    assert decision.rule == "ranking"


def test_helping_institution_is_not_used_for_a_criminal_case_and_not_declined() -> None:
    decision = _district().assign(criminal("C1", helped_by_institution="F2"))
    assert decision.institution == "F1"
    assert decision.rule == "rotation"
    assert decision.declined == ()
    assert decision.to_json()["declined"] == []


def test_helping_grassroots_office_on_a_criminal_case_is_not_declined_either() -> None:
    decision = _district().assign(criminal("C1", helped_by_institution="G1"))
    assert decision.rule == "rotation"
    assert decision.declined == ()


def test_helping_firm_on_a_criminal_case_takes_no_turn_of_its_own() -> None:
    run = _district()
    run.assign(criminal("C1", helped_by_institution="F2"))
    # Weights 4 (F1) and 2 (F2): F1 won the turn and paid the pool's total weight 6.
    assert run.credits() == {"F1": -2, "F2": 2}


def test_helping_firm_is_used_for_a_criminal_case_only_if_the_policy_prefers_it(
    tmp_path: Path,
) -> None:
    policy = policy_with(tmp_path, {"criminal_rotation.prefer_helping_institution": "true"})
    run = Run.of(
        [firm("F1", 1), firm("F2", 2), office("G1", 3)],
        lawyers("F1", 4, quality=100) + lawyers("F2", 2, quality=10) + [worker("W1", "G1")],
        policy=policy,
    )
    decision = run.assign(criminal("C1", helped_by_institution="F2"))
    assert (decision.institution, decision.rule) == ("F2", "helping")
    # It counts as F2's turn: both gained their weight, F2 paid 6.
    assert run.credits() == {"F1": 4, "F2": -4}
    office_helped = run.assign(criminal("C2", helped_by_institution="G1"))
    assert [(d.institution, d.rule, d.reason) for d in office_helped.declined] == [
        ("G1", "helping", "kind")
    ]


# --------------------------------------------------------------------------------- listed conflicts


def test_institution_listed_in_conflict_cannot_take_the_case() -> None:
    decision = _district().assign(case("C1", conflict_institutions=["F1"]))
    assert decision.institution == "F2"
    assert {c.institution: c.reason for c in decision.ineligible}["F1"] == "conflict"
    assert "第七条" in decision.articles


def test_practitioner_listed_in_conflict_is_not_an_eligible_practitioner() -> None:
    decision = _district().assign(case("C1", conflict_practitioners=["F1-L2"]))
    assert decision.institution == "F1"
    assert set(decision.eligible_practitioners) == {"F1-L1", "F1-L3", "F1-L4"}


def test_listed_conflict_for_a_criminal_case_skips_the_firm_in_rotation() -> None:
    decision = _district().assign(criminal("C1", conflict_institutions=["F1"]))
    assert decision.institution == "F2"
    assert decision.to_json()["skipped"] == [{"institution": "F1", "reason": "conflict"}]


# --------------------------------------------------------------------------------- held cases


def test_aided_person_here_who_is_opposing_in_a_held_case_puts_its_holder_in_conflict() -> None:
    run = _district()
    assert run.assign(case("C1", parties=[aided("张三"), opposing("李四")])).institution == "F1"
    decision = run.assign(case("C2", parties=[aided("李四")]))
    assert decision.institution == "F2"
    check = {c.institution: c for c in decision.ineligible}["F1"]
    assert check.reason == "conflict"
    assert "C1" in check.detail and "李四" in check.detail


def test_opposing_party_here_who_is_aided_in_a_held_case_puts_its_holder_in_conflict() -> None:
    run = _district()
    run.assign(case("C1", parties=[aided("张三")]))
    decision = run.assign(case("C2", parties=[aided("王五"), opposing("张三")]))
    assert decision.institution == "F2"
    assert {c.institution: c.reason for c in decision.ineligible} == {"F1": "conflict"}


def test_same_side_in_a_held_case_is_no_conflict() -> None:
    run = _district()
    run.assign(case("C1", parties=[aided("张三"), opposing("李四")]))
    # Aided in both, opposing in both: the held case is no reason to refuse.
    decision = run.assign(case("C2", parties=[aided("张三"), opposing("李四")]))
    assert decision.institution == "F1"


def test_conflict_through_a_held_case_holds_for_criminal_rotation_too() -> None:
    run = _district()
    run.assign(criminal("C1", parties=[aided("张三"), opposing("李四")]))
    decision = run.assign(criminal("C2", parties=[aided("李四")], chosen_institution="F1"))
    assert _declined(decision) == [("F1", "choice", "conflict")]
    assert decision.institution == "F2"


def test_persons_with_the_same_id_number_match_despite_different_names() -> None:
    run = _district()
    run.assign(case("C1", parties=[aided("张三"), opposing("李四", ID_B)]))
    decision = run.assign(case("C2", parties=[aided("李肆", ID_B)]))
    assert decision.institution == "F2"


def test_id_number_check_digit_x_matches_in_either_case() -> None:
    upper = "50010919810301821X"
    run = _district()
    run.assign(case("C1", parties=[aided("张三"), opposing("吴明霞", upper)]))
    decision = run.assign(case("C2", parties=[aided("吴明霞", upper.lower())]))
    assert decision.institution == "F2"


def test_same_name_with_different_id_numbers_is_no_conflict() -> None:
    run = _district()
    run.assign(case("C1", parties=[aided("张三"), opposing("李四", ID_B)]))
    decision = run.assign(case("C2", parties=[aided("李四", ID_A)]))
    assert decision.institution == "F1"
    assert decision.ineligible == ()


def test_same_name_matches_when_only_the_new_case_has_an_id_number() -> None:
    run = _district()
    run.assign(case("C1", parties=[aided("张三"), opposing("李四")]))
    decision = run.assign(case("C2", parties=[aided("李四", ID_A)]))
    assert decision.institution == "F2"


def test_same_name_matches_when_only_the_held_case_has_an_id_number() -> None:
    run = _district()
    run.assign(case("C1", parties=[aided("张三"), opposing("李四", ID_B)]))
    decision = run.assign(case("C2", parties=[aided("李四")]))
    assert decision.institution == "F2"


def test_names_match_exactly_only() -> None:
    run = _district()
    run.assign(case("C1", parties=[aided("张三"), opposing("李四")]))
    assert run.assign(case("C2", parties=[aided("李四 ")])).institution == "F1"
    assert run.assign(case("C3", parties=[aided("李")])).institution == "F1"


def test_named_chosen_handler_of_a_case_is_in_conflict_as_a_practitioner() -> None:
    run = _district()
    run.assign(case("C1", chosen_practitioner="F2-L1", parties=[aided("张三"), opposing("李四")]))
    c2 = case("C2", parties=[aided("李四")])
    assert set(run.state.practitioner_holdings.conflicts(c2)) == {"F2-L1"}
    assert set(run.state.institution_holdings.conflicts(c2)) == {"F2"}


def test_handler_assigned_by_rotation_or_ranking_is_not_named_so_holds_nothing() -> None:
    run = _district()
    run.assign(case("C1", parties=[aided("张三"), opposing("李四")]))
    c2 = case("C2", parties=[aided("李四")])
    assert run.state.practitioner_holdings.conflicts(c2) == {}
    assert set(run.state.institution_holdings.conflicts(c2)) == {"F1"}


def test_conflicted_chosen_handler_is_declined_in_a_later_case() -> None:
    run = _district()
    run.assign(case("C1", chosen_practitioner="F2-L1", parties=[aided("张三"), opposing("李四")]))
    decision = run.assign(case("C2", chosen_practitioner="F2-L1", parties=[aided("李四")]))
    assert _declined(decision) == [("F2", "choice", "conflict")]


def test_unassignable_case_holds_nothing() -> None:
    run = Run.of([firm("F1", 1)], lawyers("F1", 1))
    first = run.assign(case("C1", conflict_institutions=["F1"], parties=[opposing("李四")]))
    assert first.status is Status.unassignable
    assert run.assign(case("C2", parties=[aided("李四")])).institution == "F1"


def test_releasing_a_case_to_another_institution_removes_the_conflict() -> None:
    run = _district()
    run.assign(case("C1", chosen_practitioner="F1-L1", parties=[aided("张三"), opposing("李四")]))
    assert run.decide(case("C2", parties=[aided("李四")])).institution == "F2"

    change = run.change("C1", mode="other_institution")
    assert change.institution == "F2"

    after = run.decide(case("C2", parties=[aided("李四")]))
    assert after.institution == "F1"
    assert {c.institution: c.reason for c in after.ineligible} == {"F2": "conflict"}
    assert run.state.practitioner_holdings.conflicts(case("C2", parties=[aided("李四")])) == {}


def test_a_case_is_never_in_conflict_with_itself() -> None:
    run = _district()
    c1 = case("C1", parties=[aided("张三"), opposing("张三")])
    run.assign(c1)
    assert run.state.institution_holdings.conflicts(c1) == {}
