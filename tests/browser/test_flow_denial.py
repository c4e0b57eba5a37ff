"""A denial with its letter, through the pages only: the officer takes an application in,
opens the review, first asks the applicant for missing material (the case shows that it waits,
and that the wait is not counted in the review period: 法律援助法第四十三条, 程序规定第十五条),
records the material received, then refuses with reasons and downloads the 《不予法律援助决定书》
PDF, which carries the reasons and the objection route (区司法局, 法律援助法第四十九条)."""

from __future__ import annotations

import io
import re
from datetime import date

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .harness import Site

FLOW = "denial"
CASE_NUMBER = re.compile(r"案件 (\S+)")


def id_number(birth: date, serial: int) -> str:
    """A GB 11643 number with a valid checksum (region 500109, 北碚区): fictional."""
    body = f"500109{birth:%Y%m%d}{serial:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def step(site: Site, page: Page, name: str) -> None:
    """Every page of the flow: its checks, axe (no serious/critical violation), a screenshot."""
    site.check_page(page, FLOW)
    site.axe(page)
    site.shot(page, f"{FLOW}-{name}")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_denial_after_missing_material_with_its_letter(site: Site) -> None:
    officer = site.login("officer")
    officer.get_by_role("navigation", name="主菜单").get_by_role("link", name="受理申请").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("受理法律援助申请")
    officer.get_by_label("案件类别").select_option(label="民事")
    officer.get_by_label("镇街（属地）").select_option(label="澄江镇")
    officer.get_by_label("涉及专业").fill("房屋租赁")
    officer.get_by_label("案情摘要").fill("申请人与房东就押金退还发生争议，押金 2000 元。")
    first = officer.get_by_role("group", name="当事人 1")
    first.get_by_label("姓名").fill("孙立伟")
    first.get_by_label("身份证号").fill(id_number(date(1990, 11, 3), 415))
    first.get_by_label("电话").fill("13900005678")
    officer.get_by_role("group", name="当事人 3").get_by_label("姓名").fill("冯某某")
    step(site, officer, "intake-form")
    officer.get_by_role("button", name="受理申请").click()
    expect(officer.get_by_role("status")).to_contain_text("已受理申请，案件编号")
    heading = officer.get_by_role("heading", level=1)
    expect(heading).to_contain_text("已受理，待审查")
    found = CASE_NUMBER.search(heading.inner_text())
    assert found, heading.inner_text()
    number = found.group(1)
    step(site, officer, "case-intake")

    # --- the review: first, missing material ----------------------------------------------
    officer.get_by_role("link", name="审查申请").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"审查申请 {number}")
    facts = officer.locator("dl.facts")
    expect(facts).to_contain_text("审查期限")
    expect(facts).not_to_contain_text("已暂停")
    step(site, officer, "review")
    missing = "经济困难证明（户籍所在地镇街出具）；租赁合同复印件；押金收据。"
    officer.get_by_label("需要补充的材料或说明").fill(missing)
    officer.get_by_role("button", name="告知申请人补充材料").click()
    expect(officer.get_by_role("status")).to_contain_text("补充期间不计入审查期限")
    # Back on the case page: it waits, and the wait is not counted.
    expect(officer.get_by_role("heading", level=1)).to_contain_text(
        "待申请人补充材料（不计入审查期限）"
    )
    case_facts = officer.locator("dl.facts")
    expect(case_facts).to_contain_text(missing)
    expect(case_facts).to_contain_text("补充材料的时间不计入审查期限")
    step(site, officer, "case-waiting")

    officer.get_by_role("link", name="审查申请").click()
    facts = officer.locator("dl.facts")
    expect(facts).to_contain_text("待申请人补充材料（不计入审查期限）")
    waiting = facts.locator("dt", has_text="待补充材料").locator("xpath=following-sibling::dd[1]")
    expect(waiting).to_contain_text(missing)
    expect(waiting).to_contain_text("期间审查期限暂停计算")
    # While it waits, aid cannot be granted: only the receipt of the material is offered.
    expect(officer.get_by_role("button", name="决定给予法律援助")).to_have_count(0)
    expect(officer.get_by_role("button", name="登记已收到补充材料，恢复审查")).to_be_visible()
    step(site, officer, "review-waiting")

    officer.get_by_role("navigation", name="主菜单").get_by_role("link", name="待办").click()
    material = officer.locator("#todo-material")
    expect(material.get_by_role("heading")).to_contain_text("不计入审查期限")
    expect(
        material.locator("tbody tr", has=officer.get_by_role("link", name=number))
    ).to_contain_text("经济困难证明")
    expect(officer.locator("#todo-review").get_by_role("link", name=number)).to_have_count(
        0
    )  # not counted as under review
    step(site, officer, "home-waiting")

    # --- the material received --------------------------------------------------------------
    officer.goto(site.url(f"/cases/{number}/review/"))
    officer.get_by_role("button", name="登记已收到补充材料，恢复审查").click()
    expect(officer.get_by_role("status")).to_contain_text("已登记补齐材料，审查期限顺延至")
    facts = officer.locator("dl.facts")
    expect(facts).to_contain_text("已受理，待审查决定是否给予法律援助")
    expect(facts.locator("dt", has_text="已暂停（补充材料）")).to_be_visible()
    expect(
        facts.locator("dt", has_text="已暂停（补充材料）").locator("xpath=following-sibling::dd[1]")
    ).to_contain_text("分钟")
    expect(officer.get_by_role("button", name="决定给予法律援助")).to_be_visible()
    step(site, officer, "review-resumed")

    # --- the refusal ------------------------------------------------------------------------
    reason = (
        "经审查，申请人月收入高于本区法律援助经济困难标准，且所涉押金争议标的较小，"
        "不符合法律援助法第三十一条规定的条件。"
    )
    refuse = officer.get_by_role("region", name="不予法律援助")
    expect(refuse).to_contain_text("区司法局")
    expect(refuse).to_contain_text("第四十九条")
    refuse.get_by_label("不予法律援助的理由").fill(reason)
    refuse.get_by_role("button", name="决定不予法律援助").click()
    expect(officer.get_by_role("status")).to_contain_text("已决定不予法律援助，决定书文号")
    expect(officer.get_by_role("heading", level=1)).to_contain_text("不予法律援助")
    refused = officer.locator("dl.facts").locator("dt", has_text="不予法律援助")
    expect(refused.locator("xpath=following-sibling::dd[1]")).to_contain_text(reason)
    timeline = officer.get_by_role("region", name="办理经过")
    for what in ("受理法律援助申请", "要求申请人补充材料", "申请人补齐材料", "决定不予法律援助"):
        expect(timeline.locator("li", has_text=what)).to_contain_text("周文（演示）")
    step(site, officer, "case-refused")

    documents = officer.get_by_role("region", name="文书与材料")
    with officer.expect_download() as download_info:
        documents.get_by_role("link", name="不予法律援助决定书（PDF）").click()
    content = download_info.value.path().read_bytes()
    assert content.startswith(b"%PDF"), content[:20]
    text = squeeze("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages))
    assert "不予法律援助决定书" in text, text[:800]
    assert squeeze(reason) in text, text[:1500]
    assert number in text, text[:1500]
    # The objection route (法律援助法第四十九条): to the bureau that set up the center, 区司法局,
    # as the review page says.
    assert "第四十九条" in text, text[:1500]
    assert "区司法局" in text, f"the letter does not name 区司法局 as the objection route: {text}"
