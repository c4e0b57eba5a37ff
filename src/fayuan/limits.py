"""Limits on what a request or an imported file may hold, and the checks that apply them before
anything is parsed (pure Python: the roster importers, the CLI and the API share them).

The numbers are Django settings (`fayuan.settings`, each from an environment variable): the
body of a request (`DATA_UPLOAD_MAX_MEMORY_SIZE`), a workbook upload (`FAYUAN_MAX_UPLOAD_BYTES`),
the nesting of a JSON body (`FAYUAN_MAX_JSON_DEPTH`) and the cells of a roster workbook
(`FAYUAN_ROSTER_XLSX_MAX_CELLS`, `FAYUAN_ROSTER_XLSX_MAX_UNZIPPED_BYTES`). The defaults below
are those of the settings, for code that runs without Django (replay, the tests of the rules).
"""

from __future__ import annotations

import re
from typing import Final

#: A request body (JSON): a group case of 500 parties is about 150 KB, a district's roster
#: (a few hundred rows) under 200 KB.
MAX_BODY_BYTES: Final = 2 * 1024 * 1024
#: An uploaded roster workbook.
MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024
#: Nesting of a JSON body: the deepest the API reads is 4 (a roster's practitioner's
#: specialties); anything far deeper is not one of its bodies.
MAX_JSON_DEPTH: Final = 32
#: Cells of a roster workbook, counted as they are read (both sheets, empty cells of a row
#: included): 10 columns × 20,000 rows.
ROSTER_XLSX_MAX_CELLS: Final = 200_000
#: What the workbook's parts may unpack to (a zip bomb stops here, before any XML is parsed).
ROSTER_XLSX_MAX_UNZIPPED_BYTES: Final = 100 * 1024 * 1024
#: Rows of each section of a roster (JSON): far above any district's.
ROSTER_MAX_ROWS: Final = 20_000
#: Specialties of one practitioner.
ROSTER_MAX_SPECIALTIES: Final = 50
#: The largest count or sequence a roster holds (PositiveIntegerField on PostgreSQL).
ROSTER_MAX_INT: Final = 2_147_483_647


def size_zh(n: int) -> str:
    """2097152 → "2 MB"; 1500 → "1.5 KB"."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} 字节"


#: A JSON string: quotes around anything but an unescaped quote (escapes taken whole).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_too_deep(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the arrays and objects of the JSON text `data` nest deeper than `limit` (the
    brackets inside strings are text). Linear in the size of `data`, and needs no parsing:
    CPython's `json` itself raises RecursionError near 1,000 levels."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth = max(depth - 1, 0)
    return False


def depth_message(limit: int = MAX_JSON_DEPTH) -> str:
    return f"JSON 嵌套层数过多（最多 {limit} 层）：请求体不是本接口接受的格式。"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def control_character(text: str, *, line_breaks: bool = True) -> str | None:
    """The first control character of `text`, written as U+0000, or None; tab and line breaks
    are text unless `line_breaks` is False. PostgreSQL refuses NUL in text; the others are
    never part of a name, a code or an address."""
    match = (_CONTROL if line_breaks else _ANY_CONTROL).search(text)
    return f"U+{ord(match.group()):04X}" if match else None


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as text, in Chinese, or None: a control character, or a lone
    surrogate (JSON's "\\ud800" decodes to one; neither database can encode it in UTF-8)."""
    found = control_character(text)
    if found:
        return f"含有不允许的控制字符（{found}）"
    match = _SURROGATE.search(text)
    if match:
        return f"含有无效的 Unicode 字符（单独的代理项 U+{ord(match.group()):04X}）"
    return None
