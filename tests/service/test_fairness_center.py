"""`fayuan fairness --center CODE` (第十一条; SPEC §8): the fairness check on the service's own
records. Criminal cases go through the real workflow (propose, director, issue); the report's
turns and entitlements are checked against numbers worked out by hand from SPEC §8."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from itertools import count
from pathlib import Path

import pytest

from fayuan.cases.actions import CaseInput, PartyInput, do_intake_notification
from fayuan.cases.models import Case
from fayuan.cli import main
from fayuan.fairness import EXIT_FLAGGED
from fayuan.roster.actions import do_set_institution_status
from fayuan.roster.models import Institution, Practitioner
from fayuan.roster.practitioner_actions import do_set_practitioner_status
from fayuan.workflow import actions
from fayuan.workflow.models import Assignment

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
RECEIVED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
#: The example roster's pool (active law firms with active lawyers) and weights (lawyers).
WEIGHTS = {"F02": 2, "F03": 6, "F04": 8, "F05": 2, "F07": 8, "F08": 8, "F09": 9}
SEQUENCE = {"F07": 3, "F03": 6, "F04": 8, "F09": 9, "F08": 10, "F05": 12, "F02": 13}
_letters = count(1)


def notification(world, **fields) -> Case:
    n = next(_letters)
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", f"被告人{n}")],
        organ_id=world.organ.pk,
        letter_number=f"（2026）渝0109刑初{n}号",
        letter_received_at=RECEIVED,
        **fields,
    )
    case, created = do_intake_notification(world.center, world.user("judicial_organ"), data)
    assert created
    return case


def issue(world, day: int, case: dict | None = None, **propose) -> Assignment:
    """A criminal case (`case`: its fields) assigned on 2026-10-`day` through the workflow
    (第五、六条); `propose`: the officer's proposal."""
    proposal = actions.do_propose(
        notification(world, **(case or {})), world.user("officer"), **propose
    )
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    at = datetime(2026, 10, day, 10, 0, tzinfo=CST)
    return actions.do_issue_assignment(proposal, world.user("officer"), at=at)


def swrr(weights: dict[str, int], turns: int, credits: dict[str, int]) -> list[str]:
    """SPEC §8 written out, independently of fayuan.policy.rotation: every firm gains w, the
    highest credit wins (ties to the lower sequence), the winner pays W."""
    total = sum(weights.values())
    winners = []
    for _ in range(turns):
        for firm, w in weights.items():
            credits[firm] = credits.get(firm, 0) + w
        win = max(weights, key=lambda f: (credits[f], -SEQUENCE[f]))
        credits[win] -= total
        winners.append(win)
    return winners


def run(tmp_path: Path, *extra: str) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    code = main(["fairness", "--center", "beibei", "--json", str(out), *extra])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}


def firms(report: dict) -> dict[str, dict]:
    return {f["institution"]: f for f in report["firms"]}


def test_art11_center_twelve_rotation_turns_against_the_entitlement(world, tmp_path) -> None:
    winners = [issue(world, day).institution.code for day in range(1, 13)]
    assert winners == swrr(WEIGHTS, 12, {})
    # Worked out by hand from SPEC §8 (W = 43); turn 6: F02 and F05 both at 12, F05 has the
    # lower sequence (12 < 13); turn 7: F09 at 11 + 9 = 20.
    assert winners == [
        "F09", "F07", "F04", "F08", "F03", "F05", "F09", "F07", "F04", "F08", "F03", "F02",
    ]  # fmt: skip
    code, report = run(tmp_path)
    assert code == 0 and report["flagged"] == []
    assert report["turns"] == 12 and report["policy"] == "beibei-2023"
    got = firms(report)
    assert set(got) == set(WEIGHTS)  # F01, F06, F10 are inactive: not rotation firms
    received = {"F09": 2, "F07": 2, "F04": 2, "F08": 2, "F03": 2, "F02": 1, "F05": 1}
    for firm, w in WEIGHTS.items():
        assert got[firm]["received"] == received[firm]
        assert got[firm]["weight"] == w and got[firm]["turns_in_pool"] == 12
        # Entitlement: 12 turns × w / 43 (F09: 108/43 = 2.5116; F04: 96/43; F02: 24/43).
        assert Fraction(got[firm]["entitled_exact"]) == Fraction(12 * w, 43)
        assert got[firm]["lost"] == {} and got[firm]["suspended_turns"] == 0
    assert got["F09"]["entitled"] == pytest.approx(2.5116)
    assert got["F03"]["difference"] == pytest.approx(2 - 72 / 43, abs=1e-4)  # +0.33
    assert got["F09"]["difference"] == pytest.approx(2 - 108 / 43, abs=1e-4)  # −0.51


