"""The institution's and the practitioner's pages: name the handlers (only the eligible offered,
the others with the rule that excludes them: 第二、十、十一、十二条, 程序规定第二十六条第二款), the
agreement (程序规定第二十七条), a handler change with the aided person's consent (第十二条),
closing, the new assignments and the institution's own practitioners (audited). A refused form
writes nothing; another institution's case or practitioner is out of reach."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import count
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone as djtz

from fayuan.audit.models import AuditEvent
from fayuan.cases import uploads
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application
from fayuan.cases.models import Case, CaseDocument, CaseStatus, DocumentKind
from fayuan.errors import ActionError
from fayuan.roster.models import Institution, Practitioner
from fayuan.web.institution import record_agreement
from fayuan.web.ui import countdown
from fayuan.workflow import actions
from fayuan.workflow.models import Handler, HandlerChange, HandlerChangeStatus

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
GRANTED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
ISSUED = datetime(2026, 10, 8, 9, 0, tzinfo=CST)  # agreement due 2026-10-13 23:59:59
_names = count(1)


def assigned(world, code: str = "F04", category: str = "civil", at=ISSUED, **fields) -> Case:
    n = next(_names)
    data = CaseInput(
        category=category,
        locality="天生街道",
        parties=[
            PartyInput("aided", f"受援人丙{n}", is_applicant=True),
            PartyInput("opposing", f"对方丁{n}"),
        ],
        channel="counter",
        chosen_institution=code,
        **fields,
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    do_grant_aid(case, world.user("officer"), at=GRANTED)
    proposal = actions.do_propose(case, world.user("officer"))
    assert proposal.institution.code == code
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    actions.do_issue_assignment(proposal, world.user("officer"), at=at)
    case.refresh_from_db()
    return case


def named(world, case: Case, *codes: str) -> Case:
    actions.do_name_handlers(case, world.user("institution_admin"), list(codes))
    case.refresh_from_db()
    return case


def signed(world, **fields: Any) -> Case:
    case = named(world, assigned(world, **fields), "L013")
    actions.do_sign_agreement(case, world.user("institution_admin"), date(2026, 10, 9))
    case.refresh_from_db()
    return case


def client_for(world, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def snapshot() -> tuple[int, int, int]:
    """What a refused form must leave as it was: handlers, change requests, audit events."""
    return Handler.objects.count(), HandlerChange.objects.count(), AuditEvent.objects.count()


def offered(response) -> list[str]:
    field = response.context["form"].fields["practitioners"]
    return [code for code, _ in field.choices]


def excluded(response) -> dict[str, str]:
    return {o.practitioner.code: o.reason for o in response.context["excluded"]}


# ------------------------------------------------------------------ naming the handlers


def test_handlers_page_offers_only_the_eligible_and_says_why_not_the_others(world) -> None:
    # A serious criminal case (第十一条): 3 full years and 10 criminal defences.
    Practitioner.objects.filter(center=world.center, code="L015").update(
        licensed_on=date(2024, 1, 1)
    )
    case = assigned(world, category="criminal", social_impact=True)
    response = client_for(world, "institution_admin").get(f"/cases/{case.number}/handlers/")
    assert response.status_code == 200
    assert set(offered(response)) == {"L013", "L014", "L017", "L019"}
    why = excluded(response)
    assert why["L012"] == "刑事辩护 2 件，少于 10 件（第十一条）"
    assert why["L016"] == "刑事辩护 5 件，少于 10 件（第十一条）"
    assert why["L015"] == "自 2024-01-01 执业，至 2026-09-30 满 2 年，不满 3 年（第十一条）"
    assert why["L011"] == "非执业状态"
    body = response.content.decode()
    assert "刑事辩护 2 件，少于 10 件（第十一条）" in body
    assert "本案须安排承办人" in body


def test_handlers_page_minor_case_needs_a_minors_qualified_lawyer(world) -> None:
    Practitioner.objects.filter(center=world.center, code="L017").update(minors_qualified=True)
    case = assigned(world, category="criminal", minor=True)
    response = client_for(world, "institution_admin").get(f"/cases/{case.number}/handlers/")
    assert offered(response) == ["L017"]
    assert "熟悉未成年人身心特点" in excluded(response)["L013"]


def test_handlers_page_excludes_a_conflicted_and_a_replaced_practitioner(world) -> None:
    case = signed(world, conflict_practitioners=["L014"])
    change = actions.do_request_handler_change(
        case, world.user("institution_admin"), "利益冲突", consent=True, mode="same_institution"
    )
    actions.do_decide_handler_change(change, world.user("director"), approve=True)
    response = client_for(world, "institution_admin").get(f"/cases/{case.number}/handlers/")
    why = excluded(response)
    assert why["L013"] == "原承办人，已被更换，不能再安排为本案承办人（第十二条）"
    assert why["L014"].startswith("利益冲突")
    assert "L013" not in offered(response) and "L014" not in offered(response)


def test_every_offered_practitioner_is_accepted_and_every_excluded_refused(world) -> None:
    case = assigned(world, category="criminal", social_impact=True)
    assignment, options = actions.handler_options(case)
    assert assignment.handlers_required == 1
    for option in options:
        try:
            actions.do_name_handlers(
                case, world.user("institution_admin"), [option.practitioner.code]
            )
            accepted = True
        except ActionError:
            accepted = False
        assert accepted is option.eligible, option


def test_naming_a_handler_redirects_to_the_case_with_the_agreement_deadline(world) -> None:
    case = assigned(world)
    client = client_for(world, "institution_admin")
    response = client.post(f"/cases/{case.number}/handlers/", {"practitioners": ["L013"]})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/"
    case.refresh_from_db()
    assert case.status == CaseStatus.handler_named
    assert [h.practitioner.code for h in case.handlers.filter(active=True)] == ["L013"]
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "已安排承办人：王娜磊" in text and "2026-10-13 23:59" in text


def test_naming_an_ineligible_or_too_few_handlers_writes_nothing(world) -> None:
    case = assigned(world, category="criminal", social_impact=True)
    client = client_for(world, "institution_admin")
    before = snapshot()
    response = client.post(f"/cases/{case.number}/handlers/", {"practitioners": ["L012"]})
    assert response.status_code == 200
    errors = response.context["form"].errors["practitioners"]
    assert "L012" in errors[0]  # not one of the choices offered
    response = client.post(f"/cases/{case.number}/handlers/", {})
    assert response.context["form"].errors["practitioners"] == ["请选择承办人。"]
    assert snapshot() == before
    case.refresh_from_db()
    assert case.status == CaseStatus.assigned


def test_group_case_needs_the_required_number(world) -> None:
    case = assigned(world, aided_persons=12)  # 集团案件: 2 handlers (第十条)
    client = client_for(world, "institution_admin")
    before = snapshot()
    response = client.post(f"/cases/{case.number}/handlers/", {"practitioners": ["L013"]})
    assert "本案须安排承办人 2 名（第十条），只选择了 1 名。" in response.content.decode()
    assert snapshot() == before
    response = client.post(f"/cases/{case.number}/handlers/", {"practitioners": ["L013", "L014"]})
    assert response.status_code == 302


# ------------------------------------------------------------------ who may reach what


def test_another_institutions_case_is_not_found(world) -> None:
    case = assigned(world, code="F07")
    client = client_for(world, "institution_admin")  # F04's admin
    for url in ("handlers", "agreement", "handler-change", "close"):
        assert client.get(f"/cases/{case.number}/{url}/").status_code == 404


def test_a_case_that_moved_to_another_institution_is_forbidden(world) -> None:
    case = signed(world)
    change = actions.do_request_handler_change(
        case, world.user("institution_admin"), "利益冲突", consent=True, mode="other_institution"
    )
    actions.do_decide_handler_change(change, world.user("director"), approve=True)
    client = client_for(world, "institution_admin")
    assert client.get(f"/cases/{case.number}/").status_code == 200  # still sees it
    assert client.get(f"/cases/{case.number}/handlers/").status_code == 403
    assert (
        client.post(f"/cases/{case.number}/handlers/", {"practitioners": ["L013"]}).status_code
        == 403
    )


def test_a_practitioner_cannot_name_handlers_nor_edit_the_roster(world) -> None:
    case = named(world, assigned(world), "L013")
    client = client_for(world, "practitioner")
    assert client.get(f"/cases/{case.number}/handlers/").status_code == 403
    assert client.get("/institution/practitioners/").status_code == 403
    assert client.get("/institution/assignments/").status_code == 403


def test_anonymous_goes_to_login(world) -> None:
    case = assigned(world)
    response = Client().get(f"/cases/{case.number}/handlers/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# ------------------------------------------------------------------ the agreement


def test_agreement_date_not_in_future_nor_before_assignment_writes_nothing(world) -> None:
    case = named(world, assigned(world), "L013")
    client = client_for(world, "institution_admin")
    before = snapshot()
    tomorrow = (djtz.localtime(djtz.now(), CST).date() + timedelta(days=1)).isoformat()
    response = client.post(f"/cases/{case.number}/agreement/", {"signed_on": tomorrow})
    assert "不能登记将来的日期" in response.context["form"].errors["signed_on"][0]
    response = client.post(f"/cases/{case.number}/agreement/", {"signed_on": "2026-10-07"})
    assert response.context["form"].errors["signed_on"] == [
        "签订日期 2026-10-07 早于指派日期 2026-10-08，委托协议应在收到指派后签订。"
    ]
    assert response.context["form"]["signed_on"].value() == "2026-10-07"  # kept as typed
    assert snapshot() == before
    case.refresh_from_db()
    assert case.status == CaseStatus.handler_named and case.agreement_signed_on is None


def test_the_handler_records_the_agreement_on_time_and_late(world) -> None:
    case = named(world, assigned(world), "L013")
    client = client_for(world, "practitioner")  # L013 himself
    page = client.get(f"/cases/{case.number}/agreement/")
    assert page.status_code == 200
    assert 'class="overdue"' in page.content.decode()  # 2026-10-13 has passed
    response = client.post(f"/cases/{case.number}/agreement/", {"signed_on": "2026-10-13"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/"
    case.refresh_from_db()
    assert case.status == CaseStatus.agreement_signed
    assert case.agreement_signed_on == date(2026, 10, 13)
    text = client.get(response["Location"]).content.decode()
    assert "已登记委托协议，签订日期 2026-10-13。" in text and "晚于" not in text

    late = named(world, assigned(world), "L013")
    response = client.post(f"/cases/{late.number}/agreement/", {"signed_on": "2026-10-14"})
    assert "晚于程序规定第二十七条的五日期限" in client.get(response["Location"]).content.decode()


def test_agreement_with_its_scan_is_one_record(world, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = named(world, assigned(world), "L013")
    client = client_for(world, "institution_admin")
    scan = SimpleUploadedFile("协议.pdf", b"%PDF-1.7\n%test agreement\n", "application/pdf")
    response = client.post(
        f"/cases/{case.number}/agreement/", {"signed_on": "2026-10-12", "agreement_file": scan}
    )
    assert response.status_code == 302
    doc = CaseDocument.objects.get(case=case)
    assert doc.kind == DocumentKind.agreement and doc.original_name == "协议.pdf"
    assert (tmp_path / "media" / doc.file.name).exists()
    assert "扫描件已存入案件材料" in client.get(response["Location"]).content.decode()


def test_agreement_with_a_file_that_is_no_scan_writes_nothing(world, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = named(world, assigned(world), "L013")
    client = client_for(world, "institution_admin")
    before = snapshot()
    fake = SimpleUploadedFile("协议.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(
        f"/cases/{case.number}/agreement/", {"signed_on": "2026-10-12", "agreement_file": fake}
    )
    assert response.status_code == 200
    assert "类型不符" in response.context["form"].errors["agreement_file"][0]
    assert snapshot() == before and not CaseDocument.objects.exists()


def test_a_signing_refused_after_the_scan_was_stored_leaves_no_file(
    world, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = signed(world)  # already signed: do_sign_agreement refuses (conflict)
    checked = uploads.check(uploads.bytes_file(b"%PDF-1.7\n", "协议.pdf"))
    before = snapshot()
    with pytest.raises(ActionError) as refused:
        record_agreement(case, world.user("institution_admin"), date(2026, 10, 12), checked)
    assert refused.value.kind == "conflict"
    assert snapshot() == before and not CaseDocument.objects.exists()
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]


def test_agreement_page_before_handlers_explains(world) -> None:
    case = assigned(world)
    response = client_for(world, "institution_admin").get(f"/cases/{case.number}/agreement/")
    assert "请先安排承办人" in response.content.decode()
    assert "form" not in response.context


# ------------------------------------------------------------------ changing the handler


def test_handler_change_requires_the_aided_persons_consent(world) -> None:
    case = signed(world)
    client = client_for(world, "institution_admin")
    before = snapshot()
    response = client.post(
        f"/cases/{case.number}/handler-change/",
        {"reason": "与对方当事人有利益冲突", "mode": "same_institution"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["consent"] == [
        "未征得受援人同意，不能申请更换承办人（第十二条）。"
    ]
    assert response.context["form"]["reason"].value() == "与对方当事人有利益冲突"
    assert snapshot() == before
    body = response.content.decode()
    assert "受援人已同意更换承办人" in body and "征得受援人同意后报区法律援助中心批准" in body

    response = client.post(
        f"/cases/{case.number}/handler-change/",
        {"reason": "与对方当事人有利益冲突", "mode": "same_institution", "consent": "on"},
    )
    assert response.status_code == 302
    change = HandlerChange.objects.get(case=case)
    assert change.status == HandlerChangeStatus.requested and change.consent
    assert "待中心负责人批准" in client.get(response["Location"]).content.decode()


def test_handler_change_before_the_agreement_points_to_renaming(world) -> None:
    case = named(world, assigned(world), "L013")
    response = client_for(world, "institution_admin").get(f"/cases/{case.number}/handler-change/")
    text = response.content.decode()
    assert "签订委托协议后才适用更换承办人" in text
    assert f"/cases/{case.number}/handlers/" in text


# ------------------------------------------------------------------ closing


def test_the_lawyer_closes_the_case_and_a_blank_outcome_is_refused(world) -> None:
    case = signed(world)
    client = client_for(world, "practitioner")
    before = snapshot()
    response = client.post(f"/cases/{case.number}/close/", {"outcome": "  "})
    assert response.context["form"].errors["outcome"]
    assert snapshot() == before
    response = client.post(f"/cases/{case.number}/close/", {"outcome": "调解结案"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.closed and case.outcome == "调解结案"


# ------------------------------------------------------------------ lists


def test_new_assignments_list_shows_notice_and_countdown(
    world, django_assert_max_num_queries
) -> None:
    late = assigned(world)
    fresh = assigned(world, at=None)  # now: five days left
    for _ in range(3):
        assigned(world)
    other = assigned(world, code="F07")
    client = client_for(world, "institution_admin")
    with django_assert_max_num_queries(12):
        response = client.get("/institution/assignments/")
    assert response.status_code == 200
    text = response.content.decode()
    assert late.number in text and fresh.number in text and other.number not in text
    assert f"/api/cases/{late.number}/notice.pdf" in text
    assert "2026-10-13 23:59" in text
    assert '<td class="alert">超期' in text  # the overdue one in red
    fresh_left = countdown(fresh.agreement_due_at)[0]
    days_left = fresh_left.split(" 天")[0]  # "剩 6": the hours may tick on meanwhile
    assert days_left.startswith("剩 ") and f"{days_left} 天" in text
    waiting = client.get("/institution/assignments/", {"waiting": "on"})
    assert late.number in waiting.content.decode()


def test_practitioners_list_is_the_institutions_own(world, django_assert_max_num_queries) -> None:
    client = client_for(world, "institution_admin")
    with django_assert_max_num_queries(10):
        response = client.get("/institution/practitioners/")
    text = response.content.decode()
    assert "L013" in text and "王娜磊" in text
    assert "L001" not in text  # F01's
    assert (
        response.context["page_obj"].paginator.count
        == Practitioner.objects.filter(institution__code="F04").count()
    )


def test_the_institutions_case_list_is_scoped(world, django_assert_max_num_queries) -> None:
    mine = assigned(world)
    other = assigned(world, code="F07")
    client = client_for(world, "institution_admin")
    with django_assert_max_num_queries(12):
        text = client.get("/cases/").content.decode()
    assert mine.number in text and other.number not in text


# ------------------------------------------------------------------ editing a practitioner


def _form(p: Practitioner, **changes: Any) -> dict[str, Any]:
    data = {
        "licence_number": p.licence_number,
        "licensed_on": p.licensed_on.isoformat(),
        "criminal_defense_cases": p.criminal_defense_cases,
        "specialties": "、".join(p.specialties),
        "phone": p.phone,
        "status": p.status,
    }
    if p.minors_qualified:
        data["minors_qualified"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_practitioner_edit_is_audited_with_old_and_new_values(world) -> None:
    p = Practitioner.objects.get(center=world.center, code="L012")
    client = client_for(world, "institution_admin")
    response = client.post(
        f"/institution/practitioners/{p.pk}/",
        _form(
            p,
            licence_number="15001200610012345",
            criminal_defense_cases=12,
            specialties="婚姻家庭，劳动争议、婚姻家庭",
            minors_qualified="on",
        ),
    )
    assert response.status_code == 302 and response["Location"] == "/institution/practitioners/"
    p.refresh_from_db()
    assert p.criminal_defense_cases == 12 and p.minors_qualified
    assert p.specialties == ["婚姻家庭", "劳动争议"]
    event = AuditEvent.objects.get(action="roster.practitioner_update")
    assert event.data["code"] == "L012"
    assert event.data["changes"] == {
        "licence_number": ["", "15001200610012345"],
        "criminal_defense_cases": [2, 12],
        "specialties": [[], ["婚姻家庭", "劳动争议"]],
        "minors_qualified": [False, True],
    }
    # The next naming judges by the new facts: L012 now qualifies for a serious criminal case.
    case = assigned(world, category="criminal", social_impact=True)
    assert "L012" in offered(client.get(f"/cases/{case.number}/handlers/"))


def test_practitioner_edit_unchanged_writes_nothing(world) -> None:
    p = Practitioner.objects.get(center=world.center, code="L013")
    before = AuditEvent.objects.count()
    response = client_for(world, "institution_admin").post(
        f"/institution/practitioners/{p.pk}/", _form(p)
    )
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before


def test_practitioner_edit_refuses_bad_values_and_writes_nothing(world) -> None:
    p = Practitioner.objects.get(center=world.center, code="L013")
    client = client_for(world, "institution_admin")
    before = AuditEvent.objects.count()
    tomorrow = (djtz.localtime(djtz.now(), CST).date() + timedelta(days=1)).isoformat()
    response = client.post(
        f"/institution/practitioners/{p.pk}/",
        _form(p, licensed_on=tomorrow, criminal_defense_cases=-1),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "不能是将来的日期" in errors["licensed_on"][0]
    assert errors["criminal_defense_cases"] == ["刑事辩护件数不能小于 0。"]
    response = client.post(
        f"/institution/practitioners/{p.pk}/",
        _form(p, specialties="、".join(f"专长{i}" for i in range(51))),
    )
    assert response.context["form"].errors["specialties"] == ["专业特长最多 50 项，填写了 51 项。"]
    response = client.post(f"/institution/practitioners/{p.pk}/", _form(p, specialties="甲" * 51))
    assert "过长" in response.context["form"].errors["specialties"][0]
    assert AuditEvent.objects.count() == before
    p2 = Practitioner.objects.get(pk=p.pk)
    assert (p2.licensed_on, p2.criminal_defense_cases) == (p.licensed_on, p.criminal_defense_cases)


def test_another_institutions_practitioner_is_not_found(world) -> None:
    p = Practitioner.objects.get(center=world.center, code="L001")  # F01's
    client = client_for(world, "institution_admin")
    assert client.get(f"/institution/practitioners/{p.pk}/").status_code == 404
    assert (
        client.post(f"/institution/practitioners/{p.pk}/", _form(p, phone="1")).status_code == 404
    )
    assert not AuditEvent.objects.filter(action="roster.practitioner_update").exists()


def test_the_action_itself_refuses_another_institution(world) -> None:
    from fayuan.roster.practitioner_actions import PractitionerUpdate, do_update_practitioner

    p = Practitioner.objects.get(center=world.center, code="L001")
    update = PractitionerUpdate("", p.licensed_on, 1, [], False, "", "active")
    with pytest.raises(ActionError) as refused:
        do_update_practitioner(p, world.user("institution_admin"), update)
    assert refused.value.kind == "forbidden"
    with pytest.raises(ActionError):
        do_update_practitioner(p, world.user("officer"), update)
    assert (
        Institution.objects.get(code="F01").practitioners.get(code="L001").criminal_defense_cases
        == 0
    )


def test_practitioner_edit_offers_no_suspension_and_keeps_the_centers(world) -> None:
    """第九条: 暂停指派 is the center's decision. The institution's form offers 执业/非执业 only;
    for a suspended practitioner it shows the suspension, unchangeable, and an edit keeps it."""
    from fayuan.roster.practitioner_actions import do_set_practitioner_status

    p = Practitioner.objects.get(center=world.center, code="L013")
    client = client_for(world, "institution_admin")
    page = client.get(f"/institution/practitioners/{p.pk}/")
    assert [v for v, _ in page.context["form"].fields["status"].choices] == ["active", "inactive"]
    do_set_practitioner_status(p, "suspended", "质量评分低于 60 分", world.user("director"))
    p.refresh_from_db()
    page = client.get(f"/institution/practitioners/{p.pk}/")
    field = page.context["form"].fields["status"]
    assert field.disabled and "由中心恢复" in page.content.decode()
    response = client.post(
        f"/institution/practitioners/{p.pk}/", _form(p, status="active", phone="023-11111111")
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "suspended" and p.phone == "023-11111111"
