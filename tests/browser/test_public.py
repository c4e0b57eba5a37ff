"""The public side in the browser (issue 9), at a phone's viewport (390×844) and at a desktop's:
apply from the published roster with a chosen lawyer and a real PNG, make mistakes and correct
them beside their fields, resume the draft in another browser with the resume code, look the
status up with the SMS code (the demo's console backend prints it into the server's log), see an
assignment, a denied applicant downloads the letter, a workstation submits for a person; every
public page: axe (no serious violation), its transfer under 300 KB (printed), and it works with
scripts slowed and with scripts blocked."""

from __future__ import annotations

import re
import struct
import time
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, ViewportSize, expect

from .harness import Site

PHONE_VIEW: ViewportSize = {"width": 390, "height": 844}
DESKTOP_VIEW: ViewportSize = {"width": 1280, "height": 900}
#: The most one public page may transfer (its document and everything it loads).
MAX_PAGE_BYTES = 300 * 1024
CODE = re.compile(r"验证码是 ?(\d{6})")
WEIGHTS: dict[str, int] = {}


def id_number(birth: date, serial: int) -> str:
    """A GB 11643 number with a valid checksum (region 500109, 北碚区): fictional."""
    body = f"500109{birth:%Y%m%d}{serial:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def png(path: Path) -> Path:
    """A small real PNG (8×8, grey), written by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes([128] * 8) for _ in range(8))
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return path


def weigh(page: Page, url: str) -> int:
    """Open `url` and sum what it transferred (headers and bodies of every response)."""
    finished: list[Any] = []

    def note(request: Any) -> None:
        finished.append(request)

    page.on("requestfinished", note)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", note)
    total = 0
    for request in finished:
        s = request.sizes()
        total += max(s["responseBodySize"], 0) + max(s["responseHeadersSize"], 0)
    return total


def check(site: Site, page: Page, name: str, who: str = "public") -> None:
    site.check_page(page, who)
    site.axe(page)
    site.shot(page, f"public-{name}")


def codes_in_log(site: Site) -> list[str]:
    return CODE.findall(site.server.log.read_text(errors="replace"))


def new_code(site: Site, before: int, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = codes_in_log(site)
        if len(found) > before:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError("no SMS code in the server's log:\n" + site.server.log_tail())


def demo_case(site: Site, status: str, code: str) -> str:
    """The number of the demo case in `status` (from the officer's case list filtered by it):
    the oldest, as the flow tests of the same run may have brought newer cases there."""
    officer = site.login("officer")
    officer.goto(site.url(f"/cases/?status={code}"))
    row = officer.locator("tbody tr", has_text=status).last
    number = row.locator("td").first.inner_text().strip()
    officer.context.close()
    return number


def look_up(site: Site, page: Page, number: str, phone: str, name: str) -> None:
    page.goto(site.url("/status/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("查询申请进度")
    check(site, page, f"{name}-status-lookup")
    page.get_by_label("申请编号").fill(number)
    page.get_by_label("手机号码").fill(phone)
    before = len(codes_in_log(site))
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("填写验证码")
    page.get_by_label("短信验证码").fill(new_code(site, before))
    page.get_by_role("button", name="查看进度").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("申请进度")
    check(site, page, f"{name}-status-case")


@pytest.mark.parametrize("view", ["phone", "desktop"])
def test_apply_with_a_chosen_lawyer_resume_and_follow(
    site: Site, view: str, tmp_path: Path
) -> None:
    size = PHONE_VIEW if view == "phone" else DESKTOP_VIEW
    page = site.new_page(f"applicant-{view}")
    page.set_viewport_size(size)
    serial = 401 if view == "phone" else 402
    phone = f"1390000{serial:04d}"

    # The roster: choose a lawyer.
    page.goto(site.url("/lawyers/"))
    check(site, page, f"{view}-lawyers")
    page.get_by_role("link", name="选择此律师").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请法律援助")
    expect(page.locator(".notice").first).to_contain_text("您在名册中选择了")
    check(site, page, f"{view}-apply-start")
    page.get_by_role("link", name="开始申请").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("开始前")

    # Consent: sent once without the boxes (the mistakes shown), then with them.
    check(site, page, f"{view}-consent")
    page.get_by_role("button", name="同意，开始填写").click()
    expect(page.locator(".form-errors")).to_be_visible()
    check(site, page, f"{view}-consent-errors")
    page.get_by_label("我已阅读上面的说明").check()
    page.get_by_label("我单独同意中心处理").check()
    page.get_by_role("button", name="同意，开始填写").click()

    # Step 1 with a wrong ID number and a short phone, then corrected.
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 1 步")
    good = id_number(date(1988, 4, 12), serial)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.get_by_label("姓名").fill("测试申请人")
    page.get_by_label("身份证号码").fill(wrong)
    page.get_by_label("手机号码").fill("1390000")
    page.get_by_label("住址").fill("北碚区天生路 8 号（测试）")
    page.get_by_label("所在镇街").select_option(label="天生街道")
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.locator("#id_id_number_error")).to_be_visible()
    check(site, page, f"{view}-step1-errors")
    page.get_by_label("身份证号码").fill(good)
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("续填码")
    check(site, page, f"{view}-resume-code")
    code = page.locator(".receipt .number").inner_text().strip()
    page.get_by_role("link", name="下一步").click()

    # Step 2, then resume in another browser (no cookie) with the code and the phone.
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 2 步")
    page.get_by_role("group", name="是什么事情").get_by_role("radio").first.check()
    page.get_by_label("简单说说经过").fill(
        "我在工地干了八个月，老板拖欠工资一万二千元，多次讨要不给。（浏览器测试）"
    )
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 3 步")

    other = site.new_page(f"applicant-{view}-resumed")
    other.set_viewport_size(size)
    other.goto(site.url("/apply/resume/"))
    check(site, other, f"{view}-resume")
    other.get_by_label("续填码").fill(code)
    other.get_by_label("手机号码").fill(phone)
    other.get_by_role("button", name="继续填写").click()
    expect(other.get_by_role("heading", level=1)).to_contain_text("第 3 步")
    page = other

    page.get_by_role("button", name="保存，下一步").click()  # no other side
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 4 步")
    page.get_by_role("button", name="保存，下一步").click()  # the declaration missing
    expect(page.locator(".form-errors")).to_be_visible()
    check(site, page, f"{view}-step4-errors")
    page.locator("textarea").first.fill("家里三口人，我打零工，每月收入约两千元。")
    page.get_by_label("我承诺：以上经济状况真实。").check()
    page.get_by_role("button", name="保存，下一步").click()

    # Step 5: a real PNG.
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 5 步")
    page.get_by_label("选择文件").set_input_files(str(png(tmp_path / "证据.png")))
    page.get_by_role("button", name="上传这个文件").click()
    expect(page.get_by_text("已上传 1 个")).to_be_visible()
    check(site, page, f"{view}-step5-uploaded")
    page.get_by_role("button", name="下一步", exact=True).click()

    # Step 6: the chosen lawyer is there.
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 6 步")
    chosen = page.get_by_label("想找的律师或法律服务工作者（可不选）")
    assert chosen.input_value(), "the roster's choice did not reach step 6"
    check(site, page, f"{view}-step6-choice")
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 7 步")
    page.get_by_role("button", name="保存，下一步").click()

    # Step 8: confirm and submit.
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 8 步")
    check(site, page, f"{view}-step8")
    page.get_by_label(re.compile("我确认以上内容真实")).check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    check(site, page, f"{view}-receipt")
    number = page.locator(".receipt .number").inner_text().strip()
    assert number

    # Status with the SMS code.
    look_up(site, page, number, phone, view)
    expect(page.locator("body")).to_contain_text("审查")
    # The server's log (gunicorn's access lines, fayuan's records, the SMS console) holds none
    # of what the applicant typed.
    log = site.server.log.read_text(errors="replace")
    for typed in (good, wrong, phone, "测试申请人", "天生路 8 号"):
        assert typed not in log, typed


def test_an_assignment_and_a_denial_seen_by_the_applicant(site: Site) -> None:
    named = demo_case(site, "已安排承办人", "handler_named")
    page = site.new_page("applicant-assigned")
    page.set_viewport_size(PHONE_VIEW)
    look_up(site, page, named, "13800000011", "assigned")
    expect(page.locator("body")).to_contain_text("律师")

    refused = demo_case(site, "不予法律援助", "refused")
    page = site.new_page("applicant-refused")
    page.set_viewport_size(PHONE_VIEW)
    look_up(site, page, refused, "13800000014", "refused")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载决定书（PDF）").click()
    path = download.value.path()
    assert path is not None and Path(path).read_bytes().startswith(b"%PDF")


def test_a_workstation_submits_for_a_person(site: Site) -> None:
    page = site.login("ws-tiansheng")
    page.goto(site.url("/workstation/"))
    check(site, page, "workstation-home", "ws-tiansheng")
    page.goto(site.url("/workstation/apply/"))
    check(site, page, "workstation-apply", "ws-tiansheng")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".form-errors").first).to_be_visible()
    check(site, page, "workstation-apply-errors", "ws-tiansheng")
    page.get_by_label("申请人已当面阅读个人信息保护告知并同意").check()
    first = page.get_by_role("group", name="当事人 1")
    first.get_by_label("姓名").fill("柜台申请人")
    first.get_by_label("身份证号").fill(id_number(date(1975, 2, 3), 431))
    first.get_by_label("电话").fill("13900000431")
    page.get_by_label("案件类别").select_option(label="民事")
    page.get_by_label("镇街（属地）").select_option(label="天生街道")
    page.get_by_label("案情摘要").fill("邻里宅基地纠纷，协商不成（浏览器测试，工作站代为申请）。")
    page.get_by_label("家庭人口（人）").fill("3")
    page.get_by_label("家庭月收入合计（元）").fill("2000")
    page.get_by_label("申请人承诺以上经济状况属实（个人诚信承诺）").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("status")).to_contain_text("已代为提交申请，案件编号")
    check(site, page, "workstation-submitted", "ws-tiansheng")


PUBLIC_PAGES = [
    "/apply/",
    "/apply/consent/",
    "/apply/resume/",
    "/apply/privacy/",
    "/status/",
    "/lawyers/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_weight_and_slow_or_blocked_scripts(site: Site, path: str) -> None:
    page = site.new_page("weight")
    page.set_viewport_size(PHONE_VIEW)
    total = weigh(page, site.url(path))
    WEIGHTS[path] = total
    print(f"\npage weight {path}: {total / 1024:.1f} KB")
    assert total < MAX_PAGE_BYTES, f"{path} transferred {total} bytes"
    site.check_page(page, "weight")

    slow = site.new_page("slow-scripts")

    def delayed(route: Route) -> None:
        time.sleep(1.5)
        route.fallback()

    slow.route("**/*.js", delayed)
    slow.goto(site.url(path))
    slow.wait_for_load_state("load")
    site.check_page(slow, "slow-scripts")

    blocked = site.browser.new_context(
        base_url=site.base, java_script_enabled=False, locale="zh-CN", viewport=PHONE_VIEW
    )
    site.contexts.append(blocked)
    nojs = blocked.new_page()
    errors: list[str] = []
    nojs.on("pageerror", lambda e: errors.append(str(e)))
    response = nojs.goto(site.url(path))
    assert response is not None and response.status == 200
    assert not errors
    site.check_page(nojs, "no-scripts")


def test_apply_and_look_up_without_scripts(site: Site) -> None:
    """With scripts blocked the human check is the sum in Chinese: answered, the draft starts."""
    from fayuan.abuse.challenge import parse_answer

    context = site.browser.new_context(
        base_url=site.base, java_script_enabled=False, locale="zh-CN", viewport=PHONE_VIEW
    )
    site.contexts.append(context)
    page = context.new_page()
    page.goto(site.url("/apply/consent/"))
    label = page.locator("label[for=id_hc_answer]")
    expect(label).to_be_visible()
    found = re.search(r"请回答：(\w+?)加(\w+?)等于几？", label.inner_text())
    assert found
    a, b = parse_answer(found.group(1)), parse_answer(found.group(2))
    assert a is not None and b is not None
    page.get_by_label("我已阅读上面的说明").check()
    page.get_by_label("我单独同意中心处理").check()
    page.get_by_label(re.compile("请回答：")).fill(str(a + b + 1))  # a wrong sum first
    page.get_by_role("button", name="同意，开始填写").click()
    expect(page.locator(".form-errors")).to_contain_text("答案不对")
    site.shot(page, "public-nojs-wrong-sum")
    label = page.locator("label[for=id_hc_answer]")
    found = re.search(r"请回答：(\w+?)加(\w+?)等于几？", label.inner_text())
    assert found
    a, b = parse_answer(found.group(1)), parse_answer(found.group(2))
    assert a is not None and b is not None
    page.get_by_label("我已阅读上面的说明").check()
    page.get_by_label("我单独同意中心处理").check()
    page.get_by_label(re.compile("请回答：")).fill(str(a + b))
    page.get_by_role("button", name="同意，开始填写").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 1 步")
    site.shot(page, "public-nojs-step1")
