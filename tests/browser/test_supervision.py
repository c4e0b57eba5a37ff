"""案卷评查 in a real browser (第十三条): the demo has no closed case, so the officer closes one
under way through the pages (/cases/<number>/close/); the bureau's section draws the period's
closed files with a recorded seed and names the demo supervisor as reviewer; the supervisor
opens it from 待我评查, scores every item of the policy's checklist (one over its weight first:
refused beside the field, nothing lost), and the result (total and grade) is shown on the
scoring page and on the case's supervision page.

Every page is checked (its <h1>, no error text, axe) and photographed (`supervision-<step>`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from .harness import Site
from .test_flow_criminal_letter import look, message

FLOW = "supervision"
CST = timezone(timedelta(hours=8))


def test_a_reviewer_scores_a_closed_file_and_the_result_is_shown(site: Site) -> None:
    # A case under way, closed by the officer through the pages.
    officer = site.login("officer")
    officer.goto(site.url("/cases/?status=agreement_signed"))
    links = officer.locator("main table tbody tr td:first-child a").all_inner_texts()
    assert links, "the demo has no case under way to close"
    number = links[-1].strip()
    officer.goto(site.url(f"/cases/{number}/close/"))
    look(site, officer, "officer", f"{FLOW}-01-officer-close")
    officer.get_by_label("办理结果").fill("调解结案（浏览器测试）")
    officer.get_by_role("button", name="结案").click()
    expect(message(officer)).to_contain_text(f"案件 {number} 已结案")

    # The bureau draws this period's closed files and names the reviewer.
    today = datetime.now(CST).date().isoformat()
    section = site.login("section")
    section.get_by_role("navigation", name="主菜单").get_by_role("link", name="案卷评查").click()
    expect(section.get_by_role("heading", level=1)).to_have_text("案卷评查")
    look(site, section, "section", f"{FLOW}-02-bureau-reviews")
    section.get_by_label("结案日期自").fill(today)
    section.get_by_label("结案日期至").fill(today)
    section.get_by_label("随机种子").fill("20261201")
    section.get_by_role("button", name="抽取").click()
    expect(message(section)).to_contain_text("（种子 20261201）")
    expect(section).to_have_url(re.compile(r"/quality/reviews/\d+/$"))
    look(site, section, "section", f"{FLOW}-03-bureau-round")
    row = section.locator("main table tbody tr").filter(has=section.locator("form")).first
    drawn = row.locator("td").first.inner_text().strip()
    row.get_by_label("评查人").select_option(label="唐静（演示）（supervisor）")
    row.get_by_role("button", name="指定").click()
    expect(message(section)).to_contain_text(f"已为案件 {drawn} 指定评查人。")

    # The supervisor scores it.
    reviewer = site.login("supervisor")
    reviewer.goto(site.url("/quality/reviews/"))
    reviewer.get_by_role("link", name=f"评查案件 {drawn}").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(f"评查案卷 {drawn}")
    look(site, reviewer, "supervisor", f"{FLOW}-04-reviewer-form")
    scores = {
        "案卷材料齐全规范（满分 20）": "18",
        "与受援人沟通并告知办理情况（满分 20）": "17",
        "办案程序合法及时（满分 20）": "20",
        "法律意见与辩护（代理）质量（满分 30）": "25",
        "结案归档按时（满分 10）": "12",
    }
    for label, value in scores.items():
        reviewer.get_by_label(label).fill(value)
    reviewer.get_by_role("button", name="提交评查").click()
    # Over the item's weight: refused beside the field, the other numbers kept.
    beside = reviewer.locator("div.field.has-error").filter(
        has=reviewer.get_by_label("结案归档按时（满分 10）")
    )
    expect(beside.locator("ul.errorlist")).to_be_visible()
    expect(reviewer.get_by_label("办案程序合法及时（满分 20）")).to_have_value("20")
    look(site, reviewer, "supervisor", f"{FLOW}-05-reviewer-over-weight")
    reviewer.get_by_label("结案归档按时（满分 10）").fill("8")
    reviewer.get_by_label("评查意见").fill("材料齐全，沟通记录略少（浏览器测试）。")
    reviewer.get_by_role("button", name="提交评查").click()
    # 18 + 17 + 20 + 25 + 8 = 88: 良好 (75 to under 90 in the Beibei policy).
    expect(message(reviewer)).to_contain_text("评查完成：88 分，良好。")
    expect(reviewer.locator("p.result")).to_contain_text("88 分，良好")
    look(site, reviewer, "supervisor", f"{FLOW}-06-reviewer-result")

    # The result on the case's supervision page, as the bureau sees it.
    section.goto(site.url(f"/quality/cases/{drawn}/"))
    expect(section.locator("p.result")).to_contain_text("评查结果：88 分，良好")
    look(site, section, "section", f"{FLOW}-07-case-result")
