"""The words and their order, shared by the DOCX and PDF renderers.

Each document is built once as a list of simple blocks (title, paragraph, table, ...); `docx.py`
and `pdf.py` only turn blocks into their format, so both say exactly the same thing.

Free text (the rules' reasoning, opinions, reasons, notes) has no length limit and is never cut.
A form or notice is first laid out with every text in its cell; when that would not fit one page,
the longest free texts are moved, one at a time, to a 续页 (continuation pages after the
document, GB/T 9704's 附件 convention): the cell then says 见续页一 and the 续页 prints the text
whole, however many pages it takes. So page 1 stays the complete form, every signature line in
place, and free text never makes a cell taller than a page (should anything else, a 3,000-character
name say, the PDF splits the row across pages). `*_layouts` give the candidates in order of
preference; `fitted` picks the first that fits by estimate (DOCX), the PDF renderer by measuring.

Dates follow GB/T 9704-2012 (成文日期 in Arabic numerals, 2026年9月30日); times are shown in
China Standard Time (UTC+8), the time the regulation's deadlines are counted in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from fayuan.documents.data import (
    ApprovalFormData,
    BureauDecision,
    DirectorDecision,
    HandlerChangeFormData,
    NoticeData,
)

__all__ = [
    "CHINA_TZ",
    "MARGINS_MM",
    "PAGE_MM",
    "TEXT_HEIGHT_PT",
    "TEXT_WIDTH_PT",
    "Block",
    "Cell",
    "Document",
    "PageBreak",
    "Para",
    "Signature",
    "Table",
    "Title",
    "approval_form_document",
    "approval_form_layouts",
    "estimated_height",
    "first_page",
    "fits_one_page",
    "fitted",
    "fitted_notice_document",
    "handler_change_form_document",
    "handler_change_form_layouts",
    "notice_document",
    "notice_layouts",
    "signature",
    "zh_date",
    "zh_deadline",
    "zh_numeral",
]

CHINA_TZ = timezone(timedelta(hours=8), "CST")
# Without the policy's title, the generic name of every district's rules.
REGULATION_ZH = "本区法律援助案件指派工作制度"
WEEKDAYS_ZH = "一二三四五六日"
BLANK_DATE = "　　　　年　　月　　日"
BLANK_NAME = "　　　　　　"

Align = Literal["left", "center", "right", "justify"]

#: A4 and the GB/T 9704 margins, in millimetres: top 37, bottom 35, left 28, right 26.
PAGE_MM = (210.0, 297.0)
MARGINS_MM = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
PT_PER_MM = 72 / 25.4
TEXT_WIDTH_PT = (PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) * PT_PER_MM
TEXT_HEIGHT_PT = (PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"]) * PT_PER_MM


# --- blocks ---------------------------------------------------------------------------------


def body_line(size: float) -> float:
    """A body line's height: 28 pt for 三号 (the GB/T 9704 grid of 22 lines), else 1.75 em."""
    return 28.0 if size == 16.0 else size * 1.75


@dataclass(frozen=True)
class Title:
    """A title line in the title font (方正小标宋简体), centered."""

    text: str
    size: float = 22.0  # 二号
    leading: float = 0.0
    """Line height in points; 0 means the default (1.6 em)."""

    @property
    def line(self) -> float:
        return self.leading or self.size * 1.6


@dataclass(frozen=True)
class Para:
    """A paragraph in the body font (仿宋_GB2312)."""

    text: str
    indent: bool = True
    """First line indented by two characters (公文 body)."""
    align: Align = "justify"
    size: float = 16.0  # 三号
    space_before: float = 0.0
    """Extra space before, in points."""
    leading: float = 0.0
    """Line height in points; 0 means `body_line`."""

    @property
    def line(self) -> float:
        return self.leading or body_line(self.size)


@dataclass(frozen=True)
class Cell:
    text: str
    span: int = 1
    label: bool = False
    """A label cell: centered, no first-line indent."""


