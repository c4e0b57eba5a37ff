"""第十一条 按序依次指派: the criminal rotation, smooth weighted round robin (SPEC §8).

Worked by hand. Firms FZ, FB, FA with weights 3, 2, 1 (their active lawyers) and sequences 1, 2, 3
(ids deliberately in the opposite alphabetical order, so a tie broken by id would differ); W = 6.

    case  credits + w        winner (pays 6)   credits after
    1     FZ 3  FB 2  FA 1   FZ                -3   2   1
    2     FZ 0  FB 4  FA 2   FB                 0  -2   2
    3     FZ 3  FB 0  FA 3   FZ (tie, seq 1)   -3   0   3
    4     FZ 0  FB 2  FA 4   FA                 0   2  -2
    5     FZ 3  FB 4  FA -1  FB                 3  -2  -1
    6     FZ 6  FB 0  FA 0   FZ                 0   0   0
"""

from __future__ import annotations

import pytest

from fayuan.policy.decision import Status
from fayuan.policy.params import Policy
from fayuan.policy.rotation import firm_weight
from policy_builders import (
    Run,
    case,
    criminal,
    firm,
    lawyer,
    lawyers,
    office,
    policy_with,
    winners,
    worker,
)

HAND_WORKED = ["FZ", "FB", "FZ", "FA", "FB", "FZ"]
CREDITS_AFTER = [
    {"FZ": -3, "FB": 2, "FA": 1},
    {"FZ": 0, "FB": -2, "FA": 2},
    {"FZ": -3, "FB": 0, "FA": 3},
    {"FZ": 0, "FB": 2, "FA": -2},
    {"FZ": 3, "FB": -2, "FA": -1},
    {"FZ": 0, "FB": 0, "FA": 0},
]


def _three(policy: Policy | None = None, **kwargs: object) -> Run:
    institutions = [firm("FZ", 1), firm("FB", 2), firm("FA", 3)]
    practitioners = lawyers("FZ", 3) + lawyers("FB", 2) + lawyers("FA", 1)
    if policy is None:
        return Run.of(institutions, practitioners, **kwargs)  # type: ignore[arg-type]
    return Run.of(institutions, practitioners, policy=policy, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def equal_policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    return policy_with(tmp_path_factory.mktemp("policy"), {"criminal_rotation.weight": '"equal"'})


# --------------------------------------------------------------------------------- weighted


def test_weights_3_2_1_give_the_hand_worked_sequence_over_six_cases() -> None:
    run = _three()
    assert winners(run, [criminal(f"C{n}") for n in range(6)]) == HAND_WORKED


def test_credits_after_each_case_are_the_hand_worked_ones() -> None:
    run = _three()
    for n, expected in enumerate(CREDITS_AFTER):
        decision = run.assign(criminal(f"C{n}"))
        assert decision.rule == "rotation"
        assert run.credits() == expected, f"after case {n + 1}"


def test_tie_goes_to_the_lower_sequence_not_the_lower_id() -> None:
    run = _three(credits={"FZ": -6, "FB": 1, "FA": 2})
    # credits + w: FZ -3, FB 3, FA 3 → a tie between FB (seq 2) and FA (seq 3).
    assert run.assign(criminal("C1")).institution == "FB"


def test_the_sequence_repeats_every_total_weight_cases() -> None:
    run = _three()
    assert winners(run, [criminal(f"C{n}") for n in range(18)]) == HAND_WORKED * 3


def test_weight_is_the_number_of_active_lawyers_only() -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2)],
        [
            lawyer("A1", "F1"),
            lawyer("A2", "F1", active=False),
            worker("A3", "F1"),
            lawyer("B1", "F2"),
            lawyer("B2", "F2"),
        ],
    )
    pool = {m.firm: m.weight for m in run.state.roster.pool("lawyers")}
    assert pool == {"F1": 1, "F2": 2}


def test_pool_holds_only_active_unsuspended_law_firms_with_a_lawyer() -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2, active=False), firm("F3", 3), office("G1", 4), firm("F4", 5)],
        lawyers("F1", 1) + lawyers("F2", 1) + lawyers("F3", 1) + [worker("W", "G1")],
        suspended=["F3"],
    )
    assert [m.firm for m in run.state.roster.pool("lawyers")] == ["F1"]


def test_decision_records_the_turn_and_cites_article_eleven() -> None:
    decision = _three().assign(criminal("C1"))
    assert decision.rotation is not None
    assert decision.rotation.winner == "FZ"
    assert decision.rotation.total_weight == 6
    assert "第十一条" in decision.articles


def test_deciding_without_applying_changes_no_credit() -> None:
    run = _three()
    run.decide(criminal("C1"))
    run.decide(criminal("C2"))
    assert run.credits() == {}
    assert run.assign(criminal("C3")).institution == "FZ"


# --------------------------------------------------------------------------------- equal weights


