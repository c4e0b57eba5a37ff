"""第十一条 in the database: the criminal rotation's stored credits change exactly as SPEC §8 says,
on issue and only on issue, whatever rule chose the firm; and a case nobody can take (SPEC §7
rule 5) is raised to the officer and the director at once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count
from pathlib import Path

import pytest
from tests.policy_builders import policy_with

from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import (
    CaseInput,
    PartyInput,
    do_grant_aid,
    do_intake_application,
    do_intake_notification,
)
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError
from fayuan.roster.models import Institution, InstitutionStatus
from fayuan.workflow import actions, engine
from fayuan.workflow.models import Assignment, RotationCredit

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
RECEIVED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
#: The example roster's pool (active law firms) and weights: the number of active lawyers.
WEIGHTS = {"F02": 2, "F03": 6, "F04": 8, "F05": 2, "F07": 8, "F08": 8, "F09": 9}
TOTAL = 43
LAW_FIRMS = ["F01", "F02", "F03", "F04", "F05", "F06", "F07", "F08", "F09", "F10"]
_letters = count(1)


def notification(world, **fields) -> Case:
    """A criminal notification letter (通知辩护): granted on receipt."""
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


def issue(world, case: Case, **propose) -> Assignment:
    proposal = actions.do_propose(case, world.user("officer"), **propose)
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    return actions.do_issue_assignment(proposal, world.user("officer"))


def credits(world) -> dict[str, int]:
    rows = RotationCredit.objects.filter(center=world.center).select_related("institution")
    return {r.institution.code: r.credit for r in rows}


def after_turn(before: dict[str, int], winner: str) -> dict[str, int]:
    """SPEC §8 written out: every pool firm gains its weight; the winner pays the total."""
    after = {firm: before.get(firm, 0) + w for firm, w in WEIGHTS.items()}
    after[winner] -= TOTAL
    return after


# ------------------------------------------------------------------- SPEC §8 on issue


def test_art11_rotation_issue_changes_credits_exactly_as_spec_8(world) -> None:
    case = notification(world)
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    assert credits(world) in ({}, dict.fromkeys(WEIGHTS, 0))  # proposing changes nothing

    assignment = actions.do_issue_assignment(proposal, world.user("officer"))
    assert assignment.rule == "rotation" and assignment.institution.code == "F09"
    assert credits(world) == {
        "F02": 2,
        "F03": 6,
        "F04": 8,
        "F05": 2,
        "F07": 8,
        "F08": 8,
        "F09": 9 - 43,
    }


def test_art11_rotation_tie_goes_to_lower_sequence(world) -> None:
    issue(world, notification(world))  # F09
    # F04, F07 and F08 now all stand at 16; F07 has the lowest published sequence (3).
    second = issue(world, notification(world))
    assert second.institution.code == "F07"
    assert credits(world) == after_turn(after_turn({}, "F09"), "F07")


def test_art11_applicant_choice_counts_as_that_firms_turn(world) -> None:
    assignment = issue(world, notification(world, chosen_institution="F02"))
    assert assignment.rule == "choice" and assignment.institution.code == "F02"
    assert credits(world) == after_turn({}, "F02")


def test_art11_applicant_choice_is_no_turn_when_the_policy_says_so(
    world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC §8 with `criminal_rotation.choice_counts_as_turn` = false: the chosen firm gets the
    case and no credit moves; the next rotation case goes as if the choice had not happened."""
    policy = policy_with(tmp_path, {"criminal_rotation.choice_counts_as_turn": "false"})
    monkeypatch.setattr(engine, "policy_for", lambda center: policy)

    chosen = issue(world, notification(world, chosen_institution="F02"))
    assert chosen.rule == "choice" and chosen.institution.code == "F02"
    assert credits(world) == {}
    event = AuditEvent.objects.get(action="assignment.issue", object_id=str(chosen.pk))
    assert event.data["rotation_after"] is None
    following = issue(world, notification(world))
    assert following.rule == "rotation" and following.institution.code == "F09"
    assert credits(world) == after_turn({}, "F09")


