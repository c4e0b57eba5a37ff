"""Roster workbooks written directly as SpreadsheetML (zip + XML), for tests that need a large
or odd one fast: openpyxl takes seconds to write what this writes in a fraction of one.

`large_roster_xlsx(rows)` has the sheets 机构 and 承办人 with the export's headers, 10
institutions and `rows` practitioners, every cell an inline string or a number; `cells` of
the result is what a reader sees (headers included)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

INSTITUTION_HEADERS = ("编号", "名称", "类别", "镇街", "公布顺序", "在册")
PRACTITIONER_HEADERS = (
    "编号",
    "姓名",
    "所属机构",
    "类别",
    "执业日期",
    "刑事辩护件数",
    "专业特长",
    "办案质量评分",
    "可承办未成年人案件",
    "在册",
)

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{rels}</Relationships>"
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet{n}.xml"/>'
)


def _cell(ref: str, value: object) -> str:
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows: Iterable[Sequence[object]], dimension: str | None = None) -> Iterable[str]:
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    if dimension:
        yield f'<dimension ref="{dimension}"/>'
    yield "<sheetData>"
    for r, row in enumerate(rows, 1):
        cells = "".join(
            _cell(f"{get_column_letter(c)}{r}", v) for c, v in enumerate(row, 1) if v is not None
        )
        yield f'<row r="{r}">{cells}</row>'
    yield "</sheetData></worksheet>"


def workbook(sheets: dict[str, Iterable[str]]) -> bytes:
    """An .xlsx of `sheets` (title → the parts of its XML, from `sheet_xml`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        n = len(sheets)
        z.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=i) for i in range(1, n + 1))),
        )
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{escape(title)}" sheetId="{i}" r:id="rId{i}"/>'
                    for i, title in enumerate(sheets, 1)
                )
            ),
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(rels="".join(_SHEET_REL.format(n=i) for i in range(1, n + 1))),
        )
        for i, parts in enumerate(sheets.values(), 1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w") as f:
                for part in parts:
                    f.write(part.encode())
    return out.getvalue()


@dataclass(frozen=True)
class Workbook:
    data: bytes
    cells: int


def large_roster_xlsx(rows: int, institutions: int = 10) -> Workbook:
    """A well-formed roster workbook with `rows` practitioners (each valid)."""
    inst = [INSTITUTION_HEADERS] + [
        (f"F{i:03d}", f"第{i}律师事务所", "律师事务所", "天生街道", i, True)
        for i in range(1, institutions + 1)
    ]

    def practitioners() -> Iterable[Sequence[object]]:
        yield PRACTITIONER_HEADERS
        for n in range(1, rows + 1):
            yield (
                f"L{n:06d}",
                f"律师{n}",
                f"F{n % institutions + 1:03d}",
                "执业律师",
                f"20{n % 20 + 5:02d}-0{n % 9 + 1}-1{n % 9}",
                n % 40,
                "刑事辩护、劳动争议" if n % 2 else "婚姻家庭",
                round(60 + (n % 400) / 10, 1),
                bool(n % 3 == 0),
                True,
            )

    data = workbook({"机构": sheet_xml(inst), "承办人": sheet_xml(practitioners())})
    cells = sum(len(r) for r in inst) + len(PRACTITIONER_HEADERS) * (rows + 1)
    return Workbook(data, cells)
