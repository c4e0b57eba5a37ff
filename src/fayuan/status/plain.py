"""Where a case stands, in words an applicant with little schooling understands: one or two short
sentences per `CaseStatus`, the deadline in Beijing time, who holds the case and how to reach
its OFFICE, and how to object or complain.

Contact: the institution's name, address and phone from the roster (`Institution.phone`, the
firm's or office's own line) and the handlers' names. A practitioner's own phone
(`Practitioner.phone`) is never shown: the roster does not say whether it is an office line.

法律援助法第四十九条：申请人、受援人对法律援助机构不予法律援助、终止法律援助的决定有异议的，
可以向设立该法律援助机构的司法行政部门提出。司法行政部门应当自收到异议之日起五日内进行审查……
法律援助法第五十五条：受援人有权了解为其提供法律援助的进展情况；有事实证明法律援助人员未依法
履行职责的，受援人可以请求法律援助机构更换法律援助人员。
法律援助法第五十六条：司法行政部门应当建立法律援助工作投诉查处制度；接到投诉后，应当依照有关
规定受理和调查处理，并及时向投诉人告知处理结果。
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from fayuan.cases.models import Case, CaseStatus

BEIJING = ZoneInfo("Asia/Shanghai")
HOTLINE = "12348"
WEEKDAYS = "一二三四五六日"


def day_zh(at: datetime) -> str:
    """2026年5月21日（星期四）, in Beijing time."""
    local = at.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日（星期{WEEKDAYS[local.weekday()]}）"


def moment_zh(at: datetime) -> str:
    """2026年5月21日（星期四）17:30, in Beijing time; a deadline at the day's end is the day."""
    local = at.astimezone(BEIJING)
    if (local.hour, local.minute) == (23, 59):
        return day_zh(at)
    return f"{day_zh(at)}{local:%H:%M}"


def bureau_name(case: Case) -> str:
    """The bureau that set up the center (法律援助法第四十九条), named as the officer's pages and
    the refusal letter name it (`fayuan.web.officer._bureau`)."""
    from fayuan.web.officer import _bureau

    return _bureau(case)


@dataclass(frozen=True)
class Deadline:
    label: str
    at: str
    provisional: bool = False


@dataclass(frozen=True)
class Holder:
    name: str
    address: str
    phone: str
    handlers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Standing:
    """What the status page says."""

    number: str
    headline: str
    sentences: list[str]
    deadline: Deadline | None
    holder: Holder | None
    material: str
    refused: bool
    refusal_number: str
    bureau: str
    center_name: str
    center_phone: str


HEADLINES: dict[str, str] = {
    CaseStatus.intake: "审查中",
    CaseStatus.awaiting_material: "需要您补充材料",
    CaseStatus.granted: "已决定给予法律援助",
    CaseStatus.proposed: "已决定给予法律援助，正在安排承办机构",
    CaseStatus.discussed: "已决定给予法律援助，正在安排承办机构",
    CaseStatus.reported: "已决定给予法律援助，正在安排承办机构",
    CaseStatus.unassignable: "已决定给予法律援助，正在安排承办机构",
    CaseStatus.assigned: "已安排承办机构",
    CaseStatus.handler_named: "已安排承办人",
    CaseStatus.agreement_signed: "正在办理",
    CaseStatus.closed: "已办结",
    CaseStatus.refused: "不予法律援助",
}


def _sentences(case: Case, due: str, holder: Holder | None, phone: str) -> list[str]:
    who = holder.name if holder else "承办机构"
    names = "、".join(holder.handlers) if holder and holder.handlers else ""
    by_when = f"，会在{due}前安排好" if due else ""
    arranging = f"现在正在为您安排律师事务所或法律服务所{by_when}。"
    texts: dict[str, list[str]] = {
        CaseStatus.intake: [
            "我们已经收到您的申请，正在审查。",
            f"我们会在{due}前告诉您是否给予法律援助。" if due else "审查结果出来后会告诉您。",
        ],
        CaseStatus.awaiting_material: [
            "您的申请还缺少一些材料，请尽快交给我们（材料见下面）。",
            "补齐材料以前，审查时间暂停计算；补齐后我们接着审查。",
        ],
        CaseStatus.granted: ["我们已经决定给您法律援助。", arranging],
        CaseStatus.proposed: ["我们已经决定给您法律援助。", arranging],
        CaseStatus.discussed: ["我们已经决定给您法律援助。", arranging],
        CaseStatus.reported: [
            "我们已经决定给您法律援助。",
            f"您的案件要报上级司法行政部门决定由谁承办，{arranging}",
        ],
        CaseStatus.unassignable: [
            "我们已经决定给您法律援助，正在为您寻找合适的律师事务所或法律服务所。",
            f"有问题请打电话 {phone}。",
        ],
        CaseStatus.assigned: [
            f"我们已经安排{who}为您提供法律援助。",
            "他们会很快安排承办人（律师或法律服务工作者），并和您联系签委托协议。",
        ],
        CaseStatus.handler_named: [
            f"{who}已经安排{names}承办您的案件。",
            "承办人会和您联系，签订委托协议。您也可以打下面的电话找他们。",
        ],
        CaseStatus.agreement_signed: [
            f"您的案件正在办理，承办人是{who}的{names}。",
            "想知道办到哪一步了，可以打下面的电话问承办机构。",
        ],
        CaseStatus.closed: ["您的案件已经办结。", f"有问题请打电话 {phone}。"],
        CaseStatus.refused: [
            "经过审查，我们决定不给予法律援助。",
            "为什么不给，写在《不予法律援助决定书》里，您可以在下面下载，也可以到中心领取。",
        ],
    }
    return texts.get(case.status, [case.get_status_display()])


def _deadline(case: Case) -> Deadline | None:
    if case.status == CaseStatus.intake and case.review_due_at:
        return Deadline("审查结果最晚告诉您的日期", moment_zh(case.review_due_at))
    if (
        case.status
        in (
            CaseStatus.granted,
            CaseStatus.proposed,
            CaseStatus.discussed,
            CaseStatus.reported,
            CaseStatus.unassignable,
        )
        and case.due_at
    ):
        return Deadline(
            "安排承办机构的期限", moment_zh(case.due_at), provisional=case.due_provisional
        )
    if case.status in (CaseStatus.assigned, CaseStatus.handler_named) and case.agreement_due_at:
        return Deadline("签订委托协议的期限", moment_zh(case.agreement_due_at))
    return None


def _holder(case: Case) -> Holder | None:
    institution = case.institution
    if institution is None or case.status in (CaseStatus.refused,):
        return None
    names = [
        h.practitioner.name
        for h in case.handlers.filter(active=True).select_related("practitioner").order_by("id")
    ]
    return Holder(institution.name, institution.address, institution.phone, names)


def standing(case: Case) -> Standing:
    center = case.center
    phone = center.phone or HOTLINE
    deadline = _deadline(case)
    holder = _holder(case)
    return Standing(
        number=case.number,
        headline=HEADLINES.get(case.status, case.get_status_display()),
        sentences=_sentences(case, deadline.at if deadline else "", holder, phone),
        deadline=deadline,
        holder=holder,
        material=case.material_requested if case.status == CaseStatus.awaiting_material else "",
        refused=case.status == CaseStatus.refused and bool(case.refusal_number),
        refusal_number=case.refusal_number,
        bureau=bureau_name(case),
        center_name=center.name,
        center_phone=phone,
    )
