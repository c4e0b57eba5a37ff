"""Every write of supervision and quality, each with its audit event in one transaction
(第九、十三条；法律援助法第五十五、五十六、五十九条)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from fayuan import locks
from fayuan.accounts.access import AnyUser, profile_of, require, user_id
from fayuan.accounts.models import Role, StaffProfile
from fayuan.audit import log as audit
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError
from fayuan.locks import action
from fayuan.policy import recusal as rules
from fayuan.policy.deadlines import CHINA_TZ
from fayuan.policy.params import SupervisionValues
from fayuan.roster.models import Center
from fayuan.supervision import quality
from fayuan.supervision.models import (
    AttemptOutcome,
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    CourtAttendance,
    FileReview,
    OpinionRating,
    OrganOpinion,
    QualityAssessment,
    ReturnVisit,
    ReviewRound,
    ReviewStatus,
    VisitAttempt,
    VisitMethod,
    VisitStatus,
)
from fayuan.supervision.sampling import stratified_sample
from fayuan.workflow import engine
from fayuan.workflow.actions import do_request_handler_change
from fayuan.workflow.models import (
    Approval,
    Assignment,
    Handler,
    OfficerProposal,
    Recusal,
    RecusalStatus,
)
from fayuan.workflow.recusal import declaration


def values_for(center: Center, on: date | None = None) -> SupervisionValues:
    """The center's supervision parameters in force on `on` (today in Beijing by default)."""
    day = on or timezone.localtime(timezone.now(), CHINA_TZ).date()
    return engine.policy_for(center).supervision_on(day)


def _today() -> date:
    return timezone.localtime(timezone.now(), CHINA_TZ).date()


def _rescored(case: Case, trigger: str) -> list[QualityAssessment]:
    """第九条: the quality scores this record changes, recomputed in the record's transaction
    (before its audit event: the scores' locks rank before the audit head)."""
    return quality.refresh_for_case(case, trigger)


def _record_rescored(
    actor: AnyUser, case: Case, record: Model, rows: list[QualityAssessment]
) -> None:
    """One audit event for the scores a record (review, visit attempt, opinion) changed, on
    that record, each score with its value and computation."""
    if not rows:
        return
    audit.record(
        actor,
        "quality.update",
        record,
        case=case,
        data={
            "scores": [
                {
                    "practitioner": r.practitioner.code if r.practitioner else None,
                    "institution": r.institution.code if r.institution else None,
                    "value": r.value,
                    "formula": r.formula,
                }
                for r in rows
            ]
        },
    )


# ---------------------------------------------------------------------------------------------
# 案卷评查 (第十三条)


@action
def do_draw_file_review(
    center: Center, actor: AnyUser, period_start: date, period_end: date, seed: int | None = None
) -> ReviewRound:
    """第十三条：区司法局应当定期采取案卷评查…方式…进行监督检查. Draws the period's closed cases
    (closed_at within the period, Beijing dates) stratified by category × institution with the
    policy's share; the seed (a fresh one unless given) and the drawn ids are stored, so anyone
    can draw the same sample again (`stratified_sample`)."""
    profile = require(actor, "draw_file_review")
    if profile.center_id != center.pk:
        raise ActionError("只能抽取本中心的案卷。", kind="forbidden")
    if period_end < period_start:
        raise ActionError("结束日期不能早于开始日期。", "period_end")
    values = values_for(center, period_end)
    seed = secrets.randbelow(2**53) if seed is None else int(seed)
    start = datetime.combine(period_start, datetime.min.time(), CHINA_TZ)
    end = datetime.combine(period_end + timedelta(days=1), datetime.min.time(), CHINA_TZ)
    with transaction.atomic():
        locks.center(center)
        rows = list(
            Case.objects.filter(
                center=center, status=CaseStatus.closed, closed_at__gte=start, closed_at__lt=end
            ).values_list("pk", "category", "institution_id")
        )
        if not rows:
            raise ActionError("该期间没有已结案件可供评查。", "period_start", kind="conflict")
        ids = stratified_sample(
            [(pk, (cat, inst or 0)) for pk, cat, inst in rows], values.review_share, seed
        )
        drawn = ReviewRound.objects.create(
            center=center,
            period_start=period_start,
            period_end=period_end,
            seed=seed,
            share=values.review_share,
            policy=engine.policy_for(center).id,
            policy_since=values.effective_from,
            case_ids=ids,
            population=len(rows),
            drawn_by_id=user_id(actor),
            drawn_at=timezone.now(),
        )
        audit.record(
            actor,
            "review.draw",
            drawn,
            data={"seed": seed, "share": values.review_share, "cases": len(ids)},
        )
    return drawn


