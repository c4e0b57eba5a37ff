"""第四条 点援制 (and 第九条 "适当结合受援人意愿"): the applicant's choice (SPEC §7 rule 1).

`chosen_practitioner` (implies its institution; the handler is recorded) or `chosen_institution`
is honoured when eligible; otherwise it is declined with the reason and the next rule applies.
"""

from __future__ import annotations

from fayuan.policy.decision import Status
from policy_builders import (
    Run,
    aided,
    case,
    criminal,
    firm,
    lawyer,
    lawyers,
    office,
    opposing,
    worker,
)


def _district() -> Run:
    """F1 (sequence 1) would win every ranking and rotation; F2 and G1 are the ones chosen."""
    return Run.of(
        [firm("F1", 1), firm("F2", 2), office("G1", 3)],
        [
            *lawyers("F1", 4, quality=100),
            lawyer("L21", "F2", quality=10),
            lawyer("L22", "F2", quality=10),
            worker("W1", "G1", quality=10),
        ],
    )


def _declined(decision: object) -> list[tuple[str, str, str]]:
    return [(d.institution, d.rule, d.reason) for d in decision.declined]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------- honoured


def test_chosen_practitioner_is_honoured_with_its_institution_and_recorded_as_handler() -> None:
    decision = _district().assign(case("C1", chosen_practitioner="L22"))
    assert decision.status is Status.assigned
    assert decision.institution == "F2"
    assert decision.rule == "choice"
    assert decision.handler == "L22"
    assert decision.to_json()["handler"] == "L22"
    assert decision.declined == ()
    assert {"第四条", "第九条"} <= set(decision.articles)


def test_chosen_practitioner_is_held_as_the_named_handler() -> None:
    run = _district()
    run.assign(case("C1", chosen_practitioner="L22"))
    assert run.held["C1"].handler == "L22"
    assert run.held["C1"].institution == "F2"


def test_chosen_institution_is_honoured_without_a_named_handler() -> None:
    decision = _district().assign(case("C1", chosen_institution="F2"))
    assert decision.status is Status.assigned
    assert decision.institution == "F2"
    assert decision.rule == "choice"
    assert decision.handler is None
    assert "handler" not in decision.to_json()
    assert set(decision.eligible_practitioners) == {"L21", "L22"}


def test_chosen_grassroots_office_is_honoured_for_a_civil_case() -> None:
    decision = _district().assign(case("C1", chosen_institution="G1"))
    assert decision.institution == "G1"
    assert decision.rule == "choice"


def test_choice_beats_the_helping_institution() -> None:
    decision = _district().assign(case("C1", chosen_institution="F2", helped_by_institution="G1"))
    assert decision.institution == "F2"
    assert decision.rule == "choice"
    assert decision.declined == ()


def test_chosen_firm_is_honoured_for_a_criminal_case_against_the_rotation_order() -> None:
    decision = _district().assign(criminal("C1", chosen_institution="F2"))
    assert decision.institution == "F2"
    assert decision.rule == "choice"


# --------------------------------------------------------------------------------- declined


def test_chosen_institution_in_listed_conflict_is_declined_and_ranking_applies() -> None:
    decision = _district().assign(case("C1", chosen_institution="F2", conflict_institutions=["F2"]))
    assert _declined(decision) == [("F2", "choice", "conflict")]
    assert decision.institution == "F1"
    assert decision.rule == "ranking"


def test_chosen_institution_in_conflict_through_a_held_case_is_declined() -> None:
    run = _district()
    run.assign(case("C1", chosen_institution="F2", parties=[aided("甲"), opposing("乙")]))
    decision = run.assign(case("C2", chosen_institution="F2", parties=[aided("乙")]))
    assert _declined(decision) == [("F2", "choice", "conflict")]
    assert "C1" in decision.declined[0].detail
    assert decision.institution == "F1"


def test_chosen_practitioner_in_listed_conflict_is_declined() -> None:
    decision = _district().assign(
        case("C1", chosen_practitioner="L22", conflict_practitioners=["L22"])
    )
    assert _declined(decision) == [("F2", "choice", "chosen_practitioner")]
    assert "L22" in decision.declined[0].detail
    assert decision.handler is None
    assert decision.rule == "ranking"


def test_chosen_office_of_the_wrong_kind_is_declined_for_a_criminal_case() -> None:
    decision = _district().assign(criminal("C1", chosen_institution="G1"))
    assert _declined(decision) == [("G1", "choice", "kind")]
    assert decision.rule == "rotation"
    assert decision.institution == "F1"


def test_chosen_suspended_institution_is_declined() -> None:
    run = _district()
    run.suspend("F2")
    decision = run.assign(case("C1", chosen_practitioner="L21"))
    assert _declined(decision) == [("F2", "choice", "suspended")]
    assert decision.institution == "F1"


def test_chosen_practitioner_unqualified_for_a_serious_case_is_declined_and_rotation_applies() -> (
    None
):
    run = Run.of(
        [firm("F1", 1), firm("F2", 2)],
        [*lawyers("F1", 2), lawyer("L21", "F2", licensed_on="2023-01-02"), lawyer("L22", "F2")],
    )
    decision = run.assign(criminal("C1", chosen_practitioner="L21", life_sentence_possible=True))
    assert _declined(decision) == [("F2", "choice", "chosen_practitioner")]
    assert "不满 3 年（第十一条）" in decision.declined[0].detail
    assert decision.rule == "rotation"
    assert decision.handler is None


def test_chosen_practitioner_whose_institution_is_ineligible_is_declined_with_that_reason() -> None:
    decision = _district().assign(
        case("C1", chosen_practitioner="L21", conflict_institutions=["F2"])
    )
    assert _declined(decision) == [("F2", "choice", "conflict")]


def test_declined_choice_and_declined_helping_are_both_listed_in_order() -> None:
    decision = _district().assign(
        case(
            "C1",
            chosen_institution="F2",
            helped_by_institution="G1",
            conflict_institutions=["F2", "G1"],
        )
    )
    assert _declined(decision) == [("F2", "choice", "conflict"), ("G1", "helping", "conflict")]
    assert decision.to_json()["declined"] == [
        {"institution": "F2", "rule": "choice", "reason": "conflict"},
        {"institution": "G1", "rule": "helping", "reason": "conflict"},
    ]
    assert decision.institution == "F1"
    assert {"第四条", "第七条", "第九条"} <= set(decision.articles)


def test_declined_choice_with_nothing_else_eligible_is_unassignable_and_still_listed() -> None:
    run = Run.of([firm("F1", 1)], lawyers("F1", 1))
    decision = run.assign(case("C1", chosen_institution="F1", conflict_institutions=["F1"]))
    assert decision.status is Status.unassignable
    assert _declined(decision) == [("F1", "choice", "conflict")]
