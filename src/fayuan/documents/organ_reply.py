"""《法律援助指派函》: the center's reply to the court, procuratorate or police that sent a
通知辩护（代理）公函, naming the institution it assigned and the handlers with their contact
(《办理法律援助案件程序规定》第二十四条：法律援助机构应当将指派的法律援助机构、承办人员的姓名
和联系方式告知办案机关).

Pure rendering, as the rest of `fayuan.documents`: the caller fills `OrganReplyData` (no
database here) and gets the blocks (`reply_document`), the text (`reply_text`, the page shows it)
or the bytes (`render_reply_pdf`, `render_reply_docx`), laid out as the notice is (GB/T 9704).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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

REPLY_TITLE = "法律援助指派函"
BASIS = "《中华人民共和国法律援助法》第三十六条和《办理法律援助案件程序规定》第二十四条"


@dataclass(frozen=True)
class HandlerContact:
    name: str
    institution: str
    phone: str = ""
    licence_number: str = ""


@dataclass(frozen=True)
class OrganReplyData:
    center_name: str
    organ_name: str
    letter_number: str
    letter_kind_zh: str  # 通知辩护 / 通知代理
    case_number: str
    notice_number: str
    aided_names: tuple[str, ...]
    criminal: bool
    institution_name: str
    institution_phone: str
    institution_address: str
    assigned_at: datetime
    handlers: tuple[HandlerContact, ...]
    issued_at: datetime
    center_phone: str = ""
    center_address: str = ""


def _aided(d: OrganReplyData) -> str:
    names = "、".join(d.aided_names) or "受援人"
    return names


def paragraphs(d: OrganReplyData) -> list[str]:
    """The letter's body, paragraph by paragraph: the same words on the page, the PDF and the
    DOCX."""
    role = "辩护人" if d.criminal and d.letter_kind_zh == "通知辩护" else "诉讼代理人"
    handler_word = "律师" if d.criminal else "承办人"
    first = (
        f"你单位{d.letter_number}{d.letter_kind_zh}公函收悉。根据{BASIS}的规定，"
        f"本中心决定为{_aided(d)}提供法律援助（案件编号：{d.case_number}），"
        f"已于{zh_date(d.assigned_at)}指派{d.institution_name}承办"
        f"（指派通知书文号：{d.notice_number}）。"
    )
    if d.handlers:
        names = "、".join(h.name for h in d.handlers)
        second = (
            f"{d.institution_name}已安排{names}{handler_word}担任{_aided(d)}的{role}，"
            "其姓名和联系方式见下表。请依法为其会见、阅卷等执业活动提供便利。"
        )
    else:
        second = (
            f"{d.institution_name}正在安排承办{handler_word}；承办人确定后，本中心将另行函告"
            "其姓名和联系方式。"
        )
    return [first, second, "特此函告。"]


def _contact(d: OrganReplyData) -> str:
    return "；".join(
        part
        for part in (
            f"联系电话：{d.center_phone}" if d.center_phone else "",
            f"地址：{d.center_address}" if d.center_address else "",
        )
        if part
    )


def reply_text(d: OrganReplyData) -> list[str]:
    """Every line of the letter as plain text, for the page that shows it."""
    lines = [d.center_name, REPLY_TITLE, f"{d.organ_name}：", *paragraphs(d)]
    for h in d.handlers:
        phone = h.phone or d.institution_phone or "（未登记）"
        lines.append(f"承办人：{h.name}，{h.institution}，联系电话：{phone}")
    if not d.handlers:
        lines.append(
            f"承办机构：{d.institution_name}，联系电话：{d.institution_phone or '（未登记）'}"
        )
    lines += [d.center_name, zh_date(d.issued_at)]
    if contact := _contact(d):
        lines.append(f"（{contact}）")
    return lines


def reply_document(d: OrganReplyData) -> Document:
    line = LINE_PITCH_PT
    body = paragraphs(d)
    blocks: list[Block] = [
        Title(d.center_name, leading=22.0 * 1.45),
        Title(REPLY_TITLE, leading=22.0 * 1.45),
        Para(f"案件编号：{d.case_number}", indent=False, align="center", leading=line),
        Para(f"{d.organ_name}：", False, "left", space_before=line / 2, leading=line),
        *(Para(text, leading=line) for text in body[:2]),
    ]
    rows: list[tuple[Cell, ...]] = [
        (Cell("承办人", label=True), Cell("执业机构", label=True), Cell("联系电话", label=True))
    ]
    if d.handlers:
        for h in d.handlers:
            rows.append(
                (Cell(h.name), Cell(h.institution), Cell(h.phone or d.institution_phone or "—"))
            )
    else:
        rows.append(
            (Cell("（安排中）"), Cell(d.institution_name), Cell(d.institution_phone or "—"))
        )
    blocks.append(Table(widths=(0.25, 0.45, 0.30), rows=tuple(rows), space_before=line / 2))
    if d.institution_address:
        blocks.append(
            Para(f"承办机构地址：{d.institution_address}", False, "left", 12.0, space_before=4)
        )
    blocks += [
        Para(body[2], space_before=line / 2, leading=line),
        signature(d.center_name, zh_date(d.issued_at), space_before=seal_space(line), seal=True),
    ]
    if contact := _contact(d):
        blocks.append(Para(f"（{contact}）", align="left", leading=line))
    return Document(
        title=f"{REPLY_TITLE} {d.case_number}",
        author=d.center_name,
        subject=f"{d.organ_name} {d.letter_number}",
        blocks=tuple(blocks),
        issued_at=d.issued_at,
    )


def render_reply_pdf(d: OrganReplyData) -> bytes:
    return render_document_pdf(reply_document(d))


def render_reply_docx(d: OrganReplyData) -> bytes:
    return render_document_docx(reply_document(d))
