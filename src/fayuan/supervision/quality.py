"""第九条 办案质量评分 in the service: the records of file reviews, return visits and organ
opinions, each credited to the practitioners who handled the case at the time and to their
institution; the score of `fayuan.policy.quality` computed from them and kept
(`QualityAssessment`, and `Practitioner.quality_score`/`quality_as_of` for the rules).

Whose record is it: a file review and a return visit judge the handling to the end, so they go
to the handlers named on the case when it was closed; an organ opinion goes to the handlers at
the time it was written. A handler's institution is that of the assignment that named them.

When: after every file review score, reached visit and organ opinion, in the same transaction
(`refresh_for_case`), and every night for the whole center (`refresh_center`: records leave the
trailing window as days pass).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from fayuan import locks
from fayuan.cases.models import Case
from fayuan.policy.deadlines import CHINA_TZ
from fayuan.policy.params import SupervisionValues
from fayuan.policy.quality import (
    OPINION,
    REVIEW,
    VISIT,
    QualityScore,
    Record,
    opinion_points,
    quality_score,
    satisfaction_points,
    window_start,
)
from fayuan.roster.models import Center, Institution, Practitioner
from fayuan.supervision.models import (
    FileReview,
    OpinionRating,
    OrganOpinion,
    QualityAssessment,
    ReturnVisit,
    ReviewStatus,
    VisitStatus,
)
from fayuan.workflow import engine
from fayuan.workflow.models import Handler

#: Whose records: (practitioner ids, institution ids) → their records.
Credited = tuple[dict[int, list[Record]], dict[int, list[Record]]]


def today() -> date:
    return timezone.localtime(timezone.now(), CHINA_TZ).date()


def _local_day(at: datetime) -> date:
    return timezone.localtime(at, CHINA_TZ).date()


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) Beijing time."""
    return (
        datetime.combine(start, time.min, CHINA_TZ),
        datetime.combine(end + timedelta(days=1), time.min, CHINA_TZ),
    )


def _handlers_at(handlers: list[Handler], at: datetime) -> list[Handler]:
    """The handlers named by `at` and not yet ended; none at that moment (a record written
    before anyone was named): the case's current handlers."""
    then = [h for h in handlers if h.named_at <= at and (h.ended_at is None or h.ended_at > at)]
    return then or [h for h in handlers if h.active]


def records(
    center: Center, values: SupervisionValues, as_of: date, cases: set[int] | None = None
) -> Credited:
    """Every record of `center` in the window ending `as_of`, credited (module docstring);
    only those of `cases` (ids) when given."""
    lo, hi = _bounds(window_start(as_of, values), as_of)
    raw: list[tuple[int, datetime, Record]] = []  # (case id, whose moment, record)
    only = Q() if cases is None else Q(case_id__in=list(cases))

    # 案卷评查: the file's result on `as_of` is its latest review scored by then (a second
    # review stands over the first; `actions.final_review`), dated when it was scored.
    latest: dict[int, FileReview] = {}
    scored = (
        FileReview.objects.filter(
            only, case__center=center, status=ReviewStatus.scored, scored_at__lt=hi
        )
        .select_related("case")
        .order_by("case_id", "scored_at", "id")
    )
    for review in scored:
        latest[review.case_id] = review
    for review in latest.values():
        at = review.scored_at
        if at is None or review.total is None or not lo <= at < hi:
            continue
        case = review.case
        raw.append(
            (
                case.pk,
                case.closed_at or at,
                Record(REVIEW, _local_day(at), review.total, case.number, review.grade),
            )
        )
    visits = ReturnVisit.objects.filter(
        only, case__center=center, status=VisitStatus.reached, closed_at__gte=lo, closed_at__lt=hi
    ).select_related("case")
    for visit in visits:
        if visit.satisfaction is None or visit.closed_at is None:
            continue
        raw.append(
            (
                visit.case_id,
                visit.case.closed_at or visit.closed_at,
                Record(
                    VISIT,
                    _local_day(visit.closed_at),
                    satisfaction_points(values, visit.satisfaction),
                    visit.case.number,
                    f"{visit.satisfaction} 分",
                ),
            )
        )
    labels = dict(OpinionRating.choices)
    opinions = OrganOpinion.objects.filter(only, case__center=center, at__gte=lo, at__lt=hi)
    for opinion in opinions.select_related("case"):
        label = str(labels[opinion.rating])
        raw.append(
            (
                opinion.case_id,
                opinion.at,
                Record(
                    OPINION,
                    _local_day(opinion.at),
                    opinion_points(values, label),
                    opinion.case.number,
                    label,
                ),
            )
        )

    handlers: dict[int, list[Handler]] = defaultdict(list)
    for h in Handler.objects.filter(case_id__in={pk for pk, _, _ in raw}).select_related(
        "assignment"
    ):
        handlers[h.case_id].append(h)
    institution_of = dict(
        Case.objects.filter(pk__in={pk for pk, _, _ in raw}).values_list("pk", "institution_id")
    )
    by_practitioner: dict[int, list[Record]] = defaultdict(list)
    by_institution: dict[int, list[Record]] = defaultdict(list)
    for case_id, at, record in raw:
        named = _handlers_at(handlers[case_id], at)
        for h in named:
            by_practitioner[h.practitioner_id].append(record)
        institutions = {h.assignment.institution_id for h in named} or {institution_of[case_id]}
        for inst in institutions - {None}:
            by_institution[inst].append(record)
    return by_practitioner, by_institution


