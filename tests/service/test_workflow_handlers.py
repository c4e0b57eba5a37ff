"""After the notice: the institution names its handlers (第二、十、十一条), the agreement is signed,
the handler is changed only as 第十二条 allows, and closing a criminal case counts as a defence
(SPEC §2). Each case here chose F04 (点援), the institution of the `world` institution admin."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import count

import pytest

from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError
from fayuan.roster.models import Institution, InstitutionStatus, Practitioner
from fayuan.workflow import actions
from fayuan.workflow.models import Assignment, HandlerChange, HandlerChangeStatus, Route

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
GRANTED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
ISSUED = datetime(2026, 10, 8, 9, 0, tzinfo=CST)
SIGNED = date(2026, 10, 9)
_names = count(1)


def assigned_to_f04(world, category: str = "civil", **fields) -> Case:
    """An application choosing F04, granted, approved by the director and issued."""
    n = next(_names)
    data = CaseInput(
        category=category,
        locality="天生街道",
        parties=[
            PartyInput("aided", f"受援人{n}", is_applicant=True),
            PartyInput("opposing", f"对方{n}"),
        ],
        channel="counter",
        chosen_institution="F04",
        **fields,
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    do_grant_aid(case, world.user("officer"), at=GRANTED)
    proposal = actions.do_propose(case, world.user("officer"))
    assert proposal.institution.code == "F04"
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    actions.do_issue_assignment(proposal, world.user("officer"), at=ISSUED)
    case.refresh_from_db()
    return case


def name(world, case: Case, *codes: str) -> None:
    actions.do_name_handlers(case, world.user("institution_admin"), list(codes))


def signed(world, category: str = "civil", handler: str = "L013", **fields) -> Case:
    case = assigned_to_f04(world, category, **fields)
    name(world, case, handler)
    actions.do_sign_agreement(case, world.user("institution_admin"), SIGNED)
    case.refresh_from_db()
    return case


def handlers(case: Case) -> list[str]:
    return sorted(h.practitioner.code for h in case.handlers.filter(active=True))


def change(world, case: Case, mode: str = "same_institution", **kw) -> HandlerChange:
    kw.setdefault("consent", True)
    return actions.do_request_handler_change(
        case, world.user("institution_admin"), "利益冲突", mode=mode, **kw
    )


def approve_same_institution_change(world, case: Case, new_handler: str) -> None:
    request = change(world, case)
    assert request.route == Route.director, request.explanation
    actions.do_decide_handler_change(request, world.user("director"), approve=True)
    name(world, case, new_handler)
    actions.do_sign_agreement(case, world.user("institution_admin"), SIGNED)


# ------------------------------------------------------------- naming the handlers


def test_art02_institution_names_its_handler_and_case_waits_for_agreement(world) -> None:
    case = assigned_to_f04(world)
    name(world, case, "L013")
    case.refresh_from_db()
    assert case.status == CaseStatus.handler_named and handlers(case) == ["L013"]


def test_art11_criminal_case_refuses_a_grassroots_worker(world) -> None:
    case = assigned_to_f04(world, "criminal")
    Practitioner.objects.create(
        center=world.center,
        institution=Institution.objects.get(center=world.center, code="F04"),
        code="W01",
        name="基层工作者",
        kind="grassroots_worker",
        licensed_on=date(2010, 1, 1),
    )
    with pytest.raises(ActionError) as refused:
        name(world, case, "W01")
    assert refused.value.field == "practitioners.0"
    assert "律师" in refused.value.message
    assert handlers(case) == []


def test_art11_serious_criminal_case_refuses_an_unqualified_lawyer(world) -> None:
    case = assigned_to_f04(world, "criminal", social_impact=True)
    with pytest.raises(ActionError) as refused:
        name(world, case, "L012")  # licensed 2006, only 2 criminal defences
    assert refused.value.field == "practitioners.0"
    name(world, case, "L013")  # licensed 2003, 30 criminal defences
    assert handlers(case) == ["L013"]


def test_art10_group_case_needs_at_least_the_required_number(world) -> None:
    case = assigned_to_f04(world, aided_persons=10)
    assert case.assignments.get().handlers_required == 2
    with pytest.raises(ActionError) as refused:
        name(world, case, "L013")
    assert refused.value.field == "practitioners"
    name(world, case, "L013", "L014")
    assert handlers(case) == ["L013", "L014"]


def test_art02_practitioner_of_another_institution_is_refused(world) -> None:
    case = assigned_to_f04(world)
    with pytest.raises(ActionError) as refused:
        name(world, case, "L013", "L024")  # L024 is with F07
    assert refused.value.field == "practitioners.1"
    assert handlers(case) == []


def test_art02_only_the_holding_institution_names_handlers(world) -> None:
    case = assigned_to_f04(world)
    for role in ("officer", "director", "practitioner"):
        with pytest.raises(ActionError) as refused:
            actions.do_name_handlers(case, world.user(role), ["L013"])
        assert refused.value.kind == "forbidden"


def test_art12_agreement_before_handlers_is_refused(world) -> None:
    case = assigned_to_f04(world)
    with pytest.raises(ActionError) as refused:
        actions.do_sign_agreement(case, world.user("institution_admin"), SIGNED)
    assert refused.value.kind == "conflict"
    case.refresh_from_db()
    assert case.status == CaseStatus.assigned and case.agreement_signed_on is None


def test_art12_agreement_cannot_predate_the_assignment(world) -> None:
    case = assigned_to_f04(world)
    name(world, case, "L013")
    with pytest.raises(ActionError) as refused:
        actions.do_sign_agreement(case, world.user("institution_admin"), date(2020, 1, 1))
    assert refused.value.field == "signed_on"


def test_art12_named_handler_signs_the_agreement(world) -> None:
    case = assigned_to_f04(world)
    name(world, case, "L013")
    actions.do_sign_agreement(case, world.user("practitioner"), SIGNED)  # L013's own account
    case.refresh_from_db()
    assert case.status == CaseStatus.agreement_signed and case.agreement_signed_on == SIGNED


# --------------------------------------------------------------- 第十二条: changes


def test_art12_change_without_consent_is_recorded_refused_and_changes_nothing(world) -> None:
    case = signed(world)
    request = change(world, case, consent=False)
    assert request.status == HandlerChangeStatus.refused
    assert HandlerChange.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.agreement_signed and case.handler_changes == 0
    assert handlers(case) == ["L013"]
    assert case.institution.code == "F04"
    with pytest.raises(ActionError):
        actions.do_decide_handler_change(request, world.user("director"), approve=True)


def test_art12_change_before_agreement_is_refused(world) -> None:
    case = assigned_to_f04(world)
    name(world, case, "L013")
    with pytest.raises(ActionError) as refused:
        change(world, case)
    assert refused.value.kind == "conflict"


def test_art12_change_within_cap_goes_to_director_who_approves(world) -> None:
    case = signed(world)
    request = change(world, case)
    assert request.status == HandlerChangeStatus.requested and request.route == Route.director
    with pytest.raises(ActionError) as bureau:
        actions.do_decide_handler_change(
            request, world.user("bureau_section"), approve=True, reason="同意"
        )
    assert bureau.value.kind == "forbidden"

    actions.do_decide_handler_change(request, world.user("director"), approve=True)
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.status == HandlerChangeStatus.approved
    assert case.handler_changes == 1 and case.status == CaseStatus.assigned
    assert handlers(case) == [] and case.institution.code == "F04"
    name(world, case, "L014")
    assert handlers(case) == ["L014"]
    assert AuditEvent.objects.filter(case_id_ref=case.pk, action="handler_change.approve").exists()


def test_art12_director_refusal_of_a_change_keeps_the_handler(world) -> None:
    case = signed(world)
    request = change(world, case)
    actions.do_decide_handler_change(request, world.user("director"), approve=False, reason="无据")
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.status == HandlerChangeStatus.refused
    assert case.handler_changes == 0 and handlers(case) == ["L013"]


def test_art12_third_change_needs_the_bureau_with_a_written_reason(world) -> None:
    case = signed(world)
    approve_same_institution_change(world, case, "L014")
    approve_same_institution_change(world, case, "L017")

    third = change(world, case)
    assert third.status == HandlerChangeStatus.requested, third.explanation
    assert third.route == Route.bureau and not third.bureau_approved
    with pytest.raises(ActionError) as director:
        actions.do_decide_handler_change(third, world.user("director"), approve=True)
    assert director.value.kind == "forbidden"
    with pytest.raises(ActionError) as no_reason:
        actions.do_decide_handler_change(third, world.user("bureau_leader"), approve=True)
    assert no_reason.value.field == "reason"

    actions.do_decide_handler_change(
        third, world.user("bureau_section"), approve=True, reason="承办人因病无法继续办理"
    )
    third.refresh_from_db()
    case.refresh_from_db()
    assert third.status == HandlerChangeStatus.approved
    assert third.bureau_approved and third.bureau_reason == "承办人因病无法继续办理"
    assert case.handler_changes == 3


def test_art12_requester_cannot_give_the_bureaus_approval(world) -> None:
    case = signed(world)
    with pytest.raises(ActionError) as refused:
        change(world, case, bureau_approved=True)
    assert refused.value.field == "bureau_approved"
    assert not HandlerChange.objects.filter(case=case).exists()


def test_art12_one_pending_change_at_a_time(world) -> None:
    case = signed(world)
    change(world, case)
    with pytest.raises(ActionError) as refused:
        change(world, case)
    assert refused.value.kind == "conflict"
    assert HandlerChange.objects.filter(case=case).count() == 1


def test_art12_change_request_lapses_when_case_is_closed_before_approval(world) -> None:
    case = signed(world)
    request = change(world, case)
    actions.do_close_case(case, world.user("officer"), "调解结案")
    with pytest.raises(ActionError) as refused:
        actions.do_decide_handler_change(request, world.user("director"), approve=True)
    assert refused.value.kind == "conflict"
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.status == HandlerChangeStatus.refused
    assert case.status == CaseStatus.closed and case.handler_changes == 0
    assert handlers(case) == ["L013"]


def test_art12_other_institution_change_nobody_can_take_keeps_the_handler(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    others = Institution.objects.filter(center=world.center).exclude(code__in=["F04", "F07"])
    case = signed(world, conflict_institutions=[i.code for i in others])
    request = change(world, case, mode="other_institution")
    assert request.status == HandlerChangeStatus.requested  # F07 could take it then
    Institution.objects.filter(center=world.center, code="F07").update(
        status=InstitutionStatus.suspended
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_decide_handler_change(request, world.user("director"), approve=True)
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.status == HandlerChangeStatus.unassignable
    assert case.status == CaseStatus.agreement_signed and case.handler_changes == 0
    assert handlers(case) == ["L013"] and case.institution.code == "F04"
    assert case.assignments.get(current=True).institution.code == "F04"
    assert len(mailoutbox) == 1


def test_art12_other_institution_change_issues_new_notice_and_moves_case(world) -> None:
    case = signed(world)
    old = case.assignments.get()
    request = change(world, case, mode="other_institution")
    actions.do_decide_handler_change(request, world.user("director"), approve=True)

    request.refresh_from_db()
    case.refresh_from_db()
    old.refresh_from_db()
    new = Assignment.objects.get(case=case, current=True)
    assert request.status == HandlerChangeStatus.approved and request.new_assignment_id == new.pk
    assert not old.current and old.ended_at is not None
    assert new.institution.code != "F04" and case.institution_id == new.institution_id
    assert new.rule == "change"
    assert (old.notice_seq, new.notice_seq) == (1, 2)
    assert new.notice_number == "北碚法援指〔2026〕第0002号"
    assert case.status == CaseStatus.assigned and handlers(case) == []
    assert case.handler_changes == 1


# ------------------------------------------------------------------------- closing


def test_spec2_closing_a_criminal_case_adds_a_defence_to_each_handler(world) -> None:
    case = signed(world, "criminal")
    before = Practitioner.objects.get(center=world.center, code="L013").criminal_defense_cases
    actions.do_close_case(case, world.user("practitioner"), "判决：缓刑")
    case.refresh_from_db()
    assert case.status == CaseStatus.closed and case.outcome == "判决：缓刑"
    after = Practitioner.objects.get(center=world.center, code="L013").criminal_defense_cases
    assert after == before + 1


def test_spec2_closing_a_civil_case_adds_no_defence(world) -> None:
    case = signed(world)
    before = Practitioner.objects.get(center=world.center, code="L013").criminal_defense_cases
    actions.do_close_case(case, world.user("institution_admin"), "调解结案")
    after = Practitioner.objects.get(center=world.center, code="L013").criminal_defense_cases
    assert after == before


def test_spec2_closing_needs_an_outcome_and_a_signed_agreement(world) -> None:
    case = assigned_to_f04(world)
    with pytest.raises(ActionError) as no_outcome:
        actions.do_close_case(case, world.user("officer"), " ")
    assert no_outcome.value.field == "outcome"
    with pytest.raises(ActionError) as too_early:
        actions.do_close_case(case, world.user("officer"), "结案")
    assert too_early.value.kind == "conflict"


def test_art11_serious_case_judges_the_licence_on_the_case_start_date(world) -> None:
    """SPEC §2: 3 full years "on the case's start date" — not on the day the handler is named."""
    lawyer = Practitioner.objects.get(center=world.center, code="L012")
    # Three full years on 2026-10-15: after the start (2026-09-30), before today.
    lawyer.licensed_on = date(2023, 10, 15)
    lawyer.criminal_defense_cases = 20
    lawyer.save()
    case = assigned_to_f04(world, "criminal", social_impact=True)
    with pytest.raises(ActionError) as refused:
        name(world, case, "L012")
    assert "不满 3 年（第十一条）" in refused.value.message
    name(world, case, "L013")  # licensed 2003, 30 defences
    assert handlers(case) == ["L013"]