def _handled(case: Case, user: User, profile: StaffProfile) -> bool:
    """Whether this person took part in the case: handled it, or acted on its assignment."""
    if (
        profile.practitioner_id
        and Handler.objects.filter(case=case, practitioner_id=profile.practitioner_id).exists()
    ):
        return True
    return (
        case.granted_by_id == user.pk
        or case.created_by_id == user.pk
        or Assignment.objects.filter(case=case, issued_by_id=user.pk).exists()
        or Handler.objects.filter(case=case, named_by_id=user.pk).exists()
        or OfficerProposal.objects.filter(case=case, officer_id=user.pk).exists()
        or Approval.objects.filter(proposal__case=case, actor_id=user.pk).exists()
    )


def reviewer_refusal(case: Case, reviewer: User) -> str:
    """Why `reviewer` may not review this file, or "" when they may (第八、十三条): a reviewer is a
    supervisor of the center, not from an institution that held the case, who took no part in
    it, and who is not recused — no pending or granted recusal, and none of the case's parties
    is the reviewer or a relative or interest they declared (`fayuan.policy.recusal`)."""
    profile = profile_of(reviewer)
    if profile is None or profile.role != Role.supervisor:
        return "评查人须为监督人员。"
    if profile.center_id != case.center_id:
        return "评查人须为本中心的监督人员。"
    held: set[int | None] = set(
        Assignment.objects.filter(case=case).values_list("institution_id", flat=True)
    )
    held.add(case.institution_id)
    practitioner = profile.practitioner
    own = profile.institution_id or (practitioner.institution_id if practitioner else None)
    if own and own in held:
        return "评查人来自承办本案的机构，不得评查本案。"
    if _handled(case, reviewer, profile):
        return "评查人办理过本案，不得评查本案。"
    if Recusal.objects.filter(
        case=case, staff_id=reviewer.pk, status__in=[RecusalStatus.pending, RecusalStatus.granted]
    ).exists():
        return "评查人已就本案申请或决定回避（第八条）。"
    grounds = rules.recusal_grounds(
        declaration(profile), engine.policy_parties(list(case.parties.all()))
    )
    if grounds:
        return f"评查人应当回避：{'；'.join(grounds)}（第八条）。"
    return ""


@action
def do_assign_reviewer(
    drawn: ReviewRound, case: Case, actor: AnyUser, reviewer: User
) -> FileReview:
    """第十三条: the bureau names a reviewer for a drawn file (`reviewer_refusal`: who may)."""
    require(actor, "assign_reviewer", case)
    if case.pk not in drawn.case_ids:
        raise ActionError("该案件不在本批次抽中的案卷中。", "case", kind="conflict")
    why = reviewer_refusal(case, reviewer)
    if why:
        raise ActionError(why, "reviewer")
    with transaction.atomic():
        case = locks.case(case)
        if FileReview.objects.filter(round=drawn, case=case, second_of__isnull=True).exists():
            raise ActionError("本案卷已指定评查人。", "case", kind="conflict")
        review = FileReview.objects.create(
            round=drawn,
            case=case,
            reviewer=reviewer,
            assigned_by_id=user_id(actor),
            assigned_at=timezone.now(),
        )
        audit.record(
            actor, "review.assign", review, case=case, data={"reviewer": reviewer.get_username()}
        )
    return review


@dataclass(frozen=True)
class Scored:
    total: float
    grade: str
    rows: list[list[object]]


def score(values: SupervisionValues, points: dict[str, float]) -> Scored:
    """The checklist of the policy (`supervision.review_checklist`): each item 0 to its weight;
    the total graded by `SupervisionValues.grade`. A refusal names the field `item_<n>` (the
    item's place in the checklist), as the scoring form does."""
    rows: list[list[object]] = []
    total = 0.0
    for n, (item, weight) in enumerate(values.review_checklist):
        if item not in points:
            raise ActionError(f"请为“{item}”评分。", f"item_{n}")
        got = float(points[item])
        if not 0 <= got <= weight:
            raise ActionError(f"“{item}”的得分须在 0 至 {weight:g} 分之间。", f"item_{n}")
        rows.append([item, weight, got])
        total += got
    unknown = set(points) - {item for item, _ in values.review_checklist}
    if unknown:
        raise ActionError(f"评分表中没有“{sorted(unknown)[0]}”。")
    total = round(total, 2)
    return Scored(total, values.grade(total), rows)


