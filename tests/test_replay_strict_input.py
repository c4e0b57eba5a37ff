"""`fayuan replay` refuses the bad input of SPEC §12's list (an events file with no event, a
handler change dated before its case started, a non-criminal case "notified", a roster that is not
JSON), accepts a UTF-8 byte-order mark, and speaks Chinese only, with list positions counted from
1. Every refusal: exit code 1, the file and line, and no output file; no input, however broken,
ends in a traceback (the properties at the end)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fayuan import exchange
from fayuan.cli import main
from fayuan.policy.model import Category
from fayuan.policy.params import POLICIES_DIR
from test_replay_cli import CHANGE, ROSTER, _event, _line

HAN = re.compile(r"[\u4e00-\u9fff]")
BOM = b"\xef\xbb\xbf"

# --------------------------------------------------------------------------------- helpers


def _run(argv: Sequence[str]) -> tuple[int, str, str]:
    """`fayuan` in this process: (exit code, stdout, stderr). An exception other than SystemExit
    propagates, so a traceback fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: --help, a usage error
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


class Run:
    """One replay in a folder of its own: roster and events written as given (bytes as they are),
    output into `out/` (which must stay empty after a refusal)."""

    def __init__(
        self,
        folder: Path,
        events: bytes | str | Sequence[dict[str, Any] | str],
        roster: bytes | str | dict[str, Any] | None = None,
        *extra: str,
    ) -> None:
        self.roster = folder / "roster.json"
        self.events = folder / "events.jsonl"
        self.out = folder / "out" / "decisions.jsonl"
        self.roster.write_bytes(_bytes(ROSTER if roster is None else roster))
        if isinstance(events, bytes | str):
            self.events.write_bytes(_bytes(events))
        else:
            lines = [e if isinstance(e, str) else _line(e) for e in events]
            self.events.write_bytes("".join(f"{line}\n" for line in lines).encode())
        (folder / "out").mkdir()
        self.code, self.stdout, self.err = _run(
            [
                "replay",
                "--roster",
                str(self.roster),
                "--events",
                str(self.events),
                "--out",
                str(self.out),
                *extra,
            ]
        )

    def refused(self) -> str:
        """The message, after checking the refusal's common promises."""
        assert self.code == 1, (self.code, self.err)
        assert "未生成输出文件" in self.err
        assert HAN.search(self.err)
        assert "Traceback" not in self.err
        assert list(self.out.parent.iterdir()) == []  # no output, no temporary file left
        return self.err

    def decisions(self) -> list[dict[str, Any]]:
        assert self.code == 0, self.err
        text = self.out.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]


def _bytes(value: bytes | str | dict[str, Any]) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value, ensure_ascii=False, indent=1).encode()


# Words a message may hold in Latin letters: the fields and values of SPEC §12 (what the person
# must type in the file), technical names with no Chinese word in use, the command's options and
# the calendar file's keys.
_MODELS = (
    exchange.CenterIn,
    exchange.InstitutionIn,
    exchange.PractitionerIn,
    exchange.RosterIn,
    exchange.PartyIn,
    exchange.ConflictsIn,
    exchange.CaseEvent,
    exchange.SuspendEvent,
    exchange.ReinstateEvent,
    exchange.ChangeHandlerEvent,
)
ALLOWED_WORDS = (
    {name for model in _MODELS for name in model.model_fields}
    | set(exchange.VALUE_ZH)
    | {"JSON", "UTF", "BOM", "ISO", "YYYY", "MM", "DD", "TOML", "true", "false", "null"}
    | {"NaN", "Infinity", "GB", "fayuan", "replay", "explain", "calendar", "provisional"}
    | {"chinese_calendar", "years", "holidays", "makeup_workdays", "deadline_provisional"}
)
WORD = re.compile(r"[A-Za-z_]{2,}")


