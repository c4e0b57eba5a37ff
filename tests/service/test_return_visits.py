"""回访受援人 (第十三条；法律援助法第五十九条) and the judicial organs' opinions and court
attendance notes (法律援助法第五十九条：庭审旁听、征询司法机关意见)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from fayuan.accounts.models import JudicialOrgan, OrganKind, Role
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import CaseStatus
from fayuan.errors import ActionError
from fayuan.supervision import actions
from fayuan.supervision.models import (
    CourtAttendance,
    OrganOpinion,
    ReturnVisit,
    VisitStatus,
)
from fayuan.supervision.sampling import in_visit_sample

from .conftest import make_user
from .test_file_review import closed_case

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))


def test_art13_unreachable_is_recorded_with_every_attempt(world) -> None:
    case = closed_case(world, "F04")
    officer = world.user("officer")
    with pytest.raises(ActionError) as too_soon:
        actions.do_mark_unreachable(case, officer, "无法联系")
    assert too_soon.value.kind == "conflict"
    first = datetime(2026, 10, 21, 9, 0, tzinfo=CST)
    actions.do_record_visit_attempt(case, officer, "phone", "no_answer", "上午拨打", at=first)
    actions.do_record_visit_attempt(
        case, officer, "phone", "wrong_number", "空号", at=first + timedelta(days=1)
    )
    actions.do_record_visit_attempt(
        case, officer, "in_person", "not_home", "上门未遇", at=first + timedelta(days=3)
    )
    visit = actions.do_mark_unreachable(case, officer, "三次未能联系")
    assert visit.status == VisitStatus.unreachable and visit.satisfaction is None
    attempts = list(visit.attempts.values_list("at", "method", "outcome"))
    assert attempts == [
        (first, "phone", "no_answer"),
        (first + timedelta(days=1), "phone", "wrong_number"),
        (first + timedelta(days=3), "in_person", "not_home"),
    ]
    assert AuditEvent.objects.filter(action="visit.attempt", case_id_ref=case.pk).count() == 3
    assert AuditEvent.objects.filter(action="visit.unreachable", case_id_ref=case.pk).exists()
    with pytest.raises(ActionError):
        actions.do_record_visit_attempt(case, officer, "phone", "reached", satisfaction=5)


def test_art13_reached_visit_needs_a_five_point_satisfaction(world) -> None:
    case = closed_case(world, "F04")
    supervisor = world.user("supervisor")
    for bad in (None, 0, 6):
        with pytest.raises(ActionError) as refused:
            actions.do_record_visit_attempt(case, supervisor, "phone", "reached", satisfaction=bad)
        assert refused.value.field == "satisfaction"
    assert not ReturnVisit.objects.exists()
    visit = actions.do_record_visit_attempt(
        case, supervisor, "phone", "reached", satisfaction=4, comments="律师尽责，回复稍慢"
    )
    assert visit.status == VisitStatus.reached and visit.satisfaction == 4
    assert visit.attempts.count() == 1


def test_art13_only_closed_cases_are_visited_and_only_by_those_who_may(world) -> None:
    case = closed_case(world, "F04")
    with pytest.raises(ActionError) as forbidden:
        actions.do_record_visit_attempt(
            case, world.user("institution_admin"), "phone", "reached", satisfaction=5
        )
    assert forbidden.value.kind == "forbidden"
    case.status = CaseStatus.agreement_signed
    case.save(update_fields=["status"])
    with pytest.raises(ActionError) as open_case:
        actions.do_record_visit_attempt(case, world.user("officer"), "phone", "no_answer")
    assert open_case.value.kind == "conflict"


def test_art13_visit_sample_is_every_case_at_share_one_and_fixed_per_case() -> None:
    assert all(in_visit_sample(pk, 1.0) for pk in range(1, 200))
    half = [pk for pk in range(1, 401) if in_visit_sample(pk, 0.5)]
    assert half == [pk for pk in range(1, 401) if in_visit_sample(pk, 0.5)]
    assert 150 < len(half) < 250


def test_art59_an_organ_gives_its_opinion_only_on_a_case_it_sent(world) -> None:
    court = world.user("judicial_organ")
    own = closed_case(world, "F04")
    own.organ = world.organ
    own.source = "notification"
    own.save(update_fields=["organ", "source"])
    other = closed_case(world, "F07")
    opinion = actions.do_record_organ_opinion(own, court, "satisfied", "辩护意见充分，准备认真")
    assert opinion.organ == world.organ
    with pytest.raises(ActionError) as refused:
        actions.do_record_organ_opinion(other, court, "dissatisfied", "不是本院的案件")
    assert refused.value.kind == "forbidden"
    # Another organ of the same center may not either.
    procuratorate = JudicialOrgan.objects.create(
        center=world.center, name="重庆市北碚区人民检察院", kind=OrganKind.procuratorate
    )
    prosecutor = make_user(world.center, "procu", Role.judicial_organ, organ=procuratorate)
    with pytest.raises(ActionError):
        actions.do_record_organ_opinion(own, prosecutor, "fair", "…")
    assert OrganOpinion.objects.count() == 1


def test_art59_court_attendance_notes_by_a_supervisor(world) -> None:
    case = closed_case(world, "F04")
    row = actions.do_record_court_attendance(
        case, world.user("supervisor"), date(2026, 10, 15), "北碚区人民法院第三法庭", "质证充分"
    )
    assert row.by == world.user("supervisor")
    with pytest.raises(ActionError) as refused:
        actions.do_record_court_attendance(
            case, world.user("officer"), date(2026, 10, 15), "第三法庭", "…"
        )
    assert refused.value.kind == "forbidden"
    assert CourtAttendance.objects.count() == 1


def test_art59_the_organ_gives_its_opinion_through_the_api(world) -> None:
    from fayuan.accounts.models import ApiToken

    court = world.user("judicial_organ")
    own = closed_case(world, "F04")
    own.organ = world.organ
    own.save(update_fields=["organ"])
    other = closed_case(world, "F07")
    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=court, name="t", prefix=raw[:8], digest=ApiToken.hash(raw))
    from django.test import Client

    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {"rating": "fair", "opinion": "庭前准备充分"}
    made = api.post(f"/api/cases/{own.number}/opinions", body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["organ"] == world.organ.name and made.json()["rating"] == "fair"
    refused = api.post(f"/api/cases/{other.number}/opinions", body, content_type="application/json")
    assert refused.status_code == 404
    officer = Client()
    officer.force_login(world.user("officer"))
    forbidden = officer.post(
        f"/api/cases/{own.number}/opinions", body, content_type="application/json"
    )
    assert forbidden.status_code == 403
    assert OrganOpinion.objects.count() == 1


def test_art13_the_pages_list_visits_record_attempts_and_take_the_organs_opinion(world) -> None:
    from django.test import Client

    case = closed_case(world, "F04")
    case.organ = world.organ
    case.save(update_fields=["organ"])
    officer = Client()
    officer.force_login(world.user("officer"))
    listed = officer.get("/quality/visits/").content.decode()
    assert case.number in listed and "待回访" in listed
    page = officer.get(f"/quality/cases/{case.number}/").content.decode()
    assert "记录一次回访" in page and "提交意见" not in page
    tried = officer.post(
        f"/quality/cases/{case.number}/",
        {"form": "visit", "method": "phone", "outcome": "no_answer", "note": "无人接"},
    )
    assert tried.status_code == 302
    refused = officer.post(
        f"/quality/cases/{case.number}/", {"form": "visit", "method": "phone", "outcome": "reached"}
    )
    assert "联系上受援人的，请记录 1 至 5 分的满意度。" in refused.content.decode()
    marked = officer.post(f"/quality/cases/{case.number}/", {"form": "unreachable", "note": "两次"})
    assert marked.status_code == 302
    assert ReturnVisit.objects.get(case=case).status == VisitStatus.unreachable
    assert "无法联系（1 次尝试）" in officer.get("/quality/visits/").content.decode()

    court = Client()
    court.force_login(world.user("judicial_organ"))
    form = court.get(f"/quality/cases/{case.number}/").content.decode()
    assert "提交意见" in form and "记录一次回访" not in form
    sent = court.post(
        f"/quality/cases/{case.number}/",
        {"form": "opinion", "rating": "satisfied", "opinion": "辩护充分"},
    )
    assert sent.status_code == 302 and OrganOpinion.objects.get().organ == world.organ
    other = closed_case(world, "F07")
    assert court.get(f"/quality/cases/{other.number}/").status_code == 404
    assert (
        court.post(
            f"/quality/cases/{case.number}/", {"form": "attendance", "court": "x", "notes": "y"}
        ).status_code
        == 403
    )
