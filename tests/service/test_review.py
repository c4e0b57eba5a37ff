"""The review of an application (法律援助法第四十三条): the 7-day limit counted as statutory
periods are (民法典第二百零一、二百零三条), the time spent supplying material not counted
(程序规定第十五条), the refusal with its numbered letter (第四十三、四十九条)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, timezone

import pypdf
import pytest

from fayuan.audit.log import verify
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import (
    CaseInput,
    PartyInput,
    do_grant_aid,
    do_intake_application,
    do_intake_notification,
)
from fayuan.cases.models import Case, CaseStatus
from fayuan.cases.review import (
    do_material_received,
    do_refuse_aid,
    do_request_material,
    refusal_prefix,
)
from fayuan.documents.refusal import RefusalData, bureau_of, render_refusal_pdf
from fayuan.errors import ActionError
from fayuan.policy.review import REVIEW_DAYS, review_deadline
from fayuan.workdays import WorkdayCalendar
from fayuan.workflow import engine

CST = timezone(timedelta(hours=8))


def application(world, name: str = "张三丰") -> Case:
    data = CaseInput(
        category="civil",
        locality="天生街道",
        channel="counter",
        parties=[PartyInput("aided", name, "500109196706097552", is_applicant=True)],
    )
    return do_intake_application(world.center, world.user("officer"), data)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


# --- the 7 days -----------------------------------------------------------------------------


def test_seven_days_from_the_next_day_on_a_working_day() -> None:
    cal = WorkdayCalendar.default()
    # Thursday 2026-05-14: the 7th day after is Thursday 05-21, a working day.
    due = review_deadline(datetime(2026, 5, 14, 16, 0, tzinfo=CST), cal)
    assert REVIEW_DAYS == 7
    assert due == datetime(2026, 5, 21, 23, 59, 59, tzinfo=CST)
    # Received late on Wednesday 05-13 (still the 13th in Beijing): one day earlier.
    due13 = review_deadline(datetime(2026, 5, 13, 15, 59, tzinfo=UTC), cal)
    assert due13 == datetime(2026, 5, 20, 23, 59, 59, tzinfo=CST)


def test_an_end_on_a_rest_day_moves_to_the_next_working_day() -> None:
    cal = WorkdayCalendar.default()
    # 2026-09-24 + 7 = 10-01, in the National Day holiday (10-01..10-07): ends 10-08.
    due = review_deadline(datetime(2026, 9, 24, 9, 0, tzinfo=CST), cal)
    assert due == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST)
    # 2026-05-10 (Sunday) + 7 = Sunday 05-17: ends Monday 05-18.
    assert review_deadline(datetime(2026, 5, 10, 9, 0, tzinfo=CST), cal) == datetime(
        2026, 5, 18, 23, 59, 59, tzinfo=CST
    )


@pytest.mark.django_db
def test_intake_sets_the_review_deadline_and_a_notification_has_none(world) -> None:
    case = application(world)
    assert case.review_due_at == review_deadline(case.created_at, engine.calendar())
    case.refresh_from_db()
    assert case.review_due_at is not None and case.status == CaseStatus.intake
    event = AuditEvent.objects.filter(action="case.intake_application").latest("seq")
    assert datetime.fromisoformat(event.data["review_due_at"]) == case.review_due_at
    letter = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "刘勇勇", "500109196706097552")],
        organ_id=world.organ.pk,
        letter_number="（2026）渝0109刑初1号",
        letter_received_at=datetime(2026, 9, 30, 10, 0, tzinfo=CST),
    )
    notified, _ = do_intake_notification(world.center, world.user("judicial_organ"), letter)
    assert notified.review_due_at is None and notified.status == CaseStatus.granted
    with pytest.raises(ActionError):
        do_refuse_aid(notified, world.user("officer"), "不适用")


@pytest.mark.django_db
def test_refusal_on_the_last_second_is_in_time_one_second_later_it_is_late(world) -> None:
    first, second = application(world, "甲一"), application(world, "乙二")
    assert first.review_due_at is not None and second.review_due_at is not None
    do_refuse_aid(
        first, world.user("officer"), "经审查不符合经济困难标准。", at=first.review_due_at
    )
    late_at = second.review_due_at + timedelta(seconds=1)
    do_refuse_aid(second, world.user("officer"), "经审查不符合经济困难标准。", at=late_at)
    events = AuditEvent.objects.filter(action="case.refuse_aid").order_by("seq")
    assert [e.data["late"] for e in events] == [False, True]


# --- material not counted -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_wait_for_material_is_not_counted(world) -> None:
    officer = world.user("officer")
    case = application(world)
    due = case.review_due_at
    assert due is not None
    asked = datetime(2026, 5, 15, 10, 0, tzinfo=CST)
    case = do_request_material(case, officer, "户口簿复印件；经济困难证明。", at=asked)
    assert case.status == CaseStatus.awaiting_material
    assert case.material_requested == "户口簿复印件；经济困难证明。"
    assert case.material_requested_at == asked
    # Granting waits for the material (do_grant_aid takes a case under review only).
    with pytest.raises(ActionError):
        do_grant_aid(case, officer)
    case = do_material_received(case, officer, at=asked + timedelta(days=3, hours=2))
    assert case.status == CaseStatus.intake
    assert case.review_paused == timedelta(days=3, hours=2)
    assert case.review_due_at == due + timedelta(days=3, hours=2)
    # A second request adds to the first.
    again = asked + timedelta(days=4)
    case = do_request_material(case, officer, "租赁合同原件。", at=again)
    case = do_material_received(case, officer, at=again + timedelta(hours=5))
    case.refresh_from_db()
    assert case.review_paused == timedelta(days=3, hours=7)
    assert case.review_due_at == due + timedelta(days=3, hours=7)
    codes = list(
        AuditEvent.objects.filter(case_id_ref=case.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert codes.count("case.request_material") == 2
    assert codes.count("case.material_received") == 2
    do_grant_aid(case, officer)
    assert verify().ok


@pytest.mark.django_db
def test_material_requests_refused_write_nothing(world) -> None:
    officer = world.user("officer")
    case = application(world)
    before = AuditEvent.objects.count()
    with pytest.raises(ActionError) as empty:
        do_request_material(case, officer, "   ")
    assert empty.value.field == "what"
    with pytest.raises(ActionError):
        do_material_received(case, officer)  # nothing was asked for
    with pytest.raises(ActionError):  # a judicial organ's role may not review
        do_request_material(case, world.user("judicial_organ"), "身份证")
    case.refresh_from_db()
    assert case.status == CaseStatus.intake and case.material_requested == ""
    assert AuditEvent.objects.count() == before


# --- refusal --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refusal_numbers_run_per_center_and_year_without_gaps(world) -> None:
    officer = world.user("officer")
    cases = [application(world, f"申请人{i}") for i in range(4)]
    on = datetime(2026, 6, 1, 10, 0, tzinfo=CST)
    do_refuse_aid(cases[0], officer, "理由一", at=on)
    with pytest.raises(ActionError):
        do_refuse_aid(cases[1], officer, "  ", at=on)  # refused: gives no number away
    do_refuse_aid(cases[1], officer, "理由二", at=on)
    with pytest.raises(ActionError):
        do_refuse_aid(cases[1], officer, "再次", at=on)  # already refused
    do_refuse_aid(cases[2], officer, "理由三", at=on)
    do_refuse_aid(cases[3], officer, "理由四", at=datetime(2027, 1, 4, 9, 0, tzinfo=CST))
    numbers = [Case.objects.get(pk=c.pk).refusal_number for c in cases]
    assert refusal_prefix(world.center) == "北碚法援不援"
    assert numbers == [
        "北碚法援不援〔2026〕1号",
        "北碚法援不援〔2026〕2号",
        "北碚法援不援〔2026〕3号",
        "北碚法援不援〔2027〕1号",
    ]
    refused = Case.objects.get(pk=cases[0].pk)
    assert refused.status == CaseStatus.refused
    assert refused.refused_by == officer and refused.refused_at == on
    assert refused.refusal_reason == "理由一"


@pytest.mark.django_db
def test_a_refused_refusal_writes_nothing(world) -> None:
    case = application(world)
    before = (AuditEvent.objects.count(), Case.objects.filter(status="refused").count())
    for actor, reason in [
        (world.user("officer"), ""),
        (world.user("institution_admin"), "无权"),
        (world.user("officer"), "字" * 4001),
    ]:
        with pytest.raises(ActionError):
            do_refuse_aid(case, actor, reason)
    case.refresh_from_db()
    assert case.status == CaseStatus.intake and case.refusal_number == ""
    assert (AuditEvent.objects.count(), Case.objects.filter(status="refused").count()) == before


@pytest.mark.django_db
def test_refusal_from_awaiting_material_closes_the_wait(world) -> None:
    officer = world.user("officer")
    case = application(world)
    asked = datetime(2026, 5, 15, 10, 0, tzinfo=CST)
    do_request_material(case, officer, "经济困难证明", at=asked)
    case = do_refuse_aid(case, officer, "申请人未补充材料。", at=asked + timedelta(days=2))
    assert case.status == CaseStatus.refused
    assert case.review_paused == timedelta(days=2)


def test_the_letter_states_decision_reasons_basis_and_objection_route() -> None:
    data = RefusalData(
        center_name="重庆市北碚区法律援助中心",
        number="北碚法援不援〔2026〕3号",
        decided_at=datetime(2026, 6, 1, 10, 0, tzinfo=CST),
        case_number="BEIBEI-2026-000007",
        applicant_name="张三丰",
        applied_at=datetime(2026, 5, 28, 9, 0, tzinfo=CST),
        reason="申请人家庭经济状况不符合本市经济困难标准。",
        bureau_name=bureau_of("重庆市北碚区法律援助中心"),
        category_zh="民事",
    )
    text = pdf_text(render_refusal_pdf(data))
    for part in [
        "不予法律援助决定书",
        "北碚法援不援〔2026〕3号",
        "张三丰：",
        "你于2026年5月28日向本中心申请民事法律援助",
        "BEIBEI-2026-000007",
        "决定不予法律援助",
        "理由：申请人家庭经济状况不符合本市经济困难标准。",
        "《中华人民共和国法律援助法》第四十三条",
        "可以向设立该法律援助机构的司法行政部门（重庆市北碚区司法局）提出",
        "第四十九条",
        "行政复议或者提起行政诉讼",
        "2026年6月1日",
    ]:
        assert part in text, part
    assert bureau_of("某某中心") == "设立本中心的司法行政部门"
