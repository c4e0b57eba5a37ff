"""第八条 in the service: staff declare relatives and interests; the system flags a member whose
declarations or own identity match a case's parties; a flagged member cannot act on the case until
the right body decides (officer → center director; director → the bureau's 公共法律服务管理科;
the section head → the bureau)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from django.contrib.auth.models import User

from fayuan.accounts.models import Role, StaffProfile
from fayuan.cases.actions import (
    CaseInput,
    PartyInput,
    do_grant_aid,
    do_intake_application,
    do_intake_notification,
)
from fayuan.cases.models import Case
from fayuan.errors import ActionError
from fayuan.workflow import actions
from fayuan.workflow.models import OfficerProposal, Recusal, RecusalStatus
from fayuan.workflow.recusal import do_apply_recusal, do_decide_recusal, do_declare_person

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
GRANTED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
RELATIVE = "王大明"
ID_NUMBER = "500109196706097552"  # valid GB 11643 check digit


def application(world, *, aided: str = RELATIVE, id_number: str = "", **fields) -> Case:
    """An application taken in by officer2 (never the flagged one) and granted by officer2."""
    data = CaseInput(
        category="civil",
        locality="天生街道",
        parties=[
            PartyInput("aided", aided, id_number, is_applicant=True),
            PartyInput("opposing", "某建筑公司"),
        ],
        channel="counter",
        **fields,
    )
    case = do_intake_application(world.center, world.user("officer2"), data)
    return do_grant_aid(case, world.user("officer2"), at=GRANTED)


def declare_relative(world, role: str) -> None:
    do_declare_person(world.user(role), "relative", RELATIVE, relation="parent")


def recusal_of(world, role: str, case: Case) -> Recusal:
    return Recusal.objects.get(case=case, staff=world.user(role))


# ------------------------------------------------------------------- officer → director


def test_art08_officer_with_declared_relative_is_flagged_at_intake(world) -> None:
    declare_relative(world, "officer")
    case = application(world)
    recusal = recusal_of(world, "officer", case)
    assert recusal.status == RecusalStatus.pending and recusal.flagged_by_system
    assert recusal.decider_body == "aid_center"
    assert any(RELATIVE in g for g in recusal.grounds)
    assert not Recusal.objects.filter(case=case).exclude(pk=recusal.pk).exists()


def test_art08_flagged_officer_cannot_propose_and_is_told_who_decides(world) -> None:
    declare_relative(world, "officer")
    case = application(world)
    with pytest.raises(ActionError) as refused:
        actions.do_propose(case, world.user("officer"))
    assert refused.value.kind == "forbidden"
    assert "区法律援助中心（中心负责人）" in refused.value.message
    assert "第八条" in refused.value.message
    assert not case.engine_proposals.exists()


def test_art08_flagged_officer_is_flagged_on_a_notification_too(world) -> None:
    declare_relative(world, "officer")
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", RELATIVE)],
        organ_id=world.organ.pk,
        letter_number="（2026）渝0109刑初8号",
        letter_received_at=GRANTED,
    )
    case, _ = do_intake_notification(world.center, world.user("judicial_organ"), data)
    assert recusal_of(world, "officer", case).flagged_by_system


def test_art08_granted_recusal_keeps_officer_out_and_another_officer_acts(world) -> None:
    declare_relative(world, "officer")
    case = application(world)
    do_decide_recusal(recusal_of(world, "officer", case), world.user("director"), grant=True)
    with pytest.raises(ActionError) as refused:
        actions.do_propose(case, world.user("officer"))
    assert "已回避" in refused.value.message
    assert actions.do_propose(case, world.user("officer2")).officer_id == world.user("officer2").pk


def test_art08_denied_recusal_lets_officer_act(world) -> None:
    declare_relative(world, "officer")
    case = application(world)
    do_decide_recusal(
        recusal_of(world, "officer", case), world.user("director"), grant=False, reason="同名不同人"
    )
    recusal = recusal_of(world, "officer", case)
    assert recusal.status == RecusalStatus.denied and recusal.decision_reason == "同名不同人"
    assert isinstance(actions.do_propose(case, world.user("officer")), OfficerProposal)


def test_art08_officer_recusal_is_decided_by_director_only(world) -> None:
    declare_relative(world, "officer")
    recusal = recusal_of(world, "officer", application(world))
    for role in ("officer", "officer2", "bureau_section", "bureau_leader"):
        with pytest.raises(ActionError) as refused:
            do_decide_recusal(recusal, world.user(role), grant=True)
        assert refused.value.kind == "forbidden"
    recusal.refresh_from_db()
    assert recusal.status == RecusalStatus.pending


def test_art08_recusal_is_decided_once(world) -> None:
    declare_relative(world, "officer")
    recusal = recusal_of(world, "officer", application(world))
    do_decide_recusal(recusal, world.user("director"), grant=True)
    with pytest.raises(ActionError) as refused:
        do_decide_recusal(recusal, world.user("director"), grant=False, reason="改变")
    assert refused.value.kind == "conflict"


def agreed_case_with_flagged_officer(world) -> Case:
    """A case officer2 took to a signed agreement while `officer` is flagged on it."""
    declare_relative(world, "officer")
    case = application(world, chosen_institution="F04")
    proposal = actions.do_propose(case, world.user("officer2"))
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    actions.do_issue_assignment(proposal, world.user("officer2"), at=GRANTED)
    case.refresh_from_db()
    actions.do_name_handlers(case, world.user("institution_admin"), ["L013"])
    actions.do_sign_agreement(case, world.user("institution_admin"), date(2026, 10, 8))
    case.refresh_from_db()
    return case


def test_art08_flagged_officer_cannot_request_a_handler_change(world) -> None:
    case = agreed_case_with_flagged_officer(world)
    with pytest.raises(ActionError) as refused:
        actions.do_request_handler_change(
            case, world.user("officer"), "利益冲突", consent=True, mode="same_institution"
        )
    assert refused.value.kind == "forbidden"
    assert not case.handler_changes_log.exists()


def test_art08_flagged_officer_cannot_close_the_case(world) -> None:
    case = agreed_case_with_flagged_officer(world)
    with pytest.raises(ActionError) as refused:
        actions.do_close_case(case, world.user("officer"), "结案")
    assert refused.value.kind == "forbidden"
    case.refresh_from_db()
    assert case.closed_at is None


# ------------------------------------------------------------- director → the section


def test_art08_director_recusal_is_decided_by_bureau_section(world) -> None:
    declare_relative(world, "director")
    case = application(world)
    recusal = recusal_of(world, "director", case)
    assert recusal.decider_body == "pls_section"

    proposal = actions.do_propose(case, world.user("officer"))
    with pytest.raises(ActionError) as flagged:
        actions.do_director_decide(proposal, world.user("director"), approve=True)
    assert "区司法局公共法律服务管理科" in flagged.value.message

    for role in ("director", "bureau_leader"):
        with pytest.raises(ActionError) as refused:
            do_decide_recusal(recusal, world.user(role), grant=False, reason="无")
        assert refused.value.kind == "forbidden"
    do_decide_recusal(recusal, world.user("bureau_section"), grant=False, reason="无利害关系")
    recusal.refresh_from_db()
    assert recusal.status == RecusalStatus.denied
    assert recusal.decided_by_id == world.user("bureau_section").pk
    actions.do_director_decide(proposal, world.user("director"), approve=True)


# --------------------------------------------------------- section head → the bureau


def test_art08_section_head_recusal_is_decided_by_bureau_leader(world) -> None:
    declare_relative(world, "bureau_section")  # the world's section user is the section head
    member = User.objects.create_user("section2")
    StaffProfile.objects.create(
        user=member, role=Role.bureau_section, center=world.center, full_name="科员"
    )
    case = application(world)
    recusal = recusal_of(world, "bureau_section", case)
    assert recusal.decider_body == "bureau"
    for user in (world.user("bureau_section"), member, world.user("director")):
        with pytest.raises(ActionError) as refused:
            do_decide_recusal(recusal, user, grant=True)
        assert refused.value.kind == "forbidden"
    do_decide_recusal(recusal, world.user("bureau_leader"), grant=True)
    recusal.refresh_from_db()
    assert recusal.status == RecusalStatus.granted


def test_art08_section_member_who_is_not_head_is_not_flagged(world) -> None:
    member = User.objects.create_user("section2")
    StaffProfile.objects.create(
        user=member, role=Role.bureau_section, center=world.center, full_name="科员"
    )
    do_declare_person(member, "relative", RELATIVE)
    case = application(world)
    assert not Recusal.objects.filter(case=case, staff=member).exists()


# ------------------------------------------------------------------ the system's own flag


def test_art08_staff_with_a_partys_id_number_is_flagged_without_declarations(world) -> None:
    StaffProfile.objects.filter(user=world.user("officer")).update(id_number=ID_NUMBER)
    case = application(world, aided="刘勇勇", id_number=ID_NUMBER)
    recusal = recusal_of(world, "officer", case)
    assert recusal.flagged_by_system and recusal.status == RecusalStatus.pending
    assert not world.user("officer").declared_persons.exists()


def test_art08_declared_interest_is_flagged(world) -> None:
    do_declare_person(world.user("officer"), "interest", "某建筑公司", note="曾任法律顾问")
    case = application(world, aided="张小红")
    assert recusal_of(world, "officer", case).flagged_by_system


def test_art08_unrelated_case_flags_nobody(world) -> None:
    declare_relative(world, "officer")
    case = application(world, aided="张小红")
    assert not Recusal.objects.filter(case=case).exists()
    assert isinstance(actions.do_propose(case, world.user("officer")), OfficerProposal)


# ------------------------------------------------------------------- applying oneself


def test_art08_officer_applies_for_recusal_themself(world) -> None:
    case = application(world, aided="张小红")
    recusal = do_apply_recusal(case, world.user("officer"), "申请人系本人同学")
    assert recusal.status == RecusalStatus.pending and not recusal.flagged_by_system
    assert recusal.decider_body == "aid_center" and recusal.grounds == ["申请人系本人同学"]
    with pytest.raises(ActionError) as refused:
        actions.do_propose(case, world.user("officer"))
    assert refused.value.kind == "forbidden"
    with pytest.raises(ActionError) as no_grounds:
        do_apply_recusal(case, world.user("officer2"), " ")
    assert no_grounds.value.field == "grounds"


def test_art08_only_assignment_staff_apply_for_recusal(world) -> None:
    case = application(world, aided="张小红")
    for role in ("institution_admin", "practitioner", "judicial_organ", "bureau_leader"):
        with pytest.raises(ActionError) as refused:
            do_apply_recusal(case, world.user(role), "理由")
        assert refused.value.kind == "forbidden"
