"""From the database to the documents' plain data (`fayuan.documents.data`).

The renderers know nothing of models; this module reads an assignment and its case and says it
in the words the notice prints (category, source, rule, articles), so that the API, the admin
and the CLI all print the same notice for the same assignment.
"""

from __future__ import annotations

from fayuan.cases.models import Case, PartyRole
from fayuan.documents.data import NoticeData
from fayuan.policy.decision import RULE_ZH
from fayuan.workflow import engine
from fayuan.workflow.models import Assignment, HandlerChange

#: How many aided persons a notice names; a group case prints "张三、李四等60人".
NAMES_ON_NOTICE = 5

RULE_ON_NOTICE: dict[str, str] = {
    **{rule.value: text for rule, text in RULE_ZH.items()},
    "override": "法律援助中心指定",
}

RULE_ARTICLES_FALLBACK = ("第六条",)


def source_zh(case: Case) -> str:
    """公民申请; a notification letter is 通知辩护 in a criminal case, 通知代理 otherwise."""
    if case.source != "notification":
        return "公民申请"
    return "通知辩护" if case.category == "criminal" else "通知代理"


def _articles(assignment: Assignment) -> tuple[str, ...]:
    """The articles the decision behind the assignment relied on."""
    decision: object = None
    if assignment.proposal is not None:
        decision = assignment.proposal.engine_proposal.decision
    else:
        change = HandlerChange.objects.filter(new_assignment=assignment).first()
        decision = change.decision if change else None
    articles = decision.get("articles") if isinstance(decision, dict) else None
    if isinstance(articles, list) and all(isinstance(a, str) for a in articles):
        return tuple(articles) or RULE_ARTICLES_FALLBACK
    return RULE_ARTICLES_FALLBACK


def notice_data(assignment: Assignment) -> NoticeData:
    """The 《指派通知书》 of one assignment (第六条)."""
    case = (
        Case.objects.select_related("center", "organ", "chosen_practitioner", "chosen_institution")
        .prefetch_related("parties")
        .get(pk=assignment.case_id)
    )
    institution = assignment.institution
    names = [p.name for p in case.parties.all() if p.role == PartyRole.aided]
    chosen = case.chosen_practitioner
    return NoticeData(
        notice_number=assignment.notice_number,
        center_name=case.center.name,
        issued_at=assignment.issued_at,
        case_number=case.number,
        category_zh=case.get_category_display(),
        source_zh=source_zh(case),
        aided_persons=names[:NAMES_ON_NOTICE],
        aided_count=max(case.aided_persons, len(names[:NAMES_ON_NOTICE])),
        institution_name=institution.name,
        handlers_required=max(1, assignment.handlers_required),
        assignment_due_at=assignment.due_at,
        rule_zh=RULE_ON_NOTICE.get(assignment.rule, assignment.rule),
        articles=_articles(assignment),
        organ_name=case.organ.name if case.organ else None,
        letter_number=case.letter_number or None,
        institution_address=institution.address or None,
        chosen_practitioner_name=(
            chosen.name if chosen is not None and chosen.institution_id == institution.pk else None
        ),
        regulation_title=engine.policy_for(case.center).title,
    )


def current_notice_data(case: Case) -> NoticeData | None:
    """The notice of the case's current assignment, or None before it is assigned."""
    assignment = (
        Assignment.objects.filter(case=case, current=True)
        .select_related("institution", "proposal__engine_proposal")
        .first()
    )
    return notice_data(assignment) if assignment else None


__all__ = ["NAMES_ON_NOTICE", "current_notice_data", "notice_data", "source_zh"]