PATH = re.compile(r"(?:/[\w.-]+)+")
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def english_words(message: str, *inputs: str | bytes) -> set[str]:
    """Latin-letter words of `message` that are not a field name, a value or an id of the input,
    in a file path or a quoted value (what the file holds, as Python quotes it), or one of
    `ALLOWED_WORDS`."""
    message = QUOTED.sub(" ", PATH.sub(" ", message))
    texts = [i.decode("utf-8", "replace") if isinstance(i, bytes) else i for i in inputs]
    given = {w for text in texts for w in WORD.findall(text)}
    return {w for w in WORD.findall(message) if w not in ALLOWED_WORDS and w not in given}


def _no_english(run: Run) -> None:
    assert english_words(run.err, run.roster.read_bytes(), run.events.read_bytes()) == set(), (
        run.err
    )


GOOD = _event(id="C0")

# --------------------------------------------------------------------------------- no event


@pytest.mark.parametrize(
    "content",
    [b"", b"\n", b"\n  \n\t\n", b"\r\n\r\n", BOM, BOM + b"\n\n"],
    ids=["empty", "one_newline", "blank_lines", "crlf_blank_lines", "bom_only", "bom_blank"],
)
def test_an_events_file_with_no_event_is_refused(content: bytes, tmp_path: Path) -> None:
    run = Run(tmp_path, content)
    err = run.refused()
    assert f"{run.events}：" in err
    assert "没有任何事件" in err
    _no_english(run)


def test_an_events_file_with_one_event_among_blank_lines_is_accepted(tmp_path: Path) -> None:
    run = Run(tmp_path, f"\n\n{_line(GOOD)}\n\n")
    assert [d["case"] for d in run.decisions()] == ["C0"]


def test_an_events_file_of_only_suspensions_is_accepted_with_no_decision(tmp_path: Path) -> None:
    suspend = {"type": "suspend", "institution": "F1", "at": "2024-06-03T10:00:00+08:00"}
    run = Run(tmp_path, [suspend])
    assert run.decisions() == []


# --------------------------------------------------------------------------------- change date


def test_a_handler_change_exactly_at_started_at_is_accepted(tmp_path: Path) -> None:
    run = Run(tmp_path, [GOOD, {**CHANGE, "at": GOOD["started_at"]}])
    assert [(d["case"], d["rule"]) for d in run.decisions()] == [
        ("C0", "ranking"),
        ("C0", "change"),
    ]


def test_a_handler_change_at_the_same_instant_written_in_another_offset_is_accepted(
    tmp_path: Path,
) -> None:
    # 2024-06-03T10:00:00+08:00 is 02:00 UTC.
    run = Run(tmp_path, [GOOD, {**CHANGE, "at": "2024-06-03T02:00:00+00:00"}])
    assert len(run.decisions()) == 2


@pytest.mark.parametrize(
    "at",
    ["2024-06-03T09:59:59+08:00", "2024-06-03T01:59:59+00:00", "2024-06-02T10:00:00+08:00"],
    ids=["one_second_before", "one_second_before_in_utc", "one_day_before"],
)
def test_a_handler_change_before_started_at_is_refused(at: str, tmp_path: Path) -> None:
    run = Run(tmp_path, [GOOD, {**CHANGE, "at": at}])
    err = run.refused()
    assert f"{run.events}:2：字段 at：" in err
    assert "早于案件 C0 的开始时间" in err
    assert at in err
    _no_english(run)


# --------------------------------------------------------------------------------- notification


def test_a_criminal_case_notified_by_the_authorities_is_accepted(tmp_path: Path) -> None:
    run = Run(tmp_path, [_event(category="criminal", source="notification")])
    assert run.decisions()[0]["status"] == "assigned"


