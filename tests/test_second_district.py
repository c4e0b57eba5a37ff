"""A second district's policy file: the same case and roster, different numbers, different
decisions (policy as data, SPEC.md: "every number below is a policy parameter").

`demo-lianhua-2025` is a fictional district (莲花司发〔2025〕1号, made up for demonstration and
tests). Its numbers beside Beibei's (北碚司发〔2023〕9号):

| parameter                                    | beibei-2023     | demo-lianhua-2025       |
|----------------------------------------------|-----------------|-------------------------|
| deadline.criminal_working_days               | 1               | 2                       |
| deadline.other_working_days                  | 3               | 5                       |
| deadline.cap_by_statute                      | true            | false                   |
| approval.major_group_min_persons             | 50              | 30                      |
| handler_change.max_changes                   | 2               | 3                       |
| serious_criminal.min_practice_years          | 3               | 5                       |
| serious_criminal.min_criminal_cases          | 10              | 20; 15 from 2026-07-01  |
| group.min_persons                            | 10              | 5                       |
| group.handlers_by_persons                    | [[10,2],[50,3]] | [[5,2],[15,3],[30,4]]   |
| group.major_difficult_extra_handlers         | 1               | 2                       |
| criminal_rotation.weight                     | lawyers         | equal                   |
| criminal_rotation.prefer_helping_institution | false           | true                    |
| ranking.weight.{specialty,quality,locality,load} | 40/30/20/10 | 20/10/50/15             |
| ranking.load_window_days                     | 90              | 60                      |

Every case starts on Monday 2025-06-09 (a plain working week: 06-10 … 06-13, 06-16) unless a test
says otherwise; Lianhua's rules start on 2025-01-01.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fayuan.cli import main
from fayuan.policy.approval import Route
from fayuan.policy.deadlines import Governs
from fayuan.policy.decision import Decision, Rule, Status
from fayuan.policy.handlers import handlers_recommended, is_group_case
from fayuan.policy.model import Case, Institution, Practitioner
from fayuan.policy.params import (
    SCHEMA,
    Policy,
    PolicyDateError,
    available_policies,
    load_policy,
)
from policy_builders import (
    POLICY as BEIBEI,
)
from policy_builders import (
    Run,
    case,
    criminal,
    firm,
    lawyer,
    lawyers,
)

LIANHUA: Policy = load_policy("demo-lianhua-2025")
MONDAY = "2025-06-09"
AT = f"{MONDAY}T10:00:00+08:00"
BOTH = pytest.mark.parametrize("policy", [BEIBEI, LIANHUA], ids=["beibei", "lianhua"])


def _both(
    institutions: list[Institution], practitioners: list[Practitioner], c: Case
) -> tuple[Decision, Decision]:
    """The same case decided on the same fresh roster under Beibei's and Lianhua's policy."""
    beibei = Run.of(institutions, practitioners, policy=BEIBEI).assign(c)
    lianhua = Run.of(institutions, practitioners, policy=LIANHUA).assign(c)
    assert (beibei.policy_id, lianhua.policy_id) == ("beibei-2023", "demo-lianhua-2025")
    return beibei, lianhua


def _end(day: str) -> str:
    return f"{day}T23:59:59+08:00"


# --------------------------------------------------------------------------------- the file


def test_lianhua_is_packaged_and_says_it_is_fictional() -> None:
    assert {"beibei-2023", "demo-lianhua-2025"} <= set(available_policies())
    assert LIANHUA.id == "demo-lianhua-2025"
    assert LIANHUA.document == "莲花司发〔2025〕1号"
    assert LIANHUA.effective == date(2025, 1, 1)
    assert "虚构" in LIANHUA.title and "虚构" in LIANHUA.district
    text = Path(LIANHUA.path).read_text(encoding="utf-8")
    assert text.startswith("# 【虚构示例，并非真实规定】")


@pytest.mark.parametrize("key", sorted(SCHEMA))
def test_every_lianhua_parameter_has_description_unit_and_a_full_source(key: str) -> None:
    param = LIANHUA.parameters[key]
    assert param.description.strip()
    assert param.unit == SCHEMA[key].unit
    source = param.source
    assert source.document in {"莲花司发〔2025〕1号", "中华人民共和国法律援助法"}
    assert source.article.startswith("第") and source.article.endswith("条")
    assert source.quote.strip() and source.note.strip()


def test_lianhua_rules_start_on_their_own_date() -> None:
    c = criminal("C1", "2024-12-31")
    assert Run.of([firm("F1", 1)], lawyers("F1", 1)).assign(c).status is Status.assigned
    with pytest.raises(PolicyDateError, match="2024-12-31"):
        Run.of([firm("F1", 1)], lawyers("F1", 1), policy=LIANHUA).assign(c)
    on_the_day = Run.of([firm("F1", 1)], lawyers("F1", 1), policy=LIANHUA)
    assert on_the_day.assign(criminal("C2", "2025-01-01")).status is Status.assigned


# --------------------------------------------------------------------------------- deadlines


def test_criminal_deadline_is_one_working_day_in_beibei_and_two_in_lianhua() -> None:
    beibei, lianhua = _both([firm("F1", 1)], lawyers("F1", 1), criminal("C1", AT))
    assert beibei.to_json()["deadline"] == _end("2025-06-10")
    assert lianhua.to_json()["deadline"] == _end("2025-06-11")
    assert lianhua.deadlines is not None and lianhua.deadlines.working_days == 2


@pytest.mark.parametrize(
    "category", ["civil", "administrative", "labor_arbitration", "non_litigation"]
)
def test_other_local_limit_is_three_working_days_in_beibei_and_five_in_lianhua(
    category: str,
) -> None:
    beibei, lianhua = _both([firm("F1", 1)], lawyers("F1", 1), case("C1", category, AT))
    assert beibei.deadlines is not None and lianhua.deadlines is not None
    assert beibei.deadlines.local.isoformat() == _end("2025-06-12")
    assert lianhua.deadlines.local.isoformat() == _end("2025-06-16")


def test_cap_by_statute_false_makes_the_local_limit_the_deadline_and_still_shows_the_statute() -> (
    None
):
    # Friday 2025-06-13, civil. Statutory: the third calendar day, Monday 06-16.
    # Beibei: local 06-18, the statute caps it at 06-16. Lianhua: local 06-20, not capped.
    beibei, lianhua = _both([firm("F1", 1)], lawyers("F1", 1), case("C1", "civil", "2025-06-13"))
    b, h = beibei.to_json(), lianhua.to_json()
    assert (b["local_deadline"], b["statutory_deadline"], b["deadline"]) == (
        _end("2025-06-18"),
        _end("2025-06-16"),
        _end("2025-06-16"),
    )
    assert b["deadline_governs"] == Governs.statutory.value
    assert (h["local_deadline"], h["statutory_deadline"], h["deadline"]) == (
        _end("2025-06-20"),
        _end("2025-06-16"),
        _end("2025-06-20"),
    )
    assert h["deadline_governs"] == Governs.local_uncapped.value
    # 第十四条 is cited where the higher law shapes the deadline, and only there.
    assert "第十四条" in beibei.articles
    assert "第十四条" not in lianhua.articles


# --------------------------------------------------------------------------------- who decides


@pytest.mark.parametrize(
    ("persons", "beibei_route", "lianhua_route"),
    [
        (29, Route.director, Route.director),
        (30, Route.director, Route.bureau),
        (49, Route.director, Route.bureau),
        (50, Route.bureau, Route.bureau),
    ],
)
def test_major_group_case_goes_to_the_bureau_from_50_in_beibei_and_30_in_lianhua(
    persons: int, beibei_route: Route, lianhua_route: Route
) -> None:
    c = case("C1", "civil", AT, aided_persons=persons)
    beibei, lianhua = _both([firm("F1", 1)], lawyers("F1", 5), c)
    assert (beibei.route, lianhua.route) == (beibei_route, lianhua_route)
    assert beibei.status is lianhua.status is Status.assigned


# --------------------------------------------------------------------------------- handler change


def _held(policy: Policy) -> Run:
    run = Run.of([firm("F1", 1)], lawyers("F1", 5), policy=policy)
    assert run.assign(case("C1", "civil", AT, chosen_practitioner="F1-L1")).status is (
        Status.assigned
    )
    return run


def test_third_change_needs_the_bureau_in_beibei_and_not_in_lianhua() -> None:
    beibei, lianhua = _held(BEIBEI), _held(LIANHUA)
    for when in ("2025-06-10", "2025-06-11"):
        assert beibei.change("C1", when).route is Route.director
        assert lianhua.change("C1", when).route is Route.director
    third_b, third_h = beibei.change("C1", "2025-06-12"), lianhua.change("C1", "2025-06-12")
    assert third_b.status is Status.refused and "超过 2 次" in third_b.refusal
    assert (third_h.status, third_h.route, third_h.change_number) == (
        Status.assigned,
        Route.director,
        3,
    )
    assert (beibei.held["C1"].changes, lianhua.held["C1"].changes) == (2, 3)


def test_fourth_change_in_lianhua_is_refused_without_the_bureau_and_routed_to_it_with() -> None:
    run = _held(LIANHUA)
    for when in ("2025-06-10", "2025-06-11", "2025-06-12"):
        assert run.change("C1", when).status is Status.assigned
    fourth = run.change("C1", "2025-06-13")
    assert fourth.status is Status.refused and "超过 3 次" in fourth.refusal
    approved = run.change("C1", "2025-06-13", bureau_approved=True)
    assert (approved.status, approved.route, approved.change_number) == (
        Status.assigned,
        Route.bureau,
        4,
    )


# --------------------------------------------------------------------------------- serious criminal


@pytest.mark.parametrize(
    ("licensed_on", "beibei_status", "lianhua_status"),
    [
        ("2020-06-09", Status.assigned, Status.assigned),  # five full years on 2025-06-09
        ("2020-06-10", Status.assigned, Status.unassignable),  # one day short of five
        ("2022-06-09", Status.assigned, Status.unassignable),  # three full years
        ("2022-06-10", Status.unassignable, Status.unassignable),  # one day short of three
    ],
)
def test_serious_case_needs_three_years_in_beibei_and_five_in_lianhua(
    licensed_on: str, beibei_status: Status, lianhua_status: Status
) -> None:
    c = criminal("C1", AT, social_impact=True)
    beibei, lianhua = _both([firm("F1", 1)], [lawyer("L1", "F1", licensed_on=licensed_on)], c)
    assert (beibei.status, lianhua.status) == (beibei_status, lianhua_status)
    if lianhua_status is Status.unassignable:
        assert lianhua.to_json()["reasons"] == {"F1": "qualified"}


@pytest.mark.parametrize(
    ("cases", "beibei_status", "lianhua_status"),
    [
        (9, Status.unassignable, Status.unassignable),
        (10, Status.assigned, Status.unassignable),
        (19, Status.assigned, Status.unassignable),
        (20, Status.assigned, Status.assigned),
    ],
)
def test_serious_case_needs_ten_defences_in_beibei_and_twenty_in_lianhua(
    cases: int, beibei_status: Status, lianhua_status: Status
) -> None:
    c = criminal("C1", AT, life_sentence_possible=True)
    beibei, lianhua = _both([firm("F1", 1)], [lawyer("L1", "F1", cases=cases)], c)
    assert (beibei.status, lianhua.status) == (beibei_status, lianhua_status)


# --------------------------------------------------------------------------------- dated value


@pytest.mark.parametrize(
    ("day", "cases", "status"),
    [
        ("2026-06-30", 19, Status.unassignable),  # the day before: still 20
        ("2026-06-30", 20, Status.assigned),
        ("2026-07-01", 14, Status.unassignable),  # its since day: 15
        ("2026-07-01", 15, Status.assigned),
    ],
)
def test_lianhua_defences_drop_from_twenty_to_fifteen_on_2026_07_01(
    day: str, cases: int, status: Status
) -> None:
    run = Run.of([firm("F1", 1)], [lawyer("L1", "F1", cases=cases)], policy=LIANHUA)
    assert run.assign(criminal("C1", day, major_difficult=True)).status is status


def test_lianhua_fifteen_defences_are_not_enough_the_day_before_the_change() -> None:
    roster = [firm("F1", 1)], [lawyer("L1", "F1", cases=15)]
    before = Run.of(*roster, policy=LIANHUA).assign(
        criminal("C1", "2026-06-30", social_impact=True)
    )
    on = Run.of(*roster, policy=LIANHUA).assign(criminal("C2", "2026-07-01", social_impact=True))
    assert before.status is Status.unassignable
    assert on.status is Status.assigned
    # The decision records which values were in force: from the new value's since day.
    assert before.policy_values is not None and on.policy_values is not None
    assert before.policy_values.serious_min_criminal_cases == 20
    assert before.policy_values.effective_from == date(2025, 1, 1)
    assert on.policy_values.serious_min_criminal_cases == 15
    assert on.policy_values.effective_from == date(2026, 7, 1)
    # Beibei, with its 10, is unaffected by Lianhua's amendment.
    assert Run.of(*roster).assign(criminal("C3", "2026-06-30", social_impact=True)).status is (
        Status.assigned
    )


def test_the_old_value_stays_in_the_file() -> None:
    param = LIANHUA.parameters["serious_criminal.min_criminal_cases"]
    assert param.values == ((date(2025, 1, 1), 20), (date(2026, 7, 1), 15))
    assert param.at(date(2026, 6, 30)) == 20
    assert param.since_at(date(2026, 7, 1)) == date(2026, 7, 1)


# --------------------------------------------------------------------------------- group cases


def test_five_persons_are_a_group_case_in_lianhua_and_not_in_beibei() -> None:
    pv_b, pv_h = BEIBEI.values_on(date(2025, 6, 9)), LIANHUA.values_on(date(2025, 6, 9))
    for persons, beibei_group, lianhua_group in [(4, False, False), (5, False, True)]:
        c = case("C1", "civil", AT, aided_persons=persons)
        assert (is_group_case(c, pv_b), is_group_case(c, pv_h)) == (beibei_group, lianhua_group)


@pytest.mark.parametrize(
    ("persons", "beibei_institution", "lianhua_institution"),
    [(4, "F1", "F1"), (5, "F1", "F2")],
)
def test_institution_with_one_practitioner_cannot_take_a_five_person_case_in_lianhua(
    persons: int, beibei_institution: str, lianhua_institution: str
) -> None:
    # F1 (one lawyer, best quality) wins whenever it is eligible; F2 has two.
    roster = (
        [firm("F1", 1), firm("F2", 2)],
        [
            *lawyers("F1", 1, quality=100),
            *lawyers("F2", 2, quality=10),
        ],
    )
    c = case("C1", "civil", AT, aided_persons=persons)
    beibei, lianhua = _both(*roster, c)
    assert (beibei.institution, lianhua.institution) == (beibei_institution, lianhua_institution)
    if lianhua_institution == "F2":
        assert lianhua.group and not beibei.group
        assert (lianhua.handlers_required, beibei.handlers_required) == (2, 1)
        assert {c.institution: c.reason for c in lianhua.ineligible}["F1"] == "practitioners"


@pytest.mark.parametrize(
    ("persons", "beibei", "lianhua"),
    [
        (4, 1, 1),
        (5, 1, 2),
        (9, 1, 2),
        (10, 2, 2),
        (14, 2, 2),
        (15, 2, 3),
        (29, 2, 3),
        (30, 2, 4),
        (49, 2, 4),
        (50, 3, 4),
    ],
)
def test_recommended_handlers_by_persons(persons: int, beibei: int, lianhua: int) -> None:
    c = case("C1", "civil", AT, aided_persons=persons)
    on = date(2025, 6, 9)
    assert handlers_recommended(c, BEIBEI.values_on(on)) == beibei
    assert handlers_recommended(c, LIANHUA.values_on(on)) == lianhua


def test_fifteen_persons_prefer_an_institution_of_three_in_lianhua_only() -> None:
    # F1 (two lawyers, best quality) is Beibei's pick; Lianhua recommends three for 15 persons.
    roster = (
        [firm("F1", 1), firm("F2", 2)],
        [
            *lawyers("F1", 2, quality=100),
            *lawyers("F2", 3, quality=10),
        ],
    )
    beibei, lianhua = _both(*roster, case("C1", "civil", AT, aided_persons=15))
    assert (beibei.institution, beibei.handlers_recommended, beibei.handlers_required) == (
        "F1",
        2,
        2,
    )
    assert (lianhua.institution, lianhua.handlers_recommended, lianhua.handlers_required) == (
        "F2",
        3,
        3,
    )
    assert {c.institution: c.reason for c in lianhua.ineligible}["F1"] == "recommended"


def test_major_difficult_group_case_adds_one_in_beibei_and_two_in_lianhua() -> None:
    c = case("C1", "civil", AT, aided_persons=10, major_difficult=True)
    on = date(2025, 6, 9)
    assert handlers_recommended(c, BEIBEI.values_on(on)) == 3
    assert handlers_recommended(c, LIANHUA.values_on(on)) == 4


# --------------------------------------------------------------------------------- rotation


def _rotation_roster() -> tuple[list[Institution], list[Practitioner]]:
    """A (three lawyers, sequence 1) and B (one lawyer)."""
    return [firm("A", 1), firm("B", 2)], [*lawyers("A", 3), *lawyers("B", 1)]


def test_rotation_by_lawyers_in_beibei_and_equal_in_lianhua() -> None:
    cases = [criminal(f"C{n}", AT) for n in range(1, 5)]
    beibei = Run.of(*_rotation_roster())
    lianhua = Run.of(*_rotation_roster(), policy=LIANHUA)
    # Beibei: weights A 3, B 1 (total 4). Lianhua: weights 1 and 1 (total 2).
    assert [beibei.assign(c).institution for c in cases] == ["A", "A", "B", "A"]
    assert [lianhua.assign(c).institution for c in cases] == ["A", "B", "A", "B"]
    assert beibei.credits() == {"A": 0, "B": 0}
    assert lianhua.credits() == {"A": 0, "B": 0}


def test_first_equal_turn_leaves_the_loser_one_credit_ahead() -> None:
    run = Run.of(*_rotation_roster(), policy=LIANHUA)
    assert run.assign(criminal("C1", AT)).institution == "A"
    assert run.credits() == {"A": -1, "B": 1}


def test_criminal_helping_institution_is_honoured_in_lianhua_only() -> None:
    c = criminal("C1", AT, helped_by_institution="B")
    beibei, lianhua = _both(*_rotation_roster(), c)
    assert (beibei.institution, beibei.rule) == ("A", Rule.rotation)
    assert beibei.declined == ()
    assert (lianhua.institution, lianhua.rule) == ("B", Rule.helping)
    assert "第七条" in lianhua.articles


def test_lianhua_helping_firm_counts_as_its_turn() -> None:
    run = Run.of(*_rotation_roster(), policy=LIANHUA)
    run.assign(criminal("C1", AT, helped_by_institution="B"))
    assert run.credits() == {"A": 1, "B": -1}
    assert run.assign(criminal("C2", AT)).institution == "A"


def test_lianhua_helping_firm_in_conflict_is_declined_and_rotation_decides() -> None:
    c = criminal("C1", AT, helped_by_institution="B", conflict_institutions=["B"])
    decision = Run.of(*_rotation_roster(), policy=LIANHUA).assign(c)
    assert [(d.institution, d.rule, d.reason) for d in decision.declined] == [
        ("B", Rule.helping, "conflict")
    ]
    assert (decision.institution, decision.rule) == ("A", Rule.rotation)


# --------------------------------------------------------------------------------- ranking


def test_specialty_wins_in_beibei_and_locality_in_lianhua() -> None:
    # A has the case's specialty but sits elsewhere; B is in the case's locality.
    roster = (
        [firm("A", 1, "甲街道"), firm("B", 2, "乙街道")],
        [
            lawyer("A-L1", "A", specialties=["劳动争议"]),
            lawyer("B-L1", "B"),
        ],
    )
    c = case("C1", "labor_arbitration", AT, specialty="劳动争议", locality="乙街道")
    beibei, lianhua = _both(*roster, c)
    assert (beibei.institution, lianhua.institution) == ("A", "B")
    # The score parts record each district's weights: quality 80 of 100 for both firms.
    b = {s.institution: (s.specialty, s.quality, s.locality) for s in beibei.scores}
    h = {s.institution: (s.specialty, s.quality, s.locality) for s in lianhua.scores}
    assert b == {"A": (40, 24, 0), "B": (0, 24, 20)}
    assert h == {"A": (20, 8, 0), "B": (0, 8, 50)}


def test_quality_beats_locality_in_beibei_and_not_in_lianhua() -> None:
    # A: quality 100 elsewhere; B: quality 20 in the case's locality.
    roster = (
        [firm("A", 1, "甲街道"), firm("B", 2, "乙街道")],
        [
            lawyer("A-L1", "A", quality=100),
            lawyer("B-L1", "B", quality=20),
        ],
    )
    beibei, lianhua = _both(*roster, case("C1", "civil", AT, locality="乙街道"))
    # Beibei: A 30 against B 6 + 20 = 26. Lianhua: A 10 against B 2 + 50 = 52.
    assert (beibei.institution, lianhua.institution) == ("A", "B")


def _replay(tmp_path: Path, policy: str, later: str) -> list[dict[str, object]]:
    """`fayuan replay --policy …`: two identical firms; a civil case on 2025-03-03 and another
    on `later`."""
    firms = [("A", 1), ("B", 2)]
    roster = {
        "center": {"id": "demo", "name": "演示中心"},
        "institutions": [
            {"id": f, "name": f"{f}所", "kind": "law_firm", "locality": "甲街道", "sequence": n}
            for f, n in firms
        ],
        "practitioners": [
            {
                "id": f"{f}-L1",
                "name": f"律师{f}",
                "institution": f,
                "kind": "lawyer",
                "licensed_on": "2010-01-04",
                "quality": 80,
            }
            for f, _ in firms
        ],
    }
    events = [
        {"type": "case", "id": f"C{n}", "category": "civil", "started_at": f"{day}T10:00:00+08:00"}
        for n, day in enumerate(("2025-03-03", later), start=1)
    ]
    roster_path, events_path = tmp_path / "roster.json", tmp_path / "events.jsonl"
    out = tmp_path / f"{policy}-{later}.jsonl"
    roster_path.write_text(json.dumps(roster, ensure_ascii=False), encoding="utf-8")
    events_path.write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8"
    )
    args = ["--roster", str(roster_path), "--events", str(events_path), "--out", str(out)]
    code = main(["replay", *args, "--policy", policy])
    assert code == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    ("later", "beibei", "lianhua"),
    [
        ("2025-05-01", ["A", "B"], ["A", "B"]),  # 59 days later: in both windows
        ("2025-05-02", ["A", "B"], ["A", "A"]),  # 60 days later: out of Lianhua's 60
        ("2025-05-12", ["A", "B"], ["A", "A"]),  # 70 days later
        ("2025-05-31", ["A", "B"], ["A", "A"]),  # 89 days later: still in Beibei's 90
        ("2025-06-01", ["A", "A"], ["A", "A"]),  # 90 days later: out of both
    ],
)
def test_load_window_is_90_days_in_beibei_and_60_in_lianhua(
    tmp_path: Path, later: str, beibei: list[str], lianhua: list[str]
) -> None:
    # Two identical firms: the first case goes to A (sequence); the second to B while A still
    # carries the first within the window, else to A again.
    decisions = {p: _replay(tmp_path, p, later) for p in ("beibei-2023", "demo-lianhua-2025")}
    assert [d["institution"] for d in decisions["beibei-2023"]] == beibei
    assert [d["institution"] for d in decisions["demo-lianhua-2025"]] == lianhua
