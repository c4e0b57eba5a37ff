"""Bad input through the API: each is a 4xx naming the field, with a Chinese message, and
writes nothing (no case, no party, no audit event). Forbidden roles, other organs' cases,
missing credentials, workflow steps out of order, and the idempotent notification."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fayuan.accounts.models import ApiToken, JudicialOrgan, OrganKind, Role
from fayuan.cases.models import Case

from .conftest import make_user
from .test_api_support import (
    CHINESE,
    ID_BAD_CHECK,
    Api,
    counts,
    criminal_notification,
    labour_group_application,
)

pytestmark = pytest.mark.django_db


def changed(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`body` with `path` (dotted, list indexes as numbers) set to `value`, or removed."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is REMOVE:
        del target[last]
    else:
        target[int(last) if isinstance(target, list) else last] = value
    return body


REMOVE = object()


def assert_refused(response: Any, status: int, field: str | None, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert set(body) >= {"error", "field", "message"}
    assert (
        body["error"]
        == {
            400: "invalid",
            401: "forbidden",
            403: "forbidden",
            404: "not_found",
            409: "conflict",
        }[status]
    )
    assert body["field"] == field, body
    assert CHINESE.search(body["message"]), body
    for word in words:
        assert word in body["message"], body
    return body


APPLICATION = labour_group_application()
NOTIFICATION = criminal_notification()


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        (
            "/api/applications",
            changed(APPLICATION, "parties.1.id_number", ID_BAD_CHECK),
            "parties.1.id_number",
            ["校验码"],
        ),
        (
            "/api/applications",
            changed(APPLICATION, "parties.0.id_number", "50010919"),
            "parties.0.id_number",
            ["18 位"],
        ),
        ("/api/applications", changed(APPLICATION, "locality", "不存在镇"), "locality", ["镇街"]),
        (
            "/api/applications",
            changed(APPLICATION, "chosen_institution", "F99"),
            "chosen_institution",
            ["F99"],
        ),
        (
            "/api/applications",
            changed(APPLICATION, "helped_by_institution", "F99"),
            "helped_by_institution",
            ["F99"],
        ),
        (
            "/api/applications",
            changed(APPLICATION, "chosen_practitioner", "L999"),
            "chosen_practitioner",
            ["L999"],
        ),
        ("/api/applications", changed(APPLICATION, "category", REMOVE), "category", ["缺少"]),
        ("/api/applications", changed(APPLICATION, "channel", REMOVE), "channel", ["缺少"]),
        ("/api/applications", changed(APPLICATION, "category", "family"), "category", ["criminal"]),
        ("/api/applications", changed(APPLICATION, "aided_persons", "六十"), "aided_persons", []),
        ("/api/applications", changed(APPLICATION, "aided_persons", "60"), "aided_persons", []),
        ("/api/applications", changed(APPLICATION, "aided_persons", 0), "aided_persons", []),
        (
            "/api/applications",
            changed(APPLICATION, "aided_persons", 10**12),
            "aided_persons",
            [],
        ),
        (
            "/api/applications",
            changed(APPLICATION, "social_impact", "yes"),
            "social_impact",
            ["true"],
        ),
        ("/api/applications", changed(APPLICATION, "parties", "张三"), "parties", ["数组"]),
        ("/api/applications", changed(APPLICATION, "parties", []), "parties", []),
        (
            "/api/applications",
            changed(APPLICATION, "parties.0.role", "witness"),
            "parties.0.role",
            ["aided"],
        ),
        ("/api/applications", changed(APPLICATION, "parties.0.name", "  "), "parties.0.name", []),
        (
            "/api/applications",
            changed(APPLICATION, "parties.0.name", "张" * 101),
            "parties.0.name",
            ["100"],
        ),
        (
            "/api/applications",
            changed(APPLICATION, "parties.0.name", "张\x00三"),
            "parties.0.name",
            ["控制字符"],
        ),
        ("/api/applications", changed(APPLICATION, "parties.0.nmae", "张三"), "parties.0.nmae", []),
        (
            "/api/applications",
            changed(APPLICATION, "channel", "workstation"),
            "workstation",
            ["工作站"],
        ),
        (
            "/api/applications",
            changed(APPLICATION, "workstation", "不存在司法所"),
            "workstation",
            ["不存在司法所"],
        ),
        (
            "/api/applications",
            changed(APPLICATION, "parties", [{"role": "opposing", "name": "某公司"}]),
            "parties",
            ["受援人"],
        ),
        (
            "/api/notifications",
            changed(NOTIFICATION, "letter_received_at", "2026-09-30T10:00:00"),
            "letter_received_at",
            ["时区"],
        ),
        (
            "/api/notifications",
            changed(NOTIFICATION, "letter_received_at", "9月30日"),
            "letter_received_at",
            [],
        ),
        (
            "/api/notifications",
            changed(NOTIFICATION, "letter_received_at", "1990-01-01T10:00:00+08:00"),
            "letter_received_at",
            ["范围"],
        ),
        (
            "/api/notifications",
            changed(NOTIFICATION, "letter_number", REMOVE),
            "letter_number",
            ["缺少"],
        ),
        ("/api/notifications", changed(NOTIFICATION, "letter_number", " "), "letter_number", []),
        (
            "/api/notifications",
            changed(NOTIFICATION, "organ", "重庆市渝北区人民法院"),
            "organ",
            ["本机关"],
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and "/" not in value else "",
)
def test_bad_intake_is_a_400_naming_the_field_and_writes_nothing(
    world, path: str, body: dict[str, Any], field: str, words: list[str]
) -> None:
    caller = Api.token(world.user("judicial_organ")) if "notification" in path else None
    caller = caller or Api.session(world.user("officer"))
    before = counts()
    response = caller.post(path, body)
    status = 403 if field == "organ" else 400
    assert_refused(response, status, field, *words)
    assert counts() == before


def test_a_body_that_is_not_json_or_not_there(world) -> None:
    officer = Api.session(world.user("officer"))
    before = counts()
    assert_refused(officer.post("/api/applications", raw="{not json"), 400, None, "JSON")
    assert_refused(officer.post("/api/applications", raw=""), 400, None)
    assert_refused(officer.post("/api/applications", raw="[1, 2]"), 400, None)
    assert counts() == before


def test_staff_registering_a_letter_name_the_organ(world) -> None:
    officer = Api.session(world.user("officer"))
    before = counts()
    assert_refused(officer.post("/api/notifications", NOTIFICATION), 400, "organ", "办案机关")
    unknown = changed(NOTIFICATION, "organ", "不存在的法院")
    assert_refused(officer.post("/api/notifications", unknown), 400, "organ", "不存在的法院")
    assert counts() == before
    on_behalf = changed(NOTIFICATION, "organ", "重庆市北碚区人民法院")
    created = officer.post("/api/notifications", on_behalf)
    assert created.status_code == 201
    # The court's own submission of the same letter is the same case.
    court = Api.token(world.user("judicial_organ"))
    again = court.post("/api/notifications", NOTIFICATION)
    assert again.status_code == 200 and again.json()["number"] == created.json()["number"]


def test_the_same_letter_twice_is_one_case(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    cases, parties, _ = counts()
    first = court.post("/api/notifications", NOTIFICATION)
    second = court.post("/api/notifications", NOTIFICATION)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"]
    assert counts()[:2] == (cases + 1, parties + 1)
    # Another letter number is another case.
    third = court.post("/api/notifications", changed(NOTIFICATION, "letter_number", "另一文号"))
    assert third.status_code == 201 and third.json()["number"] != first.json()["number"]


def test_roles_that_may_not_act_get_403_and_nothing_changes(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.post("/api/notifications", NOTIFICATION).json()["number"]
    admin = Api.session(world.user("institution_admin"))
    supervisor = Api.session(world.user("supervisor"))
    before = counts()

    assert_refused(admin.post(f"/api/cases/{number}/proposals", {}), 403, None, "指派意见")
    assert_refused(admin.post(f"/api/cases/{number}/engine"), 403, None)
    assert_refused(supervisor.post(f"/api/cases/{number}/grant", {}), 403, None)
    assert_refused(court.post("/api/applications", APPLICATION), 403, None, "办案机关")
    assert_refused(court.post(f"/api/cases/{number}/proposals", {}), 403, None)
    assert_refused(court.get("/api/roster"), 403, None)
    assert_refused(court.get(f"/api/cases/{number}/notice.pdf"), 403, None)
    officer = Api.session(world.user("officer"))
    assert_refused(
        officer.post(f"/api/cases/{number}/recusals/1/decision", {"grant": True}), 403, None
    )
    assert counts() == before


def test_cases_the_caller_may_not_see_are_404(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.post("/api/notifications", NOTIFICATION).json()["number"]
    procuratorate = JudicialOrgan.objects.create(
        center=world.center, name="重庆市北碚区人民检察院", kind=OrganKind.procuratorate
    )
    other = Api.token(make_user(world.center, "jcy", Role.judicial_organ, organ=procuratorate))
    assert_refused(other.get(f"/api/cases/{number}"), 404, None, number)
    assert_refused(other.get("/api/cases/NO-SUCH-CASE"), 404, None)
    assert other.get("/api/cases").json() == {"count": 0, "items": []}
    # An institution sees a case only once it is assigned to it.
    admin = Api.session(world.user("institution_admin"))
    assert_refused(admin.get(f"/api/cases/{number}"), 404, None)
    assert_refused(
        admin.post(f"/api/cases/{number}/handlers", {"practitioners": ["L013"]}), 404, None
    )


def test_unknown_institution_in_a_proposal_and_a_departure_without_reason(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.post("/api/notifications", NOTIFICATION).json()["number"]
    officer = Api.session(world.user("officer"))
    engine = officer.post(f"/api/cases/{number}/engine").json()
    before = counts()
    assert_refused(
        officer.post(f"/api/cases/{number}/proposals", {"institution": "F99"}),
        400,
        "institution",
        "F99",
    )
    other = next(
        code for code in ("F02", "F03", "F04", "F05") if code != engine["institution"]["code"]
    )
    assert_refused(
        officer.post(f"/api/cases/{number}/proposals", {"institution": other}),
        400,
        "override_reason",
        "理由",
    )
    # A grassroots office may not take a criminal case, whatever the reason (第二条).
    assert_refused(
        officer.post(
            f"/api/cases/{number}/proposals",
            {"institution": "G01", "override_reason": "申请人要求"},
        ),
        400,
        "institution",
        "不能承办",
    )
    assert counts() == before


def test_steps_out_of_order_are_409(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.post("/api/notifications", NOTIFICATION).json()["number"]
    officer = Api.session(world.user("officer"))
    director = Api.session(world.user("director"))
    proposal = officer.post(f"/api/cases/{number}/proposals", {}).json()
    base = f"/api/cases/{number}/proposals/{proposal['id']}"
    before = counts()
    assert_refused(officer.post(f"{base}/issue"), 409, None, "批准")
    assert_refused(officer.post(f"/api/cases/{number}/grant", {}), 409, None)
    assert_refused(
        officer.post(f"/api/cases/{number}/agreement", {"signed_on": "2026-10-01"}),
        403,
        None,
    )
    assert_refused(director.post(f"{base}/discussion", _discussion()), 409, None, "程序")
    assert counts() == before
    assert director.post(f"{base}/director-decision", {"approve": True}).status_code == 200
    assert_refused(director.post(f"{base}/director-decision", {"approve": True}), 409, None)
    assert_refused(director.post(f"{base}/director-decision", {"approve": "是"}), 400, "approve")
    assert_refused(officer.post(f"/api/cases/{number}/proposals/999999/issue"), 404, None)
    assert_refused(
        director.post(f"/api/cases/{number}/proposals/abc/director-decision", {}),
        400,
        "proposal_id",
    )


def test_a_rejection_needs_a_reason_and_goes_back_to_the_officer(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.post("/api/notifications", NOTIFICATION).json()["number"]
    officer = Api.session(world.user("officer"))
    director = Api.session(world.user("director"))
    proposal = officer.post(f"/api/cases/{number}/proposals", {}).json()
    url = f"/api/cases/{number}/proposals/{proposal['id']}/director-decision"
    assert_refused(director.post(url, {"approve": False}), 400, "reason", "理由")
    rejected = director.post(url, {"approve": False, "reason": "请核实利益冲突"}).json()
    assert rejected["proposal_status"] == "rejected" and rejected["case_status"] == "granted"


def test_no_credentials_a_bad_token_a_revoked_token_are_401(world) -> None:
    assert_refused(Api.anonymous().get("/api/cases"), 401, None, "令牌")
    bad = Api(Api.anonymous().client, {"Authorization": "Bearer fy_not-a-token"})
    assert_refused(bad.get("/api/cases"), 401, None)
    court = Api.token(world.user("judicial_organ"))
    assert court.get("/api/cases").status_code == 200
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00+08:00")
    assert_refused(court.get("/api/cases"), 401, None)
    before = counts()
    assert_refused(Api.anonymous().post("/api/notifications", NOTIFICATION), 401, None)
    assert counts() == before


def test_a_session_post_without_the_csrf_token_is_refused(world) -> None:
    officer = Api.session(world.user("officer"))
    no_csrf = Api(officer.client, {})
    before = counts()
    assert_refused(no_csrf.post("/api/applications", APPLICATION), 403, None, "CSRF")
    assert counts() == before
    assert officer.post("/api/applications", APPLICATION).status_code == 201


def test_list_filter_is_checked(world) -> None:
    officer = Api.session(world.user("officer"))
    assert_refused(officer.get("/api/cases", status="lost"), 400, "status", "granted")
    assert_refused(officer.get("/api/cases", limit="0"), 400, "limit")
    assert Case.objects.count() == 0


def _discussion() -> dict[str, Any]:
    return {"held_on": "2026-10-01", "participants": ["甲", "乙"], "conclusion": "同意"}


GARBAGE = ["[]", "null", '"x"', "1e999", '{"a": 1}', '{"approve": null}', "{" * 5000]


def test_garbage_anywhere_is_never_a_500(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    number = court.post("/api/notifications", NOTIFICATION).json()["number"]
    staff = [Api.session(world.user(role)) for role in ("officer", "director", "bureau_section")]
    huge = 2**70
    paths = [
        "/api/applications",
        "/api/notifications",
        f"/api/cases/{number}/grant",
        f"/api/cases/{number}/proposals",
        f"/api/cases/{number}/proposals/{huge}/director-decision",
        f"/api/cases/{number}/proposals/{huge}/discussion",
        f"/api/cases/{number}/proposals/{huge}/bureau-report",
        f"/api/cases/{number}/proposals/{huge}/bureau-decision",
        f"/api/cases/{number}/proposals/-1/issue",
        f"/api/cases/{number}/handlers",
        f"/api/cases/{number}/agreement",
        f"/api/cases/{number}/handler-changes",
        f"/api/cases/{number}/handler-changes/{huge}/decision",
        f"/api/cases/{number}/close",
        f"/api/cases/{number}/recusals",
        f"/api/cases/{number}/recusals/{huge}/decision",
        "/api/roster",
    ]
    before = counts()
    for caller in staff:
        for path in paths:
            for raw in GARBAGE:
                response = caller.post(path, raw=raw)
                assert 400 <= response.status_code < 500, (path, raw[:20], response.content[:200])
                assert response.json()["message"]
    for query in ({"offset": str(huge)}, {"limit": "-1"}, {"status": ""}):
        assert staff[0].get("/api/cases", **query).status_code in (200, 400)
    assert counts() == before


def test_a_grant_cannot_be_dated_in_the_future(world) -> None:
    officer = Api.session(world.user("officer"))
    number = officer.post("/api/applications", APPLICATION).json()["number"]
    before = counts()
    assert_refused(
        officer.post(f"/api/cases/{number}/grant", {"at": "2099-01-01T09:00:00+08:00"}),
        400,
        "at",
        "晚于",
    )
    assert counts() == before