@pytest.mark.parametrize(
    "category", ["civil", "administrative", "labor_arbitration", "non_litigation"]
)
def test_a_non_criminal_case_notified_by_the_authorities_is_refused(
    category: str, tmp_path: Path
) -> None:
    run = Run(tmp_path, [GOOD, _event(id="C1", category=category, source="notification")])
    err = run.refused()
    assert f"{run.events}:2：字段 source：" in err
    assert "法律援助法第三十六条" in err
    assert exchange.VALUE_ZH[category] in err
    _no_english(run)


@pytest.mark.parametrize(
    "category", ["criminal", "civil", "administrative", "labor_arbitration", "non_litigation"]
)
def test_a_case_applied_for_is_accepted_in_every_category(category: str, tmp_path: Path) -> None:
    run = Run(tmp_path, [_event(category=category, source="application")])
    assert len(run.decisions()) == 1


# --------------------------------------------------------------------------------- JSON syntax

ROSTER_TEXT = json.dumps(ROSTER, ensure_ascii=False, indent=1)


def _position(text: str, needle: str) -> tuple[int, int]:
    """Line and column (from 1) of the first `needle` in `text`."""
    at = text.index(needle)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def test_a_roster_missing_a_comma_names_the_line_and_column(tmp_path: Path) -> None:
    broken = ROSTER_TEXT.replace('"kind": "law_firm",', '"kind": "law_firm"', 1)
    line, column = _position(broken, '"locality": "天生街道"')  # where the comma was expected
    run = Run(tmp_path, [GOOD], broken)
    err = run.refused()
    assert f"{run.roster}:{line}:{column}：" in err
    assert f"第 {line} 行第 {column} 列" in err
    assert "逗号" in err
    _no_english(run)


@pytest.mark.parametrize(
    ("broken", "words"),
    [
        (ROSTER_TEXT.replace('"center"', "\u201ccenter\u201d", 1), "双引号"),
        (ROSTER_TEXT + "\n}", "多余"),
        (ROSTER_TEXT[:-40], "第"),
        (ROSTER_TEXT.replace('"F1"', "'F1'", 1), "值"),
    ],
    ids=["chinese_quotes", "extra_brace", "cut_short", "single_quotes"],
)
def test_a_roster_that_is_not_json_names_line_and_column_in_chinese(
    broken: str, words: str, tmp_path: Path
) -> None:
    expected = None
    try:
        json.loads(broken)
    except json.JSONDecodeError as exc:
        expected = (exc.lineno, exc.colno)
    assert expected is not None
    run = Run(tmp_path, [GOOD], broken)
    err = run.refused()
    assert f"{run.roster}:{expected[0]}:{expected[1]}：" in err
    assert f"第 {expected[0]} 行第 {expected[1]} 列" in err
    assert words in err
    _no_english(run)


def test_an_empty_roster_is_refused(tmp_path: Path) -> None:
    run = Run(tmp_path, [GOOD], b"\n")
    assert "名册文件是空的" in run.refused()


def test_a_roster_that_is_not_utf8_names_line_and_column(tmp_path: Path) -> None:
    broken = ROSTER_TEXT.encode().replace("甲".encode(), "甲".encode("gbk"), 1)
    line, column = _position(ROSTER_TEXT, "甲")
    run = Run(tmp_path, [GOOD], broken)
    err = run.refused()
    assert f"{run.roster}:{line}:{column}：" in err
    assert "不是 UTF-8 编码" in err
    _no_english(run)


def test_an_event_line_that_is_not_json_names_the_line_and_column(tmp_path: Path) -> None:
    run = Run(tmp_path, [GOOD, "", '{"type": "case", "id": "C1" "category": "civil"}'])
    err = run.refused()
    assert f"{run.events}:3:29：" in err
    assert "不是合法的 JSON（第 3 行第 29 列）" in err
    assert "逗号" in err
    _no_english(run)


