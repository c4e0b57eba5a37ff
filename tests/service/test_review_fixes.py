"""Defects a review found, each proved here: rotation order across overlapping proposals
(第十一条), the replaced handler (第十二条), holdings of group cases (SPEC §3), the calendar gap
(SPEC §5) and what an institution may read of the center's reasoning."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from fayuan.cases.models import CaseStatus
from fayuan.errors import ActionError
from fayuan.workflow import actions
from fayuan.workflow.models import OfficerProposal, ProposalStatus

from .test_workflow_handlers import assigned_to_f04, change, name, signed
from .test_workflow_rotation import notification

pytestmark = pytest.mark.django_db
CST = timezone(timedelta(hours=8))


def approved(world, case) -> OfficerProposal:
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    return proposal


def test_art11_overlapping_rotation_proposals_do_not_give_one_firm_two_turns(world) -> None:
    first, second = notification(world), notification(world)
    p1, p2 = approved(world, first), approved(world, second)
    assert p1.institution_id == p2.institution_id  # both proposed before either was issued
    actions.do_issue_assignment(p1, world.user("officer"))
    with pytest.raises(ActionError) as moved_on:
        actions.do_issue_assignment(p2, world.user("officer"))
    assert moved_on.value.kind == "conflict" and "第十一条" in moved_on.value.message
    p2.refresh_from_db()
    second.refresh_from_db()
    assert p2.status == ProposalStatus.rejected and second.status == CaseStatus.granted
    again = approved(world, second)
    assert again.institution_id != p1.institution_id  # the rotation moved on
    assert (
        actions.do_issue_assignment(again, world.user("officer")).institution == again.institution
    )


def test_art12_a_replaced_handler_cannot_be_named_again(world) -> None:
    case = signed(world, handler="L013")
    requested = change(world, case)
    actions.do_decide_handler_change(requested, world.user("director"), approve=True)
    case.refresh_from_db()
    with pytest.raises(ActionError) as refused:
        name(world, case, "L013")
    assert refused.value.field == "practitioners.0"
    name(world, case, "L014")


def test_spec3_every_handler_of_a_group_case_holds_its_parties(world) -> None:
    group = assigned_to_f04(world, "labor_arbitration", aided_persons=12)
    name(world, group, "L012", "L013")
    held_aided = group.parties.get(role="aided").name
    from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application

    new = do_intake_application(
        world.center,
        world.user("officer"),
        CaseInput(
            category="civil",
            locality="天生街道",
            parties=[PartyInput("aided", "新受援人"), PartyInput("opposing", held_aided)],
            channel="counter",
        ),
    )
    do_grant_aid(new, world.user("officer"))
    new.refresh_from_db()
    from fayuan.workflow import engine

    state = engine.assignment_state(world.center, new, datetime.now(CST))
    conflicted = state.practitioner_holdings.conflicts(engine.policy_case(new))
    assert {"L012", "L013"} <= set(conflicted)


def test_spec5_a_change_reaching_a_year_without_calendar_data_is_provisional(
    world, monkeypatch
) -> None:
    """Issue 6: the service never refuses a case because the calendar lacks a year."""
    case = signed(world)
    late = datetime(2026, 12, 30, 10, 0, tzinfo=CST)
    monkeypatch.setattr(actions.timezone, "now", lambda: late)
    request = change(world, case)
    assert request.decision["deadline_provisional"] is True
    assert request.decision["deadline"].startswith("2027-")


def test_an_institution_does_not_read_the_centers_reasoning_about_other_cases(world) -> None:
    case = signed(world)
    client = Client()
    client.force_login(world.user("institution_admin"))
    response = client.post(
        f"/api/cases/{case.number}/handler-changes",
        json.dumps({"reason": "利益冲突", "consent": True, "mode": "other_institution"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert "中心掌握" in body["explanation"]
    assert "skipped" not in body["decision"]
