"""The figures of the periodic report to the district bureau (第九条：定期向区司法局反馈；
第十三条：区司法局监督检查), one center, one calendar month or year in Beijing time.

Every figure is defined here so that a reader can recompute it from the database. "In the
period" means `period.start <= t < period.end`, Beijing time (UTC+8).

1. **本期指派案件** (the cases of the report): the center's cases whose *first* assignment
   (the `Assignment` with the earliest `issued_at`, current or not) was issued in the period.
   A case assigned again after a handler change counts once, in the period of its first notice.
   - **按类别** (by category): these cases counted by `Case.category` (刑事、民事、行政、劳动仲裁、
     其他非诉讼), every category listed, zeros included.
   - **按来源** (by source): the same cases counted by `Case.source` (公民申请、司法机关通知).
2. **按期指派率** (on-time rate), over the same cases, from the first assignment's `issued_at`:
   - against the local limit (第六条): on time when `issued_at <= Case.local_due_at`;
   - against the statutory limit (法律援助法第三十六、四十三条, 三日): on time when
     `issued_at <= Case.statutory_due_at`.
   A case with no such limit recorded is left out of that rate's denominator (the number left
   out is shown). Rate = on time / counted, as a share (0–1), shown as a percentage to one
   decimal; no case counted: no rate ("—").
3. **承办机构指派数与轮次应得数** (assignments per institution against its entitlement): every
   `Assignment` issued in the period (first assignments and new ones after a handler change),
   counted per institution, all and criminal. Entitlement (SPEC §8, smooth weighted round
   robin): of the period's criminal assignments made by the rotation (`Assignment.rule ==
   "rotation"`), each law firm in today's rotation pool is entitled to `N × weight / total
   weight`, its weight as the policy's `criminal_rotation.weight` gives it today
   (`fayuan.workflow.engine.roster_view(center).pool(mode)`); the difference is rotation
   assignments received minus entitlement. Firms outside today's pool have entitlement 0.
4. **承办人集中度** (the busiest 10% of practitioners' share): each practitioner's number of
   distinct cases on which they were named handler in the period (`Handler.named_at` in the
   period). The practitioners with at least one such case are ordered by that number
   (descending, then practitioner code); the first `ceil(10% × their number)` are the busiest;
   share = their cases / all practitioners' cases (sum of the per-practitioner counts).
5. **改变系统建议** (overrides): the `OfficerProposal`s created in the period with
   `differs_from_engine` true: the case, the rules' institution, the officer's institution,
   the reason given (`override_reason`) and the proposal's status.
6. **更换承办人** (handler changes): the `HandlerChange` requests made in the period
   (`requested_at`), by status, with each request's reason.
7. **回避** (recusals): the `Recusal`s created in the period, by status, each with who was to
   step aside (role), the grounds and whether the system flagged it.
8. **投诉** (complaints, 法律援助法第五十五、五十六条; `fayuan.supervision.models.Complaint`):
   those received in the period (`received_at`), by channel (网上、窗口); answered (any time up
   to the report's making), answered by their deadline (`answered_at <= due_at`), still open,
   and those whose answer opened a handler change. No complainant's name, phone or words.
9. **案卷评查** (file reviews, 第十三条; `FileReview`): each case's result is its latest scored
   review (a second review stands over the first, `fayuan.supervision.actions.final_review`);
   counted are the cases whose result was scored in the period (`scored_at`): by grade
   (优秀、良好、合格、不合格), pass rate = not 不合格 / counted, mean total score (one decimal).
10. **回访受援人** (return visits, 第十三条、法律援助法第五十九条; `ReturnVisit`): the visits
   completed in the period (`closed_at`; a visit still 回访中 has none and is not counted):
   reached (已回访) and unreachable (无法联系), with the unreachable visits' attempts in total
   (`VisitAttempt`s, whenever made). Of the reached visits: the satisfaction (1–5) counted per
   value, every value listed, zeros included; mean satisfaction (one decimal, "—" when none);
   满意率 = reached visits with satisfaction 4 or 5 / reached visits (unreachable ones are
   left out of the denominator; "—" when none reached).
11. **办案机关评价** (the organs' opinions, 法律援助法第五十九条; `OrganOpinion`): the opinions
   recorded in the period (`at`), every one counted (an organ may give several on one case),
   by rating (满意、基本满意、不满意, zeros included) and by the organ's kind (`JudicialOrgan.kind`:
   人民法院、人民检察院、公安机关、其他, every kind listed); 满意率 = 满意 / all (基本满意 is not
   满意; "—" when none).
12. **庭审旁听** (court attendance, 法律援助法第五十九条; `CourtAttendance`): the hearings
   attended in the period, by `attended_on` (a Beijing date: period.start's date <= attended_on
   < period.end's date), one per record.
13. **办案质量评分与指派建议** (第九条; `fayuan.supervision.quality`, `QualityAdvice`, the status
   histories): the scores as they stand on the period's last day (today while it runs), computed
   again from the records by the rules of that day (`quality.records`, `quality_score`), so the
   figure does not depend on when the nightly refresh ran. Of the practitioners that may take
   cases (执业 or 暂停指派): how many have a score (the others' roster entry stands), their mean
   (one decimal), and every practitioner and institution whose score calls for advice (below
   `quality.advice_threshold` on at least `quality.advice_min_records` records). The 指派建议
   issued in the period (`issued_at`), with whether the institution confirmed receipt. Every
   suspension (暂停指派) of a practitioner or institution made in the period (`at`), and every
   return to 执业 directly after a suspension, with its reason.
When the supervision app is not installed, 8 to 13 say 本期尚无投诉与评查数据来源.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Count, Min

from fayuan.cases.models import CATEGORY_CHOICES, Case
from fayuan.policy.deadlines import CHINA_TZ
from fayuan.policy.quality import QualityScore
from fayuan.roster.models import Center, Institution
from fayuan.workflow.models import (
    Assignment,
    Handler,
    HandlerChange,
    HandlerChangeStatus,
    OfficerProposal,
    ProposalStatus,
    Recusal,
    RecusalStatus,
)

SOURCE_CHOICES = [("application", "公民申请"), ("notification", "司法机关通知")]
NO_SUPERVISION = "本期尚无投诉与评查数据来源"
BUSIEST_SHARE = 0.10


class PeriodError(ValueError):
    """A period that is not a month (YYYY-MM) or a year (YYYY): the message is in Chinese."""


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None  # None: the whole year

    @classmethod
    def parse(cls, month: str | None = None, year: str | None = None) -> Period:
        if bool(month) == bool(year):
            raise PeriodError(
                "请指定一个月份（--month 2026-11）或一个年度（--year 2026），只能二选一。"
            )
        text = (month or year or "").strip()
        try:
            if month:
                y, m = text.split("-")
                if len(y) != 4 or len(m) != 2:
                    raise ValueError
                period = cls(int(y), int(m))
                date(period.year, int(m), 1)
            else:
                if len(text) != 4:
                    raise ValueError
                period = cls(int(text))
        except ValueError:
            raise PeriodError(f"期间“{text}”无法识别：月份写作 2026-11，年度写作 2026。") from None
        if not 2000 <= period.year <= 2100:
            raise PeriodError(f"年度 {period.year} 超出范围（2000–2100）。")
        return period

    @property
    def start(self) -> datetime:
        return datetime.combine(date(self.year, self.month or 1, 1), time(0), tzinfo=CHINA_TZ)

    @property
    def end(self) -> datetime:
        if self.month is None or self.month == 12:
            first = date(self.year + 1, 1, 1)
        else:
            first = date(self.year, self.month + 1, 1)
        return datetime.combine(first, time(0), tzinfo=CHINA_TZ)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年"

    @property
    def code(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)

    @property
    def kind(self) -> str:
        return "month" if self.month else "year"


@dataclass(frozen=True)
class Rate:
    on_time: int
    counted: int
    without_limit: int

    @property
    def value(self) -> float | None:
        return self.on_time / self.counted if self.counted else None

    @property
    def text(self) -> str:
        v = self.value
        return "—" if v is None else f"{v * 100:.1f}%"


@dataclass(frozen=True)
class InstitutionRow:
    code: str
    name: str
    kind: str
    assignments: int
    criminal: int
    rotation: int
    weight: int
    entitlement: float

    @property
    def difference(self) -> float:
        return self.rotation - self.entitlement


@dataclass(frozen=True)
class Concentration:
    practitioners: int  # with at least one case named in the period
    busiest: int  # ceil(10% of them)
    busiest_cases: int
    all_cases: int
    top: list[tuple[str, str, int]]  # (code, name, cases), the busiest

    @property
    def share(self) -> float | None:
        return self.busiest_cases / self.all_cases if self.all_cases else None

    @property
    def text(self) -> str:
        v = self.share
        return "—" if v is None else f"{v * 100:.1f}%"


@dataclass(frozen=True)
class Complaints:
    received: int
    by_channel: list[tuple[str, int]]
    answered: int
    answered_on_time: int
    still_open: int
    led_to_change: int


@dataclass(frozen=True)
class Reviews:
    counted: int
    by_grade: list[tuple[str, int]]
    passed: int
    mean_total: float | None

    @property
    def pass_rate(self) -> str:
        return f"{self.passed / self.counted * 100:.1f}%" if self.counted else "—"

    @property
    def mean_text(self) -> str:
        return "—" if self.mean_total is None else f"{self.mean_total:.1f}"


GRADES = ("优秀", "良好", "合格", "不合格")

#: The satisfaction values of a return visit, and the lowest that counts as 满意 (figure 10).
SATISFACTION_VALUES = (1, 2, 3, 4, 5)
SATISFIED_FROM = 4


def _share(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "—"


@dataclass(frozen=True)
class Visits:
    completed: int  # reached + unreachable
    reached: int
    unreachable: int
    unreachable_attempts: int  # the unreachable visits' attempts, in total
    by_satisfaction: list[tuple[int, int]]  # (1–5, reached visits), every value
    satisfied: int  # reached with satisfaction >= SATISFIED_FROM
    mean_satisfaction: float | None

    @property
    def satisfaction_rate(self) -> str:
        return _share(self.satisfied, self.reached)

    @property
    def mean_text(self) -> str:
        return "—" if self.mean_satisfaction is None else f"{self.mean_satisfaction:.1f}"


@dataclass(frozen=True)
class Opinions:
    counted: int
    by_rating: list[tuple[str, int]]  # 满意、基本满意、不满意
    by_kind: list[tuple[str, list[int]]]  # (organ kind, counts in the order of by_rating)
    satisfied: int

    @property
    def satisfaction_rate(self) -> str:
        return _share(self.satisfied, self.counted)


@dataclass(frozen=True)
class Attendance:
    hearings: int


@dataclass(frozen=True)
class QualityScores:
    as_of: date
    threshold: float
    min_records: int
    scored: int  # practitioners with a computed score
    entered: int  # practitioners whose roster entry stands (no record)
    mean: float | None
    low: list[dict[str, str]]  # calling for advice: who, institution, score, records, formula
    advice: list[dict[str, str]]  # issued in the period
    acknowledged: int
    suspensions: list[dict[str, str]]  # 暂停指派 and 恢复指派 in the period

    @property
    def mean_text(self) -> str:
        return "—" if self.mean is None else f"{self.mean:.1f}"


@dataclass
class Figures:
    center_name: str
    center_code: str
    period: Period
    cases: int
    by_category: list[tuple[str, int]]
    by_source: list[tuple[str, int]]
    local: Rate
    statutory: Rate
    late_cases: list[dict[str, str]]
    institutions: list[InstitutionRow]
    rotation_total: int
    total_weight: int
    concentration: Concentration
    overrides: list[dict[str, str]]
    handler_changes: list[dict[str, str]]
    handler_changes_by_status: list[tuple[str, int]]
    recusals: list[dict[str, str]]
    recusals_by_status: list[tuple[str, int]]
    policy: str = ""
    complaints: Complaints | None = None
    reviews: Reviews | None = None
    visits: Visits | None = None
    opinions: Opinions | None = None
    attendance: Attendance | None = None
    quality: QualityScores | None = None
    supervision_note: str = NO_SUPERVISION
    extra: dict[str, Any] = field(default_factory=dict)


def supervision_available() -> bool:
    """True once the supervision app (complaints, file reviews, return visits, the organs'
    opinions, court attendance) is installed."""
    return apps.is_installed("fayuan.supervision")


def _complaints(center: Center, period: Period) -> Complaints:
    from fayuan.supervision.models import Complaint, ComplaintChannel, ComplaintStatus

    rows = list(
        Complaint.objects.filter(
            center=center, received_at__gte=period.start, received_at__lt=period.end
        ).only("channel", "status", "answered_at", "due_at", "handler_change_id")
    )
    channels = Counter(r.channel for r in rows)
    answered = [r for r in rows if r.status == ComplaintStatus.answered]
    return Complaints(
        received=len(rows),
        by_channel=[(label, channels.get(code, 0)) for code, label in ComplaintChannel.choices],
        answered=len(answered),
        answered_on_time=sum(
            1 for r in answered if r.answered_at is not None and r.answered_at <= r.due_at
        ),
        still_open=len(rows) - len(answered),
        led_to_change=sum(1 for r in rows if r.handler_change_id is not None),
    )


def file_reviews(center: Center, period: Period) -> Reviews:
    from fayuan.supervision.models import FileReview, ReviewStatus

    latest: dict[int, FileReview] = {}
    for r in FileReview.objects.filter(
        case__center=center, status=ReviewStatus.scored, scored_at__lt=period.end
    ).order_by("scored_at", "id"):
        latest[r.case_id] = r  # the last one wins: a second review stands over the first
    results = [
        r for r in latest.values() if r.scored_at is not None and r.scored_at >= period.start
    ]
    grades = Counter(r.grade for r in results)
    totals = [r.total for r in results if r.total is not None]
    return Reviews(
        counted=len(results),
        by_grade=[(g, grades.get(g, 0)) for g in GRADES],
        passed=sum(1 for r in results if r.grade != "不合格"),
        mean_total=round(sum(totals) / len(totals), 1) if totals else None,
    )


def return_visits(center: Center, period: Period) -> Visits:
    """Figure 10: the return visits completed in the period (one query)."""
    from fayuan.supervision.models import ReturnVisit, VisitStatus

    rows = list(
        ReturnVisit.objects.filter(
            case__center=center,
            status__in=[VisitStatus.reached, VisitStatus.unreachable],
            closed_at__gte=period.start,
            closed_at__lt=period.end,
        )
        .annotate(tries=Count("attempts"))
        .values_list("status", "satisfaction", "tries")
    )
    scores = [s for status, s, _ in rows if status == VisitStatus.reached and s is not None]
    counted = Counter(scores)
    unreachable = [n for status, _, n in rows if status == VisitStatus.unreachable]
    reached = sum(1 for status, _, _ in rows if status == VisitStatus.reached)
    return Visits(
        completed=len(rows),
        reached=reached,
        unreachable=len(unreachable),
        unreachable_attempts=sum(unreachable),
        by_satisfaction=[(v, counted.get(v, 0)) for v in SATISFACTION_VALUES],
        satisfied=sum(1 for s in scores if s >= SATISFIED_FROM),
        mean_satisfaction=round(sum(scores) / len(scores), 1) if scores else None,
    )


def organ_opinions(center: Center, period: Period) -> Opinions:
    """Figure 11: the judicial organs' opinions recorded in the period (one query)."""
    from fayuan.accounts.models import OrganKind
    from fayuan.supervision.models import OpinionRating, OrganOpinion

    rows = list(
        OrganOpinion.objects.filter(
            case__center=center, at__gte=period.start, at__lt=period.end
        ).values_list("rating", "organ__kind")
    )
    ratings = Counter(rating for rating, _ in rows)
    pairs = Counter(rows)
    return Opinions(
        counted=len(rows),
        by_rating=[(label, ratings.get(code, 0)) for code, label in OpinionRating.choices],
        by_kind=[
            (kind_label, [pairs.get((code, kind), 0) for code in OpinionRating.values])
            for kind, kind_label in OrganKind.choices
        ],
        satisfied=ratings.get(OpinionRating.satisfied, 0),
    )