@dataclass(frozen=True)
class Table:
    """A ruled table. `widths` are fractions of the text width; rows hold cells with spans."""

    widths: tuple[float, ...]
    rows: tuple[tuple[Cell, ...], ...]
    size: float = 12.0  # 小四
    leading: float = 0.0
    """Line height in the cells; 0 means 1.5 em."""
    padding: float = 3.5
    """Space above and below the text of a cell, in points."""

    @property
    def line(self) -> float:
        return self.leading or self.size * 1.5


@dataclass(frozen=True)
class Signature:
    """The issuer over the date (GB/T 9704 落款): the date ends four characters from the right
    margin and the issuer is centered over it. `right_chars[i]` is line i's distance from the
    right margin, in characters of `size`."""

    lines: tuple[str, ...]
    right_chars: tuple[float, ...]
    size: float = 16.0
    space_before: float = 28.0

    @property
    def line(self) -> float:
        return body_line(self.size)


def _width(text: str) -> float:
    """Width in em: ASCII is half a character, everything else (CJK, full-width) one."""
    return sum(0.5 if ord(ch) < 0x80 else 1.0 for ch in text)


def signature(
    issuer: str, when: str, size: float = 16.0, space_before: float = 28.0, right: float = 4.0
) -> Signature:
    """`issuer` centered over `when`, which ends `right` characters from the margin."""
    issuer_right = right + (_width(when) - _width(issuer)) / 2
    shift = max(0.0, -issuer_right)  # an issuer too long to center: move both left
    right_chars = (issuer_right + shift, right + shift)
    return Signature((issuer, when), right_chars, size=size, space_before=space_before)


@dataclass(frozen=True)
class PageBreak:
    """What follows starts on a new page (the 续页 after a form or notice)."""


Block = Title | Para | Table | Signature | PageBreak


@dataclass(frozen=True)
class Document:
    title: str
    author: str
    subject: str
    blocks: tuple[Block, ...]

    @property
    def continued(self) -> bool:
        """True when the document has a 续页 (free text moved out of its cells)."""
        return any(isinstance(block, PageBreak) for block in self.blocks)


def _lines(text: str, size: float, width: float, indent_em: float = 0.0) -> int:
    """How many lines `text` takes at `size` in `width` points (CJK 1 em, ASCII half)."""
    per_line = max(1.0, width / size)
    return sum(
        max(1, math.ceil((_width(part) + (indent_em if i == 0 else 0.0)) / per_line))
        for i, part in enumerate(text.split("\n"))
    )


def first_page(document: Document) -> Document:
    """The document up to its first `PageBreak`: what should fit on page 1."""
    for i, block in enumerate(document.blocks):
        if isinstance(block, PageBreak):
            return Document(document.title, document.author, document.subject, document.blocks[:i])
    return document


def estimated_height(document: Document) -> float:
    """The height of the blocks before the first `PageBreak`, in points, estimated from
    character widths.

    Good to a line or two: enough to see whether a document fits one page where the renderer
    cannot measure (Word lays out the DOCX itself)."""
    total = 0.0
    for block in first_page(document).blocks:
        if isinstance(block, Title):
            total += _lines(block.text, block.size, TEXT_WIDTH_PT) * block.line
        elif isinstance(block, Para):
            indent = 2.0 if block.indent else 0.0
            lines = _lines(block.text, block.size, TEXT_WIDTH_PT, indent)
            total += block.space_before + lines * block.line
        elif isinstance(block, Signature):
            total += block.space_before + len(block.lines) * block.line
        elif isinstance(block, Table):
            for row in block.rows:
                col, tallest = 0, 1
                for cell in row:
                    width = TEXT_WIDTH_PT * sum(block.widths[col : col + cell.span]) - 10
                    tallest = max(tallest, _lines(cell.text, block.size, width))
                    col += cell.span
                total += tallest * block.line + 2 * block.padding + 0.5
    return total