def test_firm_weight_modes() -> None:
    assert firm_weight(7, "lawyers") == 7
    assert firm_weight(7, "equal") == 1
    assert firm_weight(0, "equal") == 0
    assert firm_weight(0, "lawyers") == 0


def test_equal_weight_mode_rotates_in_published_order(equal_policy: Policy) -> None:
    run = _three(equal_policy)
    assert equal_policy.values_on(equal_policy.effective).rotation_weight == "equal"
    assert winners(run, [criminal(f"C{n}") for n in range(7)]) == [
        "FZ",
        "FB",
        "FA",
        "FZ",
        "FB",
        "FA",
        "FZ",
    ]
    assert run.credits() == {"FZ": -2, "FB": 1, "FA": 1}


def test_equal_weight_mode_leaves_out_a_firm_without_active_lawyers(equal_policy: Policy) -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2), firm("F3", 3)],
        [*lawyers("F1", 4), lawyer("F2-L1", "F2", active=False), *lawyers("F3", 1)],
        policy=equal_policy,
    )
    assert winners(run, [criminal(f"C{n}") for n in range(4)]) == ["F1", "F3", "F1", "F3"]


# --------------------------------------------------------------------------------- choice


def test_criminal_case_by_choice_counts_as_the_chosen_firms_turn() -> None:
    run = _three()
    decision = run.assign(criminal("C1", chosen_institution="FA"))
    assert decision.rule == "choice"
    assert decision.rotation is not None
    # Everyone gained its weight; FA, the chosen one, paid 6.
    assert run.credits() == {"FZ": 3, "FB": 2, "FA": -5}
    assert winners(run, [criminal("C2"), criminal("C3")]) == ["FZ", "FB"]


def test_criminal_case_by_chosen_practitioner_counts_as_a_turn() -> None:
    run = _three()
    run.assign(criminal("C1", chosen_practitioner="FB-L2"))
    assert run.credits() == {"FZ": 3, "FB": -4, "FA": 1}


def test_civil_case_by_choice_takes_no_turn() -> None:
    run = _three()
    run.assign(case("C1", chosen_institution="FA"))
    assert run.credits() == {}


def test_declined_choice_does_not_count_as_a_turn_of_the_chosen_firm() -> None:
    run = _three()
    decision = run.assign(criminal("C1", chosen_institution="FA", conflict_institutions=["FA"]))
    assert decision.rule == "rotation"
    assert run.credits() == CREDITS_AFTER[0]


# --------------------------------------------------------------------------------- suspension


def test_suspended_firm_credit_is_frozen_and_restored_on_reinstatement() -> None:
    run = _three()
    winners(run, [criminal("C1"), criminal("C2")])
    assert run.credits() == {"FZ": 0, "FB": -2, "FA": 2}
    run.suspend("FA")
    # Pool FZ 3, FB 2; W = 5. FA is out and keeps 2.
    #   FZ 3 FB 0 → FZ (-2, 0); FZ 1 FB 2 → FB (1, -3); FZ 4 FB -1 → FZ (-1, -1)
    assert winners(run, [criminal(f"S{n}") for n in range(3)]) == ["FZ", "FB", "FZ"]
    assert run.credits() == {"FZ": -1, "FB": -1, "FA": 2}
    run.reinstate("FA")
    # Back with 2: FZ 2 FB 1 FA 3 → FA.
    assert run.assign(criminal("R1")).institution == "FA"
    assert run.credits() == {"FZ": 2, "FB": 1, "FA": -3}


def test_suspended_firm_never_wins_while_suspended() -> None:
    run = _three()
    run.suspend("FZ")
    assert "FZ" not in winners(run, [criminal(f"C{n}") for n in range(9)])
    assert run.credit("FZ") == 0


# --------------------------------------------------------------------------------- nobody eligible


def test_no_eligible_firm_makes_the_case_unassignable_and_changes_no_credit() -> None:
    run = _three(credits={"FZ": 1, "FB": -2, "FA": 1})
    decision = run.assign(criminal("C1", conflict_institutions=["FZ", "FB", "FA"]))
    assert decision.status is Status.unassignable
    assert decision.institution is None
    assert run.credits() == {"FZ": 1, "FB": -2, "FA": 1}
    assert decision.to_json()["reasons"] == {"FZ": "conflict", "FB": "conflict", "FA": "conflict"}


def test_empty_pool_makes_the_case_unassignable() -> None:
    run = Run.of([office("G1", 1)], [worker("W1", "G1")])
    decision = run.assign(criminal("C1"))
    assert decision.status is Status.unassignable
    assert run.credits() == {}


def test_skipped_firm_keeps_its_place_after_a_conflict() -> None:
    run = _three()
    decision = run.assign(criminal("C1", conflict_institutions=["FZ"]))
    assert decision.institution == "FB"
    assert run.credits() == {"FZ": 3, "FB": -4, "FA": 1}
    assert run.assign(criminal("C2")).institution == "FZ"
