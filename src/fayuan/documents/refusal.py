"""《不予法律援助决定书》: the letter that tells an applicant that legal aid is refused, why, on
what legal basis, and where to object. Laid out once (`fayuan.documents.layout` blocks, after
GB/T 9704-2012 like the notice) and rendered as PDF and DOCX.

法律援助法第四十三条：法律援助机构应当自收到法律援助申请之日起七日内进行审查，作出是否给予法律
援助的决定……决定不给予法律援助的，应当书面告知申请人，并说明理由。
法律援助法第四十九条：申请人、受援人对法律援助机构不予法律援助、终止法律援助的决定有异议的，
可以向设立该法律援助机构的司法行政部门提出。司法行政部门应当自收到异议之日起五日内进行审查，
作出维持法律援助机构决定或者责令法律援助机构改正的决定。申请人、受援人对司法行政部门维持法律
援助机构决定不服的，可以依法申请行政复议或者提起行政诉讼。

Pure rendering: the caller fills `RefusalData` (no database here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fayuan.documents.docx import render_document_docx
from fayuan.documents.layout import (
    LINE_PITCH_PT,
    Block,
    Document,
    Para,
    Title,
    seal_space,
    signature,
    zh_date,
)
from fayuan.documents.pdf import render_document_pdf

__all__ = [
    "OBJECTION_ARTICLE",
    "REFUSAL_ARTICLE",
    "REFUSAL_TITLE",
    "RefusalData",
    "bureau_of",
    "refusal_document",
    "render_refusal_docx",
    "render_refusal_pdf",
]

REFUSAL_TITLE = "不予法律援助决定书"
LAW = "《中华人民共和国法律援助法》"
REFUSAL_ARTICLE = "第四十三条"
OBJECTION_ARTICLE = "第四十九条"
OBJECTION_DAYS_ZH = "五日"


@dataclass(frozen=True)
class RefusalData:
    """What the letter says, every text already in Chinese."""

    center_name: str
    number: str
    """e.g. 北碚法援不援〔2026〕3号."""
    decided_at: datetime
    case_number: str
    applicant_name: str
    applied_at: datetime
    """When the center received the application (the review's start, 第四十三条)."""
    reason: str
    bureau_name: str
    """The 司法行政部门 that set up the center (区司法局), which hears an objection (第四十九条)."""
    category_zh: str = ""
    center_address: str | None = None
    center_phone: str | None = None


def bureau_of(center_name: str) -> str:
    """The bureau that set up the center: 重庆市北碚区法律援助中心 → 重庆市北碚区司法局. A name
    that does not end in 法律援助中心 gives the generic wording of 第四十九条."""
    suffix = "法律援助中心"
    if center_name.endswith(suffix) and len(center_name) > len(suffix):
        return f"{center_name[: -len(suffix)]}司法局"
    return "设立本中心的司法行政部门"


def refusal_document(r: RefusalData) -> Document:
    """The letter: the center and title, its number, the applicant, the decision, the reasons,
    the legal basis, the objection route, and the center under its seal with the date."""
    line = LINE_PITCH_PT
    matter = f"{r.category_zh}法律援助" if r.category_zh else "法律援助"
    bureau = r.bureau_name
    blocks: list[Block] = [
        Title(r.center_name, leading=22.0 * 1.45),
        Title(REFUSAL_TITLE, leading=22.0 * 1.45),
        Para(r.number, indent=False, align="center", leading=line),
        Para(f"{r.applicant_name}：", False, "left", space_before=line / 2, leading=line),
        Para(
            f"你于{zh_date(r.applied_at)}向本中心申请{matter}（案件编号：{r.case_number}）。"
            f"本中心依照{LAW}{REFUSAL_ARTICLE}的规定进行了审查，决定不予法律援助。",
            leading=line,
        ),
        Para(f"理由：{r.reason}", leading=line),
        Para(
            f"依据：{LAW}{REFUSAL_ARTICLE}规定，法律援助机构应当自收到法律援助申请之日起七日内"
            "进行审查，作出是否给予法律援助的决定；决定不给予法律援助的，应当书面告知申请人，"
            "并说明理由。",
            leading=line,
        ),
        Para(
            "申请人对法律援助机构不予法律援助的决定有异议的，可以向设立该法律援助机构的司法行政"
            f"部门（{bureau}）提出（{LAW}{OBJECTION_ARTICLE}）。{bureau}应当自收到异议之日起"
            f"{OBJECTION_DAYS_ZH}内进行审查，作出维持本中心决定或者责令本中心改正的决定；"
            f"对{bureau}维持本中心决定不服的，可以依法申请行政复议或者提起行政诉讼。",
            leading=line,
        ),
        Para("特此告知。", leading=line),
        signature(
            r.center_name,
            zh_date(r.decided_at),
            space_before=seal_space(line),
            seal=True,
            leading=line,
        ),
    ]
    contact = "；".join(
        part
        for part in (
            f"联系电话：{r.center_phone}" if r.center_phone else "",
            f"地址：{r.center_address}" if r.center_address else "",
        )
        if part
    )
    if contact:
        blocks.append(Para(f"（{contact}）", align="left", leading=line))
    return Document(
        title=f"{REFUSAL_TITLE} {r.number}",
        author=r.center_name,
        subject=r.case_number,
        blocks=tuple(blocks),
        issued_at=r.decided_at,
    )


def render_refusal_pdf(data: RefusalData) -> bytes:
    return render_document_pdf(refusal_document(data))


def render_refusal_docx(data: RefusalData) -> bytes:
    return render_document_docx(refusal_document(data))