def test_an_event_line_that_is_not_utf8_names_the_line_and_column(tmp_path: Path) -> None:
    bad = _line(_event(id="C1")).encode().replace("赵六".encode(), "赵六".encode("gbk"))
    run = Run(tmp_path, _line(GOOD).encode() + b"\n" + bad + b"\n")
    err = run.refused()
    column = _line(_event(id="C1")).index("赵六") + 1
    assert f"{run.events}:2:{column}：" in err
    assert "不是 UTF-8 编码" in err


@pytest.mark.parametrize(
    "line",
    ["[1, 2]", '"case"', "42", "null", "{}", '{"type": null}'],
    ids=["array", "string", "number", "null", "empty_object", "null_type"],
)
def test_an_event_line_that_is_json_but_no_event_is_refused_in_chinese(
    line: str, tmp_path: Path
) -> None:
    run = Run(tmp_path, [GOOD, line])
    err = run.refused()
    assert f"{run.events}:2" in err
    _no_english(run)


# --------------------------------------------------------------------------------- BOM


@pytest.mark.parametrize(
    ("roster_bom", "events_bom"),
    [(True, False), (False, True), (True, True)],
    ids=["roster", "events", "both"],
)
def test_a_utf8_byte_order_mark_is_accepted_at_the_start_of_each_file(
    roster_bom: bool, events_bom: bool, tmp_path: Path
) -> None:
    events = f"{_line(GOOD)}\n{_line(CHANGE)}\n".encode()
    (tmp_path / "plain").mkdir()
    (tmp_path / "marked").mkdir()
    plain = Run(tmp_path / "plain", events)
    marked = Run(
        tmp_path / "marked",
        BOM + events if events_bom else events,
        BOM + ROSTER_TEXT.encode() if roster_bom else ROSTER_TEXT.encode(),
    )
    assert marked.code == 0, marked.err
    assert marked.out.read_bytes() == plain.out.read_bytes()
    assert len(marked.decisions()) == 2


def test_a_byte_order_mark_inside_the_events_file_is_refused_naming_it(tmp_path: Path) -> None:
    run = Run(tmp_path, _line(GOOD).encode() + b"\n" + BOM + _line(_event(id="C1")).encode())
    err = run.refused()
    assert f"{run.events}:2:1：" in err
    assert "字节顺序标记" in err


# --------------------------------------------------------------------------------- Chinese


@pytest.mark.parametrize(
    ("event", "field", "meanings"),
    [
        (_event(category="family"), "category", ["criminal（刑事）", "civil（民事）"]),
        (_event(source="letter"), "source", ["application（公民申请）"]),
        (
            _event(parties=[{"role": "witness", "name": "某"}]),
            "parties 第 1 项的 role",
            ["aided（受援人）", "opposing（对方当事人）"],
        ),
        (
            {**CHANGE, "mode": "elsewhere"},
            "mode",
            ["same_institution（原承办机构另行安排承办人）", "other_institution（"],
        ),
        ({**GOOD, "type": "close"}, "type", ["case（新案件）", "change_handler（更换承办人）"]),
    ],
    ids=["category", "source", "party_role", "mode", "event_type"],
)
def test_a_value_outside_its_list_is_refused_naming_each_allowed_value_in_chinese(
    event: dict[str, Any], field: str, meanings: list[str], tmp_path: Path
) -> None:
    run = Run(tmp_path, [GOOD, event])
    err = run.refused()
    assert f"{run.events}:2：字段 {field}：取值" in err or f"字段 {field}：未知的事件类型" in err
    for meaning in meanings:
        assert meaning in err
    assert " or " not in err
    _no_english(run)


@pytest.mark.parametrize(
    ("section", "index", "value", "meaning"),
    [
        ("institutions", 1, "notary", "grassroots_office（基层法律服务所）"),
        ("practitioners", 2, "paralegal", "grassroots_worker（基层法律服务工作者）"),
    ],
)
def test_a_roster_kind_outside_its_list_is_refused_in_chinese_counting_from_one(
    section: str, index: int, value: str, meaning: str, tmp_path: Path
) -> None:
    roster = json.loads(ROSTER_TEXT)
    roster[section][index]["kind"] = value
    run = Run(tmp_path, [GOOD], roster)
    err = run.refused()
    assert f"字段 {section} 第 {index + 1} 项的 kind：" in err
    assert meaning in err
    assert f"'{value}'" in err
    _no_english(run)