def fits_one_page(document: Document) -> bool:
    """Whether the part before any 续页 fits one page, by `estimated_height`."""
    return estimated_height(document) <= TEXT_HEIGHT_PT - 12  # the frame's own padding


def fitted(layouts: Sequence[Document]) -> Document:
    """The first layout whose first page fits by estimate, else the last (the most moved out)."""
    for document in layouts:
        if fits_one_page(document):
            return document
    return layouts[-1]


# --- the 续页 -------------------------------------------------------------------------------

CONTINUED_MIN_LINES = 4
"""Only a free text longer than this (in lines of its cell) is worth moving to the 续页."""
CONTINUED_TEXT_SIZE = 12.0  # 小四, as in the form's cells
_DIGITS_ZH = "〇一二三四五六七八九"


def zh_numeral(n: int) -> str:
    """一, 二, ... 十, 十一, ... 二十一 ... 九十九 (and Arabic numerals beyond)."""
    if not 0 < n < 100:
        return str(n)
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_DIGITS_ZH[tens]}十")
    return head + (_DIGITS_ZH[units] if units else "")


class _Continuation:
    """The free texts of one layout. `text(key, heading, value)` gives what the cell prints:
    the value itself, or, when `key` is in `moved`, 见续页N, the value going whole to item N of
    the 续页. It also notes which texts are long enough to be worth moving."""

    def __init__(self, moved: Collection[str], cell_width: float) -> None:
        self.moved = frozenset(moved)
        self.cell_width = cell_width
        self.movable: list[tuple[int, int, str]] = []
        """(lines in the cell, order of appearance, key) of the long texts."""
        self.items: list[tuple[str, str]] = []
        """(heading, text) of the 续页, in the order their cells appear."""

    def text(self, key: str, heading: str, value: str) -> str:
        lines = _lines(value, CONTINUED_TEXT_SIZE, self.cell_width)
        if lines > CONTINUED_MIN_LINES:
            self.movable.append((lines, len(self.movable), key))
        if key not in self.moved:
            return value
        self.items.append((heading, value))
        return f"见续页{zh_numeral(len(self.items))}"

    def blocks(self, title: str, reference: str) -> list[Block]:
        """The 续页: a new page, its title and the document it continues, then each text whole."""
        if not self.items:
            return []
        blocks: list[Block] = [
            PageBreak(),
            Title(f"{title}（续页）", size=18.0),
            Para(reference, indent=False, align="center", size=12.0, space_before=2.0),
        ]
        for i, (heading, value) in enumerate(self.items, 1):
            blocks.append(
                Para(f"{zh_numeral(i)}、{heading}", False, "left", 14.0, space_before=10.0)
            )
            blocks.append(Para(value, indent=False, size=CONTINUED_TEXT_SIZE, space_before=2.0))
        return blocks


def _layouts(
    build: Callable[[Collection[str]], tuple[Document, list[tuple[int, int, str]]]],
) -> tuple[Document, ...]:
    """Every text in its cell, then the longest free text on the 续页, then the two longest, ...
    until every long one is moved (ties in the order they appear)."""
    first, movable = build(())
    order = [key for _, _, key in sorted(movable, key=lambda m: (-m[0], m[1]))]
    return (first, *(build(order[:k])[0] for k in range(1, len(order) + 1)))


# --- formatting -----------------------------------------------------------------------------


def _cst(dt: datetime) -> datetime:
    return dt.astimezone(CHINA_TZ) if dt.tzinfo is not None else dt


def zh_date(d: date | datetime) -> str:
    """2026年9月30日 (a datetime is first put in China Standard Time)."""
    if isinstance(d, datetime):
        d = _cst(d).date()
    return f"{d.year}年{d.month}月{d.day}日"


