"""fayuan.documents: 《指派通知书》 and the approval forms as DOCX and PDF (第五、六、十二条)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest

from fayuan import documents
from fayuan.documents import fonts
from fayuan.documents.data import (
    ApprovalFormData,
    BureauDecision,
    BureauReport,
    CollectiveDiscussion,
    DirectorDecision,
    EngineProposalView,
    HandlerChangeFormData,
    NoticeData,
    OfficerProposalView,
)
from fayuan.documents.docx import BODY_FONT, HEADING_FONT, TITLE_FONT
from fayuan.documents.layout import (
    TEXT_HEIGHT_PT,
    approval_form_document,
    approval_form_layouts,
    estimated_height,
    first_page,
    fitted,
    fitted_notice_document,
    handler_change_form_document,
    handler_change_form_layouts,
    notice_document,
    notice_layouts,
    signature,
    zh_date,
    zh_date_numerals,
    zh_deadline,
    zh_numeral,
)

CST = timezone(timedelta(hours=8))
CENTER = "重庆市北碚区法律援助中心"
NOTICE_NUMBER = "北碚法援指〔2026〕第0012号"
INSTITUTION = "重庆缙云律师事务所"
AIDED = "王小明"
DEADLINE = "2026年10月8日"


def _font_available() -> bool:
    try:
        fonts.find_cjk_font()
    except fonts.CJKFontError:
        return False
    return True


needs_cjk_font = pytest.mark.skipif(
    not _font_available(),
    reason="no Chinese TrueType font for PDF (apt-get install fonts-arphic-uming "
    "fonts-lxgw-wenkai; ./dev setup installs them)",
)


# --- sample documents -----------------------------------------------------------------------


def notice(**changes: Any) -> NoticeData:
    base = NoticeData(
        notice_number=NOTICE_NUMBER,
        center_name=CENTER,
        center_address="重庆市北碚区碚峡路111号",
        center_phone="023-68200148",
        issued_at=datetime(2026, 9, 30, 15, 20, tzinfo=CST),
        case_number="北碚法援〔2026〕刑字第0345号",
        category_zh="刑事",
        source_zh="通知辩护",
        organ_name="重庆市北碚区人民法院",
        letter_number="（2026）渝0109刑初218号",
        aided_persons=[AIDED],
        aided_count=1,
        institution_name=INSTITUTION,
        institution_address="北碚区天生街道云华路8号",
        handlers_required=1,
        assignment_due_at=datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST),
        rule_zh="按序轮流指派（第十一条）",
        articles=["第六条", "第十一条"],
    )
    return replace(base, **changes)


def group_notice() -> NoticeData:
    return notice(
        case_number="北碚法援〔2026〕民字第0102号",
        category_zh="劳动仲裁",
        source_zh="公民申请",
        organ_name=None,
        letter_number=None,
        aided_persons=["赵大勇", "钱二妹", "孙三", "李四", "周五"],
        aided_count=56,
        institution_name="重庆嘉陵律师事务所",
        institution_address=None,
        handlers_required=3,
        assignment_due_at=datetime(2026, 10, 10, 23, 59, 59, tzinfo=CST),
        rule_zh="综合评分（第九、十条）",
        articles=["第十条", "第九条"],
        chosen_practitioner_name="陈律师",
        notes="集团案件，受援人推选代表赵大勇。",
    )


def ordinary_form() -> ApprovalFormData:
    return ApprovalFormData(
        kind="ordinary",
        center_name=CENTER,
        case_number="北碚法援〔2026〕民字第0101号",
        category_zh="民事",
        source_zh="公民申请",
        aided_summary="李秀英",
        handlers_required=1,
        engine=EngineProposalView(
            "重庆北温泉律师事务所", "综合评分（第九、十条）", "专业特长得40分，合计90分。"
        ),
        officer=OfficerProposalView(
            "重庆北温泉律师事务所", "同意系统建议。", "陈晓燕", date(2026, 9, 30)
        ),
        assignment_due_at=datetime(2026, 10, 10, 23, 59, 59, tzinfo=CST),
        director=DirectorDecision("刘建国", date(2026, 9, 30), True, "同意。"),
    )


def major_form() -> ApprovalFormData:
    return ApprovalFormData(
        kind="major",
        center_name=CENTER,
        case_number="北碚法援〔2026〕民字第0102号",
        category_zh="劳动仲裁",
        source_zh="公民申请",
        aided_summary="赵大勇等56人",
        handlers_required=3,
        engine=EngineProposalView("重庆北温泉律师事务所", "综合评分", "得分最高。"),
        officer=OfficerProposalView(
            "重庆嘉陵律师事务所",
            "拟指派重庆嘉陵律师事务所。",
            "陈晓燕",
            date(2026, 9, 30),
            override_reason="为平衡负荷改派。",
        ),
        major_grounds=["受援人50人以上（56人）"],
        discussion=CollectiveDiscussion(
            date(2026, 10, 8), ["刘建国", "陈晓燕", "周文"], "同意指派重庆嘉陵律师事务所。"
        ),
        bureau_report=BureauReport("北碚法援〔2026〕报字第3号", date(2026, 10, 8)),
    )


def change_form(**changes: Any) -> HandlerChangeFormData:
    base = HandlerChangeFormData(
        center_name=CENTER,
        case_number="北碚法援〔2026〕刑字第0345号",
        category_zh="刑事",
        aided_summary=AIDED,
        change_number=3,
        max_changes=2,
        current_institution=INSTITUTION,
        current_handler="张伟",
        reason="承办人曾担任被害人的代理人，存在利益冲突。",
        consent=True,
        consent_on=date(2026, 11, 2),
        mode="other_institution",
        requested_on=date(2026, 11, 2),
        new_institution="重庆嘉陵律师事务所",
        director=DirectorDecision("刘建国", date(2026, 11, 3), True, "同意，报区司法局。"),
        bureau=BureauDecision("王强", date(2026, 11, 4), True, "利益冲突，同意第三次更换。"),
    )
    return replace(base, **changes)


# --- reading the output back ----------------------------------------------------------------


def _docx_paragraphs(data: bytes) -> Iterator[Any]:
    doc = docx.Document(io.BytesIO(data))
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in _docx_paragraphs(data))


def pdf_text(data: bytes) -> str:
    """The text of every page, whitespace and page numbers ("— 2 —") taken out."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    return re.sub(r"—\d+—", "", text)


