"""第十四条：对法律援助案件指派工作未尽事宜，依照相关法律法规执行 — the higher law beside the
regulation (SPEC.md §2, §5, §6).

* The statutory 三日 (法律援助法第三十六条、第四十三条；《办理法律援助案件程序规定》第二十四条),
  counted by 民法典第二百零一、二百零三条: the start day is not counted; the third calendar day
  after it, moved to the first working day after a run of rest days when it falls on one. With
  `deadline.cap_by_statute` the decision's deadline is the earlier of it and 第六条's local limit;
  the decision shows both either way.
* Minors (《办理法律援助案件程序规定》第二十六条第二款): a criminal case with `minor` needs a
  lawyer the roster marks `minors_qualified`; a firm without one is skipped in rotation and keeps
  its credit.
* 第十条 可以…2 名及以上 is a recommendation: an institution is eligible with the minimum (1; 2
  for a group case), and ranking prefers those that can field the recommended number.
* 民法典第二百零二条: a licence dated 29 February completes its years on 28 February.

2026 arrangement (State Council): 劳动节 05-01..05-05 off, make-up Saturday 05-09; 端午 06-19 off;
make-up Sunday 09-20; 国庆 10-01..10-07 off, make-up Saturday 10-10.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fayuan.policy.deadlines import Governs
from fayuan.policy.decision import Decision, Rule, Status
from fayuan.policy.model import Case
from fayuan.policy.params import Policy, load_policy
from fayuan.workdays import CalendarYearMissing, WorkdayCalendar
from policy_builders import (
    Run,
    case,
    criminal,
    firm,
    lawyer,
    lawyers,
    office,
    policy_with,
    worker,
)


def _end(day: str) -> str:
    return f"{day}T23:59:59+08:00"


def _decide(c: Case, policy: Policy | None = None) -> Decision:
    """One firm of two lawyers and one office of one worker; the case assigned on a fresh state."""
    roster = [firm("F1", 1), office("G1", 2)], [*lawyers("F1", 2), worker("W1", "G1")]
    run = Run.of(*roster) if policy is None else Run.of(*roster, policy=policy)
    return run.assign(c)


def _limits(decision: Decision) -> tuple[str, str, str, str]:
    """(local, statutory, deadline, governs) as the decision line writes them."""
    line = decision.to_json()
    return (
        line["local_deadline"],
        line["statutory_deadline"],
        line["deadline"],
        line["deadline_governs"],
    )


@pytest.fixture
def uncapped(tmp_path: Path) -> Policy:
    """Beibei with `deadline.cap_by_statute = false` (a bureau that reads 三日 as working days)."""
    return policy_with(tmp_path, {"deadline.cap_by_statute": "false"}, name="uncapped")


# ============================================================================ the statutory 三日
# --------------------------------------------------------------------------------- SPEC §5 examples


def test_spec_example_criminal_started_2026_09_30() -> None:
    # Local: one working day, 10-08. Statutory: 10-03 is a holiday, the run of rest days ends
    # 10-07, so 10-08. Both fall on the same day.
    decision = _decide(criminal("C1", "2026-09-30"))
    assert _limits(decision) == (
        _end("2026-10-08"),
        _end("2026-10-08"),
        _end("2026-10-08"),
        Governs.both.value,
    )


def test_spec_example_civil_started_2026_09_30() -> None:
    # Local: 10-08, 10-09, make-up Saturday 10-10. Statutory: 10-03 holiday → 10-08, earlier.
    decision = _decide(case("C1", "civil", "2026-09-30"))
    assert _limits(decision) == (
        _end("2026-10-10"),
        _end("2026-10-08"),
        _end("2026-10-08"),
        Governs.statutory.value,
    )


def test_spec_example_civil_started_thursday_2026_05_14() -> None:
    # Local: 05-15, 05-18, 05-19. Statutory: Sunday 05-17, a rest day → Monday 05-18.
    decision = _decide(case("C1", "civil", "2026-05-14"))
    assert _limits(decision) == (
        _end("2026-05-19"),
        _end("2026-05-18"),
        _end("2026-05-18"),
        Governs.statutory.value,
    )


# --------------------------------------------------------------------------------- the third day


def test_third_day_on_a_make_up_saturday_is_a_working_day_and_does_not_move() -> None:
    # Wednesday 2026-05-06: the third day is Saturday 05-09, a make-up working day.
    decision = _decide(criminal("C1", "2026-05-06"))
    assert decision.deadlines is not None
    assert decision.deadlines.statutory.isoformat() == _end("2026-05-09")
    assert decision.deadlines.local.isoformat() == _end("2026-05-07")
    assert decision.deadlines.governs is Governs.local


def test_third_day_on_an_ordinary_saturday_moves_to_monday() -> None:
    # Wednesday 2026-05-13: the third day is Saturday 05-16, a rest day → Monday 05-18.
    decision = _decide(criminal("C1", "2026-05-13"))
    assert decision.deadlines is not None
    assert decision.deadlines.statutory.isoformat() == _end("2026-05-18")


def test_third_day_on_a_make_up_sunday_does_not_move() -> None:
    # Thursday 2026-09-17: the third day is Sunday 09-20, a make-up working day.
    decision = _decide(criminal("C1", "2026-09-17"))
    assert decision.deadlines is not None
    assert decision.deadlines.statutory.isoformat() == _end("2026-09-20")


def test_civil_case_whose_local_and_statutory_limits_meet_on_the_make_up_saturday() -> None:
    # Wednesday 2026-05-06, civil: local 05-07, 05-08, make-up 05-09; statutory 05-09.
    assert _limits(_decide(case("C1", "civil", "2026-05-06"))) == (
        _end("2026-05-09"),
        _end("2026-05-09"),
        _end("2026-05-09"),
        Governs.both.value,
    )


def test_third_day_on_a_holiday_moves_past_the_weekend_after_it() -> None:
    # Tuesday 2026-06-16: the third day is 端午 Friday 06-19, then Saturday and Sunday → 06-22.
    decision = _decide(case("C1", "civil", "2026-06-16"))
    assert decision.deadlines is not None
    assert decision.deadlines.statutory.isoformat() == _end("2026-06-22")


def test_three_calendar_days_count_across_a_weekend_start() -> None:
    # Saturday 2026-05-16: calendar days 05-17, 05-18, 05-19 (a Tuesday, working). The local three
    # working days run to Wednesday 05-20: the statute governs.
    assert _limits(_decide(case("C1", "civil", "2026-05-16"))) == (
        _end("2026-05-20"),
        _end("2026-05-19"),
        _end("2026-05-19"),
        Governs.statutory.value,
    )


def test_ordinary_week_civil_case_both_limits_on_the_third_day() -> None:
    # Monday 2026-06-01: local 06-02, 06-03, 06-04; statutory 06-04.
    decision = _decide(case("C1", "civil", "2026-06-01"))
    assert decision.deadlines is not None
    assert decision.deadlines.governs is Governs.both
    assert decision.deadline == decision.deadlines.local == decision.deadlines.statutory


# --------------------------------------------------------------------------------- the record


def test_decision_line_carries_both_limits_and_which_governs() -> None:
    line = _decide(case("C1", "civil", "2026-05-14")).to_json()
    assert {"deadline", "local_deadline", "statutory_deadline", "deadline_governs"} <= set(line)
    assert line["deadline_provisional"] is False


def test_unassignable_case_carries_both_limits_too() -> None:
    decision = _decide(case("C1", "civil", "2026-05-14", conflict_institutions=["F1", "G1"]))
    assert decision.status is Status.unassignable
    assert _limits(decision)[1:3] == (_end("2026-05-18"), _end("2026-05-18"))


def test_statutory_cap_cites_article_fourteen() -> None:
    assert "第十四条" in _decide(case("C1", "civil", "2026-05-14")).articles


def test_deadlines_are_provisional_only_when_a_limit_reaches_an_unknown_year() -> None:
    provisional = WorkdayCalendar.default(provisional=True)
    roster = [firm("F1", 1)], lawyers("F1", 1)
    # Monday 2026-12-28: local 12-29..12-31, statutory 12-31: all in 2026, which is known.
    known = Run.of(*roster, calendar=provisional).assign(case("C1", "civil", "2026-12-28"))
    assert known.deadlines is not None and not known.deadlines.provisional
    # Tuesday 2026-12-29: the local third working day is in 2027, with no arrangement yet.
    later = Run.of(*roster, calendar=provisional).assign(case("C2", "civil", "2026-12-29"))
    assert later.deadlines is not None and later.deadlines.provisional
    assert later.to_json()["deadline_provisional"] is True


def test_statutory_limit_alone_in_an_unknown_year_is_provisional_but_the_deadline_is_not() -> None:
    # Wednesday 2026-12-30, criminal: local Thursday 12-31; statutory 2027-01-02 (unknown year).
    # Whatever 2027's arrangement, the statutory limit falls in 2027, after 12-31: the deadline
    # is certain; only the statutory date shown is 暂定.
    provisional = WorkdayCalendar.default(provisional=True)
    run = Run.of([firm("F1", 1)], lawyers("F1", 1), calendar=provisional)
    decision = run.assign(criminal("C1", "2026-12-30"))
    assert decision.deadlines is not None
    assert decision.deadline is not None
    assert decision.deadline.isoformat() == _end("2026-12-31")
    assert not decision.deadlines.provisional
    assert decision.deadlines.statutory_provisional and not decision.deadlines.local_provisional
    line = decision.to_json()
    assert line["deadline_provisional"] is False
    assert line["statutory_deadline_provisional"] is True


def test_statutory_limit_in_a_year_without_data_is_an_error_without_the_provisional_calendar() -> (
    None
):
    # Tuesday 2026-12-29, criminal: the local limit, Wednesday 12-30, is known, but the decision
    # also shows the statutory one, 2027-01-01, and 2027 has no arrangement: an error, never a
    # guess (SPEC §5), as for replay.
    run = Run.of([firm("F1", 1)], lawyers("F1", 1))
    assert run.assign(criminal("C1", "2026-12-28")).status is Status.assigned  # statutory 12-31
    with pytest.raises(CalendarYearMissing, match="2027"):
        run.assign(criminal("C2", "2026-12-29"))


# --------------------------------------------------------------------------------- cap_by_statute


def test_uncapped_policy_gives_the_local_limit_and_still_shows_the_statutory_one(
    uncapped: Policy,
) -> None:
    assert _limits(_decide(case("C1", "civil", "2026-09-30"), uncapped)) == (
        _end("2026-10-10"),
        _end("2026-10-08"),
        _end("2026-10-10"),
        Governs.local_uncapped.value,
    )
    assert _limits(_decide(case("C2", "civil", "2026-05-14"), uncapped)) == (
        _end("2026-05-19"),
        _end("2026-05-18"),
        _end("2026-05-19"),
        Governs.local_uncapped.value,
    )


def test_uncapped_policy_leaves_a_criminal_deadline_where_it_was(uncapped: Policy) -> None:
    capped = _decide(criminal("C1", "2026-09-30"))
    free = _decide(criminal("C1", "2026-09-30"), uncapped)
    assert capped.deadline == free.deadline
    assert free.deadline is not None and free.deadline.isoformat() == _end("2026-10-08")


def test_uncapped_policy_cites_article_fourteen_only_for_a_minor(uncapped: Policy) -> None:
    roster = [firm("F1", 1)], [lawyer("L1", "F1", minors_qualified=True)]
    ordinary = Run.of(*roster, policy=uncapped).assign(criminal("C1", "2026-05-14"))
    minor = Run.of(*roster, policy=uncapped).assign(criminal("C2", "2026-05-14", minor=True))
    civil_minor = Run.of(*roster, policy=uncapped).assign(case("C3", "civil", minor=True))
    assert "第十四条" not in ordinary.articles
    assert "第十四条" in minor.articles
    assert "第十四条" not in civil_minor.articles


# ============================================================================ minors


def test_minor_criminal_case_needs_a_minors_qualified_lawyer() -> None:
    plain = Run.of([firm("F1", 1)], [lawyer("L1", "F1")])
    decision = plain.assign(criminal("C1", minor=True))
    assert decision.status is Status.unassignable
    assert decision.minor
    assert decision.to_json()["reasons"] == {"F1": "minors_qualified"}


def test_minor_criminal_case_goes_only_to_the_qualified_lawyers() -> None:
    run = Run.of(
        [firm("F1", 1)],
        [lawyer("L1", "F1"), lawyer("L2", "F1", minors_qualified=True), lawyer("L3", "F1")],
    )
    decision = run.assign(criminal("C1", minor=True))
    assert decision.status is Status.assigned
    assert decision.eligible_practitioners == ("L2",)
    assert "第十四条" in decision.articles
    # The same case without `minor`: every lawyer.
    assert run.assign(criminal("C2")).eligible_practitioners == ("L1", "L2", "L3")


def test_minors_qualified_lawyer_in_conflict_does_not_qualify_the_firm() -> None:
    run = Run.of([firm("F1", 1)], [lawyer("L1", "F1", minors_qualified=True), lawyer("L2", "F1")])
    decision = run.assign(criminal("C1", minor=True, conflict_practitioners=["L1"]))
    assert decision.to_json()["reasons"] == {"F1": "minors_qualified"}


def test_minor_on_a_civil_case_has_no_effect() -> None:
    run = Run.of([office("G1", 1)], [worker("W1", "G1")])
    decision = run.assign(case("C1", "civil", minor=True))
    assert decision.status is Status.assigned
    assert decision.eligible_practitioners == ("W1",)
    assert not decision.minor


def _minor_rotation() -> Run:
    """A (weight 2, sequence 1) has no minors-qualified lawyer; B (weight 1) has one."""
    return Run.of(
        [firm("A", 1), firm("B", 2)],
        [*lawyers("A", 2), lawyer("B-L1", "B", minors_qualified=True)],
    )


def test_firm_without_a_minors_qualified_lawyer_is_skipped_in_rotation() -> None:
    decision = _minor_rotation().assign(criminal("C1", minor=True))
    assert (decision.institution, decision.rule) == ("B", Rule.rotation)
    assert decision.to_json()["skipped"] == [{"institution": "A", "reason": "minors_qualified"}]


def test_skipped_firm_keeps_its_credit_and_takes_the_next_case_without_a_minor() -> None:
    run = _minor_rotation()
    run.assign(criminal("C1", minor=True))
    # Every firm gained its weight (A 2, B 1); only the winner B paid the total weight 3.
    assert run.credits() == {"A": 2, "B": -2}
    assert run.assign(criminal("C2")).institution == "A"
    assert run.credits() == {"A": 1, "B": -1}


def test_without_the_minor_the_rotation_would_have_started_with_a() -> None:
    run = _minor_rotation()
    assert [run.assign(criminal(f"C{n}")).institution for n in range(3)] == ["A", "B", "A"]


def test_minor_case_with_no_qualified_firm_is_unassignable_and_changes_no_credit() -> None:
    run = Run.of([firm("A", 1), firm("B", 2)], [*lawyers("A", 1), *lawyers("B", 1)])
    decision = run.assign(criminal("C1", minor=True))
    assert decision.status is Status.unassignable
    assert decision.to_json()["reasons"] == {"A": "minors_qualified", "B": "minors_qualified"}
    assert run.credits() == {}


def test_chosen_lawyer_not_minors_qualified_is_declined_with_the_reason() -> None:
    run = Run.of([firm("F1", 1)], [lawyer("L1", "F1"), lawyer("L2", "F1", minors_qualified=True)])
    decision = run.assign(criminal("C1", minor=True, chosen_practitioner="L1"))
    assert [(d.institution, d.rule, d.reason) for d in decision.declined] == [
        ("F1", Rule.choice, "chosen_practitioner")
    ]
    assert "L1" in decision.declined[0].detail
    assert "未成年人" in decision.declined[0].detail
    # Rotation then assigns the firm, with its qualified lawyer only.
    assert (decision.institution, decision.rule) == ("F1", Rule.rotation)
    assert decision.eligible_practitioners == ("L2",)
    assert decision.handler is None


def test_chosen_minors_qualified_lawyer_is_honoured() -> None:
    run = Run.of([firm("F1", 1)], [lawyer("L1", "F1"), lawyer("L2", "F1", minors_qualified=True)])
    decision = run.assign(criminal("C1", minor=True, chosen_practitioner="L2"))
    assert (decision.rule, decision.handler, decision.declined) == (Rule.choice, "L2", ())


def test_chosen_lawyer_of_a_firm_without_any_qualified_lawyer_is_declined() -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2)],
        [lawyer("L1", "F1"), lawyer("L2", "F2", minors_qualified=True)],
    )
    decision = run.assign(criminal("C1", minor=True, chosen_practitioner="L1"))
    # The chosen lawyer is declined with their own shortfall, before the firm's.
    assert [(d.institution, d.reason) for d in decision.declined] == [("F1", "chosen_practitioner")]
    assert "未成年人" in decision.declined[0].detail
    assert decision.institution == "F2"


def test_serious_minor_case_needs_both_in_one_lawyer() -> None:
    run = Run.of(
        [firm("F1", 1)],
        [
            lawyer("L1", "F1"),  # senior, not minors-qualified
            lawyer("L2", "F1", licensed_on="2023-01-02", cases=0, minors_qualified=True),
        ],
    )
    decision = run.assign(criminal("C1", minor=True, social_impact=True))
    assert decision.to_json()["reasons"] == {"F1": "qualified_minors"}
    both = Run.of([firm("F1", 1)], [lawyer("L3", "F1", minors_qualified=True)])
    assert both.assign(criminal("C2", minor=True, social_impact=True)).status is Status.assigned


def test_handler_change_in_a_minor_case_names_only_another_qualified_lawyer() -> None:
    run = Run.of(
        [firm("F1", 1)],
        [
            lawyer("L1", "F1", minors_qualified=True),
            lawyer("L2", "F1"),
            lawyer("L3", "F1", minors_qualified=True),
        ],
    )
    run.assign(criminal("C1", minor=True, chosen_practitioner="L1"))
    decision = run.change("C1", "2024-06-05")
    assert decision.status is Status.assigned
    assert decision.eligible_practitioners == ("L3",)


def test_handler_change_in_a_minor_case_without_another_qualified_lawyer_is_unassignable() -> None:
    run = Run.of([firm("F1", 1)], [lawyer("L1", "F1", minors_qualified=True), lawyer("L2", "F1")])
    run.assign(criminal("C1", minor=True, chosen_practitioner="L1"))
    assert run.change("C1", "2024-06-05").status is Status.unassignable


# ========================================================================= minimum vs recommended


def test_fifty_person_case_is_assigned_to_an_institution_of_two() -> None:
    run = Run.of(
        [firm("F1", 1), office("G1", 2)],
        [*lawyers("F1", 2, quality=90), worker("W1", "G1"), worker("W2", "G1")],
    )
    decision = run.assign(case("C1", aided_persons=50))
    assert decision.status is Status.assigned
    assert decision.institution == "F1"
    assert (decision.handlers_recommended, decision.handlers_required) == (3, 2)
    line = decision.to_json()
    assert (line["handlers_recommended"], line["handlers_required"]) == (3, 2)
    assert decision.route is not None and decision.route.value == "bureau"  # 第五条 50人以上


def test_institution_that_can_field_three_beats_a_better_scoring_one_of_two() -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2)],
        lawyers("F1", 2, quality=100, specialties=["劳动争议"]) + lawyers("F2", 3, quality=10),
    )
    c = case("C1", "labor_arbitration", specialty="劳动争议", aided_persons=50)
    decision = run.assign(c)
    assert decision.institution == "F2"
    assert (decision.handlers_recommended, decision.handlers_required) == (3, 3)
    assert {c.institution: c.reason for c in decision.ineligible}["F1"] == "recommended"
    # Below 50 persons the recommendation is 2 and F1 wins on its score.
    c49 = case("C2", "labor_arbitration", specialty="劳动争议", aided_persons=49)
    assert run.assign(c49).institution == "F1"


def test_practitioner_in_conflict_takes_an_institution_below_the_recommendation() -> None:
    run = Run.of(
        [firm("F1", 1), firm("F2", 2)],
        lawyers("F1", 3, quality=100) + lawyers("F2", 3, quality=10),
    )
    decision = run.assign(case("C1", aided_persons=50, conflict_practitioners=["F1-L1"]))
    assert decision.institution == "F2"
    alone = Run.of([firm("F1", 1)], lawyers("F1", 3))
    kept = alone.assign(case("C2", aided_persons=50, conflict_practitioners=["F1-L1"]))
    assert (kept.institution, kept.handlers_required) == ("F1", 2)
    assert kept.eligible_practitioners == ("F1-L2", "F1-L3")


def test_major_difficult_fifty_person_case_recommends_four_and_takes_two() -> None:
    run = Run.of([firm("F1", 1)], lawyers("F1", 2))
    decision = run.assign(case("C1", aided_persons=50, major_difficult=True))
    assert (decision.status, decision.handlers_recommended, decision.handlers_required) == (
        Status.assigned,
        4,
        2,
    )


def test_chosen_institution_of_two_is_honoured_for_a_fifty_person_case() -> None:
    run = Run.of([firm("F1", 1), firm("F2", 2)], lawyers("F1", 3, quality=100) + lawyers("F2", 2))
    decision = run.assign(case("C1", aided_persons=50, chosen_institution="F2"))
    assert (decision.institution, decision.rule, decision.declined) == ("F2", Rule.choice, ())
    assert (decision.handlers_recommended, decision.handlers_required) == (3, 2)


def test_helping_institution_of_two_is_honoured_for_a_fifty_person_case() -> None:
    run = Run.of([firm("F1", 1), firm("F2", 2)], lawyers("F1", 3, quality=100) + lawyers("F2", 2))
    decision = run.assign(case("C1", aided_persons=50, helped_by_institution="F2"))
    assert (decision.institution, decision.rule) == ("F2", Rule.helping)
    assert decision.handlers_required == 2


@pytest.mark.parametrize(
    ("practitioners", "status"), [(1, Status.unassignable), (2, Status.assigned)]
)
def test_ten_person_case_needs_the_minimum_of_two(practitioners: int, status: Status) -> None:
    run = Run.of([firm("F1", 1)], lawyers("F1", practitioners))
    decision = run.assign(case("C1", aided_persons=10))
    assert decision.status is status
    assert decision.handlers_recommended == 2
    if status is Status.unassignable:
        assert decision.to_json()["reasons"] == {"F1": "practitioners"}
        assert decision.handlers_required == 2  # unassignable: the recommendation in both
    else:
        assert decision.handlers_required == 2


def test_unassignable_fifty_person_case_gives_the_recommendation_in_both() -> None:
    run = Run.of([firm("F1", 1), office("G1", 2)], [*lawyers("F1", 1), worker("W1", "G1")])
    decision = run.assign(case("C1", aided_persons=50))
    assert decision.status is Status.unassignable
    assert (decision.handlers_recommended, decision.handlers_required) == (3, 3)
    assert decision.to_json()["reasons"] == {"F1": "practitioners", "G1": "practitioners"}


# ============================================================================ 29 February


@pytest.mark.parametrize(
    ("day", "status"),
    [("2025-02-27", Status.unassignable), ("2025-02-28", Status.assigned)],
)
def test_twenty_ninth_of_february_licence_completes_five_years_on_the_twenty_eighth(
    day: str, status: Status
) -> None:
    # 民法典第二百零二条: no 29 February in 2025, so the period ends on the month's last day.
    # demo-lianhua-2025 asks five full years for a serious criminal case.
    lianhua = load_policy("demo-lianhua-2025")
    run = Run.of([firm("F1", 1)], [lawyer("L1", "F1", licensed_on="2020-02-29")], policy=lianhua)
    decision = run.assign(criminal("C1", day, major_difficult=True))
    assert decision.status is status
    assert date.fromisoformat(day).year == 2025
