"""《关于重大疑难法律援助案件指派的请示》 (第五条：重大疑难案件集体讨论后，书面报请区司法局决定),
as DOCX and as PDF, laid out with the blocks of `fayuan.documents.layout` (GB/T 9704-2012: the
文号 over the title, the 主送机关, the text in 三号, 妥否，请批示, the 附件说明, the center over the
date under the seal, the contact as 附注), then its 附件 on a new page: the case, the rules'
suggestion, the officer's opinion and the collective discussion, printed whole however long.

Pure rendering, like the other documents: the caller fills `BureauReportData` (the 审批表's data
of `fayuan.documents_bridge.approval_form_data` and the report's own words); no database here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fayuan.documents.data import ApprovalFormData
from fayuan.documents.docx import render_document_docx
from fayuan.documents.layout import (
    BLANK_DATE,
    FORM_WIDTHS,
    LINE_PITCH_PT,
    Block,
    Cell,
    Document,
    PageBreak,
    Para,
    Table,
    Title,
    seal_space,
    signature,
    zh_date,
    zh_deadline,
)
from fayuan.documents.pdf import render_document_pdf

__all__ = [
    "ANNEX_TITLE",
    "REPORT_TITLE",
    "BureauReportData",
    "bureau_report_document",
    "render_bureau_report_docx",
    "render_bureau_report_pdf",
]

REPORT_TITLE = "关于重大疑难法律援助案件指派的请示"
ANNEX_TITLE = "案件基本情况及集体讨论记录"
DRAFT_MARK = "（草稿，尚未报送）"
BLANK_NUMBER = "〔　　〕　号"


@dataclass(frozen=True)
class BureauReportData:
    """The written report of a major case to the district bureau (第五条)."""

    form: ApprovalFormData
    """The case's 重大疑难案件指派审批表 data: the case, the rules' suggestion, the officer's
    opinion, the collective discussion (kind "major")."""
    bureau_name: str
    """The 主送机关, e.g. "重庆市北碚区司法局"."""
    report_text: str
    """The report's text as the center wrote it; paragraphs one a line."""
    document_number: str = ""
    """The report's 文号 (blank in a draft)."""
    reported_on: date | None = None
    """The day it was sent (None: a draft, dated by hand)."""
    contact_person: str = ""
    contact_phone: str = ""

    def __post_init__(self) -> None:
        if self.form.kind != "major":
            raise ValueError("only a major case is reported to the bureau (第五条)")

    @property
    def draft(self) -> bool:
        return self.reported_on is None


def _row(label: str, text: str) -> tuple[Cell, ...]:
    return (Cell(label, label=True), Cell(text, span=3))


def _pair(l1: str, v1: str, l2: str, v2: str) -> tuple[Cell, ...]:
    return (Cell(l1, label=True), Cell(v1), Cell(l2, label=True), Cell(v2))


def _annex(r: BureauReportData) -> list[Block]:
    f = r.form
    due = f"{zh_deadline(f.assignment_due_at)}前" if f.assignment_due_at else ""
    rows: list[tuple[Cell, ...]] = [
        _pair("案件编号", f.case_number, "案件类别", f.category_zh),
        _pair("案件来源", f.source_zh, "受援人", f.aided_summary),
        _pair("承办人数", f"{f.handlers_required}名", "指派期限", due),
        _row("重大疑难情形", "；".join(f.major_grounds) or "（未记录）"),
    ]
    if f.case_summary:
        rows.append(_row("案情摘要", f.case_summary))
    engine = f.engine
    rows.append(
        _row(
            "系统指派建议",
            f"承办机构：{engine.institution_name or '无可指派机构'}\n"
            f"指派方式：{engine.rule_zh}\n理由：见本附件之后的说明",
        )
    )
    o = f.officer
    if o is not None:
        parts = [f"拟指派：{o.institution_name}"]
        if o.opinion:
            parts.append(f"意见：{o.opinion}")
        if o.override_reason:
            parts.append(f"与系统建议不同的理由：{o.override_reason}")
        parts.append(f"经办人：{o.officer_name}　日期：{zh_date(o.proposed_on)}")
        rows.append(_row("指派意见", "\n".join(parts)))
    d = f.discussion
    if d is not None:
        rows += [
            _row("集体讨论日期", zh_date(d.held_on)),
            _row("参加人员", "、".join(d.participants)),
            _row("讨论结论", d.conclusion),
        ]
    else:
        rows.append(_row("集体讨论", "（尚未记录）"))
    return [
        Para("附件", indent=False, align="left", face="heading"),
        Title(ANNEX_TITLE, space_before=LINE_PITCH_PT, leading=LINE_PITCH_PT * 1.25),
        Table(widths=FORM_WIDTHS, rows=tuple(rows), space_before=LINE_PITCH_PT / 2),
        # The rules' reasoning, whole (it names every institution weighed): after the table.
        Para("系统指派建议的理由", False, "left", 14.0, space_before=10.0),
        Para(engine.explanation, indent=False, size=12.0, space_before=2.0),
    ]


def bureau_report_document(r: BureauReportData) -> Document:
    """The 请示: page 1 and on, the report itself; then its 附件 on a new page."""
    f = r.form
    line = LINE_PITCH_PT
    blocks: list[Block] = []
    if r.draft:
        blocks.append(Para(DRAFT_MARK, indent=False, align="right", size=14.0))
    blocks += [
        Para(r.document_number or BLANK_NUMBER, indent=False, align="center"),
        Title(REPORT_TITLE, space_before=line / 2),
        Para(f"{r.bureau_name}：", False, "left", space_before=line / 2),
    ]
    paragraphs = [p.strip() for p in r.report_text.splitlines() if p.strip()]
    blocks += [Para(p) for p in paragraphs]
    blocks += [
        Para("妥否，请批示。"),
        Para(f"附件：{ANNEX_TITLE}", space_before=line),
        signature(
            f.center_name,
            zh_date(r.reported_on) if r.reported_on else BLANK_DATE,
            space_before=seal_space(line),
            seal=True,
        ),
    ]
    contact = "；".join(
        part
        for part in (
            f"联系人：{r.contact_person}" if r.contact_person else "",
            f"联系电话：{r.contact_phone}" if r.contact_phone else "",
        )
        if part
    )
    if contact:  # 附注 (GB/T 9704 7.3.6); 请示 name a contact person and phone
        blocks.append(Para(f"（{contact}）", align="left"))
    blocks += [PageBreak(), *_annex(r)]
    return Document(
        title=f"{REPORT_TITLE} {r.document_number or '草稿'}",
        author=f.center_name,
        subject=f"{f.case_number} 报{r.bureau_name}",
        blocks=tuple(blocks),
    )


def render_bureau_report_pdf(r: BureauReportData) -> bytes:
    """The 请示 as PDF bytes, its faces embedded."""
    return render_document_pdf(bureau_report_document(r))


def render_bureau_report_docx(r: BureauReportData) -> bytes:
    """The 请示 as DOCX bytes."""
    return render_document_docx(bureau_report_document(r))
