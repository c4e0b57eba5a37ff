"""第十二条: changing the handler after the agreement (SPEC §10).

A change needs a reason, the aided person's consent and the center's approval; at most 2 changes
per case, a further one only with the bureau's written approval. Otherwise it is `refused` and
nothing changes. An allowed change is routed to the director (within the cap) or the bureau, has a
deadline counted like 第六条 from the change's time, and either names another handler within the
same institution or assigns another institution (criminal: rotation without the old firm, as a
turn; others: ranking without the old institution).
"""

from __future__ import annotations

from fayuan.policy.approval import Route
from fayuan.policy.decision import Status
from fayuan.policy.handler_change import ChangeMode, ChangeRequest, HeldCase, decide_change
from policy_builders import (
    Run,
    aided,
    at,
    case,
    criminal,
    firm,
    lawyer,
    lawyers,
    opposing,
)


def _district() -> Run:
    """F1 (4 lawyers, best quality) wins ranking; F2 next; F3 last."""
    return Run.of(
        [firm("F1", 1), firm("F2", 2), firm("F3", 3)],
        lawyers("F1", 4, quality=100) + lawyers("F2", 2, quality=50) + lawyers("F3", 1, quality=0),
    )


def _assigned(run: Run, c: object | None = None) -> str:
    c = c or case("C1", chosen_practitioner="F1-L1", parties=[aided("张三"), opposing("李四")])
    decision = run.assign(c)  # type: ignore[arg-type]
    assert decision.status is Status.assigned
    return decision.case


def _probe(run: Run) -> tuple[object, ...]:
    """Everything a change may touch, to show that a refused one touches nothing."""
    c = case("PROBE", parties=[aided("李四")])
    return (
        run.credits(),
        sorted(run.state.institution_holdings.conflicts(c)),
        sorted(run.state.practitioner_holdings.conflicts(c)),
        run.state.load.snapshot(),
        dict(run.held),
    )


# --------------------------------------------------------------------------------- refused


def test_change_without_the_aided_persons_consent_is_refused_and_nothing_changes() -> None:
    run = _district()
    case_id = _assigned(run)
    before = _probe(run)
    decision = run.change(case_id, consent=False)
    assert decision.status is Status.refused
    assert decision.institution is None
    assert "同意" in decision.refusal
    assert decision.to_json() == {"case": "C1", "status": "refused", "reason": decision.refusal}
    assert _probe(run) == before
    assert run.held["C1"].changes == 0


def test_change_without_consent_to_another_institution_is_refused_too() -> None:
    run = _district()
    case_id = _assigned(run)
    before = _probe(run)
    assert run.change(case_id, consent=False, mode="other_institution").status is Status.refused
    assert _probe(run) == before


def test_change_with_an_empty_reason_is_refused() -> None:
    run = _district()
    case_id = _assigned(run)
    before = _probe(run)
    for reason in ("", "   "):
        decision = run.change(case_id, reason=reason)
        assert decision.status is Status.refused
        assert "理由" in decision.refusal
    assert _probe(run) == before


def test_change_with_any_stated_reason_is_allowed() -> None:
    run = _district()
    assert run.change(_assigned(run), reason="承办人患病").status is Status.assigned


def test_third_change_without_the_bureau_is_refused() -> None:
    run = _district()
    case_id = _assigned(run)
    assert run.change(case_id).status is Status.assigned
    assert run.change(case_id).status is Status.assigned
    assert run.held[case_id].changes == 2
    before = _probe(run)
    decision = run.change(case_id)
    assert decision.status is Status.refused
    assert "区司法局" in decision.refusal
    assert _probe(run) == before
    assert run.held[case_id].changes == 2


def test_third_change_with_the_bureaus_approval_is_allowed_on_the_bureau_route() -> None:
    run = _district()
    case_id = _assigned(run)
    run.change(case_id)
    run.change(case_id)
    decision = run.change(case_id, bureau_approved=True)
    assert decision.status is Status.assigned
    assert decision.route is Route.bureau
    assert decision.change_number == 3
    assert decision.route_grounds and "3" in decision.route_grounds[0]
    assert run.held[case_id].changes == 3


def test_changes_within_the_cap_are_routed_to_the_director_even_with_bureau_approval() -> None:
    run = _district()
    case_id = _assigned(run)
    first = run.change(case_id)
    second = run.change(case_id, bureau_approved=True, mode="other_institution")
    assert (first.route, first.change_number) == (Route.director, 1)
    assert (second.route, second.change_number) == (Route.director, 2)
    assert first.route_grounds == () and second.route_grounds == ()


