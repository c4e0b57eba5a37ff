"""What the documents say: plain frozen dataclasses, filled by the caller (no database here).

* `NoticeData`: the 《指派通知书》 the center issues for every assignment (第六条).
* `ApprovalFormData`: the 指派审批表 of 第五条, ordinary (officer → center director) or major
  (collective discussion → written report → bureau decision).
* `HandlerChangeFormData`: the 更换承办人审批表 of 第十二条.

Every text field is already in Chinese (category, source, rule, names): the caller owns the
vocabulary, the renderers only lay it out. Sequences are stored as tuples so that the objects
stay immutable; callers may pass lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

__all__ = [
    "ApprovalFormData",
    "BureauDecision",
    "BureauReport",
    "CollectiveDiscussion",
    "DirectorDecision",
    "EngineProposalView",
    "HandlerChangeFormData",
    "NoticeData",
    "OfficerProposalView",
    "PartyContact",
]


def _freeze(obj: object, name: str) -> None:
    """Store a sequence field as a tuple (a frozen dataclass cannot assign normally)."""
    value = getattr(obj, name)
    if isinstance(value, str):
        raise TypeError(f"{name} must be a sequence of strings, not one string")
    object.__setattr__(obj, name, tuple(value))


@dataclass(frozen=True)
class PartyContact:
    """How the institution reaches an aided person (受援人联系方式)."""

    name: str
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class NoticeData:
    """《指派通知书》 (第六条): the center tells an institution to take a case."""

    notice_number: str
    """e.g. "北碚法援指〔2026〕第0012号"."""
    center_name: str
    issued_at: datetime
    case_number: str
    category_zh: str
    """刑事 / 民事 / 行政 / 劳动仲裁 / 其他非诉讼."""
    source_zh: str
    """公民申请 / 通知辩护 / 通知代理."""
    aided_persons: Sequence[str]
    """Names of the aided persons (all, or the first few of a group case)."""
    aided_count: int
    institution_name: str
    handlers_required: int
    assignment_due_at: datetime
    """The 第六条 time limit (SPEC §5): the institution must name its handler(s) by then."""
    rule_zh: str
    """Why this institution: 点援 / 便民 / 按序轮流 / 综合评分, with any detail the caller adds."""
    articles: Sequence[str]
    """Articles relied on, e.g. ("第六条", "第十一条"); printed in the regulation's order."""
    center_address: str | None = None
    center_phone: str | None = None
    center_contact_person: str | None = None
    """Who at the center answers for this notice (联系人)."""
    organ_name: str | None = None
    """The notifying organ (通知辩护/通知代理), e.g. "重庆市北碚区人民法院"."""
    letter_number: str | None = None
    """The organ's letter number (公函文号)."""
    institution_address: str | None = None
    chosen_practitioner_name: str | None = None
    """The practitioner the applicant chose (点援), if any."""
    notes: str | None = None
    regulation_title: str | None = None
    """The district's regulation (the policy file's title); None: a generic wording."""
    aided_contacts: Sequence[PartyContact] = ()
    """The aided persons' phones and addresses (all, or the first few of a group case)."""
    opposing_parties: Sequence[str] = ()
    """Names of the opposing parties (对方当事人), for the institution's conflict check."""
    case_summary: str | None = None
    """The matter (案由、案情简要), as the center recorded it."""
    deadline_provisional: bool = False
    """The deadline counts working days of a year whose State Council holiday arrangement is not
    yet published: the notice marks it （暂定） and says it will be recomputed."""

    def __post_init__(self) -> None:
        _freeze(self, "aided_persons")
        _freeze(self, "articles")
        _freeze(self, "opposing_parties")
        if any(isinstance(c, str) for c in self.aided_contacts):
            raise TypeError("aided_contacts must be PartyContact objects")
        object.__setattr__(self, "aided_contacts", tuple(self.aided_contacts))
        if self.aided_count < max(1, len(self.aided_persons)):
            raise ValueError("aided_count is smaller than the number of aided persons named")
        if self.handlers_required < 1:
            raise ValueError("handlers_required must be at least 1")


@dataclass(frozen=True)
class EngineProposalView:
    """What the rules proposed (系统指派建议)."""

    institution_name: str | None
    """None when the case was unassignable."""
    rule_zh: str
    explanation: str


