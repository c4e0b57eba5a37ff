"""Personal data through the API (DESIGN.md): lists always masked; a case's detail unmasked only
for those who may see personal data, and then every view is an audit event; judicial organs
get their own cases with masked IDs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case

from .test_api_support import (
    ID_LIU,
    Api,
    criminal_notification,
    labour_group_application,
)

pytestmark = pytest.mark.django_db

MASKED_LIU = "5001**********7552"


def views() -> int:
    return AuditEvent.objects.filter(action="case.view_personal_data").count()


def test_the_list_masks_names_ids_and_phones_for_everyone(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    officer = Api.session(world.user("officer"))
    number = court.ok("POST", "/api/notifications", criminal_notification(), status=201)["number"]
    officer.ok("POST", "/api/applications", labour_group_application(), status=201)
    before = views()

    listing = officer.ok("GET", "/api/cases")
    assert listing["count"] == 2
    (row,) = [item for item in listing["items"] if item["number"] == number]
    (party,) = row["parties"]
    assert party["id_number"] == MASKED_LIU
    assert party["name"] == "刘*勇"
    assert party["phone"] == "138****5678"
    assert party["address"] == ""
    assert ID_LIU not in str(listing) and "刘勇勇" not in str(listing)
    assert row["due_at"] == "2026-10-08T23:59:59+08:00"
    assert views() == before  # a masked list is no view of personal data

    granted = officer.get("/api/cases", status="granted").json()
    assert [item["number"] for item in granted["items"]] == [number]
    page = officer.get("/api/cases", limit=1, offset=1).json()
    assert page["count"] == 2 and len(page["items"]) == 1

    # The organ's list holds its own case only, masked the same way.
    mine = court.ok("GET", "/api/cases")
    assert [item["number"] for item in mine["items"]] == [number]
    assert mine["items"][0]["parties"][0]["id_number"] == MASKED_LIU


def test_an_officer_sees_the_full_detail_and_the_view_is_recorded(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.ok("POST", "/api/notifications", criminal_notification(), status=201)["number"]
    officer = Api.session(world.user("officer"))
    before = views()

    detail = officer.ok("GET", f"/api/cases/{number}")
    assert detail["personal_data_masked"] is False
    (party,) = detail["parties"]
    assert (party["name"], party["id_number"], party["phone"]) == ("刘勇勇", ID_LIU, "13812345678")
    assert views() == before + 1
    event = AuditEvent.objects.filter(action="case.view_personal_data").order_by("-seq").first()
    assert event is not None
    assert event.actor_label == "officer"
    assert event.case_id_ref == Case.objects.get(number=number).pk

    officer.ok("GET", f"/api/cases/{number}")
    assert views() == before + 2  # every view


def test_the_organ_gets_its_case_masked_and_no_view_is_recorded(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.ok("POST", "/api/notifications", criminal_notification(), status=201)["number"]
    before = views()
    detail = court.ok("GET", f"/api/cases/{number}")
    assert detail["personal_data_masked"] is True
    assert detail["parties"][0]["id_number"] == MASKED_LIU
    assert detail["parties"][0]["name"] == "刘*勇"
    assert detail["time_left_seconds"] is not None and detail["overdue"] is True
    assert detail["time_left_zh"].startswith("已超过指派期限")
    assert views() == before


def test_the_notice_is_personal_data_too(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.ok("POST", "/api/notifications", criminal_notification(), status=201)["number"]
    officer = Api.session(world.user("officer"))
    director = Api.session(world.user("director"))
    # Before the assignment there is no notice.
    missing = officer.get(f"/api/cases/{number}/notice.pdf")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    proposal = officer.ok("POST", f"/api/cases/{number}/proposals", status=201)
    base = f"/api/cases/{number}/proposals/{proposal['id']}"
    director.ok("POST", f"{base}/director-decision", {"approve": True})
    officer.ok("POST", f"{base}/issue", status=201)
    before = views()
    response = officer.get(f"/api/cases/{number}/notice.docx")
    assert response.status_code == 200
    assert "attachment" not in response["Content-Disposition"]
    assert views() == before + 1
    assert court.get(f"/api/cases/{number}/notice.docx").status_code == 403


def test_the_list_costs_the_same_queries_for_few_cases_or_many(world) -> None:
    officer = Api.session(world.user("officer"))
    court = Api.token(world.user("judicial_organ"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert officer.get("/api/cases").status_code == 200
        return len(captured)

    for n in range(2):
        court.ok(
            "POST", "/api/notifications", criminal_notification(f"（2026）第{n}号"), status=201
        )
    few = queries()
    for n in range(2, 8):
        court.ok(
            "POST", "/api/notifications", criminal_notification(f"（2026）第{n}号"), status=201
        )
    assert officer.ok("GET", "/api/cases")["count"] == 8
    assert queries() == few
