"""Properties of the loaders that read what people hand in: whatever the input, the answer is
the loader's own error with Chinese words, or a result, and never another exception.

* `fayuan.policy.params.load_policy` on mutations of the packaged policy (its TOML text cut,
  spliced and retyped; its values replaced by any TOML value): a `Policy` or a `PolicyError`.
* The roster importers, JSON (`parse_roster_json`) and Excel (`read_roster_xlsx`), on mutations
  of a good roster (values of any type, NUL and lone surrogates, fields dropped or added, rows
  duplicated) and on damaged files: a `RosterIn` or a `RosterImportError` whose every message is
  Chinese.

Replay's parser has its own properties (tests/test_replay_strict_input.py: arbitrary bytes,
JSON lines and event-shaped lines, and rosters, never a traceback).
"""

from __future__ import annotations

import copy
import io
import json
import math
import re
import tempfile
import tomllib
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fayuan.exchange import RosterIn
from fayuan.identity import clean_id_number, id_number_problem, normalize_id_number
from fayuan.policy.params import POLICIES_DIR, Policy, PolicyError, load_policy
from fayuan.roster.actions import RosterImportError
from fayuan.roster.io_excel import read_roster_xlsx
from fayuan.roster.io_json import parse_roster_json
from roster_workbooks import large_roster_xlsx, sheet_xml, workbook

HAN = re.compile(r"[\u4e00-\u9fff]")
PROPERTY = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
POLICY_TEXT = (POLICIES_DIR / "beibei-2023.toml").read_text(encoding="utf-8")
POLICY_DATA = tomllib.loads(POLICY_TEXT)
ROSTER_FILE = Path(__file__).resolve().parents[1] / "examples/stream-7/roster.json"
ROSTER = json.loads(ROSTER_FILE.read_text(encoding="utf-8"))

# --- values of every kind ------------------------------------------------------------------

NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "\udfff尾",
        "\u202e反向",
        "１２３",
        "¹²³",
        "X" * 5000,
        "张" * 201,
        "律师事务所",
        "law_firm",
        "grassroots_office",
        "lawyer",
        "2023-04-10",
        "2099-12-31",
        "0000-00-00",
        "NaN",
        "true",
        "[",
        '{"a":',
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    NASTY_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON-like value (the root excluded)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(value, dict | list):
        items: Any = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            out.append((*prefix, key))
            out.extend(_paths(child, (*prefix, key)))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: Any, values: st.SearchStrategy[Any]) -> Any:
    """`base` with one to four places replaced, deleted or given a sibling."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        places = _paths(data)
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent: Any = data
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "duplicate"]))
        if action == "replace":
            parent[last] = draw(values)
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "id", "value", "since", "suspended"]))] = draw(
                values
            )
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return data


# --- the policy file -----------------------------------------------------------------------


def _toml_key(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    """TOML for a value as tomllib reads it (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    return json.dumps(str(value), ensure_ascii=False)


def toml_dumps(data: dict[str, Any]) -> str:
    return "".join(f"{_toml_key(str(k))} = {_toml_value(v)}\n" for k, v in data.items())


TOML_VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    NASTY_TEXT.filter(lambda s: not re.search(r"[\ud800-\udfff\x00]", s)),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(),
    st.times(),
    st.lists(st.one_of(st.integers(-5, 5), st.dates(), st.text(max_size=5)), max_size=3),
    st.just({}),
    st.just([]),
    st.just({"since": date(2023, 4, 10), "value": 3}),
)


def _load(text: str) -> Policy | PolicyError:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            return load_policy(str(path))
        except PolicyError as exc:
            return exc


def _policy_or_chinese_error(text: str) -> None:
    result = _load(text)
    if isinstance(result, PolicyError):
        assert HAN.search(str(result)), str(result)
    else:
        assert isinstance(result, Policy)