def test_list_positions_in_event_messages_count_from_one(tmp_path: Path) -> None:
    parties = [{"role": "aided", "name": "赵六"}, {"role": "opposing", "name": ""}]
    run = Run(tmp_path, [GOOD, _event(id="C1", parties=parties)])
    err = run.refused()
    assert "字段 parties 第 2 项的 name：不能为空" in err
    assert ".1." not in err and "parties.1" not in err


def test_list_positions_in_roster_messages_count_from_one(tmp_path: Path) -> None:
    roster = json.loads(ROSTER_TEXT)
    roster["institutions"][1]["id"] = "F1"  # the second institution repeats the first's id
    run = Run(tmp_path, [GOOD], roster)
    assert "字段 institutions 第 2 项的 id：机构编号 F1 重复" in run.refused()

    roster = json.loads(ROSTER_TEXT)
    roster["practitioners"][0]["specialties"] = ["劳动争议", ""]
    again = tmp_path / "again"
    again.mkdir()
    run = Run(again, [GOOD], roster)
    assert "字段 practitioners 第 1 项的 specialties 第 2 项：不能为空" in run.refused()


def test_field_path_counts_list_positions_from_one() -> None:
    assert exchange.field_path(("parties", 0, "id_number")) == "parties 第 1 项的 id_number"
    assert exchange.field_path(("conflicts", "practitioners", 1)) == (
        "conflicts.practitioners 第 2 项"
    )
    assert exchange.field_path(("a", 0, "b", 2, "c")) == "a 第 1 项的 b 第 3 项的 c"
    assert exchange.field_path(()) == ""


def test_one_based_rewrites_another_modules_zero_based_positions() -> None:
    assert exchange.one_based("values[0].since 须为日期") == "values 第 1 项的 since 须为日期"
    assert exchange.one_based("years.2027.holidays[3]") == "years.2027.holidays 第 4 项"
    assert exchange.one_based("第 1 行") == "第 1 行"


def test_a_calendar_file_error_counts_list_positions_from_one(tmp_path: Path) -> None:
    calendar = tmp_path / "calendar.toml"
    calendar.write_text(
        '[years.2027]\nsource = "测试"\nholidays = [2027-01-01, 2027-01-02, 2027-01-01]\n'
        "makeup_workdays = []\n",
        encoding="utf-8",
    )
    run = Run(tmp_path, [GOOD], None, "--calendar", str(calendar))
    err = run.refused()
    assert "years.2027.holidays 第 3 项：2027-01-01 重复列出" in err
    assert "[2]" not in err


def test_a_policy_file_error_counts_list_positions_from_one(tmp_path: Path) -> None:
    text = (POLICIES_DIR / "beibei-2023.toml").read_text(encoding="utf-8")
    first = "values = [{ since = 2023-04-10, value = 3 }]"
    assert first in text
    policy = tmp_path / "policy.toml"
    policy.write_text(text.replace(first, 'values = [{ since = "2023-04-10", value = 3 }]', 1))
    run = Run(tmp_path, [GOOD], None, "--policy", str(policy))
    err = run.refused()
    assert "values 第 1 项的 since 须为 TOML 日期" in err
    assert "values[0]" not in err


