"""投诉 (法律援助法第五十五条：…受援人可以向司法行政部门投诉，并可以请求法律援助机构更换法律援助
人员；第五十六条：…接到投诉后…调查处理，并及时向投诉人告知处理结果): the public page (CSRF, the
rate limit, the human check: refused, nothing written), the counter, the bureau's answer within
`complaint.answer_days`, and a complaint leading to a handler change (第十二条)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from fayuan.abuse import challenge as ch
from fayuan.audit.models import AuditEvent
from fayuan.errors import ActionError
from fayuan.supervision import actions
from fayuan.supervision.models import Complaint, ComplaintChannel, ComplaintStatus
from fayuan.workflow.models import HandlerChangeStatus

from .test_workflow_handlers import signed

pytestmark = pytest.mark.django_db

FIELDS = {"name": "张三", "phone": "13800000000", "case_number": "", "what": "律师一直不回电话"}


def written() -> tuple[int, int]:
    return Complaint.objects.count(), AuditEvent.objects.count()


def csrf_token(client: Client) -> str:
    page = client.get("/complaint/").content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_art55_public_complaint_without_csrf_writes_nothing(world) -> None:
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.30")
    strict.get("/complaint/")
    before = written()
    challenge = ch.issue()
    data = {**FIELDS, "hc_token": challenge.token, "hc_nonce": ch.solve(challenge)}
    assert strict.post("/complaint/", data).status_code == 403
    assert written() == before


def test_art55_public_complaint_without_the_human_check_writes_nothing(world) -> None:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.31")
    token = csrf_token(client)
    before = written()
    refused = client.post("/complaint/", {**FIELDS, "csrfmiddlewaretoken": token})
    assert refused.status_code == 200 and "请按下面红字的提示改一下" in refused.content.decode()
    challenge = ch.issue()
    wrong = client.post(
        "/complaint/",
        {**FIELDS, "csrfmiddlewaretoken": token, "hc_token": challenge.token, "hc_nonce": "1"},
    )
    assert wrong.status_code == 200
    assert written() == before


def test_art55_public_complaint_is_recorded_and_routed_to_the_bureau(world) -> None:
    case = signed(world)
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.32")
    token = csrf_token(client)
    challenge = ch.issue()
    data = {
        **FIELDS,
        "case_number": case.number,
        "csrfmiddlewaretoken": token,
        "hc_token": challenge.token,
        "hc_nonce": ch.solve(challenge),
    }
    response = client.post("/complaint/", data)
    assert response.status_code == 200 and "投诉已收到" in response.content.decode()
    row = Complaint.objects.get()
    assert row.channel == ComplaintChannel.public and row.case == case
    assert row.recorded_by is None and row.status == ComplaintStatus.open
    # 第五十六条 and the policy: 45 days for Beibei.
    assert row.due_at - row.received_at == timedelta(days=45)
    event = AuditEvent.objects.get(action="complaint.receive")
    assert event.actor_label == "公众（未登录）" and event.case_id_ref == case.pk
    # The bureau section sees it in its list.
    bureau = Client()
    bureau.force_login(world.user("bureau_section"))
    assert f"/quality/complaints/{row.pk}/" in bureau.get("/quality/complaints/").content.decode()


def test_art55_public_complaints_are_rate_limited_per_address(world, settings) -> None:
    client = Client(REMOTE_ADDR="198.51.100.33")
    for _ in range(10):
        client.post("/complaint/", FIELDS)
    assert client.post("/complaint/", FIELDS).status_code == 429
    assert Complaint.objects.count() == 0


def test_art55_counter_complaint_by_an_officer_only(world) -> None:
    row = actions.do_counter_complaint(
        world.center, world.user("officer"), "李四", "13900000000", "", "态度不好"
    )
    assert row.channel == ComplaintChannel.counter and row.recorded_by == world.user("officer")
    with pytest.raises(ActionError) as refused:
        actions.do_counter_complaint(
            world.center, world.user("practitioner"), "李四", "139", "", "…"
        )
    assert refused.value.kind == "forbidden"


def test_art55_art12_a_complaint_leads_to_a_handler_change(world) -> None:
    case = signed(world)
    row = actions.do_public_complaint(world.center, "受援人", "138", case.number, "不回电话")
    section = world.user("bureau_section")
    with pytest.raises(ActionError) as no_consent:
        actions.do_answer_complaint(row, section, "经查属实", change_handler=True, consent=False)
    assert no_consent.value.field == "consent"
    with pytest.raises(ActionError) as officer:
        actions.do_answer_complaint(row, world.user("officer"), "…")
    assert officer.value.kind == "forbidden"
    answered = actions.do_answer_complaint(
        row, section, "经查属实，已要求更换承办人", change_handler=True, consent=True
    )
    assert answered.status == ComplaintStatus.answered and answered.consent
    change = answered.handler_change
    assert change is not None and change.case == case and change.consent
    assert change.status == HandlerChangeStatus.requested
    assert "受援人投诉" in change.reason
    assert AuditEvent.objects.filter(action="handler_change.request", case_id_ref=case.pk).exists()
    event = AuditEvent.objects.get(action="complaint.answer")
    assert event.data["handler_change"] == change.pk and event.data["late"] is False
    with pytest.raises(ActionError) as again:
        actions.do_answer_complaint(row, section, "再答复")
    assert again.value.kind == "conflict"


def test_art56_an_answer_without_a_change_changes_no_handler(world) -> None:
    case = signed(world)
    row = actions.do_counter_complaint(
        world.center, world.user("officer"), "王五", "13700000000", case.number, "收费"
    )
    answered = actions.do_answer_complaint(row, world.user("bureau_leader"), "经查不属实")
    assert answered.handler_change is None
    assert not case.handler_changes_log.exists()


def test_art55_the_bureau_answers_on_its_page_and_opens_the_change(world) -> None:
    case = signed(world)
    officer = Client()
    officer.force_login(world.user("officer"))
    made = officer.post(
        "/quality/complaints/new/",
        {"name": "赵六", "phone": "13600000000", "case_number": case.number, "what": "不回电话"},
    )
    assert made.status_code == 302
    row = Complaint.objects.get()
    assert row.channel == ComplaintChannel.counter and row.case == case
    # The officer sees it but does not answer: that is the bureau's (第五十六条).
    assert "<h2>答复</h2>" not in officer.get(f"/quality/complaints/{row.pk}/").content.decode()
    bureau = Client()
    bureau.force_login(world.user("bureau_section"))
    refused = bureau.post(
        f"/quality/complaints/{row.pk}/",
        {"answer": "属实", "change_handler": "on", "mode": "same_institution"},
    )
    assert "更换承办人须征得受援人同意（第十二条）。" in refused.content.decode()
    answered = bureau.post(
        f"/quality/complaints/{row.pk}/",
        {"answer": "属实", "change_handler": "on", "consent": "on", "mode": "same_institution"},
    )
    assert answered.status_code == 302
    page = bureau.get(f"/quality/complaints/{row.pk}/").content.decode()
    assert "已提出第 1 次更换申请" in page and "受援人同意" in page
