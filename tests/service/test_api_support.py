"""Calling the API the way its users do: a judicial organ with its bearer token (issued by the
`api_token` command), staff through their browser session with the CSRF token.

Shared by the `test_api_*` modules; it holds no tests of its own.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from fayuan.accounts.models import Role
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case, Party
from fayuan.roster.models import Institution

from .conftest import World, make_user

CSRF_SECRET = "a" * 16 + "B" * 16  # 32 letters and digits: what Django's CSRF cookie holds
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Valid GB 11643 numbers (checksums computed by fayuan.identity), and one with a bad check digit.
ID_LIU = "500109196706097552"
ID_BAD_CHECK = "500109196706097553"


def valid_id(body17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11]
    )


class Api:
    """One caller: `token` sends `Authorization: Bearer …`; `session` logs in and sends the
    CSRF header on every unsafe request, as the browser's JavaScript would."""

    def __init__(self, client: Client, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    @classmethod
    def token(cls, user: User, name: str = "测试对接") -> Api:
        out = io.StringIO()
        call_command(
            "api_token", "create", user.username, "--name", name, stdout=out, stderr=io.StringIO()
        )
        raw = out.getvalue().strip()
        return cls(Client(enforce_csrf_checks=True), {"Authorization": f"Bearer {raw}"})

    @classmethod
    def session(cls, user: User) -> Api:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        client.cookies["csrftoken"] = CSRF_SECRET
        return cls(client, {"X-CSRFToken": CSRF_SECRET})

    @classmethod
    def anonymous(cls) -> Api:
        return cls(Client(enforce_csrf_checks=True), {})

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: Any = None, *, raw: str | None = None) -> Any:
        data = raw if raw is not None else json.dumps({} if body is None else body)
        return self.client.post(
            path, data=data, content_type="application/json", headers=self.headers
        )

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        """The JSON of a call that must succeed with `status`."""
        response = self.get(path) if method == "GET" else self.post(path, body)
        assert response.status_code == status, (path, response.status_code, response.content)
        return response.json()


def institution_admin(world: World, code: str) -> User:
    """The admin account of institution `code` (the fixture has one for F04 only)."""
    existing = User.objects.filter(
        profile__institution__code=code, profile__role="institution_admin"
    )
    if existing.exists():
        return existing.get()
    institution = Institution.objects.get(center=world.center, code=code)
    return make_user(
        world.center, f"admin-{code.lower()}", Role.institution_admin, institution=institution
    )


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), Party.objects.count(), AuditEvent.objects.count()


def criminal_notification(letter: str = "（2026）渝0109刑初123号") -> dict[str, Any]:
    return {
        "category": "criminal",
        "locality": "天生街道",
        "letter_number": letter,
        "letter_received_at": "2026-09-30T10:00:00+08:00",
        "summary": "被告人刘勇勇涉嫌盗窃罪，本院依法通知辩护。",
        "parties": [
            {"role": "aided", "name": "刘勇勇", "id_number": ID_LIU, "phone": "13812345678"}
        ],
    }


def labour_group_application() -> dict[str, Any]:
    workers = [
        ("王小明", valid_id("50010919850312123")),
        ("陈大华", valid_id("50010919790708456")),
        ("周建国", valid_id("50010919921130789")),
    ]
    return {
        "category": "labor_arbitration",
        "locality": "天生街道",
        "aided_persons": 60,
        "specialty": "劳动争议",
        "channel": "counter",
        "summary": "60 名农民工追索劳动报酬，申请劳动仲裁。",
        "parties": [
            {
                "role": "aided",
                "name": name,
                "id_number": id_number,
                "phone": f"1390000{n:04d}",
                "address": "重庆市北碚区天生街道",
                "is_applicant": n == 0,
            }
            for n, (name, id_number) in enumerate(workers)
        ]
        + [{"role": "opposing", "name": "重庆某建筑劳务有限公司"}],
    }