@action
def do_score_file_review(
    review: FileReview, actor: AnyUser, points: dict[str, float], comments: str
) -> FileReview:
    """第十三条 案卷评查: the named reviewer scores the file against the policy's checklist in force
    on the day. A failed file (不合格) gets a second review by another reviewer, whom the bureau
    names (`do_assign_second_review`)."""
    require(actor, "score_file_review", review.case)
    if review.reviewer_id != actor.pk:
        raise ActionError("只有被指定的评查人可以评查本案卷。", kind="forbidden")
    values = values_for(review.case.center)
    result = score(values, points)
    if result.grade == "不合格" and not comments.strip():
        raise ActionError("评为不合格的，请写明评查意见。", "comments")
    with transaction.atomic():
        locks.case(review.case)
        review = locks.take_one(locks.Rank.step, FileReview.objects.all(), review.pk)
        if review.status == ReviewStatus.scored:
            raise ActionError("本案卷已评查。", kind="conflict")
        review.scores = result.rows
        review.total = result.total
        review.grade = result.grade
        review.pass_mark = values.review_pass_mark
        review.policy_since = values.effective_from
        review.comments = comments.strip()
        review.status = ReviewStatus.scored
        review.scored_at = timezone.now()
        review.save()
        rescored = _rescored(review.case, "案卷评查")
        audit.record(
            actor,
            "review.score",
            review,
            case=review.case,
            data={"total": result.total, "grade": result.grade},
        )
        _record_rescored(actor, review.case, review, rescored)
    return review


@action
def do_assign_second_review(review: FileReview, actor: AnyUser, reviewer: User) -> FileReview:
    """A failed file (不合格) is reviewed again by another reviewer (第十三条): not the first
    reviewer, and eligible by `reviewer_refusal`."""
    require(actor, "assign_reviewer", review.case)
    if review.status != ReviewStatus.scored or review.grade != "不合格":
        raise ActionError("只有评为不合格的案卷需要复评。", kind="conflict")
    if reviewer.pk == review.reviewer_id:
        raise ActionError("复评须由另一名评查人进行。", "reviewer")
    why = reviewer_refusal(review.case, reviewer)
    if why:
        raise ActionError(why, "reviewer")
    with transaction.atomic():
        locks.case(review.case)
        if review.second_reviews.exists():
            raise ActionError("本案卷已指定复评人。", kind="conflict")
        second = FileReview.objects.create(
            round=review.round,
            case=review.case,
            reviewer=reviewer,
            second_of=review,
            assigned_by_id=user_id(actor),
            assigned_at=timezone.now(),
        )
        audit.record(
            actor,
            "review.assign_second",
            second,
            case=review.case,
            data={"reviewer": reviewer.get_username()},
        )
    return second


def final_review(case: Case) -> FileReview | None:
    """The file's result: its latest scored review (a second review stands over the first)."""
    return (
        FileReview.objects.filter(case=case, status=ReviewStatus.scored)
        .order_by("-scored_at", "-id")
        .first()
    )


# ---------------------------------------------------------------------------------------------
# 回访受援人 (第十三条；法律援助法第五十九条)


@action
def do_record_visit_attempt(
    case: Case,
    actor: AnyUser,
    method: str,
    outcome: str,
    note: str = "",
    satisfaction: int | None = None,
    comments: str = "",
    at: datetime | None = None,
) -> ReturnVisit:
    """One attempt to reach the aided person of a closed case (when, how, outcome). Reached: the
    5-point satisfaction is required and the visit is done."""
    require(actor, "record_return_visit", case)
    if case.status != CaseStatus.closed:
        raise ActionError("只回访已结案件。", kind="conflict")
    if method not in VisitMethod.values:
        raise ActionError("回访方式应为电话或当面。", "method")
    if outcome not in AttemptOutcome.values:
        raise ActionError("请选择回访结果。", "outcome")
    reached = outcome == AttemptOutcome.reached
    if reached and (satisfaction is None or not 1 <= int(satisfaction) <= 5):
        raise ActionError("联系上受援人的，请记录 1 至 5 分的满意度。", "satisfaction")
    with transaction.atomic():
        case = locks.case(case)
        visit, _ = ReturnVisit.objects.get_or_create(case=case)
        if visit.status != VisitStatus.open:
            raise ActionError("本案回访已完成。", kind="conflict")
        attempt = VisitAttempt.objects.create(
            visit=visit,
            at=at or timezone.now(),
            method=method,
            outcome=outcome,
            note=note.strip(),
            by_id=user_id(actor),
        )
        if reached:
            visit.status = VisitStatus.reached
            visit.satisfaction = int(satisfaction or 0)
            visit.comments = comments.strip()
            visit.closed_by_id = user_id(actor)
            visit.closed_at = timezone.now()
            visit.save()
        rescored = _rescored(case, "回访受援人") if reached else []
        audit.record(
            actor,
            "visit.attempt",
            attempt,
            case=case,
            data={"outcome": outcome, "method": method, "satisfaction": satisfaction},
        )
        _record_rescored(actor, case, attempt, rescored)
    return visit