def _score_row(who: str, institution: str, score: QualityScore) -> dict[str, str]:
    return {
        "who": who,
        "institution": institution,
        "score": f"{score.value:.1f}",
        "records": str(score.records),
        "formula": score.formula(),
    }


def _status_changes(center: Center, period: Period) -> list[dict[str, str]]:
    """Figure 13's suspensions and the returns to 执业 right after one, in the period."""
    from fayuan.roster.models import InstitutionStatusChange, PractitionerStatusChange

    out: list[tuple[datetime, dict[str, str]]] = []
    histories: list[tuple[str, Any]] = [
        (
            "承办机构",
            InstitutionStatusChange.objects.filter(institution__center=center)
            .select_related("institution")
            .order_by("institution_id", "at", "id"),
        ),
        (
            "承办人",
            PractitionerStatusChange.objects.filter(practitioner__center=center)
            .select_related("practitioner__institution")
            .order_by("practitioner_id", "at", "id"),
        ),
    ]
    for kind, rows in histories:
        before: dict[int, str] = {}
        for row in rows:
            subject = row.institution if kind == "承办机构" else row.practitioner
            previous = before.get(subject.pk)
            before[subject.pk] = row.status
            if not period.start <= row.at < period.end:
                continue
            if row.status == "suspended":
                what = "暂停指派"
            elif row.status == "active" and previous == "suspended":
                what = "恢复指派"
            else:
                continue
            out.append(
                (
                    row.at,
                    {
                        "kind": kind,
                        "who": f"{subject.name}（{subject.code}）",
                        "what": what,
                        "at": _local(row.at),
                        "reason": row.reason,
                    },
                )
            )
    return [row for _, row in sorted(out, key=lambda pair: pair[0])]