def test_the_packaged_policy_round_trips_through_the_test_writer() -> None:
    assert isinstance(_load(toml_dumps(POLICY_DATA)), Policy)


@PROPERTY
@given(data=mutated(POLICY_DATA, TOML_VALUES))
def test_a_policy_with_any_value_changed_loads_or_is_a_policy_error(data: dict[str, Any]) -> None:
    _policy_or_chinese_error(toml_dumps(data))


@st.composite
def spliced_text(draw: st.DrawFn, text: str) -> str:
    """`text` with a slice cut, a line repeated or moved, or characters typed in."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        action = draw(st.sampled_from(["cut", "repeat", "move", "type"]))
        n = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
        if action == "cut" and lines:
            del lines[n : n + draw(st.integers(min_value=1, max_value=5))]
        elif action == "repeat" and lines:
            lines.insert(n, lines[n])
        elif action == "move" and lines:
            lines.insert(draw(st.integers(0, len(lines))), lines.pop(n))
        elif lines:
            line = lines[n]
            at = draw(st.integers(min_value=0, max_value=len(line)))
            typed = draw(
                st.one_of(
                    st.sampled_from(
                        ["=", "[", "]", '"', "{", "}", ",", "\n", "#", "\x00", "1e400"]
                    ),
                    st.text(max_size=4),
                )
            )
            lines[n] = line[:at] + typed + line[at:]
    return "".join(lines)


@PROPERTY
@given(text=spliced_text(POLICY_TEXT))
def test_a_policy_file_cut_and_retyped_loads_or_is_a_policy_error(text: str) -> None:
    _policy_or_chinese_error(text)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_as_a_policy_file_are_a_policy_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.toml"
        path.write_bytes(data)
        with pytest.raises(PolicyError) as caught:
            load_policy(str(path))
    assert HAN.search(str(caught.value))


# --- the roster, JSON -----------------------------------------------------------------------


def _roster_or_chinese_errors(read: Any) -> None:
    try:
        roster = read()
    except RosterImportError as exc:
        assert exc.errors, "a refusal lists at least one problem"
        for error in exc.errors:
            assert HAN.search(error.message_zh), error
        return
    assert isinstance(roster, RosterIn)


@PROPERTY
@given(data=mutated(ROSTER, JSON_VALUES))
def test_a_json_roster_with_any_value_changed_parses_or_is_refused_in_chinese(data: Any) -> None:
    raw = json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")
    _roster_or_chinese_errors(lambda: parse_roster_json(raw))


@PROPERTY
@given(
    data=st.one_of(
        st.binary(max_size=300),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.integers(min_value=1, max_value=3000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(min_value=1, max_value=3000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    )
)
def test_any_bytes_as_a_json_roster_are_parsed_or_refused_in_chinese(data: bytes) -> None:
    _roster_or_chinese_errors(lambda: parse_roster_json(data))


# --- the roster, Excel ----------------------------------------------------------------------

CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    NASTY_TEXT.filter(lambda s: not re.search(r"[\ud800-\udfff]", s)),
    st.sampled_from(["是", "否", "律师事务所", "执业律师", "2020-01-01", "F01", "天生街道"]),
)
GOOD_INSTITUTIONS: list[list[Any]] = [
    ["编号", "名称", "类别", "镇街", "公布顺序", "在册"],
    ["F01", "甲律师事务所", "律师事务所", "天生街道", 1, "是"],
    ["F02", "乙律师事务所", "律师事务所", "东阳街道", 2, "是"],
]
GOOD_PRACTITIONERS: list[list[Any]] = [
    ["编号", "姓名", "所属机构", "类别", "执业日期", "刑事辩护件数", "专业特长", "在册"],
    ["L01", "张三", "F01", "执业律师", "2015-03-01", 12, "刑事辩护", "是"],
    ["L02", "李四", "F02", "执业律师", "2019-07-15", 3, "劳动争议、婚姻家庭", "否"],
]


@st.composite
def mutated_sheets(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    sheets = {"机构": copy.deepcopy(GOOD_INSTITUTIONS), "承办人": copy.deepcopy(GOOD_PRACTITIONERS)}
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        if not sheets:
            break
        name = draw(st.sampled_from(sorted(sheets)))
        rows = sheets[name]
        action = draw(st.sampled_from(["cell", "cell", "cell", "row", "column", "sheet"]))
        if action == "cell" and rows:
            r = draw(st.integers(0, len(rows) - 1))
            c = draw(st.integers(0, len(rows[r]) + 2))
            rows[r].extend([None] * (c + 1 - len(rows[r])))
            rows[r][c] = draw(CELL_VALUES)
        elif action == "row" and rows:
            rows.insert(draw(st.integers(0, len(rows))), copy.deepcopy(draw(st.sampled_from(rows))))
        elif action == "column":
            column = draw(st.integers(0, 9))
            for row in rows:
                if column < len(row):
                    row.pop(column)
        else:
            new = draw(st.sampled_from(["机构", "承办人", "其他", "Sheet1"]))
            if new in sheets and draw(st.booleans()):
                del sheets[new]
            else:
                sheets[new] = [[draw(CELL_VALUES) for _ in range(3)]]
    return sheets


def _xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    return workbook({title: sheet_xml(rows) for title, rows in sheets.items()})


def test_the_good_workbook_of_these_properties_reads() -> None:
    roster, _ = read_roster_xlsx(
        _xlsx({"机构": GOOD_INSTITUTIONS, "承办人": GOOD_PRACTITIONERS}), "beibei", "中心"
    )
    assert [p.id for p in roster.practitioners] == ["L01", "L02"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets=mutated_sheets())
def test_a_workbook_with_any_cell_changed_reads_or_is_refused_in_chinese(
    sheets: dict[str, list[list[Any]]],
) -> None:
    data = _xlsx(sheets)
    _roster_or_chinese_errors(lambda: read_roster_xlsx(data, "beibei", "中心")[0])


SMALL_XLSX = large_roster_xlsx(20).data


@st.composite
def damaged_zip(draw: st.DrawFn) -> bytes:
    data = bytearray(SMALL_XLSX)
    action = draw(st.sampled_from(["truncate", "flip", "part"]))
    if action == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    if action == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    # One part of the package replaced by anything.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(SMALL_XLSX)) as src, zipfile.ZipFile(out, "w") as dst:
        names = src.namelist()
        victim = draw(st.sampled_from(names))
        for name in names:
            dst.writestr(name, draw(st.binary(max_size=80)) if name == victim else src.read(name))
    return out.getvalue()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=damaged_zip())
def test_a_damaged_workbook_is_refused_in_chinese(data: bytes) -> None:
    _roster_or_chinese_errors(lambda: read_roster_xlsx(data, "beibei", "中心")[0])


# --- ID numbers ----------------------------------------------------------------------------

DIGIT_FORMS = str.maketrans("0123456789", "０１２３４５６７８９")
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=24))
def test_an_id_number_normalises_to_ascii_or_is_refused(text: str) -> None:
    """After `normalize_id_number`, a number `id_number_problem` accepts is 18 ASCII
    characters; normalising twice changes nothing; `clean_id_number` agrees with both."""
    number = normalize_id_number(text)
    assert normalize_id_number(number) == number
    if id_number_problem(number) == "":
        assert number.isascii() and len(number) == 18
        assert clean_id_number(text) == number


@given(
    body=st.integers(min_value=0, max_value=10**17 - 1),
    form=st.sampled_from([DIGIT_FORMS, SUPERSCRIPTS, str.maketrans("", "")]),
)
def test_every_spelling_of_a_number_is_the_same_number(body: int, form: dict[int, str]) -> None:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    digits = f"50010919800101{body % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    number = digits + "10X98765432"[total % 11]
    assert clean_id_number(number.translate(form).lower()) == number
