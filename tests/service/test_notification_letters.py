"""Notification letters (第六条): one letter is registered once however its number is typed
(NFKC, case-folding, dashes: `fayuan.cases.letters.letter_key`, held by a unique constraint);
the same letter again answers the same case (200) and writes nothing; the same letter with
other content is a 409 naming the fields that differ, never a silent 200."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from fayuan.audit.models import AuditEvent
from fayuan.cases.letters import letter_key
from fayuan.cases.models import Case, Party

from .test_api_support import ID_LIU, Api, criminal_notification

pytestmark = pytest.mark.django_db

LETTER = "（2026）渝0109刑初123号"


@pytest.mark.parametrize(
    "typed",
    [
        "(2026)渝0109刑初123号",  # half-width brackets
        "（２０２６）渝０１０９刑初１２３号",  # full-width digits
        "〔2026〕渝0109刑初123号",  # the 公文 year brackets
        " （2026） 渝0109刑初123号\u3000",  # spaces, an ideographic one too
    ],
)
def test_one_letter_however_typed(typed: str) -> None:
    assert letter_key(typed) == letter_key(LETTER) == "(2026)渝0109刑初123号"


@pytest.mark.parametrize("dash", list("-‐‑‒–—―－−﹣"))
def test_every_dash_is_one_dash(dash: str) -> None:
    assert letter_key(f"渝北检刑诉{dash}2026{dash}12") == "渝北检刑诉-2026-12"


def test_case_folded() -> None:
    assert letter_key("ＡＢ-2026-Ｘ1") == letter_key("ab-2026-x1") == "ab-2026-x1"


def test_different_letters_stay_different() -> None:
    assert letter_key("（2026）渝0109刑初123号") != letter_key("（2026）渝0109刑初1234号")
    assert letter_key("（2026）渝0109刑初123号") != letter_key("（2025）渝0109刑初123号")


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), Party.objects.count(), AuditEvent.objects.count()


def test_the_same_letter_typed_otherwise_answers_the_same_case(world: Any) -> None:
    organ = Api.token(world.user("judicial_organ"))
    first = organ.ok("POST", "/api/notifications", criminal_notification(LETTER), status=201)
    before = counts()
    for typed in ("(2026)渝0109刑初123号", "（２０２６）渝０１０９刑初１２３号"):
        again = organ.ok("POST", "/api/notifications", criminal_notification(typed), status=200)
        assert again["number"] == first["number"]
        assert again["letter_number"] == LETTER  # kept as first received
    assert counts() == before


def test_the_same_letter_with_other_content_is_a_409_naming_the_fields(world: Any) -> None:
    organ = Api.token(world.user("judicial_organ"))
    first = organ.ok("POST", "/api/notifications", criminal_notification(LETTER), status=201)
    before = counts()
    changed = criminal_notification("(2026)渝0109刑初123号")
    changed["summary"] = "另一份公函的内容。"
    changed["parties"][0]["name"] = "刘勇"
    response = organ.post("/api/notifications", changed)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "conflict"
    assert body["differences"] == ["parties", "summary"]
    assert body["field"] == "parties"
    assert first["number"] in body["message"]
    assert "当事人" in body["message"] and "案情摘要" in body["message"]
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"letter_received_at": "2026-09-30T11:00:00+08:00"}, "letter_received_at"),
        ({"locality": "东阳街道"}, "locality"),
        ({"category": "civil"}, "category"),
        ({"minor": True}, "minor"),
        ({"parties": [{"role": "aided", "name": "刘勇勇"}]}, "parties"),  # the ID number left out
    ],
)
def test_each_difference_is_named(world: Any, change: dict[str, Any], field: str) -> None:
    organ = Api.token(world.user("judicial_organ"))
    organ.ok("POST", "/api/notifications", criminal_notification(LETTER), status=201)
    response = organ.post("/api/notifications", criminal_notification(LETTER) | change)
    assert response.status_code == 409, response.content
    assert response.json()["differences"] == [field]


def test_the_same_instant_in_another_zone_and_parties_in_another_order_are_the_same(
    world: Any,
) -> None:
    organ = Api.token(world.user("judicial_organ"))
    letter = criminal_notification(LETTER)
    letter["parties"].append({"role": "opposing", "name": "某公司"})
    first = organ.ok("POST", "/api/notifications", letter, status=201)
    again = dict(letter)
    again["letter_received_at"] = "2026-09-30T02:00:00+00:00"
    again["parties"] = list(reversed(letter["parties"]))
    assert organ.ok("POST", "/api/notifications", again, status=200)["number"] == first["number"]


def test_the_database_holds_one_case_per_organ_and_key(world: Any) -> None:
    organ = Api.token(world.user("judicial_organ"))
    first = organ.ok("POST", "/api/notifications", criminal_notification(LETTER), status=201)
    case = Case.objects.get(number=first["number"])
    assert case.letter_key == letter_key(LETTER)
    clone = Case.objects.get(pk=case.pk)
    clone.pk = None
    clone.number = "CLONE-1"
    clone.letter_number = "（２０２６）渝０１０９刑初１２３号"
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_the_migration_fills_the_key_and_keeps_old_twins_apart(world: Any) -> None:
    """Cases registered before the key existed: two of one organ whose numbers differ only in
    how they were typed both stay; the later one's key gets its case number."""
    organ = Api.token(world.user("judicial_organ"))
    one = organ.ok("POST", "/api/notifications", criminal_notification(LETTER), status=201)
    two = organ.ok("POST", "/api/notifications", criminal_notification("其他文号"), status=201)
    # As the old column allowed: the second letter typed like the first, the keys not yet set.
    Case.objects.filter(number=two["number"]).update(
        letter_number="(2026)渝0109刑初123号", letter_key="x"
    )
    Case.objects.filter(number=one["number"]).update(letter_key="y")
    migration = importlib.import_module("fayuan.cases.migrations.0004_letter_key")
    migration.fill_keys(apps, None)
    keys = dict(Case.objects.values_list("number", "letter_key"))
    assert keys[one["number"]] == letter_key(LETTER)
    assert keys[two["number"]] == f"{letter_key(LETTER)}#{two['number']}"


def test_a_letter_number_whose_key_is_too_long_is_refused(world: Any) -> None:
    organ = Api.token(world.user("judicial_organ"))
    letter = criminal_notification("㍿" * 40)  # NFKC: each becomes 株式会社 (4 characters)
    response = organ.post("/api/notifications", letter)
    assert response.status_code == 400
    assert response.json()["field"] == "letter_number"


def test_the_party_id_is_compared_as_stored(world: Any) -> None:
    organ = Api.token(world.user("judicial_organ"))
    organ.ok("POST", "/api/notifications", criminal_notification(LETTER), status=201)
    again = criminal_notification(LETTER)
    again["parties"][0]["id_number"] = ID_LIU.translate(
        str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789"})
    )  # full-width digits: normalised before storing, so the same
    assert organ.post("/api/notifications", again).status_code == 200
