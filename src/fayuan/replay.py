"""`fayuan replay`: apply an event stream to a roster and write one decision per case or handler
change (SPEC.md §12). Deterministic; bad input stops the run with file, line (and column for text
that is not JSON), field and reason in Chinese, and no output file is left behind (written beside,
then renamed). A UTF-8 byte-order mark at the start of either file is accepted."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fayuan.exchange import (
    EVENT_ADAPTER,
    UTF8_BOM,
    CaseEvent,
    ChangeHandlerEvent,
    ReinstateEvent,
    RosterIn,
    SuspendEvent,
    field_path,
    first_error,
    json_problem,
    with_meaning,
)
from fayuan.policy.conflicts import HoldingsIndex
from fayuan.policy.deadlines import local_date
from fayuan.policy.decision import Decision
from fayuan.policy.handler_change import ChangeRequest, HeldCase, decide_change
from fayuan.policy.ledger import apply_assignment, apply_change
from fayuan.policy.model import Category, Source
from fayuan.policy.params import Policy, PolicyError
from fayuan.policy.ranking import LoadWindow
from fayuan.policy.roster import RosterView
from fayuan.policy.rotation import RotationState
from fayuan.policy.selection import AssignmentState, decide_case
from fayuan.workdays import CalendarYearMissing, WorkdayCalendar


class ReplayInputError(Exception):
    """Bad input: where it is (file, line from 1, column from 1 for a JSON syntax error; the
    field, None when the fault is not one field's) and what is wrong, in Chinese."""

    def __init__(
        self,
        file: str,
        line: int | None,
        field: str | None,
        reason: str,
        column: int | None = None,
    ) -> None:
        self.file, self.line, self.field, self.reason = file, line, field, reason
        self.column = column
        where = file
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}：字段 {field}：{reason}" if field else f"{where}：{reason}")


class ReplayOutputError(ReplayInputError):
    """The output file cannot be written (its folder, its name)."""


def os_reason(exc: OSError) -> str:
    """Why a file cannot be read or written, in Chinese (`strerror` is the system's English)."""
    if isinstance(exc, FileNotFoundError):
        return "文件或文件夹不存在"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    if isinstance(exc, NotADirectoryError):
        return "路径中有一段不是文件夹"
    if isinstance(exc, PermissionError):
        return "没有访问权限"
    if isinstance(exc, FileExistsError):
        return "已有同名的文件"
    return f"操作系统报告错误（错误码 {exc.errno}）"


@dataclass
class ReplayResult:
    decisions: int = 0
    events: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    by_route: Counter[str] = field(default_factory=Counter)
    unassignable: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: Cases of the decisions whose deadline counted a year with no arrangement (暂定).
    provisional: list[str] = field(default_factory=list)
    explained: list[Decision] = field(default_factory=list)
    roster: RosterView | None = None


def load_roster(path: Path) -> tuple[RosterIn, RosterView]:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReplayInputError(name, None, None, f"无法读取名册：{os_reason(exc)}") from exc
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]  # as Windows Notepad writes (SPEC §12)
    if not raw.strip():
        raise ReplayInputError(name, None, None, "名册文件是空的，应为一个 JSON 对象")
    try:
        roster = RosterIn.model_validate_json(raw)
    except ValidationError as exc:
        raise _refusal(exc, raw, name, None) from exc
    seen: set[str] = set()
    for n, inst in enumerate(roster.institutions):
        if inst.id in seen:
            raise ReplayInputError(
                name, None, field_path(("institutions", n, "id")), f"机构编号 {inst.id} 重复"
            )
        seen.add(inst.id)
    pseen: set[str] = set()
    for n, p in enumerate(roster.practitioners):
        if p.id in pseen or p.id in seen:
            raise ReplayInputError(
                name, None, field_path(("practitioners", n, "id")), f"编号 {p.id} 重复"
            )
        pseen.add(p.id)
        if p.institution not in seen:
            raise ReplayInputError(
                name,
                None,
                field_path(("practitioners", n, "institution")),
                f"未知机构 {p.institution}",
            )
    view = RosterView(
        (i.to_policy() for i in roster.institutions),
        (p.to_policy() for p in roster.practitioners),
        frozenset(i.id for i in roster.institutions if i.suspended),
    )
    return roster, view


def _refusal(exc: ValidationError, data: bytes, file: str, line: int | None) -> ReplayInputError:
    """The refusal of what pydantic refused: the whole file (`line` None) or one line of it.
    Text that is not JSON is explained by `json_problem` (line, column, why in Chinese)."""
    error = exc.errors(include_url=False)[0]
    if error["type"] == "json_invalid":
        problem = json_problem(data, str((error.get("ctx") or {}).get("error", "")), line)
        return ReplayInputError(file, problem.line, None, problem.reason, problem.column)
    loc, reason = first_error(exc, "")
    return ReplayInputError(file, line, loc or None, reason)


