"""Text messages to the applicant (issue 9 item 6; `fayuan.status.notify`): at receipt (the number
and the 7-day review deadline, 法律援助法第四十三条), at the decision (给予, or 不予 with where to
object, 第四十九条), at the assignment (the institution) and when the handler is named (the
handler's name and the office phone). One per event, after the commit only, never for a judicial
organ's notification, and no ID number, name or facts in any of them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from fayuan import tasks
from fayuan.cases.actions import (
    CaseInput,
    PartyInput,
    do_grant_aid,
    do_intake_application,
    do_intake_notification,
)
from fayuan.cases.models import Case
from fayuan.cases.review import do_refuse_aid
from fayuan.messaging.models import TaskKey
from fayuan.messaging.sms import LocmemSmsBackend, Sms
from fayuan.roster.models import Institution, Practitioner
from fayuan.workflow import actions

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
PHONE = "13800001234"
ID_NUMBER = "500109196706097552"
FACTS = "被拖欠工资三个月"
_n = count(1)


@pytest.fixture(autouse=True)
def outbox() -> Iterator[list[Sms]]:
    LocmemSmsBackend.outbox.clear()
    with override_settings(FAYUAN_SMS_BACKEND="fayuan.messaging.sms.LocmemSmsBackend"):
        yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


def data(phone: str = "138-0000-1234", **fields: Any) -> CaseInput:
    n = next(_n)
    return CaseInput(
        category="civil",
        locality="天生街道",
        channel="online",
        summary=FACTS,
        parties=[
            PartyInput("aided", f"王小{n}", ID_NUMBER, phone=phone, is_applicant=True),
            PartyInput("opposing", f"某公司{n}", phone="13900009999"),
        ],
        **fields,
    )


def intake(world: Any, capture: Any, **fields: Any) -> Case:
    with capture(execute=True):
        return do_intake_application(world.center, world.user("officer"), data(**fields))


def assert_discreet(sms: Sms, case: Case) -> None:
    """No more personal data than needed: the number, never the ID number, a name or facts."""
    assert sms.phone == PHONE
    assert ID_NUMBER not in sms.text and FACTS not in sms.text
    for party in case.parties.all():
        assert party.name not in sms.text
    assert case.number in sms.text


def test_receipt_gives_the_number_and_the_review_deadline(
    world, outbox, django_capture_on_commit_callbacks
) -> None:
    case = intake(world, django_capture_on_commit_callbacks)
    assert len(outbox) == 1
    sms = outbox[0]
    assert_discreet(sms, case)
    local = case.review_due_at.astimezone(CST)
    assert "申请已受理" in sms.text and f"{local.month}月{local.day}日" in sms.text
    assert sms.text.startswith(f"【{world.center.name}】")


def test_grant_assignment_and_handler_each_send_one(
    world, outbox, django_capture_on_commit_callbacks
) -> None:
    Institution.objects.filter(center=world.center, code="F04").update(phone="023-68000000")
    Practitioner.objects.filter(center=world.center, code="L013").update(phone="13700007777")
    case = intake(world, django_capture_on_commit_callbacks, chosen_institution="F04")
    officer = world.user("officer")
    with django_capture_on_commit_callbacks(execute=True):
        do_grant_aid(case, officer, at=datetime(2026, 9, 30, 10, 0, tzinfo=CST))
    assert len(outbox) == 2 and "已决定给予法律援助" in outbox[1].text
    with django_capture_on_commit_callbacks(execute=True):
        proposal = actions.do_propose(case, officer)
        actions.do_director_decide(proposal, world.user("director"), approve=True)
    assert len(outbox) == 2  # a proposal and an approval tell the applicant nothing yet
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_issue_assignment(proposal, officer, at=datetime(2026, 10, 8, 9, tzinfo=CST))
    f04 = Institution.objects.get(center=world.center, code="F04")
    assert len(outbox) == 3 and f"已指派{f04.name}" in outbox[2].text
    assert "023-68000000" in outbox[2].text
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_name_handlers(case, world.user("institution_admin"), ["L013"])
    l013 = Practitioner.objects.get(center=world.center, code="L013")
    assert len(outbox) == 4
    named = outbox[3].text
    assert l013.name in named and "023-68000000" in named and "办公电话" in named
    assert "13700007777" not in named  # never the practitioner's own phone
    for sms in outbox:
        assert_discreet(sms, case)
    # Each event once: the same message asked for again is not sent twice (TaskKey).
    keys = list(TaskKey.objects.filter(key__startswith="applicant:").values_list("key", flat=True))
    assert len(keys) == 4 == len(set(keys))
    assert tasks.run(tasks.send_sms, keys[0], PHONE, "again").value == "duplicate"
    assert len(outbox) == 4


def test_refusal_tells_where_to_object(world, outbox, django_capture_on_commit_callbacks) -> None:
    case = intake(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        do_refuse_aid(case, world.user("officer"), "经济状况不符合条件")
    case.refresh_from_db()
    assert len(outbox) == 2
    text = outbox[1].text
    assert "不予法律援助" in text and case.refusal_number in text
    assert "重庆市北碚区司法局" in text and "第四十九条" in text
    assert "经济状况不符合条件" not in text  # the reasons are in the letter, not the SMS
    assert_discreet(outbox[1], case)


def test_a_rolled_back_action_sends_nothing(
    world, outbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                do_intake_application(world.center, world.user("officer"), data())
                raise RuntimeError("the request failed after the intake")
        except RuntimeError:
            pass
    assert callbacks == [] and outbox == []
    assert not Case.objects.exists()
    # And nothing before the commit: the message waits for it.
    with django_capture_on_commit_callbacks(execute=False) as pending:
        do_intake_application(world.center, world.user("officer"), data())
    assert outbox == [] and len(pending) == 1
    pending[0]()
    assert len(outbox) == 1


def test_no_message_without_an_applicant_phone_or_for_a_notification(
    world, outbox, django_capture_on_commit_callbacks
) -> None:
    case = intake(world, django_capture_on_commit_callbacks, phone="")
    with django_capture_on_commit_callbacks(execute=True):
        do_grant_aid(case, world.user("officer"))
    assert outbox == []
    notification = CaseInput(
        category="criminal",
        locality="天生街道",
        organ_id=world.organ.pk,
        letter_number="北碚法通〔2026〕8号",
        letter_received_at=datetime(2026, 10, 8, 9, 0, tzinfo=CST),
        parties=[PartyInput("aided", "被告人甲", phone=PHONE, is_applicant=True)],
        chosen_institution="F04",
    )
    court = world.user("judicial_organ")
    with django_capture_on_commit_callbacks(execute=True):
        noticed, _ = do_intake_notification(world.center, court, notification)
        proposal = actions.do_propose(noticed, world.user("officer"))
        actions.do_director_decide(proposal, world.user("director"), approve=True)
        actions.do_issue_assignment(proposal, world.user("officer"))
        noticed.refresh_from_db()
        actions.do_name_handlers(noticed, world.user("institution_admin"), ["L013"])
    assert outbox == []
