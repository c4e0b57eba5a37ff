"""The rest of the workflow through the API: a handler change (第十二条), closing, recusal
(第八条), the roster import and export, the OpenAPI description, and the token command."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from fayuan.accounts.models import ApiToken
from fayuan.audit.models import AuditEvent
from fayuan.roster.models import Institution, Practitioner

from .test_api_support import (
    Api,
    counts,
    criminal_notification,
    institution_admin,
)

pytestmark = pytest.mark.django_db


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def signed_criminal_case(world: Any) -> tuple[str, dict[str, Any], Api]:
    """A criminal notification taken through to a signed agreement; (number, engine, admin)."""
    court = Api.token(world.user("judicial_organ"))
    officer = Api.session(world.user("officer"))
    director = Api.session(world.user("director"))
    number = court.ok("POST", "/api/notifications", criminal_notification(), status=201)["number"]
    engine = officer.ok("POST", f"/api/cases/{number}/engine", status=201)
    proposal = officer.ok("POST", f"/api/cases/{number}/proposals", status=201)
    base = f"/api/cases/{number}/proposals/{proposal['id']}"
    director.ok("POST", f"{base}/director-decision", {"approve": True})
    officer.ok("POST", f"{base}/issue", status=201)
    admin = Api.session(institution_admin(world, engine["institution"]["code"]))
    first = engine["decision"]["eligible_practitioners"][0]
    admin.ok("POST", f"/api/cases/{number}/handlers", {"practitioners": [first]})
    admin.ok(
        "POST", f"/api/cases/{number}/agreement", {"signed_on": timezone.localdate().isoformat()}
    )
    return number, engine, admin


def test_handler_change_within_the_institution_then_closing(world) -> None:
    number, engine, admin = signed_criminal_case(world)
    officer = Api.session(world.user("officer"))
    director = Api.session(world.user("director"))
    url = f"/api/cases/{number}/handler-changes"

    # Without the aided person's consent the rules refuse: recorded, nothing else changes.
    refused = officer.ok(
        "POST", url, {"reason": "利益冲突", "consent": False, "mode": "same_institution"}, 201
    )
    assert refused["status"] == "refused"
    assert officer.ok("GET", f"/api/cases/{number}")["status"] == "agreement_signed"

    change = officer.ok(
        "POST", url, {"reason": "利益冲突", "consent": True, "mode": "same_institution"}, 201
    )
    assert change["status"] == "requested" and change["route"] == "director"
    decision = f"{url}/{change['id']}/decision"
    no_reason = director.post(decision, {"approve": False})
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    approved = director.ok("POST", decision, {"approve": True, "reason": "同意更换"})
    assert approved["status"] == "approved"
    case = officer.ok("GET", f"/api/cases/{number}")
    assert case["status"] == "assigned" and case["handlers"] == [] and case["handler_changes"] == 1
    form = director.get(f"{url}/{change['id']}/form.docx")
    assert form.status_code == 200
    text = docx_text(form.content)
    assert "更换承办人审批表" in text and "利益冲突" in text and "同意" in text
    assert director.get(f"{url}/{refused['id']}/form.pdf").status_code == 200
    court = Api.token(world.user("judicial_organ"))
    assert court.get(f"{url}/{change['id']}/form.pdf").status_code == 403

    second = engine["decision"]["eligible_practitioners"][1]
    admin.ok("POST", f"/api/cases/{number}/handlers", {"practitioners": [second]})
    admin.ok(
        "POST", f"/api/cases/{number}/agreement", {"signed_on": timezone.localdate().isoformat()}
    )
    empty = admin.post(f"/api/cases/{number}/close", {"outcome": " "})
    assert empty.status_code == 400 and empty.json()["field"] == "outcome"
    closed = admin.ok("POST", f"/api/cases/{number}/close", {"outcome": "一审判决，已结案。"})
    assert closed["status"] == "closed" and closed["outcome"] == "一审判决，已结案。"
    assert [h["code"] for h in closed["handlers"]] == [second]


def test_recusal_blocks_the_officer_until_decided(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.ok("POST", "/api/notifications", criminal_notification(), status=201)["number"]
    officer2 = Api.session(world.user("officer2"))
    director = Api.session(world.user("director"))

    empty = officer2.post(f"/api/cases/{number}/recusals", {"grounds": ""})
    assert empty.status_code == 400 and empty.json()["field"] == "grounds"
    recusal = officer2.ok(
        "POST", f"/api/cases/{number}/recusals", {"grounds": "受援人系本人表弟"}, status=201
    )
    assert recusal["status"] == "pending" and recusal["decider_body"] == "aid_center"
    blocked = officer2.post(f"/api/cases/{number}/engine")
    assert blocked.status_code == 403 and "回避" in blocked.json()["message"]
    # Only the director decides an officer's recusal (第八条).
    url = f"/api/cases/{number}/recusals/{recusal['id']}/decision"
    section = Api.session(world.user("bureau_section"))
    assert section.post(url, {"grant": True}).status_code == 403
    decided = director.ok("POST", url, {"grant": True, "reason": "近亲属，准予回避"})
    assert decided["status"] == "granted"
    assert officer2.post(f"/api/cases/{number}/engine").status_code == 403
    assert Api.session(world.user("officer")).post(f"/api/cases/{number}/engine").status_code == 201


def test_roster_export_and_import_as_json(world) -> None:
    officer = Api.session(world.user("officer"))
    roster = officer.ok("GET", "/api/roster")
    assert roster["center"] == {"id": "beibei", "name": "重庆市北碚区法律援助中心"}
    assert {i["id"] for i in roster["institutions"]} >= {"F04", "G01"}

    roster["practitioners"][0]["quality"] = 77.5
    code = roster["practitioners"][0]["id"]
    summary = officer.ok("POST", "/api/roster", roster)
    assert summary["practitioners_updated"] == [code]
    assert "更新 1" in summary["summary"]
    assert Practitioner.objects.get(center=world.center, code=code).quality == 77.5

    # A bad row: every problem listed, nothing imported.
    before = AuditEvent.objects.count()
    roster["practitioners"][0]["quality"] = 50
    roster["practitioners"][1]["licensed_on"] = "2018-13-01"
    roster["institutions"][0]["kind"] = "bank"
    response = officer.post("/api/roster", roster)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and "未导入" in body["message"]
    assert len(body["errors"]) >= 2
    places = {(e["sheet"], e["row"], e["column"]) for e in body["errors"]}
    assert ("practitioners", 2, "licensed_on") in places
    assert ("institutions", 1, "kind") in places
    assert Practitioner.objects.get(center=world.center, code=code).quality == 77.5
    assert AuditEvent.objects.count() == before

    not_json = officer.post("/api/roster", raw="{")
    assert not_json.status_code == 400 and not_json.json()["errors"]

    admin = Api.session(world.user("institution_admin"))
    assert admin.post("/api/roster", roster).status_code == 403


def test_roster_export_and_import_as_a_workbook(world) -> None:
    officer = Api.session(world.user("officer"))
    exported = officer.get("/api/roster.xlsx")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in exported["Content-Disposition"]
    book = load_workbook(io.BytesIO(exported.content))
    assert book.sheetnames == ["机构", "承办人"]

    upload = io.BytesIO(exported.content)
    upload.name = "roster.xlsx"
    response = officer.client.post("/api/roster.xlsx", {"file": upload}, headers=officer.headers)
    assert response.status_code == 200, response.content
    assert response.json()["institutions_unchanged"] == Institution.objects.count()

    sheet = book["承办人"]
    sheet.cell(row=3, column=1).value = None  # a practitioner without its code
    broken = io.BytesIO()
    book.save(broken)
    broken.seek(0)
    broken.name = "roster.xlsx"
    response = officer.client.post("/api/roster.xlsx", {"file": broken}, headers=officer.headers)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["sheet"] == "承办人" and errors[0]["row"] == 3

    garbage = io.BytesIO(b"not a workbook")
    garbage.name = "roster.xlsx"
    response = officer.client.post("/api/roster.xlsx", {"file": garbage}, headers=officer.headers)
    assert response.status_code == 400 and "Excel" in response.json()["message"]
    missing = officer.client.post("/api/roster.xlsx", {}, headers=officer.headers)
    assert missing.status_code == 400 and missing.json()["field"] == "file"


def test_openapi_lists_the_endpoints_and_the_docs_are_served(client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "法援指派 API"
    paths = schema["paths"]
    for path in (
        "/api/applications",
        "/api/notifications",
        "/api/cases",
        "/api/cases/{number}",
        "/api/cases/{number}/grant",
        "/api/cases/{number}/engine",
        "/api/cases/{number}/proposals",
        "/api/cases/{number}/proposals/{proposal_id}/director-decision",
        "/api/cases/{number}/proposals/{proposal_id}/discussion",
        "/api/cases/{number}/proposals/{proposal_id}/bureau-report",
        "/api/cases/{number}/proposals/{proposal_id}/bureau-decision",
        "/api/cases/{number}/proposals/{proposal_id}/issue",
        "/api/cases/{number}/notice.pdf",
        "/api/cases/{number}/notice.docx",
        "/api/cases/{number}/handlers",
        "/api/cases/{number}/agreement",
        "/api/cases/{number}/handler-changes",
        "/api/cases/{number}/handler-changes/{change_id}/decision",
        "/api/cases/{number}/close",
        "/api/cases/{number}/recusals",
        "/api/cases/{number}/recusals/{recusal_id}/decision",
        "/api/cases/{number}/proposals/{proposal_id}/approval-form.pdf",
        "/api/cases/{number}/proposals/{proposal_id}/approval-form.docx",
        "/api/cases/{number}/handler-changes/{change_id}/form.pdf",
        "/api/cases/{number}/handler-changes/{change_id}/form.docx",
        "/api/roster",
        "/api/roster.xlsx",
    ):
        assert path in paths, path
    notification = paths["/api/notifications"]["post"]
    assert {"200", "201", "400", "401", "403"} <= set(notification["responses"])
    assert "公函" in notification["summary"]
    party = schema["components"]["schemas"]["PartyIn"]["properties"]
    assert "GB 11643" in party["id_number"]["description"]
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert client.get("/api/docs").status_code == 200


def test_the_token_command_prints_once_stores_a_digest_and_revokes(world) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "create", "court", "--name", "法院系统", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith("fy_") and "只显示这一次" in err.getvalue()
    token = ApiToken.objects.get()
    assert token.digest == ApiToken.hash(raw) and raw not in json.dumps(
        list(ApiToken.objects.values()), default=str
    )
    caller = Api(Api.anonymous().client, {"Authorization": f"Bearer {raw}"})
    assert caller.get("/api/cases").status_code == 200

    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert token.prefix in listing.getvalue() and raw not in listing.getvalue()
    call_command("api_token", "revoke", token.prefix, stdout=io.StringIO())
    assert caller.get("/api/cases").status_code == 401
    assert AuditEvent.objects.filter(action__startswith="api_token.").count() == 2

    with pytest.raises(CommandError, match="没有用户"):
        call_command("api_token", "create", "nobody", "--name", "x", stdout=io.StringIO())
    assert counts()[0] == 0
