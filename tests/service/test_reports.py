"""The reports to the bureau (第九、十三条) and the public figures (法律援助法第五十八条).

One small month, November 2026, built through the actions (no figure is written into the
database by hand), and every figure of the report compared with the number worked out by hand
below. The roster is examples/stream-7/roster.json."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now as timezone_now
from openpyxl import load_workbook
from pypdf import PdfReader
from tests.service.conftest import make_user
from tests.service.test_file_review import closed_case

from fayuan.accounts.models import JudicialOrgan, OrganKind, Role
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import (
    CaseInput,
    PartyInput,
    do_grant_aid,
    do_intake_application,
    do_intake_notification,
)
from fayuan.cases.models import Case, Party
from fayuan.reports import output
from fayuan.reports.figures import NO_SUPERVISION, Period, PeriodError, compute
from fayuan.reports.models import GeneratedReport, ReportStatus
from fayuan.roster.models import Institution, Practitioner
from fayuan.supervision import actions as supervision
from fayuan.web.supervision import rotation_context
from fayuan.workflow import actions
from fayuan.workflow.models import Recusal
from fayuan.workflow.recusal import do_decide_recusal, do_declare_person

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
NOVEMBER = Period(2026, 11)
RELATIVE = "王大明"
OVERRIDE_REASON = "受援人行动不便，所选机构距其住所近，便于会见"


def cst(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def notification(world, letter: str, received: datetime) -> Case:
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "刘勇勇", "500109196706097552")],
        organ_id=world.organ.pk,
        letter_number=letter,
        letter_received_at=received,
    )
    with at(received):
        case, _ = do_intake_notification(world.center, world.user("judicial_organ"), data)
    return case


def criminal(world, letter: str, received: datetime, issued: datetime) -> Case:
    case = notification(world, letter, received)
    with at(issued):
        proposal = actions.do_propose(case, world.user("officer"))
        actions.do_director_decide(proposal, world.user("director"), approve=True)
        actions.do_issue_assignment(proposal, world.user("officer"))
    case.refresh_from_db()
    return case


def civil(world, n: int, granted: datetime, *, officer: str = "officer", **fields) -> Case:
    data = CaseInput(
        category="civil",
        locality="天生街道",
        parties=[
            PartyInput("aided", f"张小{n}", is_applicant=True),
            PartyInput("opposing", f"某公司{n}"),
        ],
        channel="counter",
        **fields,
    )
    with at(granted):
        case = do_intake_application(world.center, world.user(officer), data)
        return do_grant_aid(case, world.user(officer), at=granted)


def issue(world, proposal) -> None:
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    actions.do_issue_assignment(proposal, world.user("officer"))


def admin_of(world, code: str):
    if code == "F04":
        return world.user("institution_admin")
    inst = Institution.objects.get(center=world.center, code=code)
    return make_user(world.center, f"admin-{code}", Role.institution_admin, institution=inst)


@pytest.fixture
def month(world) -> dict[str, Case]:
    """November 2026 (no holiday in it):

    A  criminal notification received Mon 2 Nov 10:00, assigned Tue 3 Nov 09:00 (rotation);
    B  criminal notification received Wed 4 Nov 10:00, assigned Fri 20 Nov 09:00: late;
    C  civil application choosing F04, granted Mon 9 Nov, assigned Tue 10 Nov; handler L013
       (11 Nov), agreement, a handler change within F04 (16 Nov, approved), L014 (17 Nov),
       agreement (18 Nov); a counter complaint about it (19 Nov) answered by the bureau
       (23 Nov); closed (25 Nov); drawn for file review and scored 80 (良好, 27 Nov);
       a public complaint naming no case (26 Nov), not answered;
    D  civil application, granted Tue 10 Nov, the officer proposes F04 where the rules said
       F03 (the override, with its reason), assigned Wed 11 Nov; handler L013;
    E  civil application of the officer's declared relative, 12 Nov: flagged, recusal granted;
    F  criminal notification received Mon 30 Nov, assigned Tue 1 Dec 00:30 Beijing time (still
       30 Nov in UTC): December's, not November's.
    """
    cases = {}
    cases["A"] = criminal(world, "（2026）渝0109刑初201号", cst(2, 10), cst(3, 9))
    cases["B"] = criminal(world, "（2026）渝0109刑初202号", cst(4, 10), cst(20, 9))

    c = civil(world, 1, cst(9, 10), chosen_institution="F04")
    with at(cst(10, 9)):
        issue(world, actions.do_propose(c, world.user("officer")))
    c.refresh_from_db()
    f04 = world.user("institution_admin")
    with at(cst(11, 9)):
        actions.do_name_handlers(c, f04, ["L013"])
        actions.do_sign_agreement(c, f04, date(2026, 11, 11))
    with at(cst(16, 9)):
        change = actions.do_request_handler_change(
            c, f04, "承办律师与对方当事人存在利益冲突", consent=True, mode="same_institution"
        )
        actions.do_decide_handler_change(change, world.user("director"), approve=True)
    with at(cst(17, 9)):
        actions.do_name_handlers(c, f04, ["L014"])
    with at(cst(18, 9)):
        actions.do_sign_agreement(c, f04, date(2026, 11, 18))
    with at(cst(19, 10)):
        counter = supervision.do_counter_complaint(
            world.center, world.user("officer"), "投诉人甲", "13800000001", c.number, "律师未联系我"
        )
    with at(cst(23, 10)):
        supervision.do_answer_complaint(
            counter, world.user("bureau_section"), "已督促承办律师三日内联系受援人"
        )
    with at(cst(25, 10)):
        actions.do_close_case(c, f04, "调解结案")
    with at(cst(26, 10)):
        supervision.do_public_complaint(world.center, "投诉人乙", "13900000002", "", "电话无人接")
    with at(cst(27, 10)):
        drawn = supervision.do_draw_file_review(
            world.center, world.user("bureau_section"), date(2026, 11, 1), date(2026, 11, 30), 7
        )
        assert drawn.case_ids == [c.pk]  # the month's only closed case
        reviewer = make_user(world.center, "reviewer1", Role.supervisor)
        review = supervision.do_assign_reviewer(drawn, c, world.user("bureau_section"), reviewer)
        checklist = supervision.values_for(world.center).review_checklist
        points = {item: weight * 0.8 for item, weight in checklist}  # 80 of 100: 良好
        supervision.do_score_file_review(review, reviewer, points, "卷宗基本完整")
    cases["C"] = c

    d = civil(world, 2, cst(10, 10))
    with at(cst(11, 9)):
        override = actions.do_propose(
            d, world.user("officer"), institution_code="F04", override_reason=OVERRIDE_REASON
        )
        assert override.differs_from_engine, override.engine_proposal.institution.code
        issue(world, override)
    d.refresh_from_db()
    with at(cst(12, 9)):
        actions.do_name_handlers(d, f04, ["L013"])
    cases["D"] = d

    do_declare_person(world.user("officer"), "relative", RELATIVE, relation="parent")
    with at(cst(12, 10)):
        data = CaseInput(
            category="civil",
            locality="天生街道",
            parties=[PartyInput("aided", RELATIVE, is_applicant=True)],
            channel="counter",
        )
        e = do_intake_application(world.center, world.user("officer2"), data)
    with at(cst(13, 10)):
        recusal = Recusal.objects.get(case=e, staff=world.user("officer"))
        do_decide_recusal(recusal, world.user("director"), grant=True)
    cases["E"] = e

    cases["F"] = criminal(
        world, "（2026）渝0109刑初203号", cst(30, 10), datetime(2026, 12, 1, 0, 30, tzinfo=CST)
    )
    for case in cases.values():
        if isinstance(case, Case):
            case.refresh_from_db()
    return cases


# ------------------------------------------------------------------ the figures, by hand

#: Today's rotation pool, counted by hand from the roster file: the active law firms with their
#: active lawyers (F01, F06 and F10 are inactive; the G… offices are not law firms).
WEIGHTS = {"F02": 2, "F03": 6, "F04": 8, "F05": 2, "F07": 8, "F08": 8, "F09": 9}
TOTAL_WEIGHT = 43


def test_every_figure_of_november_against_the_hand_count(world, month) -> None:
    assert sum(WEIGHTS.values()) == TOTAL_WEIGHT
    fig = compute(world.center, NOVEMBER)

    # 1. Cases first assigned in November: A, B, C, D (F is December's in Beijing time).
    assert fig.cases == 4
    assert fig.by_category == [
        ("刑事", 2),
        ("民事", 2),
        ("行政", 0),
        ("劳动仲裁", 0),
        ("其他非诉讼", 0),
    ]
    assert fig.by_source == [("公民申请", 2), ("司法机关通知", 2)]

    # 2. On time: A, C, D within both limits; B (20 Nov) after both (5 and 9 Nov).
    a, b, c, d = (month[k] for k in "ABCD")
    assert a.local_due_at == cst(3, 23, 59) + timedelta(seconds=59)
    assert b.local_due_at < cst(20, 9) and b.statutory_due_at < cst(20, 9)
    assert cst(10, 9) <= c.local_due_at and cst(11, 9) <= d.local_due_at
    assert (fig.local.on_time, fig.local.counted, fig.local.without_limit) == (3, 4, 0)
    assert (fig.statutory.on_time, fig.statutory.counted) == (3, 4)
    assert fig.local.text == fig.statutory.text == "75.0%"
    assert [r["case"] for r in fig.late_cases] == [b.number]
    assert fig.late_cases[0]["beyond"] == "本地期限、法定期限"

    # 3. Assignments: A → F09 and B → F07 by the rotation (smooth weighted round robin from
    #    zero credits: F09 has the largest weight, 9; then F04, F07 and F08 tie at 16 and F07
    #    is first in the published order), C and D → F04 (choice, override).
    rows = {r.code: r for r in fig.institutions}
    assert (rows["F09"].assignments, rows["F09"].criminal, rows["F09"].rotation) == (1, 1, 1)
    assert (rows["F07"].assignments, rows["F07"].criminal, rows["F07"].rotation) == (1, 1, 1)
    assert (rows["F04"].assignments, rows["F04"].criminal, rows["F04"].rotation) == (2, 0, 0)
    assert sum(r.assignments for r in fig.institutions) == 4
    assert fig.rotation_total == 2 and fig.total_weight == TOTAL_WEIGHT
    for code, row in rows.items():
        assert row.weight == WEIGHTS.get(code, 0), code
        assert row.entitlement == pytest.approx(2 * WEIGHTS.get(code, 0) / 43), code
    assert rows["F09"].difference == pytest.approx(1 - 18 / 43)
    assert rows["F04"].difference == pytest.approx(-16 / 43)
    assert rows["G01"].entitlement == 0

    # 4. Handlers named in November: L013 on C and D, L014 on C → 2 practitioners, the busiest
    #    ceil(10% × 2) = 1 (L013) with 2 of the 3 cases.
    con = fig.concentration
    assert (con.practitioners, con.busiest, con.busiest_cases, con.all_cases) == (2, 1, 2, 3)
    assert con.share == pytest.approx(2 / 3) and con.text == "66.7%"
    l013 = Practitioner.objects.get(center=world.center, code="L013")
    assert con.top == [("L013", l013.name, 2)]

    # 5. One override (D), with its reason.
    assert len(fig.overrides) == 1
    o = fig.overrides[0]
    engine_inst = d.engine_proposals.get().institution
    assert engine_inst.code != "F04"
    assert (o["case"], o["engine"], o["officer"]) == (
        d.number,
        engine_inst.name,
        Institution.objects.get(center=world.center, code="F04").name,
    )
    assert o["reason"] == OVERRIDE_REASON and o["status"] == "已发出指派通知书"

    # 6. One handler change (C), approved.
    assert [(h["case"], h["number"], h["status"]) for h in fig.handler_changes] == [
        (c.number, "1", "已批准")
    ]
    assert fig.handler_changes[0]["reason"] == "承办律师与对方当事人存在利益冲突"
    assert fig.handler_changes_by_status == [("已批准", 1)]

    # 7. One recusal (E), flagged by the system, granted.
    assert [(r["case"], r["role"], r["flagged"], r["status"]) for r in fig.recusals] == [
        (month["E"].number, "指派人员", "是", "准予回避")
    ]
    assert fig.recusals_by_status == [("准予回避", 1)]

    # 8. Complaints: the counter one (answered in 4 days) and the public one (open).
    k = fig.complaints
    assert k is not None
    assert k.received == 2 and k.by_channel == [("网上投诉", 1), ("窗口投诉", 1)]
    assert (k.answered, k.answered_on_time, k.still_open, k.led_to_change) == (1, 1, 1, 0)

    # 9. File reviews: C, scored 80 → 良好; passed.
    r = fig.reviews
    assert r is not None
    assert r.counted == 1 and r.by_grade == [("优秀", 0), ("良好", 1), ("合格", 0), ("不合格", 0)]
    assert r.passed == 1 and r.pass_rate == "100.0%" and r.mean_text == "80.0"
    assert fig.supervision_note == ""


def test_the_year_holds_december_and_the_month_before_holds_nothing(world, month) -> None:
    year = compute(world.center, Period(2026))
    assert year.cases == 5 and year.rotation_total == 3  # F: the third turn, to F04
    assert {r.code: r.rotation for r in year.institutions if r.rotation} == {
        "F09": 1,
        "F07": 1,
        "F04": 1,
    }
    october = compute(world.center, Period(2026, 10))
    assert october.cases == 0 and october.local.text == "—" and october.concentration.text == "—"
    assert october.overrides == [] and october.recusals == []


def test_period_parsing_refuses_in_chinese() -> None:
    assert Period.parse(month="2026-11") == NOVEMBER
    assert Period.parse(year="2026") == Period(2026)
    assert NOVEMBER.start == cst(1, 0) and NOVEMBER.end == datetime(2026, 12, 1, tzinfo=CST)
    assert Period(2026, 12).end == datetime(2027, 1, 1, tzinfo=CST)
    for month_, year_ in (("2026-13", None), ("26-11", None), (None, "20x6"), ("2026-11", "2026")):
        with pytest.raises(PeriodError, match=r"[\u4e00-\u9fff]"):
            Period.parse(month=month_, year=year_)


# ------------------------------------------------------------------ the files


def test_workbook_has_a_summary_first_and_a_sheet_per_section(world, month, tmp_path) -> None:
    xlsx, _ = output.write_report(compute(world.center, NOVEMBER), tmp_path)
    book = load_workbook(xlsx)
    assert book.sheetnames == list(output.SHEETS)
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["本期指派案件（件）"] == "4"
    assert summary["按本地期限（第六条）指派率"] == "75.0%（3/4）"
    assert summary["收到投诉（件）"] == "2"
    assert summary["评查合格率"] == "100.0%（平均 80.0 分）"
    complaints = {r[0]: r[1] for r in book["投诉与评查"].iter_rows(min_row=2, values_only=True)}
    assert complaints["按期答复（件）"] == 1 and complaints["评为良好（件）"] == 1
    headers = {name: [c.value for c in book[name][1]] for name in book.sheetnames[1:]}
    assert headers["机构指派与轮次"][:4] == ["编号", "承办机构", "类型", "指派（份）"]
    assert headers["改变系统建议"] == [
        "案件编号",
        "类别",
        "时间",
        "系统建议机构",
        "指派意见机构",
        "理由",
        "状态",
    ]
    assert headers["更换承办人"][0] == headers["回避"][0] == "案件编号"
    rows = list(book["改变系统建议"].iter_rows(min_row=2, values_only=True))
    assert rows[0][5] == OVERRIDE_REASON
    firms = {r[0]: r for r in book["机构指派与轮次"].iter_rows(min_row=2, values_only=True)}
    assert firms["F09"][5:8] == (1, 9, round(18 / 43, 2))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "report-beibei-2026-11.pdf",
        "report-beibei-2026-11.xlsx",
    ]


def embedded_fonts(reader: PdfReader) -> list[str]:
    found = []
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                fd = desc.get_object().get("/FontDescriptor")
                if fd is not None and "/FontFile2" in fd.get_object():
                    found.append(str(font["/BaseFont"]))
    return found


def test_pdf_embeds_its_chinese_font_and_has_the_headings_and_charts(world, month, tmp_path):
    _, pdf = output.write_report(compute(world.center, NOVEMBER), tmp_path)
    reader = PdfReader(pdf)
    assert embedded_fonts(reader), "no embedded TrueType font (/FontFile2)"
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert "法律援助案件指派情况报告（2026年11月）" in text
    assert "重庆市北碚区法律援助案件指派工作制度（试行）" in text  # the policy's title
    for heading in output.HEADINGS:
        assert heading in text, heading
    assert "本期指派案件（按类别，件）" in text  # the category chart's title
    assert "刑事轮流指派与轮次应得" in text  # the rotation chart's title
    assert OVERRIDE_REASON in text and "评为良好（件）" in text
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4


# ------------------------------------------------------------------ the command


def test_command_writes_both_files_and_says_where(world, month, tmp_path, capsys) -> None:
    call_command("report", "--center", "beibei", "--month", "2026-11", "--out", str(tmp_path))
    out = capsys.readouterr().out
    assert "2026年11月" in out and "report-beibei-2026-11.pdf" in out
    assert (tmp_path / "report-beibei-2026-11.xlsx").stat().st_size > 0
    call_command("report", "--center", "beibei", "--year", "2026", "--out", str(tmp_path))
    assert (tmp_path / "report-beibei-2026.pdf").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--center", "beibei", "--month", "2026-13"], "无法识别"),
        (["--center", "beibei"], "二选一"),
        (["--center", "beibei", "--month", "2026-11", "--year", "2026"], "二选一"),
        (["--center", "nowhere", "--month", "2026-11"], "没有编码为"),
    ],
)
def test_command_refuses_bad_input_in_chinese_and_writes_nothing(world, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", *args, "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_command_exit_status_through_the_cli(world, tmp_path) -> None:
    from fayuan.cli import main

    assert (
        main(
            ["manage", "report", "--center", "beibei", "--month", "2026-11", "--out", str(tmp_path)]
        )
        == 0
    )
    assert (
        main(
            ["manage", "report", "--center", "beibei", "--month", "11/2026", "--out", str(tmp_path)]
        )
        != 0
    )


def test_no_partial_file_when_the_pdf_cannot_be_written(world, month, tmp_path) -> None:
    """The PDF's place is taken by a directory: its rename fails, the workbook already written
    is removed again, no temporary file is left, and the command exits with a Chinese message."""
    (tmp_path / "report-beibei-2026-11.pdf").mkdir()
    with pytest.raises(CommandError, match="无法写入报表"):
        call_command("report", "--center", "beibei", "--month", "2026-11", "--out", str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["report-beibei-2026-11.pdf"]
    assert list((tmp_path / "report-beibei-2026-11.pdf").iterdir()) == []


def test_atomic_write_leaves_the_old_file_or_the_new_one(tmp_path) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(b"old")
    output.write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    with pytest.raises(IsADirectoryError):
        output.write_atomically(tmp_path, b"x")  # a rename onto a directory fails
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]


# ------------------------------------------------------------------ the bureau's desk


def test_page_queues_a_report_that_the_worker_makes_and_the_bureau_downloads(
    world, month, client, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.user("bureau_section"))
    page = client.get("/reports/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "统计报表" in body and "生成报表" in body
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/reports/", {"kind": "month", "year": "2026", "month": "11"})
    assert answer.status_code == 302
    report = GeneratedReport.objects.get()
    assert (report.period, report.status) == ("2026-11", ReportStatus.done)
    assert (tmp_path / report.pdf).is_file() and (tmp_path / report.xlsx).is_file()
    listed = client.get("/reports/").content.decode()
    assert "已生成" in listed and f"/reports/{report.pk}/pdf/" in listed

    download = client.get(f"/reports/{report.pk}/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="report.request", actor_id=world.user("bureau_section").pk
    ).exists()
    assert AuditEvent.objects.filter(action="report.download", object_id=str(report.pk)).exists()

    for role in ("officer", "institution_admin", "practitioner"):
        client.force_login(world.user(role))
        assert client.get("/reports/").status_code == 403, role
        assert client.get(f"/reports/{report.pk}/pdf/").status_code == 403, role
    client.force_login(world.user("supervisor"))
    assert client.get(f"/reports/{report.pk}/xlsx/").status_code == 200


def test_page_refuses_a_month_report_without_a_month(world, client) -> None:
    client.force_login(world.user("director"))
    answer = client.post("/reports/", {"kind": "month", "year": "2026"})
    assert answer.status_code == 200 and "月度报表请填写月份" in answer.content.decode()
    assert not GeneratedReport.objects.exists()


def test_the_menu_shows_the_reports_to_the_bureau_only(world, client) -> None:
    for role, shown in (("bureau_leader", True), ("director", True), ("officer", False)):
        client.force_login(world.user(role))
        assert ('href="/reports/"' in client.get("/").content.decode()) is shown, role


# ------------------------------------------------------------------ the public figures


def test_public_figures_show_no_personal_data_and_use_few_queries(world, month, client) -> None:
    with at(cst(30, 12)), CaptureQueriesContext(connection) as queries:
        page = client.get("/figures/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "刑事案件轮流指派顺序" in html and "各承办机构每月指派数" in html
    assert "2026年11月" in html and "按期指派率（2026年）" in html
    # The year's first assignments: A, B, C, D and F (1 Dec 00:30, within its limits): B late.
    assert "2026年首次指派的案件 5 件" in html and "80.0%" in html and "（4 / 5 件）" in html
    # The published order is the staff page's (/rotation/), turn by turn.
    with at(cst(30, 12)):
        staff_order = rotation_context(world.center.pk, timezone_now())["order"]
    shown = re.findall(r"<li>([^<]+)</li>", html.split('<ol class="order">')[1].split("</ol>")[0])
    assert shown == staff_order and len(shown) == 12
    # Monthly counts: F04 had C and D in November, nothing before.
    f04 = Institution.objects.get(center=world.center, code="F04").name
    counts = html.split('id="count-h"')[1]
    row = counts.split(f"<td>{f04}</td>")[1].split("</tr>")[0]
    # The latest month first (November … June), then the total.
    assert re.findall(r">(\d+)<", row) == ["2", "0", "0", "0", "0", "0", "2"]
    header = counts.split("</thead>")[0]
    assert re.findall(r"(2026年\d+月)", header) == [f"2026年{m}月" for m in range(11, 5, -1)]
    names = set(Party.objects.values_list("name", flat=True))
    names |= set(Practitioner.objects.values_list("name", flat=True))
    assert names and not [n for n in names if n in html]
    assert not re.search(r"\d{17}[\dXx]|1[3-9]\d{9}", html)  # no ID number, no mobile
    assert "BEIBEI-2026" not in html  # no case number
    assert "投诉人" not in html and "律师未联系我" not in html  # nothing of the complaints
    assert "抽查评定的案卷 1 件，合格率" in html and "100.0%" in html
    assert len(queries) <= 25, len(queries)
    assert len(page.content) < 300_000


def test_public_figures_query_count_does_not_grow_with_cases(world, month, client) -> None:
    with at(cst(30, 12)), CaptureQueriesContext(connection) as before:
        client.get("/figures/")
    criminal(world, "（2026）渝0109刑初204号", cst(23, 10), cst(24, 9))
    with at(cst(30, 12)), CaptureQueriesContext(connection) as after:
        client.get("/figures/")
    assert len(after) == len(before)


def test_without_the_supervision_app_the_report_says_there_is_no_source(world) -> None:
    from django.test import modify_settings

    with modify_settings(INSTALLED_APPS={"remove": ["fayuan.supervision"]}):
        fig = compute(world.center, NOVEMBER)
        book = load_workbook(io.BytesIO(output.workbook_bytes(fig)))
    assert fig.complaints is None and fig.reviews is None
    assert fig.supervision_note == NO_SUPERVISION
    assert [c.value for c in book["投诉与评查"]["A2":"B2"][0]] == ["说明", NO_SUPERVISION]


def test_the_report_task_is_registered_with_the_worker_and_runs_once(world, settings, tmp_path):
    """`fayuan worker` loads Django, whose app config imports the task (fayuan.worker's app);
    without a broker `run` makes the report here, and a second run of the same row does nothing."""
    from fayuan.reports.tasks import make_report
    from fayuan.tasks import run
    from fayuan.worker import app

    assert app.tasks["fayuan.make_report"].name == make_report.name == "fayuan.make_report"
    settings.MEDIA_ROOT = tmp_path
    report = GeneratedReport.objects.create(center=world.center, period="2026")
    assert run(make_report, report.pk).value == "done"
    assert run(make_report, report.pk).value == "not queued"
    report.refresh_from_db()
    assert report.status == ReportStatus.done and (tmp_path / report.pdf).is_file()


# ------------------------------------------------------------------ quality: figures 10–12

VISIT_COMMENT = "律师很负责，每次开庭前都打电话说明"
OPINION_TEXT = "辩护意见充分，庭前准备认真"


@pytest.fixture
def quality(world) -> dict[str, Case]:
    """Return visits, the organs' opinions and court attendance around November 2026 (the
    cases are closed files made directly, `closed_case`; every figure through the actions):

    visits (completed at, Beijing time)
      V1 reached, 5, Sun 1 Nov 00:00           (the first minute of November: in)
      V2 reached, 4, Mon 16 Nov 10:00          (in)
      V3 reached, 2, Mon 30 Nov 23:59          (the last minute: in)
      V4 unreachable after 3 attempts (20, 23, 25 Nov), marked Thu 26 Nov   (in)
      V5 reached, 5, Tue 1 Dec 00:00 (30 Nov 16:00 UTC)   (December's: out)
      V6 reached, 1, Sat 31 Oct 23:59          (October's: out)
      V7 one attempt, no answer, 18 Nov: still open       (not completed: out)
    opinions (the court's and the procuratorate's cases)
      court 满意 10 Nov; procuratorate 满意 1 Nov 00:00; court 不满意 30 Nov 23:59   (in)
      court 基本满意 1 Dec 00:00; procuratorate 不满意 31 Oct 23:59                   (out)
    court attendance: 1 Nov (in), 31 Oct and 1 Dec (out).

    November by hand: 4 visits completed, 3 reached (5, 4, 2), 1 unreachable with 3 attempts;
    satisfaction 1:0 2:1 3:0 4:1 5:1, mean 11/3 = 3.7, 满意率 2/3 = 66.7%. Opinions 3: 满意 2,
    基本满意 0, 不满意 1, 满意率 66.7%; the court 1·0·1, the procuratorate 1·0·0. One hearing."""
    officer, supervisor = world.user("officer"), world.user("supervisor")
    court = world.user("judicial_organ")
    procuratorate = JudicialOrgan.objects.create(
        center=world.center, name="重庆市北碚区人民检察院", kind=OrganKind.procuratorate
    )
    prosecutor = make_user(world.center, "procu", Role.judicial_organ, organ=procuratorate)
    cases: dict[str, Case] = {}

    def reached(key: str, score: int, when: datetime) -> None:
        cases[key] = closed_case(world, "F04")
        with at(when):
            supervision.do_record_visit_attempt(
                cases[key], officer, "phone", "reached", satisfaction=score, comments=VISIT_COMMENT
            )

    reached("V1", 5, cst(1, 0))
    reached("V2", 4, cst(16, 10))
    reached("V3", 2, cst(30, 23, 59))
    cases["V4"] = closed_case(world, "F07")
    for day, outcome in ((20, "no_answer"), (23, "wrong_number"), (25, "no_answer")):
        with at(cst(day, 10)):
            supervision.do_record_visit_attempt(cases["V4"], officer, "phone", outcome)
    with at(cst(26, 10)):
        supervision.do_mark_unreachable(cases["V4"], officer, "三次未能联系")
    reached("V5", 5, datetime(2026, 12, 1, 0, 0, tzinfo=CST))
    reached("V6", 1, cst(31, 23, 59, month=10))
    cases["V7"] = closed_case(world, "F07")
    with at(cst(18, 10)):
        supervision.do_record_visit_attempt(cases["V7"], officer, "phone", "no_answer")

    def opinion(key: str, organ, user, rating: str, when: datetime) -> None:
        case = cases[key] = closed_case(world, "F04")
        case.organ, case.source = organ, "notification"
        case.letter_number = f"（2026）渝0109刑初3{len(cases):02d}号"
        case.save(update_fields=["organ", "source", "letter_number"])
        with at(when):
            supervision.do_record_organ_opinion(case, user, rating, OPINION_TEXT)

    opinion("O1", world.organ, court, "satisfied", cst(10, 10))
    opinion("O2", procuratorate, prosecutor, "satisfied", cst(1, 0))
    opinion("O3", world.organ, court, "dissatisfied", cst(30, 23, 59))
    opinion("O4", world.organ, court, "fair", datetime(2026, 12, 1, 0, 0, tzinfo=CST))
    opinion("O5", procuratorate, prosecutor, "dissatisfied", cst(31, 23, 59, month=10))

    with at(datetime(2026, 12, 2, 10, 0, tzinfo=CST)):
        for day in (date(2026, 10, 31), date(2026, 11, 1), date(2026, 12, 1)):
            supervision.do_record_court_attendance(
                cases["V2"], supervisor, day, "北碚区人民法院第三法庭", "质证充分"
            )
    return cases


def test_quality_figures_of_november_against_the_hand_count(world, quality) -> None:
    fig = compute(world.center, NOVEMBER)

    # 10. Return visits: V1–V4 (V5 is December's, V6 October's, V7 still open).
    v = fig.visits
    assert v is not None
    assert (v.completed, v.reached, v.unreachable, v.unreachable_attempts) == (4, 3, 1, 3)
    assert v.by_satisfaction == [(1, 0), (2, 1), (3, 0), (4, 1), (5, 1)]
    assert v.satisfied == 2 and v.satisfaction_rate == "66.7%"
    assert v.mean_satisfaction == pytest.approx(3.7) and v.mean_text == "3.7"

    # 11. The organs' opinions: O1–O3.
    o = fig.opinions
    assert o is not None
    assert o.counted == 3 and o.satisfied == 2 and o.satisfaction_rate == "66.7%"
    assert o.by_rating == [("满意", 2), ("基本满意", 0), ("不满意", 1)]
    assert o.by_kind == [
        ("人民法院", [1, 0, 1]),
        ("人民检察院", [1, 0, 0]),
        ("公安机关", [0, 0, 0]),
        ("其他", [0, 0, 0]),
    ]

    # 12. Court attendance: 1 Nov only.
    assert fig.attendance is not None and fig.attendance.hearings == 1


def test_quality_figures_on_the_other_side_of_each_boundary(world, quality) -> None:
    october = compute(world.center, Period(2026, 10))
    assert october.visits is not None and october.opinions is not None
    assert (october.visits.completed, october.visits.reached) == (1, 1)  # V6
    assert october.visits.by_satisfaction == [(1, 1), (2, 0), (3, 0), (4, 0), (5, 0)]
    assert october.visits.satisfaction_rate == "0.0%" and october.visits.mean_text == "1.0"
    assert october.opinions.by_rating == [("满意", 0), ("基本满意", 0), ("不满意", 1)]  # O5
    assert october.attendance is not None and october.attendance.hearings == 1

    december = compute(world.center, Period(2026, 12))
    assert december.visits is not None and december.opinions is not None
    assert december.visits.by_satisfaction == [(1, 0), (2, 0), (3, 0), (4, 0), (5, 1)]  # V5
    assert december.opinions.by_rating == [("满意", 0), ("基本满意", 1), ("不满意", 0)]  # O4
    assert december.opinions.satisfaction_rate == "0.0%"
    assert december.attendance is not None and december.attendance.hearings == 1

    # The whole year: all six completed visits (5, 4, 2, 5, 1 reached; V4), five opinions.
    year = compute(world.center, Period(2026))
    assert year.visits is not None and year.opinions is not None
    assert (year.visits.completed, year.visits.reached, year.visits.unreachable) == (6, 5, 1)
    assert year.visits.satisfaction_rate == "60.0%" and year.visits.mean_text == "3.4"
    assert year.opinions.counted == 5 and year.opinions.satisfaction_rate == "40.0%"
    assert year.attendance is not None and year.attendance.hearings == 3

    # A month with none of them: no rate, no mean, every value still listed.
    september = compute(world.center, Period(2026, 9))
    assert september.visits is not None and september.opinions is not None
    assert september.visits.completed == 0 and september.visits.satisfaction_rate == "—"
    assert september.visits.mean_text == "—"
    assert [s for s, _ in september.visits.by_satisfaction] == [1, 2, 3, 4, 5]
    assert september.opinions.satisfaction_rate == "—"
    assert [n for _, n in september.opinions.by_rating] == [0, 0, 0]


def test_workbook_has_the_quality_sheets_with_the_november_figures(world, quality, tmp_path):
    xlsx, _ = output.write_report(compute(world.center, NOVEMBER), tmp_path)
    book = load_workbook(xlsx)
    assert book.sheetnames[-4:] == ["回访受援人", "办案机关评价", "庭审旁听", "办案质量评分"]
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["完成回访受援人（件）"] == "4（联系上 3，无法联系 1）"
    assert summary["回访满意率"] == "66.7%（平均满意度 3.7 分）"
    assert summary["办案机关评价满意率"] == "66.7%（2/3）"
    assert summary["旁听庭审（次）"] == "1"

    ws = book["回访受援人"]
    assert [c.value for c in ws[1]] == ["项目", "数值"]
    visits = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert visits["完成回访（件）"] == 4
    assert visits["联系上受援人（件）"] == 3 and visits["无法联系（件）"] == 1
    assert visits["无法联系的回访共尝试（次）"] == 3
    assert [visits[f"满意度 {s} 分（件）"] for s in (1, 2, 3, 4, 5)] == [0, 1, 0, 1, 1]
    assert visits["平均满意度（分）"] == "3.7" and visits["满意率"] == "66.7%"
    assert visits["满意率的计算"] == output.SATISFIED_NOTE

    rows = list(book["办案机关评价"].iter_rows(min_row=2, values_only=True))
    opinions = {r[0]: r[1] for r in rows if r}
    assert opinions["办案机关评价（件）"] == 3
    assert opinions["评价为满意（件）"] == 2 and opinions["评价为基本满意（件）"] == 0
    assert opinions["评价为不满意（件）"] == 1 and opinions["满意率"] == "66.7%"
    by_kind = {r[0]: r[1:5] for r in rows if r and r[0]}
    assert by_kind["办案机关类别"] == ("满意", "基本满意", "不满意", "合计")
    assert by_kind["人民法院"] == (1, 0, 1, 2) and by_kind["人民检察院"] == (1, 0, 0, 1)
    assert by_kind["公安机关"] == (0, 0, 0, 0)

    assert list(book["庭审旁听"].iter_rows(min_row=2, values_only=True)) == [("旁听庭审（次）", 1)]


def test_pdf_has_the_quality_sections_in_its_embedded_chinese_font(world, quality, tmp_path):
    _, pdf = output.write_report(compute(world.center, NOVEMBER), tmp_path)
    reader = PdfReader(pdf)
    assert embedded_fonts(reader), "no embedded TrueType font (/FontFile2)"
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    for heading in ("九、回访受援人", "十、办案机关评价", "十一、庭审旁听"):
        assert heading in text, heading
    assert "受援人满意度分布（联系上的回访，件）" in text  # the chart's title
    assert "本期完成回访4件：联系上受援人3件，无法联系1件（共尝试3次）" in text
    assert "满意率66.7%，平均满意度3.7分" in text
    assert "满意率=满意度4分及以上的回访÷联系上受援人的回访" in text  # the definition
    assert "本期收到办案机关评价3件：满意2件，基本满意0件，不满意1件" in text
    assert "人民法院1012" in text and "人民检察院1001" in text  # the per-kind table's rows
    assert "本期旁听庭审1次" in text
    assert "满意度2分（件）1" in text and "满意度3分（件）0" in text
    assert VISIT_COMMENT not in text and OPINION_TEXT not in text  # counts, not words


def test_public_figures_show_the_years_satisfaction_counts_only(world, quality, client) -> None:
    with at(datetime(2026, 12, 2, 12, 0, tzinfo=CST)):
        page = client.get("/figures/")
    assert page.status_code == 200
    html = page.content.decode()
    part = html.split('id="satisfaction-h"')[1].split("</section>")[0]
    assert "回访满意度与办案机关评价（2026年）" in part
    assert "完成回访 6 件，其中联系上 5 件、无法联系 1 件" in part
    assert "60.0%" in part and "平均满意度 3.4 分" in part
    assert re.findall(r'<td class="num">(\d+)</td>', part) == [
        "1",
        "1",
        "0",
        "1",
        "2",
        "2",
        "1",
        "2",
    ]
    assert "办案机关评价 5 件，满意率" in part and "40.0%" in part
    names = set(Party.objects.values_list("name", flat=True))
    assert names and not [n for n in names if n in html]
    assert "REVIEW-" not in html  # no case number
    assert VISIT_COMMENT not in html and OPINION_TEXT not in html and "质证充分" not in html
    assert "北碚区人民检察院" not in html and "第三法庭" not in html


def test_without_the_supervision_app_the_quality_sheets_say_there_is_no_source(world) -> None:
    from django.test import modify_settings

    with modify_settings(INSTALLED_APPS={"remove": ["fayuan.supervision"]}):
        fig = compute(world.center, NOVEMBER)
        book = load_workbook(io.BytesIO(output.workbook_bytes(fig)))
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(output.pdf_bytes(fig))).pages)
    assert fig.visits is None and fig.opinions is None and fig.attendance is None
    for sheet in ("回访受援人", "办案机关评价", "庭审旁听"):
        assert [c.value for c in book[sheet]["A2":"B2"][0]] == ["说明", NO_SUPERVISION], sheet
    assert "十一、庭审旁听" in re.sub(r"\s+", "", text)


# ------------------------------------------------------------------ 13. quality scores


def test_quality_scores_advice_and_suspensions_of_november_by_hand(world) -> None:
    """Figure 13 on a small November. L013 (F04): three visits at 2 分 (40 points each) →
    40.0 on 3 records, below 60: advice due, and F04 as a whole too. One F07 practitioner: one
    visit at 5 分 → 100.0 on 1 record; its 1 分 visit of 1 December is after the score's day
    (30 November) and not counted. Mean of the two scores: 70.0. Advice to F04 on L013 on
    25 November, confirmed on 26. Suspensions: F08 on 15 November, L013 on 27 and back on
    29; the F07 practitioner on 1 December (December's)."""
    from fayuan.roster.actions import do_set_institution_status
    from fayuan.roster.practitioner_actions import do_set_practitioner_status
    from fayuan.supervision.advice import do_acknowledge_advice, do_issue_advice

    officer, director = world.user("officer"), world.user("director")
    l013 = Practitioner.objects.get(center=world.center, code="L013")
    other = Practitioner.objects.filter(institution__code="F07", status="active").first()
    assert other is not None

    def visit(handler: str, institution: str, score: int, when: datetime) -> None:
        case = closed_case(world, institution, handler=handler)
        with at(when):
            supervision.do_record_visit_attempt(
                case, officer, "phone", "reached", satisfaction=score
            )

    for day in (5, 10, 20):
        visit("L013", "F04", 2, cst(day, 10))
    visit(other.code, "F07", 5, cst(12, 10))
    visit(other.code, "F07", 1, datetime(2026, 12, 1, 9, 0, tzinfo=CST))
    with at(cst(25, 10)):
        advice = do_issue_advice(l013, director, "建议安排其他承办人办理新案件。")
    with at(cst(26, 10)):
        do_acknowledge_advice(advice, world.user("institution_admin"), "已整改")
    f08 = Institution.objects.get(center=world.center, code="F08")
    do_set_institution_status(f08, "suspended", "办案质量问题（测试）", director, at=cst(15, 9))
    with at(cst(27, 9)):
        do_set_practitioner_status(l013, "suspended", "评分 40.0 分", director)
    with at(cst(29, 9)):
        do_set_practitioner_status(l013, "active", "已整改", director)
    with at(datetime(2026, 12, 1, 9, 30, tzinfo=CST)):
        do_set_practitioner_status(other, "suspended", "十二月的暂停", director)

    with at(datetime(2026, 12, 3, 10, 0, tzinfo=CST)):
        fig = compute(world.center, NOVEMBER)
    q = fig.quality
    assert q is not None
    assert q.as_of == date(2026, 11, 30) and q.threshold == 60 and q.min_records == 3
    assert q.scored == 2 and q.mean == 70.0 and q.mean_text == "70.0"
    may_take = Practitioner.objects.filter(center=world.center).exclude(status="inactive")
    assert q.entered == may_take.count() - 2
    assert [(r["who"], r["score"], r["records"]) for r in q.low] == [
        (f"{l013.name}（L013）", "40.0", "3"),
        ("（机构整体）", "40.0", "3"),
    ]
    assert q.low[0]["formula"] == "(30×40.0) ÷ 30 = 40.0；案卷评查、办案机关评价无记录，不计"
    assert [(a["who"], a["score"], a["acknowledged"]) for a in q.advice] == [
        (f"{l013.name}（L013）", "40.0", "2026-11-26 10:00")
    ]
    assert q.acknowledged == 1
    assert [(c["kind"], c["who"], c["what"], c["at"]) for c in q.suspensions] == [
        ("承办机构", f"{f08.name}（F08）", "暂停指派", "2026-11-15 09:00"),
        ("承办人", f"{l013.name}（L013）", "暂停指派", "2026-11-27 09:00"),
        ("承办人", f"{l013.name}（L013）", "恢复指派", "2026-11-29 09:00"),
    ]
    # The same in the workbook and the PDF.
    book = load_workbook(io.BytesIO(output.workbook_bytes(fig)))
    sheet = [list(r) for r in book["办案质量评分"].iter_rows(values_only=True)]
    assert ["平均评分", "70.0"] in [r[:2] for r in sheet]
    assert any(r[0] == f"{l013.name}（L013）" and r[2] == "40.0" for r in sheet)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(output.pdf_bytes(fig))).pages)
    assert "十二、办案质量评分与指派建议" in text
    assert "已计算办案质量评分的承办人 2 人" in text and "恢复指派" in text
