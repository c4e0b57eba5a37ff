"""Logins (django-axes on /login/ and /admin/login/, audited), passwords (Argon2, Django's
validators), the idle timeout of staff sessions, and the headers of every response: CSP without
inline code, no-store where personal data is."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from fayuan import settings as project_settings
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case

from .test_api_support import Api, criminal_notification

pytestmark = pytest.mark.django_db

PASSWORD = "pw-officer"  # conftest.make_user: "pw-" + username
WRONG = "Wrong-Secret-Guess-42"
TEMPLATES = Path(project_settings.__file__).resolve().parent


def audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def no_password_logged() -> None:
    for event in AuditEvent.objects.all():
        assert WRONG not in str(event.data) and PASSWORD not in str(event.data), event.action


@pytest.mark.parametrize("page", ["/login/", "/admin/login/"])
def test_both_login_pages_lock_out_after_five_failures_and_audit_them(world, page) -> None:
    officer = world.user("officer")
    officer.is_staff = True
    officer.save()
    client = Client()
    for _ in range(5):
        response = client.post(page, {"username": "officer", "password": WRONG})
        assert response.status_code in (200, 429)
    locked = client.post(page, {"username": "officer", "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    failures = audit("auth.login_failed")
    assert len(failures) >= 5
    assert failures[0].data["username"] == "officer"
    assert failures[0].data["ip"] == "127.0.0.1" and failures[0].data["path"] == page
    assert audit("auth.locked_out")
    assert not audit("auth.login")
    no_password_logged()
    # Another user from the same address is not locked out by these failures.
    director = world.user("director")
    director.is_staff = True
    director.save()
    ok = client.post(page, {"username": "director", "password": "pw-director"})
    assert ok.status_code == 302


def test_a_login_and_a_logout_are_audited(world) -> None:
    client = Client()
    response = client.post("/login/", {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    (login,) = audit("auth.login")
    assert login.actor_label == "officer" and login.data["ip"] == "127.0.0.1"
    client.post("/logout/")
    assert audit("auth.logout")
    no_password_logged()


def test_passwords_are_hashed_with_argon2_and_checked_by_the_standard_validators() -> None:
    # The tests themselves use a fast hasher (tests/conftest.py); the project's setting is Argon2.
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    names = {v["NAME"].rsplit(".", 1)[-1] for v in project_settings.AUTH_PASSWORD_VALIDATORS}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
    for weak in ("12345678901234", "password1234", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("correct-horse-battery-法援")
    from django.contrib.auth.hashers import Argon2PasswordHasher

    assert Argon2PasswordHasher().encode("x", Argon2PasswordHasher().salt()).startswith("argon2")


def test_a_staff_session_ends_after_thirty_idle_minutes_and_each_request_renews_it(world) -> None:
    assert project_settings.SESSION_COOKIE_AGE == 30 * 60
    assert project_settings.SESSION_SAVE_EVERY_REQUEST
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        client.post("/login/", {"username": "officer", "password": PASSWORD})
        assert client.get("/").status_code == 200
        for _ in range(3):  # active for 75 minutes, never idle for 30
            clock.shift(timedelta(minutes=25))
            assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_every_page_has_a_csp_without_inline_code(world) -> None:
    response = Client().get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_template_of_the_project_has_inline_script_or_style() -> None:
    for template in TEMPLATES.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<style" not in text, template
        assert " style=" not in text, template
        assert "<script>" not in text and "<script type" not in text, template
    for css in ("web/home.css", "web/login.css"):
        assert finders.find(css), css


def test_responses_with_personal_data_are_no_store(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    officer = Api.session(world.user("officer"))
    number = court.ok("POST", "/api/notifications", criminal_notification(), status=201)["number"]
    detail = officer.get(f"/api/cases/{number}")
    assert "no-store" in detail["Cache-Control"]
    assert "no-store" in officer.get("/api/cases")["Cache-Control"]
    assert "no-store" in officer.get(f"/api/cases/{number}/notice.pdf")["Cache-Control"]
    staff = User.objects.get(username="officer")
    staff.is_staff = True
    staff.save()
    client = Client()
    client.force_login(staff)
    pk = Case.objects.get(number=number).pk
    for url in ("/admin/cases/case/", f"/admin/cases/case/{pk}/change/", "/"):
        assert "no-store" in client.get(url)["Cache-Control"], url
