"""A criminal notification from intake to a closed case, through the actions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fayuan.audit.log import verify
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_notification
from fayuan.cases.models import CaseStatus
from fayuan.workflow import actions

CST = timezone(timedelta(hours=8))


@pytest.mark.django_db
def test_criminal_notification_walks_to_closing(world) -> None:
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "刘勇勇", "500109196706097552")],
        organ_id=world.organ.pk,
        letter_number="（2026）渝0109刑初123号",
        letter_received_at=datetime(2026, 9, 30, 10, 0, tzinfo=CST),
    )
    case, created = do_intake_notification(world.center, world.user("judicial_organ"), data)
    assert created and case.status == CaseStatus.granted
    assert case.due_at == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST)
    again, created_again = do_intake_notification(world.center, world.user("judicial_organ"), data)
    assert again.pk == case.pk and not created_again

    proposal = actions.do_propose(case, world.user("officer"))
    assert proposal.engine_proposal.rule == "rotation"
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    assignment = actions.do_issue_assignment(proposal, world.user("officer"))
    assert assignment.notice_number.startswith("北碚法援指〔")
    case.refresh_from_db()
    assert case.status == CaseStatus.assigned
    print(assignment.institution.code, proposal.engine_proposal.explanation)
    assert verify().ok
