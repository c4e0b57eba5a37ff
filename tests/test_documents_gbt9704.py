"""The 《指派通知书》 as an official document (第六条): GB/T 9704-2012 page, type area, grid and
faces; the seal; the articles in the regulation's order; what the institution needs; the
provisional deadline; the PDF's dates; and the minus sign of a negative score part."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import docx
import pypdf
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

from fayuan import documents
from fayuan.documents import fonts
from fayuan.documents.data import NoticeData, PartyContact
from fayuan.documents.docx import BODY_FONT, HEADING_FONT, TITLE_FONT
from fayuan.documents.layout import (
    CHAR_PITCH_PT,
    GRID_CHARS,
    GRID_LINES,
    LINE_PITCH_PT,
    MARGINS_MM,
    PAGE_MM,
    PT_PER_MM,
    TEXT_HEIGHT_PT,
    TEXT_WIDTH_PT,
    TYPE_AREA_MM,
    Document,
    Para,
    Signature,
    Table,
    Title,
    approval_form_document,
    handler_change_form_document,
    notice_document,
    ordered_articles,
    provisional_note,
)
from test_documents import (
    CENTER,
    CST,
    NOTICE_NUMBER,
    RENDERERS,
    change_form,
    group_notice,
    notice,
    ordinary_form,
    page_text,
    pdf_pages,
    pdf_text,
)


def _proper_fonts() -> bool:
    try:
        return fonts.find_pdf_fonts().complete
    except fonts.CJKFontError:
        return False


needs_fonts = pytest.mark.skipif(
    not _proper_fonts(),
    reason="the PDF faces are not installed (apt-get install fonts-arphic-uming "
    "fonts-lxgw-wenkai; ./dev setup installs them)",
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftotext, pdffonts) not installed",
)

MM = PT_PER_MM
ISSUED = datetime(2026, 9, 30, 15, 20, tzinfo=CST)


def full_notice(**changes: Any) -> NoticeData:
    """The sample notice with everything the institution is told."""
    base = notice(
        aided_contacts=[PartyContact("王小明", "13812345678", "重庆市北碚区天生街道云华路12号")],
        opposing_parties=["重庆某建筑劳务有限公司", "李某"],
        case_summary="王小明被指控盗窃罪，重庆市北碚区人民法院依法通知辩护。",
        center_contact_person="陈晓燕",
        regulation_title="重庆市北碚区法律援助案件指派工作制度（试行）",
    )
    return replace(base, **changes)


def words(pdf: bytes, page: int) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, text) of each word of page `page` (1-based), from the top left,
    in points (pdftotext -bbox)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    return [
        (float(a), float(b), float(c), float(d), text)
        for a, b, c, d, text in re.findall(pattern, out)
    ]


def text_by_font(pdf: bytes, page: int = 0) -> dict[str, str]:
    """The text drawn in each font of a page, by the font's name without its subset tag."""
    found: dict[str, str] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if font is not None and text.strip():
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            found[name] = found.get(name, "") + text

    pypdf.PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return {name: re.sub(r"\s+", "", text) for name, text in found.items()}


# --- the page -------------------------------------------------------------------------------


def test_the_layout_is_gbt9704s_page_and_grid() -> None:
    assert PAGE_MM == (210.0, 297.0)
    assert TYPE_AREA_MM == (156.0, 225.0)
    assert abs(MARGINS_MM["top"] - 37) <= 1 and abs(MARGINS_MM["left"] - 28) <= 1
    assert GRID_LINES * LINE_PITCH_PT <= TEXT_HEIGHT_PT < (GRID_LINES + 1) * LINE_PITCH_PT
    assert pytest.approx(TEXT_WIDTH_PT) == GRID_CHARS * CHAR_PITCH_PT
    document = notice_document(notice())
    titles = [b for b in document.blocks if isinstance(b, Title)]
    assert {t.size for t in titles} == {22.0}  # 二号
    body = [b for b in document.blocks if isinstance(b, Para) and b.text.startswith("请你单位")]
    assert body[0].size == 16.0 and body[0].line == LINE_PITCH_PT  # 三号 on the grid