# A catalogue of refusals, each checked for English words (beside the promises of `refused`).
CATALOGUE: dict[str, list[dict[str, Any] | str]] = {
    "missing_field": [{k: v for k, v in GOOD.items() if k != "started_at"}],
    "unknown_field": [_event(colour="red")],
    "naive_time": [_event(started_at="2024-06-03T10:00:00")],
    "bad_date": [_event(started_at="2024-02-30T10:00:00+08:00")],
    "time_as_number": [_event(started_at=1717380000)],
    "bool_as_string": [GOOD, {**CHANGE, "consent": "yes"}],
    "bool_as_number": [GOOD, {**CHANGE, "consent": 1}],
    "int_as_float": [_event(aided_persons=1.5)],
    "int_too_large": [_event(aided_persons=10**40)],
    "int_as_string": [_event(aided_persons="2")],
    "too_many_persons": [_event(aided_persons=100_001)],
    "reason_too_long": [GOOD, {**CHANGE, "reason": "理" * 501}],
    "string_as_list": [_event(specialty=["劳动争议"])],
    "list_as_object": [_event(parties={"role": "aided"})],
    "object_as_string": [_event(conflicts="F1")],
    "bad_id_number": [_event(parties=[{"role": "aided", "name": "某", "id_number": "123"}])],
    "empty_id": [_event(id="")],
    "unknown_type": ['{"type": "close"}'],
    "no_type": ['{"id": "C1"}'],
    "unknown_case": [GOOD, {**CHANGE, "case": "C404"}],
    "unknown_institution": [{"type": "suspend", "institution": "X", "at": GOOD["started_at"]}],
    "mismatched_choice": [_event(chosen_practitioner="W1", chosen_institution="F1")],
    "before_the_policy": [_event(started_at="2023-04-09T10:00:00+08:00")],
    "year_without_calendar": [_event(started_at="2027-03-01T10:00:00+08:00")],
    "year_zero": [_event(started_at="0001-01-01T00:00:00+14:00")],
    "deep_nesting": ["[" * 300 + "]" * 300],
    "long_integer": ['{"type": "case", "aided_persons": ' + "9" * 5000 + "}"],
    "nan": ['{"type": "case", "id": "C1", "category": "civil", "aided_persons": NaN}'],
    "lone_surrogate": ['{"type": "case", "id": "\\ud800"}'],
    "trailing_comma": ['{"type": "case", "id": "C1",}'],
    "two_objects": [_line(GOOD) + " " + _line(GOOD)],
    "explain_unknown": [GOOD],
}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_no_refusal_holds_english_words(name: str, tmp_path: Path) -> None:
    extra = ("--explain", "C77") if name == "explain_unknown" else ()
    run = Run(tmp_path, CATALOGUE[name], None, *extra)
    run.refused()
    _no_english(run)
    assert "Input should" not in run.err and "Invalid JSON" not in run.err


def test_the_english_word_check_finds_english(tmp_path: Path) -> None:
    assert english_words("字段 category：Input should be 'a' or 'b'") == {
        "Input",
        "should",
        "be",
        "or",
    }
    assert english_words("字段 parties 第 1 项的 id_number：未知机构 F99", "F99") == set()


@pytest.mark.parametrize(
    ("roster", "words"),
    [
        ({**ROSTER, "institutions": {}}, "应为数组"),
        ({**ROSTER, "center": None}, "应为对象"),
        (
            {
                **ROSTER,
                "practitioners": [{**ROSTER["practitioners"][0], "quality": float("nan")}],
            },
            "NaN",
        ),
        (
            {
                **ROSTER,
                "practitioners": [{**ROSTER["practitioners"][0], "licensed_on": "2015-5-1"}],
            },
            "YYYY-MM-DD",
        ),
        ([], "应为对象"),
    ],
    ids=["list_as_object", "null_center", "nan_quality", "short_date", "top_level_array"],
)
def test_bad_roster_values_are_refused_in_chinese(roster: Any, words: str, tmp_path: Path) -> None:
    run = Run(tmp_path, [GOOD], json.dumps(roster, ensure_ascii=False))
    err = run.refused()
    assert words in err
    _no_english(run)


# --------------------------------------------------------------------------------- files


