"""`fayuan replay --provisional-calendar` (SPEC §5): a year with no State Council arrangement is
counted from weekends and the statutory holidays of 《全国年节及纪念日放假办法》, and only the
decisions whose deadline counted such a year say `"deadline_provisional": true`. Without the flag
such a year stays bad input: exit code 1 naming the year, and no output file."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

from fayuan.cli import main
from test_replay_cli import CHANGE, ROSTER, _event, _line

#: A case whose deadlines reach into 2027 (started Wednesday 2026-12-30) and one in mid-2026.
INTO_2027 = _event(id="C27", started_at="2026-12-30T10:00:00+08:00")
MID_2026 = _event(id="C26", started_at="2026-06-30T10:00:00+08:00")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # --help
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def _replay(folder: Path, events: list[dict[str, Any]], *extra: str) -> tuple[int, str, str, Path]:
    roster = folder / "roster.json"
    roster.write_text(json.dumps(ROSTER, ensure_ascii=False), encoding="utf-8")
    stream = folder / "events.jsonl"
    stream.write_text("".join(f"{_line(e)}\n" for e in events), encoding="utf-8")
    out = folder / "out" / "decisions.jsonl"
    code, stdout, stderr = _run(
        ["replay", "--roster", str(roster), "--events", str(stream), "--out", str(out), *extra]
    )
    return code, stdout, stderr, out


def _decisions(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_provisional_calendar_marks_only_decisions_whose_deadline_reaches_2027(
    tmp_path: Path,
) -> None:
    code, _, err, out = _replay(tmp_path, [MID_2026, INTO_2027], "--provisional-calendar")
    assert code == 0, err
    decisions = _decisions(out)
    assert [(d["case"], d["deadline_provisional"]) for d in decisions] == [
        ("C26", False),
        ("C27", True),
    ]
    # 2027-01-01 is 元旦 by the 办法 and 01-02/03 a weekend: the statutory third day (01-02)
    # moves to Monday 01-04, before the third working day (01-05).
    assert decisions[1]["deadline"] == "2027-01-04T23:59:59+08:00"
    assert decisions[1]["local_deadline"] == "2027-01-05T23:59:59+08:00"


def test_without_provisional_calendar_a_deadline_in_2027_exits_1_naming_2027(
    tmp_path: Path,
) -> None:
    code, _, err, out = _replay(tmp_path, [MID_2026, INTO_2027])
    assert code == 1
    assert "未生成输出文件" in err
    assert ":2：字段 started_at：" in err
    assert "缺少 2027 年的法定节假日安排" in err
    assert "--provisional-calendar" in err  # the way out is named
    assert not out.parent.exists()


def test_provisional_calendar_counts_a_case_and_a_change_in_2027(tmp_path: Path) -> None:
    case = _event(id="C1", started_at="2027-03-01T10:00:00+08:00")
    change = {**CHANGE, "case": "C1", "at": "2027-03-02T10:00:00+08:00"}
    (tmp_path / "without").mkdir()
    code, _, err, out = _replay(tmp_path / "without", [case, change])
    assert code == 1
    assert "2027" in err
    assert not out.parent.exists()
    (tmp_path / "with").mkdir()
    code, _, err, out = _replay(tmp_path / "with", [case, change], "--provisional-calendar")
    assert code == 0, err
    assert [(d["rule"], d["deadline_provisional"]) for d in _decisions(out)] == [
        ("ranking", True),
        ("change", True),
    ]


def test_provisional_calendar_changes_nothing_in_a_known_year(tmp_path: Path) -> None:
    change = {**CHANGE, "case": "C26", "at": "2026-07-02T10:00:00+08:00"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    code_a, _, err, out_a = _replay(tmp_path / "a", [MID_2026, change])
    code_b, _, _, out_b = _replay(tmp_path / "b", [MID_2026, change], "--provisional-calendar")
    assert code_a == code_b == 0, err
    assert out_a.read_bytes() == out_b.read_bytes()


def test_the_summary_counts_provisional_decisions(tmp_path: Path) -> None:
    code, stdout, err, _ = _replay(
        tmp_path, [MID_2026, INTO_2027], "--provisional-calendar", "--summary"
    )
    assert code == 0, err
    assert "暂定期限" in stdout
    assert "1 个决定（案件 C27）" in stdout


def test_provisional_calendar_is_described_in_the_replay_help() -> None:
    code, out, _ = _run(["replay", "--help"])
    assert code == 0
    assert "--provisional-calendar" in out
    assert "deadline_provisional" in re.sub(r"\s+", " ", out)