def _read_events(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, the line's bytes) of every line that is not blank. Bytes: pydantic
    checks the UTF-8 itself, and a line it refuses is explained by `json_problem`."""
    name = str(path)
    try:
        handle = path.open("rb")
        with handle:
            for number, line in enumerate(handle, 1):
                if number == 1 and line.startswith(UTF8_BOM):
                    line = line[len(UTF8_BOM) :]  # as Windows Notepad writes (SPEC §12)
                if line.strip():
                    yield number, line
    except OSError as exc:
        raise ReplayInputError(name, None, None, f"无法读取事件文件：{os_reason(exc)}") from exc


class Replayer:
    """Holds the state of one replay and applies events in file order."""

    def __init__(self, roster: RosterView, policy: Policy, calendar: WorkdayCalendar) -> None:
        self.policy = policy
        self.calendar = calendar
        self.state = AssignmentState(
            roster=roster,
            rotation=RotationState(),
            institution_holdings=HoldingsIndex(),
            practitioner_holdings=HoldingsIndex(),
            load=LoadWindow(),
        )
        self.cases: dict[str, HeldCase] = {}

    def _check_ids(self, event: CaseEvent, fail: Callable[[str, str], ReplayInputError]) -> None:
        roster = self.state.roster
        if event.id in self.cases:
            raise fail("id", f"案件编号 {event.id} 重复")
        for key in ("chosen_institution", "helped_by_institution"):
            value = getattr(event, key)
            if value is not None and value not in roster.institutions:
                raise fail(key, f"未知机构 {value}")
        chosen = event.chosen_practitioner
        if chosen is not None:
            if chosen not in roster.practitioners:
                raise fail("chosen_practitioner", f"未知承办人 {chosen}")
            own = roster.practitioners[chosen].institution
            if event.chosen_institution not in (None, own):
                raise fail(
                    "chosen_institution",
                    f"与所选承办人 {chosen} 所在机构 {own} 不一致",
                )
        for n, inst in enumerate(event.conflicts.institutions):
            if inst not in roster.institutions:
                raise fail(field_path(("conflicts", "institutions", n)), f"未知机构 {inst}")
        for n, prac in enumerate(event.conflicts.practitioners):
            if prac not in roster.practitioners:
                raise fail(field_path(("conflicts", "practitioners", n)), f"未知承办人 {prac}")

    def apply(self, event: Any, fail: Callable[[str, str], ReplayInputError]) -> Decision | None:
        state = self.state
        if isinstance(event, CaseEvent):
            if event.source is Source.notification and event.category is not Category.criminal:
                raise fail(
                    "source",
                    "只有刑事案件由办案机关通知指派（法律援助法第三十六条），"
                    f"{with_meaning(event.category.value)}案件的来源应为 "
                    f"{with_meaning(Source.application.value)}"
                    f"（收到 {Source.notification.value!r}）",
                )
            self._check_ids(event, fail)
            case = event.to_policy()
            day = _day(case.started_at, "started_at", fail)
            state.load.expire(day, self._values(day, "started_at", fail).ranking_load_window_days)
            decision = self._decide(
                lambda: decide_case(case, state, self.policy, self.calendar), "started_at", fail
            )
            self.cases[case.id] = apply_assignment(state, case, decision)
            return decision
        if isinstance(event, ChangeHandlerEvent):
            held = self.cases.get(event.case)
            if held is None:
                raise fail("case", f"未知案件 {event.case}")
            if event.at < held.case.started_at:
                raise fail(
                    "at",
                    f"更换承办人的时间 {event.at.isoformat()} 早于案件 {event.case} 的开始时间 "
                    f"started_at {held.case.started_at.isoformat()}",
                )
            request = ChangeRequest(
                event.at, event.reason, event.consent, event.mode, event.bureau_approved
            )
            day = _day(event.at, "at", fail)
            state.load.expire(day, self._values(day, "at", fail).ranking_load_window_days)
            decision = self._decide(
                lambda: decide_change(held, request, state, self.policy, self.calendar), "at", fail
            )
            self.cases[event.case] = apply_change(state, held, decision)
            return decision
        if isinstance(event, SuspendEvent | ReinstateEvent):
            if event.institution not in state.roster.institutions:
                raise fail("institution", f"未知机构 {event.institution}")
            # SPEC §8: a suspended firm leaves the pool with its credit frozen.
            state.roster = state.roster.with_suspended(
                event.institution, isinstance(event, SuspendEvent)
            )
            return None
        raise AssertionError(f"unhandled event {event!r}")  # pragma: no cover - the union

    def _values(self, day: date, key: str, fail: Callable[[str, str], ReplayInputError]) -> Any:
        try:
            return self.policy.values_on(day)
        except PolicyError as exc:
            raise fail(key, f"{day} 不在政策 {self.policy.id} 的施行期间：{exc.reason}") from exc

    def _decide(
        self, run: Callable[[], Decision], key: str, fail: Callable[[str, str], ReplayInputError]
    ) -> Decision:
        try:
            return run()
        except CalendarYearMissing as exc:
            hint = (
                ""
                if self.calendar.provisional
                else "也可加 --provisional-calendar，暂按《全国年节及纪念日放假办法》的法定节假日"
                '和周末计算（这样的决定标注 "deadline_provisional": true）。'
            )
            raise fail(key, f"{exc}{hint}") from exc
        except OverflowError as exc:
            raise fail(key, "时间超出可计算的范围，无法计算指派期限") from exc


def _day(moment: datetime, key: str, fail: Callable[[str, str], ReplayInputError]) -> date:
    """The China Standard Time day of `moment` (a time such as 0001-01-01T00:00+14:00 has none)."""
    try:
        return local_date(moment)
    except OverflowError as exc:
        raise fail(key, "时间超出可计算的范围") from exc


def replay(
    roster_path: Path,
    events_path: Path,
    out_path: Path | None,
    policy: Policy,
    calendar: WorkdayCalendar,
    explain: str | None = None,
) -> ReplayResult:
    """Run the whole stream; write decisions to `out_path` atomically (None: write nothing)."""
    if out_path is not None:
        _check_out_path(out_path, (roster_path, events_path))
    _, view = load_roster(roster_path)
    replayer = Replayer(view, policy, calendar)
    result = ReplayResult(roster=view)
    events_name = str(events_path)
    tmp: Any = None
    made_dir = None
    if out_path is not None:
        if not out_path.parent.exists():
            made_dir = out_path.parent
        try:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed or removed below
                "w",
                encoding="utf-8",
                dir=out_path.parent,
                prefix=f".{out_path.name}.",
                delete=False,
            )
        except OSError as exc:
            raise ReplayOutputError(
                str(out_path), None, None, f"无法创建输出文件：{os_reason(exc)}"
            ) from exc
    try:
        for number, line in _read_events(events_path):

            def fail(key: str, reason: str, number: int = number) -> ReplayInputError:
                return ReplayInputError(events_name, number, key, reason)

            try:
                event = EVENT_ADAPTER.validate_json(line)
            except ValidationError as exc:
                raise _refusal(exc, line, events_name, number) from exc
            result.events += 1
            decision = replayer.apply(event, fail)
            if decision is None:
                continue
            _tally(result, decision)
            if explain is not None and decision.case == explain:
                result.explained.append(decision)
            if tmp is not None:
                tmp.write(json.dumps(decision.to_json(), ensure_ascii=False))
                tmp.write("\n")
        if result.events == 0:
            raise ReplayInputError(
                events_name, None, None, "没有任何事件：文件是空的或只有空行（每行应为一个事件）"
            )
        if explain is not None and not result.explained:
            raise ReplayInputError(events_name, None, "--explain", f"事件流中没有案件 {explain}")
        if tmp is not None:
            try:
                tmp.flush()
                os.fsync(tmp.fileno())
                tmp.close()
                os.replace(tmp.name, out_path)  # type: ignore[arg-type]
            except OSError as exc:
                raise ReplayOutputError(
                    str(out_path), None, None, f"无法写入输出文件：{os_reason(exc)}"
                ) from exc
            tmp = None
    finally:
        if tmp is not None:
            tmp.close()
            os.unlink(tmp.name)
            if made_dir is not None:
                # A failed run leaves nothing behind, not even the folder it made.
                with contextlib.suppress(OSError):
                    made_dir.rmdir()
    return result


def _check_out_path(out_path: Path, inputs: tuple[Path, ...]) -> None:
    """Refuse an output that is a folder or one of the input files (it would be replaced)."""
    if out_path.is_dir():
        raise ReplayOutputError(str(out_path), None, None, "输出路径是一个文件夹，应为文件名")
    for given in inputs:
        with contextlib.suppress(OSError):
            if out_path.exists() and out_path.samefile(given):
                raise ReplayOutputError(
                    str(out_path), None, None, f"输出文件就是输入文件 {given}，会覆盖它"
                )


def _tally(result: ReplayResult, decision: Decision) -> None:
    result.decisions += 1
    result.by_status[decision.status.value] += 1
    if decision.rule is not None:
        result.by_rule[decision.rule.value] += 1
    if decision.route is not None:
        result.by_route[decision.route.value] += 1
    if decision.deadlines is not None and decision.deadlines.provisional:
        result.provisional.append(decision.case)
    if decision.status.value == "unassignable":
        result.unassignable.append(decision.case)
    elif decision.status.value == "refused":
        result.refused.append(decision.case)
