"""第二条 (and 第六、十一条): who may handle what (SPEC §2, §8 on suspension).

Criminal cases go only to law firms and only to lawyers; other categories also to grassroots
offices and their workers. Inactive practitioners and roster-inactive institutions are never
eligible. A suspended institution takes no new case, but a handler change within it is allowed.
"""

from __future__ import annotations

from fayuan.policy.decision import Status
from policy_builders import (
    Run,
    case,
    criminal,
    firm,
    lawyer,
    lawyers,
    office,
    worker,
)


def _mixed() -> Run:
    """F1: a law firm with a lawyer and (oddly) a grassroots worker; G1: a grassroots office."""
    return Run.of(
        [firm("F1", 1), office("G1", 2)],
        [lawyer("L1", "F1"), worker("W9", "F1"), worker("W1", "G1"), worker("W2", "G1")],
    )


# --------------------------------------------------------------------------------- criminal


def test_criminal_case_goes_only_to_a_law_firm_by_rotation() -> None:
    run = _mixed()
    for n in range(4):
        decision = run.assign(criminal(f"C{n}"))
        assert decision.status is Status.assigned
        assert decision.institution == "F1"


def test_criminal_case_lists_only_lawyers_as_eligible_practitioners() -> None:
    decision = _mixed().assign(criminal("C1"))
    assert decision.eligible_practitioners == ("L1",)


def test_criminal_case_chosen_grassroots_office_is_declined_for_kind() -> None:
    decision = _mixed().assign(criminal("C1", chosen_institution="G1"))
    assert [(d.institution, d.reason) for d in decision.declined] == [("G1", "kind")]
    assert decision.institution == "F1"
    assert decision.rule == "rotation"


def test_criminal_case_chosen_grassroots_worker_is_declined() -> None:
    decision = _mixed().assign(criminal("C1", chosen_practitioner="W1"))
    assert [(d.institution, d.reason) for d in decision.declined] == [("G1", "kind")]
    assert decision.institution == "F1"


def test_criminal_case_chosen_worker_of_a_law_firm_is_declined_as_not_a_lawyer() -> None:
    decision = _mixed().assign(criminal("C1", chosen_practitioner="W9"))
    assert [(d.institution, d.reason) for d in decision.declined] == [("F1", "chosen_practitioner")]
    assert "律师" in decision.declined[0].detail
    # The next rule still applies, and may pick the same firm for one of its lawyers.
    assert decision.rule == "rotation"
    assert decision.eligible_practitioners == ("L1",)


def test_criminal_case_with_only_grassroots_offices_is_unassignable() -> None:
    run = Run.of([office("G1", 1)], [worker("W1", "G1")])
    decision = run.assign(criminal("C1"))
    assert decision.status is Status.unassignable
    assert decision.institution is None
    assert decision.to_json()["reasons"] == {"G1": "kind"}


def test_law_firm_without_active_lawyer_cannot_take_a_criminal_case() -> None:
    run = Run.of([firm("F1", 1)], [worker("W1", "F1"), lawyer("L1", "F1", active=False)])
    decision = run.assign(criminal("C1", chosen_institution="F1"))
    assert [(d.institution, d.reason) for d in decision.declined] == [("F1", "practitioners")]
    assert decision.status is Status.unassignable


# --------------------------------------------------------------------------------- other categories


def test_civil_case_may_go_to_a_grassroots_office_and_its_workers() -> None:
    decision = _mixed().assign(case("C1", chosen_institution="G1"))
    assert decision.status is Status.assigned
    assert decision.institution == "G1"
    assert decision.rule == "choice"
    assert set(decision.eligible_practitioners) == {"W1", "W2"}


def test_civil_case_at_a_law_firm_lists_its_lawyers_and_workers() -> None:
    decision = _mixed().assign(case("C1", chosen_institution="F1"))
    assert set(decision.eligible_practitioners) == {"L1", "W9"}


def test_every_non_criminal_category_may_be_ranked_to_a_grassroots_office() -> None:
    for category in ("civil", "administrative", "labor_arbitration", "non_litigation"):
        run = Run.of([office("G1", 1)], [worker("W1", "G1")])
        decision = run.assign(case("C1", category))
        assert decision.status is Status.assigned, category
        assert decision.institution == "G1"
        assert decision.rule == "ranking"


# --------------------------------------------------------------------------------- inactive


