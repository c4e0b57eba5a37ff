"""The deciders' pages (fayuan.web.director): what awaits a decision, the director's decision of
an ordinary case, a major case's collective discussion, written report (the 请示 as PDF and DOCX)
and the bureau's decision (第五条), recusals (第八条) and handler changes (第十二条); each through
the Django test client, as the user whose step it is."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from django.test import Client
from docx import Document as DocxDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from fayuan.accounts.models import Role
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case, CaseStatus
from fayuan.roster.models import Center
from fayuan.workflow import actions
from fayuan.workflow.models import (
    Approval,
    ApprovalStep,
    HandlerChange,
    HandlerChangeStatus,
    OfficerProposal,
    ProposalStatus,
    Recusal,
    RecusalStatus,
    Route,
)
from fayuan.workflow.recusal import do_apply_recusal

from .conftest import make_user
from .test_workflow_approval import granted_case
from .test_workflow_handlers import approve_same_institution_change, change, signed

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
HELD = date(2026, 10, 8)


def client_of(world, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def counts(case: Case) -> tuple[int, int, int, int]:
    """Rows a decision could write: approvals, recusals, handler changes, audit events (other
    than reading the case)."""
    return (
        Approval.objects.filter(proposal__case=case).count(),
        Recusal.objects.filter(case=case).count(),
        HandlerChange.objects.filter(case=case).count(),
        AuditEvent.objects.filter(case_id_ref=case.pk)
        .exclude(action__in=["case.view", "case.view_personal_data"])
        .count(),
    )


def follow_messages(client: Client, response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]).content.decode()


def proposed(world, **fields) -> OfficerProposal:
    return actions.do_propose(granted_case(world, **fields), world.user("officer"))


def discussed(world) -> OfficerProposal:
    proposal = proposed(world, aided_persons=60)
    actions.do_record_discussion(
        proposal, world.user("director"), HELD, ["主任甲", "副主任乙", "指派人员丙"], "同意指派意见"
    )
    return proposal


def reported(world) -> OfficerProposal:
    proposal = discussed(world)
    actions.do_report_to_bureau(
        proposal, world.user("director"), "北碚法援〔2026〕7号", "拟同意指派，特此请示。"
    )
    return proposal


def other_center_director(world):
    other = Center.objects.create(
        code="lianhua", name="莲花区法律援助中心", notice_prefix="莲花法援指", policy="beibei-2023"
    )
    return make_user(other, "director-lianhua", Role.director)


# --------------------------------------------------------------- the decisions list (第五条)


def test_decisions_list_director_sees_his_steps_most_urgent_first(world) -> None:
    late = proposed(world)  # granted 2026-09-30
    early_case = granted_case(world, at=datetime(2026, 9, 21, 10, 0, tzinfo=CST))
    early = actions.do_propose(early_case, world.user("officer"))
    major = proposed(world, aided_persons=60)
    to_report = discussed(world)
    sent = reported(world)
    approved = proposed(world)
    actions.do_director_decide(approved, world.user("director"), approve=True)

    html = client_of(world, "director").get("/decisions/").content.decode()
    for p in (late, early, major, to_report):
        assert p.case.number in html
    assert sent.case.number not in html and approved.case.number not in html
    assert html.index(early.case.number) < html.index(late.case.number)
    assert f'href="/cases/{late.case.number}/decide/"' in html
    assert f'href="/cases/{major.case.number}/discussion/"' in html
    assert f'href="/cases/{to_report.case.number}/bureau-report/"' in html
    assert "待集体讨论" in html and "待书面报请区司法局" in html
    # Granted on 30 September 2026: long overdue, shown in red.
    assert 'class="alert">超期' in html

    only_major = client_of(world, "director").get("/decisions/", {"step": "discuss"})
    body = only_major.content.decode()
    assert major.case.number in body and late.case.number not in body


def test_decisions_list_bureau_sees_reported_cases_and_exports_them(world) -> None:
    sent = reported(world)
    waiting = proposed(world, aided_persons=60)
    client = client_of(world, "bureau_leader")
    html = client.get("/decisions/").content.decode()
    assert sent.case.number in html and waiting.case.number not in html
    assert f'href="/cases/{sent.case.number}/bureau-decision/"' in html

    export = client.get("/decisions/", {"export": "xlsx"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["案件编号", "待办环节", "类别"]
    assert rows[1][0] == sent.case.number and rows[1][1] == "待区司法局决定"
    assert len(rows) == 2


@pytest.mark.parametrize("role", ["officer", "institution_admin", "judicial_organ", "supervisor"])
def test_decisions_list_is_refused_to_other_roles(world, role) -> None:
    assert client_of(world, role).get("/decisions/").status_code == 403


def test_decisions_list_queries_do_not_grow_with_rows(world, django_assert_max_num_queries) -> None:
    client = client_of(world, "director")
    for _ in range(3):
        proposed(world)
    client.get("/decisions/")  # warm: session, profile
    with django_assert_max_num_queries(12):
        few = client.get("/decisions/")
    for _ in range(6):
        proposed(world)
    with django_assert_max_num_queries(12):
        many = client.get("/decisions/")
    assert few.content.decode().count("/decide/") == 3
    assert many.content.decode().count("/decide/") == 9


# -------------------------------------------------------------- 第五条: an ordinary case


def test_decide_page_shows_opinion_beside_the_rules_and_approves(world) -> None:
    case = granted_case(world)
    engine = actions.do_run_engine(case, world.user("officer"))
    other = "F04" if engine.institution.code != "F04" else "F07"
    proposal = actions.do_propose(
        case,
        world.user("officer"),
        institution_code=other,
        opinion="受援人住所在天生街道，就近办理。",
        override_reason="受援人希望由离家近的律所承办",
    )
    client = client_of(world, "director")
    page = client.get(f"/cases/{case.number}/decide/")
    assert page.status_code == 200
    html = page.content.decode()
    assert proposal.institution.name in html and engine.institution.name in html
    assert "与系统建议不同" in html and "受援人希望由离家近的律所承办" in html
    assert "受援人住所在天生街道，就近办理。" in html
    assert "综合评分" in html and "建议指派" in html  # the candidates' table
    assert "得分最高者中选" in html  # the whole explanation
    assert f"/api/cases/{case.number}/proposals/{proposal.pk}/approval-form.pdf" in html
    assert f"/api/cases/{case.number}/proposals/{proposal.pk}/approval-form.docx" in html

    response = client.post(f"/cases/{case.number}/decide/", {"decision": "approve", "reason": ""})
    assert response["Location"] == f"/cases/{case.number}/"
    assert "已同意指派意见" in follow_messages(client, response)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.approved
    step = Approval.objects.get(proposal=proposal)
    assert step.step == ApprovalStep.director_decision and step.approved is True


def test_decide_page_return_needs_a_comment_and_writes_nothing_without_one(world) -> None:
    proposal = proposed(world)
    case = proposal.case
    client = client_of(world, "director")
    before = counts(case)
    response = client.post(f"/cases/{case.number}/decide/", {"decision": "return", "reason": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "不同意指派意见的，须写明理由。" in html
    assert 'id="id_reason_error"' in html  # beside the field
    assert re.search(r'value="return"[^>]*checked', html)  # the choice is kept
    assert counts(case) == before
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.pending

    missing = client.post(f"/cases/{case.number}/decide/", {"reason": "x"})
    assert "请选择同意或退回。" in missing.content.decode()
    assert counts(case) == before

    response = client.post(
        f"/cases/{case.number}/decide/", {"decision": "return", "reason": "机构距离受援人过远"}
    )
    assert "已退回指派意见" in follow_messages(client, response)
    proposal.refresh_from_db()
    case.refresh_from_db()
    assert proposal.status == ProposalStatus.rejected and case.status == CaseStatus.granted
    assert Approval.objects.get(proposal=proposal).reason == "机构距离受援人过远"

    # The returned proposal is shown when the next one is decided.
    again = actions.do_propose(case, world.user("officer"))
    html = client.get(f"/cases/{case.number}/decide/").content.decode()
    assert again.status == ProposalStatus.pending
    assert "此前退回的指派意见" in html and "机构距离受援人过远" in html


@pytest.mark.parametrize("role", ["officer", "bureau_section", "institution_admin", "supervisor"])
def test_decide_page_is_refused_to_roles_that_do_not_decide(world, role) -> None:
    case = proposed(world).case
    before = counts(case)
    client = client_of(world, role)
    assert client.get(f"/cases/{case.number}/decide/").status_code in (403, 404)
    assert client.post(f"/cases/{case.number}/decide/", {"decision": "approve"}).status_code in (
        403,
        404,
    )
    assert counts(case) == before


def test_decide_page_of_another_centers_case_is_404(world) -> None:
    case = proposed(world).case
    client = Client()
    client.force_login(other_center_director(world))
    assert client.get(f"/cases/{case.number}/decide/").status_code == 404
    assert client.post(f"/cases/{case.number}/decide/", {"decision": "approve"}).status_code == 404
    assert client.get("/decisions/").content.decode().count(case.number) == 0


def test_decide_page_of_a_major_case_goes_back_to_the_case(world) -> None:
    case = proposed(world, aided_persons=60).case
    client = client_of(world, "director")
    response = client.get(f"/cases/{case.number}/decide/")
    assert response["Location"] == f"/cases/{case.number}/"
    assert "本案没有报中心负责人决定的指派意见（第五条）。" in follow_messages(client, response)


def test_anonymous_user_is_sent_to_login(world) -> None:
    case = proposed(world).case
    response = Client().get(f"/cases/{case.number}/decide/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# -------------------------------------------------------------- 第五条: a major case


def test_discussion_page_records_date_participants_and_conclusion(world) -> None:
    proposal = proposed(world, aided_persons=60)
    case = proposal.case
    client = client_of(world, "officer")
    html = client.get(f"/cases/{case.number}/discussion/").content.decode()
    assert "受援人 60 人，达到 50 人以上" in html
    assert 'name="participants"' in html and 'type="date"' in html

    before = counts(case)
    one = client.post(
        f"/cases/{case.number}/discussion/",
        {"held_on": "2026-10-08", "participants": "主任甲\n \n", "conclusion": "同意"},
    )
    assert one.status_code == 200
    assert "集体讨论须记录参加人员（至少 2 人）。" in one.content.decode()
    assert "主任甲" in one.content.decode()  # what was typed is kept
    future = client.post(
        f"/cases/{case.number}/discussion/",
        {"held_on": "2999-01-01", "participants": "甲\n乙", "conclusion": "同意"},
    )
    assert "讨论日期不能晚于今天" in future.content.decode()
    assert counts(case) == before

    response = client.post(
        f"/cases/{case.number}/discussion/",
        {
            "held_on": "2026-10-08",
            "participants": "主任甲（中心负责人）\n副主任乙\n\n指派人员丙\n",
            "conclusion": "同意指派意见",
        },
    )
    assert "已记录 2026年10月8日 的集体讨论（3 人参加）" in follow_messages(client, response)
    step = Approval.objects.get(proposal=proposal, step=ApprovalStep.collective_discussion)
    assert step.participants == ["主任甲（中心负责人）", "副主任乙", "指派人员丙"]
    assert step.held_on == HELD and step.conclusion == "同意指派意见"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.discussed


def test_discussion_page_is_refused_to_the_bureau_and_other_centers(world) -> None:
    case = proposed(world, aided_persons=60).case
    assert (
        client_of(world, "bureau_section").get(f"/cases/{case.number}/discussion/").status_code
        == 403
    )
    client = Client()
    client.force_login(other_center_director(world))
    assert client.get(f"/cases/{case.number}/discussion/").status_code == 404


def test_bureau_report_page_is_prefilled_and_records_the_report(world) -> None:
    proposal = discussed(world)
    case = proposal.case
    client = client_of(world, "director")
    page = client.get(f"/cases/{case.number}/bureau-report/")
    html = page.content.decode()
    prefill = page.context["form"].initial["report"]
    assert "主任甲、副主任乙、指派人员丙" in prefill and "同意指派意见" in prefill
    assert proposal.institution.name in prefill and "第五条" in prefill
    assert "受援人60人" in prefill
    assert f"/cases/{case.number}/bureau-report.pdf" in html
    assert f"/api/cases/{case.number}/proposals/{proposal.pk}/approval-form.pdf" in html

    before = counts(case)
    missing = client.post(
        f"/cases/{case.number}/bureau-report/", {"document_number": "", "report": prefill}
    )
    assert "请填写请示的文号。" in missing.content.decode()
    assert counts(case) == before

    response = client.post(
        f"/cases/{case.number}/bureau-report/",
        {"document_number": "北碚法援〔2026〕7号", "report": prefill},
    )
    assert "已书面报请区司法局决定（北碚法援〔2026〕7号）" in follow_messages(client, response)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.reported
    step = Approval.objects.get(proposal=proposal, step=ApprovalStep.bureau_report)
    assert step.document_number == "北碚法援〔2026〕7号" and step.reason == prefill.strip()

    sent = client.get(f"/cases/{case.number}/bureau-report/").content.decode()
    assert "北碚法援〔2026〕7号" in sent and 'name="report"' not in sent


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_bureau_report_document_says_what_was_reported(world) -> None:
    proposal = reported(world)
    case = proposal.case
    client = client_of(world, "bureau_section")
    response = client.get(f"/cases/{case.number}/bureau-report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = _pdf_text(response.content).replace(" ", "").replace("\n", "")
    for expected in (
        "关于重大疑难法律援助案件指派的请示",
        "北碚法援〔2026〕7号",
        "重庆市北碚区司法局：",
        "拟同意指派，特此请示。",
        "妥否，请批示。",
        "重庆市北碚区法律援助中心",
        "案件基本情况及集体讨论记录",
        case.number,
        "主任甲、副主任乙、指派人员丙",
        "同意指派意见",
        proposal.institution.name,
    ):
        assert expected in text, expected
    assert "草稿" not in text
    assert AuditEvent.objects.filter(case_id_ref=case.pk, action="case.view_personal_data").exists()

    docx = client.get(f"/cases/{case.number}/bureau-report.docx")
    assert docx.status_code == 200
    words = "\n".join(p.text for p in DocxDocument(io.BytesIO(docx.content)).paragraphs)
    assert "关于重大疑难法律援助案件指派的请示" in words and "北碚法援〔2026〕7号" in words


def test_bureau_report_draft_before_sending_and_none_before_discussion(world) -> None:
    proposal = discussed(world)
    client = client_of(world, "director")
    draft = client.get(f"/cases/{proposal.case.number}/bureau-report.pdf")
    text = _pdf_text(draft.content).replace(" ", "").replace("\n", "")
    assert "草稿" in text and "主任甲、副主任乙、指派人员丙" in text

    undiscussed = proposed(world, aided_persons=60)
    assert client.get(f"/cases/{undiscussed.case.number}/bureau-report.pdf").status_code == 404
    ordinary = proposed(world)
    assert client.get(f"/cases/{ordinary.case.number}/bureau-report.pdf").status_code == 404
    assert client_of(world, "practitioner").get(
        f"/cases/{proposal.case.number}/bureau-report.pdf"
    ).status_code in (403, 404)
    assert (
        client_of(world, "supervisor")
        .get(f"/cases/{proposal.case.number}/bureau-report.pdf")
        .status_code
        == 403
    )


def test_bureau_decision_page_needs_an_opinion_then_decides(world) -> None:
    proposal = reported(world)
    case = proposal.case
    client = client_of(world, "bureau_section")
    html = client.get(f"/cases/{case.number}/bureau-decision/").content.decode()
    assert "北碚法援〔2026〕7号" in html and "拟同意指派，特此请示。" in html
    assert "主任甲、副主任乙、指派人员丙" in html
    assert f"/cases/{case.number}/bureau-report.pdf" in html

    before = counts(case)
    response = client.post(
        f"/cases/{case.number}/bureau-decision/", {"decision": "approve", "reason": ""}
    )
    assert "区司法局的决定须写明意见。" in response.content.decode()
    assert counts(case) == before

    response = client.post(
        f"/cases/{case.number}/bureau-decision/",
        {"decision": "approve", "reason": "同意中心意见"},
    )
    assert "区司法局已同意指派意见" in follow_messages(client, response)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.approved
    assert Approval.objects.get(proposal=proposal, step=ApprovalStep.bureau_decision).approved


def test_bureau_decision_page_leader_rejects_and_director_may_not(world) -> None:
    proposal = reported(world)
    case = proposal.case
    assert (
        client_of(world, "director").get(f"/cases/{case.number}/bureau-decision/").status_code
        == 403
    )
    client = client_of(world, "bureau_leader")
    response = client.post(
        f"/cases/{case.number}/bureau-decision/", {"decision": "reject", "reason": "请另选机构"}
    )
    assert "不同意该指派意见" in follow_messages(client, response)
    proposal.refresh_from_db()
    case.refresh_from_db()
    assert proposal.status == ProposalStatus.rejected and case.status == CaseStatus.granted


# --------------------------------------------------------------------- 第八条: recusals


def test_recusal_apply_list_and_grant(world) -> None:
    case = proposed(world).case
    officer = client_of(world, "officer2")
    page = officer.get(f"/cases/{case.number}/recusal/")
    assert page.status_code == 200 and 'name="grounds"' in page.content.decode()
    before = counts(case)
    empty = officer.post(f"/cases/{case.number}/recusal/", {"grounds": " "})
    assert "请填写回避事由。" in empty.content.decode()
    assert counts(case) == before

    response = officer.post(f"/cases/{case.number}/recusal/", {"grounds": "申请人是我的表哥"})
    assert "由区法律援助中心（中心负责人）决定" in follow_messages(officer, response)
    recusal = Recusal.objects.get(case=case, staff=world.user("officer2"))
    assert recusal.status == RecusalStatus.pending and recusal.grounds == ["申请人是我的表哥"]

    director = client_of(world, "director")
    listed = director.get("/recusals/").content.decode()
    assert case.number in listed and f'href="/recusals/{recusal.pk}/"' in listed
    # The bureau's section decides the director's recusals, not the officers'.
    assert case.number not in client_of(world, "bureau_section").get("/recusals/").content.decode()

    html = director.get(f"/recusals/{recusal.pk}/").content.decode()
    assert "申请人是我的表哥" in html and "否（本人申请）" in html

    before = counts(case)
    no_reason = director.post(f"/recusals/{recusal.pk}/", {"decision": "grant", "reason": ""})
    assert "请填写理由。" in no_reason.content.decode()
    assert counts(case) == before

    response = director.post(
        f"/recusals/{recusal.pk}/", {"decision": "grant", "reason": "近亲属，应当回避"}
    )
    assert response["Location"] == f"/cases/{case.number}/"
    assert "已准予officer2回避本案" in follow_messages(director, response)
    recusal.refresh_from_db()
    assert recusal.status == RecusalStatus.granted and recusal.decision_reason == "近亲属，应当回避"


def test_recusal_of_the_director_is_decided_by_the_section_only(world) -> None:
    case = proposed(world).case
    recusal = do_apply_recusal(case, world.user("director"), "受援人系本人邻居，有利害关系")
    director = client_of(world, "director")
    assert director.get(f"/recusals/{recusal.pk}/").status_code == 403
    assert case.number not in director.get("/recusals/").content.decode()
    assert client_of(world, "bureau_leader").get(f"/recusals/{recusal.pk}/").status_code == 403
    assert client_of(world, "officer").get("/recusals/").status_code == 403

    section = client_of(world, "bureau_section")
    assert case.number in section.get("/recusals/").content.decode()
    response = section.post(
        f"/recusals/{recusal.pk}/", {"decision": "deny", "reason": "不属于利害关系"}
    )
    assert "不予回避" in follow_messages(section, response)
    recusal.refresh_from_db()
    assert recusal.status == RecusalStatus.denied


def test_recusal_flagged_by_the_system_is_shown_as_flagged(world) -> None:
    case = proposed(world).case
    recusal = Recusal.objects.create(
        case=case,
        staff=world.user("officer2"),
        grounds=["申报的近亲属与当事人同名同身份证号"],
        flagged_by_system=True,
        decider_body="aid_center",
    )
    html = client_of(world, "director").get(f"/recusals/{recusal.pk}/").content.decode()
    assert "申报的近亲属与当事人同名同身份证号" in html and 'class="badge red">是' in html
    listed = client_of(world, "director").get("/recusals/", {"flagged": "on"}).content.decode()
    assert case.number in listed


def test_recusal_pages_of_another_center_are_404(world) -> None:
    case = proposed(world).case
    recusal = do_apply_recusal(case, world.user("officer2"), "亲属")
    client = Client()
    client.force_login(other_center_director(world))
    assert client.get(f"/recusals/{recusal.pk}/").status_code == 404
    assert client.get(f"/cases/{case.number}/recusal/").status_code == 404
    assert case.number not in client.get("/recusals/").content.decode()


def test_recusal_queries_do_not_grow_with_rows(world, django_assert_max_num_queries) -> None:
    client = client_of(world, "director")
    for _ in range(2):
        do_apply_recusal(proposed(world).case, world.user("officer2"), "亲属")
    client.get("/recusals/")
    with django_assert_max_num_queries(10):
        client.get("/recusals/")
    for _ in range(5):
        do_apply_recusal(proposed(world).case, world.user("officer2"), "亲属")
    with django_assert_max_num_queries(10):
        html = client.get("/recusals/").content.decode()
    assert len(re.findall(r'href="/recusals/\d+/"', html)) == 7


# --------------------------------------------------------------- 第十二条: handler changes


def test_handler_change_within_the_cap_director_approves(world) -> None:
    case = signed(world)
    request = change(world, case)
    director = client_of(world, "director")
    listed = director.get("/handler-changes/").content.decode()
    assert case.number in listed and f'href="/handler-changes/{request.pk}/"' in listed

    html = director.get(f"/handler-changes/{request.pk}/").content.decode()
    assert "第 1 次（原则上不超过 2 次）" in html and "利益冲突" in html
    assert "超过次数" not in html.split("<dl")[1].split("</dl>")[0]
    assert "L013" in html or "李律师事务所3" in html  # the current institution / handler
    assert request.explanation.splitlines()[0] in html
    assert f"/api/cases/{case.number}/handler-changes/{request.pk}/form.pdf" in html

    before = counts(case)
    refused = director.post(f"/handler-changes/{request.pk}/", {"decision": "refuse", "reason": ""})
    assert "须写明书面理由。" in refused.content.decode()
    assert counts(case) == before

    response = director.post(f"/handler-changes/{request.pk}/", {"decision": "approve"})
    assert "已批准第 1 次更换承办人" in follow_messages(director, response)
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.status == HandlerChangeStatus.approved and case.handler_changes == 1


def test_handler_change_over_the_cap_goes_to_the_bureau(world) -> None:
    case = signed(world)
    approve_same_institution_change(world, case, "L014")
    approve_same_institution_change(world, case, "L017")
    third = change(world, case)
    assert third.route == Route.bureau

    director = client_of(world, "director")
    assert case.number not in director.get("/handler-changes/").content.decode()
    assert director.get(f"/handler-changes/{third.pk}/").status_code == 403

    section = client_of(world, "bureau_section")
    assert case.number in section.get("/handler-changes/").content.decode()
    html = section.get(f"/handler-changes/{third.pk}/").content.decode()
    assert "第 3 次（原则上不超过 2 次）" in html and "超过次数，须经区司法局书面批准" in html

    before = counts(case)
    no_reason = section.post(f"/handler-changes/{third.pk}/", {"decision": "approve"})
    assert "须写明书面理由。" in no_reason.content.decode()
    assert counts(case) == before
    response = section.post(
        f"/handler-changes/{third.pk}/", {"decision": "approve", "reason": "承办人因病无法继续"}
    )
    assert "已批准第 3 次更换承办人" in follow_messages(section, response)
    third.refresh_from_db()
    assert third.bureau_approved and third.bureau_reason == "承办人因病无法继续"


def test_handler_change_pages_refuse_other_roles_and_centers(
    world, django_assert_max_num_queries
) -> None:
    case = signed(world)
    request = change(world, case)
    for role in ("officer", "institution_admin", "supervisor"):
        assert client_of(world, role).get("/handler-changes/").status_code == 403
    assert client_of(world, "officer").get(f"/handler-changes/{request.pk}/").status_code == 403
    client = Client()
    client.force_login(other_center_director(world))
    assert client.get(f"/handler-changes/{request.pk}/").status_code == 404
    assert case.number not in client.get("/handler-changes/").content.decode()

    director = client_of(world, "director")
    director.get("/handler-changes/")
    with django_assert_max_num_queries(10):
        director.get("/handler-changes/")
