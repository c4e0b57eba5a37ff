"""第九条：适时向案件承办机构提出指派建议 — the director's advice notice on a quality score below
the threshold (both sides of the threshold and of the minimum records), the institution's
confirmation, the to-do lists, the 《法律援助案件指派建议书》 PDF and DOCX; and the center's
suspension of a practitioner's new assignments with a reason (not eligible for a new case, keeps
the case it handles, not lifted by a roster import)."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import docx
import pypdf
import pytest
from django.test import Client

from fayuan.accounts.models import Role
from fayuan.audit.models import AuditEvent
from fayuan.documents import fonts
from fayuan.errors import ActionError
from fayuan.roster.actions import do_import_roster, export_roster
from fayuan.roster.io_excel import export_roster_xlsx, parse_roster_xlsx
from fayuan.roster.io_json import dump_roster_json, parse_roster_json
from fayuan.roster.models import (
    Institution,
    Practitioner,
    PractitionerStatus,
    PractitionerStatusChange,
)
from fayuan.roster.practitioner_actions import (
    PractitionerUpdate,
    do_set_practitioner_status,
    do_update_practitioner,
)
from fayuan.supervision import actions, advice, quality
from fayuan.supervision.models import QualityAdvice, QualityAssessment
from fayuan.workflow import actions as workflow
from fayuan.workflow import engine

from .conftest import make_user
from .test_file_review import closed_case
from .test_workflow_handlers import assigned_to_f04, handlers, signed

pytestmark = pytest.mark.django_db


def _practitioner(world, code: str = "L013") -> Practitioner:
    return Practitioner.objects.get(center=world.center, code=code)


def _score(world, subject, value: float, records: int) -> QualityAssessment:
    """A kept score made directly (the computation is tested in test_quality_score): the
    latest assessment is the current one."""
    day = quality.today()
    field = "practitioner" if isinstance(subject, Practitioner) else "institution"
    return QualityAssessment.objects.create(
        center=world.center,
        as_of=day,
        window_start=day - timedelta(days=364),
        value=value,
        records=records,
        parts=[
            {"source": "案卷评查", "weight": 50.0, "count": records, "mean": value},
            {"source": "回访满意度", "weight": 30.0, "count": 0, "mean": None},
            {"source": "办案机关评价", "weight": 20.0, "count": 0, "mean": None},
        ],
        formula=f"(50×{value:.1f}) ÷ 50 = {value:.1f}；回访满意度、办案机关评价无记录，不计",
        policy_since=day,
        trigger="测试",
        computed_at=quality.timezone.now(),
        **{field: subject},
    )


def _low(world, code: str = "L013", satisfaction: int = 2, n: int = 3) -> Practitioner:
    """`n` reached visits of `satisfaction` on closed cases `code` handled (2 分 = 40 points)."""
    for _ in range(n):
        case = closed_case(world, "F04", handler=code)
        actions.do_record_visit_attempt(
            case, world.user("supervisor"), "phone", "reached", satisfaction=satisfaction
        )
    return _practitioner(world, code)


def _issue(world, subject, who: str = "director") -> QualityAdvice:
    row = quality.current(subject)
    assert row is not None
    text = advice.default_text(subject, row, actions.values_for(world.center))
    return advice.do_issue_advice(subject, world.user(who), text)


# --- the threshold and the minimum records, both sides ----------------------------------------


def test_art09_advice_at_60_is_refused_and_at_59_9_allowed(world) -> None:
    l013 = _practitioner(world)
    _score(world, l013, 60.0, 3)
    with pytest.raises(ActionError, match="不低于 60 分") as refused:
        _issue(world, l013)
    assert refused.value.kind == "conflict"
    assert not QualityAdvice.objects.exists()
    assert not AuditEvent.objects.filter(action="quality.advice_issue").exists()

    row = _score(world, l013, 59.9, 3)
    made = _issue(world, l013)
    assert made.assessment == row and made.institution.code == "F04"
    assert made.practitioner == l013


def test_art09_advice_on_2_records_is_refused_and_on_3_allowed(world) -> None:
    l013 = _practitioner(world)
    _score(world, l013, 40.0, 2)
    with pytest.raises(ActionError, match="仅依据 2 条记录，少于 3 条"):
        _issue(world, l013)
    _score(world, l013, 40.0, 3)
    assert _issue(world, l013).assessment.records == 3


def test_art09_no_computed_score_no_advice(world) -> None:
    with pytest.raises(ActionError, match="没有计算出的办案质量评分"):
        advice.do_issue_advice(_practitioner(world), world.user("director"), "建议")


def test_art09_advice_from_real_records_names_the_score_its_date_and_formula(world) -> None:
    """The pre-filled advice names the practitioner and the score briefly (the notice states
    the score's date, records and computation around it, and the basis)."""
    l013 = _low(world)  # three visits of 2 分: 40 points each
    row = quality.current(l013)
    assert row is not None and row.value == 40.0 and row.records == 3
    text = advice.default_text(l013, row, actions.values_for(world.center))
    for expected in (
        f"{l013.name}（L013）",
        "40.0 分",
        "低于 60 分",
        "安排其他承办人办理",
    ):
        assert expected in text, expected
    made = advice.do_issue_advice(l013, world.user("director"), text)
    event = AuditEvent.objects.get(action="quality.advice_issue")
    assert event.data["practitioner"] == "L013" and event.data["value"] == 40.0
    assert event.data["formula"] == row.formula and event.data["threshold"] == 60
    # One advice per assessment: the next waits for a new score.
    with pytest.raises(ActionError, match=r"已于 .* 就这一评分提出过指派建议"):
        advice.do_issue_advice(l013, world.user("director"), text)
    assert QualityAdvice.objects.get() == made


def test_art09_only_the_director_issues_and_only_that_institution_confirms(world) -> None:
    l013 = _low(world)
    for role in ("officer", "bureau_section", "bureau_leader", "supervisor", "institution_admin"):
        with pytest.raises(ActionError) as refused:
            _issue(world, l013, role)
        assert refused.value.kind == "forbidden", role
    with pytest.raises(ActionError, match="请填写建议内容"):
        advice.do_issue_advice(l013, world.user("director"), "  ")
    made = _issue(world, l013)

    f07 = Institution.objects.get(center=world.center, code="F07")
    other = make_user(world.center, "f07admin", Role.institution_admin, institution=f07)
    with pytest.raises(ActionError, match="只有收到建议的承办机构管理员"):
        advice.do_acknowledge_advice(made, other)
    with pytest.raises(ActionError):
        advice.do_acknowledge_advice(made, world.user("director"))
    done = advice.do_acknowledge_advice(made, world.user("institution_admin"), "已安排整改")
    assert done.acknowledged_at is not None and done.reply == "已安排整改"
    assert AuditEvent.objects.filter(action="quality.advice_acknowledge").count() == 1
    with pytest.raises(ActionError, match="已确认收到"):
        advice.do_acknowledge_advice(made, world.user("institution_admin"))


def test_art09_an_institution_level_advice(world) -> None:
    f04 = Institution.objects.get(center=world.center, code="F04")
    _low(world)
    row = quality.current(f04)
    assert row is not None and row.value == 40.0
    made = _issue(world, f04)
    assert made.practitioner is None and made.institution == f04
    assert "贵机构加强对承办人员" in made.text


# --- the to-do lists --------------------------------------------------------------------------


def _home(world, role: str) -> str:
    client = Client()
    client.force_login(world.user(role))
    return client.get("/").content.decode()


def _section(html: str, title: str) -> str:
    assert title in html
    return html.split(title)[1].split("</section>")[0]


def test_art09_the_directors_todo_until_advice_and_the_institutions_until_confirmed(
    world,
) -> None:
    l013 = _low(world)
    waiting = _section(_home(world, "director"), "待提出指派建议（第九条）")
    assert (
        "L013" in waiting and "40.0" in waiting and "/quality/scores/practitioner/L013/" in waiting
    )
    assert "F04" in waiting  # the institution's own score is low too
    made = _issue(world, l013)
    waiting = _section(_home(world, "director"), "待提出指派建议（第九条）")
    assert "L013" not in waiting and "F04" in waiting

    inbox = _section(_home(world, "institution_admin"), "待确认收到的指派建议（第九条）")
    assert "L013" in inbox and "/quality/scores/practitioner/L013/#advice" in inbox
    advice.do_acknowledge_advice(made, world.user("institution_admin"))
    inbox = _section(_home(world, "institution_admin"), "待确认收到的指派建议（第九条）")
    assert "L013" not in inbox


# --- 《法律援助案件指派建议书》 ---------------------------------------------------------------


def _font_available() -> bool:
    try:
        fonts.find_cjk_font()
    except fonts.CJKFontError:
        return False
    return True


needs_cjk_font = pytest.mark.skipif(not _font_available(), reason="no Chinese TrueType font")


def pdf_fonts(data: bytes) -> list[Any]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    found = []
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            found.append(ref.get_object())
    return found


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    return re.sub(r"—\d+—", "", text)


@needs_cjk_font
def test_art09_the_advice_notice_pdf_embeds_its_font_and_says_it_all(world) -> None:
    l013 = _low(world)
    made = _issue(world, l013)
    director = Client()
    director.force_login(world.user("director"))
    response = director.get(f"/quality/advice/{made.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = _pdf_text(pdf)
    row = made.assessment
    for expected in (
        "重庆市北碚区法律援助中心",
        "法律援助案件指派建议书",
        f"{made.institution.name}：",
        f"承办人{l013.name}（L013）",
        "40.0分",
        "低于60分",
        "受援人回访满意度",
        "《重庆市北碚区法律援助案件指派工作制度（试行）》第九条",
        "（印章）",
    ):
        assert expected in text, expected
    # One page: a long advice cites the article without its words, so the seal stays on it.
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
    assert re.sub(r"\s+", "", row.formula) in text
    used = pdf_fonts(pdf)
    assert used
    for font in used:
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"]
        assert re.match(r"/[A-Z]{6}\+", font["/BaseFont"])
    # No aided person's name on the notice.
    assert "受援人1" not in text


def test_art09_the_advice_notice_docx_and_who_may_fetch_it(world) -> None:
    made = _issue(world, _low(world))
    own = Client()
    own.force_login(world.user("institution_admin"))
    response = own.get(f"/quality/advice/{made.pk}/docx/")
    assert response.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert "法律援助案件指派建议书" in text and "第九条" in text
    f07 = Institution.objects.get(center=world.center, code="F07")
    other = Client()
    other.force_login(make_user(world.center, "f07pdf", Role.institution_admin, institution=f07))
    assert other.get(f"/quality/advice/{made.pk}/pdf/").status_code == 404
    organ = Client()
    organ.force_login(world.user("judicial_organ"))
    assert organ.get(f"/quality/advice/{made.pk}/pdf/").status_code == 403


# --- suspending a practitioner (第九条, SPEC §8) -----------------------------------------------


def test_suspension_needs_a_reason_and_the_right_role_and_is_audited(world) -> None:
    l013 = _practitioner(world)
    with pytest.raises(ActionError, match="必须填写原因") as refused:
        do_set_practitioner_status(l013, "suspended", "  ", world.user("director"))
    assert refused.value.field == "reason"
    for role in ("officer", "bureau_leader", "supervisor", "institution_admin"):
        with pytest.raises(ActionError) as refused:
            do_set_practitioner_status(l013, "suspended", "质量评分偏低", world.user(role))
        assert refused.value.kind == "forbidden", role
    with pytest.raises(ActionError, match="只能暂停或恢复指派"):
        do_set_practitioner_status(l013, "inactive", "退出", world.user("director"))
    assert not PractitionerStatusChange.objects.exists()

    change = do_set_practitioner_status(
        l013, "suspended", "质量评分 40.0，低于 60 分", world.user("director")
    )
    assert change.reason == "质量评分 40.0，低于 60 分" and change.by == world.user("director")
    l013.refresh_from_db()
    assert l013.status == PractitionerStatus.suspended
    event = AuditEvent.objects.get(action="practitioner.status")
    assert event.data["from"] == "active" and event.data["to"] == "suspended"
    assert event.data["reason"] == "质量评分 40.0，低于 60 分"
    with pytest.raises(ActionError, match="已是“暂停指派”"):
        do_set_practitioner_status(l013, "suspended", "再次", world.user("director"))
    do_set_practitioner_status(l013, "active", "评分回升", world.user("director"))
    l013.refresh_from_db()
    assert l013.status == PractitionerStatus.active
    assert PractitionerStatusChange.objects.filter(practitioner=l013).count() == 2


def test_a_suspended_practitioner_keeps_its_case_but_is_not_offered_a_new_one(world) -> None:
    held = signed(world, handler="L013")
    do_set_practitioner_status(
        _practitioner(world), "suspended", "质量评分偏低", world.user("director")
    )
    # The rules see it as not active.
    assert engine.roster_view(world.center).practitioners["L013"].active is False
    # The case it handles stays with it.
    held.refresh_from_db()
    assert handlers(held) == ["L013"]
    # A new case of its institution: offered as ineligible, refused when named.
    new = assigned_to_f04(world)
    _, options = workflow.handler_options(new)
    by_code = {o.practitioner.code: o for o in options}
    assert by_code["L013"].eligible is False and by_code["L014"].eligible is True
    with pytest.raises(ActionError, match="不能承办本案"):
        workflow.do_name_handlers(new, world.user("institution_admin"), ["L013"])
    workflow.do_name_handlers(new, world.user("institution_admin"), ["L014"])


def test_the_institution_cannot_lift_the_centers_suspension(world) -> None:
    l013 = _practitioner(world)
    do_set_practitioner_status(l013, "suspended", "质量评分偏低", world.user("director"))
    l013.refresh_from_db()
    update = PractitionerUpdate(
        l013.licence_number,
        l013.licensed_on,
        l013.criminal_defense_cases,
        list(l013.specialties),
        l013.minors_qualified,
        "13800000000",
        "active",
    )
    with pytest.raises(ActionError, match="由法律援助中心决定") as refused:
        do_update_practitioner(l013, world.user("institution_admin"), update)
    assert refused.value.field == "status"
    # Other facts still change, the suspension kept.
    before = l013.phone
    kept = replace(update, status="suspended")
    assert do_update_practitioner(l013, world.user("institution_admin"), kept) == {
        "phone": [before, "13800000000"]
    }
    l013.refresh_from_db()
    assert l013.status == PractitionerStatus.suspended


def test_a_roster_import_does_not_lift_a_suspension(world) -> None:
    l013 = _practitioner(world)
    do_set_practitioner_status(l013, "suspended", "质量评分偏低", world.user("director"))
    exported = export_roster(world.center)
    row = next(p for p in exported["practitioners"] if p["id"] == "L013")
    assert row["active"] is True and row["suspended"] is True
    assert "suspended" not in next(p for p in exported["practitioners"] if p["id"] == "L014")

    # The JSON file, back in: accepted, the suspension kept, nothing written to the history.
    do_import_roster(world.center, parse_roster_json(dump_roster_json(world.center)), None)
    l013.refresh_from_db()
    assert l013.status == PractitionerStatus.suspended
    assert PractitionerStatusChange.objects.filter(practitioner=l013).count() == 1
    # A hand-written roster saying active (no flag): still suspended.
    data = json.loads(dump_roster_json(world.center))
    for p in data["practitioners"]:
        p.pop("suspended", None)
    do_import_roster(world.center, parse_roster_json(json.dumps(data).encode()), None)
    l013.refresh_from_db()
    assert l013.status == PractitionerStatus.suspended
    # The workbook too.
    book = export_roster_xlsx(world.center)
    roster = parse_roster_xlsx(book, world.center.code, world.center.name)
    do_import_roster(world.center, roster, None)
    l013.refresh_from_db()
    assert l013.status == PractitionerStatus.suspended
    # A roster saying not active retires it, with the import in the history.
    for p in data["practitioners"]:
        if p["id"] == "L013":
            p["active"] = False
    do_import_roster(world.center, parse_roster_json(json.dumps(data).encode()), None)
    l013.refresh_from_db()
    assert l013.status == PractitionerStatus.inactive
    last = PractitionerStatusChange.objects.filter(practitioner=l013).last()
    assert last is not None and last.reason == "名册导入" and last.status == "inactive"
    # Back on the roster by a later import: the center's suspension, never lifted, stands.
    for p in data["practitioners"]:
        if p["id"] == "L013":
            p["active"] = True
    do_import_roster(world.center, parse_roster_json(json.dumps(data).encode()), None)
    l013.refresh_from_db()
    assert l013.status == PractitionerStatus.suspended


def test_art09_a_suspended_chosen_practitioner_is_declined_as_suspended_not_non_practising(
    world,
) -> None:
    from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application

    from .test_workflow_handlers import GRANTED

    do_set_practitioner_status(
        _practitioner(world), "suspended", "质量评分偏低", world.user("director")
    )
    data = CaseInput(
        category="civil",
        locality="天生街道",
        parties=[
            PartyInput("aided", "受援人暂停", is_applicant=True),
            PartyInput("opposing", "对方暂停"),
        ],
        channel="counter",
        chosen_practitioner="L013",
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    do_grant_aid(case, world.user("officer"), at=GRANTED)
    proposal = workflow.do_propose(case, world.user("officer"))
    explanation = proposal.engine_proposal.explanation
    # The line about the chosen practitioner (other lines name the world's inactive firms).
    [line] = [t for t in explanation.splitlines() if "L013" in t]
    assert "中心已暂停指派（第九条）" in line and "非执业" not in line
    declined = proposal.engine_proposal.decision["declined"]
    assert [d["reason"] for d in declined] == ["chosen_practitioner"]
