"""Hostile input: each answer is a 4xx in the Chinese JSON shape {"error", "field", "message"}
naming the field and the reason, never a 500, and the database is exactly as before (every
table's row count, the audit log included).

Full-width and superscript digits in an ID number (NFKC: normalised to ASCII at every entry, so
the 第八条 recusal match sees them), a roster nested 1,000 deep, a time offset beyond what
PostgreSQL stores (+16:00), a NUL in a path or a field, dates before the policy took effect or in
the future, a 3 MB body, multipart without a boundary, unknown URLs, a wrong method and a crash.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.test import Client, override_settings
from django.utils import timezone

from fayuan.accounts.models import DeclaredPerson, StaffProfile
from fayuan.cases.models import Case, Party
from fayuan.workflow.models import Recusal
from fayuan.workflow.recusal import do_declare_person

from .test_api_errors import APPLICATION, NOTIFICATION, assert_refused, changed
from .test_api_support import CHINESE, ID_LIU, Api

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def snapshot() -> dict[str, int]:
    """Row counts of every table the service writes (audit log included)."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"accounts", "roster", "cases", "workflow", "audit", "holidays", "auth"}
    }


def party_id(body: dict[str, Any], value: str) -> dict[str, Any]:
    return changed(body, "parties.0.id_number", value)


# --- ID numbers: NFKC, then ASCII digits only ---------------------------------------------


def test_a_full_width_id_number_is_stored_in_ascii_and_the_recusal_match_sees_it(world) -> None:
    StaffProfile.objects.filter(user=world.user("officer")).update(id_number=ID_LIU)
    court = Api.token(world.user("judicial_organ"))
    response = court.post(
        "/api/notifications", party_id(NOTIFICATION, ID_LIU.translate(FULL_WIDTH))
    )
    assert response.status_code == 201, response.content.decode()
    case = Case.objects.get(number=response.json()["number"])
    assert Party.objects.get(case=case).id_number == ID_LIU
    assert Recusal.objects.filter(case=case, staff=world.user("officer")).exists()


def test_a_full_width_declared_id_number_matches_an_ascii_party(world) -> None:
    do_declare_person(
        world.user("officer"), "relative", "别名", id_number=ID_LIU.translate(FULL_WIDTH)
    )
    assert DeclaredPerson.objects.get().id_number == ID_LIU
    court = Api.token(world.user("judicial_organ"))
    response = court.post("/api/notifications", NOTIFICATION)
    assert response.status_code == 201
    case = Case.objects.get(number=response.json()["number"])
    assert Recusal.objects.filter(case=case, staff=world.user("officer")).exists()


def test_superscript_digits_are_normalised_like_full_width_ones(world) -> None:
    """NFKC turns ¹²³ into 123, as it turns １２３ into 123: one rule for every compatibility
    digit, and the same person whichever way the digits were typed."""
    StaffProfile.objects.filter(user=world.user("officer")).update(id_number=ID_LIU)
    court = Api.token(world.user("judicial_organ"))
    response = court.post(
        "/api/notifications", party_id(NOTIFICATION, ID_LIU.translate(SUPERSCRIPT))
    )
    assert response.status_code == 201, response.content.decode()
    case = Case.objects.get(number=response.json()["number"])
    assert Party.objects.get(case=case).id_number == ID_LIU
    assert Recusal.objects.filter(case=case, staff=world.user("officer")).exists()
    # The same number again, in full-width digits, is the same letter's same party.
    again = court.post("/api/notifications", party_id(NOTIFICATION, ID_LIU.translate(FULL_WIDTH)))
    assert again.status_code == 200


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("٥٠٠١٠٩١٩٦٧٠٦٠٩٧٥٥٢", ["数字"]),  # Arabic-Indic digits: not digits after NFKC
        ("5001091967060975５\u0663", ["数字"]),
        ("50010919670609755\u00b3", ["校验码"]),  # ³ is 3: a wrong check digit, not a crash
        ("500109196706097５５3", ["校验码"]),
        ("5001091967060975 5 2 0", ["18 位"]),
        ("50010919670609755Ｙ", ["数字 0–9 或 X"]),
        ("50010919670609755\u200b", ["数字"]),  # a zero-width space is no digit, nor space
    ],
)
def test_id_numbers_that_are_not_ascii_digits_after_nfkc_are_a_400(world, value, words) -> None:
    officer = Api.session(world.user("officer"))
    before = snapshot()
    response = officer.post("/api/applications", party_id(APPLICATION, value))
    assert_refused(response, 400, "parties.0.id_number", *words)
    assert snapshot() == before