def pdf_pages(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data: bytes) -> list[Any]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    found = []
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            found.append(ref.get_object())
    return found


RENDERERS = [
    ("notice", notice, documents.render_notice_docx, documents.render_notice_pdf),
    ("group notice", group_notice, documents.render_notice_docx, documents.render_notice_pdf),
    (
        "ordinary",
        ordinary_form,
        documents.render_approval_form_docx,
        documents.render_approval_form_pdf,
    ),
    ("major", major_form, documents.render_approval_form_docx, documents.render_approval_form_pdf),
    (
        "change",
        change_form,
        documents.render_handler_change_form_docx,
        documents.render_handler_change_form_pdf,
    ),
]


# --- DOCX -----------------------------------------------------------------------------------


def test_notice_docx_says_who_what_and_by_when() -> None:
    text = docx_text(documents.render_notice_docx(notice()))
    for expected in (NOTICE_NUMBER, INSTITUTION, AIDED, DEADLINE, "指派通知书", "第六条"):
        assert expected in text
    assert f"{INSTITUTION}：" in text  # the addressee
    assert "24时前安排1名执业律师承办本案" in text
    assert "签订委托协议" in text
    assert "2026年9月30日" in text  # the issue date, under the center's name
    assert "附件：法律援助案件基本情况" in text and "（印章）" in text


def test_notice_docx_names_the_chinese_fonts_in_the_east_asian_slot() -> None:
    data = documents.render_notice_docx(notice())
    runs = [run for p in _docx_paragraphs(data) for run in p.runs]
    assert runs
    east_asian = {run._element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) for run in runs}
    assert east_asian == {TITLE_FONT, BODY_FONT, HEADING_FONT}  # 黑体: the 附件 label
    title = next(run for p in _docx_paragraphs(data) for run in p.runs if run.text == "指派通知书")
    assert title.font.name == TITLE_FONT
    normal = docx.Document(io.BytesIO(data)).styles["Normal"].element.rPr.rFonts
    assert normal.get(docx.oxml.ns.qn("w:eastAsia")) == BODY_FONT


