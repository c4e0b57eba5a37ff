"""第五条 (who decides) and 第六条 (the 《指派通知书》 number), through the actions with the
user each step belongs to: the officer proposes, the director or the bureau decides, the officer
issues."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import count

import pytest

from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError
from fayuan.roster.models import Institution, InstitutionStatus
from fayuan.workflow import actions
from fayuan.workflow.models import (
    Approval,
    ApprovalStep,
    Assignment,
    OfficerProposal,
    ProposalStatus,
    Route,
)

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
GRANTED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
_names = count(1)


def granted_case(world, category: str = "civil", at: datetime = GRANTED, **fields) -> Case:
    """A citizen's application taken in and granted by the officer (the deadline starts)."""
    n = next(_names)
    data = CaseInput(
        category=category,
        locality="天生街道",
        parties=[
            PartyInput("aided", f"受援人{n}", is_applicant=True),
            PartyInput("opposing", f"对方{n}"),
        ],
        channel="counter",
        **fields,
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    return do_grant_aid(case, world.user("officer"), at=at)


def approved(world, case: Case, **propose) -> OfficerProposal:
    proposal = actions.do_propose(case, world.user("officer"), **propose)
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    return proposal


def issued(world, case: Case, at: datetime | None = None) -> Assignment:
    return actions.do_issue_assignment(approved(world, case), world.user("officer"), at=at)


def through_bureau(world, proposal: OfficerProposal) -> None:
    actions.do_record_discussion(
        proposal,
        world.user("officer"),
        date(2026, 10, 8),
        ["主任", "指派人员甲", "指派人员乙"],
        "同意",
    )
    actions.do_report_to_bureau(proposal, world.user("director"), "北碚法援〔2026〕1号", "报请决定")
    actions.do_bureau_decide(
        proposal, world.user("bureau_section"), approve=True, reason="同意指派"
    )


# ------------------------------------------------------------------ 第五条: ordinary cases


def test_art05_ordinary_case_director_approves_then_officer_issues(world) -> None:
    case = granted_case(world)
    proposal = actions.do_propose(case, world.user("officer"))
    assert proposal.route == Route.director and proposal.status == ProposalStatus.pending
    case.refresh_from_db()
    assert case.status == CaseStatus.proposed

    actions.do_director_decide(proposal, world.user("director"), approve=True)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.approved
    assignment = actions.do_issue_assignment(proposal, world.user("officer"))

    case.refresh_from_db()
    assert case.status == CaseStatus.assigned
    assert case.institution_id == proposal.institution_id == assignment.institution_id
    assert [a.step for a in Approval.objects.filter(proposal=proposal)] == [
        ApprovalStep.director_decision
    ]
    assert AuditEvent.objects.filter(case_id_ref=case.pk, action="assignment.issue").count() == 1


def test_art05_director_rejection_returns_case_to_officer_with_reason(world) -> None:
    case = granted_case(world)
    proposal = actions.do_propose(case, world.user("officer"))
    with pytest.raises(ActionError) as refused:
        actions.do_director_decide(proposal, world.user("director"), approve=False)
    assert refused.value.field == "reason"

    actions.do_director_decide(proposal, world.user("director"), approve=False, reason="机构过远")
    proposal.refresh_from_db()
    case.refresh_from_db()
    assert proposal.status == ProposalStatus.rejected
    assert case.status == CaseStatus.granted
    step = Approval.objects.get(proposal=proposal)
    assert step.approved is False and step.reason == "机构过远"

    again = actions.do_propose(case, world.user("officer"))
    assert again.pk != proposal.pk and again.status == ProposalStatus.pending


def test_art05_only_the_director_decides_an_ordinary_case(world) -> None:
    proposal = actions.do_propose(granted_case(world), world.user("officer"))
    for role in ("officer", "bureau_section", "bureau_leader"):
        with pytest.raises(ActionError) as refused:
            actions.do_director_decide(proposal, world.user(role), approve=True)
        assert refused.value.kind == "forbidden"


def test_art06_issuing_before_approval_is_refused(world) -> None:
    case = granted_case(world)
    proposal = actions.do_propose(case, world.user("officer"))
    with pytest.raises(ActionError) as refused:
        actions.do_issue_assignment(proposal, world.user("officer"))
    assert refused.value.kind == "conflict"
    assert not Assignment.objects.filter(case=case).exists()


# ------------------------------------------------------------ 第五条: the officer's proposal


def test_art05_proposal_differing_from_engine_needs_reason_and_is_recorded(world) -> None:
    case = granted_case(world)
    engine = actions.do_run_engine(case, world.user("officer"))
    other = "F04" if engine.institution.code != "F04" else "F07"

    with pytest.raises(ActionError) as refused:
        actions.do_propose(case, world.user("officer"), institution_code=other)
    assert refused.value.field == "override_reason"

    proposal = actions.do_propose(
        case, world.user("officer"), institution_code=other, override_reason="受援人住所附近"
    )
    assert proposal.differs_from_engine and proposal.override_reason == "受援人住所附近"
    assert proposal.engine_proposal_id == engine.pk
    event = AuditEvent.objects.get(case_id_ref=case.pk, action="proposal.create")
    assert event.data["differs_from_engine"] is True
    assert event.data["override_reason"] == "受援人住所附近"

    actions.do_director_decide(proposal, world.user("director"), approve=True)
    assignment = actions.do_issue_assignment(proposal, world.user("officer"))
    assert assignment.institution.code == other and assignment.rule == "override"


def test_art05_proposal_agreeing_with_engine_needs_no_reason(world) -> None:
    proposal = actions.do_propose(granted_case(world), world.user("officer"))
    assert not proposal.differs_from_engine and proposal.override_reason == ""


def test_art02_proposing_grassroots_office_for_criminal_case_is_refused(world) -> None:
    case = granted_case(world, "criminal")
    with pytest.raises(ActionError) as refused:
        actions.do_propose(
            case, world.user("officer"), institution_code="G01", override_reason="近"
        )
    assert refused.value.field == "institution"
    case.refresh_from_db()
    assert case.status == CaseStatus.granted and not case.proposals.exists()


def test_art02_proposing_suspended_institution_is_refused(world) -> None:
    case = granted_case(world)
    actions.do_run_engine(case, world.user("officer"))
    Institution.objects.filter(center=world.center, code="F07").update(
        status=InstitutionStatus.suspended
    )
    with pytest.raises(ActionError) as refused:
        actions.do_propose(case, world.user("officer"), institution_code="F07", override_reason="x")
    assert refused.value.field == "institution"


def test_art07_proposing_conflicted_institution_is_refused(world) -> None:
    case = granted_case(world, conflict_institutions=["F04"])
    with pytest.raises(ActionError) as refused:
        actions.do_propose(case, world.user("officer"), institution_code="F04", override_reason="x")
    assert refused.value.field == "institution"


def test_art05_unknown_institution_is_refused_with_the_field(world) -> None:
    with pytest.raises(ActionError) as refused:
        actions.do_propose(
            granted_case(world), world.user("officer"), institution_code="F99", override_reason="x"
        )
    assert refused.value.field == "institution"


# -------------------------------------------------------------- 第五条: major cases


@pytest.mark.parametrize(
    ("fields", "route"),
    [
        ({"aided_persons": 50}, Route.bureau),
        ({"aided_persons": 49}, Route.director),
        ({"stability_risk": True}, Route.bureau),
        ({"major_difficult": True}, Route.bureau),
    ],
    ids=["50_persons_major", "49_persons_ordinary", "stability_risk", "major_difficult"],
)
def test_art05_route_of_group_and_major_cases(world, fields, route) -> None:
    proposal = actions.do_propose(granted_case(world, **fields), world.user("officer"))
    assert proposal.route == route


def test_art05_major_case_goes_discussion_report_bureau_decision(world) -> None:
    case = granted_case(world, aided_persons=50)
    proposal = actions.do_propose(case, world.user("officer"))
    through_bureau(world, proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.approved
    steps = list(Approval.objects.filter(proposal=proposal))
    assert [s.step for s in steps] == [
        ApprovalStep.collective_discussion,
        ApprovalStep.bureau_report,
        ApprovalStep.bureau_decision,
    ]
    assert steps[0].participants == ["主任", "指派人员甲", "指派人员乙"]
    assert steps[0].held_on == date(2026, 10, 8) and steps[0].conclusion == "同意"
    assert steps[1].document_number == "北碚法援〔2026〕1号"
    assert steps[2].approved is True

    assignment = actions.do_issue_assignment(proposal, world.user("officer"))
    case.refresh_from_db()
    assert case.status == CaseStatus.assigned and case.institution_id == assignment.institution_id


def test_art05_major_case_cannot_be_decided_by_director(world) -> None:
    proposal = actions.do_propose(granted_case(world, stability_risk=True), world.user("officer"))
    with pytest.raises(ActionError) as refused:
        actions.do_director_decide(proposal, world.user("director"), approve=True)
    assert refused.value.kind == "conflict"


def test_art05_major_case_report_before_discussion_is_refused(world) -> None:
    proposal = actions.do_propose(granted_case(world, aided_persons=60), world.user("officer"))
    with pytest.raises(ActionError) as refused:
        actions.do_report_to_bureau(proposal, world.user("director"), "文号", "报告")
    assert refused.value.kind == "conflict"


def test_art05_major_case_bureau_decision_before_report_is_refused(world) -> None:
    proposal = actions.do_propose(granted_case(world, aided_persons=60), world.user("officer"))
    with pytest.raises(ActionError) as before_discussion:
        actions.do_bureau_decide(proposal, world.user("bureau_leader"), approve=True, reason="同意")
    assert before_discussion.value.kind == "conflict"
    actions.do_record_discussion(
        proposal, world.user("officer"), date(2026, 10, 8), ["甲", "乙"], "同意"
    )
    with pytest.raises(ActionError) as before_report:
        actions.do_bureau_decide(proposal, world.user("bureau_leader"), approve=True, reason="同意")
    assert before_report.value.kind == "conflict"


def test_art05_major_case_issue_before_bureau_decision_is_refused(world) -> None:
    proposal = actions.do_propose(granted_case(world, aided_persons=60), world.user("officer"))
    actions.do_record_discussion(
        proposal, world.user("officer"), date(2026, 10, 8), ["甲", "乙"], "同意"
    )
    actions.do_report_to_bureau(proposal, world.user("director"), "文号", "报告")
    with pytest.raises(ActionError) as refused:
        actions.do_issue_assignment(proposal, world.user("officer"))
    assert refused.value.kind == "conflict"


def test_art05_bureau_rejection_returns_major_case_to_officer(world) -> None:
    case = granted_case(world, aided_persons=60)
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_record_discussion(
        proposal, world.user("officer"), date(2026, 10, 8), ["甲", "乙"], "同意"
    )
    actions.do_report_to_bureau(proposal, world.user("director"), "文号", "报告")
    actions.do_bureau_decide(proposal, world.user("bureau_leader"), approve=False, reason="另选")
    proposal.refresh_from_db()
    case.refresh_from_db()
    assert proposal.status == ProposalStatus.rejected and case.status == CaseStatus.granted


def test_art05_collective_discussion_records_participants_and_conclusion(world) -> None:
    proposal = actions.do_propose(granted_case(world, aided_persons=60), world.user("officer"))
    with pytest.raises(ActionError) as one_person:
        actions.do_record_discussion(
            proposal, world.user("officer"), date(2026, 10, 8), ["甲"], "同意"
        )
    assert one_person.value.field == "participants"
    with pytest.raises(ActionError) as no_conclusion:
        actions.do_record_discussion(
            proposal, world.user("officer"), date(2026, 10, 8), ["甲", "乙"], " "
        )
    assert no_conclusion.value.field == "conclusion"


# ------------------------------------------------------------ 第六条: the notice number


def test_art06_notice_number_has_the_center_prefix_year_and_four_digits(world) -> None:
    assignment = issued(world, granted_case(world))
    assert assignment.notice_number == "北碚法援指〔2026〕第0001号"
    assert (assignment.notice_year, assignment.notice_seq) == (2026, 1)


def test_art06_notice_numbers_are_consecutive_across_cases_without_gaps(world) -> None:
    first = issued(world, granted_case(world))
    # A refused issue in between takes no number.
    pending = actions.do_propose(granted_case(world), world.user("officer"))
    with pytest.raises(ActionError):
        actions.do_issue_assignment(pending, world.user("officer"))
    second = issued(world, granted_case(world, "criminal"))
    third = issued(world, granted_case(world, "labor_arbitration"))
    assert [a.notice_number for a in (first, second, third)] == [
        "北碚法援指〔2026〕第0001号",
        "北碚法援指〔2026〕第0002号",
        "北碚法援指〔2026〕第0003号",
    ]


def test_art06_notice_numbers_restart_at_0001_in_a_new_year(world) -> None:
    late_2026 = datetime(2026, 12, 1, 9, 0, tzinfo=CST)
    december = issued(
        world, granted_case(world, at=late_2026), at=datetime(2026, 12, 31, 23, 30, tzinfo=CST)
    )
    # 00:30 on 1 January in Beijing is still 31 December in UTC: the year is China's.
    january = issued(
        world, granted_case(world, at=late_2026), at=datetime(2027, 1, 1, 0, 30, tzinfo=CST)
    )
    following = issued(
        world, granted_case(world, at=late_2026), at=datetime(2027, 1, 4, 9, 0, tzinfo=CST)
    )
    assert december.notice_number == "北碚法援指〔2026〕第0001号"
    assert january.notice_number == "北碚法援指〔2027〕第0001号"
    assert following.notice_number == "北碚法援指〔2027〕第0002号"


def test_art06_a_case_is_issued_once(world) -> None:
    case = granted_case(world)
    proposal = approved(world, case)
    actions.do_issue_assignment(proposal, world.user("officer"))
    with pytest.raises(ActionError) as refused:
        actions.do_issue_assignment(proposal, world.user("officer"))
    assert refused.value.kind == "conflict"
    assert Assignment.objects.filter(case=case).count() == 1