@action
def do_mark_unreachable(case: Case, actor: AnyUser, note: str) -> ReturnVisit:
    """回访: the aided person could not be reached; recorded as such, after at least one attempt
    (the attempts stay on the visit)."""
    require(actor, "record_return_visit", case)
    with transaction.atomic():
        case = locks.case(case)
        visit = ReturnVisit.objects.filter(case=case).first()
        if visit is None or not visit.attempts.exists():
            raise ActionError("请先记录至少一次回访尝试。", kind="conflict")
        if visit.status != VisitStatus.open:
            raise ActionError("本案回访已完成。", kind="conflict")
        visit.status = VisitStatus.unreachable
        visit.comments = note.strip()
        visit.closed_by_id = user_id(actor)
        visit.closed_at = timezone.now()
        visit.save()
        audit.record(
            actor, "visit.unreachable", visit, case=case, data={"attempts": visit.attempts.count()}
        )
    return visit


# ---------------------------------------------------------------------------------------------
# 征询司法机关意见、庭审旁听 (法律援助法第五十九条)


@action
def do_record_organ_opinion(case: Case, actor: AnyUser, rating: str, opinion: str) -> OrganOpinion:
    """The judicial organ's opinion of how a case it sent was handled (法律援助法第五十九条：
    征询司法机关意见); only on its own cases (`visible_cases`)."""
    profile = require(actor, "record_organ_opinion", case)
    if not profile.organ_id or case.organ_id != profile.organ_id:
        raise ActionError("只能对本机关通知的案件填写意见。", kind="forbidden")
    if rating not in OpinionRating.values:
        raise ActionError("请选择评价。", "rating")
    if not opinion.strip():
        raise ActionError("请填写意见。", "opinion")
    with transaction.atomic():
        case = locks.case(case)
        row = OrganOpinion.objects.create(
            case=case,
            organ_id=profile.organ_id,
            rating=rating,
            opinion=opinion.strip(),
            by_id=user_id(actor),
            at=timezone.now(),
        )
        rescored = _rescored(case, "办案机关评价")
        audit.record(actor, "opinion.record", row, case=case, data={"rating": rating})
        _record_rescored(actor, case, row, rescored)
    return row


@action
def do_record_court_attendance(
    case: Case, actor: AnyUser, attended_on: date, court: str, notes: str
) -> CourtAttendance:
    """庭审旁听 (法律援助法第五十九条): a supervisor's notes of a hearing of the case."""
    require(actor, "record_court_attendance", case)
    if not court.strip() or not notes.strip():
        raise ActionError("请填写法庭和旁听记录。", "notes" if court.strip() else "court")
    if attended_on > _today():
        raise ActionError("旁听日期不能晚于今天。", "attended_on")
    with transaction.atomic():
        case = locks.case(case)
        row = CourtAttendance.objects.create(
            case=case,
            attended_on=attended_on,
            court=court.strip(),
            notes=notes.strip(),
            by_id=user_id(actor),
            at=timezone.now(),
        )
        audit.record(actor, "attendance.record", row, case=case)
    return row


# ---------------------------------------------------------------------------------------------
# 投诉 (法律援助法第五十五、五十六条)


def _new_complaint(
    center: Center,
    actor: AnyUser | None,
    channel: str,
    name: str,
    phone: str,
    case_number: str,
    what: str,
) -> Complaint:
    for field, value in (("name", name), ("phone", phone), ("what", what)):
        if not value.strip():
            raise ActionError("此项必填。", field)
    now = timezone.now()
    days = values_for(center).complaint_answer_days
    number = case_number.strip()
    case = Case.objects.filter(center=center, number=number).first() if number else None
    with transaction.atomic():
        row = Complaint.objects.create(
            center=center,
            case=case,
            case_number=number,
            name=name.strip(),
            phone=phone.strip(),
            what=what.strip(),
            channel=channel,
            received_at=now,
            due_at=now + timedelta(days=days),
            recorded_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
        )
        audit.record(
            actor,
            "complaint.receive",
            row,
            case=case,
            data={"channel": channel, "case_found": case is not None, "answer_days": days},
        )
    return row