def test_spaces_in_an_id_number_are_dropped(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    spaced = f"{ID_LIU[:6]} {ID_LIU[6:14]}\u3000{ID_LIU[14:]}"
    response = court.post("/api/notifications", party_id(NOTIFICATION, spaced))
    assert response.status_code == 201, response.content.decode()
    assert Party.objects.get().id_number == ID_LIU


def test_a_declared_id_number_that_is_not_valid_is_refused(world) -> None:
    from fayuan.errors import ActionError

    before = snapshot()
    with pytest.raises(ActionError) as caught:
        do_declare_person(world.user("officer"), "relative", "某人", id_number="５００１")
    assert caught.value.field == "id_number" and "18 位" in caught.value.message
    assert snapshot() == before


# --- times, dates ---------------------------------------------------------------------------


@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+23:59", "+14:30", "-12:30"])
def test_a_time_offset_no_zone_has_is_a_400(world, offset) -> None:
    court = Api.token(world.user("judicial_organ"))
    before = snapshot()
    body = changed(NOTIFICATION, "letter_received_at", f"2026-09-30T10:00:00{offset}")
    assert_refused(court.post("/api/notifications", body), 400, "letter_received_at", "时区")
    assert snapshot() == before


def test_a_grant_time_with_an_impossible_offset_is_a_400(world) -> None:
    officer = Api.session(world.user("officer"))
    number = officer.post("/api/applications", APPLICATION).json()["number"]
    before = snapshot()
    response = officer.post(f"/api/cases/{number}/grant", {"at": "2026-09-30T10:00:00+16:00"})
    assert_refused(response, 400, "at", "时区")
    assert snapshot() == before


def test_a_letter_received_before_the_policy_took_effect_is_a_400(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    before = snapshot()
    body = changed(NOTIFICATION, "letter_received_at", "2023-01-05T10:00:00+08:00")
    assert_refused(
        court.post("/api/notifications", body), 400, "letter_received_at", "2023-04-10", "施行"
    )
    assert snapshot() == before


def test_a_grant_before_the_policy_took_effect_is_a_400(world) -> None:
    officer = Api.session(world.user("officer"))
    number = officer.post("/api/applications", APPLICATION).json()["number"]
    before = snapshot()
    response = officer.post(f"/api/cases/{number}/grant", {"at": "2022-12-30T10:00:00+08:00"})
    assert_refused(response, 400, "at", "施行")
    assert snapshot() == before


def test_a_letter_received_in_the_future_is_a_400_beyond_a_small_clock_skew(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    before = snapshot()
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    body = changed(NOTIFICATION, "letter_received_at", later)
    assert_refused(court.post("/api/notifications", body), 400, "letter_received_at", "晚于")
    assert snapshot() == before
    # A sender's clock a minute ahead is not a reason to refuse the letter.
    soon = (timezone.now() + timedelta(seconds=60)).isoformat()
    body = changed(NOTIFICATION, "letter_received_at", soon)
    assert court.post("/api/notifications", body).status_code == 201


def test_an_agreement_signed_in_2099_or_tomorrow_is_a_400(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.post("/api/notifications", NOTIFICATION).json()["number"]
    officer = Api.session(world.user("officer"))
    director = Api.session(world.user("director"))
    proposal = officer.post(f"/api/cases/{number}/proposals", {}).json()
    base = f"/api/cases/{number}/proposals/{proposal['id']}"
    assert director.post(f"{base}/director-decision", {"approve": True}).status_code == 200
    assignment = officer.post(f"{base}/issue").json()
    code = assignment["institution"]["code"]
    from .test_api_support import institution_admin

    admin = Api.session(institution_admin(world, code))
    lawyer = _a_lawyer_of(world, code)
    assert (
        admin.post(f"/api/cases/{number}/handlers", {"practitioners": [lawyer]}).status_code == 200
    )
    before = snapshot()
    for day in ("2099-01-01", (timezone.localdate() + timedelta(days=1)).isoformat()):
        response = admin.post(f"/api/cases/{number}/agreement", {"signed_on": day})
        assert_refused(response, 400, "signed_on", "晚于")
    assert snapshot() == before
    today = timezone.localdate().isoformat()
    assert admin.post(f"/api/cases/{number}/agreement", {"signed_on": today}).status_code == 200


def _a_lawyer_of(world, code: str) -> str:
    from fayuan.roster.models import Practitioner

    return (
        Practitioner.objects.filter(
            center=world.center, institution__code=code, kind="lawyer", status="active"
        )
        .order_by("-criminal_defense_cases")
        .values_list("code", flat=True)
        .first()
    )


def test_a_collective_discussion_held_tomorrow_is_a_400(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    body = changed(NOTIFICATION, "major_difficult", True)
    number = court.post("/api/notifications", body).json()["number"]
    officer = Api.session(world.user("officer"))
    director = Api.session(world.user("director"))
    proposal = officer.post(f"/api/cases/{number}/proposals", {}).json()
    url = f"/api/cases/{number}/proposals/{proposal['id']}/discussion"
    before = snapshot()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    discussion = {"held_on": tomorrow, "participants": ["甲", "乙"], "conclusion": "同意"}
    assert_refused(director.post(url, discussion), 400, "held_on", "晚于")
    assert snapshot() == before


# --- NUL, control characters ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/cases/BEIBEI-2026%00-000001",
        "/api/cases/%00",
        "/api/cases?status=%00",
        "/api/cases/X/notice.pdf?x=%00",
        "/api/whatever%00",
        "/whatever%00",
    ],
)
def test_a_nul_in_a_path_or_query_is_a_400(world, path) -> None:
    court = Api.token(world.user("judicial_organ"))
    before = snapshot()
    response = court.client.get(path, headers=court.headers)
    assert response.status_code == 400, response.content.decode()
    if path.startswith("/api/"):
        body = response.json()
        assert body["error"] == "invalid" and CHINESE.search(body["message"])
        assert "控制字符" in body["message"]
    else:
        assert "控制字符" in response.content.decode()
    assert snapshot() == before


def test_a_nul_in_a_posted_path_is_a_400_and_writes_nothing(world) -> None:
    officer = Api.session(world.user("officer"))
    before = snapshot()
    response = officer.post("/api/cases/A%00B/grant", {})
    assert response.status_code == 400
    assert "控制字符" in response.json()["message"]
    assert snapshot() == before


def _roster(world) -> dict[str, Any]:
    return Api.session(world.user("officer")).ok("GET", "/api/roster")


@pytest.mark.parametrize(
    ("path", "value", "column"),
    [
        ("institutions.0.name", "某\x00律师事务所", "name"),
        ("institutions.0.locality", "天生\x00街道", "locality"),
        ("practitioners.0.name", "张\x00三", "name"),
        ("practitioners.0.specialties", ["刑事\x00辩护"], "specialties"),
        ("practitioners.0.id", "L\x00001", "id"),
        ("center.name", "中心\x00", "name"),
    ],
)
def test_a_nul_in_a_roster_field_is_a_400_naming_it(world, path, value, column) -> None:
    officer = Api.session(world.user("officer"))
    roster = _roster(world)
    before = snapshot()
    response = officer.post("/api/roster", changed(roster, path, value))
    assert response.status_code == 400, response.content.decode()
    body = response.json()
    assert "控制字符" in json.dumps(body, ensure_ascii=False), body
    assert any(row["column"] == column for row in body["errors"]), body
    assert snapshot() == before


def test_a_lone_surrogate_is_a_400_not_an_encoding_crash(world) -> None:
    """JSON's "\\ud800" decodes to a lone surrogate, which neither database can encode."""
    officer = Api.session(world.user("officer"))
    before = snapshot()
    response = officer.post("/api/applications", changed(APPLICATION, "parties.0.name", "张\ud800"))
    assert_refused(response, 400, "parties.0.name", "代理项")
    response = officer.post(
        "/api/roster", changed(_roster(world), "practitioners.0.name", "\udfff")
    )
    assert response.status_code == 400
    assert any("代理项" in row["message"] for row in response.json()["errors"])
    assert snapshot() == before


def test_a_nul_in_a_text_field_of_every_input_is_a_400(world) -> None:
    officer = Api.session(world.user("officer"))
    before = snapshot()
    for field in ("summary", "locality", "specialty", "wishes", "parties.0.address"):
        response = officer.post("/api/applications", changed(APPLICATION, field, "a\x00b"))
        assert_refused(response, 400, field, "控制字符")
    assert snapshot() == before


# --- nesting, size, multipart ---------------------------------------------------------------


def test_a_roster_nested_1000_deep_is_a_400(world) -> None:
    officer = Api.session(world.user("officer"))
    before = snapshot()
    deep = "[" * 1000 + "]" * 1000
    raw = '{"center": {"id": "beibei", "name": "x"}, "institutions": ' + deep + "}"
    response = officer.post("/api/roster", raw=raw)
    assert_refused(response, 400, None, "嵌套")
    nested_dict = '{"a":' * 1000 + "1" + "}" * 1000
    assert_refused(officer.post("/api/roster", raw=nested_dict), 400, None, "嵌套")
    assert_refused(officer.post("/api/applications", raw=nested_dict), 400, None, "嵌套")
    # Brackets inside strings are text, not nesting.
    text = changed(APPLICATION, "summary", "[{" * 1000)
    assert officer.post("/api/applications", text).status_code == 201
    before = snapshot()
    assert snapshot() == before


def test_a_3_mb_body_is_a_413_in_chinese(world) -> None:
    officer = Api.session(world.user("officer"))
    before = snapshot()
    big = changed(APPLICATION, "summary", "案" * (1024 * 1024))  # 3 MiB of UTF-8
    for path in ("/api/applications", "/api/roster", "/api/cases/X/grant"):
        response = officer.post(path, big)
        assert response.status_code == 413, (path, response.content[:300])
        body = response.json()
        assert body["error"] == "invalid" and body["field"] is None
        assert "过大" in body["message"] and "MB" in body["message"]
    assert snapshot() == before


def test_a_body_over_the_limit_without_a_content_length_is_a_413(world) -> None:
    """Django counts what it reads, whatever the header says (a chunked upload has none)."""
    officer = Api.session(world.user("officer"))
    before = snapshot()
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        big = changed(APPLICATION, "summary", "案" * 400)
        response = officer.post("/api/applications", big)
    assert response.status_code == 413, response.content[:300]
    assert "过大" in response.json()["message"]
    assert snapshot() == before


def test_multipart_without_a_boundary_is_a_400(world) -> None:
    officer = Api.session(world.user("officer"))
    before = snapshot()
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=", "multipart/x"):
        response = officer.client.post(
            "/api/roster.xlsx",
            data=b"--x\r\n\r\n",
            content_type=content_type,
            headers=officer.headers,
        )
        assert response.status_code == 400, (content_type, response.content[:300])
        body = response.json()
        assert body["error"] == "invalid" and CHINESE.search(body["message"])
        assert "multipart" in body["message"]
    assert snapshot() == before


def test_a_workbook_upload_over_the_upload_limit_is_a_413(world) -> None:
    officer = Api.session(world.user("officer"))
    before = snapshot()
    with override_settings(FAYUAN_MAX_UPLOAD_BYTES=10_000):
        response = officer.client.post(
            "/api/roster.xlsx",
            data={"file": ("big.xlsx", b"x" * 20_000)},
            headers=officer.headers,
        )
    assert response.status_code == 413, response.content[:300]
    assert "过大" in response.json()["message"]
    assert snapshot() == before


# --- unknown URLs, methods, crashes ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/whatever", "/api/cases/X/whatever", "/api/"])
def test_an_unknown_api_url_is_a_404_in_chinese_json(world, path) -> None:
    court = Api.token(world.user("judicial_organ"))
    response = court.client.get(path, headers=court.headers)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body == {"error": "not_found", "field": None, "message": body["message"]}
    assert CHINESE.search(body["message"])
    anonymous = Client().post(path, data="{}", content_type="application/json")
    assert anonymous.status_code == 404 and anonymous.json()["error"] == "not_found"


def test_an_unknown_page_is_a_plain_chinese_404() -> None:
    response = Client().get("/whatever")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "找不到" in text and "Traceback" not in text


def test_a_wrong_method_is_a_405_in_chinese_json(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    response = court.client.delete("/api/cases", headers=court.headers)
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    body = response.json()
    assert body["error"] == "invalid" and "请求方法" in body["message"]
    response = court.client.get("/api/notifications", headers=court.headers)
    assert response.status_code == 405 and "POST" in response["Allow"]
    assert response.json()["error"] == "invalid"


def test_a_crash_is_a_500_in_chinese_json_for_the_api_and_a_chinese_page_elsewhere(
    world, monkeypatch
) -> None:
    from fayuan.api import views_cases
    from fayuan.web import views

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(views_cases, "visible_cases", boom)
    court = Api.token(world.user("judicial_organ"))
    client = Client(raise_request_exception=False)
    response = client.get("/api/cases", headers=court.headers)
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "server_error" and body["field"] is None
    assert CHINESE.search(body["message"]) and "boom" not in body["message"]
    monkeypatch.setattr(views, "render_to_string", boom)
    client.force_login(world.user("officer"))
    page = client.get("/")
    assert page.status_code == 500
    assert "服务器" in page.content.decode() and "boom" not in page.content.decode()


def test_a_too_long_case_number_in_the_path_is_a_400(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    response = court.get("/api/cases/" + "X" * 41)
    assert_refused(response, 400, "number", "40")


def test_every_input_the_schema_describes_is_bounded() -> None:
    """Every string of a request (path, query, body) has a maxLength, every array a maxItems and
    every integer a maximum in the OpenAPI description: what the API enforces, it says."""
    from fayuan.api import api

    spec = api.get_openapi_schema()
    components = spec["components"]["schemas"]
    unbounded: list[str] = []

    def resolve(schema: Any) -> Any:
        while isinstance(schema, dict) and "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def walk(schema: Any, where: str) -> None:
        schema = resolve(schema)
        if not isinstance(schema, dict):
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                walk(option, where)
        kind = schema.get("type")
        free = "enum" not in schema and "const" not in schema
        text = free and schema.get("format") not in ("date", "date-time", "binary")
        if kind == "string" and text and "maxLength" not in schema:
            unbounded.append(f"{where}: maxLength")
        if kind == "array":
            if "maxItems" not in schema:
                unbounded.append(f"{where}: maxItems")
            walk(schema.get("items", {}), f"{where}[]")
        if kind == "integer" and "maximum" not in schema:
            unbounded.append(f"{where}: maximum")
        for name, child in schema.get("properties", {}).items():
            walk(child, f"{where}.{name}")

    operations = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            operations += 1
            for parameter in operation.get("parameters", []):
                walk(parameter["schema"], f"{method} {path} {parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], f"{method} {path} body")
            documented = {str(status) for status in operation["responses"]}
            assert {"400", "401", "403", "404", "409", "413"} <= documented, (path, documented)
    assert operations >= 25
    assert unbounded == []


@pytest.mark.parametrize("record", ["0", "-1", str(2**63), str(2**70)])
def test_a_record_id_out_of_range_is_a_400_naming_it(world, record) -> None:
    officer = Api.session(world.user("officer"))
    number = officer.post("/api/applications", APPLICATION).json()["number"]
    before = snapshot()
    response = officer.post(f"/api/cases/{number}/proposals/{record}/issue")
    assert_refused(response, 400, "proposal_id", "数值")
    assert snapshot() == before


def test_a_practitioner_with_too_many_specialties_is_refused(world) -> None:
    officer = Api.session(world.user("officer"))
    roster = changed(_roster(world), "practitioners.0.specialties", [f"专业{n}" for n in range(51)])
    before = snapshot()
    response = officer.post("/api/roster", roster)
    assert response.status_code == 400
    assert any(
        row["column"] == "specialties" and "50" in row["message"]
        for row in response.json()["errors"]
    )
    assert snapshot() == before


def test_the_admin_normalises_a_declared_id_number_and_refuses_a_bad_one(world) -> None:
    """第八条 declarations are entered in the admin: the same one form as the API's."""
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("root", password="pw-root-123456")
    client = Client()
    client.force_login(root)
    url = "/admin/accounts/declaredperson/add/"
    form = {
        "user": world.user("officer").pk,
        "kind": "relative",
        "name": "王大明",
        "relation": "parent",
        "note": "",
    }
    before = snapshot()
    bad = client.post(url, {**form, "id_number": "٥٠٠١٠٩١٩٦٧٠٦٠٩٧٥٥٢"})
    assert bad.status_code == 200 and "身份证号码无效" in bad.content.decode()
    assert snapshot() == before
    good = client.post(url, {**form, "id_number": ID_LIU.translate(FULL_WIDTH)})
    assert good.status_code == 302, good.content.decode()[:2000]
    assert DeclaredPerson.objects.get().id_number == ID_LIU
