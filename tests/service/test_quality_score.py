"""第九条 办案质量评分 in the service: file reviews, reached return visits and organ opinions make
the handlers' and their institution's score in the same transaction; the score feeds the
ranking of later non-criminal cases, and the decision's reasoning shows the score and its date;
a decision already made keeps the reasoning it was given; records leave the window."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case
from fayuan.roster.models import Institution, Practitioner
from fayuan.supervision import actions, quality
from fayuan.supervision.models import QualityAssessment
from fayuan.workflow import actions as workflow
from fayuan.workflow.models import Assignment, Handler

from .test_agreement_deadline import granted
from .test_file_review import closed_case, draw, full_marks, reviewer

pytestmark = pytest.mark.django_db


def _sent_by_the_court(world, case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(organ=world.organ)
    case.refresh_from_db()
    return case


def _visit(world, case: Case, satisfaction: int) -> None:
    actions.do_record_visit_attempt(
        case, world.user("supervisor"), "phone", "reached", satisfaction=satisfaction
    )


RATINGS = {"满意": "satisfied", "基本满意": "fair", "不满意": "dissatisfied"}


def _opinion(world, case: Case, rating: str) -> None:
    actions.do_record_organ_opinion(
        _sent_by_the_court(world, case), world.user("judicial_organ"), RATINGS[rating], "庭审表现"
    )


def _practitioner(world, code: str) -> Practitioner:
    return Practitioner.objects.get(center=world.center, code=code)


def test_art09_each_source_updates_the_handlers_score_with_its_computation(world) -> None:
    case = closed_case(world, "F04", handler="L013")
    _visit(world, case, 4)  # 80 points
    l013 = _practitioner(world, "L013")
    assert l013.quality_score == 80.0
    assert l013.quality_as_of == quality.today()

    _opinion(world, case, "满意")  # 100 points
    l013.refresh_from_db()
    # (30×80 + 20×100) ÷ 50 = 88
    assert l013.quality_score == 88.0

    drawn = draw(world, 3)
    review = actions.do_assign_reviewer(
        drawn, case, world.user("bureau_section"), reviewer(world, "sup-q")
    )
    values = actions.values_for(world.center)
    points = full_marks(values) | {"法律意见与辩护（代理）质量": 0.0}  # 70 of 100
    actions.do_score_file_review(review, review.reviewer, points, "欠规范")
    l013.refresh_from_db()
    # (50×70 + 30×80 + 20×100) ÷ 100 = 79
    assert l013.quality_score == 79.0
    row = quality.current(l013)
    assert row is not None and row.value == 79.0 and row.records == 3
    assert row.formula == "(50×70.0 + 30×80.0 + 20×100.0) ÷ 100 = 79.0"
    assert row.trigger == "案卷评查"
    # The institution's score is computed from the same records.
    f04 = quality.current(Institution.objects.get(center=world.center, code="F04"))
    assert f04 is not None and f04.value == 79.0
    # Three changes audited, each with its computation.
    events = AuditEvent.objects.filter(action="quality.update", case_id_ref=case.pk)
    assert events.count() == 3
    # Each on the record that changed the score (the visit attempt, the opinion, the review).
    assert sorted(events.values_list("object_type", flat=True)) == [
        "supervision.filereview",
        "supervision.organopinion",
        "supervision.visitattempt",
    ]
    last = events.order_by("pk").last()
    assert last is not None
    assert {k: v for k, v in last.data["scores"][0].items() if k != "formula"} == {
        "practitioner": "L013",
        "institution": None,
        "value": 79.0,
    }


def test_art09_an_unreached_visit_changes_no_score(world) -> None:
    case = closed_case(world, "F04", handler="L013")
    actions.do_record_visit_attempt(case, world.user("supervisor"), "phone", "no_answer")
    assert _practitioner(world, "L013").quality_score is None
    assert not QualityAssessment.objects.exists()


def test_art09_a_record_goes_to_the_handler_of_the_case_when_it_closed(world) -> None:
    case = closed_case(world, "F04", handler="L013")
    first = Handler.objects.get(case=case)
    # 第十二条: L013 was replaced by L014 before the case closed.
    Handler.objects.filter(pk=first.pk).update(
        active=False, ended_at=case.closed_at - timedelta(days=10)
    )
    Handler.objects.create(
        case=case,
        assignment=Assignment.objects.get(case=case),
        practitioner=_practitioner(world, "L014"),
        named_by=world.user("institution_admin"),
        named_at=case.closed_at - timedelta(days=10),
    )
    _visit(world, case, 2)
    assert _practitioner(world, "L014").quality_score == 40.0
    assert _practitioner(world, "L013").quality_score is None


LONG_AGO = datetime(2025, 1, 6, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _winner(world, case: Case) -> tuple[str, str]:
    proposal = workflow.do_propose(case, world.user("officer"))
    engine = proposal.engine_proposal
    assert engine is not None and engine.rule == "ranking"
    return engine.institution.code, engine.explanation


def test_art09_a_changed_score_changes_a_later_ranking(world) -> None:
    # Before: F02's two practitioners' entered scores (88.5 on average) put it first.
    before, reasoning = _winner(world, granted(world, code=""))
    assert before == "F02"
    assert "质量 26.55（平均 88.5）" in reasoning and "评分日期" not in reasoning

    # Poor visits and organ opinions on closed cases of both F02 practitioners, assigned long
    # ago (outside the 90-day load window: only the quality part may move).
    for code in ("L003", "L004"):
        for _ in range(2):
            case = closed_case(world, "F02", handler=code)
            Assignment.objects.filter(case=case).update(issued_at=LONG_AGO)
            _visit(world, case, 1)  # 20 points
            _opinion(world, case, "不满意")  # 30 points
    for code in ("L003", "L004"):
        # (30×20 + 20×30) ÷ 50 = 24
        assert _practitioner(world, code).quality_score == 24.0

    after, reasoning = _winner(world, granted(world, code=""))
    assert after == "F03"  # the runner-up before (85.8 on average)
    today = quality.today().isoformat()
    assert (
        f"黄律师事务所1（F02）（顺序号 13）：总分 7.20 = 专业 0.00（擅长人员 0 名）+ 质量 7.20"
        f"（平均 24.0，评分日期 {today}）+ 属地 0.00 − 负担 0.00" in reasoning
    )
    assert f"质量 7.20（平均 24.0，评分日期 {today}）" in reasoning
    # The earlier decision keeps the reasoning it was given (never recomputed).
    first = Case.objects.order_by("pk").first()
    assert first is not None
    kept = first.engine_proposals.get().explanation  # type: ignore[attr-defined]
    assert "评分日期" not in kept


def test_art09_a_score_below_the_threshold_is_listed_by_the_command(world, capsys) -> None:
    for _ in range(3):
        _visit(world, closed_case(world, "F04", handler="L013"), 2)  # 40 points each
    call_command("quality", "--center", "beibei")
    out = capsys.readouterr().out
    assert "低于 60 分" in out and "L013" in out and "40.0" in out


def test_art09_the_command_refuses_bad_input_and_changes_nothing(world) -> None:
    with pytest.raises(CommandError, match="--date"):
        call_command("quality", "--date", "2026-13-01")
    with pytest.raises(CommandError, match="--center"):
        call_command("quality", "--center", "nowhere")
    assert not QualityAssessment.objects.exists()


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), ZoneInfo("Asia/Shanghai"))


def test_art09_records_leave_the_window_and_the_roster_entry_stands_again(world) -> None:
    case = closed_case(world, "F04", handler="L013")
    _visit(world, case, 5)
    l013 = _practitioner(world, "L013")
    assert l013.quality_score == 100.0
    visited = timezone.localtime(case.return_visit.closed_at).date()  # type: ignore[attr-defined]

    first = quality.current(l013)
    assert first is not None and first.as_of == quality.today()
    last_day = visited + timedelta(days=364)
    with time_machine.travel(_noon(last_day), tick=False):
        actions.do_refresh_quality(world.center, None)
    l013.refresh_from_db()
    # The rules' date moves on; the kept row does not (an advice notice cites it as it was).
    assert l013.quality_score == 100.0 and l013.quality_as_of == last_day
    assert list(QualityAssessment.objects.filter(practitioner=l013)) == [first]
    assert quality.current(l013).as_of == first.as_of  # type: ignore[union-attr]

    with time_machine.travel(_noon(last_day + timedelta(days=1)), tick=False):
        actions.do_refresh_quality(world.center, None)
    l013.refresh_from_db()
    assert l013.quality_score is None and l013.quality_as_of is None
    row = quality.current(l013)
    assert row is not None and row.value is None and "沿用名册录入的评分" in row.formula
    event = AuditEvent.objects.filter(action="quality.refresh").last()
    assert event is not None
    assert {"practitioner": "L013", "institution": None, "value": None} in event.data["changed"]


def test_art09_the_daily_task_refreshes_every_center(world) -> None:
    from fayuan.tasks import refresh_quality
    from fayuan.worker import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["refresh-quality-scores"]["task"] == "fayuan.refresh_quality"
    _visit(world, closed_case(world, "F04", handler="L013"), 3)
    assert refresh_quality.apply().get() == 0  # nothing changed since the visit


def test_art09_the_roster_export_carries_the_score_the_rules_use(world) -> None:
    from fayuan.roster.actions import export_roster

    _visit(world, closed_case(world, "F04", handler="L013"), 2)
    rows = {p["id"]: p for p in export_roster(world.center)["practitioners"]}
    assert rows["L013"]["quality"] == 40.0  # computed, not the entered value
    l014 = _practitioner(world, "L014")
    assert l014.quality_score is None and rows["L014"]["quality"] == l014.quality


def test_art09_a_later_second_review_does_not_erase_the_first_for_an_earlier_day(world) -> None:
    """The file's result on a day is its latest review scored by that day: a second review
    scored later stands from its own day on (as report figure 9 counts it)."""
    case = closed_case(world, "F04", handler="L013")
    section = world.user("bureau_section")
    values = actions.values_for(world.center)
    first_day = datetime(2026, 10, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(first_day, tick=False):
        review = actions.do_assign_reviewer(draw(world, 3), case, section, reviewer(world, "sup-1"))
        low = full_marks(values) | {"法律意见与辩护（代理）质量": 0.0, "办案程序合法及时": 0.0}
        review = actions.do_score_file_review(review, review.reviewer, low, "不合格：程序与质量")
    with time_machine.travel(first_day + timedelta(days=20), tick=False):
        again = actions.do_assign_second_review(review, section, reviewer(world, "sup-2"))
        actions.do_score_file_review(again, again.reviewer, full_marks(values), "复评")
    values_now = actions.values_for(world.center)
    on_first = quality.records(world.center, values_now, date(2026, 10, 30))[0]
    on_later = quality.records(world.center, values_now, date(2026, 11, 20))[0]
    l013 = _practitioner(world, "L013").pk
    assert [(r.points, r.raw) for r in on_first[l013]] == [(50.0, "不合格")]
    assert [(r.points, r.raw) for r in on_later[l013]] == [(100.0, "优秀")]


def test_art09_the_command_with_a_date_only_shows_and_writes_nothing(world, capsys) -> None:
    for _ in range(3):
        _visit(world, closed_case(world, "F04", handler="L013"), 2)
    l013 = _practitioner(world, "L013")
    rows = QualityAssessment.objects.count()
    later = (quality.today() + timedelta(days=400)).isoformat()
    call_command("quality", "--center", "beibei", "--date", later)
    out = capsys.readouterr().out
    assert "只查看，未写入" in out and "低于" not in out  # the visits have left the window
    call_command("quality", "--center", "beibei", "--date", quality.today().isoformat())
    assert "L013" in capsys.readouterr().out
    assert QualityAssessment.objects.count() == rows
    assert _practitioner(world, "L013").quality_as_of == l013.quality_as_of
