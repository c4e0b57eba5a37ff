"""A criminal notification letter end to end, through the pages only (no API, no database):
the court sends its 通知辩护公函 with a scan (第六条), the officer runs the rules and proposes
their institution (第五条), the director approves, the officer issues the 《指派通知书》, the
institution names a handler (第二、十条), and the court reads the center's reply letter naming
the institution and the lawyer and downloads it as a PDF (程序规定第二十四条).

Every page on the way is checked (its <h1>, no error text, axe) and photographed
(`criminal-letter-<step>`). The helpers here (`look`, `fact`, `institution_login`) serve
test_flow_handler_change.py too.
"""

from __future__ import annotations

import io
import re
import secrets
from datetime import date, timedelta
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from .harness import Site

FLOW = "criminal-letter"
#: The smallest file uploads.sniff takes for a PDF (it reads the first bytes only).
SCAN = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CASE_PATH = re.compile(r"^/cases/([^/]+)/$")


def fictional_id_number(birth: date, serial: int, female: bool) -> str:
    """A GB 11643 number with a valid checksum, region 500109 (北碚区): what
    fayuan.demo.fictional_id_number makes (the test does not import the application)."""
    order = f"{serial % 100:02d}{(serial % 4) * 2 + (0 if female else 1)}"
    body = f"500109{birth:%Y%m%d}{order}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def look(site: Site, page: Page, who: str, name: str) -> str:
    """The page's own checks, then axe, then the screenshot (a screenshot leaves style=""
    behind, so it comes last). Returns the <h1>."""
    heading = site.check_page(page, who)
    site.axe(page)
    site.shot(page, name)
    return heading


def fact(page: Page, term: str) -> Locator:
    """The <dd> of the case page's (or a decision page's) facts after the <dt> `term`."""
    return page.locator(f"dl.facts dt:text-is('{term}') + dd").first


def message(page: Page) -> Locator:
    """The page's flash messages (base.html: the status region above the content)."""
    return page.get_by_role("status").locator("ul.messages")


def case_number_of(page: Page) -> str:
    found = CASE_PATH.match(urlsplit(page.url).path)
    assert found, f"not a case page: {page.url}"
    return found.group(1)


def next_step(page: Page, label: str) -> Locator:
    """A button-link of the case page's 下一步 section."""
    return page.get_by_role("region", name="下一步").get_by_role("link", name=label, exact=True)


def institution_code(site: Site, name: str, shot: str) -> str:
    """The roster's code of the institution called `name`, read from 承办机构名册 (/roster/)
    as the officer sees it (the demo's institution accounts are `inst-<code>`)."""
    page = site.login("officer")
    page.goto(site.url("/roster/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("承办机构名册")
    look(site, page, "officer", shot)
    table = page.get_by_role("region", name=re.compile("^承办机构")).get_by_role("table")
    row = table.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))
    expect(row).to_have_count(1)
    code = row.get_by_role("cell").nth(1).inner_text().strip()
    assert re.fullmatch(r"[A-Z]\d\d", code), f"{name}: code {code!r}"
    return code


def institution_login(site: Site, name: str, shot: str) -> Page:
    """The demo administrator of the institution called `name` (`shot`: the roster page's
    screenshot)."""
    return site.login(f"inst-{institution_code(site, name, shot).lower()}")


def open_from_todo(page: Page, section: str, number: str) -> None:
    """Follow the case's link in the home page's 待办 section titled `section`."""
    todo = page.get_by_role("region", name=re.compile("^" + re.escape(section)))
    link = todo.get_by_role("link", name=number, exact=True)
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(f"/cases/{re.escape(number)}/$"))