def test_group_notice_lists_names_and_count_and_chosen_practitioner() -> None:
    text = docx_text(documents.render_notice_docx(group_notice()))
    assert "赵大勇、钱二妹、孙三、李四、周五等56人" in text
    assert "受援人赵大勇" in text and "申请法律援助一案" in text
    assert "安排3名承办人" in text  # not 执业律师: a labour arbitration case
    assert "陈律师" in text
    assert "第六条、第九条、第十条" in text  # the regulation's order, 第六条 always included
    assert "2026年10月10日（星期六）24时前" in text


@pytest.mark.parametrize(("name", "make", "to_docx", "to_pdf"), RENDERERS)
def test_every_docx_reopens_with_its_case_number(
    name: str, make: Any, to_docx: Any, to_pdf: Any
) -> None:
    data = make()
    text = docx_text(to_docx(data))
    assert data.case_number in text
    assert CENTER in text


def test_approval_forms_show_their_route() -> None:
    ordinary = docx_text(documents.render_approval_form_docx(ordinary_form()))
    assert "普通案件指派审批表" in ordinary
    assert "中心负责人决定" in ordinary and "负责人：刘建国" in ordinary
    assert "区司法局" not in ordinary.split("注：")[0]

    major = docx_text(documents.render_approval_form_docx(major_form()))
    assert "重大疑难案件指派审批表" in major
    assert "参加人员：刘建国、陈晓燕、周文" in major
    assert "报告文号：北碚法援〔2026〕报字第3号" in major
    assert "与系统建议不同的理由：为平衡负荷改派。" in major
    assert "□同意　□不同意" in major  # the bureau has not decided yet: boxes to tick


def test_handler_change_form_over_the_cap_needs_the_bureau() -> None:
    text = docx_text(documents.render_handler_change_form_docx(change_form()))
    assert "第3次（原则上不超过2次），超过次数，须报区司法局批准" in text
    assert "理由：利益冲突，同意第三次更换。" in text
    within = docx_text(
        documents.render_handler_change_form_docx(change_form(change_number=1, bureau=None))
    )
    assert "无需报请区司法局批准" in within
    refused = docx_text(documents.render_handler_change_form_docx(change_form(consent=False)))
    assert "受援人不同意更换承办人" in refused


# --- PDF ------------------------------------------------------------------------------------


def page_text(data: bytes, page: int) -> str:
    text = pypdf.PdfReader(io.BytesIO(data)).pages[page].extract_text()
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", text))


@needs_cjk_font
def test_notice_pdf_is_the_notice_then_its_annex() -> None:
    data = documents.render_notice_pdf(notice())
    assert data.startswith(b"%PDF-")
    assert pdf_pages(data) == 2
    first = page_text(data, 0)
    for expected in (NOTICE_NUMBER, INSTITUTION, AIDED, DEADLINE, "第六条", "签订委托协议"):
        assert expected in first
    assert "附件：法律援助案件基本情况" in first
    assert first.index("重庆市北碚区法律援助中心2026年9月30日") > first.index("附件：")
    annex = page_text(data, 1)
    assert annex.startswith("附件法律援助案件基本情况")
    for expected in (NOTICE_NUMBER, "北碚法援〔2026〕刑字第0345号", "北碚区天生街道云华路8号"):
        assert expected in annex


@needs_cjk_font
@pytest.mark.parametrize(("name", "make", "to_docx", "to_pdf"), RENDERERS)
def test_every_pdf_embeds_its_only_font(name: str, make: Any, to_docx: Any, to_pdf: Any) -> None:
    data = make()
    pdf = to_pdf(data)
    assert data.case_number in pdf_text(pdf)
    used = pdf_fonts(pdf)
    assert used
    for font in used:  # no Helvetica or STSong-Light: every font is embedded TrueType
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"]
        assert re.match(r"/[A-Z]{6}\+", font["/BaseFont"])  # a subset


def longer_notice() -> NoticeData:
    """A notice whose page 1 needs the tighter lines: a provisional deadline's note and a long
    contact line."""
    return notice(
        deadline_provisional=True,
        center_contact_person="陈晓燕",
        center_address="重庆市北碚区碚峡路111号公共法律服务中心二楼法律援助窗口",
    )


