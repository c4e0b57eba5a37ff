"""What awaits each person, most urgent first: the sections of the role's home page. Each
section is a query of the cases (or requests) in the state where this role acts next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from fayuan.abuse.views import badge as screening_badge
from fayuan.abuse.views import screening_url
from fayuan.accounts.access import profile_of, role_of, visible_cases
from fayuan.accounts.models import Role
from fayuan.cases.models import Case, CaseStatus
from fayuan.roster.models import Institution, Practitioner
from fayuan.supervision import advice as advising
from fayuan.supervision.models import QualityAdvice
from fayuan.web.lists import Column, _cells
from fayuan.web.ui import countdown, local
from fayuan.workflow.models import (
    HandlerChange,
    HandlerChangeStatus,
    OfficerProposal,
    ProposalStatus,
    Recusal,
    RecusalStatus,
    Route,
)
from fayuan.workflow.recusal import bodies_decided_by

LIMIT = 50


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list[dict[str, Any]]]
    more: int = 0


def quality_url(subject: Practitioner | Institution) -> str:
    kind = "practitioner" if isinstance(subject, Practitioner) else "institution"
    return f"/quality/scores/{kind}/{subject.code}/"


def _case_link(c: Case) -> str:
    return f"/cases/{c.number}/"


def _due_columns(due: str, label: str = "期限") -> list[Column]:
    return [
        Column(label, lambda c: local(getattr(c, due))),
        Column(
            "剩余",
            lambda c: countdown(getattr(c, due))[0],
            alert=lambda c: countdown(getattr(c, due))[1],
        ),
    ]


CASE_HEAD = [
    Column("案件编号", lambda c: c.number, link=_case_link),
    Column("类别", lambda c: c.get_category_display()),
    Column("状态", lambda c: c.get_status_display()),
]
# An online application screened as junk (fayuan.abuse): 可疑 with its reasons, in the
# officer's review queue, linked to the page that clears or confirms it.
SCREENING = Column(
    "可疑标记",
    lambda c: screening_badge(c.screening),
    link=lambda c: screening_url(c.number) if c.screening else "",
    alert=lambda c: bool(c.screening),
)


def _section(
    key: str, title: str, rows: QuerySet[Any] | list[Any], columns: list[Column]
) -> Section:
    found = list(rows[: LIMIT + 1])
    return Section(
        key,
        title,
        [c.header for c in columns],
        [_cells(r, columns) for r in found[:LIMIT]],
        more=max(0, len(found) - LIMIT),
    )


def _cases(user: Any) -> QuerySet[Case]:
    return visible_cases(user).select_related("institution", "locality")


def _proposal_cases(user: Any, statuses: list[str], route: str | None = None) -> QuerySet[Case]:
    proposals = OfficerProposal.objects.filter(status__in=statuses)
    if route:
        proposals = proposals.filter(route=route)
    return (
        _cases(user)
        .filter(pk__in=proposals.values("case_id"))
        .order_by(F("due_at").asc(nulls_last=True))
    )


def sections(user: Any) -> list[Section]:
    role = role_of(user)
    profile = profile_of(user)
    out: list[Section] = []
    if role is None or profile is None:
        return out
    if role is Role.officer:
        out.append(
            _section(
                "review",
                "待审查的申请（法律援助法第四十三条：7 日内决定）",
                _cases(user)
                .filter(status=CaseStatus.intake)
                .order_by(F("review_due_at").asc(nulls_last=True)),
                [*CASE_HEAD, *_due_columns("review_due_at", "审查期限"), SCREENING],
            )
        )
        out.append(
            _section(
                "material",
                "等待申请人补充材料（不计入审查期限）",
                _cases(user)
                .filter(status=CaseStatus.awaiting_material)
                .order_by("material_requested_at"),
                [
                    *CASE_HEAD,
                    Column("要求补充时间", lambda c: local(c.material_requested_at)),
                    Column("需补充的材料", lambda c: c.material_requested[:60]),
                ],
            )
        )
        out.append(
            _section(
                "propose",
                "待提出指派意见（第五、六条）",
                _cases(user)
                .filter(status__in=[CaseStatus.granted, CaseStatus.unassignable])
                .order_by(F("due_at").asc(nulls_last=True)),
                [*CASE_HEAD, *_due_columns("due_at", "指派期限")],
            )
        )
        out.append(
            _section(
                "issue",
                "已批准、待发出指派通知书",
                _proposal_cases(user, [ProposalStatus.approved]),
                [*CASE_HEAD, *_due_columns("due_at", "指派期限")],
            )
        )
    if role is Role.director:
        out.append(
            _section(
                "decide",
                "待您决定的指派意见（普通案件，第五条）",
                _proposal_cases(user, [ProposalStatus.pending], Route.director),
                [*CASE_HEAD, *_due_columns("due_at", "指派期限")],
            )
        )
        out.append(
            _section(
                "discuss",
                "重大疑难案件：待集体讨论或书面报请区司法局（第五条）",
                _proposal_cases(
                    user, [ProposalStatus.pending, ProposalStatus.discussed], Route.bureau
                ),
                [*CASE_HEAD, *_due_columns("due_at", "指派期限")],
            )
        )
    if role is Role.director:
        # 第九条: a score below the threshold with no advice issued since it was computed.
        out.append(
            _section(
                "quality_advice",
                "质量评分低于标准、待提出指派建议（第九条）",
                advising.awaiting_advice(profile.center),
                [
                    Column(
                        "承办人或承办机构",
                        lambda a: advising.subject_label(a.subject),
                        link=lambda a: quality_url(a.subject),
                    ),
                    Column("所属机构", lambda a: advising.institution_of(a.subject).name),
                    Column("质量评分", lambda a: f"{a.assessment.value:.1f}", alert=lambda a: True),
                    Column("评分日期", lambda a: a.assessment.as_of.isoformat()),
                    Column("记录数", lambda a: a.assessment.records),
                ],
            )
        )
    if role in (Role.bureau_section, Role.bureau_leader):
        out.append(
            _section(
                "bureau",
                "报请区司法局决定的重大疑难案件（第五条）",
                _proposal_cases(user, [ProposalStatus.reported], Route.bureau),
                [*CASE_HEAD, *_due_columns("due_at", "指派期限")],
            )
        )
    if role in (Role.director, Role.bureau_section, Role.bureau_leader):
        changes = (
            HandlerChange.objects.filter(
                status=HandlerChangeStatus.requested, case__in=visible_cases(user)
            )
            .select_related("case")
            .order_by("requested_at")
        )
        out.append(
            _section(
                "changes",
                "待决定的更换承办人申请（第十二条）",
                changes,
                [
                    Column(
                        "案件编号",
                        lambda h: h.case.number,
                        link=lambda h: f"/cases/{h.case.number}/",
                    ),
                    Column("第几次", lambda h: h.number),
                    Column("理由", lambda h: h.reason[:60]),
                    Column("申请时间", lambda h: local(h.requested_at)),
                ],
            )
        )
    if role in (Role.director, Role.bureau_section, Role.bureau_leader):
        recusals = (
            Recusal.objects.filter(
                status=RecusalStatus.pending,
                case__in=visible_cases(user),
                decider_body__in=bodies_decided_by(profile),
            )
            .exclude(staff=user)
            .select_related("case", "staff__profile")
            .order_by("created_at")
        )
        out.append(
            _section(
                "recusals",
                "待决定的回避（第八条）",
                recusals,
                [
                    Column(
                        "案件编号",
                        lambda r: r.case.number,
                        link=lambda r: f"/cases/{r.case.number}/",
                    ),
                    Column(
                        "人员",
                        lambda r: getattr(
                            getattr(r.staff, "profile", None), "full_name", r.staff.username
                        ),
                    ),
                    Column("系统提示", lambda r: "是" if r.flagged_by_system else "否"),
                    Column("申请时间", lambda r: local(r.created_at)),
                ],
            )
        )
    if role is Role.institution_admin:
        out.append(
            _section(
                "name",
                "新指派、待安排承办人（第二、十条）",
                _cases(user)
                .filter(status=CaseStatus.assigned, institution_id=profile.institution_id or 0)
                .order_by("assigned_at"),
                [
                    *CASE_HEAD,
                    Column("指派时间", lambda c: local(c.assigned_at)),
                    *_due_columns("agreement_due_at", "委托协议期限"),
                ],
            )
        )
    if role is Role.institution_admin:
        advice = (
            QualityAdvice.objects.filter(
                institution_id=profile.institution_id or 0, acknowledged_at__isnull=True
            )
            .select_related("practitioner", "institution", "assessment")
            .order_by("issued_at")
        )
        out.append(
            _section(
                "quality_advice",
                "待确认收到的指派建议（第九条）",
                advice,
                [
                    Column(
                        "对象",
                        lambda a: advising.subject_label(a.practitioner or a.institution),
                        link=lambda a: quality_url(a.practitioner or a.institution) + "#advice",
                    ),
                    Column("质量评分", lambda a: f"{a.assessment.value:.1f}"),
                    Column("评分日期", lambda a: a.assessment.as_of.isoformat()),
                    Column("提出时间", lambda a: local(a.issued_at)),
                ],
            )
        )
    if role in (Role.institution_admin, Role.practitioner):
        mine = _cases(user).filter(status=CaseStatus.handler_named)
        if role is Role.institution_admin:
            mine = mine.filter(institution_id=profile.institution_id or 0)
        else:
            mine = mine.filter(
                handlers__practitioner_id=profile.practitioner_id or 0, handlers__active=True
            )
        out.append(
            _section(
                "agreement",
                "待签订委托协议（程序规定第二十七条：指派之日起 5 日内）",
                mine.order_by(F("agreement_due_at").asc(nulls_last=True)),
                [*CASE_HEAD, *_due_columns("agreement_due_at", "委托协议期限")],
            )
        )
    if role is Role.practitioner:
        out.append(
            _section(
                "handling",
                "我正在办理的案件",
                _cases(user)
                .filter(
                    status=CaseStatus.agreement_signed,
                    handlers__practitioner_id=profile.practitioner_id or 0,
                    handlers__active=True,
                )
                .order_by("assigned_at"),
                [*CASE_HEAD, Column("委托协议", lambda c: c.agreement_signed_on or "")],
            )
        )
    if role is Role.judicial_organ:
        out.append(
            _section(
                "letters",
                "本机关发出的通知公函",
                _cases(user).filter(organ_id=profile.organ_id).order_by("-created_at"),
                [
                    Column("案件编号", lambda c: c.number, link=_case_link),
                    Column("公函文号", lambda c: c.letter_number),
                    Column("状态", lambda c: c.get_status_display()),
                    Column(
                        "承办机构", lambda c: c.institution.name if c.institution else "尚未指派"
                    ),
                    *_due_columns("due_at", "指派期限"),
                ],
            )
        )
    return out