def test_criminal_letter_from_the_court_to_the_reply_pdf(site: Site) -> None:
    run = secrets.token_hex(3)
    letter_number = f"（2026）渝0109刑初浏览器{run}号"
    defendant = f"钱测{'甲乙丙丁戊己庚辛'[secrets.randbelow(8)]}"
    birth = date(1967, 6, 9) + timedelta(days=secrets.randbelow(3000))
    id_number = fictional_id_number(birth, 40 + secrets.randbelow(50), False)

    # 1. The court sends the letter (第六条).
    court = site.login("court")
    court.goto(site.url("/organ/letters/new/"))
    expect(court.get_by_role("heading", level=1)).to_have_text("发送通知辩护（代理）公函")
    expect(court.get_by_text("发函机关：北碚区人民法院")).to_be_visible()
    look(site, court, "court", f"{FLOW}-01-court-letter-form")
    court.get_by_label("公函文号").fill(letter_number)
    court.get_by_label("案件类别").select_option("criminal")
    court.get_by_label("案件所在镇街").select_option(label="天生街道")
    court.get_by_label("案情简要").fill(f"浏览器测试 {run}：涉嫌盗窃罪，审查起诉阶段，未羁押。")
    court.get_by_label("受援人（被告人、犯罪嫌疑人或被害人）姓名").fill(defendant)
    court.get_by_label("受援人身份证号").fill(id_number)
    court.get_by_label("公函扫描件").set_input_files(
        {"name": f"公函-{run}.pdf", "mimeType": "application/pdf", "buffer": SCAN}
    )
    court.get_by_role("button", name="发送公函").click()
    expect(message(court)).to_contain_text("公函已送达法律援助中心，登记为案件")
    number = case_number_of(court)
    expect(message(court)).to_contain_text(f"登记为案件 {number}")
    expect(court.get_by_role("heading", level=1)).to_contain_text(f"案件 {number}")
    expect(fact(court, "来源")).to_contain_text(letter_number)
    expect(court.get_by_text(f"公函-{run}.pdf")).to_be_visible()  # the scan, with the case
    look(site, court, "court", f"{FLOW}-02-court-letter-sent")

    # 2. The officer finds it among the 待办, runs the rules and proposes their answer (第五条).
    officer = site.login("officer")
    expect(officer.get_by_role("heading", level=1)).to_have_text("待办")
    look(site, officer, "officer", f"{FLOW}-03-officer-todo")
    open_from_todo(officer, "待提出指派意见", number)
    expect(fact(officer, "来源")).to_contain_text(letter_number)
    look(site, officer, "officer", f"{FLOW}-04-officer-case")
    next_step(officer, "提出指派意见").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"提出指派意见 {number}")
    look(site, officer, "officer", f"{FLOW}-05-officer-propose-before-rules")
    officer.get_by_role("button", name="按规则计算建议的承办机构").click()
    why = officer.get_by_role("region", name="为何指派给该机构")
    expect(why).to_be_visible()
    suggestion = why.get_by_text(re.compile("^系统建议："))
    expect(suggestion).to_be_visible()
    suggested = why.locator("p strong").first.inner_text().strip()
    assert suggested, "the rules suggested no institution"
    reasoning = why.locator(".reasoning")
    expect(reasoning).to_be_visible()
    assert len(reasoning.inner_text().strip()) > 20, reasoning.inner_text()
    expect(fact(officer, "决定程序（第五条）")).to_contain_text("中心负责人")
    expect(why.get_by_role("row").filter(has_text="建议指派")).to_contain_text(suggested)
    look(site, officer, "officer", f"{FLOW}-06-officer-propose-reasoning")
    officer.get_by_label("同意系统建议的承办机构").check()
    officer.get_by_label("指派意见说明").fill("同意系统建议（浏览器测试）。")
    officer.get_by_role("button", name="提出指派意见").click()
    expect(message(officer)).to_contain_text(f"已提出指派意见：{suggested}")
    expect(officer).to_have_url(re.compile(f"/cases/{re.escape(number)}/$"))
    expect(officer.get_by_role("region", name=re.compile("^为何指派给该机构"))).to_contain_text(
        suggested
    )
    look(site, officer, "officer", f"{FLOW}-07-officer-proposed")

    # 3. The director approves (第五条: an ordinary case, the director decides).
    director = site.login("director")
    open_from_todo(director, "待您决定的指派意见", number)
    next_step(director, "决定指派意见").click()
    expect(director.get_by_role("heading", level=1)).to_contain_text("决定指派意见（第五条）")
    opinion = director.get_by_role("region", name="指派意见与系统建议")
    expect(opinion).to_contain_text(suggested)
    expect(opinion).to_contain_text("与系统建议相同")
    look(site, director, "director", f"{FLOW}-08-director-decide")
    director.get_by_label("同意指派意见").check()
    director.get_by_role("button", name="提交决定").click()
    expect(message(director)).to_contain_text(f"已同意指派意见：指派{suggested}")
    look(site, director, "director", f"{FLOW}-09-director-approved")

    # 4. The officer issues the notice (第六条).
    officer.goto(site.url(f"/cases/{number}/"))
    next_step(officer, "发出指派通知书").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"发出指派通知书 {number}")
    expect(fact(officer, "承办机构")).to_contain_text(suggested)
    look(site, officer, "officer", f"{FLOW}-10-officer-issue")
    officer.get_by_role("button", name="确认发出指派通知书").click()
    expect(message(officer)).to_contain_text("已发出指派通知书")
    expect(officer.get_by_role("heading", name=f"已指派：{suggested}")).to_be_visible()
    look(site, officer, "officer", f"{FLOW}-11-officer-issued")
    officer.goto(site.url(f"/cases/{number}/"))
    expect(officer.locator("h1")).to_contain_text("已指派，待承办机构安排承办人")
    institution = fact(officer, "承办机构").inner_text().split("（北碚法援指")[0].strip()
    assert institution == suggested, (institution, suggested)

    # 5. The institution names a handler (第二、十条).
    inst = institution_login(site, institution, f"{FLOW}-12-officer-roster")
    open_from_todo(inst, "新指派、待安排承办人", number)
    look(site, inst, "institution", f"{FLOW}-13-institution-case")
    next_step(inst, "安排承办人").click()
    expect(inst.get_by_role("heading", level=1)).to_have_text("安排承办人")
    choices = inst.get_by_role("checkbox")
    expect(choices.first).to_be_visible()
    label = inst.locator(f"label[for='{choices.first.get_attribute('id')}']")
    lawyer = label.inner_text().split("（")[0].strip()
    assert lawyer, label.inner_text()
    look(site, inst, "institution", f"{FLOW}-14-institution-handlers")
    choices.first.check()
    inst.get_by_role("button", name="安排承办人").click()
    expect(message(inst)).to_contain_text(f"已安排承办人：{lawyer}。")
    expect(fact(inst, "承办人")).to_have_text(lawyer)
    look(site, inst, "institution", f"{FLOW}-15-institution-named")

    # 6. The court reads its letter's case and the reply, and downloads the PDF (第二十四条).
    court.goto(site.url("/"))
    open_from_todo(court, "本机关发出的通知公函", number)
    expect(fact(court, "承办机构")).to_contain_text(institution)
    expect(fact(court, "承办人")).to_have_text(lawyer)
    look(site, court, "court", f"{FLOW}-16-court-case-assigned")
    next_step(court, "下载指派复函").click()
    expect(court.get_by_role("heading", level=1)).to_have_text(f"法律援助指派函 · {number}")
    body = court.get_by_role("article", name="指派函正文")
    expect(body).to_contain_text(institution)
    expect(body).to_contain_text(lawyer)
    expect(body).to_contain_text(letter_number)
    look(site, court, "court", f"{FLOW}-17-court-reply")
    with court.expect_download() as info:
        court.get_by_role("link", name="下载 PDF").click()
    download = info.value
    assert download.suggested_filename == f"{number}-法律援助指派函.pdf"
    content = download.path().read_bytes()
    assert content.startswith(b"%PDF-"), content[:20]
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)
    squeezed = re.sub(r"\s+", "", text)
    assert lawyer in squeezed, text[:1500]
    assert institution in squeezed, text[:1500]
    assert number in squeezed, text[:1500]