def test_inactive_practitioner_is_never_an_eligible_practitioner() -> None:
    run = Run.of([firm("F1", 1)], [lawyer("L1", "F1"), lawyer("L2", "F1", active=False)])
    assert run.assign(case("C1")).eligible_practitioners == ("L1",)
    assert run.assign(criminal("C2")).eligible_practitioners == ("L1",)


def test_inactive_chosen_practitioner_is_declined() -> None:
    run = Run.of([firm("F1", 1)], [lawyer("L1", "F1"), lawyer("L2", "F1", active=False)])
    decision = run.assign(case("C1", chosen_practitioner="L2"))
    assert [(d.institution, d.reason) for d in decision.declined] == [("F1", "chosen_practitioner")]
    assert decision.handler is None
    assert decision.rule == "ranking"


def test_institution_with_only_inactive_practitioners_is_not_eligible() -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2)], [lawyer("L1", "F1", active=False), lawyer("L2", "F2")]
    )
    decision = run.assign(case("C1"))
    assert decision.institution == "F2"
    assert {c.institution: c.reason for c in decision.ineligible} == {"F1": "practitioners"}


def test_roster_inactive_institution_is_never_chosen_ranked_or_rotated() -> None:
    run = Run.of(
        [firm("F0", 1, active=False), firm("F1", 2)],
        lawyers("F0", 5) + lawyers("F1", 1),
    )
    chosen = run.assign(case("C1", chosen_institution="F0", helped_by_institution="F0"))
    assert [(d.institution, d.rule, d.reason) for d in chosen.declined] == [
        ("F0", "choice", "inactive"),
        ("F0", "helping", "inactive"),
    ]
    assert chosen.institution == "F1"
    for n in range(3):
        assert run.assign(criminal(f"K{n}")).institution == "F1"
        assert run.assign(case(f"R{n}")).institution == "F1"
    assert "F0" not in run.credits()


def test_reinstating_a_roster_inactive_institution_does_not_activate_it() -> None:
    run = Run.of([firm("F0", 1, active=False), firm("F1", 2)], lawyers("F0", 5) + lawyers("F1", 1))
    run.suspend("F0")
    run.reinstate("F0")
    decision = run.assign(case("C1", chosen_institution="F0"))
    assert [(d.institution, d.reason) for d in decision.declined] == [("F0", "inactive")]


# --------------------------------------------------------------------------------- suspended


def _suspended_run() -> Run:
    run = Run.of([firm("F1", 1), firm("F2", 2)], lawyers("F1", 3) + lawyers("F2", 1))
    return run


def test_suspended_institution_takes_no_new_case_by_choice() -> None:
    run = _suspended_run()
    run.suspend("F1")
    decision = run.assign(case("C1", chosen_institution="F1"))
    assert [(d.institution, d.reason) for d in decision.declined] == [("F1", "suspended")]
    assert decision.institution == "F2"


def test_suspended_institution_takes_no_new_case_by_ranking_or_rotation() -> None:
    run = _suspended_run()
    run.suspend("F1")
    for n in range(3):
        assert run.assign(case(f"R{n}")).institution == "F2"
        assert run.assign(criminal(f"K{n}")).institution == "F2"


def test_institution_takes_cases_again_once_reinstated() -> None:
    run = _suspended_run()
    run.suspend("F1")
    run.reinstate("F1")
    assert run.assign(case("C1", chosen_institution="F1")).institution == "F1"


def test_suspended_institution_keeps_its_case_and_may_change_handler_within_it() -> None:
    run = _suspended_run()
    first = run.assign(case("C1", chosen_practitioner="F1-L1"))
    assert first.institution == "F1"
    run.suspend("F1")
    change = run.change("C1", mode="same_institution")
    assert change.status is Status.assigned
    assert change.institution == "F1"
    assert change.rule == "change"
    assert set(change.eligible_practitioners) == {"F1-L2", "F1-L3"}
    assert run.held["C1"].institution == "F1"


def test_suspended_institution_is_not_the_target_of_a_change_to_another_institution() -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2), firm("F3", 3)],
        lawyers("F1", 1) + lawyers("F2", 1) + lawyers("F3", 1),
    )
    assert run.assign(case("C1", chosen_institution="F1")).institution == "F1"
    run.suspend("F2")
    change = run.change("C1", mode="other_institution")
    assert change.status is Status.assigned
    assert change.institution == "F3"