@dataclass(frozen=True)
class OfficerProposalView:
    """指派意见 (第五条): the officer's proposal, with the reason when it differs."""

    institution_name: str
    opinion: str
    officer_name: str
    proposed_on: date
    override_reason: str | None = None
    """Why the officer departs from the engine's proposal; None when they agree."""


@dataclass(frozen=True)
class DirectorDecision:
    """The center director's decision (第五条、第十二条)."""

    name: str
    decided_on: date
    approved: bool
    reason: str = ""


@dataclass(frozen=True)
class CollectiveDiscussion:
    """The center's collective discussion of a major case (第五条)."""

    held_on: date
    participants: Sequence[str]
    conclusion: str

    def __post_init__(self) -> None:
        _freeze(self, "participants")


@dataclass(frozen=True)
class BureauReport:
    """The center's written report to the bureau (书面报请区司法局)."""

    number: str
    reported_on: date


@dataclass(frozen=True)
class BureauDecision:
    """The bureau's decision (第五条 for major cases; 第十二条 over the change cap)."""

    decider: str
    decided_on: date
    approved: bool
    reason: str = ""


@dataclass(frozen=True)
class ApprovalFormData:
    """指派审批表: "ordinary" 普通案件指派审批表 or "major" 重大疑难案件指派审批表 (第五条).

    Steps not yet taken are None and print as blank boxes to sign by hand.
    """

    kind: Literal["ordinary", "major"]
    center_name: str
    case_number: str
    category_zh: str
    source_zh: str
    aided_summary: str
    """e.g. "张三" or "李四等56人"."""
    handlers_required: int
    engine: EngineProposalView
    officer: OfficerProposalView | None = None
    assignment_due_at: datetime | None = None
    case_summary: str | None = None
    # ordinary
    director: DirectorDecision | None = None
    # major
    major_grounds: Sequence[str] = field(default_factory=tuple)
    """Why the case is major, e.g. ("受援人50人以上",) or ("对社会平安稳定有影响",)."""
    discussion: CollectiveDiscussion | None = None
    bureau_report: BureauReport | None = None
    bureau_decision: BureauDecision | None = None

    def __post_init__(self) -> None:
        _freeze(self, "major_grounds")
        if self.kind not in ("ordinary", "major"):
            raise ValueError(f"kind must be 'ordinary' or 'major', not {self.kind!r}")
        if self.kind == "ordinary" and (
            self.discussion or self.bureau_report or self.bureau_decision or self.major_grounds
        ):
            raise ValueError("an ordinary case is decided by the director, not the bureau (第五条)")
        if self.kind == "major" and self.director is not None:
            raise ValueError("a major case is decided by the bureau, not the director (第五条)")

    @property
    def title(self) -> str:
        return "普通案件指派审批表" if self.kind == "ordinary" else "重大疑难案件指派审批表"


@dataclass(frozen=True)
class HandlerChangeFormData:
    """更换承办人审批表 (第十二条)."""

    center_name: str
    case_number: str
    category_zh: str
    aided_summary: str
    change_number: int
    """This is the N-th change of handler for the case (1-based)."""
    max_changes: int
    """The policy's cap (第十二条 "原则上不超过2次"); above it the bureau must approve."""
    current_institution: str
    current_handler: str
    reason: str
    consent: bool
    """The aided person consents (受援人同意)."""
    mode: Literal["same_institution", "other_institution"]
    requested_on: date
    consent_on: date | None = None
    new_institution: str | None = None
    new_handler: str | None = None
    director: DirectorDecision | None = None
    bureau: BureauDecision | None = None

    def __post_init__(self) -> None:
        if self.change_number < 1:
            raise ValueError("change_number starts at 1")
        if self.mode not in ("same_institution", "other_institution"):
            raise ValueError(f"unknown mode {self.mode!r}")
        if self.bureau is not None and self.bureau.approved and not self.bureau.reason.strip():
            raise ValueError(
                "区司法局批准超过次数的更换须写明理由 "
                "(the bureau's approval over the cap needs a written reason, 第十二条)"
            )

    @property
    def over_cap(self) -> bool:
        """True when this change exceeds the cap and needs the bureau's approval."""
        return self.change_number > self.max_changes

    @property
    def mode_zh(self) -> str:
        if self.mode == "same_institution":
            return "原承办机构重新安排承办人"
        return "中心重新指派其他承办机构"