def zh_deadline(dt: datetime) -> str:
    """A deadline such as 2026年10月8日（星期四）24时; other times as 17时30分."""
    local = _cst(dt)
    day = f"{zh_date(local.date())}（星期{WEEKDAYS_ZH[local.weekday()]}）"
    if (local.hour, local.minute) == (23, 59):
        return f"{day}24时"
    if local.minute == 0:
        return f"{day}{local.hour}时"
    return f"{day}{local.hour}时{local.minute}分"


def _opt_date(d: date | None) -> str:
    return zh_date(d) if d is not None else BLANK_DATE


def _aided_text(names: Sequence[str], count: int) -> str:
    shown = "、".join(names)
    if not shown:
        return f"{count}人"
    if count > len(names):
        return f"{shown}等{count}人"
    return shown


def _articles(articles: Sequence[str], first: str) -> str:
    ordered = [first, *(a for a in articles if a != first)]
    return "、".join(ordered)


def _is_criminal(category_zh: str) -> bool:
    return category_zh.startswith("刑事")


def _director_text(d: DirectorDecision | None, cont: _Continuation, heading: str) -> str:
    if d is None:
        return f"□同意　□不同意\n\n负责人：{BLANK_NAME}　日期：{BLANK_DATE}"
    verdict = "同意" if d.approved else "不同意"
    lines = [f"决定：{verdict}"]
    if d.reason:
        lines.append(f"意见：{cont.text('director', heading, d.reason)}")
    lines.append(f"负责人：{d.name}　日期：{zh_date(d.decided_on)}")
    return "\n".join(lines)


def _bureau_text(b: BureauDecision | None, cont: _Continuation, heading: str) -> str:
    if b is None:
        return f"□同意　□不同意\n理由：\n\n决定人：{BLANK_NAME}　日期：{BLANK_DATE}"
    verdict = "同意" if b.approved else "不同意"
    lines = [f"决定：{verdict}"]
    if b.reason:
        lines.append(f"理由：{cont.text('bureau', heading, b.reason)}")
    lines.append(f"决定人：{b.decider}　日期：{zh_date(b.decided_on)}")
    return "\n".join(lines)


def _row(label: str, text: str) -> tuple[Cell, ...]:
    """A full-width row of a four-column form: label, then the value across three columns."""
    return (Cell(label, label=True), Cell(text, span=3))


def _pair(l1: str, v1: str, l2: str, v2: str) -> tuple[Cell, ...]:
    return (Cell(l1, label=True), Cell(v1), Cell(l2, label=True), Cell(v2))


FORM_WIDTHS = (0.22, 0.34, 0.14, 0.30)
NOTICE_WIDTHS = (0.135, 0.42, 0.135, 0.31)
NOTICE_BODY_SIZE = 14.0
"""四号: with its case table the notice then fits one A4 page inside the GB/T 9704 margins."""


# --- the notice -----------------------------------------------------------------------------


def notice_document(n: NoticeData, compact: bool = False, moved: Collection[str] = ()) -> Document:
    """《指派通知书》 (第六条): header, number, addressee, body, case table, issuer and date.

    `compact` tightens the line spacing (GB/T 9704 7.3.5.4: 调整行距) so that a long notice
    (a group case, long names) still ends on its first page with its issuer and date. `moved`
    names the free texts printed on the 续页 instead of in their cells ("rule", "notes").
    """
    return _notice(n, compact, moved)[0]


def notice_layouts(n: NoticeData) -> tuple[Document, ...]:
    """The notice's layouts in order of preference: all in the cells, normal then compact; then
    the longest free text on the 续页, normal then compact; and so on."""
    normal = _layouts(lambda moved: _notice(n, False, moved))
    compact = _layouts(lambda moved: _notice(n, True, moved))
    return tuple(d for pair in zip(normal, compact, strict=True) for d in pair)


def fitted_notice_document(n: NoticeData) -> Document:
    """The notice as `notice_layouts` first fits it on one page (by `estimated_height`)."""
    return fitted(notice_layouts(n))