@needs_fonts
@needs_poppler
def test_the_pdf_is_a4_and_keeps_to_the_type_area() -> None:
    pdf = documents.render_notice_pdf(full_notice())
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx((595.28, 841.89), abs=0.01)
    left, right = 28 * MM, (210 - 26) * MM
    top, bottom = 37 * MM, (297 - 35) * MM
    for n in (1, 2):
        page = words(pdf, n)
        text = [w for w in page if w[1] < bottom]
        numbers = [w for w in page if w[1] >= bottom]
        assert min(w[0] for w in text) == pytest.approx(left, abs=0.2 * MM)
        assert max(w[2] for w in text) <= right + 0.2 * MM
        assert top - 1 * MM <= min(w[1] for w in text) <= top + 8 * MM
        assert max(w[3] for w in text) <= bottom
        # The page number "— 1 —": 7 mm below the 版心, odd pages right, even left, 1 char in.
        assert "".join(w[4] for w in numbers) == f"—{n}—"
        assert min(w[1] for w in numbers) >= bottom + 5 * MM
        if n == 1:
            assert max(w[2] for w in numbers) == pytest.approx(right - 14, abs=0.5)
        else:
            assert min(w[0] for w in numbers) == pytest.approx(left + 14, abs=0.5)
    # The text fills the 版心 (撑满版心): its full lines end at the right margin.
    body = [w for w in words(pdf, 1) if w[4].startswith(("本中心收到", "请你单位"))]
    assert body and all(w[2] == pytest.approx(right, abs=0.5) for w in body)


@needs_fonts
@needs_poppler
def test_the_pdf_sets_28_characters_a_line_on_the_28_95_pt_pitch() -> None:
    from fayuan.documents.pdf import render_document_pdf

    text = "法律援助案件指派工作制度" * 8  # 96 characters, none of them punctuation
    pdf = render_document_pdf(Document("t", "a", "s", (Para(text, indent=False),)))
    lines = [w for w in words(pdf, 1) if w[1] < (297 - 35) * MM]
    assert [len(w[4]) for w in lines] == [28, 28, 28, 12]
    tops = [w[1] for w in lines]
    assert [round(b - a, 2) for a, b in itertools.pairwise(tops)] == [28.95] * 3


def test_the_docx_section_has_the_margins_and_the_standard_grid() -> None:
    data = documents.render_notice_docx(full_notice())
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    sizes = (section.page_width, section.page_height, section.top_margin, section.bottom_margin)
    sides = (section.left_margin, section.right_margin)
    assert [round(v.mm, 1) for v in (*sizes, *sides)] == [210, 297, 37, 35, 28, 26]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert int(grid.get(qn("w:linePitch"))) == 579  # 28.95 pt: 22 lines
    pitch = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    assert 28 * pitch == pytest.approx(156 * MM, abs=0.5)  # 28 characters of 三号
    assert document.settings.odd_and_even_pages_header_footer
    runs = {r.text: r for p in document.paragraphs for r in p.runs}
    title, body, label = runs["指派通知书"], runs["附件"], runs["（印章）"]
    assert (title.font.size, title._element.rPr.rFonts.get(qn("w:eastAsia"))) == (
        Pt(22),
        TITLE_FONT,
    )
    assert body._element.rPr.rFonts.get(qn("w:eastAsia")) == HEADING_FONT
    assert label.font.color.rgb is not None  # the seal's place, in grey
    text = next(r for t, r in runs.items() if t.startswith("请你单位"))
    assert (text.font.size, text._element.rPr.rFonts.get(qn("w:eastAsia"))) == (
        Pt(16),
        BODY_FONT,
    )


# --- the faces ------------------------------------------------------------------------------