def quality_scores(center: Center, period: Period) -> QualityScores:
    """Figure 13: the quality scores on the period's last day, the advice and suspensions."""
    from fayuan.policy.quality import quality_score
    from fayuan.roster.models import Practitioner
    from fayuan.supervision import quality
    from fayuan.supervision.models import QualityAdvice
    from fayuan.workflow import engine

    last_day = (period.end - timedelta(days=1)).date()
    as_of = min(last_day, _now().astimezone(CHINA_TZ).date())
    values = engine.policy_for(center).supervision_on(as_of)
    by_practitioner, by_institution = quality.records(center, values, as_of)
    low: list[dict[str, str]] = []
    scores: list[float] = []
    people = (
        Practitioner.objects.filter(center=center)
        .exclude(status="inactive")
        .select_related("institution")
        .order_by("code")
    )
    entered = 0
    for p in people:
        score = quality_score(by_practitioner.get(p.pk, ()), values, as_of)
        if score.value is None:
            entered += 1
            continue
        scores.append(score.value)
        if score.calls_for_advice(values):
            low.append(_score_row(f"{p.name}（{p.code}）", p.institution.name, score))
    for inst in Institution.objects.filter(center=center).order_by("sequence", "code"):
        score = quality_score(by_institution.get(inst.pk, ()), values, as_of)
        if score.calls_for_advice(values):
            low.append(_score_row("（机构整体）", f"{inst.name}（{inst.code}）", score))
    advice = list(
        QualityAdvice.objects.filter(
            center=center, issued_at__gte=period.start, issued_at__lt=period.end
        )
        .select_related("institution", "practitioner", "assessment")
        .order_by("issued_at", "id")
    )
    return QualityScores(
        as_of=as_of,
        threshold=values.quality_advice_threshold,
        min_records=values.quality_advice_min_records,
        scored=len(scores),
        entered=entered,
        mean=round(sum(scores) / len(scores), 1) if scores else None,
        low=low,
        advice=[
            {
                "issued": _local(a.issued_at),
                "institution": a.institution.name,
                "who": (
                    f"{a.practitioner.name}（{a.practitioner.code}）"
                    if a.practitioner
                    else "机构整体"
                ),
                "score": "—" if a.assessment.value is None else f"{a.assessment.value:.1f}",
                "acknowledged": _local(a.acknowledged_at) if a.acknowledged_at else "待确认",
            }
            for a in advice
        ],
        acknowledged=sum(1 for a in advice if a.acknowledged_at),
        suspensions=_status_changes(center, period),
    )


