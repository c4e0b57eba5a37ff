"""A roster workbook is streamed (openpyxl's read-only mode) and its cells counted as they come:
past the limit (setting FAYUAN_ROSTER_XLSX_MAX_CELLS) reading stops at once with one clear
error. Before this, a 3.7 MB workbook of 800,000 cells took 32 s and 590 MiB to read in full.

The figures (time, peak memory) are printed, never asserted: run with `-s` to see them."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from fayuan.roster.actions import RosterImportError
from fayuan.roster.io_excel import read_roster_xlsx
from roster_workbooks import (
    INSTITUTION_HEADERS,
    PRACTITIONER_HEADERS,
    large_roster_xlsx,
    sheet_xml,
    workbook,
)


def measured(read: Callable[[], Any], what: str) -> tuple[Any, RosterImportError | None]:
    """(result or None, the refusal or None), printing the time and the peak of Python's heap."""
    tracemalloc.start()
    started = time.perf_counter()
    result, refusal = None, None
    try:
        result = read()
    except RosterImportError as exc:
        refusal = exc
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"\n{what}: {seconds:.2f} s, peak {peak / 2**20:.1f} MiB (tracemalloc)")
    return result, refusal


def test_a_large_workbook_stops_at_the_cell_limit_early() -> None:
    large = large_roster_xlsx(80_000)  # 3.7 MB, 800,076 cells: the workbook of the issue
    assert large.cells == 800_076
    _, refusal = measured(
        lambda: read_roster_xlsx(large.data, "beibei", "中心"),
        f"{len(large.data) / 1e6:.1f} MB workbook, {large.cells:,} cells",
    )
    assert refusal is not None
    [error] = refusal.errors
    assert "工作簿过大" in error.message_zh and "200,000" in error.message_zh
    assert "FAYUAN_ROSTER_XLSX_MAX_CELLS" in error.message_zh
    assert "未导入任何数据" in error.message_zh


def test_rows_the_file_only_claims_are_counted_while_streaming() -> None:
    """A tiny file whose last row is numbered 1,000,000: its cells pass the count of the XML, but
    the rows in between are empty rows to the reader, and reading stops at the limit."""

    def rows() -> Any:
        yield from sheet_xml([INSTITUTION_HEADERS, ("F01", "甲所", "律师事务所", "天生街道", 1)])

    gap = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1">'
        + "".join(
            f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
            for c, h in zip("ABCDEFGHIJ", PRACTITIONER_HEADERS, strict=True)
        )
        + '</row><row r="1000000"><c r="A1000000" t="inlineStr"><is><t>L1</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    data = workbook({"机构": rows(), "承办人": [gap]})
    assert len(data) < 5_000
    _, refusal = measured(
        lambda: read_roster_xlsx(data, "beibei", "中心"), "row 1,000,000 claimed by a 4 KB file"
    )
    assert refusal is not None
    [error] = refusal.errors
    assert error.sheet_or_section == "承办人" and error.row is not None
    assert error.row <= 200_001 and "工作簿过大" in error.message_zh


def test_one_row_of_a_million_cells_is_refused_before_it_is_parsed() -> None:
    cells = "".join(f'<c r="A1"><v>{n % 10}</v></c>' for n in range(300_000))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    )
    data = workbook({"机构": [sheet], "承办人": sheet_xml([PRACTITIONER_HEADERS])})
    _, refusal = measured(
        lambda: read_roster_xlsx(data, "beibei", "中心"), "one row of 300,000 cells"
    )
    assert refusal is not None and "工作簿过大" in refusal.errors[0].message_zh


def test_a_zip_bomb_is_refused_by_its_unpacked_size() -> None:
    padding = " " * (3 * 2**20)  # compresses to a few KB
    sheet = sheet_xml([INSTITUTION_HEADERS])
    bomb = workbook({"机构": [*sheet, f"<!--{padding}-->"], "承办人": sheet_xml([])})
    assert len(bomb) < 50_000
    with pytest.raises(RosterImportError) as caught:
        read_roster_xlsx(bomb, "beibei", "中心", max_unzipped=2**20)
    assert "解压后过大" in caught.value.errors[0].message_zh
    with (
        override_settings(FAYUAN_ROSTER_XLSX_MAX_UNZIPPED_BYTES=2**20),
        pytest.raises(RosterImportError),
    ):
        read_roster_xlsx(bomb, "beibei", "中心")


def test_the_limit_is_a_setting() -> None:
    small = large_roster_xlsx(20)
    roster, _ = read_roster_xlsx(small.data, "beibei", "中心")
    assert len(roster.practitioners) == 20
    with (
        override_settings(FAYUAN_ROSTER_XLSX_MAX_CELLS=small.cells - 1),
        pytest.raises(RosterImportError) as caught,
    ):
        read_roster_xlsx(small.data, "beibei", "中心")
    assert f"{small.cells - 1:,}" in caught.value.errors[0].message_zh


def test_a_declared_size_of_the_whole_sheet_is_not_taken_at_its_word() -> None:
    """A workbook whose sheets claim A1:XFD1048576 (17 billion cells) but hold a roster reads."""
    inst = [INSTITUTION_HEADERS] + [
        (f"F{i:03d}", f"第{i}律师事务所", "律师事务所", "天生街道", i, True) for i in range(1, 11)
    ]
    data = workbook(
        {
            "机构": sheet_xml(inst, dimension="A1:XFD1048576"),
            "承办人": sheet_xml(
                [
                    PRACTITIONER_HEADERS,
                    ("L1", "张三", "F001", "执业律师", "2015-03-01", 3, "", 80, False, True),
                ],
                dimension="A1:XFD1048576",
            ),
        }
    )
    roster, _ = read_roster_xlsx(data, "beibei", "中心")
    assert [p.id for p in roster.practitioners] == ["L1"]