def test_change_of_an_unassignable_case_is_refused() -> None:
    run = Run.of([firm("F1", 1)], lawyers("F1", 1))
    first = run.assign(case("C1", conflict_institutions=["F1"]))
    assert first.status is Status.unassignable
    for mode in (ChangeMode.same_institution, ChangeMode.other_institution):
        decision = run.change("C1", mode=mode)
        assert decision.status is Status.refused
        assert "尚未指派" in decision.refusal


def test_refused_change_of_a_major_case_carries_no_route() -> None:
    run = _district()
    case_id = _assigned(run, case("C1", stability_risk=True))
    decision = run.change(case_id, consent=False)
    assert decision.route is None
    assert decision.articles == ("第十二条",)


# --------------------------------------------------------------------------------- deadline


def test_deadline_counts_from_the_change_like_article_six_for_a_civil_case() -> None:
    run = _district()
    case_id = _assigned(run)
    # Friday 2024-06-07; 06-08/09 weekend, 06-10 端午: local 06-11, 06-12, 06-13; statutory:
    # the third day, 06-10, is a holiday, so 06-11, which is earlier and governs (SPEC §5, §10).
    decision = run.change(case_id, "2024-06-07T16:30:00+08:00")
    assert decision.deadlines is not None
    assert decision.deadlines.local.isoformat() == "2024-06-13T23:59:59+08:00"
    assert decision.deadline is not None
    assert decision.deadline.isoformat() == "2024-06-11T23:59:59+08:00"
    assert "第六条" in decision.articles and "第十二条" in decision.articles


def test_deadline_counts_from_the_change_for_a_criminal_case_to_another_firm() -> None:
    run = _district()
    case_id = _assigned(run, criminal("K1"))
    decision = run.change(case_id, "2024-06-07T16:30:00+08:00", mode="other_institution")
    assert decision.deadline is not None
    assert decision.deadline.isoformat() == "2024-06-11T23:59:59+08:00"


def test_change_time_is_read_in_china_standard_time() -> None:
    run = _district()
    case_id = _assigned(run, criminal("K1"))
    # 2024-06-06T17:00Z is already Friday 06-07 01:00 in China.
    decision = run.change(case_id, "2024-06-06T17:00:00+00:00")
    assert decision.deadline is not None
    assert decision.deadline.isoformat() == "2024-06-11T23:59:59+08:00"


# --------------------------------------------------------------------------------- same institution


def test_same_institution_lists_its_eligible_practitioners_except_the_chosen_handler() -> None:
    run = _district()
    case_id = _assigned(run)
    decision = run.change(case_id, mode="same_institution")
    assert decision.status is Status.assigned
    assert decision.institution == "F1"
    assert decision.rule == "change"
    assert set(decision.eligible_practitioners) == {"F1-L2", "F1-L3", "F1-L4"}
    assert decision.route is Route.director
    assert decision.to_json()["rule"] == "change"


def test_same_institution_leaves_out_practitioners_in_conflict_or_inactive() -> None:
    run = Run.of(
        [firm("F1", 1)],
        [lawyer("A", "F1"), lawyer("B", "F1"), lawyer("C", "F1", active=False), lawyer("D", "F1")],
    )
    case_id = _assigned(run, case("C1", chosen_practitioner="A", conflict_practitioners=["D"]))
    assert run.change(case_id).eligible_practitioners == ("B",)


def test_same_institution_for_a_serious_criminal_case_lists_only_qualified_lawyers() -> None:
    run = Run.of(
        [firm("F1", 1)],
        [
            lawyer("A", "F1"),
            lawyer("B", "F1"),
            lawyer("J", "F1", licensed_on="2023-01-02"),
            lawyer("N", "F1", cases=9),
        ],
    )
    case_id = _assigned(run, criminal("K1", social_impact=True, chosen_practitioner="A"))
    assert run.change(case_id).eligible_practitioners == ("B",)


def test_same_institution_with_no_one_but_the_handler_is_unassignable() -> None:
    run = Run.of([firm("F1", 1), firm("F2", 2)], lawyers("F1", 1) + lawyers("F2", 3))
    case_id = _assigned(run, case("C1", chosen_practitioner="F1-L1"))
    before = _probe(run)
    decision = run.change(case_id, mode="same_institution")
    assert decision.status is Status.unassignable
    assert decision.institution is None
    assert decision.eligible_practitioners == ()
    assert _probe(run) == before
    assert run.held[case_id].changes == 0


