"""The roster as an Excel workbook (openpyxl): sheets 机构 and 承办人, one row per entry under a
row of Chinese headers. Booleans are 是/否, specialties are joined with 、, dates are real Excel
dates. Reading reports every bad cell as sheet, Excel row and column, e.g.
"承办人 第7行 E列（执业日期）：日期格式错误…"; nothing is imported unless the whole file is good.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pydantic import BaseModel, ValidationError

from fayuan.exchange import CenterIn, InstitutionIn, PractitionerIn, RosterIn, describe_error
from fayuan.limits import ROSTER_XLSX_MAX_CELLS, ROSTER_XLSX_MAX_UNZIPPED_BYTES, size_zh
from fayuan.policy.model import InstitutionKind, PractitionerKind
from fayuan.roster.actions import (
    INSTITUTIONS,
    PRACTITIONERS,
    Locator,
    RosterImportError,
    RowError,
    export_roster,
    roster_problems,
)
from fayuan.roster.models import Center

INSTITUTION_SHEET = "机构"
PRACTITIONER_SHEET = "承办人"
FILE = "(文件)"
YES, NO = "是", "否"

INSTITUTION_KINDS = {
    "律师事务所": InstitutionKind.law_firm,
    "基层法律服务所": InstitutionKind.grassroots_office,
}
PRACTITIONER_KINDS = {
    "执业律师": PractitionerKind.lawyer,
    "律师": PractitionerKind.lawyer,
    "基层法律服务工作者": PractitionerKind.grassroots_worker,
}


class _Bad(Exception):
    """A cell that cannot be read; the message is the Chinese reason."""


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # text, int, float, date, bool, list, choice
    required: bool = False
    choices: Mapping[str, Any] | None = None
    imported: bool = True  # False: written for information only, checked and dropped on reading
    width: int = 12


INSTITUTION_COLUMNS = (
    Column("编号", "id", "text", required=True, width=10),
    Column("名称", "name", "text", required=True, width=30),
    Column("类别", "kind", "choice", required=True, choices=INSTITUTION_KINDS, width=16),
    Column("镇街", "locality", "text", required=True, width=14),
    Column("公布顺序", "sequence", "int", required=True, width=10),
    Column("在册", "active", "bool", width=8),
    Column("暂停指派（仅导出）", "suspended", "bool", imported=False, width=20),
)
PRACTITIONER_COLUMNS = (
    Column("编号", "id", "text", required=True, width=10),
    Column("姓名", "name", "text", required=True, width=12),
    Column("所属机构", "institution", "text", required=True, width=10),
    Column("类别", "kind", "choice", required=True, choices=PRACTITIONER_KINDS, width=20),
    Column("执业日期", "licensed_on", "date", required=True, width=12),
    Column("刑事辩护件数", "criminal_defense_cases", "int", width=14),
    Column("专业特长", "specialties", "list", width=30),
    Column("办案质量评分", "quality", "float", width=14),
    Column("可承办未成年人案件", "minors_qualified", "bool", width=18),
    Column("在册", "active", "bool", width=8),
    Column("暂停指派（仅导出）", "suspended", "bool", imported=False, width=20),
)
SHEETS: dict[str, tuple[str, tuple[Column, ...], type[BaseModel]]] = {
    INSTITUTION_SHEET: (INSTITUTIONS, INSTITUTION_COLUMNS, InstitutionIn),
    PRACTITIONER_SHEET: (PRACTITIONERS, PRACTITIONER_COLUMNS, PractitionerIn),
}


# ---------------------------------------------------------------------------------- export


def _label(choices: Mapping[str, Any], value: str) -> str:
    for label, choice in choices.items():
        if choice == value:
            return label
    return value


def _cell_value(column: Column, row: Mapping[str, Any]) -> Any:
    value = row.get(column.field)
    if column.kind == "bool":
        return YES if value else NO
    if column.kind == "choice" and column.choices is not None:
        return _label(column.choices, str(value))
    if column.kind == "list":
        return "、".join(value or [])
    if column.kind == "date":
        return date.fromisoformat(str(value))
    return value


def export_roster_xlsx(center: Center) -> bytes:
    """The center's roster (`export_roster`) as an .xlsx workbook."""
    data = export_roster(center)
    book = Workbook()
    book.remove(book.active)
    for sheet_name, (section, columns, _) in SHEETS.items():
        sheet = book.create_sheet(sheet_name)
        sheet.append([column.header for column in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in data[section]:
            sheet.append([_cell_value(column, row) for column in columns])
        for index, column in enumerate(columns, 1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = column.width
            if column.kind == "date":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------- import


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return repr(value) if isinstance(value, str) else str(value)


def _text(value: Any) -> str | None:
    if isinstance(value, bool | date):
        raise _Bad(f"应为文本（收到 {_shown(value)}）")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int:
    if isinstance(value, bool | date):
        raise _Bad(f"应为整数（收到 {_shown(value)}）")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise _Bad(f"应为整数（收到 {_shown(value)}）")


def _float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise _Bad(f"应为数字（收到 {_shown(value)}）")


_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise _Bad(f"日期格式错误，不应含时间（收到 {_shown(value)}）")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and (match := _DATE.fullmatch(value.strip())):
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise _Bad(f"日期格式错误，应为日期单元格或 YYYY-MM-DD（收到 {_shown(value)}）")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip() in (YES, NO):
        return value.strip() == YES
    raise _Bad(f"应为“是”或“否”（收到 {_shown(value)}）")


def _list(value: Any) -> list[str]:
    text = _text(value) or ""
    return [part.strip() for part in re.split(r"[、，,；;\n]", text) if part.strip()]


def _choice(column: Column) -> Callable[[Any], Any]:
    choices = column.choices or {}

    def read(value: Any) -> Any:
        text = _text(value)
        for label, choice in choices.items():
            if text in (label, str(choice)):
                return choice
        allowed = "、".join(dict.fromkeys(_label(choices, str(c)) for c in choices.values()))
        raise _Bad(f"取值不在允许范围内，应为 {allowed}（收到 {_shown(value)}）")

    return read


_READERS: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "int": _int,
    "float": _float,
    "date": _date,
    "bool": _bool,
    "list": _list,
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Sheet:
    name: str
    section: str
    model: type[BaseModel]
    places: dict[str, str]  # field -> "E列（执业日期）"
    rows: list[int]  # Excel row number of each entry
    values: list[dict[str, Any]]  # the readable cells of each entry, by field
    good: list[BaseModel | None]


class _Budget:
    """The cells read so far (both sheets; an empty cell inside a row, and a row with none,
    count as one): past `limit` the import stops at once (`RosterImportError`)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, sheet: str, row: int, cells: int) -> None:
        self.used += max(cells, 1)
        if self.used > self.limit:
            raise RosterImportError([_too_many_cells(sheet, row, self.limit)])


def _too_many_cells(sheet: str, row: int | None, limit: int) -> RowError:
    where = f"读到第 {row} 行时" if row else ""
    return RowError(
        sheet,
        row,
        "",
        f"工作簿过大：{where}单元格已超过 {limit:,} 个（设置 FAYUAN_ROSTER_XLSX_MAX_CELLS），"
        "不像一份名册，已停止读取，未导入任何数据",
    )


def _read_sheet(
    sheet: Any, section: str, columns: Sequence[Column], model: type[BaseModel], budget: _Budget
) -> tuple[_Sheet, list[RowError]]:
    errors: list[RowError] = []
    name = str(sheet.title)
    by_header = {column.header: column for column in columns}
    found: dict[int, Column] = {}  # 0-based column index -> column
    places: dict[str, str] = {}
    result = _Sheet(name, section, model, places, [], [], [])
    # One pass over the sheet's XML as it streams (read-only mode), row 1 the headers; rows
    # missing from the file come as empty ones, so the position is the Excel row number.
    rows = iter(sheet.iter_rows(values_only=True))
    header = next(rows, ())
    budget.spend(name, 1, len(header))
    for index, value in enumerate(header):
        if _blank(value):
            continue
        title = str(value).strip()
        where = f"{get_column_letter(index + 1)}列"
        column = by_header.get(title)
        if column is None:
            allowed = "、".join(by_header)
            errors.append(RowError(name, 1, where, f"未知表头“{title}”，应为 {allowed}"))
        elif column.field in places:
            errors.append(RowError(name, 1, where, f"表头“{title}”重复"))
        else:
            found[index] = column
            places[column.field] = f"{where}（{title}）"
    for column in columns:
        if column.required and column.field not in places:
            errors.append(RowError(name, 1, "", f"缺少表头“{column.header}”"))
    if errors:
        return result, errors

    for number, cells in enumerate(rows, 2):
        budget.spend(name, number, len(cells))
        if all(_blank(value) for value in cells):
            continue
        values: dict[str, Any] = {}
        bad: set[str] = set()
        for index, value in enumerate(cells):
            column = found.get(index)
            if column is None:
                if not _blank(value):
                    letter = get_column_letter(index + 1)
                    errors.append(RowError(name, number, f"{letter}列", "该列没有表头"))
                    bad.add("")
                continue
            if _blank(value):
                continue
            reader = _choice(column) if column.kind == "choice" else _READERS[column.kind]
            try:
                value = reader(value)
            except _Bad as exc:
                errors.append(RowError(name, number, places[column.field], str(exc)))
                bad.add(column.field)
                continue
            if value is not None and column.imported:
                values[column.field] = value
        good: BaseModel | None = None
        try:
            good = model.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                key = str(error["loc"][0]) if error["loc"] else ""
                if key in bad:
                    continue  # already reported as unreadable
                _, reason = describe_error(error)
                errors.append(RowError(name, number, places.get(key, key), reason))
        if bad:
            good = None
        result.rows.append(number)
        result.values.append(values)
        result.good.append(good)
    return result, errors


def _locator(sheets: Mapping[str, _Sheet]) -> Locator:
    def locate(section: str, index: int, field: str, message: str) -> RowError:
        sheet = sheets.get(section)
        if sheet is None or not 0 <= index < len(sheet.rows):
            return RowError(section, index + 1, field, message, unit="条")
        return RowError(sheet.name, sheet.rows[index], sheet.places.get(field, field), message)

    return locate


def _setting(name: str, default: int) -> int:
    from django.conf import settings

    return int(getattr(settings, name, default)) if settings.configured else default


#: A cell element of a sheet's XML, with or without a namespace prefix.
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


def _count_cells(part: IO[bytes], limit: int) -> int:
    """The cell elements of one sheet's XML, counted from the stream in chunks without parsing
    it, stopping as soon as there are more than `limit`: a single row of a million cells would
    otherwise be parsed whole before the first row is seen."""
    count = 0
    tail = b""
    while chunk := part.read(1 << 20):
        buffer = tail + chunk
        # Every tag before the last "<" is whole (it ends before the next one): count those,
        # and carry the rest over to the next chunk.
        last = buffer.rfind(b"<")
        if last <= 0:
            count += 1 if last == 0 and _CELL_TAG.match(buffer) else 0
            tail = b"" if last < 0 or len(buffer) > 64 else buffer
        else:
            count += len(_CELL_TAG.findall(buffer, 0, last))
            tail = buffer[last:]
        if count > limit:
            return count
    return count + len(_CELL_TAG.findall(tail))


def _check_package(data: bytes, max_cells: int, max_unzipped: int) -> None:
    """Before openpyxl reads anything: what the parts unpack to (a zip bomb stops here) and how
    many cells the sheets hold (counted from the XML stream). Not a zip: left to openpyxl."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except Exception:  # BadZipFile, NotImplementedError (version), OSError…: openpyxl refuses it
        return
    with archive:
        infos = archive.infolist()
        unzipped = sum(info.file_size for info in infos)
        if unzipped > max_unzipped:
            raise RosterImportError(
                [
                    RowError(
                        FILE,
                        None,
                        "",
                        f"工作簿解压后过大（{size_zh(unzipped)}，最多 {size_zh(max_unzipped)}；"
                        "设置 FAYUAN_ROSTER_XLSX_MAX_UNZIPPED_BYTES），不像一份名册，"
                        "未导入任何数据",
                    )
                ]
            )
        cells = 0
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            try:
                with archive.open(info) as part:
                    cells += _count_cells(part, max_cells - cells)
            except Exception:  # zlib.error, BadZipFile, RuntimeError (encrypted)…
                return  # a damaged part: openpyxl says the file is not a workbook
            if cells > max_cells:
                raise RosterImportError([_too_many_cells(FILE, None, max_cells)])


def read_roster_xlsx(
    data: bytes,
    center_code: str,
    center_name: str,
    *,
    max_cells: int | None = None,
    max_unzipped: int | None = None,
) -> tuple[RosterIn, Locator]:
    """The roster of a workbook, and the locator that places a later problem (from
    `do_import_roster`) in the workbook's sheet, row and column.

    The sheets are streamed (openpyxl's read-only mode), and the cells are counted as they come:
    past `max_cells` (setting FAYUAN_ROSTER_XLSX_MAX_CELLS) reading stops with one error, as it
    does up front for a workbook whose parts unpack past `max_unzipped`
    (FAYUAN_ROSTER_XLSX_MAX_UNZIPPED_BYTES) or whose XML holds more cells."""
    if max_cells is None:
        max_cells = _setting("FAYUAN_ROSTER_XLSX_MAX_CELLS", ROSTER_XLSX_MAX_CELLS)
    if max_unzipped is None:
        max_unzipped = _setting(
            "FAYUAN_ROSTER_XLSX_MAX_UNZIPPED_BYTES", ROSTER_XLSX_MAX_UNZIPPED_BYTES
        )
    _check_package(data, max_cells, max_unzipped)
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise RosterImportError(
            [RowError(FILE, None, "", "不是有效的 Excel 工作簿（.xlsx）")]
        ) from exc
    try:
        return _read_book(book, center_code, center_name, _Budget(max_cells))
    except RosterImportError:
        raise
    except Exception as exc:  # a part openpyxl cannot read after all (damaged XML, bad style)
        raise RosterImportError(
            [RowError(FILE, None, "", "不是有效的 Excel 工作簿（.xlsx）：内容损坏，无法读取")]
        ) from exc
    finally:
        book.close()


def _read_book(
    book: Any, center_code: str, center_name: str, budget: _Budget
) -> tuple[RosterIn, Locator]:
    errors: list[RowError] = []
    for name in book.sheetnames:
        if name not in SHEETS:
            errors.append(
                RowError(
                    name,
                    None,
                    "",
                    f"未知工作表，应只有“{INSTITUTION_SHEET}”和“{PRACTITIONER_SHEET}”",
                )
            )
    sheets: dict[str, _Sheet] = {}
    for name, (section, columns, model) in SHEETS.items():
        if name not in book.sheetnames:
            errors.append(RowError(name, None, "", "缺少工作表"))
            continue
        worksheet = book[name]
        if hasattr(worksheet, "reset_dimensions"):
            # The size the file declares may be anything (A1:XFD1048576): rows are taken as
            # they are, and their cells counted.
            worksheet.reset_dimensions()
        sheet, problems = _read_sheet(worksheet, section, columns, model, budget)
        sheets[section] = sheet
        errors.extend(problems)

    locate = _locator(sheets)
    if INSTITUTIONS in sheets and PRACTITIONERS in sheets:
        errors.extend(
            roster_problems(sheets[INSTITUTIONS].values, sheets[PRACTITIONERS].values, locate)
        )
    if errors:
        order = list(SHEETS)
        errors.sort(
            key=lambda e: (
                order.index(e.sheet_or_section) if e.sheet_or_section in order else -1,
                e.row or 0,
            )
        )
        raise RosterImportError(errors)

    roster = RosterIn(
        center=CenterIn(id=center_code, name=center_name),
        institutions=[g for g in sheets[INSTITUTIONS].good if isinstance(g, InstitutionIn)],
        practitioners=[g for g in sheets[PRACTITIONERS].good if isinstance(g, PractitionerIn)],
    )
    return roster, locate


def parse_roster_xlsx(data: bytes, center_code: str, center_name: str) -> RosterIn:
    """Read a workbook written by `export_roster_xlsx` (or by hand in the same layout)."""
    return read_roster_xlsx(data, center_code, center_name)[0]