@needs_fonts
@pytest.mark.parametrize(("name", "make", "to_docx", "to_pdf"), RENDERERS)
def test_the_pdf_embeds_a_song_title_face_and_a_kai_text_face(
    name: str, make: Any, to_docx: Any, to_pdf: Any
) -> None:
    pdf = to_pdf(make())
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert "/FontFile2" in font["/FontDescriptor"]  # embedded TrueType
            assert re.match(r"/[A-Z]{6}\+", font["/BaseFont"])  # a subset
            names.add(str(font["/BaseFont"]).split("+", 1)[1])
    assert {n.split("-")[0] for n in names} == {"UMingCN", "LXGWWenKai"}
    assert not any(re.search("hei|sans|gothic", n, re.IGNORECASE) for n in names)
    drawn = text_by_font(pdf)
    assert make().center_name in drawn.get("LXGWWenKai-Regular", "") + drawn.get("UMingCN-0", "")


@needs_fonts
@needs_poppler
def test_pdffonts_shows_both_faces_embedded_and_subset() -> None:
    pdf = documents.render_notice_pdf(full_notice())
    out = subprocess.run(
        ["pdffonts", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert {row[0].split("+")[1].split("-")[0] for row in rows} == {"UMingCN", "LXGWWenKai"}
    for row in rows:
        assert row[0][:7].endswith("+") and row[1] == "TrueType"
        assert row[-5:-2] == ["yes", "yes", "yes"]  # emb, sub, uni


@needs_fonts
def test_titles_in_the_song_face_text_in_the_kai_face() -> None:
    drawn = text_by_font(documents.render_notice_pdf(full_notice()))
    assert "指派通知书" in drawn["UMingCN-0"] and CENTER in drawn["UMingCN-0"]
    kai = drawn["LXGWWenKai-Regular"]
    assert "请你单位于" in kai and "2026年9月30日" in kai and "指派通知书" not in kai


def _texts(document: Document) -> tuple[str, str]:
    """(title text, all other text) of a laid-out document."""
    titles, other = [], []
    for block in document.blocks:
        if isinstance(block, Title):
            titles.append(block.text)
        elif isinstance(block, Para):
            other.append(block.text)
        elif isinstance(block, Signature):
            other += block.lines
        elif isinstance(block, Table):
            other += [cell.text for row in block.rows for cell in row]
    return "".join(titles), "".join(other)


@needs_fonts
def test_every_character_printed_is_in_the_face_that_prints_it() -> None:
    """The notice's faces have every character it prints, 〇 included (fonts-arphic-gbsn00lp
    has none); the forms may use the other face for a character, never nothing."""
    from fayuan.documents.pdf import SUBSTITUTES, missing_glyphs, unprintable

    assert missing_glyphs("〇", "title") == missing_glyphs("〇") == set()
    for data in (full_notice(deadline_provisional=True), group_notice()):
        titles, text = _texts(notice_document(data))
        assert missing_glyphs(titles, "title") == set()
        assert missing_glyphs(text + "—0123456789（印章）") == set()
    forms = [
        approval_form_document(ordinary_form()),
        approval_form_document(
            replace(
                ordinary_form(),
                engine=replace(ordinary_form().engine, explanation="属地 0.00 − 负担 2.50"),
            )
        ),
        handler_change_form_document(change_form()),
    ]
    for document in forms:
        titles, text = _texts(document)
        assert unprintable(titles + text) == set()
        assert missing_glyphs(titles, "title") == set()
    assert set(SUBSTITUTES) >= {"\u2212"}


@needs_fonts
def test_a_character_the_face_lacks_comes_from_the_other_face(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AR PL UMing has no U+2212 (the minus of a negative score part): as the text face it
    takes that one character from LXGW WenKai; as the only face it prints "-" instead."""
    from fayuan.documents.pdf import missing_glyphs, unprintable

    song = fonts.TITLE_FONTS[0][0]
    kai = fonts.BODY_FONTS[0][0]
    form = replace(
        ordinary_form(),
        engine=replace(ordinary_form().engine, explanation="属地 0.00 − 负担 2.50"),
    )
    monkeypatch.setenv(fonts.ENV_FONT, song)
    monkeypatch.setenv(fonts.ENV_TITLE_FONT, kai)
    assert missing_glyphs("−") == {"−"} and unprintable("−") == set()
    pdf = documents.render_approval_form_pdf(form)
    assert "0.00−负担2.50" in pdf_text(pdf)
    assert "−" in text_by_font(pdf)["LXGWWenKai-Regular"]

    monkeypatch.delenv(fonts.ENV_TITLE_FONT)
    monkeypatch.setattr(fonts, "BODY_FONTS", (("/nonexistent/wenkai.ttf", 0, "x"),))
    monkeypatch.setattr(fonts, "SANS_FALLBACK_FONTS", ())
    assert fonts.find_pdf_fonts().fallbacks == ()
    assert "0.00-负担2.50" in pdf_text(documents.render_approval_form_pdf(form))


# --- the minus sign of a score part ---------------------------------------------------------


@needs_fonts
def test_negative_score_parts_keep_their_minus_sign() -> None:
    """The approval form prints the ranking's reasoning: the load part is subtracted, and a total
    may be negative. WenQuanYi Zen Hei, the old PDF font, has no U+2212: "+ 属地 0.00 − 负担
    2.50" printed as "+ 属地 0.00  负担 2.50", the load reading as a positive contribution."""
    explanation = (
        "1. 重庆北温泉律师事务所：总分 41.50 = 专业 40.00（擅长人员 2 名）+ 质量 4.00"
        "（平均 80.0）+ 属地 0.00 − 负担 2.50（近期 5 件/2 人），中选\n"
        "2. 重庆嘉陵律师事务所：总分 -1.50 = 专业 0.00 + 质量 0.00 + 属地 0.00 − 负担 1.50"
    )
    form = replace(ordinary_form(), engine=replace(ordinary_form().engine, explanation=explanation))
    text = pdf_text(documents.render_approval_form_pdf(form))
    assert "属地0.00−负担2.50" in text and "属地0.00−负担1.50" in text
    assert "总分-1.50" in text
    assert "属地 0.00 − 负担 2.50" in _docx_all_text(documents.render_approval_form_docx(form))


def _docx_all_text(data: bytes) -> str:
    body = docx.Document(io.BytesIO(data)).element.body
    return "".join(t.text or "" for t in body.iter(qn("w:t")))


# --- what the notice says -------------------------------------------------------------------


def test_articles_are_listed_in_the_regulations_order() -> None:
    assert ordered_articles(["第十一条", "第四条"]) == ["第四条", "第六条", "第十一条"]
    assert ordered_articles(["《法律援助法》第四十三条", "第九条", "第九条"]) == [
        "第六条",
        "第九条",
        "《法律援助法》第四十三条",
    ]
    data = full_notice(articles=["第十一条", "第四条", "第九条"])
    text = _docx_all_text(documents.render_notice_docx(data))
    assert "第四条、第六条、第九条、第十一条的规定" in text
    assert "依据第四条、第六条、第九条、第十一条" in text.replace("\n", "")


def test_the_notice_tells_the_institution_whom_to_call_about_what() -> None:
    data = full_notice()
    text = _docx_all_text(documents.render_notice_docx(data))
    for expected in (
        "电话：13812345678",
        "地址：重庆市北碚区天生街道云华路12号",
        "对方当事人重庆某建筑劳务有限公司、李某",
        "案情简要王小明被指控盗窃罪",
        "（联系人：陈晓燕；联系电话：023-68200148；地址：重庆市北碚区碚峡路111号）",
    ):
        assert expected in text
    bare = _docx_all_text(documents.render_notice_docx(notice()))
    assert "对方当事人" not in bare and "案情简要" not in bare and "联系人" not in bare


@needs_fonts
def test_the_pdf_notice_has_the_contacts_and_the_seal() -> None:
    pdf = documents.render_notice_pdf(full_notice())
    first, annex = page_text(pdf, 0), page_text(pdf, 1)
    assert "联系人：陈晓燕" in first
    seal = first.index("（印章）")
    assert first.index("附件：") < seal < first.index(CENTER + "2026年9月30日")
    for expected in ("13812345678", "重庆某建筑劳务有限公司、李某", "王小明被指控盗窃罪"):
        assert expected in annex


@needs_fonts
@needs_poppler
def test_the_seal_is_marked_over_the_issuer_and_date() -> None:
    page = words(documents.render_notice_pdf(full_notice()), 1)
    label = next(w for w in page if w[4] == "（印章）")
    issuer = [w for w in page if w[4] == CENTER][-1]  # the issuer, not the title
    when = next(w for w in page if w[4] == "2026年9月30日")
    assert label[3] < issuer[1] < when[1]  # above the issuer, the issuer above the date
    centre = (when[0] + when[2]) / 2
    assert (label[0] + label[2]) / 2 == pytest.approx(centre, abs=1)
    assert (issuer[0] + issuer[2]) / 2 == pytest.approx(centre, abs=1)
    # The date ends four characters (of 三号) from the right margin (GB/T 9704 7.3.5.1).
    assert when[2] == pytest.approx((210 - 26) * MM - 4 * 16, abs=0.5)


def test_a_provisional_deadline_is_marked_and_explained() -> None:
    due = datetime(2027, 1, 6, 23, 59, 59, tzinfo=CST)
    data = full_notice(assignment_due_at=due, deadline_provisional=True)
    note = provisional_note(due)
    assert note == "注：2027年国务院节假日安排尚未公布，期限将于公布后重新计算。"
    text = _docx_all_text(documents.render_notice_docx(data))
    assert "请你单位于2027年1月6日（星期三）24时（暂定）前安排" in text
    assert text.count(note) == 2  # under the text, and in the 附件's 安排期限
    plain = _docx_all_text(documents.render_notice_docx(replace(data, deadline_provisional=False)))
    assert "暂定" not in plain and "重新计算" not in plain


@needs_fonts
@needs_poppler
def test_the_provisional_note_is_one_line_of_the_pdf() -> None:
    due = datetime(2027, 1, 6, 23, 59, 59, tzinfo=CST)
    pdf = documents.render_notice_pdf(full_notice(assignment_due_at=due, deadline_provisional=True))
    assert pdf_pages(pdf) == 2  # still the notice on page 1, the 附件 on page 2
    first = page_text(pdf, 0)
    assert "2027年1月6日（星期三）24时（暂定）前" in first
    assert provisional_note(due) in [w[4] for w in words(pdf, 1)]  # one line, whole


# --- metadata -------------------------------------------------------------------------------


@needs_fonts
def test_the_pdf_is_dated_by_its_issue_date_with_chinese_metadata() -> None:
    data = full_notice(issued_at=ISSUED)
    reader = pypdf.PdfReader(io.BytesIO(documents.render_notice_pdf(data)))
    meta = reader.metadata
    assert meta is not None
    assert meta.creation_date == ISSUED and meta.modification_date == ISSUED
    assert meta.title == f"指派通知书 {NOTICE_NUMBER}" and meta.author == CENTER
    # Another issue date, another stamp: the render time plays no part.
    later = datetime(2026, 12, 1, 9, 5, tzinfo=CST)
    again = pypdf.PdfReader(io.BytesIO(documents.render_notice_pdf(replace(data, issued_at=later))))
    assert again.metadata is not None and again.metadata.creation_date == later


def test_the_docx_is_dated_by_its_issue_date_too() -> None:
    data = full_notice(issued_at=ISSUED)
    props = docx.Document(io.BytesIO(documents.render_notice_docx(data))).core_properties
    for value in (props.created, props.modified):
        assert value is not None
        assert value.replace(tzinfo=value.tzinfo or UTC) == ISSUED
    assert props.title == f"指派通知书 {NOTICE_NUMBER}" and props.author == CENTER