def court_attendance(center: Center, period: Period) -> Attendance:
    """Figure 12: the hearings attended in the period (Beijing dates)."""
    from fayuan.supervision.models import CourtAttendance

    return Attendance(
        hearings=CourtAttendance.objects.filter(
            case__center=center,
            attended_on__gte=period.start.date(),
            attended_on__lt=period.end.date(),
        ).count()
    )


def _local(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def first_assignments(center: Center, period: Period) -> dict[int, datetime]:
    """{case id: issued_at of its first assignment} for the cases first assigned in the period."""
    firsts = (
        Assignment.objects.filter(case__center=center)
        .values("case_id")
        .annotate(first=Min("issued_at"))
        .filter(first__gte=period.start, first__lt=period.end)
    )
    return {row["case_id"]: row["first"] for row in firsts}


def rate(cases: list[Case], firsts: dict[int, datetime], limit: str) -> Rate:
    on_time = counted = without = 0
    for case in cases:
        due = getattr(case, limit)
        if due is None:
            without += 1
            continue
        counted += 1
        if firsts[case.pk] <= due:
            on_time += 1
    return Rate(on_time, counted, without)


def _institutions(center: Center, period: Period) -> tuple[list[InstitutionRow], int, int]:
    from fayuan.policy.deadlines import local_date
    from fayuan.workflow import engine

    issued = Assignment.objects.filter(
        case__center=center, issued_at__gte=period.start, issued_at__lt=period.end
    ).values_list("institution_id", "case__category", "rule")
    all_n: Counter[int] = Counter()
    criminal: Counter[int] = Counter()
    rotation: Counter[int] = Counter()
    for inst_id, category, rule in issued:
        all_n[inst_id] += 1
        if category == "criminal":
            criminal[inst_id] += 1
            if rule == "rotation":
                rotation[inst_id] += 1
    rotation_total = sum(rotation.values())
    values = engine.policy_for(center).values_on(local_date(min(period.end, _now())))
    pool = engine.roster_view(center).pool(values.rotation_weight)
    weights: dict[str, int] = {m.firm: m.weight for m in pool}
    total = sum(weights.values())
    rows = []
    for inst in Institution.objects.filter(center=center).order_by("sequence", "code"):
        weight = weights.get(inst.code, 0)
        rows.append(
            InstitutionRow(
                code=inst.code,
                name=inst.name,
                kind=inst.get_kind_display(),
                assignments=all_n[inst.pk],
                criminal=criminal[inst.pk],
                rotation=rotation[inst.pk],
                weight=weight,
                entitlement=rotation_total * weight / total if total else 0.0,
            )
        )
    return rows, rotation_total, total


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def _concentration(center: Center, period: Period) -> Concentration:
    pairs = set(
        Handler.objects.filter(
            case__center=center, named_at__gte=period.start, named_at__lt=period.end
        ).values_list("practitioner_id", "case_id")
    )
    per: Counter[int] = Counter(p for p, _ in pairs)
    from fayuan.roster.models import Practitioner

    names = {p.pk: (p.code, p.name) for p in Practitioner.objects.filter(pk__in=list(per.keys()))}
    ordered = sorted(per.items(), key=lambda kv: (-kv[1], names[kv[0]][0]))
    k = math.ceil(BUSIEST_SHARE * len(ordered)) if ordered else 0
    top = [(names[p][0], names[p][1], n) for p, n in ordered[:k]]
    return Concentration(
        practitioners=len(ordered),
        busiest=k,
        busiest_cases=sum(n for _, n in ordered[:k]),
        all_cases=sum(per.values()),
        top=top,
    )


def compute(center: Center, period: Period) -> Figures:
    """All the figures of one center's report for `period` (definitions: the module's text)."""
    from fayuan.workflow import engine

    firsts = first_assignments(center, period)
    cases = list(Case.objects.filter(pk__in=list(firsts)).order_by("number"))
    categories = Counter(c.category for c in cases)
    sources = Counter(c.source for c in cases)
    late = []
    for c in cases:
        at = firsts[c.pk]
        beyond_local = c.local_due_at is not None and at > c.local_due_at
        beyond_statutory = c.statutory_due_at is not None and at > c.statutory_due_at
        if beyond_local or beyond_statutory:
            late.append(
                {
                    "case": c.number,
                    "category": c.get_category_display(),
                    "issued": _local(at),
                    "local_due": _local(c.local_due_at),
                    "statutory_due": _local(c.statutory_due_at),
                    "beyond": "、".join(
                        [
                            s
                            for s, b in (("本地期限", beyond_local), ("法定期限", beyond_statutory))
                            if b
                        ]
                    ),
                }
            )
    institutions, rotation_total, total_weight = _institutions(center, period)

    proposals = (
        OfficerProposal.objects.filter(
            case__center=center,
            differs_from_engine=True,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .select_related("case", "institution", "engine_proposal__institution")
        .order_by("created_at", "pk")
    )
    overrides = [
        {
            "case": p.case.number,
            "category": p.case.get_category_display(),
            "at": _local(p.created_at),
            "engine": p.engine_proposal.institution.name
            if p.engine_proposal and p.engine_proposal.institution
            else "（系统无建议）",
            "officer": p.institution.name if p.institution else "",
            "reason": p.override_reason,
            "status": ProposalStatus(p.status).label,
        }
        for p in proposals
    ]

    changes = (
        HandlerChange.objects.filter(
            case__center=center, requested_at__gte=period.start, requested_at__lt=period.end
        )
        .select_related("case")
        .order_by("requested_at", "pk")
    )
    handler_changes = [
        {
            "case": h.case.number,
            "number": str(h.number),
            "at": _local(h.requested_at),
            "mode": h.get_mode_display(),
            "reason": h.reason,
            "status": HandlerChangeStatus(h.status).label,
        }
        for h in changes
    ]
    change_status = Counter(HandlerChangeStatus(h.status).label for h in changes)

    recusal_rows = (
        Recusal.objects.filter(
            case__center=center, created_at__gte=period.start, created_at__lt=period.end
        )
        .select_related("case", "staff__profile")
        .order_by("created_at", "pk")
    )
    recusals = []
    for r in recusal_rows:
        profile = getattr(r.staff, "profile", None)
        recusals.append(
            {
                "case": r.case.number,
                "at": _local(r.created_at),
                "role": profile.get_role_display() if profile else "",
                "grounds": "、".join(str(g) for g in r.grounds),
                "flagged": "是" if r.flagged_by_system else "否",
                "status": RecusalStatus(r.status).label,
            }
        )
    recusal_status = Counter(RecusalStatus(r.status).label for r in recusal_rows)

    return Figures(
        center_name=center.name,
        center_code=center.code,
        period=period,
        cases=len(cases),
        by_category=[(label, categories.get(code, 0)) for code, label in CATEGORY_CHOICES],
        by_source=[(label, sources.get(code, 0)) for code, label in SOURCE_CHOICES],
        local=rate(cases, firsts, "local_due_at"),
        statutory=rate(cases, firsts, "statutory_due_at"),
        late_cases=late,
        institutions=institutions,
        rotation_total=rotation_total,
        total_weight=total_weight,
        concentration=_concentration(center, period),
        overrides=overrides,
        handler_changes=handler_changes,
        handler_changes_by_status=sorted(change_status.items()),
        recusals=recusals,
        recusals_by_status=sorted(recusal_status.items()),
        policy=engine.policy_for(center).title,
        complaints=_complaints(center, period) if supervision_available() else None,
        reviews=file_reviews(center, period) if supervision_available() else None,
        visits=return_visits(center, period) if supervision_available() else None,
        opinions=organ_opinions(center, period) if supervision_available() else None,
        attendance=court_attendance(center, period) if supervision_available() else None,
        quality=quality_scores(center, period) if supervision_available() else None,
        supervision_note="" if supervision_available() else NO_SUPERVISION,
    )
