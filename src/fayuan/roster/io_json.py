"""Reading and writing the roster as the JSON of SPEC.md §12."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from fayuan.exchange import UTF8_BOM, RosterIn, describe_error, json_problem
from fayuan.limits import ROSTER_MAX_ROWS, json_too_deep, text_problem
from fayuan.roster.actions import (
    INSTITUTIONS,
    PRACTITIONERS,
    RosterImportError,
    RowError,
    export_roster,
    json_locator,
    roster_problems,
)
from fayuan.roster.models import Center

FILE = "(文件)"
ROSTER = "(名册)"
#: How deep a roster file may nest (it needs 4).
ROSTER_DEPTH = 8


def _rows(obj: object, section: str) -> list[Mapping[str, object]]:
    rows = obj.get(section) if isinstance(obj, dict) else None
    if not isinstance(rows, list):
        return []
    return [row if isinstance(row, dict) else {} for row in rows]


def _place(error: ErrorDetails) -> RowError:
    _, reason = describe_error(error)
    loc = error["loc"]
    if len(loc) >= 2 and loc[0] in (INSTITUTIONS, PRACTITIONERS) and isinstance(loc[1], int):
        field = ".".join(str(part) for part in loc[2:]) or "(整条)"
        return json_locator(str(loc[0]), loc[1], field, reason)
    if loc and loc[0] == "center":
        return RowError("center", None, ".".join(str(part) for part in loc[1:]), reason)
    return RowError(ROSTER, None, ".".join(str(part) for part in loc), reason)


def parse_roster_json(data: bytes) -> RosterIn:
    """Validate a roster file. Every problem is reported at once, by section (institutions or
    practitioners), 1-based position and field; the cross-row checks of
    `fayuan.roster.actions.roster_problems` run too. An institution's or a practitioner's
    `"suspended"` flag (written by `export_roster`) is accepted and dropped: suspensions are not
    imported."""
    if json_too_deep(data, ROSTER_DEPTH):
        # A roster nests 4 deep (practitioners → row → specialties → text); json itself raises
        # RecursionError near 1,000.
        message = f"嵌套层数过多（名册最多 {ROSTER_DEPTH} 层）"
        raise RosterImportError([RowError(FILE, None, "", message)])
    try:
        obj: Any = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        # json_problem: the line and column, and the reason in Chinese (exchange.py).
        problem = json_problem(data.removeprefix(UTF8_BOM))
        raise RosterImportError([RowError(FILE, None, "", problem.reason)]) from exc

    errors: list[RowError] = []
    if isinstance(obj, dict):
        for section in (INSTITUTIONS, PRACTITIONERS):
            rows = obj.get(section)
            if isinstance(rows, list) and len(rows) > ROSTER_MAX_ROWS:
                message = f"条数过多（{len(rows)} 条，每部分最多 {ROSTER_MAX_ROWS} 条）"
                raise RosterImportError([RowError(section, None, "", message)])
        center = obj.get("center")
        if isinstance(center, dict):
            for key, value in center.items():
                found = text_problem(value) if isinstance(value, str) else None
                if found:
                    errors.append(RowError("center", None, str(key), found))
    for section in (INSTITUTIONS, PRACTITIONERS):
        if not isinstance(obj, dict) or not isinstance(obj.get(section), list):
            continue
        cleaned: list[object] = []
        for n, row in enumerate(obj[section]):
            if isinstance(row, dict) and "suspended" in row:
                row = dict(row)
                if not isinstance(row.pop("suspended"), bool):
                    errors.append(json_locator(section, n, "suspended", "应为 true 或 false"))
            cleaned.append(row)
        obj = {**obj, section: cleaned}

    roster: RosterIn | None = None
    try:
        roster = RosterIn.model_validate_json(json.dumps(obj, ensure_ascii=False))
    except ValidationError as exc:
        errors.extend(_place(error) for error in exc.errors(include_url=False))
    errors.extend(roster_problems(_rows(obj, INSTITUTIONS), _rows(obj, PRACTITIONERS)))
    if errors or roster is None:
        raise RosterImportError(errors)
    return roster


def dump_roster_json(center: Center) -> bytes:
    """The center's roster as a UTF-8 JSON file (`export_roster`)."""
    text = json.dumps(export_roster(center), ensure_ascii=False, indent=1)
    return (text + "\n").encode()
