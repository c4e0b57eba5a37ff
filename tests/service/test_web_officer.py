"""The assignment officer's pages, through the Django test client: intake (第六、七条), the review
(法律援助法第四十三条) with the refusal letter, the 指派意见 with the rules' reasoning (第五条) and
the issue of the 《指派通知书》 (第六条)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pypdf
import pytest
from django.test import Client

from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_application
from fayuan.cases.models import Case, CaseStatus, Party
from fayuan.workflow import actions
from fayuan.workflow.models import EngineProposal, OfficerProposal

CST = timezone(timedelta(hours=8))
ID = "500109196706097552"


def client_for(world, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def party_rows(*rows: dict[str, str]) -> dict[str, str]:
    data = {
        "parties-TOTAL_FORMS": str(len(rows)),
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "200",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"parties-{i}-{key}"] = value
    return data


def application_post(**extra: str) -> dict[str, str]:
    data = {
        "category": "civil",
        "locality": "天生街道",
        "channel": "counter",
        "aided_persons": "1",
        "specialty": "劳动争议",
        "summary": "追索劳动报酬。",
        "wishes": "",
        **party_rows(
            {"role": "aided", "is_applicant": "on", "name": "王小明", "id_number": ID},
            {"role": "opposing", "name": "某某建筑公司"},
            {"role": "aided", "name": ""},
        ),
    }
    data.update(extra)
    return data


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), Party.objects.count(), AuditEvent.objects.count()


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def application(world, name: str = "李四") -> Case:
    data = CaseInput(
        category="civil",
        locality="天生街道",
        channel="counter",
        specialty="劳动争议",
        parties=[PartyInput("aided", name, ID, is_applicant=True)],
    )
    return do_intake_application(world.center, world.user("officer"), data)


# --- intake ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_intake_application_form_creates_the_case_and_goes_to_it(world) -> None:
    client = client_for(world, "officer")
    page = client.get("/intake/application/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "受理法律援助申请" in html and "申请方式" in html and "当事人 3" in html
    assert "<script>" not in html and "style=" not in html
    response = client.post("/intake/application/", application_post())
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/"
    assert case.status == CaseStatus.intake and case.channel == "counter"
    assert case.specialty == "劳动争议" and case.review_due_at is not None
    parties = list(case.parties.order_by("id").values_list("role", "name", "is_applicant"))
    assert parties == [("aided", "王小明", True), ("opposing", "某某建筑公司", False)]
    follow = client.get(response["Location"])
    assert "已受理申请" in follow.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"parties-0-role": "opposing"}, None, "至少填写一名受援人"),
        ({"parties-0-id_number": "500109196706097553"}, "parties-0-id_number", "身份证号码无效"),
        ({"channel": "workstation"}, "workstation", "请选择是哪一个工作站"),
        ({"channel": "liaison"}, "helped_by_institution", "请选择提供法律帮助的"),
        ({"locality": "不存在街道"}, "locality", "选择一个有效的选项"),
        ({"chosen_institution": "F01", "chosen_practitioner": "L013"}, None, "不属于所选承办机构"),
    ],
)
def test_an_invalid_application_writes_nothing_and_keeps_what_was_typed(
    world, change: dict[str, str], field: str | None, message: str
) -> None:
    client = client_for(world, "officer")
    before = counts()
    response = client.post("/intake/application/", application_post(**change))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "王小明" in html and "追索劳动报酬。" in html  # nothing typed is lost
    if field:
        assert f'id="id_{field}_error"' in html  # beside the field
    assert counts() == before


@pytest.mark.django_db
def test_one_more_party_row_keeps_everything_typed(world) -> None:
    client = client_for(world, "officer")
    response = client.post("/intake/application/", {**application_post(), "add_party": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and "当事人 4" in html
    assert "王小明" in html and "某某建筑公司" in html and "追索劳动报酬。" in html
    assert "请更正" not in html
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_intake_notification_form(world) -> None:
    client = client_for(world, "officer")
    assert client.get("/intake/notification/").status_code == 200
    data = {
        "organ": str(world.organ.pk),
        "letter_number": "（2026）渝0109刑初77号",
        "letter_received_at": "2026-09-30T10:00",
        "category": "criminal",
        "locality": "天生街道",
        "aided_persons": "1",
        "minor": "on",
        **party_rows({"role": "aided", "name": "刘勇勇", "id_number": ID}),
    }
    response = client.post("/intake/notification/", data)
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.number}/"
    assert case.source == "notification" and case.status == CaseStatus.granted and case.minor
    assert case.due_at == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST)
    assert case.review_due_at is None
    # The same letter again: the same case, nothing new.
    before = counts()
    again = client.post("/intake/notification/", data)
    assert again["Location"] == f"/cases/{case.number}/" and counts() == before
    # The same number with other content: refused, beside the field that differs.
    other = client.post("/intake/notification/", {**data, "aided_persons": "2"})
    assert other.status_code == 200 and "内容与已登记的不同" in other.content.decode()
    assert counts() == before


@pytest.mark.django_db
def test_intake_notification_with_the_letter_scan(world, settings, tmp_path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fayuan.cases.models import CaseDocument

    settings.MEDIA_ROOT = tmp_path
    client = client_for(world, "officer")
    data = {
        "organ": str(world.organ.pk),
        "letter_number": "（2026）渝0109刑初78号",
        "letter_received_at": "2026-09-30T10:00",
        "category": "criminal",
        "locality": "天生街道",
        "aided_persons": "1",
        **party_rows({"role": "aided", "name": "刘勇勇", "id_number": ID}),
    }
    before = counts()
    bad = SimpleUploadedFile("公函.pdf", b"MZ this is no PDF", content_type="application/pdf")
    refused = client.post("/intake/notification/", {**data, "letter_file": bad})
    html = refused.content.decode()
    assert refused.status_code == 200 and "类型不符" in html
    assert 'id="id_letter_file_error"' in html
    assert counts() == before and CaseDocument.objects.count() == 0
    scan = SimpleUploadedFile("公函.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    response = client.post("/intake/notification/", {**data, "letter_file": scan})
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.number}/"
    doc = CaseDocument.objects.get(case=case)
    assert doc.kind == "organ_letter" and doc.original_name == "公函.pdf"


@pytest.mark.django_db
def test_intake_is_the_officers(world) -> None:
    assert client_for(world, "director").get("/intake/application/").status_code == 403
    assert client_for(world, "institution_admin").get("/intake/notification/").status_code == 403
    assert Client().get("/intake/application/").status_code == 302  # to the login page


# --- the review -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_review_grant(world) -> None:
    case = application(world)
    client = client_for(world, "officer")
    page = client.get(f"/cases/{case.number}/review/")
    html = page.content.decode()
    assert page.status_code == 200 and "审查期限" in html and "决定给予法律援助" in html
    response = client.post(f"/cases/{case.number}/review/", {"op": "grant"})
    assert response["Location"] == f"/cases/{case.number}/"
    case.refresh_from_db()
    assert case.status == CaseStatus.granted and case.due_at is not None


@pytest.mark.django_db
def test_review_refuse_and_the_letter(world) -> None:
    case = application(world, "赵钱孙")
    client = client_for(world, "officer")
    before = counts()
    empty = client.post(f"/cases/{case.number}/review/", {"op": "refuse", "refuse-reason": " "})
    assert empty.status_code == 200 and "必填项" in empty.content.decode()
    assert counts() == before
    reason = "申请人家庭经济状况不符合本市经济困难标准。"
    response = client.post(
        f"/cases/{case.number}/review/", {"op": "refuse", "refuse-reason": reason}
    )
    assert response["Location"] == f"/cases/{case.number}/"
    case.refresh_from_db()
    year = case.refused_at.astimezone(CST).year if case.refused_at else 0
    assert case.status == CaseStatus.refused
    assert case.refusal_number == f"北碚法援不援〔{year}〕1号"
    assert AuditEvent.objects.filter(action="case.refuse_aid", case_id_ref=case.pk).count() == 1

    pdf = client.get(f"/cases/{case.number}/refusal.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "赵钱孙：" in text and reason in text and case.refusal_number in text
    assert "第四十三条" in text and "第四十九条" in text and "重庆市北碚区司法局" in text
    docx = client.get(f"/cases/{case.number}/refusal.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    views = AuditEvent.objects.filter(action="case.view_personal_data", case_id_ref=case.pk)
    assert [v.data["what"] for v in views.order_by("seq")] == [
        f"不予法律援助决定书 {case.refusal_number}（PDF）",
        f"不予法律援助决定书 {case.refusal_number}（DOCX）",
    ]
    # The case page links there; the review is over.
    assert (
        f"/cases/{case.number}/refusal.pdf" in client.get(f"/cases/{case.number}/").content.decode()
    )
    closed = client.post(f"/cases/{case.number}/review/", {"op": "grant"})
    assert "不能再决定给予法律援助" in closed.content.decode()


@pytest.mark.django_db
def test_refusal_letter_only_for_a_refused_case_and_those_who_may_read_it(world) -> None:
    case = application(world)
    assert client_for(world, "officer").get(f"/cases/{case.number}/refusal.pdf").status_code == 404
    assert (
        client_for(world, "judicial_organ").get(f"/cases/{case.number}/refusal.pdf").status_code
        == 404
    )


@pytest.mark.django_db
def test_review_material_requested_and_received(world) -> None:
    case = application(world)
    due = case.review_due_at
    assert due is not None
    client = client_for(world, "officer")
    url = f"/cases/{case.number}/review/"
    before = counts()
    blank = client.post(url, {"op": "material", "material-what": ""})
    assert blank.status_code == 200 and counts() == before
    asked = client.post(url, {"op": "material", "material-what": "经济困难证明"})
    assert asked["Location"] == f"/cases/{case.number}/"
    case.refresh_from_db()
    assert case.status == CaseStatus.awaiting_material
    page = client.get(url).content.decode()
    assert "经济困难证明" in page and "登记已收到补充材料" in page
    # While waiting, grant is refused beside nothing typed, and nothing is written.
    before = counts()
    refused = client.post(url, {"op": "grant"})
    assert refused.status_code == 200 and "不能再决定给予法律援助" in refused.content.decode()
    assert counts() == before
    back = client.post(url, {"op": "received"})
    assert back["Location"] == url
    case.refresh_from_db()
    assert case.status == CaseStatus.intake and case.review_paused is not None
    assert case.review_due_at == due + case.review_paused


@pytest.mark.django_db
def test_review_is_for_an_application_only(world) -> None:
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "刘勇勇", ID)],
        organ_id=world.organ.pk,
        letter_number="X-1",
        letter_received_at=datetime(2026, 9, 30, 10, 0, tzinfo=CST),
    )
    from fayuan.cases.actions import do_intake_notification

    case, _ = do_intake_notification(world.center, world.user("officer"), data)
    assert client_for(world, "officer").get(f"/cases/{case.number}/review/").status_code == 404
    app = application(world)
    assert client_for(world, "supervisor").get(f"/cases/{app.number}/review/").status_code == 403


# --- the proposal and the issue -------------------------------------------------------------


def granted(world) -> Case:
    case = application(world)
    from fayuan.cases.actions import do_grant_aid

    return do_grant_aid(case, world.user("officer"))


@pytest.mark.django_db
def test_propose_shows_the_reasoning_and_every_candidate(
    world, django_assert_max_num_queries: Any
) -> None:
    case = granted(world)
    client = client_for(world, "officer")
    url = f"/cases/{case.number}/propose/"
    first = client.get(url).content.decode()
    assert "按规则计算建议的承办机构" in first
    assert client.post(url, {"op": "run"})["Location"] == url
    proposal = EngineProposal.objects.get(case=case)
    with django_assert_max_num_queries(40):
        page = client.get(url)
    html = page.content.decode()
    assert "为何指派给该机构" in html
    assert proposal.explanation.splitlines()[0] in html
    assert proposal.institution is not None and proposal.institution.name in html
    assert "建议指派" in html and "报法律援助中心负责人决定" in html
    from fayuan.roster.models import Institution

    for inst in Institution.objects.filter(center=world.center):
        assert f"{inst.name}（{inst.code}）" in html  # every candidate has its row


@pytest.mark.django_db
def test_candidate_table_queries_do_not_grow_with_the_roster(
    world, django_assert_max_num_queries: Any
) -> None:
    from fayuan.roster.models import Institution, Locality

    case = granted(world)
    client = client_for(world, "officer")
    url = f"/cases/{case.number}/propose/"
    client.post(url, {"op": "run"})
    locality = Locality.objects.get(center=world.center, name="天生街道")
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    for i in range(30):
        Institution.objects.create(
            center=world.center,
            code=f"X{i:02d}",
            name=f"新增律师事务所{i}",
            kind="law_firm",
            locality=locality,
            sequence=100 + i,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


@pytest.mark.django_db
def test_propose_accept_then_director_then_issue(world) -> None:
    case = granted(world)
    client = client_for(world, "officer")
    url = f"/cases/{case.number}/propose/"
    client.post(url, {"op": "run"})
    response = client.post(url, {"op": "propose", "choice": "accept", "opinion": "同意"})
    assert response["Location"] == f"/cases/{case.number}/"
    proposal = OfficerProposal.objects.get(case=case)
    assert not proposal.differs_from_engine and proposal.opinion == "同意"

    issue_url = f"/cases/{case.number}/issue/"
    waiting = client.get(issue_url).content.decode()
    assert "批准后才能发出指派通知书" in waiting
    before = counts()
    client.post(issue_url)  # not approved yet: nothing happens
    assert counts() == before

    actions.do_director_decide(proposal, world.user("director"), approve=True)
    confirm = client.get(issue_url).content.decode()
    assert "确认发出指派通知书" in confirm
    done = client.post(issue_url)
    assert done["Location"] == issue_url
    shown = client.get(issue_url).content.decode()
    assert f"/api/cases/{case.number}/notice.pdf" in shown
    assert f"/api/cases/{case.number}/notice.docx" in shown
    case.refresh_from_db()
    assert case.status == CaseStatus.assigned
    notice = client.get(f"/api/cases/{case.number}/notice.pdf")
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_another_institution_needs_a_reason_and_must_be_eligible(world) -> None:
    case = granted(world)
    client = client_for(world, "officer")
    url = f"/cases/{case.number}/propose/"
    client.post(url, {"op": "run"})
    engine = EngineProposal.objects.get(case=case)
    assert engine.institution is not None
    page = client.get(url).content.decode()
    options = re.findall(r'<option value="(\w+)"', page)
    other = next(code for code in options if code and code != engine.institution.code)
    before = (counts(), OfficerProposal.objects.count())
    no_reason = client.post(url, {"op": "propose", "choice": "other", "institution": other})
    assert no_reason.status_code == 200
    assert "须写明理由" in no_reason.content.decode()
    no_institution = client.post(
        url, {"op": "propose", "choice": "other", "override_reason": "受援人要求"}
    )
    assert "请选择要指派的承办机构" in no_institution.content.decode()
    assert (counts(), OfficerProposal.objects.count()) == before
    ok = client.post(
        url,
        {"op": "propose", "choice": "other", "institution": other, "override_reason": "就近便民"},
    )
    assert ok["Location"] == f"/cases/{case.number}/"
    proposal = OfficerProposal.objects.get(case=case)
    assert proposal.differs_from_engine and proposal.override_reason == "就近便民"
    assert proposal.institution.code == other


@pytest.mark.django_db
def test_propose_only_when_open_and_only_for_the_officer(world) -> None:
    case = application(world)
    page = client_for(world, "officer").get(f"/cases/{case.number}/propose/")
    assert "不能提出指派意见" in page.content.decode()
    assert client_for(world, "director").get(f"/cases/{case.number}/propose/").status_code == 403