def test_same_institution_change_releases_the_old_handler_but_not_the_institution() -> None:
    run = _district()
    case_id = _assigned(run)
    run.change(case_id, mode="same_institution")
    probe = case("P", parties=[aided("李四")])
    assert run.state.practitioner_holdings.conflicts(probe) == {}
    assert set(run.state.institution_holdings.conflicts(probe)) == {"F1"}
    assert run.held[case_id].institution == "F1"
    assert run.held[case_id].handler is None


def test_same_institution_change_takes_no_rotation_turn() -> None:
    run = _district()
    case_id = _assigned(run, criminal("K1"))
    credits = run.credits()
    assert run.change(case_id, mode="same_institution").institution == "F1"
    assert run.credits() == credits


# ------------------------------------------------------------------------------- other institution


def test_other_institution_for_a_civil_case_ranks_without_the_old_institution() -> None:
    run = _district()
    case_id = _assigned(run, case("C1"))
    decision = run.change(case_id, mode="other_institution")
    assert decision.status is Status.assigned
    assert decision.institution == "F2"
    assert decision.rule == "change"
    assert [s.institution for s in decision.scores] == ["F2", "F3"]
    assert {c.institution: c.reason for c in decision.ineligible} == {"F1": "excluded"}
    assert run.held[case_id].institution == "F2"
    assert "第十二条" in decision.articles


def test_other_institution_ignores_the_applicants_original_choice() -> None:
    run = _district()
    case_id = _assigned(run, case("C1", chosen_institution="F3", helped_by_institution="F3"))
    decision = run.change(case_id, mode="other_institution")
    assert decision.institution == "F1"
    assert decision.declined == ()


def test_other_institution_for_a_criminal_case_rotates_without_the_old_firm_as_a_turn() -> None:
    run = Run.of([firm("A", 1), firm("B", 2)], lawyers("A", 3) + lawyers("B", 1))
    case_id = _assigned(run, criminal("K1"))
    assert run.held[case_id].institution == "A"
    assert run.credits() == {"A": -1, "B": 1}
    # A 2, B 2: a tie A would win by sequence, but A is the old firm.
    decision = run.change(case_id, mode="other_institution")
    assert decision.institution == "B"
    assert decision.rule == "change"
    assert decision.to_json()["skipped"] == [{"institution": "A", "reason": "excluded"}]
    # Counts as B's turn: B paid W = 4; A kept its credit.
    assert run.credits() == {"A": 2, "B": -2}


def test_other_institution_with_no_other_eligible_firm_is_unassignable_and_changes_nothing() -> (
    None
):
    run = Run.of([firm("A", 1), firm("B", 2)], lawyers("A", 3) + lawyers("B", 1))
    case_id = _assigned(run, criminal("K1", conflict_institutions=["B"]))
    before = _probe(run)
    decision = run.change(case_id, mode="other_institution")
    assert decision.status is Status.unassignable
    assert decision.rule is None
    assert _probe(run) == before
    assert run.held[case_id].changes == 0


def test_other_institution_moves_the_case_and_its_parties() -> None:
    run = _district()
    case_id = _assigned(run)
    run.change(case_id, mode="other_institution")
    probe = case("P", parties=[aided("李四")])
    assert set(run.state.institution_holdings.conflicts(probe)) == {"F2"}
    assert run.state.practitioner_holdings.conflicts(probe) == {}
    assert run.state.load.snapshot() == {"F1": 1, "F2": 1}


def test_eligibility_for_a_change_is_judged_on_the_change_date() -> None:
    # Serious case started 2024-06-03: F1's only lawyer reaches 3 years on 2024-06-05.
    run = Run.of(
        [firm("F1", 1), firm("F2", 2), firm("F3", 3)],
        [lawyer("A", "F1", licensed_on="2021-06-05"), lawyer("B", "F2"), lawyer("C", "F3")],
    )
    first = run.assign(criminal("K1", major_difficult=True, chosen_institution="F2"))
    assert first.institution == "F2"
    assert run.decide(criminal("X", major_difficult=True, chosen_institution="F1")).declined
    early = decide_change(
        run.held["K1"],
        ChangeRequest(at("2024-06-04"), "利益冲突", True, ChangeMode.other_institution),
        run.state,
        run.policy,
        run.calendar,
    )
    assert early.institution == "F3"
    on_time = run.change("K1", "2024-06-05", mode="other_institution")
    assert on_time.institution == "F1"


def test_decide_change_does_not_change_the_state() -> None:
    run = _district()
    case_id = _assigned(run, criminal("K1"))
    before = _probe(run)
    held: HeldCase = run.held[case_id]
    request = ChangeRequest(at("2024-06-05"), "利益冲突", True, ChangeMode.other_institution)
    decide_change(held, request, run.state, run.policy, run.calendar)
    assert _probe(run) == before