def test_a_missing_roster_and_an_events_folder_are_refused_in_chinese(tmp_path: Path) -> None:
    out = tmp_path / "out" / "decisions.jsonl"
    code, _, err = _run(
        [
            *("replay", "--roster", str(tmp_path / "nope.json")),
            *("--events", str(tmp_path), "--out", str(out)),
        ]
    )
    assert code == 1
    assert "无法读取名册：文件或文件夹不存在" in err
    assert not out.parent.exists()
    roster = tmp_path / "roster.json"
    roster.write_text(ROSTER_TEXT, encoding="utf-8")
    code, _, err = _run(
        ["replay", "--roster", str(roster), "--events", str(tmp_path), "--out", str(out)]
    )
    assert code == 1
    assert "无法读取事件文件：这是一个文件夹，不是文件" in err
    assert not out.parent.exists()
    assert english_words(err) == set()


def test_an_output_that_is_a_folder_or_an_input_file_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "roster.json"
    roster.write_text(ROSTER_TEXT, encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text(_line(GOOD) + "\n", encoding="utf-8")
    before = events.read_bytes()
    for out, words in ((tmp_path, "是一个文件夹"), (events, "就是输入文件")):
        code, _, err = _run(
            ["replay", "--roster", str(roster), "--events", str(events), "--out", str(out)]
        )
        assert code == 1
        assert words in err
        assert "未生成输出文件" in err
    assert events.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "roster.json"]


# --------------------------------------------------------------------------------- properties

_ROSTER_BYTES = ROSTER_TEXT.encode()


def _time(moment: datetime, minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    offset = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return moment.replace(microsecond=0).isoformat() + offset


_OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59)
#: Mostly times the policy and calendar know (and 2027, unknown without the flag), sometimes any
#: time at all (year 1, year 9999).
_TIMES = st.one_of(
    st.builds(_time, st.datetimes(datetime(2023, 4, 1), datetime(2027, 12, 31)), _OFFSETS),
    st.builds(_time, st.datetimes(datetime(2023, 4, 1), datetime(2027, 12, 31)), _OFFSETS),
    st.builds(_time, st.datetimes(), _OFFSETS),
)
_JUNK: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def _maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, once in a while anything."""
    return st.integers(0, 9).flatmap(lambda n: valid if n < 9 else _JUNK)


_IDS = st.sampled_from(["F1", "G1", "L1", "L2", "W1", "X9", ""])
_INSTITUTIONS = st.sampled_from(["F1", "G1"])
_CASE_EVENTS = st.fixed_dictionaries(
    {
        "type": _maybe(st.just("case")),
        "id": _maybe(st.sampled_from(["C0", "C1", "C2", "C3"])),
        "category": _maybe(st.sampled_from(sorted(c.value for c in Category))),
        "started_at": _maybe(_TIMES),
    },
    optional={
        "source": _maybe(st.sampled_from(["application", "notification"])),
        "aided_persons": _maybe(st.integers(min_value=0, max_value=100_001)),
        "minor": _maybe(st.booleans()),
        "life_sentence_possible": _maybe(st.booleans()),
        "chosen_practitioner": _maybe(st.sampled_from(["L1", "L2", "W1"]) | st.none()),
        "chosen_institution": _maybe(_INSTITUTIONS | st.none()),
        "helped_by_institution": _maybe(_INSTITUTIONS | st.none()),
        "conflicts": _maybe(
            st.fixed_dictionaries(
                {"institutions": st.lists(_IDS, max_size=2)},
                optional={"practitioners": st.lists(_IDS, max_size=2)},
            )
        ),
        "parties": _maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "role": _maybe(st.sampled_from(["aided", "opposing"])),
                        "name": _maybe(st.text(min_size=1, max_size=3)),
                    },
                    optional={"id_number": _maybe(st.text(max_size=18))},
                ),
                max_size=2,
            )
        ),
    },
)
_SUSPENSIONS = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["suspend", "reinstate"]),
        "institution": _maybe(_INSTITUTIONS),
        "at": _maybe(_TIMES),
    }
)
_CHANGES = st.fixed_dictionaries(
    {
        "type": st.just("change_handler"),
        "case": _maybe(st.sampled_from(["C0", "C1", "C9"])),
        "at": _maybe(_TIMES),
        "reason": _maybe(st.text(max_size=5)),
        "consent": _maybe(st.booleans()),
        "mode": _maybe(st.sampled_from(["same_institution", "other_institution"])),
    },
    optional={"bureau_approved": _maybe(st.booleans())},
)
_EVENTS = st.one_of(_CASE_EVENTS, _CASE_EVENTS, _SUSPENSIONS, _CHANGES, _CHANGES)
_EVENT_LINES = st.lists(
    st.one_of(
        _EVENTS.map(lambda e: json.dumps(e, ensure_ascii=False)),
        _JUNK.map(json.dumps),
        st.text(max_size=20),
    ),
    max_size=5,
).map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass"))

_PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _replay_never_crashes(events: bytes, roster: bytes, *extra: str) -> None:
    """Exit 0 with an output file, or exit 1 with a Chinese message and none; never a traceback
    (`_run` lets any exception through)."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "roster.json").write_bytes(roster)
        (base / "events.jsonl").write_bytes(events)
        out = base / "out" / "decisions.jsonl"
        code, _, err = _run(
            [
                "replay",
                "--roster",
                str(base / "roster.json"),
                "--events",
                str(base / "events.jsonl"),
                "--out",
                str(out),
                *extra,
            ]
        )
        assert code in (0, 1), err
        if code == 0:
            assert out.is_file()
            return
        assert not out.parent.exists() or list(out.parent.iterdir()) == []
        assert "未生成输出文件" in err and HAN.search(err), err
        assert english_words(err, events, roster) == set(), err


