"""A major case through the collective discussion and the bureau (第五条: 重大疑难案件由区法律援助
中心集体讨论后，书面报请区司法局决定), through the pages only: an application flagged 重大疑难 is
granted and proposed (the route shown: discussion and the bureau); the director records the
collective discussion (date, participants, conclusion), writes the report to the bureau and
downloads the 请示 PDF; the bureau's section (管理科) decides; the officer issues the notice; the
case page's timeline (办理经过) shows each step with who did it."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .harness import Site

FLOW = "major"
CASE_NUMBER = re.compile(r"案件 (\S+)")
OFFICER, DIRECTOR, SECTION = "周文（演示）", "吴建国（演示）", "郑敏（演示）"


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


def test_major_case_discussion_bureau_report_and_decision(site: Site) -> None:
    officer = site.login("officer")
    officer.get_by_role("navigation", name="主菜单").get_by_role("link", name="受理申请").click()
    officer.get_by_label("案件类别").select_option(label="民事")
    officer.get_by_label("镇街（属地）").select_option(label="北温泉街道")
    officer.get_by_label("涉及专业").fill("工伤赔偿")
    officer.get_by_label("重大疑难（第五条、第十一条）").check()
    officer.get_by_label("案情摘要").fill("申请人在施工中高处坠落致残，用人单位否认劳动关系。")
    first = officer.get_by_role("group", name="当事人 1")
    first.get_by_label("姓名").fill("赵德明")
    first.get_by_label("身份证号").fill(id_number(date(1969, 2, 27), 633))
    officer.get_by_role("group", name="当事人 3").get_by_label("姓名").fill("北碚某建筑劳务公司")
    step(site, officer, "intake-form")
    officer.get_by_role("button", name="受理申请").click()
    heading = officer.get_by_role("heading", level=1)
    expect(heading).to_contain_text("已受理，待审查")
    found = CASE_NUMBER.search(heading.inner_text())
    assert found, heading.inner_text()
    number = found.group(1)
    expect(officer.locator("dl.facts")).to_contain_text("重大疑难")
    step(site, officer, "case-intake")

    officer.get_by_role("link", name="审查申请").click()
    officer.get_by_role("button", name="决定给予法律援助").click()
    expect(officer.get_by_role("status")).to_contain_text("已决定给予法律援助")
    step(site, officer, "case-granted")

    # --- the proposal: the route is the discussion and the bureau -------------------------
    officer.get_by_role("link", name="提出指派意见").click()
    officer.get_by_role("button", name="按规则计算建议的承办机构").click()
    why = officer.get_by_role("region", name="为何指派给该机构")
    route = why.locator("dt", has_text="决定程序").locator("xpath=following-sibling::dd[1]")
    expect(route).to_have_text("法律援助中心集体讨论后，书面报请区司法局决定")
    expect(why.locator(".reasoning")).to_contain_text("第五条")
    suggested = why.locator("p strong").first.inner_text().strip()
    step(site, officer, "propose-rules")
    officer.get_by_label("同意系统建议的承办机构").check()
    officer.get_by_label("指派意见说明").fill("案情复杂，建议安排有工伤诉讼经验的律师。")
    officer.get_by_role("button", name="提出指派意见").click()
    expect(officer.get_by_role("status")).to_contain_text(
        f"已提出指派意见：{suggested}；法律援助中心集体讨论后，书面报请区司法局决定"
    )
    step(site, officer, "case-proposed")

    # --- the director: the collective discussion --------------------------------------------
    director = site.login("director")
    expect(director.locator("#todo-discuss").get_by_role("link", name=number)).to_be_visible()
    step(site, director, "director-home")
    director.get_by_role("navigation", name="主菜单").get_by_role("link", name="待决定").click()
    listed = director.locator("tbody tr", has=director.get_by_role("link", name=number))
    expect(listed).to_contain_text("待集体讨论（重大疑难案件）")
    step(site, director, "director-decisions")
    listed.get_by_role("link", name=number).click()
    expect(director.get_by_role("heading", level=1)).to_contain_text("集体讨论（第五条）")
    expect(director.get_by_text("本案的重大疑难情形")).to_contain_text("重大疑难")
    step(site, director, "discussion-form")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    expect(director.get_by_label("讨论日期")).to_have_value(today)
    director.get_by_label("参加人员").fill("吴建国（中心主任）\n周文（指派人员）\n李红（副主任）")
    conclusion = f"同意指派{suggested}承办，安排具有工伤诉讼经验的律师。"
    director.get_by_label("讨论结论").fill(conclusion)
    director.get_by_role("button", name="记录集体讨论").click()
    expect(director.get_by_role("status")).to_contain_text("的集体讨论（3 人参加）")
    expect(director.get_by_role("heading", level=1)).to_contain_text("已集体讨论，待报区司法局")
    step(site, director, "case-discussed")

    # --- the director: the report to the bureau -----------------------------------------
    director.get_by_role("link", name="书面报请区司法局").click()
    expect(director.get_by_role("heading", level=1)).to_contain_text("书面报请区司法局（第五条）")
    record = director.get_by_role("region", name="集体讨论记录")
    expect(record).to_contain_text(today)
    expect(record).to_contain_text("吴建国（中心主任）、周文（指派人员）、李红（副主任）")
    expect(record).to_contain_text(conclusion)
    draft = director.get_by_label("请示正文")
    expect(draft).to_have_value(re.compile("集体讨论"))
    expect(draft).to_have_value(re.compile(number))
    step(site, director, "report-form")
    doc_number = "北碚法援〔2026〕7号"
    director.get_by_label("请示文号").fill(doc_number)
    director.get_by_role("button", name="报送区司法局").click()
    expect(director.get_by_role("status")).to_contain_text(
        f"已书面报请区司法局决定（{doc_number}）"
    )
    expect(director.get_by_role("heading", level=1)).to_contain_text("已书面报请区司法局，待决定")
    step(site, director, "case-reported")
    # The report as sent, with its documents (the message names the page; the case page no
    # longer offers it as a next step).
    director.goto(site.url(f"/cases/{number}/bureau-report/"))
    sent = director.get_by_role("region", name="请示")
    expect(sent).to_contain_text(doc_number)
    expect(sent).to_contain_text(DIRECTOR)
    step(site, director, "report-sent")
    with director.expect_download() as download_info:
        sent.get_by_role("link", name="关于重大疑难法律援助案件指派的请示》（PDF）").click()
    content = download_info.value.path().read_bytes()
    assert content.startswith(b"%PDF"), content[:20]
    text = squeeze("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages))
    assert "请示" in text, text[:800]
    assert squeeze(doc_number) in text, text[:1500]
    assert number in text, text[:1500]

    # --- the bureau's section decides --------------------------------------------------------
    section = site.login("section")
    expect(section.locator("#todo-bureau").get_by_role("link", name=number)).to_be_visible()
    step(site, section, "section-home")
    section.goto(site.url(f"/cases/{number}/bureau-decision/"))
    expect(section.get_by_role("heading", level=1)).to_contain_text("区司法局决定（第五条）")
    report = section.get_by_role("region", name="法律援助中心的请示")
    expect(report).to_contain_text(doc_number)
    expect(report).to_contain_text(DIRECTOR)
    expect(section.get_by_role("region", name="集体讨论记录")).to_contain_text(conclusion)
    step(site, section, "bureau-decide")
    section.get_by_label("同意指派意见").check()
    section.get_by_role("textbox", name="意见").fill("同意中心集体讨论意见。")
    section.get_by_role("button", name="提交决定").click()
    expect(section.get_by_role("status")).to_contain_text(
        f"区司法局已同意指派意见：指派{suggested}"
    )
    step(site, section, "case-bureau-approved")

    # --- the officer issues the notice -------------------------------------------------------
    officer.goto(site.url(f"/cases/{number}/"))
    officer.get_by_role("link", name="发出指派通知书").click()
    expect(officer.get_by_role("region", name="确认发出")).to_contain_text(suggested)
    step(site, officer, "issue-confirm")
    officer.get_by_role("button", name="确认发出指派通知书").click()
    expect(officer.get_by_role("heading", name=f"已指派：{suggested}")).to_be_visible()
    step(site, officer, "issued")

    # --- the timeline: each step, with who did it --------------------------------------------
    officer.get_by_role("link", name="返回案件页面").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("已指派，待承办机构安排承办人")
    timeline = officer.get_by_role("region", name="办理经过").locator("ol.timeline > li")
    steps = [
        ("受理法律援助申请", OFFICER),
        ("决定给予法律援助", OFFICER),
        ("系统提出指派建议", OFFICER),
        ("提出指派意见", OFFICER),
        ("中心集体讨论", DIRECTOR),
        ("书面报请区司法局", DIRECTOR),
        ("区司法局决定", SECTION),
        ("发出指派通知书", OFFICER),
    ]
    texts = timeline.all_inner_texts()
    at = -1
    for what, who in steps:
        expect(timeline.filter(has=officer.locator("strong", has_text=what))).not_to_have_count(0)
        hits = [i for i, t in enumerate(texts) if f"{what} · {who}" in t and i > at]
        assert hits, f"办理经过 lacks “{what} · {who}” after step {at}: {texts}"
        at = hits[0]
    step(site, officer, "case-timeline")
