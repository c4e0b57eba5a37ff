"""《法律援助案件指派建议书》: the center's advice to an institution about a practitioner (or
the institution) whose quality score is below the policy's threshold (第九条：适时向案件承办机构
提出指派建议). Laid out once (`fayuan.documents.layout` blocks, after GB/T 9704-2012 like the
refusal letter) and rendered as PDF and DOCX.

《重庆市北碚区法律援助案件指派工作制度（试行）》第九条：区法律援助中心应结合案件承办人办案质量、
受援人回访满意度、办案机关评价等情况，适时向案件承办机构提出指派建议，并定期向区司法局反馈情况。

Pure rendering: the caller fills `AdviceData` (no database here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from fayuan.documents.docx import render_document_docx
from fayuan.documents.layout import (
    LINE_PITCH_PT,
    Block,
    Cell,
    Document,
    Para,
    Table,
    Title,
    seal_space,
    signature,
    zh_date,
)
from fayuan.documents.pdf import render_document_pdf

__all__ = [
    "ADVICE_TITLE",
    "AdviceData",
    "AdvicePart",
    "advice_document",
    "fitted_advice_document",
    "render_advice_docx",
    "render_advice_pdf",
]

ADVICE_TITLE = "法律援助案件指派建议书"
REGULATION = "《重庆市北碚区法律援助案件指派工作制度（试行）》"
ARTICLE = "第九条"
BASIS = (
    "区法律援助中心应结合案件承办人办案质量、受援人回访满意度、办案机关评价等情况，"
    "适时向案件承办机构提出指派建议，并定期向区司法局反馈情况。"
)


@dataclass(frozen=True)
class AdvicePart:
    """One source of the score: its name, weight, number of records and mean (None: none)."""

    source: str
    weight: float
    count: int
    mean: float | None


@dataclass(frozen=True)
class AdviceData:
    """What the notice says, every text already in Chinese."""

    center_name: str
    institution_name: str
    subject: str
    """承办人王某（L013） or 承办机构某律师事务所（F04）."""
    value: float
    as_of: date
    window_start: date
    records: int
    formula: str
    threshold: float
    parts: tuple[AdvicePart, ...]
    text: str
    """The advice, as the director issued it."""
    issued_at: datetime
    number: str = ""
    center_address: str | None = None
    center_phone: str | None = None


def _parts_table(a: AdviceData, size: float) -> Table:
    head = (Cell("来源", label=True), Cell("权重", label=True), Cell("记录数", label=True))
    rows: list[tuple[Cell, ...]] = [(*head, Cell("平均分", label=True))]
    for p in a.parts:
        mean = "无记录，不计" if p.mean is None or p.count == 0 else f"{p.mean:.1f}"
        rows.append(
            (Cell(p.source, label=True), Cell(f"{p.weight:g}"), Cell(str(p.count)), Cell(mean))
        )
    rows.append((Cell("评分", label=True), Cell(a.formula, span=3)))
    return Table((0.34, 0.18, 0.18, 0.30), tuple(rows), size=size, space_before=6.0)


def advice_document(a: AdviceData, compact: bool = False) -> Document:
    """The notice: the center and title, the institution addressed, the score with its date and
    computation, the advice, the basis, and the center under its seal with the date. `compact`:
    四号 body text (in Word; the PDF keeps the 三号 grid) and the article cited without its
    words, for a long advice to end on its first page."""
    size = 14.0 if compact else 16.0
    line = size * 1.75 if compact else LINE_PITCH_PT
    blocks: list[Block] = [
        Title(a.center_name, leading=22.0 * 1.45),
        Title(ADVICE_TITLE, leading=22.0 * 1.45),
    ]
    if a.number:
        blocks.append(Para(a.number, indent=False, align="center", size=size, leading=line))
    blocks += [
        Para(
            f"{a.institution_name}：", False, "left", space_before=line / 2, size=size, leading=line
        ),
        Para(
            f"经本中心计算，{a.subject}截至{zh_date(a.as_of)}的办案质量评分为 {a.value:.1f} 分，"
            f"低于 {a.threshold:g} 分。评分依据 {a.window_start.isoformat()} 至 "
            f"{a.as_of.isoformat()} 的案卷评查、受援人回访满意度和办案机关评价共 {a.records} "
            "条记录，各项按权重加权平均（无记录的来源不计）：",
            size=size,
            leading=line,
        ),
        _parts_table(a, 10.5 if compact else 12.0),
        Para(f"建议：{a.text}", space_before=line / 4, size=size, leading=line),
        Para(
            # Compact: the article without its words, so the seal and date stay on page 1.
            f"依据：{REGULATION}{ARTICLE}{'。' if compact else '：' + BASIS}"
            "请贵机构收到后在法律援助案件指派系统中确认，并可回复意见。",
            size=size,
            leading=line,
        ),
        signature(
            a.center_name,
            zh_date(a.issued_at),
            space_before=seal_space(line),
            seal=True,
            size=size,
            leading=line,
        ),
    ]
    contact = "；".join(
        part
        for part in (
            f"联系电话：{a.center_phone}" if a.center_phone else "",
            f"地址：{a.center_address}" if a.center_address else "",
        )
        if part
    )
    if contact:
        blocks.append(Para(f"（{contact}）", align="left", size=size, leading=line))
    return Document(
        title=f"{ADVICE_TITLE} {a.number}".strip(),
        author=a.center_name,
        subject=a.subject,
        blocks=tuple(blocks),
        issued_at=a.issued_at,
    )


_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def fitted_advice_document(a: AdviceData) -> Document:
    """三号 when the PDF of it is one page, else 四号 (a long advice). Measured, not estimated:
    the seal and date kept together must not end up alone on page 2, and the character-count
    estimate of the layout module misses where lines break around numbers and punctuation."""
    full = advice_document(a)
    if len(_PAGE.findall(render_document_pdf(full))) <= 1:
        return full
    return advice_document(a, compact=True)


def render_advice_pdf(data: AdviceData) -> bytes:
    return render_document_pdf(fitted_advice_document(data))


def render_advice_docx(data: AdviceData) -> bytes:
    return render_document_docx(fitted_advice_document(data))
