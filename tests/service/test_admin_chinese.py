"""The admin is in Chinese throughout: its titles, every app's name and the words of its pages
(the installation's superuser signs in to the index and a few changelists)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

ENGLISH = [
    "Django administration",
    "Django site admin",
    "Site administration",
    "Add",
    "Change",
    "Groups",
    "Users",
    "Recent actions",
    "Log out",
]
APP_LABELS = [
    "Accounts",
    "Cases",
    "Workflow",
    "Roster",
    "Audit",
    "Holidays",
    "Messaging",
    "Security",
    "Axes",
    "Authentication and Authorization",
]
PAGES = [
    "/admin/",
    "/admin/cases/case/",
    "/admin/roster/institution/",
    "/admin/auth/user/",
    "/admin/holidays/",
    "/admin/axes/accessattempt/",
]


def visible(html: str) -> str:
    """The words a reader sees: no tags, no scripts' text."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def admin_client(world: Any) -> Client:
    User.objects.create_superuser("root", password="pw-root")
    client = Client()
    client.force_login(User.objects.get(username="root"))
    return client


def test_the_admin_titles_are_chinese(admin_client: Client) -> None:
    text = admin_client.get("/admin/").content.decode()
    assert "法援指派管理后台" in text
    assert "<title>" in text and "法援指派" in text.split("<title>")[1].split("</title>")[0]
    assert "认证和授权" in visible(text)  # Django's own zh_Hans for the auth app


@pytest.mark.parametrize("url", PAGES)
def test_no_english_words_on_admin_pages(admin_client: Client, url: str) -> None:
    response = admin_client.get(url)
    assert response.status_code == 200, url
    text = visible(response.content.decode())
    for word in ENGLISH + APP_LABELS:
        assert not re.search(rf"\b{re.escape(word)}\b", text), f"{url}: {word!r} in {text[:400]}"


def test_the_browser_language_does_not_switch_the_admin(admin_client: Client) -> None:
    text = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Site administration" not in text and "法援指派管理后台" in text


def test_the_calendar_entry_is_reachable_for_the_director(world: Any) -> None:
    client = Client()
    client.force_login(world.user("director"))
    assert 'href="/admin/holidays/"' in client.get("/rotation/").content.decode()


@pytest.mark.django_db
def test_permission_names_are_chinese_after_migrate() -> None:
    from django.contrib.auth.models import Permission

    perm = Permission.objects.get(codename="add_case", content_type__app_label="cases")
    assert perm.name == "可以新增法律援助案件"
    assert Permission.objects.get(codename="view_user").name == "可以查看用户"
    assert not Permission.objects.filter(name__startswith="Can ").exists()


@pytest.mark.django_db
def test_model_fields_have_chinese_labels() -> None:
    """What the admin's forms and lists show as column and field names."""
    from django.apps import apps

    english = [
        f"{m._meta.label}.{f.name}"
        for m in apps.get_models()
        if m.__module__.startswith("fayuan")
        for f in m._meta.get_fields()
        if getattr(f, "concrete", False)
        and f.name not in ("id", "sha256")
        and str(getattr(f, "verbose_name", "")).isascii()
    ]
    assert english == []


@pytest.mark.django_db
def test_the_admins_javascript_strings_are_chinese() -> None:
    """The two-list chooser of permissions (SelectFilter2.js) reads its words from /admin/jsi18n/;
    Django 5.2's zh_Hans catalogue lacks some, our own (src/fayuan/locale) adds them."""
    admin = User.objects.create_superuser("root-js", password="pw-root-js")
    client = Client()
    client.force_login(admin)
    catalog = client.get("/admin/jsi18n/").content.decode()
    # The catalogue is JSON inside the script: its Chinese as \uXXXX escapes.
    for english, chinese in (("Choose all %s", "全选%s"), ("Remove all %s", "全部移除%s")):
        assert f'"{english}": {json.dumps(chinese)}' in catalog, english