@needs_cjk_font
def test_a_long_notice_is_tightened_to_end_on_its_first_page() -> None:
    from fayuan.documents.pdf import render_document_pdf

    normal = render_document_pdf(first_page(notice_document(longer_notice())))
    assert pdf_pages(normal) == 2  # the 落款 would stand alone on page 2
    data = documents.render_notice_pdf(longer_notice())
    assert pdf_pages(data) == 2  # the notice on page 1, its 附件 on page 2
    first = page_text(data, 0)
    assert "2026年9月30日" in first and "联系人：陈晓燕" in first
    assert page_text(data, 1).startswith("附件法律援助案件基本情况")


def test_a_long_notice_docx_is_tightened_too() -> None:
    assert estimated_height(notice_document(notice())) <= TEXT_HEIGHT_PT - 2
    assert estimated_height(notice_document(longer_notice())) > TEXT_HEIGHT_PT - 2
    assert fitted_notice_document(notice()) == notice_document(notice())
    assert fitted_notice_document(longer_notice()) == notice_document(longer_notice(), True)


@needs_cjk_font
def test_pdf_is_reproducible() -> None:
    assert documents.render_notice_pdf(notice()) == documents.render_notice_pdf(notice())


@needs_cjk_font
def test_the_font_has_the_characters_dates_and_numbers_need() -> None:
    from fayuan.documents.pdf import missing_glyphs

    text = "二〇二六年九月三十日 北碚法援指〔2026〕第0012号 □＿（）：；、。（印章）"
    assert missing_glyphs(text) == set()
    assert missing_glyphs(text, "title") == set()


@needs_cjk_font
def test_chinese_commas_never_start_a_line() -> None:
    from reportlab.platypus import Paragraph

    from fayuan.documents.pdf import _style, cjk_font_name

    text = "应当征得受援人同意后报中心批准；更换承办人原则上不超过2次，再次更换须经批准。" * 3
    for width in range(150, 450, 7):
        para = Paragraph(text, _style(cjk_font_name(), 12, 18))
        para.wrap(width, 10_000)
        for _, words in para.blPara.lines[1:]:
            assert not "".join(words).startswith(("，", "。", "；", "："))


# --- long free text: nothing lost, no LayoutError -------------------------------------------


def long_text(tag: str, size: int = 3000, lines: bool = False) -> str:
    """`size` characters of numbered sentences (each part unique, so a lost page would show),
    ending in 【tag完】; with `lines`, one sentence a line, as the rules write their reasoning."""
    sep = "\n" if lines else ""
    sentences: list[str] = []
    i = 0
    while sum(map(len, sentences)) < size:
        i += 1
        sentences.append(f"{tag}第{i}句：综合考虑专业特长、办案质量、受援人意愿与承办负荷，{sep}")
    end = f"【{tag}完】"
    return "".join(sentences)[: size - len(end)].rstrip("\n") + end


def long_notice() -> NoticeData:
    return notice(rule_zh=long_text("指派方式"), notes=long_text("备注"))


def long_ordinary_form() -> ApprovalFormData:
    f = ordinary_form()
    assert f.officer is not None and f.director is not None
    return replace(
        f,
        case_summary=long_text("案情摘要"),
        engine=replace(f.engine, explanation=long_text("系统理由", lines=True)),
        officer=replace(
            f.officer, opinion=long_text("指派意见"), override_reason=long_text("改派")
        ),
        director=replace(f.director, reason=long_text("负责人意见")),
    )


def long_major_form() -> ApprovalFormData:
    f = major_form()
    assert f.officer is not None and f.discussion is not None
    return replace(
        f,
        case_summary=long_text("案情摘要"),
        major_grounds=[long_text("重大情形")],
        engine=replace(f.engine, explanation=long_text("系统理由", lines=True)),
        officer=replace(
            f.officer, opinion=long_text("指派意见"), override_reason=long_text("改派")
        ),
        discussion=replace(f.discussion, conclusion=long_text("讨论结论")),
        bureau_decision=BureauDecision("王强", date(2026, 10, 9), False, long_text("司法局理由")),
    )


def long_change_form() -> HandlerChangeFormData:
    return change_form(
        reason=long_text("更换理由"),
        director=DirectorDecision("刘建国", date(2026, 11, 3), True, long_text("负责人意见")),
        bureau=BureauDecision("王强", date(2026, 11, 4), True, long_text("司法局理由")),
    )


