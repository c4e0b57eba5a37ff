"""第九条：区法律援助中心应结合案件承办人办案质量、受援人回访满意度、办案机关评价等情况，适时向
案件承办机构提出指派建议 — the advice notice (《法律援助案件指派建议书》).

The director issues it to an institution about one of its practitioners (or about the
institution itself) when the current quality score calls for it (`quality.calls_for_advice`:
below the policy's `quality.advice_threshold`, on at least `quality.advice_min_records`
records); it answers that one assessment, so a second notice waits for a new score. The
institution's admin confirms receipt, optionally with a reply. Each is one audit event, written
in the action's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fayuan import locks
from fayuan.accounts.access import AnyUser, require, user_id
from fayuan.accounts.models import Role
from fayuan.audit.log import record
from fayuan.errors import ActionError
from fayuan.locks import action
from fayuan.policy.params import SupervisionValues
from fayuan.roster.models import Center, Institution, Practitioner
from fayuan.supervision import quality
from fayuan.supervision.actions import values_for
from fayuan.supervision.models import QualityAdvice, QualityAssessment

Subject = Practitioner | Institution

REGULATION = "《重庆市北碚区法律援助案件指派工作制度（试行）》"
ARTICLE = "第九条"
#: 第九条's sentence the notice rests on.
BASIS = (
    "区法律援助中心应结合案件承办人办案质量、受援人回访满意度、办案机关评价等情况，"
    "适时向案件承办机构提出指派建议，并定期向区司法局反馈情况。"
)
TEXT_LIMIT = 2000
REPLY_LIMIT = 1000


def institution_of(subject: Subject) -> Institution:
    return subject.institution if isinstance(subject, Practitioner) else subject


def subject_label(subject: Subject) -> str:
    """承办人 王律师（L013） / 承办机构 重庆某律师事务所（F04）."""
    kind = "承办人" if isinstance(subject, Practitioner) else "承办机构"
    return f"{kind}{subject.name}（{subject.code}）"


def default_text(subject: Subject, row: QualityAssessment, values: SupervisionValues) -> str:
    """The advice the form starts with; the director may change it."""
    threshold = f"{values.quality_advice_threshold:g}"
    if isinstance(subject, Practitioner):
        advice = (
            f"建议贵机构加强案件质量管理，督促{subject.name}针对案卷评查、回访和办案机关评价中"
            "反映的问题改进办案工作；在其评分回升前，安排其他承办人办理本中心新指派的法律援助案件。"
        )
    else:
        advice = (
            "建议贵机构加强对承办人员办理法律援助案件的质量管理和指导，针对案卷评查、回访和办案"
            "机关评价中反映的问题认真整改，并将整改情况反馈本中心。"
        )
    # The notice states the score, its date and computation and the basis around the advice;
    # the advice itself names the score once, briefly.
    assert row.value is not None
    return f"鉴于{subject_label(subject)}评分 {row.value:.1f} 分、低于 {threshold} 分，{advice}"


def advice_refusal(row: QualityAssessment | None, values: SupervisionValues) -> str:
    """Why the current score does not call for advice, or "" when it does."""
    threshold = f"{values.quality_advice_threshold:g}"
    if row is None or row.value is None:
        return "没有计算出的办案质量评分（无评查、回访或评价记录），不能提出指派建议。"
    if row.records < values.quality_advice_min_records:
        return (
            f"当前评分 {row.value:.1f} 分仅依据 {row.records} 条记录，少于"
            f" {values.quality_advice_min_records} 条，尚不足以提出指派建议。"
        )
    if not quality.calls_for_advice(row, values):
        return (
            f"当前评分 {row.value:.1f} 分（{row.as_of.isoformat()}）不低于 {threshold} 分，"
            "无需提出指派建议。"
        )
    return ""


def _locked(subject: Subject) -> Subject:
    """The subject's row, locked (its score is kept in the same lock: `quality.refresh`)."""
    if isinstance(subject, Practitioner):
        (row,) = locks.quality_scores(Practitioner.objects.filter(pk=subject.pk))
        return row
    return locks.institution(subject)


