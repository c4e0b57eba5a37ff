"""A civil application from the counter to the signed agreement, through the pages only:
the officer takes it in (a first submission with mistakes shows every error beside its field at
once and keeps what was typed), grants aid (法律援助法第四十三条), runs the rules and proposes
ANOTHER eligible institution than the one suggested, with a reason (SPEC §7; a first try
without one is refused beside the field); the director sees the different choice and its reason
and approves (第五条); the officer issues the 《指派通知书》 and downloads its PDF (第六条); the
chosen institution's administrator sees the new assignment with its agreement deadline, names a
handler from the eligible ones only (第二、十条) and records the agreement (程序规定第二十七条)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .harness import Site

FLOW = "civil"
CASE_NUMBER = re.compile(r"案件 (\S+)")


def id_number(birth: date, serial: int) -> str:
    """A GB 11643 number with a valid checksum (region 500109, 北碚区): fictional."""
    body = f"500109{birth:%Y%m%d}{serial:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def wrong_checksum(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def step(site: Site, page: Page, name: str) -> None:
    """Every page of the flow: its checks, axe (no serious/critical violation), a screenshot."""
    site.check_page(page, FLOW)
    site.axe(page)
    site.shot(page, f"{FLOW}-{name}")


def test_civil_application_override_approved_notice_handler_agreement(site: Site) -> None:
    applicant_id = id_number(date(1978, 5, 14), 237)
    officer = site.login("officer")

    # --- intake: first with mistakes --------------------------------------------------------
    officer.get_by_role("navigation", name="主菜单").get_by_role("link", name="受理申请").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("受理法律援助申请")
    step(site, officer, "intake-form")
    officer.get_by_label("案件类别").select_option(label="民事")
    # 镇街（属地） left at 请选择: a mistake.
    officer.get_by_label("涉及专业").fill("劳动争议")
    officer.get_by_label("案情摘要").fill("申请人被拖欠工资八个月，用人单位拒不支付。")
    first = officer.get_by_role("group", name="当事人 1")
    first.get_by_label("姓名").fill("钱淑芬")
    first.get_by_label("身份证号").fill(wrong_checksum(applicant_id))  # a mistake
    first.get_by_label("电话").fill("13800001234")
    first.get_by_label("住址").fill("重庆市北碚区天生街道某小区 3 栋")
    opposing = officer.get_by_role("group", name="当事人 3")
    opposing.get_by_label("姓名").fill("北碚某某建材有限公司")
    # The forms carry `novalidate`: the browser does not stop at the first empty field, the
    # server answers with every mistake at once (the ID number's checksum and the locality).
    with officer.expect_navigation():
        officer.get_by_role("button", name="受理申请").click()

    # Every error at once, each beside its field; nothing typed is lost.
    summary = officer.locator("#form-errors")
    expect(summary).to_be_visible()
    locality = officer.locator("div.field.has-error", has=officer.get_by_label("镇街（属地）"))
    expect(locality.locator("ul.errorlist")).to_be_visible()
    first = officer.get_by_role("group", name="当事人 1")
    id_box = first.locator("div.field.has-error", has=officer.get_by_label("身份证号"))
    expect(id_box.locator("ul.errorlist")).to_contain_text("身份证号码无效")
    expect(officer.get_by_label("案件类别")).to_have_value("civil")
    expect(officer.get_by_label("涉及专业")).to_have_value("劳动争议")
    expect(officer.get_by_label("案情摘要")).to_have_value(
        "申请人被拖欠工资八个月，用人单位拒不支付。"
    )
    expect(first.get_by_label("姓名")).to_have_value("钱淑芬")
    expect(first.get_by_label("身份证号")).to_have_value(wrong_checksum(applicant_id))
    expect(first.get_by_label("电话")).to_have_value("13800001234")
    expect(officer.get_by_role("group", name="当事人 3").get_by_label("姓名")).to_have_value(
        "北碚某某建材有限公司"
    )
    step(site, officer, "intake-errors")

    # --- intake: corrected ------------------------------------------------------------------
    officer.get_by_label("镇街（属地）").select_option(label="天生街道")
    first.get_by_label("身份证号").fill(applicant_id)
    officer.get_by_role("button", name="受理申请").click()
    expect(officer.get_by_role("status")).to_contain_text("已受理申请，案件编号")
    heading = officer.get_by_role("heading", level=1)
    expect(heading).to_contain_text("已受理，待审查")
    found = CASE_NUMBER.search(heading.inner_text())
    assert found, heading.inner_text()
    number = found.group(1)
    assert officer.url.endswith(f"/cases/{number}/")
    expect(officer.locator("dl.facts")).to_contain_text("天生街道")
    expect(officer.locator("dl.facts")).to_contain_text("劳动争议")
    step(site, officer, "case-intake")

    # --- review: grant ----------------------------------------------------------------------
    officer.get_by_role("link", name="审查申请").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"审查申请 {number}")
    expect(officer.locator("dl.facts")).to_contain_text("审查期限")
    step(site, officer, "review")
    officer.get_by_role("button", name="决定给予法律援助").click()
    expect(officer.get_by_role("status")).to_contain_text("已决定给予法律援助")
    expect(officer.get_by_role("heading", level=1)).to_contain_text("已决定给予法律援助，待指派")
    step(site, officer, "case-granted")

    # --- the proposal: the rules, then another institution --------------------------------
    officer.get_by_role("link", name="提出指派意见").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"提出指派意见 {number}")
    step(site, officer, "propose-before-rules")
    officer.get_by_role("button", name="按规则计算建议的承办机构").click()
    why = officer.get_by_role("region", name="为何指派给该机构")
    expect(why).to_be_visible()
    expect(why).to_contain_text("系统建议：")
    expect(why).to_contain_text("报法律援助中心负责人决定")
    expect(why.locator(".reasoning")).not_to_be_empty()
    rows = why.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2, "the candidates table lists the institutions weighed"
    suggested = why.locator("p strong").first.inner_text().strip()
    expect(why.locator("tbody tr", has_text="建议指派")).to_have_count(1)
    step(site, officer, "propose-rules")

    officer.get_by_label("指派其他符合条件的承办机构").check()
    other = officer.get_by_label("其他承办机构")
    options = [o for o in other.locator("option").all_inner_texts() if o.strip() and o != "请选择"]
    assert options, "at least one other eligible institution is offered"
    choice = options[0]
    picked = re.fullmatch(r"(.+)（(\w+)）", choice)
    assert picked, choice
    other_name, other_code = picked.group(1), picked.group(2)
    assert other_name != suggested
    # The one offered is eligible now, as the candidates table says.
    expect(why.locator("tbody tr", has_text=f"（{other_code}）").locator("td").last).to_have_text(
        "符合条件"
    )
    other.select_option(label=choice)
    officer.get_by_label("指派意见说明").fill("申请人就近方便。")
    officer.get_by_role("button", name="提出指派意见").click()
    reason_box = officer.locator(
        "div.field.has-error", has=officer.get_by_label("不同于系统建议的理由")
    )
    expect(reason_box.locator("ul.errorlist")).to_contain_text("须写明理由")
    expect(officer.get_by_label("其他承办机构")).to_have_value(other_code)
    expect(officer.get_by_label("指派意见说明")).to_have_value("申请人就近方便。")
    step(site, officer, "propose-missing-reason")
    reason = f"{other_name}擅长劳动争议，且距申请人住所较近。"
    officer.get_by_label("不同于系统建议的理由").fill(reason)
    officer.get_by_role("button", name="提出指派意见").click()
    expect(officer.get_by_role("status")).to_contain_text(f"已提出指派意见：{other_name}")
    expect(officer.get_by_role("heading", level=1)).to_contain_text("已提出指派意见，待决定")
    proposals = officer.get_by_role("region", name="指派意见")
    expect(proposals).to_contain_text(other_name)
    expect(proposals).to_contain_text(f"不同：{reason}")
    step(site, officer, "case-proposed")

    # --- the director -------------------------------------------------------------------------
    director = site.login("director")
    todo = director.locator("#todo-decide")
    expect(todo.get_by_role("link", name=number)).to_be_visible()
    step(site, director, "director-home")
    director.get_by_role("navigation", name="主菜单").get_by_role("link", name="待决定").click()
    listed = director.locator("tbody tr", has=director.get_by_role("link", name=number))
    expect(listed).to_contain_text("待决定指派意见（普通案件）")
    expect(listed).to_contain_text(other_name)
    step(site, director, "director-decisions")
    # The roster names the institution's code (the admin's account is inst-<code>).
    director.get_by_role("navigation", name="主菜单").get_by_role(
        "link", name="承办机构名册"
    ).click()
    roster_row = director.get_by_role("region", name=re.compile("承办机构")).locator(
        "tbody tr", has_text=other_name
    )
    expect(roster_row.locator("td").nth(1)).to_have_text(other_code)
    step(site, director, "director-roster")

    director.goto(site.url("/decisions/"))
    director.get_by_role("link", name=number).click()
    expect(director.get_by_role("heading", level=1)).to_contain_text("决定指派意见（第五条）")
    opinion = director.get_by_role("region", name="指派意见与系统建议")
    expect(opinion).to_contain_text(other_name)
    expect(opinion).to_contain_text(suggested)
    expect(opinion).to_contain_text("与系统建议不同")
    expect(opinion).to_contain_text(reason)
    expect(director.get_by_role("region", name="系统建议的理由")).to_be_visible()
    step(site, director, "director-decide")
    director.get_by_label("同意指派意见").check()
    director.get_by_role("button", name="提交决定").click()
    expect(director.get_by_role("status")).to_contain_text(f"已同意指派意见：指派{other_name}")
    step(site, director, "director-approved")

    # --- the notice -------------------------------------------------------------------------
    officer.goto(site.url(f"/cases/{number}/"))
    officer.get_by_role("link", name="发出指派通知书").click()
    confirm = officer.get_by_role("region", name="确认发出")
    expect(confirm).to_contain_text(other_name)
    expect(confirm).to_contain_text(reason)
    step(site, officer, "issue-confirm")
    officer.get_by_role("button", name="确认发出指派通知书").click()
    expect(officer.get_by_role("status")).to_contain_text("已发出指派通知书")
    expect(officer.get_by_role("heading", name=f"已指派：{other_name}")).to_be_visible()
    step(site, officer, "issued")
    with officer.expect_download() as download_info:
        officer.get_by_role("link", name="下载《指派通知书》（PDF）").click()
    download = download_info.value
    path = download.path()
    content = path.read_bytes()
    assert content.startswith(b"%PDF"), content[:20]
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)
    assert number in text, text[:500]
    assert other_name.replace("（演示）", "") in text, text[:500]

    # --- the institution ---------------------------------------------------------------------
    admin = site.login(f"inst-{other_code.lower()}")
    new = admin.locator("#todo-name")
    row = new.locator("tbody tr", has=admin.get_by_role("link", name=number))
    expect(row).to_be_visible()
    headers = new.locator("thead th").all_inner_texts()
    due_col = headers.index("委托协议期限")
    expect(row.locator("td").nth(due_col)).to_have_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"))
    expect(row.locator("td").nth(due_col + 1)).to_contain_text("剩")
    step(site, admin, "institution-home")
    row.get_by_role("link", name=number).click()
    admin.get_by_role("link", name="安排承办人").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("安排承办人")
    expect(admin.locator("dl.facts")).to_contain_text("委托协议期限")
    offered = admin.get_by_role("checkbox")
    expect(offered.first).to_be_visible()
    offered_labels = [
        admin.locator(f"label[for='{cb.get_attribute('id')}']").inner_text() for cb in offered.all()
    ]
    excluded = admin.get_by_role("region", name="不能承办本案的本机构人员")
    if excluded.count():
        for excluded_row in excluded.locator("tbody tr").all():
            who = excluded_row.locator("td").first.inner_text()
            assert who not in " ".join(offered_labels), f"{who} is excluded yet offered"
            expect(excluded_row.locator("td").last).not_to_be_empty()
    step(site, admin, "institution-handlers")
    handler_label = offered_labels[0]
    handler_name = handler_label.split("（")[0].strip()
    offered.first.check()
    admin.get_by_role("button", name="安排承办人").click()
    expect(admin.get_by_role("status")).to_contain_text(f"已安排承办人：{handler_name}")
    expect(admin.locator("dl.facts")).to_contain_text(handler_name)
    step(site, admin, "institution-handler-named")

    admin.get_by_role("link", name="登记委托协议").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("登记委托协议")
    step(site, admin, "institution-agreement")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    admin.get_by_label("委托协议签订日期").fill(today)
    admin.get_by_role("button", name="登记委托协议").click()
    expect(admin.get_by_role("status")).to_contain_text(f"已登记委托协议，签订日期 {today}")
    expect(admin.get_by_role("heading", level=1)).to_contain_text("已签订委托协议")
    expect(admin.locator("dl.facts")).to_contain_text(f"{today} 签订")
    step(site, admin, "case-agreement-signed")