def _notice(
    n: NoticeData, compact: bool, moved: Collection[str]
) -> tuple[Document, list[tuple[int, int, str]]]:
    cont = _Continuation(moved, TEXT_WIDTH_PT * sum(NOTICE_WIDTHS[1:]) - 10)
    aided = _aided_text(n.aided_persons, n.aided_count)
    handler_word = "执业律师" if _is_criminal(n.category_zh) else "承办人"
    articles = _articles(n.articles, "第六条")

    if n.source_zh.startswith("通知"):
        organ = f"{n.organ_name}的" if n.organ_name else ""
        opening = f"本中心收到{organ}{n.source_zh}公函，决定为受援人{aided}提供法律援助。"
    else:
        opening = f"受援人{aided}申请法律援助一案，本中心已决定给予法律援助。"
    regulation = f"《{n.regulation_title}》" if n.regulation_title else REGULATION_ZH
    opening += f"根据{regulation}{articles}的规定，现指派你单位承办本案。"
    duty = (
        f"请你单位于{zh_deadline(n.assignment_due_at)}前安排{n.handlers_required}名"
        f"{handler_word}承办本案，将承办人姓名书面告知本中心，"
        "并由承办人及时与受援人签订委托协议。"
    )
    if n.chosen_practitioner_name:
        duty += f"受援人选定由{n.chosen_practitioner_name}承办，请予安排。"
    duty += "委托协议签订后，不得随意更换承办人（第十二条）。"

    institution = n.institution_name
    if n.institution_address:
        institution += f"（{n.institution_address}）"
    rows: list[tuple[Cell, ...]] = [
        _pair("案件编号", n.case_number, "案件类别", n.category_zh),
        _pair("受援人", f"{aided}（共{n.aided_count}人）", "案件来源", n.source_zh),
    ]
    if n.organ_name or n.letter_number:
        rows.append(_pair("通知机关", n.organ_name or "", "公函文号", n.letter_number or ""))
    rows += [
        _row("承办机构", institution),
        _pair("承办人数", f"{n.handlers_required}名", "依据", articles),
        _row("指派方式", cont.text("rule", "指派方式", n.rule_zh)),
    ]
    rows.append(_row("安排期限", f"{zh_deadline(n.assignment_due_at)}前"))
    if n.notes:
        rows.append(_row("备注", cont.text("notes", "备注", n.notes)))

    contact = "；".join(
        part
        for part in (
            f"地址：{n.center_address}" if n.center_address else "",
            f"电话：{n.center_phone}" if n.center_phone else "",
        )
        if part
    )
    body = NOTICE_BODY_SIZE
    lead = body * (1.45 if compact else 1.75)
    title_lead = 22.0 * (1.4 if compact else 1.6)
    blocks: list[Block] = [
        Title(n.center_name, leading=title_lead),
        Title("指派通知书", leading=title_lead),
        Para(n.notice_number, indent=False, align="center", size=body, space_before=4.0),
        Para(f"{n.institution_name}：", False, "left", body, 6.0 if compact else 10.0, lead),
        Para(opening, size=body, leading=lead),
        Para(duty, size=body, leading=lead),
        Table(
            widths=NOTICE_WIDTHS,
            rows=tuple(rows),
            leading=12.0 * 1.3 if compact else 0.0,
            padding=2.5 if compact else 3.5,
        ),
        Para("特此通知。", size=body, space_before=6.0, leading=lead),
        signature(n.center_name, zh_date(n.issued_at), size=body, space_before=18.0),
    ]
    if contact:
        blocks.append(
            Para(f"（本中心{contact}）", indent=False, align="left", size=12.0, space_before=8.0)
        )
    blocks += cont.blocks("指派通知书", n.notice_number)
    document = Document(
        title=f"指派通知书 {n.notice_number}",
        author=n.center_name,
        subject=f"{n.case_number} {n.institution_name}",
        blocks=tuple(blocks),
    )
    return document, cont.movable