@action
def do_issue_advice(subject: Subject, actor: AnyUser, text: str) -> QualityAdvice:
    """第九条: the director's advice to the subject's institution, on its current score."""
    profile = require(actor, "view_supervision")
    if profile.role != Role.director:
        raise ActionError("只有法律援助中心负责人可以提出指派建议。", kind="forbidden")
    if profile.center_id != subject.center_id:
        raise ActionError("只能对本中心名册上的承办人或承办机构提出指派建议。", kind="forbidden")
    text = (text or "").strip()
    if not text:
        raise ActionError("请填写建议内容。", "text")
    if len(text) > TEXT_LIMIT:
        raise ActionError(f"建议内容过长（不得超过 {TEXT_LIMIT} 个字符）。", "text")
    with transaction.atomic():
        locked = _locked(subject)
        values = values_for(locked.center)
        row = quality.current(locked)
        refusal = advice_refusal(row, values)
        if refusal:
            raise ActionError(refusal, kind="conflict")
        assert row is not None
        earlier = QualityAdvice.objects.filter(assessment=row).first()
        if earlier is not None:
            raise ActionError(
                f"已于 {timezone.localtime(earlier.issued_at):%Y-%m-%d} 就这一评分提出过指派建议，"
                "评分更新后才能再次提出。",
                kind="conflict",
            )
        institution = institution_of(locked)
        advice = QualityAdvice.objects.create(
            center=locked.center,
            institution=institution,
            practitioner=locked if isinstance(locked, Practitioner) else None,
            assessment=row,
            text=text,
            issued_by_id=user_id(actor),
            issued_at=timezone.now(),
        )
        record(
            actor,
            "quality.advice_issue",
            advice,
            data={
                "institution": institution.code,
                "practitioner": locked.code if isinstance(locked, Practitioner) else None,
                "value": row.value,
                "as_of": row.as_of.isoformat(),
                "records": row.records,
                "formula": row.formula,
                "threshold": values.quality_advice_threshold,
            },
        )
    return advice


@action
def do_acknowledge_advice(advice: QualityAdvice, actor: AnyUser, reply: str = "") -> QualityAdvice:
    """The institution's admin confirms receipt of an advice addressed to its institution."""
    profile = require(actor, "view_case")
    if profile.role != Role.institution_admin or profile.institution_id != advice.institution_id:
        raise ActionError("只有收到建议的承办机构管理员可以确认收到。", kind="forbidden")
    reply = (reply or "").strip()
    if len(reply) > REPLY_LIMIT:
        raise ActionError(f"回复过长（不得超过 {REPLY_LIMIT} 个字符）。", "reply")
    with transaction.atomic():
        locks.institution(advice.institution)
        current = QualityAdvice.objects.get(pk=advice.pk)
        if current.acknowledged_at is not None:
            raise ActionError("本建议已确认收到。", kind="conflict")
        current.acknowledged_by_id = user_id(actor)
        current.acknowledged_at = timezone.now()
        current.reply = reply
        current.save(update_fields=["acknowledged_by", "acknowledged_at", "reply"])
        record(
            actor,
            "quality.advice_acknowledge",
            current,
            data={"institution": current.institution.code, "reply": reply[:200]},
        )
    return current


@dataclass(frozen=True)
class Awaiting:
    """A practitioner or institution whose current score calls for advice not yet issued."""

    subject: Subject
    assessment: QualityAssessment


def awaiting_advice(center: Center) -> list[Awaiting]:
    """The director's to-do: every current score of the center that calls for advice and has
    none issued since (practitioners first, by code; then institutions)."""
    values = values_for(center)
    rows = QualityAssessment.objects.filter(center=center).select_related(
        "practitioner__institution", "institution"
    )
    people = quality.latest_by(rows.filter(practitioner__isnull=False), "practitioner_id")
    places = quality.latest_by(rows.filter(institution__isnull=False), "institution_id")
    latest = [*people.values(), *places.values()]
    due = [row for row in latest if quality.calls_for_advice(row, values)]
    answered = set(
        QualityAdvice.objects.filter(assessment__in=due).values_list("assessment_id", flat=True)
    )
    out: list[Awaiting] = []
    for row in due:
        if row.pk in answered:
            continue
        subject = row.practitioner or row.institution
        assert subject is not None
        out.append(Awaiting(subject, row))
    out.sort(key=lambda a: (isinstance(a.subject, Institution), a.subject.code))
    return out
