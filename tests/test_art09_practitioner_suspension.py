"""第九条 暂停指派 of a practitioner (SPEC §2 "only … active practitioners"): the center's
suspension makes a practitioner ineligible for new cases with its own reason,
"中心已暂停指派（第九条）", never "非执业" (a licensed lawyer paused by the center is not a
non-practising one) — when the applicant chose it (点援), in the list of practitioners, and in
a handler change within its firm. It is not counted among the firm's active lawyers (the
rotation weight, SPEC §8). The exchange format accepts the `"suspended": true` an export of the
service writes, and a replay of it decides as the service does."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from fayuan import exchange
from fayuan.cli import main
from fayuan.policy.decision import Status
from fayuan.policy.eligibility import PRACTITIONER_REASONS_ZH
from fayuan.policy.explain import explain_decision
from fayuan.policy.model import Practitioner
from fayuan.policy.roster import RosterView
from fayuan.policy.selection import decide_case
from fayuan.replay import load_roster
from policy_builders import CALENDAR, POLICY, Run, case, criminal, firm, fresh_state, lawyer
from test_replay_cli import ROSTER, _event, _line

SUSPENDED_ZH = "中心已暂停指派（第九条）"


def _suspended(p: Practitioner) -> Practitioner:
    return replace(p, suspended=True)


def _district() -> Run:
    """F1 (sequence 1) would win any ranking; F2's L21 is suspended, L22 is not."""
    return Run.of(
        [firm("F1", 1), firm("F2", 2)],
        [
            lawyer("L11", "F1", quality=100),
            lawyer("L12", "F1", quality=100),
            _suspended(lawyer("L21", "F2", quality=10, name="孙律师")),
            lawyer("L22", "F2", quality=10),
        ],
    )


def test_a_suspended_practitioner_is_not_active_and_has_its_own_reason() -> None:
    p = _suspended(lawyer("L21", "F2"))
    assert p.active is False and p.suspended is True
    assert PRACTITIONER_REASONS_ZH["suspended"] == SUSPENDED_ZH
    # Not counted among its firm's active lawyers (SPEC §8: the rotation weight).
    run = _district()
    assert [q.id for q in run.state.roster.active_lawyers["F2"]] == ["L22"]


def test_a_suspended_chosen_practitioner_is_declined_as_suspended_not_non_practising() -> None:
    run = _district()
    decision = run.assign(case("C1", chosen_practitioner="L21"))
    assert decision.status is Status.assigned
    assert decision.handler != "L21"
    [declined] = decision.declined
    assert (declined.institution, declined.rule, declined.reason) == (
        "F2",
        "choice",
        "chosen_practitioner",
    )
    assert SUSPENDED_ZH in declined.detail and "非执业" not in declined.detail
    text = explain_decision(decision, run.state.roster)
    assert "孙律师（L21）不能承办：中心已暂停指派（第九条）" in text
    assert "非执业" not in text


def test_a_suspended_practitioner_is_not_offered_for_a_new_case() -> None:
    run = _district()
    decision = run.assign(case("C1", chosen_institution="F2"))
    assert decision.institution == "F2"
    assert decision.eligible_practitioners == ("L22",)
    checks = {c.practitioner: c for c in decision.practitioner_checks}
    assert checks["L21"].eligible is False and checks["L21"].reason == "suspended"
    assert checks["L21"].detail == SUSPENDED_ZH
    text = explain_decision(decision, run.state.roster)
    assert "非执业" not in text
    # A criminal case too (lawyers only, rotation): never the suspended one.
    assert "L21" not in run.assign(criminal("K1", chosen_institution="F2")).eligible_practitioners


def test_a_handler_change_within_the_firm_explains_the_suspended_one() -> None:
    run = Run.of(
        [firm("F1", 1)],
        [
            lawyer("L1", "F1"),
            _suspended(lawyer("L2", "F1", name="孙律师")),
            lawyer("L3", "F1"),
        ],
    )
    run.assign(case("C1", chosen_practitioner="L1"))
    decision = run.change("C1", mode="same_institution")
    assert decision.institution == "F1"
    assert decision.eligible_practitioners == ("L3",)
    text = explain_decision(decision, run.state.roster)
    assert "孙律师（L2） 不能承办：中心已暂停指派（第九条）" in text
    assert "非执业" not in text


def _service_view(roster: exchange.RosterIn, suspended: set[str]) -> RosterView:
    """A view built the way `fayuan.workflow.engine.roster_view` maps the service's statuses:
    active = status == "active", suspended = status == "suspended"."""
    practitioners = []
    for p in roster.practitioners:
        plain = p.to_policy()
        if p.id in suspended:
            plain = replace(plain, active=False, suspended=True)
        practitioners.append(plain)
    return RosterView(
        (i.to_policy() for i in roster.institutions),
        practitioners,
        frozenset(i.id for i in roster.institutions if i.suspended),
    )


def test_replay_accepts_a_suspended_practitioner_and_decides_as_the_service(
    tmp_path: Path,
) -> None:
    data = json.loads(json.dumps(ROSTER))
    # As `export_roster` writes it: the roster status active, the center's suspension apart.
    l1 = next(p for p in data["practitioners"] if p["id"] == "L1")
    l1.update(active=True, suspended=True)
    parsed = exchange.RosterIn.model_validate_json(json.dumps(data))
    assert parsed.practitioners[0].suspended is True
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _, replayed = load_roster(path)
    assert replayed.practitioners["L1"].active is False
    assert replayed.practitioners["L1"].suspended is True

    service = _service_view(
        exchange.RosterIn.model_validate_json(json.dumps(ROSTER)), suspended={"L1"}
    )

    c = exchange.CaseEvent.model_validate_json(
        json.dumps(
            {
                "type": "case",
                "id": "C1",
                "category": "civil",
                "started_at": "2024-06-03T10:00:00+08:00",
                "locality": "天生街道",
                "chosen_practitioner": "L1",
            }
        )
    ).to_policy()
    ours = decide_case(c, fresh_state(replayed), POLICY, CALENDAR)
    theirs = decide_case(c, fresh_state(service), POLICY, CALENDAR)
    assert ours.to_json() == theirs.to_json()
    assert explain_decision(ours, replayed) == explain_decision(theirs, service)
    assert ours.status is Status.assigned and ours.handler is None
    [declined] = ours.declined
    assert declined.reason == "chosen_practitioner" and SUSPENDED_ZH in declined.detail
    assert "非执业" not in explain_decision(ours, replayed)


def test_replay_keeps_non_practising_before_suspended() -> None:
    """As for an institution (inactive before suspended): the roster's own 非执业 wins."""
    row = dict(ROSTER["practitioners"][0], active=False, suspended=True)
    p = exchange.PractitionerIn.model_validate_json(json.dumps(row)).to_policy()
    assert p.active is False and p.suspended is False


def test_fayuan_replay_takes_an_exported_roster_with_a_suspended_practitioner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(json.dumps(ROSTER))
    data["practitioners"][0].update(active=True, suspended=True)
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text(_line(_event(chosen_practitioner="L1")) + "\n", encoding="utf-8")
    out = tmp_path / "decisions.jsonl"
    args = ["replay", "--roster", str(roster), "--events", str(events)]
    assert main([*args, "--out", str(out)]) == 0
    [decision] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert decision["status"] == "assigned" and "handler" not in decision
    capsys.readouterr()
    assert main([*args, "--explain", "C1"]) == 0
    text = capsys.readouterr().out
    assert "张律师（L1）不能承办：中心已暂停指派（第九条）" in text
    assert "非执业" not in text