def _parts(score: QualityScore) -> list[dict[str, object]]:
    return [asdict(p) for p in score.parts]


def _same(row: QualityAssessment | None, score: QualityScore) -> bool:
    return (
        row is not None
        and row.value == score.value
        and row.records == score.records
        and row.parts == _parts(score)
    )


def _keep(
    center: Center,
    score: QualityScore,
    values: SupervisionValues,
    trigger: str,
    latest: QualityAssessment | None,
    **subject: Practitioner | Institution,
) -> QualityAssessment | None:
    """A new row when the score or its parts changed (returned); else nothing (None). Rows are
    never changed once written: an advice notice cites its row, and its date is the day the
    score took that value. Never scored and still no record: nothing to keep."""
    if latest is None and score.value is None:
        return None
    if _same(latest, score):
        return None
    return QualityAssessment.objects.create(
        center=center,
        as_of=score.as_of,
        window_start=score.window_start,
        value=score.value,
        records=score.records,
        parts=_parts(score),
        formula=score.formula(),
        policy_since=values.effective_from,
        trigger=trigger,
        computed_at=timezone.now(),
        **subject,
    )


def latest_by(rows: QuerySet[QualityAssessment], field: str) -> dict[int, QualityAssessment]:
    """The latest assessment per practitioner or institution id (`field`): two queries, one row
    per subject, however long the history (rows are written in time order, so the latest is
    the highest id)."""
    ids = rows.values(field).annotate(last=Max("id")).values_list("last", flat=True)
    return {getattr(row, field): row for row in QualityAssessment.objects.filter(pk__in=list(ids))}


