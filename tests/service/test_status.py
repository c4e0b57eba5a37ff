"""The applicant's status lookup (法律援助法第五十五条：受援人有权了解为其提供法律援助的进展情况):
the number and phone give a code by SMS, the code gives the case for 15 minutes, in plain words;
a wrong number, a wrong phone and a notification look exactly the same and send nothing."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from itertools import count
from typing import Any

import pypdf
import pytest
from django.test import Client, override_settings
from django.utils import timezone

from fayuan.abuse import challenge as ch
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application
from fayuan.cases.models import Case, CaseStatus
from fayuan.cases.review import do_refuse_aid, do_request_material
from fayuan.messaging.sms import LocmemSmsBackend
from fayuan.roster.models import Institution, Practitioner
from fayuan.status import views
from fayuan.status.models import LookupCode
from fayuan.workflow import actions

pytestmark = pytest.mark.django_db

CST = dt_timezone(timedelta(hours=8))
PHONE = "13800001234"
ID_NUMBER = "500109196706097552"
_n = count(1)


@pytest.fixture(autouse=True)
def locmem_sms() -> Iterator[list[Any]]:
    LocmemSmsBackend.outbox.clear()
    with override_settings(FAYUAN_SMS_BACKEND="fayuan.messaging.sms.LocmemSmsBackend"):
        yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


def application(world: Any, phone: str = "138 0000 1234", **fields: Any) -> Case:
    n = next(_n)
    data = CaseInput(
        category="civil",
        locality="天生街道",
        channel="online",
        parties=[
            PartyInput("aided", f"申请人{n}", ID_NUMBER, phone=phone, is_applicant=True),
            PartyInput("opposing", f"对方{n}", phone="13900009999"),
        ],
        **fields,
    )
    return do_intake_application(world.center, world.user("officer"), data)


def assigned(world: Any) -> Case:
    case = application(world, chosen_institution="F04")
    do_grant_aid(case, world.user("officer"), at=datetime(2026, 9, 30, 10, 0, tzinfo=CST))
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    actions.do_issue_assignment(
        proposal, world.user("officer"), at=datetime(2026, 10, 8, 9, 0, tzinfo=CST)
    )
    case.refresh_from_db()
    return case


def codes_sent() -> list[str]:
    found = []
    for sms in LocmemSmsBackend.outbox:
        match = re.search(r"验证码是 (\d{6})", sms.text)
        if match:
            found.append(match.group(1))
    return found


def human() -> dict[str, str]:
    """A passed human check (`fayuan.abuse`): the sum answered, as a browser without scripts."""
    challenge = ch.issue()
    return {"hc_token": challenge.token, "hc_answer": str(challenge.answer)}


def ask(client: Client, number: str, phone: str, capture: Any) -> Any:
    with capture(execute=True):
        return client.post("/status/", {"number": number, "phone": phone, **human()}, follow=True)


def open_case(client: Client, case: Case, capture: Any, phone: str = PHONE) -> Any:
    ask(client, case.number, phone, capture)
    code = codes_sent()[-1]
    response = client.post("/status/code/", {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == "/status/case/"
    return response


def page_text(response: Any) -> str:
    return re.sub(r"\s+", "", response.content.decode())


# --- the lookup -------------------------------------------------------------------------------


def test_right_number_and_phone_send_one_code(world, django_capture_on_commit_callbacks) -> None:
    case = application(world)
    client = Client()
    response = ask(
        client, case.number.lower(), "+86 138-0000-1234", django_capture_on_commit_callbacks
    )
    assert response.redirect_chain == [("/status/code/", 302)]
    assert "如信息无误，验证码已发送" in response.content.decode()
    assert len(LocmemSmsBackend.outbox) == 1
    sms = LocmemSmsBackend.outbox[0]
    assert sms.phone == PHONE and len(codes_sent()) == 1
    assert ID_NUMBER not in sms.text and "申请人" not in sms.text
    row = LookupCode.objects.get()
    assert row.case == case and codes_sent()[0] not in (row.code_hash, row.salt)
    assert PHONE not in row.phone_key


def test_wrong_phone_wrong_number_and_notification_look_the_same_and_send_nothing(
    world, django_capture_on_commit_callbacks
) -> None:
    case = application(world)
    notification = Case.objects.create(
        center=world.center,
        number="BEIBEI-2026-999999",
        category="criminal",
        source="notification",
        locality=case.locality,
        status=CaseStatus.granted,
    )
    notification.parties.create(role="aided", name="被告人", phone=PHONE, is_applicant=True)
    right = ask(Client(), case.number, PHONE, django_capture_on_commit_callbacks)
    LocmemSmsBackend.outbox.clear()
    pages = [
        ask(Client(), case.number, "13900009999", django_capture_on_commit_callbacks),  # other side
        ask(Client(), "BEIBEI-2026-424242", PHONE, django_capture_on_commit_callbacks),
        ask(Client(), notification.number, PHONE, django_capture_on_commit_callbacks),
    ]
    assert LocmemSmsBackend.outbox == []
    assert LookupCode.objects.count() == 1  # the right one's only

    def shown(response: Any) -> str:
        text = response.content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    for page in pages:
        assert page.redirect_chain == right.redirect_chain
        assert shown(page) == shown(right)
    # A code typed for a lookup that sent none is refused like a wrong one.
    client = Client()
    ask(client, "BEIBEI-2026-424242", PHONE, django_capture_on_commit_callbacks)
    wrong = client.post("/status/code/", {"code": "123456"})
    assert wrong.status_code == 400 and "验证码不对" in wrong.content.decode()


def test_empty_fields_are_explained_next_to_them() -> None:
    response = Client().post("/status/", {"number": "", "phone": "", **human()})
    text = response.content.decode()
    assert response.status_code == 200
    assert "请填写申请编号" in text and "请填写申请时留的手机号码" in text
    assert "has-error" in text


def test_five_wrong_codes_lock_the_code(world, django_capture_on_commit_callbacks) -> None:
    case = application(world)
    client = Client()
    ask(client, case.number, PHONE, django_capture_on_commit_callbacks)
    right = codes_sent()[0]
    wrong = "000000" if right != "000000" else "111111"
    for n in range(4):
        response = client.post("/status/code/", {"code": wrong})
        assert f"还可以再试 {4 - n} 次" in response.content.decode()
    fifth = client.post("/status/code/", {"code": wrong})
    assert "已输错 5 次" in fifth.content.decode()
    assert LookupCode.objects.get().attempts == 5
    # The right code no longer opens anything, and the session has to start again.
    again = client.post("/status/code/", {"code": right})
    assert again.status_code == 302 and again["Location"] == "/status/"
    assert client.get("/status/case/").status_code == 403


def test_an_expired_code_is_refused(world, django_capture_on_commit_callbacks) -> None:
    case = application(world)
    client = Client()
    ask(client, case.number, PHONE, django_capture_on_commit_callbacks)
    LookupCode.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    response = client.post("/status/code/", {"code": codes_sent()[0]})
    assert "已过期" in response.content.decode()
    assert client.get("/status/case/").status_code == 403


def test_a_code_opens_the_case_once_and_for_fifteen_minutes(
    world, django_capture_on_commit_callbacks
) -> None:
    case = application(world)
    client = Client()
    open_case(client, case, django_capture_on_commit_callbacks)
    code = codes_sent()[0]
    assert LookupCode.objects.get().used_at is not None
    second = Client()
    ask(second, "BEIBEI-2026-424242", PHONE, django_capture_on_commit_callbacks)
    assert second.post("/status/code/", {"code": code}).status_code == 400
    session = client.session
    viewing = session["status.case"]
    session["status.case"] = {
        **viewing,
        "until": (timezone.now() - timedelta(seconds=1)).isoformat(),
    }
    session.save()
    expired = client.get("/status/case/")
    assert expired.status_code == 403 and "15 分钟" in expired.content.decode()


def test_without_the_human_check_no_code_is_sent(world, django_capture_on_commit_callbacks) -> None:
    case = application(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/status/", {"number": case.number, "phone": PHONE})
    assert response.status_code == 200 and "请回答下面的题目" in response.content.decode()
    assert LocmemSmsBackend.outbox == [] and LookupCode.objects.count() == 0


def test_lookups_are_rate_limited_per_address(world, django_capture_on_commit_callbacks) -> None:
    limit, _window = views.LOOKUP_PER_IP
    for _ in range(limit):
        ask(Client(), "BEIBEI-2026-424242", "13900001111", django_capture_on_commit_callbacks)
    refused = Client().post("/status/", {"number": "x", "phone": "13900002222", **human()})
    assert refused.status_code == 429


def test_one_code_a_minute_and_five_a_day_per_phone(
    world, django_capture_on_commit_callbacks
) -> None:
    case = application(world)
    for _ in range(3):
        ask(Client(), case.number, PHONE, django_capture_on_commit_callbacks)
    assert len(codes_sent()) == 1  # within the minute: no second code
    for n in range(1, 8):
        LookupCode.objects.update(created_at=timezone.now() - timedelta(minutes=2 * n))
        ask(Client(), case.number, PHONE, django_capture_on_commit_callbacks)
    assert len(codes_sent()) == 5 == LookupCode.objects.count()


# --- the status page, state by state ----------------------------------------------------------


def test_intake_in_plain_words_with_the_review_deadline(
    world, django_capture_on_commit_callbacks
) -> None:
    case = application(world)
    text = page_text(open_case(Client(), case, django_capture_on_commit_callbacks))
    assert "审查中" in text and "我们已经收到您的申请，正在审查。" in text
    local = case.review_due_at.astimezone(CST)
    assert f"我们会在{local.year}年{local.month}月{local.day}日" in text
    assert "北京时间" in text
    assert ID_NUMBER not in text and "对方" not in text


def test_awaiting_material_shows_what_to_bring(world, django_capture_on_commit_callbacks) -> None:
    case = application(world)
    do_request_material(case, world.user("officer"), "近三个月的工资流水")
    text = page_text(open_case(Client(), case, django_capture_on_commit_callbacks))
    assert "需要您补充材料" in text and "近三个月的工资流水" in text
    assert "审查时间暂停计算" in text


def test_granted_shows_the_assignment_deadline(world, django_capture_on_commit_callbacks) -> None:
    case = application(world)
    do_grant_aid(case, world.user("officer"), at=datetime(2026, 9, 30, 10, 0, tzinfo=CST))
    case.refresh_from_db()
    text = page_text(open_case(Client(), case, django_capture_on_commit_callbacks))
    assert "我们已经决定给您法律援助。" in text and "安排承办机构的期限" in text
    local = case.due_at.astimezone(CST)
    assert f"{local.year}年{local.month}月{local.day}日" in text
    assert "暂定" not in text
    Case.objects.filter(pk=case.pk).update(due_provisional=True)
    LookupCode.objects.update(created_at=timezone.now() - timedelta(minutes=5))  # the 60 s
    assert "暂定" in page_text(open_case(Client(), case, django_capture_on_commit_callbacks))


def test_assigned_shows_the_institution_office_contact(
    world, django_capture_on_commit_callbacks
) -> None:
    Institution.objects.filter(center=world.center, code="F04").update(
        address="北碚区天生路 1 号", phone="023-68000000"
    )
    case = assigned(world)
    assert case.status == CaseStatus.assigned
    text = page_text(open_case(Client(), case, django_capture_on_commit_callbacks))
    name = Institution.objects.get(center=world.center, code="F04").name
    assert "已安排承办机构" in text and f"我们已经安排{name}为您提供法律援助。" in text
    assert "北碚区天生路1号" in text and "023-68000000" in text
    assert "签订委托协议的期限" in text


def test_handler_named_shows_the_name_and_never_a_personal_phone(
    world, django_capture_on_commit_callbacks
) -> None:
    case = assigned(world)
    l013 = Practitioner.objects.get(center=world.center, code="L013")
    Practitioner.objects.filter(pk=l013.pk).update(phone="13700007777")
    actions.do_name_handlers(case, world.user("institution_admin"), ["L013"])
    case.refresh_from_db()
    text = page_text(open_case(Client(), case, django_capture_on_commit_callbacks))
    assert "已安排承办人" in text and l013.name in text
    assert "13700007777" not in text and "不给个人手机号" in text


def test_refused_offers_the_letter_and_the_objection_route(
    world, django_capture_on_commit_callbacks
) -> None:
    case = application(world)
    do_refuse_aid(case, world.user("officer"), "经济状况不符合法律援助条件")
    case.refresh_from_db()
    client = Client()
    response = open_case(client, case, django_capture_on_commit_callbacks)
    text = page_text(response)
    assert "不予法律援助" in text and "下载决定书" in text
    assert "重庆市北碚区司法局" in text and "第四十九条" in text and "第五十六条" in text
    letter = client.get("/status/case/letter.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(letter.content))
    pdf = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert case.refusal_number in pdf and "经济状况不符合法律援助条件" in pdf
    event = AuditEvent.objects.filter(action="case.view_personal_data", case_id_ref=case.pk).get()
    assert event.data["reader"].startswith("申请人本人")
    assert case.refusal_number in event.data["what"]
    # Without the code, no letter.
    assert Client().get("/status/case/letter.pdf").status_code == 403


def test_nothing_personal_in_urls_or_logs(
    world, django_capture_on_commit_callbacks, caplog
) -> None:
    case = application(world)
    caplog.set_level(logging.DEBUG)
    client = Client()
    ask(client, case.number, PHONE, django_capture_on_commit_callbacks)
    code = codes_sent()[0]
    response = client.post("/status/code/", {"code": code}, follow=True)
    urls = [url for url, _ in response.redirect_chain] + ["/status/", "/status/code/"]
    page = response.content.decode()
    for href in re.findall(r'(?:href|action)="([^"]+)"', page) + urls:
        for secret in (case.number, PHONE, code, "1234"):
            assert secret not in href, href
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (PHONE, code, ID_NUMBER, case.number):
        assert secret not in logged
    assert any("status lookup" in r.getMessage() for r in caplog.records)
