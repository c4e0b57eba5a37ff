"""第九条 in a real browser: three poor return visits (2 分) on cases a demo practitioner closed
(written into the server's database first: the demo has no closed case), so its quality score is
40; the director opens 质量评分 from the menu, finds the practitioner flagged, opens its page
(the parts, the formula, the records), issues the advice notice with its pre-filled text and
fetches the 《法律援助案件指派建议书》 PDF, then suspends its new assignments — first without a
reason (refused beside the field), then with one.

Every page is checked (its <h1>, no error text, axe) and photographed (`quality-<step>`)."""

from __future__ import annotations

import subprocess

from playwright.sync_api import expect

from .harness import BIN, Site, _environment
from .test_flow_criminal_letter import look, message

FLOW = "quality"

RECORDS = """
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils import timezone
from fayuan.cases.models import Case, CaseStatus, Party
from fayuan.roster.models import Center, Practitioner
from fayuan.supervision import actions
from fayuan.workflow.models import Assignment, Handler

center = Center.objects.order_by("pk").first()
p = Practitioner.objects.filter(center=center, status="active").order_by("code").first()
officer = User.objects.get(username="officer")
supervisor = User.objects.get(username="supervisor")
closed = timezone.now() - timedelta(days=3)
for n in range(1, 4):
    case = Case.objects.create(
        center=center, number=f"BQ-{n}", category="civil", status=CaseStatus.closed,
        locality=p.institution.locality, institution=p.institution,
        started_at=closed - timedelta(days=40), closed_at=closed, outcome="调解结案",
    )
    Party.objects.create(case=case, role="aided", is_applicant=True, name=f"浏览器受援人{n}")
    a = Assignment.objects.create(
        case=case, institution=p.institution, rule="ranking", notice_year=2020,
        notice_seq=9000 + n, notice_number=f"测试〔2020〕第{9000 + n}号", issued_by=officer,
        issued_at=closed - timedelta(days=39), due_at=closed - timedelta(days=38),
    )
    Handler.objects.create(
        case=case, assignment=a, practitioner=p, named_by=officer,
        named_at=closed - timedelta(days=39),
    )
    actions.do_record_visit_attempt(case, supervisor, "phone", "reached", satisfaction=2)
p.refresh_from_db()
print(p.code, p.name, p.quality_score)
"""


def _low_practitioner(site: Site) -> tuple[str, str]:
    """Three reached visits of 2 分 for the demo's first practitioner: (code, name)."""
    home = site.server.home
    done = subprocess.run(
        [str(BIN / "fayuan"), "manage", "shell", "-c", RECORDS],
        cwd=home,
        env=_environment(home, 0),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    code, name, score = done.stdout.split()[-3:]
    assert score == "40.0", done.stdout
    return code, name


def test_the_director_advises_on_a_low_score_and_suspends_with_a_reason(site: Site) -> None:
    code, name = _low_practitioner(site)
    director = site.login("director")
    director.get_by_role("navigation", name="主菜单").get_by_role("link", name="质量评分").click()
    expect(director.get_by_role("heading", level=1)).to_have_text("办案质量评分（第九条）")
    row = director.locator("main table tbody tr").filter(has_text=f"（{code}）").first
    expect(row).to_contain_text("低于 60 分，应提出指派建议")
    expect(row).to_contain_text("(30×40.0) ÷ 30 = 40.0")
    look(site, director, "director", f"{FLOW}-01-list")

    row.get_by_role("link", name=f"{name}（{code}）").click()
    expect(director.get_by_role("heading", level=1)).to_have_text(
        f"办案质量评分：承办人{name}（{code}）"
    )
    expect(director.locator("p.reasoning")).to_have_text(
        "(30×40.0) ÷ 30 = 40.0；案卷评查、办案机关评价无记录，不计"
    )
    records = director.locator(
        "section", has=director.get_by_role("heading", name="评分所依据的记录")
    )
    expect(records.locator("tbody tr")).to_have_count(3)
    expect(director.locator("main")).not_to_contain_text("浏览器受援人")
    look(site, director, "director", f"{FLOW}-02-practitioner")

    text = director.get_by_label("建议内容")
    assert "40.0 分" in text.input_value() and "建议贵机构" in text.input_value()
    director.get_by_role("button", name="提出指派建议").click()
    expect(message(director)).to_contain_text("提出指派建议。")
    advice = director.locator("#advice")
    expect(advice).to_contain_text("待确认")
    pdf = director.request.get(advice.get_by_role("link", name="PDF").get_attribute("href") or "")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    look(site, director, "director", f"{FLOW}-03-advice-issued")

    status = director.locator("#status")
    status.get_by_role("button", name="暂停指派").click()
    expect(status.locator("ul.errorlist")).to_be_visible()
    look(site, director, "director", f"{FLOW}-04-suspend-without-reason")
    status.get_by_label("原因").fill("办案质量评分 40.0 分，低于 60 分（浏览器测试）")
    status.get_by_role("button", name="暂停指派").click()
    expect(message(director)).to_contain_text("已暂停指派")
    status = director.locator("#status")
    expect(status.locator("tbody tr").first).to_contain_text("办案质量评分 40.0 分，低于 60 分")
    expect(status.get_by_role("button", name="恢复指派")).to_be_visible()
    look(site, director, "director", f"{FLOW}-05-suspended")