def test_art11_officer_override_counts_as_that_firms_turn(world) -> None:
    assignment = issue(
        world, notification(world), institution_code="F03", override_reason="F09 刚接重案"
    )
    assert assignment.rule == "override" and assignment.institution.code == "F03"
    assert credits(world) == after_turn({}, "F03")


def test_art07_helping_firm_counts_as_a_turn_when_policy_prefers_it(
    world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = policy_with(tmp_path, {"criminal_rotation.prefer_helping_institution": "true"})
    monkeypatch.setattr(engine, "policy_for", lambda center: policy)

    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "申请人甲", is_applicant=True)],
        channel="liaison",
        helped_by_institution="F05",
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    do_grant_aid(case, world.user("officer"), at=RECEIVED)
    assignment = issue(world, case)
    assert assignment.rule == "helping" and assignment.institution.code == "F05"
    assert credits(world) == after_turn({}, "F05")


def test_art11_beibei_criminal_case_goes_by_rotation_even_when_helped(world) -> None:
    """beibei-2023: criminal_rotation.prefer_helping_institution = false (第十一条 按序依次)."""
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "申请人乙", is_applicant=True)],
        channel="liaison",
        helped_by_institution="F05",
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    do_grant_aid(case, world.user("officer"), at=RECEIVED)
    assignment = issue(world, case)
    assert assignment.rule == "rotation" and assignment.institution.code == "F09"
    assert credits(world) == after_turn({}, "F09")


def test_art11_firm_skipped_for_conflict_keeps_its_place(world) -> None:
    first = issue(world, notification(world, conflict_institutions=["F09"]))
    assert first.institution.code == "F07"
    assert credits(world) == after_turn({}, "F07")  # F09 gained its weight, paid nothing
    second = issue(world, notification(world))
    assert second.institution.code == "F09"


def test_art11_suspended_firm_leaves_pool_with_credit_frozen(world) -> None:
    issue(world, notification(world))  # F09 pays: -34
    Institution.objects.filter(center=world.center, code="F09").update(
        status=InstitutionStatus.suspended
    )
    issue(world, notification(world))
    after = credits(world)
    assert after["F09"] == 9 - 43
    assert after["F07"] == 16 - (TOTAL - 9)  # the pool's total without F09


def test_art11_non_criminal_issue_leaves_credits_alone(world) -> None:
    data = CaseInput(
        category="civil",
        locality="天生街道",
        parties=[PartyInput("aided", "申请人丙", is_applicant=True)],
        channel="counter",
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    do_grant_aid(case, world.user("officer"), at=RECEIVED)
    issue(world, case)
    assert all(v == 0 for v in credits(world).values())


def test_art11_rejected_proposal_leaves_credits_alone(world) -> None:
    case = notification(world)
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), approve=False, reason="另议")
    assert all(v == 0 for v in credits(world).values())


# ------------------------------------------------------------ SPEC §7 rule 5: unassignable


def test_spec7_unassignable_case_alerts_officer_and_director_at_once(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    case = notification(world, conflict_institutions=LAW_FIRMS)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ActionError) as refused,
    ):
        actions.do_propose(case, world.user("officer"))
    assert refused.value.field == "institution"

    case.refresh_from_db()
    assert case.status == CaseStatus.unassignable
    proposal = case.engine_proposals.get()
    assert proposal.status == "unassignable" and proposal.institution is None
    assert AuditEvent.objects.filter(case_id_ref=case.pk, action="case.unassignable_alert").exists()
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["director@example.cn", "officer@example.cn"]
    assert case.number in mailoutbox[0].subject
    assert "2026-10-08 23:59" in mailoutbox[0].body
    assert all(v == 0 for v in credits(world).values())  # no turn taken


def test_spec7_unassignable_mail_waits_for_commit(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    case = notification(world, conflict_institutions=LAW_FIRMS)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.do_run_engine(case, world.user("officer"))
    assert len(callbacks) == 1 and mailoutbox == []