def long_texts(data: Any) -> list[str]:
    """Every long free text of `data`, as `long_text` made them."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and value.endswith("完】"):
            found.append(value)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))

    walk(data)
    return found


LONG = [
    (
        "ordinary",
        long_ordinary_form,
        documents.render_approval_form_docx,
        documents.render_approval_form_pdf,
        5,
    ),
    (
        "major",
        long_major_form,
        documents.render_approval_form_docx,
        documents.render_approval_form_pdf,
        7,
    ),
    (
        "change",
        long_change_form,
        documents.render_handler_change_form_docx,
        documents.render_handler_change_form_pdf,
        3,
    ),
]


@needs_cjk_font
@pytest.mark.parametrize(("name", "make", "to_docx", "to_pdf", "count"), LONG)
def test_long_free_text_flows_onto_more_pages_whole(
    name: str, make: Any, to_docx: Any, to_pdf: Any, count: int
) -> None:
    data = make()
    texts = long_texts(data)
    assert len(texts) == count and all(len(t) == 3000 for t in texts)
    pdf = to_pdf(data)
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf) >= 1 + count * 3000 // 2000  # some 1,200 characters a page
    text = pdf_text(pdf)
    for long in texts:
        assert long[-30:] in text  # its end
        assert re.sub(r"\s+", "", long) in text  # and all of it, in order
    page_one = re.sub(r"\s+", "", pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "见续页一" in page_one and data.case_number in page_one
    assert "完】" not in page_one  # page 1 is the form; the texts follow on the 续页
    assert "（续页）" in text

    document = docx.Document(io.BytesIO(to_docx(data)))
    text = docx_text(to_docx(data))
    for long in texts:
        assert long in text
    breaks = [p for p in document.paragraphs if p.paragraph_format.page_break_before]
    assert len(breaks) == 1 and breaks[0].text.endswith("（续页）")


@needs_cjk_font
def test_a_long_notice_prints_its_free_text_whole_in_the_annex() -> None:
    """The notice has no 续页: its long texts are in the 附件's table, which flows on."""
    data = replace(long_notice(), case_summary=long_text("案情简要"))
    texts = long_texts(data)
    assert len(texts) == 3
    pdf = documents.render_notice_pdf(data)
    assert pdf_pages(pdf) >= 1 + 3 * 3000 // 2000
    first = page_text(pdf, 0)
    assert data.case_number in first and "2026年9月30日" in first
    assert "完】" not in first and "续页" not in pdf_text(pdf)
    text = pdf_text(pdf)
    for long in texts:
        assert re.sub(r"\s+", "", long) in text  # whole, in order
    docx_data = documents.render_notice_docx(data)
    for long in texts:
        assert long in docx_text(docx_data)
    document = docx.Document(io.BytesIO(docx_data))
    breaks = [p for p in document.paragraphs if p.paragraph_format.page_break_before]
    assert [p.text for p in breaks] == ["附件"]


@needs_cjk_font
@pytest.mark.parametrize(
    ("make", "build"),
    [
        (long_ordinary_form, approval_form_document),
        (long_major_form, approval_form_document),
        (long_change_form, handler_change_form_document),
    ],
)
def test_a_cell_taller_than_a_page_splits_instead_of_failing(make: Any, build: Any) -> None:
    """Every text kept in its cell (no 续页): the rows split across pages, nothing lost."""
    from fayuan.documents.pdf import render_document_pdf

    data = make()
    document = build(data)
    assert not document.continued
    pdf = render_document_pdf(document)  # reportlab raised LayoutError here
    assert pdf_pages(pdf) > 3
    text = pdf_text(pdf)
    for long in long_texts(data):
        assert long[-30:] in text


@needs_cjk_font
def test_a_long_name_cannot_move_out_and_still_does_not_stop_the_notice() -> None:
    data = notice(institution_address=long_text("地址"), organ_name=long_text("机关", 1500))
    pdf = documents.render_notice_pdf(data)
    text = pdf_text(pdf)
    assert "【地址完】" in text and "【机关完】" in text and "2026年9月30日" in text
    assert "【地址完】" in docx_text(documents.render_notice_docx(data))