def refresh(
    center: Center,
    trigger: str,
    practitioners: Iterable[int] | None = None,
    institutions: Iterable[int] | None = None,
    as_of: date | None = None,
) -> list[QualityAssessment]:
    """Recompute the scores of the given practitioners and institutions (all the center's when
    None) on `as_of` (today), keep them, and hand the practitioners' to the rules; the new rows
    (scores that changed). Call inside the action's transaction, before its audit event: the
    practitioners are locked first (`locks.quality_scores`)."""
    day = as_of or today()
    values = engine.policy_for(center).supervision_on(day)
    people = Practitioner.objects.filter(center=center)
    places = Institution.objects.filter(center=center)
    if practitioners is not None:
        people = people.filter(pk__in=list(practitioners))
    if institutions is not None:
        places = places.filter(pk__in=list(institutions))
    # Institutions first, then practitioners (a roster import updates them in that order):
    # two records of one firm's cases compute its score one after the other.
    place_rows = locks.quality_places(places)
    locked = locks.quality_scores(people)
    cases = None
    if practitioners is not None or institutions is not None:
        cases = _cases_of({p.pk for p in locked}, {i.pk for i in place_rows})
    by_practitioner, by_institution = records(center, values, day, cases)
    new: list[QualityAssessment | None] = []
    latest = latest_by(
        QualityAssessment.objects.filter(practitioner__in=[p.pk for p in locked]), "practitioner_id"
    )
    changed: list[Practitioner] = []
    for p in locked:
        score = quality_score(by_practitioner.get(p.pk, ()), values, day)
        new.append(_keep(center, score, values, trigger, latest.get(p.pk), practitioner=p))
        as_of_used = day if score.value is not None else None
        if (p.quality_score, p.quality_as_of) != (score.value, as_of_used):
            p.quality_score, p.quality_as_of = score.value, as_of_used
            changed.append(p)
    Practitioner.objects.bulk_update(changed, ["quality_score", "quality_as_of"])
    latest_places = latest_by(
        QualityAssessment.objects.filter(institution__in=[i.pk for i in place_rows]),
        "institution_id",
    )
    for inst in place_rows:
        score = quality_score(by_institution.get(inst.pk, ()), values, day)
        new.append(
            _keep(center, score, values, trigger, latest_places.get(inst.pk), institution=inst)
        )
    return [row for row in new if row is not None]


def _cases_of(practitioners: set[int], institutions: set[int]) -> set[int]:
    """The cases whose records can count for these practitioners or institutions: those they
    handled or held (a record goes to the handlers at its time, and their institutions)."""
    handled = Handler.objects.filter(
        Q(practitioner_id__in=practitioners) | Q(assignment__institution_id__in=institutions)
    ).values_list("case_id", flat=True)
    held = Case.objects.filter(institution_id__in=institutions).values_list("pk", flat=True)
    return set(handled) | set(held)


def refresh_for_case(case: Case, trigger: str) -> list[QualityAssessment]:
    """After a record on `case`: every practitioner who ever handled it and their institutions
    (a record is credited by the time it concerns, not only to today's handler)."""
    named = Handler.objects.filter(case=case).select_related("assignment")
    people = {h.practitioner_id for h in named}
    places = {h.assignment.institution_id for h in named}
    if case.institution_id:
        places.add(case.institution_id)
    return refresh(case.center, trigger, people, places)


def current(subject: Practitioner | Institution) -> QualityAssessment | None:
    """The latest assessment of a practitioner or an institution (None: never computed)."""
    field = "practitioner" if isinstance(subject, Practitioner) else "institution"
    return QualityAssessment.objects.filter(**{field: subject}).order_by("-id").first()


def records_of(subject: Practitioner | Institution, as_of: date | None = None) -> list[Record]:
    """The records behind a subject's score on `as_of` (today), for the page that shows them."""
    center = subject.center
    day = as_of or today()
    values = engine.policy_for(center).supervision_on(day)
    if isinstance(subject, Practitioner):
        cases = _cases_of({subject.pk}, set())
    else:
        cases = _cases_of(set(), {subject.pk})
    by_practitioner, by_institution = records(center, values, day, cases)
    found = by_practitioner if isinstance(subject, Practitioner) else by_institution
    return sorted(found.get(subject.pk, []), key=lambda r: (r.on, r.source, r.case))


def calls_for_advice(row: QualityAssessment, values: SupervisionValues) -> bool:
    """第九条 指派建议: a kept score below the policy's threshold (not equal), on at least the
    policy's minimum records (as `fayuan.policy.quality.QualityScore.calls_for_advice`)."""
    return (
        row.value is not None
        and row.records >= values.quality_advice_min_records
        and row.value < values.quality_advice_threshold
    )