def test_art11_center_period_carries_the_opening_standing(world, tmp_path) -> None:
    for day in range(1, 13):
        issue(world, day)
    code, report = run(tmp_path, "--from", "2026-10-07", "--until", "2026-10-12")
    assert code == 0 and report["turns"] == 6
    got = firms(report)
    before = {"F09": 1, "F07": 1, "F04": 1, "F08": 1, "F03": 1, "F05": 1}  # days 1–6
    for firm, w in WEIGHTS.items():
        assert Fraction(got[firm]["entitled_exact"]) == Fraction(6 * w, 43)
        assert got[firm]["opening"] == pytest.approx(before.get(firm, 0) - 6 * w / 43, abs=1e-4)
    assert got["F02"]["received"] == 1 and got["F05"]["received"] == 0  # days 7–12


def test_art11_center_firm_suspended_mid_period(world, tmp_path, capsys) -> None:
    for day in range(1, 7):
        issue(world, day)
    f09 = Institution.objects.get(center=world.center, code="F09")
    at = datetime(2026, 10, 6, 18, 0, tzinfo=CST)
    do_set_institution_status(f09, "suspended", "年度考核整改", world.user("director"), at=at)
    later = [issue(world, day).institution.code for day in range(7, 13)]
    assert "F09" not in later
    code, report = run(tmp_path)
    assert code == 0, capsys.readouterr()
    assert "不一致" not in capsys.readouterr().err  # the rebuilt credits are the stored ones
    got = firms(report)
    # F09 in the pool for 6 turns of 43; the others 6 of 43 and 6 of 34 (43 − 9).
    assert got["F09"]["turns_in_pool"] == 6 and got["F09"]["suspended_turns"] == 6
    assert Fraction(got["F09"]["entitled_exact"]) == Fraction(6 * 9, 43)
    assert got["F09"]["received"] == 1
    for firm, w in WEIGHTS.items():
        if firm != "F09":
            assert got[firm]["turns_in_pool"] == 12
            assert Fraction(got[firm]["entitled_exact"]) == Fraction(6 * w, 43) + Fraction(
                6 * w, 34
            )
    assert sum(f["received"] for f in got.values()) == 12


def test_art11_center_conflict_is_a_documented_skip(world, tmp_path) -> None:
    # F09 is next in line but has a conflict of interest (第七条).
    first = issue(world, 1, case={"conflict_institutions": ["F09"]})
    assert first.institution.code == "F07"
    issue(world, 2)  # F09 keeps its place
    code, report = run(tmp_path)
    assert code == 0
    got = firms(report)
    assert got["F09"]["lost"] == {"conflict": 1} and got["F09"]["received"] == 1
    assert got["F07"]["gained"] == {"conflict": 1}


def test_art11_center_overrides_jumping_the_rotation_are_flagged(world, tmp_path) -> None:
    for day in range(1, 5):
        a = issue(world, day, institution_code="F02", override_reason="指派人员另有考虑")
        assert a.rule == "override"
    code, report = run(tmp_path)
    assert code == EXIT_FLAGGED and "F02" in report["flagged"]
    got = firms(report)
    assert got["F02"]["received"] == 4
    assert Fraction(got["F02"]["entitled_exact"]) == Fraction(4 * 2, 43)
    assert got["F09"]["lost"].get("undocumented", 0) >= 1


def test_art11_center_unrecorded_suspension_is_reported(world, tmp_path, capsys) -> None:
    """A status changed without its history (not through the roster action): the rebuilt pool
    is not the one used, and the stored credits say so."""
    issue(world, 1)
    Institution.objects.filter(center=world.center, code="F09").update(status="suspended")
    issue(world, 2)
    code, report = run(tmp_path)
    err = capsys.readouterr().err
    assert code == 0 and "不一致" in err and "F07" in err  # a warning, not a refusal
    # With no history F09 counts as suspended throughout: its win of day 1 is no rotation turn.
    assert report["turns"] == 1 and report["choice_not_counted"] == 1


