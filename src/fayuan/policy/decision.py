"""A decision and everything needed to explain it (SPEC.md §7, §12)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from fayuan.policy.approval import Route
from fayuan.policy.deadlines import Deadlines
from fayuan.policy.eligibility import InstitutionCheck, PractitionerCheck
from fayuan.policy.params import PolicyValues
from fayuan.policy.ranking import Ranking, ScoreParts
from fayuan.policy.rotation import RotationTurn


class Status(StrEnum):
    assigned = "assigned"
    unassignable = "unassignable"
    refused = "refused"


class Rule(StrEnum):
    choice = "choice"
    helping = "helping"
    rotation = "rotation"
    ranking = "ranking"
    change = "change"


#: Rules 1 and 2 (第四、七条: 点援, 便民优先), whose criminal assignment is a rotation turn only
#: when the policy says so (SPEC §8 `criminal_rotation.choice_counts_as_turn`).
CHOICE_RULES: frozenset[str] = frozenset({Rule.choice, Rule.helping})

RULE_ZH = {
    Rule.choice: "申请人选择（点援）",
    Rule.helping: "便民优先：为当事人提供法律帮助的机构",
    Rule.rotation: "刑事案件按序依次指派",
    Rule.ranking: "综合评分指派",
    Rule.change: "更换承办人",
}

# Articles that each rule implements, cited in every decision it makes.
RULE_ARTICLES = {
    Rule.choice: ("第四条", "第九条"),
    Rule.helping: ("第七条",),
    Rule.rotation: ("第十一条",),
    Rule.ranking: ("第九条", "第十条"),
    Rule.change: ("第十二条",),
}

_DIGITS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
_NUMERALS = _DIGITS + tuple("十" + n for n in _DIGITS[:5])
ARTICLE_ORDER = tuple(f"第{n}条" for n in _NUMERALS)


def sort_articles(articles: set[str]) -> tuple[str, ...]:
    return tuple(a for a in ARTICLE_ORDER if a in articles)


@dataclass(frozen=True, slots=True)
class Declined:
    """An institution the applicant chose (rule 1) or that helped (rule 2) but could not be used."""

    institution: str
    rule: Rule
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules give for one case or handler-change event, and why."""

    case: str
    event: str  # "case" or "change_handler"
    status: Status
    on: datetime
    policy_id: str
    category: str = ""
    policy_values: PolicyValues | None = field(default=None, repr=False)
    institution: str | None = None
    rule: Rule | None = None
    articles: tuple[str, ...] = ()
    route: Route | None = None
    route_grounds: tuple[str, ...] = ()
    deadline: datetime | None = None
    #: Both limits of SPEC §5 (local and statutory), which governs, and whether 暂定.
    deadlines: Deadlines | None = None
    #: What starts the clock: "application" (决定给予法律援助) or "notification" (收到公函).
    source: str = ""
    handlers_required: int | None = None
    handlers_recommended: int | None = None
    minor: bool = False
    eligible_practitioners: tuple[str, ...] = ()
    handler: str | None = None
    serious: bool = False
    serious_grounds: tuple[str, ...] = ()
    group: bool = False
    declined: tuple[Declined, ...] = ()
    # The check of the winner and of every institution that lost for a reason of its own.
    winner_check: InstitutionCheck | None = None
    # Every practitioner of the assigned institution, eligible or why not.
    member_checks: Callable[[], tuple[PractitionerCheck, ...]] | None = field(
        default=None, repr=False, compare=False
    )
    ineligible: tuple[InstitutionCheck, ...] = ()
    ranking: Ranking | None = field(default=None, repr=False)
    rotation: RotationTurn[InstitutionCheck] | None = field(default=None, repr=False)
    excluded: tuple[str, ...] = ()  # handler change: the institution or handler left out
    refusal: str = ""  # why a handler change was refused (Chinese)
    change_number: int = 0  # 1 for the first handler change of a case, …
    change_mode: str = ""  # "same_institution" or "other_institution" (第十二条)

    @property
    def practitioner_checks(self) -> tuple[PractitionerCheck, ...]:
        """Every practitioner of the assigned institution, eligible or why not (computed when
        read: most decisions are never explained)."""
        return self.member_checks() if self.member_checks is not None else ()

    @property
    def scores(self) -> tuple[ScoreParts, ...]:
        """Ranking: every eligible candidate's score parts, best first."""
        return self.ranking.scores() if self.ranking is not None else ()

    def to_json(self) -> dict[str, Any]:
        """The decision line of SPEC §12, with a few extra fields for the record."""
        out: dict[str, Any] = {"case": self.case, "status": self.status.value}
        if self.status is Status.refused:
            out["reason"] = self.refusal
            return out
        out["institution"] = self.institution
        out["rule"] = self.rule.value if self.rule else None
        out["eligible_practitioners"] = list(self.eligible_practitioners)
        out["handlers_recommended"] = self.handlers_recommended
        out["handlers_required"] = self.handlers_required
        out["route"] = self.route.value if self.route else None
        out["deadline"] = self.deadline.isoformat() if self.deadline else None
        if self.deadlines is not None:
            out["local_deadline"] = self.deadlines.local.isoformat()
            out["statutory_deadline"] = self.deadlines.statutory.isoformat()
            out["deadline_governs"] = self.deadlines.governs.value
            out["deadline_provisional"] = self.deadlines.provisional
            if self.deadlines.any_provisional:
                out["local_deadline_provisional"] = self.deadlines.local_provisional
                out["statutory_deadline_provisional"] = self.deadlines.statutory_provisional
        out["articles"] = list(self.articles)
        out["declined"] = [
            {"institution": d.institution, "rule": d.rule.value, "reason": d.reason}
            for d in self.declined
        ]
        if self.handler:
            out["handler"] = self.handler
        if self.rotation is not None and self.rotation.skipped:
            out["skipped"] = [
                {"institution": firm, "reason": check.reason}
                for firm, check in self.rotation.skipped
            ]
        if self.status is Status.unassignable:
            out["reasons"] = {c.institution: c.reason for c in self.ineligible}
        return out