# --- the approval form (第五条) -------------------------------------------------------------


def approval_form_document(f: ApprovalFormData, moved: Collection[str] = ()) -> Document:
    """普通案件/重大疑难案件指派审批表 (第五条). `moved` names the free texts printed on the 续页
    instead of in their cells: "summary", "grounds", "explanation", "opinion", "override",
    "director", "conclusion", "bureau"."""
    return _approval_form(f, moved)[0]


def approval_form_layouts(f: ApprovalFormData) -> tuple[Document, ...]:
    """The form with every text in its cell, then with the longest ones on the 续页, one by one."""
    return _layouts(lambda moved: _approval_form(f, moved))


def _approval_form(
    f: ApprovalFormData, moved: Collection[str]
) -> tuple[Document, list[tuple[int, int, str]]]:
    cont = _Continuation(moved, TEXT_WIDTH_PT * sum(FORM_WIDTHS[1:]) - 10)
    due = f"{zh_deadline(f.assignment_due_at)}前" if f.assignment_due_at else ""
    rows: list[tuple[Cell, ...]] = [
        _pair("案件编号", f.case_number, "案件类别", f.category_zh),
        _pair("案件来源", f.source_zh, "受援人", f.aided_summary),
        _pair("承办人数", f"{f.handlers_required}名", "指派期限", due),
    ]
    if f.case_summary:
        rows.append(_row("案情摘要", cont.text("summary", "案情摘要", f.case_summary)))
    if f.kind == "major":
        grounds = "；".join(f.major_grounds)
        rows.append(_row("重大疑难情形", cont.text("grounds", "重大疑难情形", grounds)))

    engine = f.engine
    explanation = cont.text("explanation", "系统指派建议的理由", engine.explanation)
    rows.append(
        _row(
            "系统指派建议",
            f"承办机构：{engine.institution_name or '无可指派机构'}\n"
            f"指派方式：{engine.rule_zh}\n理由：{explanation}",
        )
    )
    o = f.officer
    if o is None:
        officer_text = f"拟指派：\n意见：\n\n经办人：{BLANK_NAME}　日期：{BLANK_DATE}"
    else:
        parts = [
            f"拟指派：{o.institution_name}",
            f"意见：{cont.text('opinion', '指派意见', o.opinion)}",
        ]
        if o.override_reason:
            override = cont.text("override", "与系统建议不同的理由", o.override_reason)
            parts.append(f"与系统建议不同的理由：{override}")
        parts.append(f"经办人：{o.officer_name}　日期：{zh_date(o.proposed_on)}")
        officer_text = "\n".join(parts)
    rows.append(_row("指派意见", officer_text))

    if f.kind == "ordinary":
        rows.append(_row("中心负责人决定", _director_text(f.director, cont, "中心负责人意见")))
        basis = "依据第五条，普通法律援助案件由负责指派工作的人员提出指派意见，报中心负责人决定。"
    else:
        d = f.discussion
        if d is None:
            discussion = f"日期：{BLANK_DATE}\n参加人员：\n结论：\n"
        else:
            conclusion = cont.text("conclusion", "中心集体讨论结论", d.conclusion)
            discussion = (
                f"日期：{zh_date(d.held_on)}\n参加人员：{'、'.join(d.participants)}\n"
                f"结论：{conclusion}"
            )
        rows.append(_row("中心集体讨论", discussion))
        r = f.bureau_report
        report = (
            f"报告文号：{r.number}　报送日期：{zh_date(r.reported_on)}"
            if r is not None
            else f"报告文号：{BLANK_NAME}　报送日期：{BLANK_DATE}"
        )
        rows.append(_row("报请区司法局", report))
        bureau = _bureau_text(f.bureau_decision, cont, "区司法局决定的理由")
        rows.append(_row("区司法局决定", bureau))
        basis = (
            "依据第五条，50人以上集团案件或对社会平安稳定有影响等重大疑难案件，"
            "由中心集体讨论后书面报请区司法局决定。"
        )

    blocks: list[Block] = [
        Title(f.title),
        Para(f.center_name, indent=False, align="center", size=14.0, space_before=6.0),
        Table(widths=FORM_WIDTHS, rows=tuple(rows)),
        Para(f"注：{basis}", indent=False, align="left", size=12.0, space_before=6.0),
        *cont.blocks(f.title, f"案件编号：{f.case_number}"),
    ]
    document = Document(
        title=f"{f.title} {f.case_number}",
        author=f.center_name,
        subject=f.case_number,
        blocks=tuple(blocks),
    )
    return document, cont.movable