@action
def do_public_complaint(
    center: Center, name: str, phone: str, case_number: str, what: str
) -> Complaint:
    """法律援助法第五十五条：…受援人可以向司法行政部门投诉. From the public page (no login; the
    page checks CSRF, the rate limit and the human check before calling this). Routed to the
    bureau; answered within `complaint.answer_days` (第五十六条)."""
    # Someone not signed in (the audit log's 公众（未登录）).
    anyone = AnonymousUser()
    return _new_complaint(center, anyone, ComplaintChannel.public, name, phone, case_number, what)


@action
def do_counter_complaint(
    center: Center, actor: AnyUser, name: str, phone: str, case_number: str, what: str
) -> Complaint:
    """A complaint made at the center's counter (法律援助法第五十五条), entered by an officer."""
    profile = require(actor, "record_complaint")
    if profile.center_id != center.pk:
        raise ActionError("只能登记本中心的投诉。", kind="forbidden")
    return _new_complaint(center, actor, ComplaintChannel.counter, name, phone, case_number, what)


def visible_complaints(user: AnyUser) -> object:
    """The complaints of the user's center, for those who may answer or see supervision."""
    profile = profile_of(user)
    if profile is None:
        return Complaint.objects.none()
    return Complaint.objects.filter(center_id=profile.center_id)


@action
def do_answer_complaint(
    complaint: Complaint,
    actor: AnyUser,
    answer: str,
    change_handler: bool = False,
    consent: bool = False,
    mode: str = "same_institution",
) -> Complaint:
    """法律援助法第五十六条：接到投诉后…调查处理，并及时向投诉人告知处理结果. The bureau answers;
    第五十五条 lets the aided person ask for another handler, so the answer may open a handler
    change request (第十二条：征得受援人同意后报区法律援助中心批准) through
    `do_request_handler_change`, with the complainant's consent recorded."""
    profile = require(actor, "answer_complaint", complaint.case)
    if profile.center_id != complaint.center_id:
        raise ActionError("只能答复本中心的投诉。", kind="forbidden")
    if not answer.strip():
        raise ActionError("请填写答复。", "answer")
    if change_handler and complaint.case is None:
        raise ActionError("投诉未对应到案件，不能据此更换承办人。", "change_handler")
    if change_handler and not consent:
        raise ActionError("更换承办人须征得受援人同意（第十二条）。", "consent")
    with transaction.atomic():
        # The lock order (fayuan.locks): the case, then the complaint; the handler change names
        # the held case again.
        if complaint.case is not None:
            locks.case(complaint.case)
        row = locks.take_one(locks.Rank.step, Complaint.objects.all(), complaint.pk)
        if row.status != ComplaintStatus.open:
            raise ActionError("本投诉已答复。", kind="conflict")
        change = None
        if change_handler:
            assert complaint.case is not None
            change = do_request_handler_change(
                complaint.case,
                actor,
                reason=f"受援人投诉：{complaint.what[:200]}",
                consent=consent,
                mode=mode,
            )
        row.answer = answer.strip()
        row.answered_by_id = user_id(actor)
        row.answered_at = timezone.now()
        row.status = ComplaintStatus.answered
        row.consent = consent
        row.handler_change = change
        row.save()
        audit.record(
            actor,
            "complaint.answer",
            row,
            case=row.case,
            data={
                "late": row.answered_at > row.due_at,
                "handler_change": change.pk if change else None,
                "consent": consent,
            },
        )
    return row


# ---------------------------------------------------------------------------------------------
# 办案质量评分 (第九条)


@action
def do_refresh_quality(center: Center, actor: AnyUser | None = None) -> list[QualityAssessment]:
    """Every practitioner's and institution's quality score of `center` computed again today:
    records leave the trailing window as days pass. Daily (`fayuan.refresh_quality`) and from
    `fayuan manage quality`. Only ever today: the rules use what it writes. The changed
    scores, audited."""
    with transaction.atomic():
        rows = quality.refresh(center, "每日更新")
        audit.record(
            actor,
            "quality.refresh",
            center,
            data={
                "as_of": quality.today().isoformat(),
                "changed": [
                    {
                        "practitioner": r.practitioner.code if r.practitioner else None,
                        "institution": r.institution.code if r.institution else None,
                        "value": r.value,
                    }
                    for r in rows
                ],
            },
        )
    return rows
