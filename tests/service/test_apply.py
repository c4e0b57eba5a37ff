"""The online application (fayuan.apply; 第七条 线上申请, 法律援助法第四十一、四十三条,
个人信息保护法第十三、十四、二十八、二十九条): consent first, one small step a page with
every mistake beside its field, drafts saved and resumable, files checked by content, one
transaction to a case."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from fayuan.abuse import challenge as ch
from fayuan.apply import drafts
from fayuan.apply.models import ApplicationDraft, Consent, DraftFile
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case, CaseDocument, Party
from fayuan.roster.models import Locality, Workstation

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(body: str = "50010919900307123") -> str:
    """A valid GB 11643 number: the 17 digits and their check digit."""
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _W, strict=True)) % 11]


def wrong_check(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


GOOD_ID = id_number()
PHONE = "13800001234"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def on_disk(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


class Browser:
    """A client that records every URL it asks for or is sent to."""

    def __init__(self) -> None:
        self.client = Client()
        self.urls: list[str] = []

    def get(self, url: str) -> Any:
        self.urls.append(url)
        response = self.client.get(url)
        self._note(response)
        return response

    def post(self, url: str, data: dict[str, Any]) -> Any:
        self.urls.append(url)
        response = self.client.post(url, data)
        self._note(response)
        return response

    def _note(self, response: Any) -> None:
        if response.status_code in (301, 302, 303):
            self.urls.append(response["Location"])
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            self.urls += re.findall(r'(?:href|action)="([^"]*)"', response.content.decode())


def who(**over: str) -> dict[str, str]:
    data = {
        "name": "王小二",
        "id_number": GOOD_ID,
        "phone": PHONE,
        "address": "北碚区天生路 2 号 3 单元",
        "locality": "天生街道",
        "go": "next",
    }
    data.update(over)
    return data


WHAT = {"matter": "wages", "facts": "老板欠我三个月工资，一共一万二千元。", "go": "next"}
MEANS = {
    "household": "家里三口人，我打零工，每月收入约两千元。",
    "exempt": ["migrant_wages"],
    "declaration": "on",
    "go": "next",
}


def human(b: Browser, url: str) -> dict[str, str]:
    """The human check of the form at `url` passed as pow.js passes it (its proof of work)."""
    found = re.search(r'name="hc_token" value="([^"]+)"', b.client.get(url).content.decode())
    assert found is not None
    token = found.group(1)
    return {"hc_token": token, "hc_nonce": ch.solve(ch.read(token))}


def consented(b: Browser, query: str = "", **extra: str) -> Any:
    data = {"personal": "on", "sensitive": "on", **human(b, "/apply/consent/" + query), **extra}
    return b.post("/apply/consent/", data)


def resume_with(b: Browser, code: str, phone: str) -> Any:
    return b.post("/apply/resume/", {"code": code, "phone": phone, **human(b, "/apply/resume/")})


def step(n: int) -> str:
    return f"/apply/step/{n}/"


def fill_to(b: Browser, last: int) -> None:
    """Consent and the steps 1..last, each valid."""
    consented(b)
    posts: dict[int, dict[str, Any]] = {
        1: who(),
        2: WHAT,
        3: {"name_1": "重庆某某建筑劳务有限公司", "phone_1": "023-6822 0000", "go": "next"},
        4: MEANS,
        5: {"go": "next"},
        6: {"institution": "", "practitioner": "", "wishes": "", "go": "next"},
        7: {"workstation": "", "helped_by_institution": "", "go": "next"},
    }
    for n in range(1, last + 1):
        r = b.post(step(n), posts[n])
        assert r.status_code in (200, 302), (n, r.content.decode()[:500])
        if n != 1:
            assert r.status_code == 302 and r["Location"] == step(n + 1), n


def shown_code(response: Any) -> str:
    found = re.search(r'class="number">([A-Z0-9-]+)<', response.content.decode())
    assert found is not None
    return found.group(1)


def the_draft() -> ApplicationDraft:
    return ApplicationDraft.objects.get()


def test_the_whole_path_to_a_case_with_parties_attachment_and_consents(
    world: Any, media: Path
) -> None:
    center = world.center
    Workstation.objects.create(
        center=center,
        locality=Locality.objects.get(center=center, name="天生街道"),
        name="天生司法所",
    )
    b = Browser()
    r = b.get("/apply/?institution=F04")
    assert r.status_code == 200 and "开始申请" in r.content.decode()
    assert "7 日内" in r.content.decode()
    r = b.get("/apply/consent/?institution=F04")
    assert 'name="institution" value="F04"' in r.content.decode()
    r = consented(b, "?institution=F04", institution="F04")
    assert r.status_code == 302 and r["Location"] == step(1)
    cookie = b.client.cookies[drafts.COOKIE]
    assert cookie["httponly"] and GOOD_ID not in cookie.value
    r = b.get(step(1))
    page = r.content.decode()
    assert '<ol class="steps"' in page and 'aria-current="step"' in page and "novalidate" in page

    r = b.post(step(1), who())
    assert r.status_code == 200 and "续填码" in r.content.decode()  # shown once
    for n, data in ((2, WHAT), (3, {"name_1": "某某劳务公司", "id_number_1": "", "go": "next"})):
        assert b.post(step(n), data)["Location"] == step(n + 1)
    assert b.post(step(4), MEANS)["Location"] == step(5)
    r = b.client.post(
        step(5),
        {"label": "身份证照片", "file": SimpleUploadedFile("id.png", PNG), "go": "upload"},
    )
    assert r.status_code == 302 and r["Location"] == step(5)
    r = b.client.post(step(5), {"label": "证据材料", "file": SimpleUploadedFile("欠条.pdf", PDF)})
    assert r["Location"] == step(6)
    assert DraftFile.objects.count() == 2 and len(on_disk(media)) == 2
    r = b.get(step(6))
    assert '<option value="F04" selected>' in r.content.decode()  # prefilled from ?institution=
    assert "告诉您原因" in r.content.decode()
    r = b.post(
        step(6), {"institution": "F04", "practitioner": "", "wishes": "希望女律师", "go": "next"}
    )
    assert r["Location"] == step(7)
    r = b.post(step(7), {"workstation": "天生司法所", "helped_by_institution": "", "go": "next"})
    assert r["Location"] == step(8)
    r = b.get(step(8))
    page = r.content.decode()
    assert "王小二" in page and "某某劳务公司" in page and "欠条.pdf" in page
    r = b.post(step(8), {"go": "submit"})
    assert r.status_code == 200 and "请勾选确认后再提交" in r.content.decode()
    assert not Case.objects.exists()
    r = b.post(step(8), {"confirm": "on", "go": "submit"})
    assert r.status_code == 302 and r["Location"] == "/apply/done/"

    case = Case.objects.get()
    assert case.channel == "online" and case.status == "intake" and case.source == "application"
    assert case.category == "labor_arbitration" and case.locality.name == "天生街道"
    assert case.chosen_institution is not None and case.chosen_institution.code == "F04"
    assert case.workstation is not None and case.workstation.name == "天生司法所"
    assert case.wishes == "希望女律师" and case.created_by is None
    assert "一万二千元" in case.summary and "个人诚信承诺" in case.summary
    parties = {p.role: p for p in case.parties.all()}
    assert parties["aided"].name == "王小二" and parties["aided"].id_number == GOOD_ID
    assert parties["aided"].is_applicant and parties["aided"].phone == PHONE
    assert parties["opposing"].name == "某某劳务公司"
    docs = list(CaseDocument.objects.filter(case=case))
    assert [d.kind for d in docs] == ["application_material"] * 2
    assert {d.content_type for d in docs} == {"image/png", "application/pdf"}
    assert all((media / d.file.name).is_file() for d in docs)
    assert sorted(Consent.objects.filter(case=case).values_list("kind", flat=True)) == [
        "declaration",
        "personal",
        "sensitive",
    ]
    assert all(c.notice_version == drafts.NOTICE_VERSION and c.ip_hash for c in case.consents.all())
    assert not ApplicationDraft.objects.exists() and not DraftFile.objects.exists()
    intake = AuditEvent.objects.get(action="case.intake_application")
    assert intake.actor_label == "公众（未登录）" and GOOD_ID not in str(intake.data)
    assert AuditEvent.objects.filter(action="case.document_upload").count() == 2

    r = b.get("/apply/done/")
    page = r.content.decode()
    assert case.number in page and "7 日内" in page and "/status/" in page
    due = timezone.localtime(case.review_due_at)
    assert f"{due.year}年{due.month}月{due.day}日" in page
    # the draft is gone: the steps start over at the consent
    assert b.get(step(1))["Location"] == "/apply/consent/"

    personal = [GOOD_ID, PHONE, "王小二", "%E7%8E%8B"]
    for url in b.urls:
        assert not any(p in url for p in personal), url


def test_without_consent_nothing_is_collected(world: Any) -> None:
    b = Browser()
    r = consented(b, sensitive="")
    assert r.status_code == 200 and "单独同意" in r.content.decode()
    assert "不同意就无法在网上申请" in r.content.decode()
    assert not ApplicationDraft.objects.exists() and not Consent.objects.exists()
    # no cookie, so the steps refuse to start and nothing typed is kept
    r = b.post(step(1), who())
    assert r.status_code == 302 and r["Location"] == "/apply/consent/"
    assert not ApplicationDraft.objects.exists()
    r = b.client.post(step(5), {"file": SimpleUploadedFile("a.png", PNG)})
    assert r["Location"] == "/apply/consent/" and not DraftFile.objects.exists()


def test_each_step_shows_its_mistakes_beside_the_field_and_keeps_the_values(world: Any) -> None:
    b = Browser()
    consented(b)
    r = b.post(step(1), who(name="", id_number=wrong_check(GOOD_ID), phone="12345", locality=""))
    page = r.content.decode()
    assert r.status_code == 200
    assert "请更正以下 4 处" in page  # every mistake at once, summary on top
    for field in ("name", "id_number", "phone", "locality"):
        assert f'id="id_{field}_error"' in page
        assert re.search(rf'aria-describedby="[^"]*id_{field}_error', page), field
    assert "校验码错误" in page and "11 位" in page
    assert f'value="{wrong_check(GOOD_ID)}"' in page and "北碚区天生路 2 号 3 单元" in page
    # the typed values are kept in the draft too: coming back shows them
    r = b.get(step(1))
    assert "北碚区天生路 2 号 3 单元" in r.content.decode()
    assert the_draft().step_reached == 1
    assert b.get(step(2))["Location"] == step(1)  # not yet open
    b.post(step(1), who())
    assert the_draft().step_reached == 2

    r = b.post(step(2), {"matter": "", "facts": "", "go": "next"})
    page = r.content.decode()
    assert 'id="id_matter_error"' in page and 'id="id_facts_error"' in page
    r = b.post(step(2), {"matter": "family", "facts": "x" * 2001, "go": "next"})
    assert "最多 2000 个字" in r.content.decode() and 'value="family" ' in r.content.decode()
    b.post(step(2), WHAT)

    r = b.post(step(3), {"id_number_1": wrong_check(GOOD_ID), "phone_2": "abc", "go": "next"})
    page = r.content.decode()
    for field in ("name_1", "id_number_1", "phone_2", "name_2"):
        assert f'id="id_{field}_error"' in page, field
    assert f'value="{wrong_check(GOOD_ID)}"' in page
    assert (
        b.post(step(3), {"id_number_1": GOOD_ID, "name_1": "李四", "go": "next"}).status_code == 302
    )

    r = b.post(step(4), {"household": "", "go": "next"})
    page = r.content.decode()
    assert 'id="id_household_error"' in page and 'id="id_declaration_error"' in page
    assert "不勾选就无法提交" in page and "退还" in page  # the consequence stated plainly
    r = b.post(step(4), {"household": "两口人，没有收入", "go": "next"})
    assert "两口人，没有收入" in r.content.decode()
    assert not Consent.objects.filter(kind="declaration").exists()
    b.post(step(4), MEANS)
    assert Consent.objects.filter(kind="declaration").count() == 1
    b.post(step(5), {"go": "next"})

    r = b.post(step(6), {"institution": "F04", "practitioner": "NOPE", "go": "next"})
    assert 'id="id_practitioner_error"' in r.content.decode()
    r = b.post(step(7), {"workstation": "没有这个所", "go": "next"})
    assert r["Location"] == step(6)  # step 7 is not open before 6 passes
    b.post(step(6), {"institution": "", "practitioner": "", "go": "next"})
    r = b.post(step(7), {"workstation": "没有这个所", "go": "next"})
    assert 'id="id_workstation_error"' in r.content.decode()


def test_gb11643_valid_and_wrong_check_digit(world: Any) -> None:
    b = Browser()
    consented(b)
    r = b.post(step(1), who(id_number=wrong_check(GOOD_ID)))
    assert r.status_code == 200 and "校验码错误" in r.content.decode()
    number = id_number("11010519491231002")  # ends in X
    assert number.endswith("X")
    r = b.post(step(1), who(id_number=number.lower()))
    assert (
        r.status_code == 200
        and "续填码" in r.content.decode()
        and "校验码" not in r.content.decode()
    )
    assert drafts.Draft(the_draft()).step_values(1)["id_number"] == number.lower()
    # full-width digits are the same number (NFKC)
    b.post(step(1), who(id_number="".join(chr(ord(c) + 0xFEE0) for c in GOOD_ID)))
    assert the_draft().step_reached == 2


def test_back_keeps_what_was_typed_even_with_mistakes(world: Any) -> None:
    b = Browser()
    fill_to(b, 1)
    r = b.post(step(2), {"matter": "family", "facts": "", "go": "back"})
    assert r["Location"] == step(1)
    r = b.get(step(2))
    assert 'value="family" ' in r.content.decode() and "checked" in r.content.decode()


def test_resume_from_the_cookie_and_by_code_and_phone(world: Any) -> None:
    b = Browser()
    consented(b)
    r = b.post(step(1), who())
    code = shown_code(r)
    b.post(step(2), WHAT)
    # the same browser: /apply/ offers to continue where it stopped
    r = b.get("/apply/")
    assert "接着填写" in r.content.decode() and f'href="{step(3)}"' in r.content.decode()

    other = Browser()
    assert other.get(step(2))["Location"] == "/apply/consent/"
    r = resume_with(other, "ABCD-EFGH", PHONE)
    assert r.status_code == 200 and "续填码或手机号不对" in r.content.decode()
    r = resume_with(other, code, "13900001234")
    assert r.status_code == 200 and "续填码或手机号不对" in r.content.decode()
    r = resume_with(other, code.lower().replace("-", " "), PHONE)
    assert r.status_code == 302 and r["Location"] == step(3)
    r = other.get(step(2))
    assert "一万二千元" in r.content.decode()
    # the first browser's token no longer opens it (one browser at a time)
    assert b.get(step(2))["Location"] == "/apply/consent/"
    for url in b.urls + other.urls:
        assert code not in url and PHONE not in url


def test_resume_code_is_hashed_and_paused_after_wrong_tries(world: Any) -> None:
    b = Browser()
    consented(b)
    r = b.post(step(1), who())
    code = shown_code(r)
    row = the_draft()
    assert code.replace("-", "") not in row.resume_code_hash and len(row.resume_code_hash) == 64
    other = Browser()
    for _ in range(drafts.RESUME_FAILURES):
        resume_with(other, "WRONGCOD", PHONE)
    r = resume_with(other, code, PHONE)
    assert r.status_code == 200 and "已暂停" in r.content.decode()
    ApplicationDraft.objects.update(resume_locked_until=timezone.now() - timedelta(seconds=1))
    assert resume_with(other, code, PHONE).status_code == 302


def test_a_wrong_file_type_by_content_is_refused_and_nothing_written(
    world: Any, media: Path
) -> None:
    b = Browser()
    fill_to(b, 4)
    r = b.client.post(
        step(5), {"label": "身份证照片", "file": SimpleUploadedFile("id.jpg", EXE), "go": "upload"}
    )
    page = r.content.decode()
    assert r.status_code == 200 and "类型不符" in page and 'id="id_file_error"' in page
    assert not DraftFile.objects.exists() and on_disk(media) == []
    r = b.client.post(step(5), {"file": SimpleUploadedFile("x.png", b""), "go": "upload"})
    assert 'id="id_file_error"' in r.content.decode() and on_disk(media) == []
    for n in range(5):
        b.client.post(step(5), {"file": SimpleUploadedFile(f"{n}.png", PNG), "go": "upload"})
    r = b.client.post(step(5), {"file": SimpleUploadedFile("6.png", PNG), "go": "upload"})
    assert "最多上传 5 个文件" in r.content.decode()
    assert DraftFile.objects.count() == 5 and len(on_disk(media)) == 5
    first = DraftFile.objects.first()
    assert first is not None
    b.client.post(step(5), {"go": f"remove-{first.pk}"})
    assert DraftFile.objects.count() == 4 and len(on_disk(media)) == 4
    assert not (media / first.stored_name).exists()


def test_the_draft_row_holds_no_readable_personal_data(world: Any) -> None:
    b = Browser()
    fill_to(b, 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apply_applicationdraft")
        row = " ".join(str(v) for v in cursor.fetchone())
    for secret in (GOOD_ID, PHONE, "王小二", "一万二千元"):
        assert secret not in row
    assert drafts.Draft(the_draft()).step_values(1)["id_number"] == GOOD_ID


def test_expired_drafts_are_purged_with_their_files(world: Any, media: Path) -> None:
    b = Browser()
    fill_to(b, 4)
    b.client.post(step(5), {"file": SimpleUploadedFile("a.png", PNG), "go": "upload"})
    assert len(on_disk(media)) == 1
    call_command("purge_drafts")
    assert ApplicationDraft.objects.count() == 1  # not expired yet
    ApplicationDraft.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert b.get(step(1))["Location"] == "/apply/consent/"  # an expired draft does not open
    call_command("purge_drafts")
    assert not ApplicationDraft.objects.exists() and not Consent.objects.exists()
    assert on_disk(media) == []


def test_abandon_deletes_the_draft(world: Any, media: Path) -> None:
    b = Browser()
    fill_to(b, 4)
    b.client.post(step(5), {"file": SimpleUploadedFile("a.png", PNG), "go": "upload"})
    r = b.post("/apply/abandon/", {})
    assert r.status_code == 200 and "已删除" in r.content.decode()
    assert not ApplicationDraft.objects.exists() and not Consent.objects.exists()
    assert on_disk(media) == [] and not Party.objects.exists()


def test_practitioner_link_from_the_roster_prefills_the_choice(world: Any) -> None:
    b = Browser()
    r = b.get("/apply/?practitioner=L013")
    assert "开始申请" in r.content.decode()
    consented(b, "?practitioner=L013", practitioner="L013")
    fill = drafts.Draft(the_draft()).step_values(6)
    assert fill["practitioner"] == "L013" and fill["institution"] == "F04"


def test_privacy_page(world: Any) -> None:
    r = Client().get("/apply/privacy/")
    page = r.content.decode()
    assert r.status_code == 200
    for words in ("敏感个人信息", "谁能看到", "保存多久", "第二十九条", drafts.NOTICE_VERSION):
        assert words in page


def test_pages_have_no_inline_script_or_style_and_are_small(world: Any) -> None:
    b = Browser()
    pages = [b.get("/apply/"), b.get("/apply/privacy/"), b.get("/apply/consent/")]
    fill_to(b, 7)
    pages += [b.get(step(n)) for n in range(1, 9)]
    for r in pages:
        html = r.content.decode()
        assert r.status_code == 200
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script"
        assert "style=" not in html and "<style" not in html and "onclick" not in html
        assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
        total = len(r.content) + sum(Path(str(finders.find(a))).stat().st_size for a in assets)
        assert total < 300_000, total


@pytest.mark.parametrize("n", range(1, 9))
def test_query_counts_are_bounded_on_each_step(
    world: Any, n: int, django_assert_max_num_queries: Any
) -> None:
    b = Browser()
    fill_to(b, 7)
    with django_assert_max_num_queries(12):
        assert b.get(step(n)).status_code == 200
    if n in (1, 2, 4, 6, 7):
        with django_assert_max_num_queries(14):
            b.post(step(n), {"go": "next"})  # a save with mistakes


def test_the_start_of_a_draft_needs_the_human_check(world: Any) -> None:
    b = Browser()
    r = b.post("/apply/consent/", {"personal": "on", "sensitive": "on"})
    assert r.status_code == 200 and 'id="id_hc_answer_error"' in r.content.decode()
    assert not ApplicationDraft.objects.exists() and not Consent.objects.exists()
    # without scripts: the sum in Chinese, answered in digits
    token = human(b, "/apply/consent/")["hc_token"]
    answer = str(ch.read(token).answer)
    r = b.post(
        "/apply/consent/",
        {"personal": "on", "sensitive": "on", "hc_token": token, "hc_answer": answer},
    )
    assert r.status_code == 302 and ApplicationDraft.objects.count() == 1


def test_resume_attempts_are_limited_per_phone(world: Any) -> None:
    b = Browser()
    consented(b)
    code = shown_code(b.post(step(1), who()))
    other = Browser()
    for _ in range(drafts.RESUME_PER_PHONE):
        resume_with(other, "WRONGCOD", PHONE)
    r = resume_with(other, code, PHONE)
    assert r.status_code == 200 and "操作过于频繁" in r.content.decode()
    assert other.get(step(2))["Location"] == "/apply/consent/"  # not opened


def submit_all(b: Browser, facts: str = WHAT["facts"]) -> Any:
    fill_to(b, 1)
    b.post(step(2), {**WHAT, "facts": facts})
    for n, data in ((3, {"go": "next"}), (4, MEANS), (5, {"go": "next"}), (6, {}), (7, {})):
        assert b.post(step(n), {**data, "go": "next"})["Location"] == step(n + 1)
    return b.post(step(8), {"confirm": "on", "go": "submit"})


def test_submission_is_screened_and_marked_never_dropped(world: Any) -> None:
    b = Browser()
    # a person who took ten minutes over a plain application: nothing marked
    fill_to(b, 1)
    ApplicationDraft.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    b.post(step(2), WHAT)
    for n, data in ((3, {}), (4, MEANS), (5, {}), (6, {}), (7, {})):
        b.post(step(n), {**data, "go": "next"})
    assert b.post(step(8), {"confirm": "on", "go": "submit"})["Location"] == "/apply/done/"
    assert Case.objects.get().screening == []
    # submitted seconds after starting, with a link in the facts: stored, and marked
    r = submit_all(Browser(), facts="欠我工资，详情见 http://spam.example.com 快来")
    assert r["Location"] == "/apply/done/"
    marked = Case.objects.exclude(screening=[]).get()
    assert any("网址链接" in why for why in marked.screening)
    assert any("秒" in why for why in marked.screening)


def test_a_second_submission_of_the_same_draft_creates_no_second_case(world: Any) -> None:
    from django.test import RequestFactory

    from fayuan.apply import submit
    from fayuan.errors import ActionError

    b = Browser()
    fill_to(b, 7)
    stale = the_draft()  # what a second tab loaded before the first one submitted
    assert b.post(step(8), {"confirm": "on", "go": "submit"})["Location"] == "/apply/done/"
    data = submit.case_input(
        {
            n: steps_form(n, values)
            for n, values in (
                (1, who()),
                (2, WHAT),
                (3, {}),
                (4, MEANS),
                (6, {}),
                (7, {}),
            )
        }
    )
    with pytest.raises(ActionError, match="已经提交"):
        submit.do_submit_application(world.center, stale, data, [], RequestFactory().post("/"))
    assert Case.objects.count() == 1 and Party.objects.count() == 2


def steps_form(n: int, values: dict[str, Any]) -> Any:
    from fayuan.apply import forms as steps
    from fayuan.roster.models import Center

    form = steps.STEPS[n](data=values, center=Center.objects.get())
    assert form.is_valid(), form.errors
    return form


def test_the_worker_purges_expired_drafts_every_night(world) -> None:
    """个人信息保护法第十九条: a draft is kept no longer than its 30 days, by the daily task."""
    from datetime import timedelta as _td

    from django.utils import timezone as _tz

    from fayuan import tasks
    from fayuan.apply.models import ApplicationDraft
    from fayuan.worker import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["purge-expired-drafts"]["task"] == "fayuan.purge_drafts"
    consented(Browser())
    assert ApplicationDraft.objects.count() == 1
    ApplicationDraft.objects.update(expires_at=_tz.now() - _td(seconds=1))
    assert tasks.purge_drafts() == 1
    assert not ApplicationDraft.objects.exists()


@pytest.mark.django_db
def test_without_a_public_center_the_application_says_so_in_chinese() -> None:
    """No center (or several, none named): the project's Chinese 404 page, not a server error."""
    response = Client().get("/apply/")
    assert response.status_code == 404
    assert "找不到该页面" in response.content.decode()
