"""The acceptance test of the case service (issue 3): a criminal notification and a 60-person
labour group case, from intake to a signed agreement, entirely through the HTTP API and by the
users whose job each step is. Then the notice, the audit chain, and tampering with it."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from fayuan.audit.log import verify
from fayuan.audit.models import AuditEvent

from .test_api_support import (
    ID_LIU,
    Api,
    criminal_notification,
    institution_admin,
    labour_group_application,
)

pytestmark = pytest.mark.django_db


def embedded_font_files(reader: PdfReader) -> list[str]:
    """The font programs embedded in the PDF: /FontFile2 (TrueType) and kin, per font."""
    found = []
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            targets = [d.get_object() for d in descendants] if descendants else [font]
            for target in targets:
                descriptor = target.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        found.append(f"{descriptor['/FontName']}{key}")
    return found


def test_two_cases_from_intake_to_agreement_through_the_api(world) -> None:
    organ = Api.token(world.user("judicial_organ"), name="北碚区法院案件系统")
    officer = Api.session(world.user("officer"))
    director = Api.session(world.user("director"))
    section = Api.session(world.user("bureau_section"))
    today = timezone.localdate().isoformat()

    # --- 1. The court's notification letter (通知辩护), sent twice: one case. -----------------
    letter = criminal_notification()
    first = organ.ok("POST", "/api/notifications", letter, status=201)
    number = first["number"]
    assert first["status"] == "granted"
    assert first["source_zh"] == "办案机关通知"
    assert first["organ"] == "重庆市北碚区人民法院"
    assert first["due_at"] == "2026-10-08T23:59:59+08:00"  # 第六条: one working day after 国庆
    again = organ.ok("POST", "/api/notifications", letter, status=200)
    assert again["number"] == number

    engine = officer.ok("POST", f"/api/cases/{number}/engine", status=201)
    assert engine["rule"] == "rotation" and engine["route"] == "director"
    assert "第十一条" in engine["explanation"]
    firm = engine["institution"]["code"]
    proposal = officer.ok(
        "POST", f"/api/cases/{number}/proposals", {"opinion": "同意系统建议"}, status=201
    )
    assert proposal["institution"]["code"] == firm and not proposal["differs_from_engine"]
    decided = director.ok(
        "POST",
        f"/api/cases/{number}/proposals/{proposal['id']}/director-decision",
        {"approve": True, "reason": "同意"},
    )
    assert decided["proposal_status"] == "approved"
    issued = officer.ok("POST", f"/api/cases/{number}/proposals/{proposal['id']}/issue", status=201)
    criminal_notice = issued["notice_number"]
    assert criminal_notice == "北碚法援指〔2026〕第0001号"

    admin = Api.session(institution_admin(world, firm))
    lawyer = engine["decision"]["eligible_practitioners"][0]
    named = admin.ok("POST", f"/api/cases/{number}/handlers", {"practitioners": [lawyer]})
    assert named["status"] == "handler_named"
    signed = admin.ok("POST", f"/api/cases/{number}/agreement", {"signed_on": today})
    assert signed["status"] == "agreement_signed"

    # What the court reads back: status, institution, handler, notice; the ID masked.
    seen = organ.ok("GET", f"/api/cases/{number}")
    assert seen["status"] == "agreement_signed"
    assert seen["institution"]["code"] == firm and seen["institution"]["name"]
    assert [h["code"] for h in seen["handlers"]] == [lawyer]
    assert seen["notice_number"] == criminal_notice
    assert seen["personal_data_masked"] is True
    assert seen["parties"][0]["id_number"] == ID_LIU[:4] + "*" * 10 + ID_LIU[-4:]

    # --- 2. A 60-person labour group case: collective discussion, the bureau decides. ---------
    applied = officer.ok("POST", "/api/applications", labour_group_application(), status=201)
    group = applied["number"]
    assert applied["status"] == "intake"
    granted = officer.ok("POST", f"/api/cases/{group}/grant", {"at": "2026-11-02T09:00:00+08:00"})
    assert granted["due_at"] == "2026-11-05T23:59:59+08:00"  # 第六条: three working days

    engine = officer.ok("POST", f"/api/cases/{group}/engine", status=201)
    assert engine["route"] == "bureau"  # 第五条: 50 persons or more
    assert engine["handlers_required"] == 3  # 第十条 / SPEC §6: [50, 3]
    institution = engine["institution"]["code"]
    proposal = officer.ok(
        "POST", f"/api/cases/{group}/proposals", {"opinion": "拟指派"}, status=201
    )
    base = f"/api/cases/{group}/proposals/{proposal['id']}"
    # The director may not decide a major case alone.
    refused = director.post(f"{base}/director-decision", {"approve": True})
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"
    officer.ok(
        "POST",
        f"{base}/discussion",
        {
            "held_on": "2026-11-03",
            "participants": ["director", "officer", "officer2"],
            "conclusion": "集团案件，同意系统建议，报区司法局决定。",
        },
    )
    director.ok(
        "POST",
        f"{base}/bureau-report",
        {"document_number": "北碚法援〔2026〕7号", "report": "60 名农民工追索劳动报酬案，拟指派。"},
    )
    bureau = section.ok("POST", f"{base}/bureau-decision", {"approve": True, "reason": "同意。"})
    assert bureau["proposal_status"] == "approved"
    issued = officer.ok("POST", f"{base}/issue", status=201)
    group_notice = issued["notice_number"]
    assert group_notice == "北碚法援指〔2026〕第0002号"
    assert issued["handlers_required"] == 3 and issued["late"] is True

    admin = Api.session(institution_admin(world, institution))
    three = engine["decision"]["eligible_practitioners"][:3]
    too_few = admin.post(f"/api/cases/{group}/handlers", {"practitioners": three[:2]})
    assert too_few.status_code == 400 and too_few.json()["field"] == "practitioners"
    named = admin.ok("POST", f"/api/cases/{group}/handlers", {"practitioners": three})
    assert sorted(h["code"] for h in named["handlers"]) == sorted(three)
    admin.ok("POST", f"/api/cases/{group}/agreement", {"signed_on": today})

    views_before = AuditEvent.objects.filter(action="case.view_personal_data").count()
    detail = officer.ok("GET", f"/api/cases/{group}")
    assert detail["status"] == "agreement_signed" and detail["assigned_late"] is True
    assert detail["personal_data_masked"] is False
    assert detail["parties"][0]["name"] == "王小明"
    assert AuditEvent.objects.filter(action="case.view_personal_data").count() == views_before + 1

    # --- 3. The notice: text, institution, aided persons, and its font embedded. --------------
    response = officer.get(f"/api/cases/{group}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = "".join(text.split())
    assert group_notice in compact
    assert detail["institution"]["name"] in compact
    assert "王小明" in compact and "60人" in compact
    assert embedded_font_files(reader), "the notice must embed its Chinese font"
    assert any(name.endswith("/FontFile2") for name in embedded_font_files(reader))

    form = officer.get(f"{base}/approval-form.pdf")
    assert form.status_code == 200
    form_text = "".join(
        "".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(form.content)).pages
    )
    assert "重大疑难案件指派审批表" in form_text
    assert "北碚法援〔2026〕7号" in form_text and "王小明等60人" in form_text

    docx = officer.get(f"/api/cases/{number}/notice.docx")
    assert docx.status_code == 200
    paragraphs = Document(io.BytesIO(docx.content))
    words = "\n".join(p.text for p in paragraphs.paragraphs) + "\n".join(
        cell.text for table in paragraphs.tables for row in table.rows for cell in row.cells
    )
    assert criminal_notice in words and "刘勇勇" in words

    # --- 4. The audit chain verifies; an edited or a deleted row breaks it. -------------------
    result = verify()
    assert result.ok, result.problem
    assert result.events == AuditEvent.objects.count()
    table = AuditEvent._meta.db_table
    middle = AuditEvent.objects.get(seq=result.events // 2)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET actor_label = %s WHERE seq = %s", ["intruder", middle.seq]
        )
    tampered = verify()
    assert not tampered.ok and f"第 {middle.seq} 号" in tampered.problem
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET actor_label = %s WHERE seq = %s", [middle.actor_label, middle.seq]
        )
    assert verify().ok
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE seq = %s", [middle.seq])
    deleted = verify()
    assert not deleted.ok and "删除" in deleted.problem