# --- the handler change form (第十二条) -----------------------------------------------------


def handler_change_form_document(f: HandlerChangeFormData, moved: Collection[str] = ()) -> Document:
    """更换承办人审批表 (第十二条). `moved` names the free texts printed on the 续页 instead of
    in their cells: "reason", "director", "bureau"."""
    return _handler_change_form(f, moved)[0]


def handler_change_form_layouts(f: HandlerChangeFormData) -> tuple[Document, ...]:
    """The form with every text in its cell, then with the longest ones on the 续页, one by one."""
    return _layouts(lambda moved: _handler_change_form(f, moved))


def _handler_change_form(
    f: HandlerChangeFormData, moved: Collection[str]
) -> tuple[Document, list[tuple[int, int, str]]]:
    cont = _Continuation(moved, TEXT_WIDTH_PT * sum(FORM_WIDTHS[1:]) - 10)
    times = f"第{f.change_number}次（原则上不超过{f.max_changes}次）"
    if f.over_cap:
        times += "，超过次数，须报区司法局批准"
    if f.consent:
        consent = "受援人同意更换承办人"
        consent += f"　日期：{zh_date(f.consent_on)}" if f.consent_on else ""
    else:
        consent = "受援人不同意更换承办人（不予更换）"
    rows: list[tuple[Cell, ...]] = [
        _pair("案件编号", f.case_number, "案件类别", f.category_zh),
        _pair("受援人", f.aided_summary, "申请日期", zh_date(f.requested_on)),
        _row("更换次数", times),
        _pair("原承办机构", f.current_institution, "原承办人", f.current_handler),
        _row("更换理由", cont.text("reason", "更换理由", f.reason)),
        _row("受援人意见", consent),
        _row("更换方式", f.mode_zh),
        _pair("新承办机构", f.new_institution or "", "新承办人", f.new_handler or ""),
        _row("中心负责人意见", _director_text(f.director, cont, "中心负责人意见")),
    ]
    if f.over_cap or f.bureau is not None:
        rows.append(_row("区司法局意见", _bureau_text(f.bureau, cont, "区司法局意见的理由")))
    else:
        rows.append(_row("区司法局意见", "未超过更换次数，无需报请区司法局批准。"))
    note = (
        "注：依据第十二条，签订委托协议后不得随意更换承办人；因利益冲突等正当理由需要更换的，"
        f"应当征得受援人同意后报中心批准；更换承办人原则上不超过{f.max_changes}次，"
        "再次更换须经区司法局书面批准。"
    )
    blocks: list[Block] = [
        Title("更换承办人审批表"),
        Para(f.center_name, indent=False, align="center", size=14.0, space_before=6.0),
        Table(widths=FORM_WIDTHS, rows=tuple(rows)),
        Para(note, indent=False, align="left", size=12.0, space_before=6.0),
        *cont.blocks("更换承办人审批表", f"案件编号：{f.case_number}　第{f.change_number}次更换"),
    ]
    document = Document(
        title=f"更换承办人审批表 {f.case_number} 第{f.change_number}次",
        author=f.center_name,
        subject=f.case_number,
        blocks=tuple(blocks),
    )
    return document, cont.movable