@needs_cjk_font
@pytest.mark.parametrize(("name", "make", "to_docx", "to_pdf"), RENDERERS)
def test_normal_documents_stay_on_one_page(name: str, make: Any, to_docx: Any, to_pdf: Any) -> None:
    """A form on one page; a notice on one page and its 附件 on the next."""
    data = make()
    is_notice = isinstance(data, NoticeData)
    assert pdf_pages(to_pdf(data)) == (2 if is_notice else 1)
    document = docx.Document(io.BytesIO(to_docx(data)))
    breaks = [p.text for p in document.paragraphs if p.paragraph_format.page_break_before]
    assert breaks == (["附件"] if is_notice else [])
    assert "续页" not in docx_text(to_docx(data))


@needs_cjk_font
def test_a_longer_explanation_stays_in_its_cell_while_the_form_fits() -> None:
    form = ordinary_form()
    reasoning = long_text("系统理由", 250)
    data = replace(form, engine=replace(form.engine, explanation=reasoning))
    layouts = approval_form_layouts(data)
    assert len(layouts) == 2  # in the cell, or on the 续页
    assert fitted(layouts) is layouts[0]
    pdf = documents.render_approval_form_pdf(data)
    assert pdf_pages(pdf) == 1
    assert re.sub(r"\s+", "", reasoning) in pdf_text(pdf)


def test_only_what_does_not_fit_goes_to_the_continuation() -> None:
    form = ordinary_form()
    explanation = long_text("系统理由", 1300, lines=True)  # the reasoning over a large roster
    data = replace(form, engine=replace(form.engine, explanation=explanation))
    document = fitted(approval_form_layouts(data))
    cells = [
        cell.text
        for block in document.blocks
        if hasattr(block, "rows")
        for row in block.rows
        for cell in row
    ]
    assert any(c.endswith("理由：见续页一") for c in cells)
    assert "意见：同意系统建议。" in "\n".join(cells)  # the short opinion stays in its cell
    assert sum(explanation == getattr(b, "text", None) for b in document.blocks) == 1

    # The longest goes first; each layout moves one more; short texts never move.
    change = long_change_form()
    short_reason = replace(change, reason="利益冲突。")
    assert len(handler_change_form_layouts(change)) == 4
    assert len(handler_change_form_layouts(short_reason)) == 3
    assert len(notice_layouts(long_notice())) == 2  # normal, then compact: nothing moves out
    assert notice_layouts(notice()) == (notice_document(notice()), notice_document(notice(), True))


def test_chinese_numerals_number_the_continuation() -> None:
    assert [zh_numeral(n) for n in (1, 2, 9, 10, 11, 20, 21, 99, 100)] == [
        "一",
        "二",
        "九",
        "十",
        "十一",
        "二十",
        "二十一",
        "九十九",
        "100",
    ]


# --- fonts ----------------------------------------------------------------------------------


def _no_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (fonts.ENV_FONT, fonts.ENV_TITLE_FONT):
        monkeypatch.delenv(var, raising=False)
    for table in ("TITLE_FONTS", "BODY_FONTS", "SANS_FALLBACK_FONTS"):
        monkeypatch.setattr(fonts, table, (("/nonexistent/font.ttc", 0, "x"),))


def test_no_font_is_a_clear_error_naming_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_fonts(monkeypatch)
    with pytest.raises(fonts.CJKFontError) as err:
        fonts.find_pdf_fonts()
    message = str(err.value)
    assert "apt-get install fonts-arphic-uming fonts-lxgw-wenkai" in message
    assert "未找到" in message and "No embeddable Chinese TrueType font" in message
    assert fonts.main() == 1


