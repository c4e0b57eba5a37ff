"""`fayuan replay` (SPEC §12): the bundled example streams reproduce their decisions, output is
deterministic, and bad input stops the run with file, line and field in Chinese, exit code 1 and
no output file (an existing one left untouched)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from fayuan.cli import main
from policy_builders import id_number

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
STREAMS = ["stream-7", "stream-8"]
HAN = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------------- comparison


def _norm(key: str, value: Any) -> Any:
    """The comparison rules of shared/tools/compare_decisions.py."""
    if key == "deadline" and value:
        try:
            return datetime.fromisoformat(value).timestamp()
        except (TypeError, ValueError):
            return value
    if key == "declined":
        return sorted(d["institution"] for d in (value or []))
    if key == "eligible_practitioners":
        return sorted(value or [])
    return value


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _differences(expected: Path, actual: Path) -> list[str]:
    want, got = _read_jsonl(expected), _read_jsonl(actual)
    if len(want) != len(got):
        return [f"{len(got)} decisions, expected {len(want)}"]
    out = []
    for n, (e, a) in enumerate(zip(want, got, strict=True), 1):
        for key, value in e.items():
            if _norm(key, a.get(key)) != _norm(key, value):
                out.append(
                    f"line {n} (case {e.get('case')}): {key} is {a.get(key)!r}, expected {value!r}"
                )
    return out


def _replay(stream: str, out: Path, *extra: str) -> int:
    folder = EXAMPLES / stream
    return main(
        [
            "replay",
            "--roster",
            str(folder / "roster.json"),
            "--events",
            str(folder / "events.jsonl"),
            "--out",
            str(out),
            *extra,
        ]
    )


# --------------------------------------------------------------------------------- the examples


@pytest.mark.parametrize("stream", STREAMS)
def test_bundled_example_reproduces_its_decisions_field_by_field(
    stream: str, tmp_path: Path
) -> None:
    out = tmp_path / "decisions.jsonl"
    assert _replay(stream, out) == 0
    assert _differences(EXAMPLES / stream / "decisions.jsonl", out) == []


@pytest.mark.parametrize("stream", STREAMS)
def test_replay_output_is_byte_identical_across_runs(stream: str, tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert _replay(stream, first) == 0
    assert _replay(stream, second) == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()


def test_comparison_catches_a_changed_field(tmp_path: Path) -> None:
    out = tmp_path / "decisions.jsonl"
    assert _replay("stream-7", out) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["institution"] = "NOPE"
    lines[0] = json.dumps(first, ensure_ascii=False)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _differences(EXAMPLES / "stream-7" / "decisions.jsonl", out) != []


def test_installed_command_reproduces_an_example_in_a_subprocess(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("fayuan")
    assert command.exists(), command
    folder = EXAMPLES / "stream-8"
    out = tmp_path / "decisions.jsonl"
    done = subprocess.run(
        [
            str(command),
            "replay",
            "--roster",
            str(folder / "roster.json"),
            "--events",
            str(folder / "events.jsonl"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _differences(folder / "decisions.jsonl", out) == []


def test_explain_prints_the_reasoning_in_chinese_naming_the_firm_and_article_eleven(
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = EXAMPLES / "stream-7"
    code = main(
        [
            "replay",
            "--roster",
            str(folder / "roster.json"),
            "--events",
            str(folder / "events.jsonl"),
            "--explain",
            "C0030",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "C0030" in text
    assert "F04" in text or "李律师事务所3" in text
    assert "第十一条" in text
    assert HAN.search(text)


# --------------------------------------------------------------------------------- bad input

ROSTER: dict[str, Any] = {
    "center": {"id": "beibei", "name": "重庆市北碚区法律援助中心"},
    "institutions": [
        {
            "id": "F1",
            "name": "甲律师事务所",
            "kind": "law_firm",
            "locality": "天生街道",
            "sequence": 1,
            "active": True,
        },
        {
            "id": "G1",
            "name": "乙法律服务所",
            "kind": "grassroots_office",
            "locality": "澄江镇",
            "sequence": 2,
        },
    ],
    "practitioners": [
        {
            "id": "L1",
            "name": "张律师",
            "institution": "F1",
            "kind": "lawyer",
            "licensed_on": "2015-05-01",
            "criminal_defense_cases": 25,
        },
        {
            "id": "L2",
            "name": "王律师",
            "institution": "F1",
            "kind": "lawyer",
            "licensed_on": "2019-05-01",
        },
        {
            "id": "W1",
            "name": "李工作者",
            "institution": "G1",
            "kind": "grassroots_worker",
            "licensed_on": "2016-01-01",
        },
    ],
}


def _event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "case",
        "id": "C1",
        "category": "civil",
        "source": "application",
        "started_at": "2024-06-03T10:00:00+08:00",
        "aided_persons": 1,
        "locality": "天生街道",
        "parties": [{"role": "aided", "name": "赵六", "id_number": id_number("19850505", "123")}],
    }
    event.update(changes)
    return event


def _line(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False)


GOOD_FIRST = _line(_event(id="C0"))
CHANGE = {
    "type": "change_handler",
    "case": "C0",
    "at": "2024-06-05T10:00:00+08:00",
    "reason": "利益冲突",
    "consent": True,
    "mode": "same_institution",
}


def _run_bad(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bad_line: str,
    roster: dict[str, Any] | None = None,
) -> tuple[int, str, Path, Path]:
    """Events: a good case on line 1, a blank line 2, the bad line on line 3."""
    roster_path = tmp_path / "roster.json"
    roster_path.write_text(json.dumps(roster or ROSTER, ensure_ascii=False, indent=1), "utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text(f"{GOOD_FIRST}\n\n{bad_line}\n{_line(_event(id='C9'))}\n", "utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "decisions.jsonl"
    code = main(
        ["replay", "--roster", str(roster_path), "--events", str(events), "--out", str(out)]
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err, events, out


BAD_EVENTS: dict[str, tuple[str, str, str]] = {
    # name: (line 3, field named, a word of the Chinese reason)
    "unknown_category": (_line(_event(category="family")), "category", "取值不在允许范围内"),
    "unknown_chosen_institution": (
        _line(_event(chosen_institution="F99")),
        "chosen_institution",
        "未知机构 F99",
    ),
    "unknown_helping_institution": (
        _line(_event(helped_by_institution="X1")),
        "helped_by_institution",
        "未知机构 X1",
    ),
    "unknown_chosen_practitioner": (
        _line(_event(chosen_practitioner="L99")),
        "chosen_practitioner",
        "未知承办人 L99",
    ),
    "unknown_case_in_change_handler": (
        _line({**CHANGE, "case": "C404"}),
        "case",
        "未知案件 C404",
    ),
    "malformed_time": (
        _line(_event(started_at="2024-06-31T10:00:00+08:00")),
        "started_at",
        "时间",
    ),
    "time_not_iso": (_line(_event(started_at="6/3/2024 10:00")), "started_at", "时间"),
    "naive_time_without_offset": (
        _line(_event(started_at="2024-06-03T10:00:00")),
        "started_at",
        "时区",
    ),
    "naive_time_in_change_handler": (
        _line({**CHANGE, "at": "2024-06-05T10:00:00"}),
        "at",
        "时区",
    ),
    "unknown_field": (_line(_event(colour="red")), "colour", "未知字段"),
    "duplicate_case_id": (_line(_event(id="C0")), "id", "重复"),
    "case_in_2027": (_line(_event(started_at="2027-03-01T10:00:00+08:00")), "started_at", "2027"),
    "before_the_policy_took_effect": (
        _line(_event(started_at="2023-04-09T10:00:00+08:00")),
        "started_at",
        "2023-04-10",
    ),
    "invalid_id_number_checksum": (
        _line(
            _event(parties=[{"role": "aided", "name": "赵六", "id_number": "500109198505051230"}])
        ),
        "parties 第 1 项的 id_number",
        "校验码",
    ),
    "unknown_party_role": (
        _line(_event(parties=[{"role": "witness", "name": "赵六"}])),
        "parties 第 1 项的 role",
        "取值不在允许范围内",
    ),
    "zero_aided_persons": (_line(_event(aided_persons=0)), "aided_persons", "不得小于 1"),
    "unknown_conflict_practitioner": (
        _line(_event(conflicts={"institutions": [], "practitioners": ["L1", "Q7"]})),
        "conflicts.practitioners 第 2 项",
        "未知承办人 Q7",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_EVENTS))
def test_bad_event_stops_with_file_line_and_field_in_chinese_and_no_output(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_line, field, words = BAD_EVENTS[name]
    code, err, events, out = _run_bad(tmp_path, capsys, bad_line)
    assert code == 1
    assert f"{events}:3" in err
    assert f"字段 {field}：" in err
    assert words in err
    assert "未生成输出文件" in err
    assert HAN.search(err)
    assert list(out.parent.iterdir()) == []  # no output, no leftover temporary file


def test_unknown_event_type_is_named_in_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, events, out = _run_bad(tmp_path, capsys, _line({**_event(), "type": "close"}))
    assert code == 1
    assert f"{events}:3" in err
    assert "未知的事件类型" in err
    assert list(out.parent.iterdir()) == []


def test_bad_event_leaves_an_existing_output_file_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster_path = tmp_path / "roster.json"
    roster_path.write_text(json.dumps(ROSTER, ensure_ascii=False), "utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text(f"{GOOD_FIRST}\n{_line(_event(category='family'))}\n", "utf-8")
    out = tmp_path / "decisions.jsonl"
    out.write_bytes(b"previous run\n")
    code = main(
        ["replay", "--roster", str(roster_path), "--events", str(events), "--out", str(out)]
    )
    assert code == 1
    assert f"{events}:2" in capsys.readouterr().err
    assert out.read_bytes() == b"previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "decisions.jsonl",
        "events.jsonl",
        "roster.json",
    ]


def test_bad_roster_stops_with_the_roster_file_and_field_and_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = json.loads(json.dumps(ROSTER))
    roster["practitioners"].append(
        {
            "id": "L9",
            "name": "孤律师",
            "institution": "F77",
            "kind": "lawyer",
            "licensed_on": "2015-05-01",
        }
    )
    code, err, _, out = _run_bad(tmp_path, capsys, GOOD_FIRST.replace('"C0"', '"C5"'), roster)
    assert code == 1
    assert str(tmp_path / "roster.json") in err
    assert "字段 practitioners 第 4 项的 institution：" in err
    assert "未知机构 F77" in err
    assert list(out.parent.iterdir()) == []


def test_roster_with_an_unknown_kind_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = json.loads(json.dumps(ROSTER))
    roster["institutions"][1]["kind"] = "notary"
    code, err, _, out = _run_bad(tmp_path, capsys, GOOD_FIRST.replace('"C0"', '"C5"'), roster)
    assert code == 1
    assert "字段 institutions 第 2 项的 kind：" in err
    assert list(out.parent.iterdir()) == []


def test_good_events_with_the_small_roster_succeed(tmp_path: Path) -> None:
    roster_path = tmp_path / "roster.json"
    roster_path.write_text(json.dumps(ROSTER, ensure_ascii=False), "utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text(f"{GOOD_FIRST}\n\n{_line(CHANGE)}\n", "utf-8")
    out = tmp_path / "decisions.jsonl"
    assert (
        main(["replay", "--roster", str(roster_path), "--events", str(events), "--out", str(out)])
        == 0
    )
    decisions = _read_jsonl(out)
    assert [(d["case"], d["status"]) for d in decisions] == [("C0", "assigned"), ("C0", "assigned")]
    assert decisions[1]["rule"] == "change"


@pytest.mark.parametrize(
    "bad",
    [
        {k: v for k, v in CHANGE.items() if k != "case"},  # missing case
        {**CHANGE, "case": 7},  # case not a string
    ],
    ids=["missing", "not_a_string"],
)
def test_bad_case_field_of_change_handler_is_named(
    bad: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, events, _out = _run_bad(tmp_path, capsys, _line(bad))
    assert code == 1
    assert f"{events}:3" in err
    assert "字段 case：" in err
