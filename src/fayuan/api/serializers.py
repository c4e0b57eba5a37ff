"""Models to the API's output: what each reader may see, masked where the rules say so.

The callers fetch what these read with `select_related` / `prefetch_related` (`CASE_RELATED`,
`CASE_PREFETCH`), so a list of cases costs a fixed number of queries, not one per row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from fayuan.cases.models import Case, CaseStatus, Party, PartyRole
from fayuan.identity import mask_id_number, mask_name, mask_phone
from fayuan.policy.approval import ROUTE_ZH
from fayuan.policy.approval import Route as PolicyRoute
from fayuan.policy.decision import RULE_ZH, Rule
from fayuan.policy.recusal import RECUSAL_DECIDER_ZH, RecusalDecider
from fayuan.roster.models import Institution
from fayuan.workflow.models import (
    Approval,
    Assignment,
    EngineProposal,
    Handler,
    HandlerChange,
    OfficerProposal,
    Recusal,
)

CASE_RELATED = ("locality", "institution", "organ")
CASE_PREFETCH = (
    Prefetch("parties", queryset=Party.objects.order_by("id")),
    Prefetch(
        "handlers",
        queryset=Handler.objects.filter(active=True).select_related("practitioner").order_by("id"),
        to_attr="active_handlers",
    ),
    Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(current=True),
        to_attr="current_assignments",
    ),
)

#: Statuses in which the 第六条 clock is still running.
AWAITING_ASSIGNMENT = (
    CaseStatus.granted,
    CaseStatus.proposed,
    CaseStatus.discussed,
    CaseStatus.reported,
    CaseStatus.unassignable,
)

SOURCE_ZH = {"application": "公民申请", "notification": "办案机关通知"}

#: How the notice names the reason an institution was chosen (`Assignment.rule`).
ASSIGNMENT_RULE_ZH: dict[str, str] = {
    **{rule.value: text for rule, text in RULE_ZH.items()},
    "override": "中心指定（与系统建议不同，已记录理由）",
}


def local(moment: datetime | None) -> datetime | None:
    """Times leave the API in China Standard Time (DESIGN.md: Asia/Shanghai at the edges)."""
    return timezone.localtime(moment) if moment is not None else None


def rule_zh(rule: str) -> str:
    return ASSIGNMENT_RULE_ZH.get(rule, rule or "无")


def route_zh(route: str) -> str:
    try:
        return ROUTE_ZH[PolicyRoute(route)]
    except ValueError:
        return route


def institution_ref(institution: Institution | None) -> dict[str, Any] | None:
    if institution is None:
        return None
    return {"code": institution.code, "name": institution.name, "phone": institution.phone or None}


def _duration_zh(seconds: int) -> str:
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} 天")
    if hours:
        parts.append(f"{hours} 小时")
    if not days and (mins or not parts):
        parts.append(f"{mins} 分钟")
    text = " ".join(parts)
    return f"剩余 {text}" if seconds >= 0 else f"已超过指派期限 {text}"


def time_left(case: Case, now: datetime) -> tuple[int | None, str | None, bool]:
    """(seconds to the deadline, in Chinese, overdue) while the case awaits assignment."""
    if case.due_at is None or case.status not in AWAITING_ASSIGNMENT:
        return None, None, False
    seconds = int((case.due_at - now).total_seconds())
    return seconds, _duration_zh(seconds), seconds < 0


def party(p: Party, masked: bool) -> dict[str, Any]:
    if masked:
        return {
            "role": p.role,
            "name": mask_name(p.name),
            "id_number": mask_id_number(p.id_number),
            "phone": mask_phone(p.phone),
            "address": "",
            "is_applicant": p.is_applicant,
        }
    return {
        "role": p.role,
        "name": p.name,
        "id_number": p.id_number,
        "phone": p.phone,
        "address": p.address,
        "is_applicant": p.is_applicant,
    }


def _current_assignment(case: Case) -> Assignment | None:
    current: list[Assignment] | None = getattr(case, "current_assignments", None)
    if current is None:
        return case.assignments.filter(current=True).first()
    return current[0] if current else None


def _handlers(case: Case) -> list[Handler]:
    handlers: list[Handler] | None = getattr(case, "active_handlers", None)
    if handlers is None:
        return list(case.handlers.filter(active=True).select_related("practitioner").order_by("id"))
    return handlers


def case_status(case: Case, now: datetime) -> dict[str, Any]:
    seconds, left_zh, overdue = time_left(case, now)
    assignment = _current_assignment(case)
    return {
        "number": case.number,
        "status": case.status,
        "status_zh": case.get_status_display(),
        "category": case.category,
        "category_zh": case.get_category_display(),
        "source": case.source,
        "source_zh": SOURCE_ZH.get(case.source, case.source),
        "aided_persons": case.aided_persons,
        "locality": case.locality.name,
        "organ": case.organ.name if case.organ else None,
        "letter_number": case.letter_number or None,
        "letter_received_at": local(case.letter_received_at),
        "granted_at": local(case.granted_at),
        "started_at": local(case.started_at),
        "due_at": local(case.due_at),
        "local_due_at": local(case.local_due_at),
        "statutory_due_at": local(case.statutory_due_at),
        "due_provisional": case.due_provisional,
        "limits_provisional": case.limits_provisional,
        "time_left_seconds": seconds,
        "time_left_zh": left_zh,
        "overdue": overdue,
        "assigned_at": local(case.assigned_at),
        "assigned_late": assignment.late if assignment else None,
        "institution": institution_ref(case.institution),
        "handlers": [
            {
                "code": h.practitioner.code,
                "name": h.practitioner.name,
                "kind": h.practitioner.kind,
                "phone": h.practitioner.phone or None,
            }
            for h in _handlers(case)
        ],
        "notice_number": assignment.notice_number if assignment else None,
        "agreement_signed_on": case.agreement_signed_on,
        "handler_changes": case.handler_changes,
        "closed_at": local(case.closed_at),
        "outcome": case.outcome or None,
    }


def case_detail(case: Case, now: datetime, masked: bool) -> dict[str, Any]:
    return {
        **case_status(case, now),
        "personal_data_masked": masked,
        "parties": [party(p, masked) for p in case.parties.all()],
    }


def case_list_item(case: Case, now: datetime) -> dict[str, Any]:
    seconds, _, overdue = time_left(case, now)
    return {
        "number": case.number,
        "status": case.status,
        "status_zh": case.get_status_display(),
        "category": case.category,
        "category_zh": case.get_category_display(),
        "source": case.source,
        "aided_persons": case.aided_persons,
        "locality": case.locality.name,
        "due_at": local(case.due_at),
        "due_provisional": case.due_provisional,
        "time_left_seconds": seconds,
        "overdue": overdue,
        "institution": institution_ref(case.institution),
        "parties": [party(p, masked=True) for p in case.parties.all()],
        "created_at": local(case.created_at),
    }


def aided_names(case: Case) -> list[str]:
    return [p.name for p in case.parties.all() if p.role == PartyRole.aided]


def engine_proposal(e: EngineProposal) -> dict[str, Any]:
    return {
        "id": e.pk,
        "status": e.status,
        "rule": e.rule,
        "rule_zh": RULE_ZH[Rule(e.rule)] if e.rule in Rule.__members__ else "无可指派机构",
        "institution": institution_ref(e.institution),
        "route": e.route,
        "route_zh": route_zh(e.route),
        "handlers_required": e.handlers_required,
        "due_at": local(e.due_at),
        "due_provisional": e.due_provisional,
        "decision": e.decision,
        "explanation": e.explanation,
        "created_at": local(e.created_at),
    }


def approval(a: Approval) -> dict[str, Any]:
    return {
        "id": a.pk,
        "proposal": a.proposal_id,
        "step": a.step,
        "step_zh": a.get_step_display(),
        "actor": a.actor.get_username(),
        "approved": a.approved,
        "reason": a.reason,
        "held_on": a.held_on,
        "participants": [str(p) for p in a.participants],
        "conclusion": a.conclusion,
        "document_number": a.document_number,
        "at": local(a.at),
        "proposal_status": a.proposal.status,
        "case_status": a.proposal.case.status,
    }


def proposal(p: OfficerProposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "case": p.case.number,
        "status": p.status,
        "status_zh": p.get_status_display(),
        "institution": institution_ref(p.institution),
        "differs_from_engine": p.differs_from_engine,
        "override_reason": p.override_reason,
        "opinion": p.opinion,
        "route": p.route,
        "route_zh": route_zh(p.route),
        "officer": p.officer.get_username(),
        "engine": engine_proposal(p.engine_proposal),
        "approvals": [
            approval(a) for a in p.approvals.select_related("actor").order_by("at", "id")
        ],
        "created_at": local(p.created_at),
    }


def assignment(a: Assignment) -> dict[str, Any]:
    number = a.case.number
    return {
        "id": a.pk,
        "case": number,
        "notice_number": a.notice_number,
        "institution": institution_ref(a.institution),
        "rule": a.rule,
        "issued_at": local(a.issued_at),
        "due_at": local(a.due_at),
        "due_provisional": a.due_provisional,
        "late": a.late,
        "handlers_required": a.handlers_required,
        "notice_pdf": reverse("api:case_notice_pdf", kwargs={"number": number}),
        "notice_docx": reverse("api:case_notice_docx", kwargs={"number": number}),
    }


def handler_change(c: HandlerChange) -> dict[str, Any]:
    return {
        "id": c.pk,
        "case": c.case.number,
        "number": c.number,
        "status": c.status,
        "status_zh": c.get_status_display(),
        "mode": c.mode,
        "route": c.route,
        "reason": c.reason,
        "consent": c.consent,
        "explanation": c.explanation,
        "decision": c.decision,
        "new_assignment": assignment(c.new_assignment) if c.new_assignment else None,
    }


def recusal(r: Recusal) -> dict[str, Any]:
    return {
        "id": r.pk,
        "case": r.case.number,
        "staff": r.staff.get_username(),
        "grounds": [str(g) for g in r.grounds],
        "flagged_by_system": r.flagged_by_system,
        "decider_body": r.decider_body,
        "decider_zh": RECUSAL_DECIDER_ZH[RecusalDecider(r.decider_body)],
        "status": r.status,
        "status_zh": r.get_status_display(),
        "decision_reason": r.decision_reason,
    }
