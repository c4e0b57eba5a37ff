"""第六条 through `decide_case`: every decision carries its assignment deadline (SPEC §5).

Criminal cases: 1 working day; every other category: 3. The start day is not counted; the
deadline is 23:59:59 CST of the N-th working day after the start date, make-up days counting.
(`test_art06_deadlines.py` checks the counting itself; this module checks that decisions use it.)

Hand-worked from the State Council notices:
2024: 春节 02-10..02-17 off, make-up Sun 02-04 and Sun 02-18; 端午 06-10 (Mon) off.
2026: 国庆 10-01..10-07 off, make-up Sat 10-10.
"""

from __future__ import annotations

import pytest

from fayuan.policy.decision import Status
from fayuan.policy.params import PolicyDateError
from fayuan.workdays import CalendarYearMissing
from policy_builders import Run, case, criminal, firm, lawyers, office, worker


def _run() -> Run:
    return Run.of([firm("F1", 1), office("G1", 2)], [*lawyers("F1", 2), worker("W1", "G1")])


def _deadline(c: object) -> str:
    decision = _run().assign(c)  # type: ignore[arg-type]
    assert decision.deadline is not None
    return decision.deadline.isoformat()


def _local_deadline(c: object) -> str:
    decision = _run().assign(c)  # type: ignore[arg-type]
    assert decision.deadlines is not None
    return decision.deadlines.local.isoformat()


def test_spec_example_criminal_started_2026_09_30_is_due_2026_10_08() -> None:
    assert _deadline(criminal("C1", "2026-09-30T10:00:00+08:00")) == "2026-10-08T23:59:59+08:00"


def test_spec_example_civil_started_2026_09_30_local_limit_is_the_make_up_saturday_2026_10_10() -> (
    None
):
    c = case("C1", "civil", "2026-09-30T10:00:00+08:00")
    assert _local_deadline(c) == "2026-10-10T23:59:59+08:00"
    # The statutory 三日 (10-03, a holiday, moved to 10-08) comes first and governs (SPEC §5).
    assert _deadline(c) == "2026-10-08T23:59:59+08:00"


@pytest.mark.parametrize(
    "category", ["civil", "administrative", "labor_arbitration", "non_litigation"]
)
def test_every_non_criminal_category_has_three_working_days(category: str) -> None:
    # Monday 2024-06-03: 06-04, 06-05, 06-06.
    assert _deadline(case("C1", category)) == "2024-06-06T23:59:59+08:00"


def test_criminal_case_has_one_working_day_and_the_start_day_is_not_counted() -> None:
    assert _deadline(criminal("C1", "2024-06-03T08:00:00+08:00")) == "2024-06-04T23:59:59+08:00"


def test_criminal_case_by_application_has_one_working_day_too() -> None:
    c = criminal("C1", source="application")
    assert _deadline(c) == "2024-06-04T23:59:59+08:00"


def test_start_on_a_holiday_weekend_counts_from_the_next_working_day() -> None:
    # Saturday 2024-06-08; 06-09 Sunday, 06-10 端午.
    assert _deadline(criminal("C1", "2024-06-08T09:00:00+08:00")) == "2024-06-11T23:59:59+08:00"
    civil = case("C2", "civil", "2024-06-08T09:00:00+08:00")
    assert _local_deadline(civil) == "2024-06-13T23:59:59+08:00"
    # Statutory: the third calendar day, 06-11, a working day, is earlier (SPEC §5).
    assert _deadline(civil) == "2024-06-11T23:59:59+08:00"


def test_make_up_sunday_counts_as_a_working_day() -> None:
    # Wednesday 2024-02-07: 02-08, 02-09, then 春节 until 02-17, then make-up Sunday 02-18.
    assert (
        _deadline(case("C1", "civil", "2024-02-07T10:45:00+08:00")) == "2024-02-18T23:59:59+08:00"
    )


def test_start_late_in_the_evening_is_still_that_day() -> None:
    assert _deadline(criminal("C1", "2024-06-03T23:59:59+08:00")) == "2024-06-04T23:59:59+08:00"


def test_start_date_is_taken_in_china_standard_time_whatever_the_offset() -> None:
    # 2024-06-03T16:30Z is 2024-06-04 00:30 in China: the start date is Tuesday.
    assert _deadline(criminal("C1", "2024-06-03T16:30:00+00:00")) == "2024-06-05T23:59:59+08:00"
    # 2024-06-03T15:30Z is still Monday 23:30 in China.
    assert _deadline(criminal("C2", "2024-06-03T15:30:00+00:00")) == "2024-06-04T23:59:59+08:00"


def test_deadline_is_written_with_the_china_offset() -> None:
    decision = _run().assign(criminal("C1", "2024-06-03T01:00:00-05:00"))
    assert decision.to_json()["deadline"] == "2024-06-04T23:59:59+08:00"


def test_unassignable_case_still_carries_its_deadline_for_the_officer() -> None:
    decision = _run().assign(criminal("C1", conflict_institutions=["F1"]))
    assert decision.status is Status.unassignable
    assert decision.to_json()["deadline"] == "2024-06-04T23:59:59+08:00"


def test_decision_cites_article_six() -> None:
    assert "第六条" in _run().assign(case("C1")).articles


# ------------------------------------------------------------------------------- edges of the data


def test_case_whose_deadline_falls_in_a_year_without_calendar_data_is_an_error() -> None:
    assert _deadline(case("C1", "civil", "2026-12-28")) == "2026-12-31T23:59:59+08:00"
    with pytest.raises(CalendarYearMissing, match="2027"):
        _run().assign(case("C2", "civil", "2026-12-31"))


def test_case_in_2027_is_an_error_naming_the_year() -> None:
    with pytest.raises(CalendarYearMissing, match="2027"):
        _run().assign(criminal("C1", "2027-03-01"))


def test_case_before_the_policy_took_effect_is_an_error() -> None:
    assert _deadline(criminal("C1", "2023-04-10T09:00:00+08:00")) == "2023-04-11T23:59:59+08:00"
    with pytest.raises(PolicyDateError, match="2023-04-09"):
        _run().assign(criminal("C2", "2023-04-09T09:00:00+08:00"))