def test_only_both_serif_faces_are_complete(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check ./dev setup runs: exit 0 only with the Song title face and the Kai text face;
    one missing is replaced by the other, a sans-serif face only as a loudly warned last resort."""
    song, kai, hei = (tmp_path / name for name in ("uming.ttc", "wenkai.ttf", "zenhei.ttc"))
    for path in (song, kai, hei):
        path.write_bytes(b"")
    _no_fonts(monkeypatch)
    monkeypatch.setattr(fonts, "TITLE_FONTS", ((str(song), 0, "fonts-arphic-uming"),))
    monkeypatch.setattr(fonts, "BODY_FONTS", ((str(kai), 0, "fonts-lxgw-wenkai"),))
    monkeypatch.setattr(fonts, "SANS_FALLBACK_FONTS", ((str(hei), 0, "fonts-wqy-zenhei"),))
    found = fonts.find_pdf_fonts()
    assert (found.title.path, found.body.path, found.complete) == (song, kai, True)
    assert [f.path for f in found.fallbacks] == [hei]  # for single characters only
    assert fonts.main() == 0
    out = capsys.readouterr().out
    assert "uming.ttc" in out and "wenkai.ttf" in out

    kai.unlink()
    found = fonts.find_pdf_fonts()
    assert (found.title.path, found.body.path) == (song, song)
    assert not found.complete and "fonts-lxgw-wenkai" in found.warnings[0]
    assert fonts.main() == 1

    song.unlink()
    found = fonts.find_pdf_fonts()
    assert found.body.path == hei and found.body.sans
    assert "无衬线" in found.warnings[-1] and "sans-serif" in found.warnings[-1]
    assert fonts.main() == 1


def test_env_var_overrides_and_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(fonts.ENV_FONT, str(tmp_path / "missing.ttf"))
    with pytest.raises(fonts.CJKFontError, match="FAYUAN_PDF_FONT"):
        fonts.find_cjk_font()
    real = tmp_path / "font.ttc"
    real.write_bytes(b"")
    monkeypatch.setenv(fonts.ENV_FONT, str(real))
    monkeypatch.setenv(fonts.ENV_FONT_INDEX, "2")
    found = fonts.find_cjk_font()
    assert (found.path, found.subfont_index, found.source) == (real, 2, fonts.ENV_FONT)
    monkeypatch.setenv(fonts.ENV_TITLE_FONT, str(tmp_path / "missing-title.ttf"))
    with pytest.raises(fonts.CJKFontError, match="FAYUAN_PDF_TITLE_FONT"):
        fonts.find_pdf_fonts()


def test_a_file_that_is_no_truetype_font_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fayuan.documents.pdf import cjk_font_name

    bogus = tmp_path / "NotoSansCJK.otf"
    bogus.write_bytes(b"OTTO" + b"\0" * 64)  # a CFF font's signature, and nothing else
    monkeypatch.setenv(fonts.ENV_FONT, str(bogus))
    with pytest.raises(fonts.CJKFontError, match="TrueType"):
        cjk_font_name()


# --- data and words -------------------------------------------------------------------------


def test_dates_and_deadlines_in_chinese() -> None:
    assert zh_date(date(2026, 9, 30)) == "2026年9月30日"
    assert zh_date_numerals(date(2026, 12, 1)) == "二〇二六年十二月一日"
    assert zh_date_numerals(date(2030, 10, 21)) == "二〇三〇年十月二十一日"
    assert zh_date_numerals(datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) == "二〇二六年十月一日"
    assert (
        zh_deadline(datetime(2026, 10, 8, 23, 59, 59, tzinfo=CST)) == "2026年10月8日（星期四）24时"
    )
    # A UTC time is shown in China Standard Time: 2026-10-08T09:30Z is 17:30 in Chongqing.
    assert (
        zh_deadline(datetime(2026, 10, 8, 9, 30, tzinfo=UTC)) == "2026年10月8日（星期四）17时30分"
    )
    assert zh_date(datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) == "2026年10月1日"


def test_signature_centers_the_issuer_over_the_date() -> None:
    sig = signature(CENTER, "2026年9月30日")
    issuer, when = sig.right_chars
    assert when == 4.0  # the date four characters from the right margin (GB/T 9704)
    assert issuer == pytest.approx(4.0 + (6.5 - 12) / 2)


def test_data_is_checked() -> None:
    with pytest.raises(ValueError, match="aided_count"):
        notice(aided_persons=["甲", "乙"], aided_count=1)
    with pytest.raises(ValueError, match="第五条"):
        replace(ordinary_form(), discussion=CollectiveDiscussion(date(2026, 1, 1), [], "x"))
    with pytest.raises(ValueError, match="第五条"):
        replace(major_form(), director=DirectorDecision("刘建国", date(2026, 1, 1), True))
    with pytest.raises(ValueError, match="理由"):
        change_form(bureau=BureauDecision("王强", date(2026, 11, 4), True, ""))
    frozen = notice()
    assert isinstance(frozen.aided_persons, tuple)