def test_art11_center_unknown_code_exits_1_without_a_file(world, tmp_path, capsys) -> None:
    out = tmp_path / "report.json"
    assert main(["fairness", "--center", "nowhere", "--json", str(out)]) == 1
    err = capsys.readouterr().err
    assert "--center" in err and "nowhere" in err and "法律援助中心" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--center", "beibei", "--roster", "r.json", "--events", "e.jsonl"], "--center"),
        (["--center", "beibei", "--from", "2026-13-01"], "--from"),
        (["--center", "beibei", "--until", "10/12/2026"], "--until"),
        (["--center", "beibei", "--from", "2026-10-12", "--until", "2026-10-01"], "--until"),
        ([], "--roster"),
        (["--roster", "r.json"], "--events"),
    ],
)
def test_art11_center_bad_command_line_exits_1(world, tmp_path, capsys, argv, field) -> None:
    out = tmp_path / "report.json"
    assert main(["fairness", *argv, "--json", str(out)]) == 1
    err = capsys.readouterr().err
    assert "输入有误" in err and f"字段 {field}" in err
    assert not out.exists()


def test_art11_center_choice_is_no_turn_when_the_policy_says_so(
    world, tmp_path, monkeypatch
) -> None:
    """`criminal_rotation.choice_counts_as_turn` = false (SPEC §8): the service moves no credit
    for a 点援 case, and the check does not count it as the firm's turn."""
    from tests.policy_builders import policy_with

    from fayuan.workflow import engine

    policy = policy_with(tmp_path, {"criminal_rotation.choice_counts_as_turn": "false"})
    monkeypatch.setattr(engine, "policy_for", lambda center: policy)

    assert issue(world, 1, case={"chosen_institution": "F02"}).rule == "choice"
    assert [issue(world, day).institution.code for day in (2, 3)] == swrr(WEIGHTS, 2, {})
    code, report = run(tmp_path)
    got = firms(report)
    assert code == 0 and report["turns"] == 2, report
    assert got["F02"]["received"] == 0
    assert got["F09"]["received"] == 1 and got["F07"]["received"] == 1


def suspend_or_reinstate(world, time_machine, code: str, status: str, at: datetime) -> None:
    """第九条: the director suspends or reinstates a lawyer at `at` (the action stamps now)."""
    time_machine.move_to(at, tick=False)
    practitioner = Practitioner.objects.get(center=world.center, code=code)
    do_set_practitioner_status(practitioner, status, "理由", world.user("director"))


def test_art11_center_lawyer_suspended_mid_period(world, tmp_path, capsys, time_machine) -> None:
    """A lawyer of F04 suspended after day 6 (第九条): the service's pool weighs F04 by 7 active
    lawyers from then on, and the check rebuilds the same credits from the lawyer's history."""
    first = [issue(world, day).institution.code for day in range(1, 7)]
    suspend_or_reinstate(
        world, time_machine, "L019", "suspended", datetime(2026, 10, 6, 18, 0, tzinfo=CST)
    )
    later = [issue(world, day).institution.code for day in range(7, 13)]
    credits: dict[str, int] = {}
    assert first == swrr(WEIGHTS, 6, credits)
    assert later == swrr({**WEIGHTS, "F04": 7}, 6, credits)
    # By hand (W = 43, then 42): day 9, F04 at 19 + 7 = 26 is behind F08 at 21 + 8 = 29, so
    # F08 wins it (without the suspension F04 wins day 9 and F08 day 10); F04 ends at 5.
    assert later == ["F09", "F07", "F08", "F04", "F03", "F02"] and credits["F04"] == 5
    code, report = run(tmp_path)
    err = capsys.readouterr().err
    assert code == 0 and report["flagged"] == [], err
    assert "不一致" not in err  # the rebuilt credits are the stored ones
    got = firms(report)
    assert got["F04"]["weight"] == 7  # today's weight
    # F04: 6 turns × 8/43 + 6 turns × 7/42 = 48/43 + 1 = 91/43 (2.1163); received 2.
    assert Fraction(got["F04"]["entitled_exact"]) == Fraction(91, 43)
    assert got["F04"]["received"] == 2
    for firm, w in WEIGHTS.items():
        assert got[firm]["turns_in_pool"] == 12 and got[firm]["suspended_turns"] == 0
        if firm != "F04":
            # 6w/43 + 6w/42 = 85w/301 (F09: 765/301 = 2.5415).
            assert Fraction(got[firm]["entitled_exact"]) == Fraction(85 * w, 301)
    assert got["F09"]["entitled"] == pytest.approx(2.5415)
    assert sum(Fraction(f["entitled_exact"]) for f in got.values()) == 12


