"""The review of a citizen's application (审查, 法律援助法第四十三条): deny it with reasons, or ask
the applicant for missing material and resume when it arrives. (Granting aid is
`fayuan.cases.actions.do_grant_aid`.)

法律援助法第四十三条：法律援助机构应当自收到法律援助申请之日起七日内进行审查，作出是否给予
法律援助的决定……决定不给予法律援助的，应当书面告知申请人，并说明理由。申请人提交的申请材料
不齐全的，法律援助机构应当一次性告知申请人需要补充的材料或者要求申请人作出说明。
《办理法律援助案件程序规定》（2023）第十五条：申请人补充材料、作出说明所需的时间不计入审查期限.
法律援助法第四十九条：申请人对不予法律援助的决定有异议的，可以向设立该法律援助机构的司法行政
部门提出 (the refusal letter says so, `fayuan.documents.refusal`).

Every write is a `do_*` action (`fayuan.locks.action`): one transaction with its audit event,
the case locked; a refusal of the action writes nothing. Who may act: the ones who may grant
aid (`grant_aid`), the same decision's other outcomes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from fayuan import locks
from fayuan.accounts.access import AnyUser, require
from fayuan.audit import log as audit
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError
from fayuan.locks import action
from fayuan.policy.deadlines import local_date
from fayuan.policy.review import paused_time, resumed_deadline
from fayuan.roster.models import Center
from fayuan.status import notify
from fayuan.workflow.recusal import ensure_not_recused

#: The statuses of an application under review (法律援助法第四十三条).
UNDER_REVIEW = (CaseStatus.intake, CaseStatus.awaiting_material)

REASON_MAX = 4000
MATERIAL_MAX = 4000


def refusal_prefix(center: Center) -> str:
    """The letter number's prefix: the center's notice prefix with 不援 for 指 (北碚法援指 →
    北碚法援不援), else the prefix (or the center's code) with 不援 added."""
    base = (center.notice_prefix or "").strip() or center.code.upper()
    if base.endswith("指"):
        base = base[:-1]
    return f"{base}不援"


def refusal_number(center: Center, year: int, seq: int) -> str:
    """北碚法援不援〔2026〕3号."""
    return f"{refusal_prefix(center)}〔{year}〕{seq}号"


def next_refusal_number(center: Center, on: datetime) -> str:
    """The next 《不予法律援助决定书》 number of the center and year: one more than the letters of
    that year already numbered, so without gaps or repeats. The caller holds the center lock
    (`fayuan.locks.center`) in the same transaction, so two refusals are numbered one after the
    other, and a rolled-back refusal gives its number back."""
    year = local_date(on).year
    head = f"{refusal_prefix(center)}〔{year}〕"
    taken = Case.objects.filter(center=center, refusal_number__startswith=head).count()
    return refusal_number(center, year, taken + 1)


def _status_error(case: Case, what: str) -> ActionError:
    return ActionError(
        f"案件当前状态为“{case.get_status_display()}”，不能{what}。", kind="conflict"
    )


def _check_application(case: Case, what: str, statuses: tuple[str, ...]) -> None:
    if case.source != "application":
        raise ActionError(
            f"本案由司法机关通知（{case.get_source_display()}），无需审查，不能{what}。",
            kind="conflict",
        )
    if case.status not in statuses:
        raise _status_error(case, what)


def _add_pause(case: Case, requested: datetime, received: datetime) -> timedelta:
    """程序规定第十五条：the wait from `requested` to `received` is not counted: added to
    `review_paused`, and the review deadline moves later by as much. Returns the wait."""
    waited = paused_time(requested, received)
    case.review_paused = (case.review_paused or timedelta(0)) + waited
    if case.review_due_at is not None:
        case.review_due_at = resumed_deadline(case.review_due_at, requested, received)
    return waited


@action
def do_refuse_aid(case: Case, actor: AnyUser, reason: str, at: datetime | None = None) -> Case:
    """法律援助法第四十三条：决定不给予法律援助的，应当书面告知申请人，并说明理由.

    The case becomes `refused`, with the time, who decided, the reasons and the letter's number
    (`next_refusal_number`); the letter itself is `fayuan.documents.refusal`. Locks: center (the
    number) → case → audit head."""
    require(actor, "grant_aid", case)
    ensure_not_recused(actor, case)
    reason = reason.strip()
    if not reason:
        raise ActionError(
            "须写明不予法律援助的理由（法律援助法第四十三条：应当书面告知申请人，并说明理由）。",
            "reason",
        )
    if len(reason) > REASON_MAX:
        raise ActionError(f"理由最多 {REASON_MAX} 字，现有 {len(reason)} 字。", "reason")
    _check_application(case, "决定不予法律援助", UNDER_REVIEW)
    moment = at or timezone.now()
    locks.center(case.center)
    case = locks.case(case)
    _check_application(case, "决定不予法律援助", UNDER_REVIEW)  # another decision won the race
    if case.status == CaseStatus.awaiting_material and case.material_requested_at is not None:
        # The wait ends with the decision; it stays out of the review period (程序规定第十五条).
        _add_pause(case, case.material_requested_at, moment)
    case.refusal_number = next_refusal_number(case.center, moment)
    case.refused_at = moment
    case.refused_by = actor  # type: ignore[assignment]
    case.refusal_reason = reason
    case.status = CaseStatus.refused
    case.save(
        update_fields=[
            "refusal_number",
            "refused_at",
            "refused_by",
            "refusal_reason",
            "status",
            "review_paused",
            "review_due_at",
        ]
    )
    audit.record(
        actor,
        "case.refuse_aid",
        case,
        case=case,
        data={
            "number": case.refusal_number,
            "at": moment.isoformat(),
            "reason": reason,
            "late": bool(case.review_due_at and moment > case.review_due_at),
        },
    )
    notify.aid_refused(case)  # SMS to the applicant after commit (issue 9)
    return case


@action
def do_request_material(case: Case, actor: AnyUser, what: str, at: datetime | None = None) -> Case:
    """法律援助法第四十三条：申请人提交的申请材料不齐全的，应当一次性告知申请人需要补充的材料
    或者要求申请人作出说明. Until the material arrives the review period stands still
    (程序规定第十五条): `do_material_received` moves it on by the time waited."""
    require(actor, "grant_aid", case)
    ensure_not_recused(actor, case)
    what = what.strip()
    if not what:
        raise ActionError(
            "须一次性写明申请人需要补充的全部材料或需要作出的说明（法律援助法第四十三条）。",
            "what",
        )
    if len(what) > MATERIAL_MAX:
        raise ActionError(f"最多 {MATERIAL_MAX} 字，现有 {len(what)} 字。", "what")
    _check_application(case, "要求补充材料", (CaseStatus.intake,))
    moment = at or timezone.now()
    case = locks.case(case)
    _check_application(case, "要求补充材料", (CaseStatus.intake,))
    case.status = CaseStatus.awaiting_material
    case.material_requested_at = moment
    case.material_requested = what
    case.save(update_fields=["status", "material_requested_at", "material_requested"])
    audit.record(
        actor,
        "case.request_material",
        case,
        case=case,
        data={"at": moment.isoformat(), "what": what},
    )
    return case


@action
def do_material_received(case: Case, actor: AnyUser, at: datetime | None = None) -> Case:
    """程序规定第十五条：申请人补充材料所需的时间不计入审查期限. The case is back under review;
    the time since the request is added to `review_paused` and the review deadline moves later
    by as much."""
    require(actor, "grant_aid", case)
    ensure_not_recused(actor, case)
    _check_application(case, "登记补齐材料", (CaseStatus.awaiting_material,))
    moment = at or timezone.now()
    case = locks.case(case)
    _check_application(case, "登记补齐材料", (CaseStatus.awaiting_material,))
    requested = case.material_requested_at or moment
    if moment < requested:
        raise ActionError("收到材料的时间不能早于要求补充材料的时间。", "at")
    waited = _add_pause(case, requested, moment)
    case.status = CaseStatus.intake
    case.save(update_fields=["status", "review_paused", "review_due_at"])
    audit.record(
        actor,
        "case.material_received",
        case,
        case=case,
        data={
            "at": moment.isoformat(),
            "waited_seconds": int(waited.total_seconds()),
            "review_due_at": case.review_due_at.isoformat() if case.review_due_at else None,
        },
    )
    return case
