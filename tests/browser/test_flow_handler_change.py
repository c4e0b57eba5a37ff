"""A handler change (第十二条) end to end, through the pages only: on the demo's case under way
(委托协议已签订), the institution's administrator asks to change the handler; sent without the
aided person's consent, the form comes back with the error beside the box and the reason as
typed; with it, the request goes to the director, who approves it on /handler-changes/<pk>/;
the case is then back with the institution to name a new handler.

Every page on the way is checked (its <h1>, no error text, axe) and photographed
(`handler-change-<step>`)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .harness import Site
from .test_flow_criminal_letter import fact, institution_login, look, message, next_step

FLOW = "handler-change"
CONSENT = "受援人已同意更换承办人"
NO_CONSENT = "未征得受援人同意，不能申请更换承办人（第十二条）。"
CHANGE_PAGE = re.compile(r"/handler-changes/(\d+)/$")


def test_handler_change_with_consent_approved_by_the_director(site: Site) -> None:
    # The demo's cases under way without a pending change: the director's list of pending
    # changes, then the officer's case list filtered on 已签订委托协议.
    director = site.login("director")
    director.goto(site.url("/handler-changes/"))
    expect(director.get_by_role("heading", level=1)).to_contain_text("待批准的更换承办人申请")
    look(site, director, "director", f"{FLOW}-01-director-pending-before")
    pending = {
        text.strip()
        for text in director.locator("main table tbody tr td:first-child a").all_inner_texts()
    }

    officer = site.login("officer")
    officer.goto(site.url("/cases/?status=agreement_signed"))
    look(site, officer, "officer", f"{FLOW}-02-officer-cases-under-way")
    links = officer.locator("main table tbody tr td:first-child a").all_inner_texts()
    under_way = [n.strip() for n in links if n.strip() not in pending]
    assert under_way, f"no case under way without a pending change: {links} (pending {pending})"
    number = under_way[0]
    officer.goto(site.url(f"/cases/{number}/"))
    expect(officer.locator("h1")).to_contain_text("已签订委托协议，办理中")
    institution = fact(officer, "承办机构").inner_text().split("（北碚法援指")[0].strip()
    handler = fact(officer, "承办人").inner_text().strip()
    assert institution and handler, (institution, handler)
    expect(fact(officer, "委托协议")).to_contain_text("签订")
    look(site, officer, "officer", f"{FLOW}-03-officer-case")

    # The institution's administrator asks for the change.
    inst = institution_login(site, institution, f"{FLOW}-04-officer-roster")
    inst.goto(site.url(f"/cases/{number}/"))
    expect(fact(inst, "承办人")).to_have_text(handler)
    look(site, inst, "institution", f"{FLOW}-05-institution-case")
    next_step(inst, "申请更换承办人").click()
    expect(inst.get_by_role("heading", level=1)).to_have_text("申请更换承办人")
    expect(inst.get_by_text(f"现承办人：{handler}。")).to_be_visible()
    look(site, inst, "institution", f"{FLOW}-06-institution-form")

    # Without the consent: refused, the error beside the box, the reason kept.
    reason = "承办人与对方当事人存在利益冲突（浏览器测试），需更换承办人。"
    inst.get_by_label("更换理由").fill(reason)
    inst.get_by_label("由本承办机构重新安排承办人").check()
    consent = inst.get_by_label(CONSENT)
    expect(consent).not_to_be_checked()
    # The form carries `novalidate`: the server refuses it and says why, beside the box.
    with inst.expect_navigation():
        inst.get_by_role("button", name="提出更换申请").click()
    expect(inst.get_by_role("alert")).to_contain_text("请更正以下 1 处后再提交")
    beside = inst.locator("div.field.has-error").filter(has=consent)
    expect(beside).to_contain_text(NO_CONSENT)
    expect(beside.locator("ul.errorlist")).to_be_visible()
    expect(inst.get_by_label("更换理由")).to_have_value(reason)
    expect(inst.get_by_label("由本承办机构重新安排承办人")).to_be_checked()
    expect(message(inst)).to_have_count(0)
    look(site, inst, "institution", f"{FLOW}-07-institution-no-consent")

    # With the consent: sent to the director (第十二条: 中心负责人批准).
    inst.get_by_label(CONSENT).check()
    inst.get_by_role("button", name="提出更换申请").click()
    expect(message(inst)).to_contain_text(
        "已提出第 1 次更换承办人申请，待中心负责人批准（第十二条）。"
    )
    expect(inst).to_have_url(re.compile(f"/cases/{re.escape(number)}/$"))
    expect(inst.locator("h1")).to_contain_text("已签订委托协议，办理中")
    look(site, inst, "institution", f"{FLOW}-08-institution-requested")

    # The director finds it among the 待办 and approves it.
    director.goto(site.url("/"))
    todo = director.get_by_role("region", name=re.compile("^待决定的更换承办人申请"))
    row = todo.get_by_role("row").filter(has=director.get_by_role("link", name=number, exact=True))
    expect(row).to_contain_text(reason[:20])
    look(site, director, "director", f"{FLOW}-09-director-todo")
    row.get_by_role("link", name=number, exact=True).click()
    next_step(director, "决定更换承办人").click()
    expect(director).to_have_url(CHANGE_PAGE)
    expect(director.get_by_role("heading", level=1)).to_contain_text("决定更换承办人（第十二条）")
    expect(fact(director, "更换理由")).to_contain_text(reason)
    expect(fact(director, "受援人同意")).to_have_text("是")
    expect(fact(director, "第几次更换")).to_contain_text("第 1 次")
    expect(fact(director, "现承办人")).to_have_text(handler)
    expect(fact(director, "现承办机构")).to_have_text(institution)
    expect(fact(director, "状态")).to_contain_text("待")
    look(site, director, "director", f"{FLOW}-10-director-decide")
    director.get_by_label("批准更换").check()
    director.get_by_label("理由").fill("存在利益冲突，受援人同意，批准更换（浏览器测试）。")
    director.get_by_role("button", name="提交决定").click()
    expect(message(director)).to_contain_text(
        "已批准第 1 次更换承办人：由原承办机构重新安排承办人。"
    )
    expect(director).to_have_url(re.compile(f"/cases/{re.escape(number)}/$"))
    expect(director.locator("h1")).to_contain_text("已指派，待承办机构安排承办人")
    expect(fact(director, "承办人")).to_have_count(0)
    look(site, director, "director", f"{FLOW}-11-director-approved")

    # The case is back with the institution: a new handler to name.
    inst.goto(site.url("/"))
    todo = inst.get_by_role("region", name=re.compile("^新指派、待安排承办人"))
    expect(todo.get_by_role("link", name=number, exact=True)).to_be_visible()
    inst.goto(site.url(f"/cases/{number}/"))
    expect(inst.locator("h1")).to_contain_text("已指派，待承办机构安排承办人")
    expect(next_step(inst, "安排承办人")).to_be_visible()
    expect(next_step(inst, "申请更换承办人")).to_have_count(0)
    look(site, inst, "institution", f"{FLOW}-12-institution-case-after")
