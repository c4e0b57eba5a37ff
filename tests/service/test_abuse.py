"""Abuse resistance on the public side (fayuan.abuse): rate limits, the human check, screening,
the 429 answer, and what a refused request leaves behind (nothing)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django import forms
from django.db import connection, connections
from django.http import HttpRequest
from django.test import Client, RequestFactory

from fayuan.abuse import challenge as ch
from fayuan.abuse import limits, screening
from fayuan.abuse.forms import HONEYPOT, HumanCheckMixin
from fayuan.abuse.models import RateCounter, Submission, UsedChallenge
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
#: A public prefix no page answers (404 under the limit, 429 over it).
PROBE = "/abuse-probe/"


def request(ip: str = "203.0.113.7", forwarded: str | None = None) -> HttpRequest:
    extra: dict[str, Any] = {"REMOTE_ADDR": ip}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/apply/", **extra)


# --- rate limits -------------------------------------------------------------------------------


def test_limit_admits_up_to_the_threshold_and_refuses_the_next() -> None:
    for _ in range(3):
        limits.hit("t.bucket", "k1", 3, 600)
    with pytest.raises(limits.RateLimited) as refused:
        limits.hit("t.bucket", "k1", 3, 600)
    assert refused.value.message.startswith("操作过于频繁，请 ")
    assert refused.value.message.endswith(" 分钟后再试。")
    assert 1 <= refused.value.retry_after <= 600
    assert limits.count("t.bucket", "k1", 600) == 3  # the refused hit was not counted
    # Another key and another bucket have their own counts.
    limits.hit("t.bucket", "k2", 3, 600)
    limits.hit("t.other", "k1", 3, 600)


def test_a_refused_hit_writes_nothing() -> None:
    limits.hit("t.write", "k", 1, 600)
    before = list(RateCounter.objects.values_list("bucket", "key", "count"))
    with pytest.raises(limits.RateLimited):
        limits.hit("t.write", "k", 1, 600)
    assert list(RateCounter.objects.values_list("bucket", "key", "count")) == before


def test_keys_are_stored_as_keyed_hashes_never_raw() -> None:
    limits.per_phone("+86 138 1234 5678", "t.sms", 5, 600)
    limits.per_ip(request("198.51.100.20"), "t.ip", 5, 600)
    stored = " ".join(RateCounter.objects.values_list("key", flat=True))
    assert PHONE not in stored and "198.51.100.20" not in stored
    assert limits.keyed_hash("phone:" + PHONE) in stored
    # The same phone written differently is the same key.
    limits.per_phone("138-1234-5678", "t.sms", 5, 600)
    assert limits.count("t.sms", "phone:" + PHONE, 600) == 2


@pytest.mark.django_db(transaction=True)
def test_the_count_holds_across_two_workers() -> None:
    """Two threads, each with its own database connection (as two gunicorn workers have),
    hit one key 20 times together: exactly `limit` pass."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("an in-memory SQLite database is not shared between connections")
    passed: list[int] = []
    refused: list[int] = []
    barrier = threading.Barrier(2)

    def worker(n: int) -> None:
        barrier.wait()
        try:
            for _ in range(10):
                try:
                    limits.hit("t.race", "k", 7, 600)
                    passed.append(n)
                except limits.RateLimited:
                    refused.append(n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(passed) == 7 and len(refused) == 13
    assert limits.count("t.race", "k", 600) == 7


def test_client_ip_believes_forwarded_for_only_from_a_trusted_proxy(settings: Any) -> None:
    settings.FAYUAN_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    # From nginx on the loopback: the rightmost address that is not a proxy.
    assert limits.client_ip(request("127.0.0.1", "1.2.3.4, 198.51.100.9, 10.0.0.5")) == (
        "198.51.100.9"
    )
    # Straight from a client: its own claim is ignored.
    assert limits.client_ip(request("203.0.113.7", "1.2.3.4")) == "203.0.113.7"
    assert limits.client_ip(request("127.0.0.1", "junk")) == "127.0.0.1"
    # One IPv6 subscriber (a /64) is one key.
    a = limits.ip_key(request("2001:db8:1:2::1"))
    b = limits.ip_key(request("2001:db8:1:2:ffff::9"))
    assert a == b and a != limits.ip_key(request("2001:db8:1:3::1"))


def test_rate_limited_is_a_429_page_in_chinese_and_json_under_the_api(
    client: Client, settings: Any
) -> None:
    settings.FAYUAN_PUBLIC_POST_LIMIT = 2
    settings.FAYUAN_PUBLIC_PREFIXES = (PROBE,)
    for _ in range(2):
        assert client.post(PROBE, {}, REMOTE_ADDR="192.0.2.1").status_code == 404
    page = client.post(PROBE, {}, REMOTE_ADDR="192.0.2.1")
    assert page.status_code == 429
    assert int(page["Retry-After"]) >= 1
    assert "操作过于频繁" in page.content.decode()
    # Another address is not affected.
    assert client.post(PROBE, {}, REMOTE_ADDR="192.0.2.2").status_code == 404

    refused = limits.RateLimited(120)
    from fayuan.abuse.middleware import too_many

    api = too_many(RequestFactory().get("/api/cases"), refused)
    assert api.status_code == 429 and api["Retry-After"] == "120"
    assert api["Content-Type"].startswith("application/json")
    assert b'"rate_limited"' in api.content and "2 分钟" in api.content.decode()


# --- the human check ---------------------------------------------------------------------------


class Sample(HumanCheckMixin, forms.Form):
    name = forms.CharField(label="姓名")


def post_data(form_data: dict[str, str], challenge: ch.Challenge, **extra: str) -> dict[str, str]:
    return {**form_data, "hc_token": challenge.token, **extra}


def test_proof_of_work_passes_once_and_a_replay_is_refused() -> None:
    challenge = ch.issue()
    nonce = ch.solve(challenge)
    assert (
        ch.leading_zero_bits(
            __import__("hashlib").sha256(f"{challenge.token}:{nonce}".encode()).digest()
        )
        >= challenge.bits
    )
    form = Sample(post_data({"name": "张三"}, challenge, hc_nonce=nonce))
    assert form.is_valid(), form.errors
    assert form.human_check is not None and form.human_check.id == challenge.id
    assert UsedChallenge.objects.filter(id=challenge.id).exists()
    replay = Sample(post_data({"name": "张三"}, challenge, hc_nonce=nonce))
    assert not replay.is_valid()
    assert "用过" in replay.errors["hc_answer"][0]


def test_a_wrong_nonce_or_a_forged_token_fails() -> None:
    challenge = ch.issue()
    wrong = next(str(n) for n in range(10**6) if not ch.work_ok(challenge, str(n)))
    form = Sample(post_data({"name": "张三"}, challenge, hc_nonce=wrong))
    assert not form.is_valid() and "算术题" in form.errors["hc_answer"][0]
    forged = challenge.token.replace(challenge.token[5], "x" if challenge.token[5] != "x" else "y")
    form = Sample({"name": "张三", "hc_token": forged, "hc_answer": str(challenge.answer)})
    assert not form.is_valid() and "无效" in form.errors["hc_answer"][0]


def test_no_script_fallback_the_sum_in_chinese(settings: Any) -> None:
    challenge = ch.issue()
    assert challenge.question.endswith("等于几？")
    assert all(c in ch.DIGITS_ZH + "十加等于几？" for c in challenge.question)
    for answer in (str(challenge.answer), ch.number_zh(challenge.answer)):
        fresh = ch.issue()
        given = str(fresh.answer) if answer.isdigit() else ch.number_zh(fresh.answer)
        form = Sample(post_data({"name": "张三"}, fresh, hc_answer=given))
        assert form.is_valid(), form.errors
    full_width = ch.issue()
    text = str(full_width.answer).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert Sample(post_data({"name": "张三"}, full_width, hc_answer=text)).is_valid()
    wrong = ch.issue()
    form = Sample(post_data({"name": "张三"}, wrong, hc_answer=str(wrong.answer + 1)))
    assert not form.is_valid() and "答案不对" in form.errors["hc_answer"][0]
    assert not UsedChallenge.objects.filter(id=wrong.id).exists()


def test_expired_challenge_is_refused(settings: Any) -> None:
    challenge = ch.issue()
    settings.FAYUAN_CHALLENGE_MAX_AGE = 0
    time.sleep(1.1)
    form = Sample(post_data({"name": "张三"}, challenge, hc_answer=str(challenge.answer)))
    assert not form.is_valid() and "过期" in form.errors["hc_answer"][0]


def test_a_form_shown_again_carries_a_pass_and_a_new_question() -> None:
    challenge = ch.issue()
    form = Sample(post_data({"name": ""}, challenge, hc_answer=str(challenge.answer)))
    assert not form.is_valid()
    assert set(form.errors) == {"name"}  # the check passed; only the name is missing
    html = str(form)
    carried = ch.read(form.data["hc_token"])
    assert carried.passed and carried.id != challenge.id and carried.token in html
    assert carried.first_issued == challenge.first_issued
    assert "data-pow-passed" in html and "abuse/pow.js" in str(form.media)
    again = Sample({"name": "张三", "hc_token": carried.token})
    assert again.is_valid(), again.errors
    assert again.cleaned_data["hc_elapsed"] >= 0


def test_the_honeypot_is_hidden_and_reported_not_refused() -> None:
    form = Sample()
    html = str(form)
    assert "<span hidden><label" in html and f'name="{HONEYPOT}"' in html
    assert form[HONEYPOT].is_hidden
    challenge = ch.issue()
    bot = Sample(
        post_data(
            {"name": "x"}, challenge, hc_answer=str(challenge.answer), hc_homepage="http://spam"
        )
    )
    assert bot.is_valid()
    assert bot.cleaned_data[HONEYPOT] == "http://spam"


def test_answers_in_chinese_numerals() -> None:
    assert [ch.number_zh(n) for n in (3, 10, 12, 18, 20)] == ["三", "十", "十二", "十八", "二十"]
    assert ch.parse_answer(" 十二 ") == 12 and ch.parse_answer("１２") == 12
    assert ch.parse_answer("abc") is None


# --- screening ---------------------------------------------------------------------------------

FACTS = "我在某某公司工作了两年，公司拖欠了我三个月的工资一共一万二千元，老板一直不给。"


def test_a_plain_application_is_not_marked() -> None:
    assert screening.screen(request(), {"facts": FACTS, "phone": PHONE, "hc_elapsed": 240}) == []


def test_screening_reasons() -> None:
    r = request("198.51.100.50")
    junk = {
        "facts": "Buy cheap pills at www.example.top now now now aaaaaaaaaaaaaaaa",
        "hc_homepage": "x",
        "hc_elapsed": 1.2,
    }
    reasons = screening.screen(r, junk)
    assert any("隐藏" in x for x in reasons)
    assert any("1 秒" in x for x in reasons)
    assert any("网址" in x for x in reasons)
    assert any("重复" in x or "中文" in x for x in reasons)


def test_screening_counts_today_by_address_phone_and_text() -> None:
    r = request("198.51.100.60")
    data = {"facts": FACTS, "phone": PHONE, "hc_elapsed": 300}
    screening.remember(r, data)
    same_text = screening.screen(request("198.51.100.61"), {"facts": FACTS, "hc_elapsed": 300})
    assert same_text == ["案情与今天另一份申请完全相同"]
    for n in range(2):
        screening.remember(r, {"facts": f"{FACTS}{n}", "phone": PHONE})
    reasons = screening.screen(
        r, {"facts": "另一件事：邻居占了我家的地，协商不成。", "phone": PHONE}
    )
    assert any("同一手机号已提交 4 份" in x for x in reasons)
    assert any("同一网络地址已提交 4 份" in x for x in reasons)
    stored = " ".join(
        " ".join(row) for row in Submission.objects.values_list("ip", "phone", "text")
    )
    assert PHONE not in stored and "198.51.100.60" not in stored


def test_a_refused_request_writes_nothing(client: Client, settings: Any) -> None:
    settings.FAYUAN_PUBLIC_POST_LIMIT = 1
    settings.FAYUAN_PUBLIC_PREFIXES = (PROBE,)
    client.post(PROBE, {}, REMOTE_ADDR="192.0.2.30")
    counts = (Case.objects.count(), AuditEvent.objects.count(), Submission.objects.count())
    counters = list(RateCounter.objects.values_list("key", "count"))
    used = UsedChallenge.objects.count()
    challenge = ch.issue()
    refused = client.post(
        PROBE,
        {"hc_token": challenge.token, "hc_nonce": ch.solve(challenge), "facts": FACTS},
        REMOTE_ADDR="192.0.2.30",
    )
    assert refused.status_code == 429
    assert (Case.objects.count(), AuditEvent.objects.count(), Submission.objects.count()) == counts
    assert list(RateCounter.objects.values_list("key", "count")) == counters
    assert UsedChallenge.objects.count() == used


# --- the officer's side: the 可疑 mark ---------------------------------------------------------


def marked_application(world: Any) -> Case:
    from fayuan.cases.actions import CaseInput, PartyInput, do_intake_application

    data = CaseInput(
        category="civil",
        locality="天生街道",
        channel="counter",
        parties=[PartyInput("aided", "张三丰", "500109196706097552", is_applicant=True)],
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    case.screening = ["从打开页面到提交只用了 1 秒（少于 5 秒）", "案情中含有网址链接"]
    case.save(update_fields=["screening"])
    return case


def test_marked_applications_show_可疑_in_the_officers_lists(world: Any, client: Client) -> None:
    case = marked_application(world)
    client.force_login(world.user("officer"))
    for path in ("/", "/cases/"):
        html = client.get(path).content.decode()
        assert f'href="/cases/{case.number}/screening/"' in html, path
        assert "可疑：从打开页面到提交只用了 1 秒" in html, path
    page = client.get(f"/cases/{case.number}/screening/").content.decode()
    assert "案情中含有网址链接" in page and "清除可疑标记" in page


def test_the_officer_clears_the_mark_with_an_audit_event(world: Any, client: Client) -> None:
    case = marked_application(world)
    client.force_login(world.user("officer"))
    before = AuditEvent.objects.count()
    # Without a choice: refused, nothing written.
    page = client.post(f"/cases/{case.number}/screening/", {"decision": ""})
    assert page.status_code == 200 and "请选择清除或确认" in page.content.decode()
    assert AuditEvent.objects.count() == before
    done = client.post(f"/cases/{case.number}/screening/", {"decision": "clear", "note": "核实过"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.screening == []
    event = AuditEvent.objects.get(action="case.screening_cleared")
    assert event.case_id_ref == case.pk and event.data["note"] == "核实过"
    assert "案情中含有网址链接" in event.data["reasons"]
    assert "可疑：" not in client.get("/cases/").content.decode()


def test_the_officer_confirms_the_mark_and_it_stays(world: Any, client: Client) -> None:
    case = marked_application(world)
    client.force_login(world.user("director"))
    client.post(f"/cases/{case.number}/screening/", {"decision": "confirm"})
    case.refresh_from_db()
    assert case.screening[0].startswith("已确认可疑：") and len(case.screening) == 3
    assert AuditEvent.objects.filter(action="case.screening_confirmed").count() == 1
    again = client.post(f"/cases/{case.number}/screening/", {"decision": "confirm"})
    assert "已经确认过" in again.content.decode()
    assert AuditEvent.objects.filter(action="case.screening_confirmed").count() == 1


def test_only_reviewers_answer_the_mark(world: Any, client: Client) -> None:
    case = marked_application(world)
    client.force_login(world.user("supervisor"))
    refused = client.post(f"/cases/{case.number}/screening/", {"decision": "clear"})
    assert refused.status_code in (403, 404)
    case.refresh_from_db()
    assert case.screening and not AuditEvent.objects.filter(action="case.screening_cleared")


# --- the public pages: CSRF, screening of a flood, no personal data in URLs or logs -----------

GOOD_ID = "500109199003071237"
NAME = "王小二"
APPLICANT_PHONE = "13800001234"


class Walker:
    """A browser without scripts: answers the human check's sum from the page, and records every
    URL it asks for, is sent to, or sees in a link or a form."""

    def __init__(self, client: Client | None = None, ip: str = "198.51.100.80") -> None:
        self.client = client or Client(REMOTE_ADDR=ip)
        self.urls: list[str] = []

    def _note(self, url: str, response: Any) -> Any:
        import re

        self.urls.append(url)
        if response.status_code in (301, 302, 303):
            self.urls.append(response["Location"])
        if "text/html" in response.get("Content-Type", ""):
            self.urls += re.findall(r'(?:href|action|src)="([^"]*)"', response.content.decode())
        return response

    def get(self, url: str) -> Any:
        return self._note(url, self.client.get(url))

    def post(self, url: str, data: dict[str, Any], check_from: str | None = None) -> Any:
        if check_from is not None:
            data = {**data, **self.sum_answered(check_from)}
        return self._note(url, self.client.post(url, data))

    def sum_answered(self, url: str) -> dict[str, str]:
        """The human check as a person without scripts passes it: reads the sum on the page."""
        import re

        page = self.get(url).content.decode()
        token = re.search(r'name="hc_token" value="([^"]+)"', page)
        question = re.search(r"请回答：(\w+?)加(\w+?)等于几？", page)
        assert token is not None and question is not None, page[:2000]
        a, b = (ch.parse_answer(question.group(i)) for i in (1, 2))
        assert a is not None and b is not None
        return {"hc_token": token.group(1), "hc_answer": str(a + b)}


def apply_online(w: Walker, facts: str = FACTS, phone: str = APPLICANT_PHONE) -> Any:
    """The whole online application through its pages (fayuan.apply), to the receipt."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    w.get("/apply/")
    r = w.post("/apply/consent/", {"personal": "on", "sensitive": "on"}, "/apply/consent/")
    assert r.status_code == 302, r.content.decode()[:1500]
    posts: list[dict[str, Any]] = [
        {
            "name": NAME,
            "id_number": GOOD_ID,
            "phone": phone,
            "address": "北碚区天生路 2 号",
            "locality": "天生街道",
        },
        {"matter": "wages", "facts": facts},
        {"name_1": "重庆某某劳务有限公司", "phone_1": "023-6822 0000"},
        {
            "household": "家里三口人，我打零工，每月收入约两千元。",
            "exempt": ["migrant_wages"],
            "declaration": "on",
        },
    ]
    for n, data in enumerate(posts, 1):
        r = w.post(f"/apply/step/{n}/", {**data, "go": "next"})
        assert r.status_code in (200, 302), (n, r.content.decode()[:1500])
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32)
    w.client.post("/apply/step/5/", {"label": "证据", "file": png, "go": "upload"})
    w.post("/apply/step/5/", {"go": "next"})
    w.post("/apply/step/6/", {"institution": "", "practitioner": "", "wishes": "", "go": "next"})
    w.post("/apply/step/7/", {"workstation": "", "helped_by_institution": "", "go": "next"})
    w.get("/apply/step/8/")
    r = w.post("/apply/step/8/", {"confirm": "on", "go": "submit"})
    assert r.status_code == 302 and r["Location"] == "/apply/done/", r.content.decode()[:1500]
    return w.get("/apply/done/")


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def test_public_forms_refuse_a_post_without_the_csrf_token(world: Any, media: Any) -> None:
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.90")
    from fayuan.apply.models import ApplicationDraft, Consent

    def written() -> tuple[int, ...]:
        return (
            Case.objects.count(),
            AuditEvent.objects.count(),
            ApplicationDraft.objects.count(),
            Consent.objects.count(),
            UsedChallenge.objects.count(),
        )

    before = written()
    for url in ("/apply/consent/", "/apply/resume/", "/status/", "/status/code/"):
        strict.get(url)  # the page sets the CSRF cookie; the forged post leaves the token out
        challenge = ch.issue()
        data = {
            "personal": "on",
            "sensitive": "on",
            "number": "BB-2026-000001",
            "phone": APPLICANT_PHONE,
            "code": "123456",
            "hc_token": challenge.token,
            "hc_answer": str(challenge.answer),
        }
        refused = strict.post(url, data)
        assert refused.status_code == 403, url
    assert written() == before
    # With the token (as the page sends it), the same form is accepted.
    w = Walker(Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.91"))
    import re

    page = w.get("/apply/consent/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    r = w.post(
        "/apply/consent/",
        {"personal": "on", "sensitive": "on", "csrfmiddlewaretoken": token.group(1)},
        "/apply/consent/",
    )
    assert r.status_code == 302


def test_a_flood_of_the_same_application_reaches_the_officer_marked(
    world: Any, media: Any, client: Client, settings: Any
) -> None:
    settings.FAYUAN_SCREEN_MIN_SECONDS = 0  # the test client fills a form in no time
    w = Walker(ip="198.51.100.99")
    apply_online(w)
    first = Case.objects.get()
    assert first.screening == []
    for n in range(3):
        apply_online(w, phone=f"1390000{n:04d}")
    marked = list(Case.objects.exclude(pk=first.pk).order_by("pk"))
    assert len(marked) == 3 and all(c.screening for c in marked)
    assert all("案情与今天另一份申请完全相同" in c.screening for c in marked)
    assert any("同一网络地址已提交 4 份" in r for r in marked[-1].screening)
    client.force_login(world.user("officer"))
    home = client.get("/").content.decode()
    assert all(f"/cases/{c.number}/screening/" in home for c in marked)
    assert f"/cases/{first.number}/screening/" not in home


def test_no_personal_data_in_public_urls_or_logs(
    world: Any, media: Any, caplog: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    import logging
    import re

    from fayuan.messaging.sms import LocmemSmsBackend

    settings.FAYUAN_SMS_BACKEND = "fayuan.messaging.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    # Every record the configured loggers write (fayuan's and Django's at INFO, the level of
    # settings.LOGGING; django.template's DEBUG lines, which quote a template's context, are
    # never written), before the handlers' masking filter: nothing should need it.
    for name in ("fayuan", "django", "django.request", "django.security"):
        caplog.set_level(logging.INFO, logger=name)
    w = Walker(ip="198.51.100.120")
    with django_capture_on_commit_callbacks(execute=True):
        receipt = apply_online(w).content.decode()
    number = re.search(r'class="number">([A-Z0-9-]+)<', receipt)
    assert number is not None
    w.get("/lawyers/")
    w.get("/status/")
    with django_capture_on_commit_callbacks(execute=True):
        w.post("/status/", {"number": number.group(1), "phone": APPLICANT_PHONE}, "/status/")
    codes = [m.group(1) for s in LocmemSmsBackend.outbox if (m := re.search(r"(\d{6})", s.text))]
    assert codes, [s.text for s in LocmemSmsBackend.outbox]
    r = w.post("/status/code/", {"code": codes[-1]})
    assert r.status_code == 302 and r["Location"] == "/status/case/"
    assert "审查" in w.get("/status/case/").content.decode()
    LocmemSmsBackend.outbox.clear()

    personal = (GOOD_ID, APPLICANT_PHONE, NAME, GOOD_ID[:6] + "%", "13800001234"[3:])
    from urllib.parse import unquote

    urls = [unquote(u) for u in w.urls]
    assert urls and all("/apply/step/" not in u or "?" not in u for u in urls)
    for value in personal:
        assert not [u for u in urls if value in u], value
    messages = []
    for rec in caplog.records:
        messages.append(rec.getMessage())
        if rec.exc_text:
            messages.append(rec.exc_text)
    text = "\n".join(messages)
    for value in (GOOD_ID, APPLICANT_PHONE, NAME):
        assert value not in text, value