def test_art11_center_lawyer_suspended_and_reinstated(
    world, tmp_path, capsys, time_machine
) -> None:
    """A lawyer of F09 suspended after day 4 and reinstated after day 8: F09 weighs 8 for days
    5–8 (W = 42) and 9 before and after (W = 43)."""
    winners = [issue(world, day).institution.code for day in range(1, 5)]
    suspend_or_reinstate(
        world, time_machine, "L050", "suspended", datetime(2026, 10, 4, 18, 0, tzinfo=CST)
    )
    winners += [issue(world, day).institution.code for day in range(5, 9)]
    suspend_or_reinstate(
        world, time_machine, "L050", "active", datetime(2026, 10, 8, 18, 0, tzinfo=CST)
    )
    winners += [issue(world, day).institution.code for day in range(9, 13)]
    credits: dict[str, int] = {}
    expected = swrr(WEIGHTS, 4, credits)
    expected += swrr({**WEIGHTS, "F09": 8}, 4, credits)
    expected += swrr(WEIGHTS, 4, credits)
    assert winners == expected
    # Same order as without the suspension, but not the same credits: F09 ends at 19, not 11.
    assert winners == swrr(WEIGHTS, 12, {}) and credits["F09"] == 19
    code, report = run(tmp_path)
    err = capsys.readouterr().err
    assert code == 0 and report["flagged"] == [], err
    assert "不一致" not in err
    got = firms(report)
    assert got["F09"]["weight"] == 9
    # F09: 8 turns × 9/43 + 4 turns × 8/42 = 72/43 + 16/21 (2.4363); received 2.
    assert Fraction(got["F09"]["entitled_exact"]) == Fraction(72, 43) + Fraction(16, 21)
    assert got["F09"]["entitled"] == pytest.approx(2.4363)
    assert got["F09"]["received"] == 2
    for firm, w in WEIGHTS.items():
        if firm != "F09":
            assert Fraction(got[firm]["entitled_exact"]) == Fraction(8 * w, 43) + Fraction(
                4 * w, 42
            )
    assert sum(Fraction(f["entitled_exact"]) for f in got.values()) == 12


def test_art11_center_first_recorded_change_a_reinstatement(
    world, tmp_path, capsys, time_machine
) -> None:
    """A lawyer suspended with no history (before the history was kept) and reinstated after day
    6: before its first recorded change, which made it active, it counts as not active."""
    Practitioner.objects.filter(center=world.center, code="L004").update(status="suspended")
    first = [issue(world, day).institution.code for day in range(1, 7)]
    suspend_or_reinstate(
        world, time_machine, "L004", "active", datetime(2026, 10, 6, 18, 0, tzinfo=CST)
    )
    later = [issue(world, day).institution.code for day in range(7, 13)]
    credits: dict[str, int] = {}
    assert first == swrr({**WEIGHTS, "F02": 1}, 6, credits)
    assert later == swrr(WEIGHTS, 6, credits)
    code, report = run(tmp_path)
    err = capsys.readouterr().err
    assert code == 0 and "不一致" not in err, err
    got = firms(report)
    # F02: 6 turns × 1/42 + 6 turns × 2/43 = 1/7 + 12/43 (0.4219).
    assert Fraction(got["F02"]["entitled_exact"]) == Fraction(1, 7) + Fraction(12, 43)
    assert got["F02"]["entitled"] == pytest.approx(0.4219)


def test_art11_center_lawyer_history_is_one_query(world, time_machine) -> None:
    """The lawyers' status history is read in one query, however many lawyers have one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fayuan.fairness_db import turns_from_database

    for day in range(1, 4):
        issue(world, day)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            turns_from_database("beibei")
        return len(ctx.captured_queries)

    before = queries()
    at = datetime(2026, 10, 1, 18, 0, tzinfo=CST)
    for n, code in enumerate(("L012", "L013", "L042", "L043")):
        suspend_or_reinstate(world, time_machine, code, "suspended", at + timedelta(minutes=n))
    assert queries() == before