@_PROPERTY
@given(events=st.binary(max_size=300))
def test_arbitrary_bytes_as_events_never_crash(events: bytes) -> None:
    _replay_never_crashes(events, _ROSTER_BYTES)


@_PROPERTY
@given(events=_EVENT_LINES, provisional=st.booleans())
def test_arbitrary_json_lines_as_events_never_crash(events: bytes, provisional: bool) -> None:
    _replay_never_crashes(events, _ROSTER_BYTES, *(["--provisional-calendar"] * provisional))


@_PROPERTY
@given(
    lines=st.lists(_EVENTS, min_size=1, max_size=6),
    provisional=st.booleans(),
)
def test_event_shaped_lines_never_crash(lines: list[dict[str, Any]], provisional: bool) -> None:
    events = "\n".join(json.dumps(e, ensure_ascii=False) for e in lines)
    _replay_never_crashes(
        events.encode("utf-8", "surrogatepass"),
        _ROSTER_BYTES,
        *(["--provisional-calendar"] * provisional),
    )


@_PROPERTY
@given(roster=st.one_of(st.binary(max_size=200), _JUNK.map(lambda v: json.dumps(v).encode())))
def test_arbitrary_rosters_never_crash(roster: bytes) -> None:
    _replay_never_crashes(f"{_line(GOOD)}\n".encode(), roster)


@pytest.mark.parametrize(
    "started_at",
    ["9999-12-31T20:00:00+08:00", "9999-12-31T20:00:00-12:00", "0001-01-01T00:00:00+14:00"],
    ids=["deadline_past_9999", "day_past_9999", "day_before_year_1"],
)
def test_a_time_at_the_end_of_the_calendar_is_refused_not_a_crash(
    started_at: str, tmp_path: Path
) -> None:
    run = Run(
        tmp_path,
        [_event(category="criminal", started_at=started_at)],
        None,
        "--provisional-calendar",
    )
    assert "字段 started_at：时间超出可计算的范围" in run.refused()
