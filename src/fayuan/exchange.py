"""The exchange formats of SPEC.md §12 (roster JSON, event JSON Lines), validated strictly, and
their conversion into the policy's plain values. Errors name the field and the reason in Chinese."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails

from fayuan.identity import id_number_problem, normalize_id_number
from fayuan.policy.model import (
    CATEGORY_ZH,
    Case,
    Category,
    Institution,
    InstitutionKind,
    Party,
    PartyRole,
    Practitioner,
    PractitionerKind,
    Source,
)

Id = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CenterIn(_Strict):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]


class InstitutionIn(_Strict):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: InstitutionKind
    locality: Text
    sequence: Annotated[int, Field(ge=0)]
    active: bool = True
    # Exports of the service mark a suspension (SPEC §8), which is apart from `active`.
    suspended: bool = False

    def to_policy(self) -> Institution:
        return Institution(self.id, self.name, self.kind, self.locality, self.sequence, self.active)


class PractitionerIn(_Strict):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=100)]
    institution: Id
    kind: PractitionerKind
    licensed_on: date
    criminal_defense_cases: Annotated[int, Field(ge=0)] = 0
    specialties: list[Annotated[str, Field(min_length=1, max_length=50)]] = []
    quality: Annotated[float, Field(ge=0, le=100)] = 0.0
    active: bool = True
    minors_qualified: bool = False
    # Exports of the service mark the center's suspension (第九条 暂停指派) apart from `active`
    # (the roster status), as for an institution.
    suspended: bool = False

    def to_policy(self) -> Practitioner:
        """As `fayuan.workflow.engine.roster_view` reads the service's roster: a suspended
        practitioner is not active and explained as suspended; one the roster lists as not
        active is 非执业 whatever the flag says (as an institution: inactive before suspended)."""
        return Practitioner(
            self.id,
            self.name,
            self.institution,
            self.kind,
            self.licensed_on,
            self.criminal_defense_cases,
            tuple(self.specialties),
            float(self.quality),
            self.active and not self.suspended,
            self.minors_qualified,
            suspended=self.active and self.suspended,
        )


class RosterIn(_Strict):
    center: CenterIn
    institutions: list[InstitutionIn]
    practitioners: list[PractitionerIn]


class PartyIn(_Strict):
    role: PartyRole
    name: Annotated[str, Field(min_length=1, max_length=100)]
    id_number: str | None = None

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str | None) -> str | None:
        if value is not None:
            # One spelling per person (`normalize_id_number`: NFKC, an upper-case X), as the
            # service stores it, so that replay and the service match the same persons.
            number = normalize_id_number(value)
            problem = id_number_problem(number)
            if problem:
                raise ValueError(f"身份证号码无效：{problem}")
            return number
        return value


class ConflictsIn(_Strict):
    institutions: list[Id] = []
    practitioners: list[Id] = []


class CaseEvent(_Strict):
    type: Literal["case"]
    id: Id
    category: Category
    source: Source = Source.application
    started_at: AwareDatetime
    aided_persons: Annotated[int, Field(ge=1, le=100_000)] = 1
    locality: Text = ""
    specialty: Text | None = None
    social_impact: bool = False
    major_difficult: bool = False
    life_sentence_possible: bool = False
    stability_risk: bool = False
    minor: bool = False
    chosen_practitioner: Id | None = None
    chosen_institution: Id | None = None
    helped_by_institution: Id | None = None
    conflicts: ConflictsIn = ConflictsIn()
    parties: list[PartyIn] = []

    def to_policy(self) -> Case:
        return Case(
            id=self.id,
            category=self.category,
            started_at=self.started_at,
            source=self.source,
            aided_persons=self.aided_persons,
            locality=self.locality,
            specialty=self.specialty,
            social_impact=self.social_impact,
            major_difficult=self.major_difficult,
            life_sentence_possible=self.life_sentence_possible,
            stability_risk=self.stability_risk,
            minor=self.minor,
            chosen_practitioner=self.chosen_practitioner,
            chosen_institution=self.chosen_institution,
            helped_by_institution=self.helped_by_institution,
            conflict_institutions=frozenset(self.conflicts.institutions),
            conflict_practitioners=frozenset(self.conflicts.practitioners),
            parties=tuple(Party(p.role, p.name, p.id_number) for p in self.parties),
        )


class SuspendEvent(_Strict):
    type: Literal["suspend"]
    institution: Id
    at: AwareDatetime


class ReinstateEvent(_Strict):
    type: Literal["reinstate"]
    institution: Id
    at: AwareDatetime


class ChangeHandlerEvent(_Strict):
    type: Literal["change_handler"]
    case: Id
    at: AwareDatetime
    reason: Annotated[str, Field(max_length=500)]
    consent: bool
    mode: Literal["same_institution", "other_institution"]
    bureau_approved: bool = False


Event = Annotated[
    CaseEvent | SuspendEvent | ReinstateEvent | ChangeHandlerEvent, Field(discriminator="type")
]
EVENT_ADAPTER: TypeAdapter[CaseEvent | SuspendEvent | ReinstateEvent | ChangeHandlerEvent] = (
    TypeAdapter(Event)
)


# ---------------------------------------------------------------------------------------------
# Messages: every reason in Chinese, list positions counted from 1 (SPEC §12)

#: The Chinese meaning of every value an enumerated field of §12 takes (one table: no value is
#: spelled the same in two fields).
VALUE_ZH: dict[str, str] = {
    **{category.value: zh for category, zh in CATEGORY_ZH.items()},
    InstitutionKind.law_firm.value: "律师事务所",
    InstitutionKind.grassroots_office.value: "基层法律服务所",
    PractitionerKind.lawyer.value: "律师",
    PractitionerKind.grassroots_worker.value: "基层法律服务工作者",
    Source.application.value: "公民申请",
    Source.notification.value: "办案机关通知",
    PartyRole.aided.value: "受援人",
    PartyRole.opposing.value: "对方当事人",
    "same_institution": "原承办机构另行安排承办人",
    "other_institution": "中心另行指派其他承办机构",
    "case": "新案件",
    "suspend": "暂停指派",
    "reinstate": "恢复指派",
    "change_handler": "更换承办人",
}
EVENT_TYPES = ("case", "suspend", "reinstate", "change_handler")
_UNION_TAGS = frozenset(EVENT_TYPES)


def with_meaning(value: str) -> str:
    """`criminal（刑事）`: a value as written in the file, with its Chinese meaning."""
    zh = VALUE_ZH.get(value)
    return f"{value}（{zh}）" if zh else value


def one_of(values: Sequence[str]) -> str:
    """`a（…）、b（…）或 c（…）`."""
    shown = [with_meaning(v) for v in values]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{'、'.join(shown[:-1])}或 {shown[-1]}"


def field_path(parts: Sequence[str | int]) -> str:
    """A field's place, list positions counted from 1: `parties 第 1 项的 id_number`,
    `conflicts.practitioners 第 2 项`, `institutions 第 4 项的 kind`."""
    out = ""
    after_position = False
    for part in parts:
        if isinstance(part, int):
            out += f" 第 {part + 1} 项"
            after_position = True
            continue
        if after_position:
            out += f"的 {part}"
        else:
            out += f".{part}" if out else str(part)
        after_position = False
    return out


_BRACKET_INDEX = re.compile(r"(?<=[A-Za-z_])\[(\d+)\](\.)?")


def one_based(text: str) -> str:
    """`values[0].since` → `values 第 1 项的 since`: a 0-based `name[i]` of another module's
    message in the form of `field_path`."""

    def repl(m: re.Match[str]) -> str:
        return f" 第 {int(m.group(1)) + 1} 项" + ("的 " if m.group(2) else "")

    return _BRACKET_INDEX.sub(repl, text)


_TIME_FORMAT = "时间格式错误，应为带时区的 ISO 8601 时间，如 2026-09-30T10:00:00+08:00"
_REASONS_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "union_tag_invalid": "未知的事件类型",
    "union_tag_not_found": "缺少事件类型 type",
    "datetime_parsing": _TIME_FORMAT,
    "datetime_from_date_parsing": _TIME_FORMAT,
    "datetime_type": "应为带时区的时间字符串",
    "datetime_object_invalid": _TIME_FORMAT,
    "timezone_aware": "时间缺少时区（如 +08:00）",
    "date_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期不应含时间，应为 YYYY-MM-DD",
    "date_type": "应为 YYYY-MM-DD 日期",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "int_parsing_size": "整数过大",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字（不能是 NaN 或 Infinity）",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为字符串",
    "string_unicode": "应为字符串",
    "list_type": "应为数组",
    "model_type": "应为对象",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "too_short": "项数过少",
    "too_long": "项数过多",
    "json_invalid": "不是合法的 JSON",
    "json_type": "不是合法的 JSON",
    "value_error": "取值无效",
}
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _shown(value: object) -> str | None:
    """How a received value is quoted back, or None when it is not (objects, arrays, null)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # str() of an int over 4300 digits raises; nobody reads a number that long anyway.
        return str(value) if value.bit_length() <= 100 else "一个超过 30 位的整数"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else f"{value[:60]!r}…"
    return None


def describe_error(error: ErrorDetails, whole: str = "(整行)") -> tuple[str, str]:
    """(field path, Chinese reason) for one pydantic error; `whole` names the place of an error
    that concerns no field (the line, the file). Nothing of pydantic's English text is shown."""
    parts = list(error["loc"])
    if parts and parts[0] in _UNION_TAGS:
        parts = parts[1:]  # the event type pydantic chose, not a field of the event
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        parts = ["type"]
    loc = field_path(parts)
    reason = _REASONS_ZH.get(kind, "取值无效")
    value = error.get("input")
    if kind == "value_error":
        # Our validators speak Chinese; any other text is not shown.
        text = str(ctx.get("error", ""))
        if _HAN.search(text):
            reason = text
    elif kind in ("enum", "literal_error"):
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        reason = f"{reason}，应为 {one_of(allowed)}" if allowed else reason
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        if isinstance(value, float) and not math.isfinite(value):
            reason = _REASONS_ZH["finite_number"]
        else:
            if kind == "greater_than_equal":
                bound = f"不得小于 {ctx.get('ge')}"
            elif kind == "less_than_equal":
                bound = f"不得大于 {ctx.get('le')}"
            elif kind == "greater_than":
                bound = f"应大于 {ctx.get('gt')}"
            else:
                bound = f"应小于 {ctx.get('lt')}"
            reason = f"{reason}（{bound}）"
    elif kind == "string_too_long" and "max_length" in ctx:
        reason = f"{reason}（最多 {ctx['max_length']} 个字符）"
    elif kind == "union_tag_invalid":
        reason = f"{reason}，应为 {one_of(EVENT_TYPES)}"
        value = value.get("type") if isinstance(value, dict) else ctx.get("tag")
        if value is None:
            reason = f"{reason}（收到 null）"
    elif kind == "union_tag_not_found":
        reason = f"{reason}，应为 {one_of(EVENT_TYPES)}"
    shown = _shown(value) if kind not in ("missing", "json_invalid") else None
    if shown is not None:
        reason = f"{reason}（收到 {shown}）"
    return loc or whole, reason


def first_error(exc: ValidationError, whole: str = "(整行)") -> tuple[str, str]:
    return describe_error(exc.errors(include_url=False)[0], whole)


# ---------------------------------------------------------------------------------------------
# JSON that cannot be read: where, and why, in Chinese

UTF8_BOM = b"\xef\xbb\xbf"

#: CPython's `json` messages (json.decoder, _json.c), by their first words.
_JSON_MESSAGES_ZH = (
    ("Expecting value", "此处应为一个值（对象、数组、字符串、数字、true、false 或 null）"),
    ("Expecting property name", "此处应为用英文双引号括起的字段名"),
    ("Expecting ':'", "此处应为冒号 :"),
    ("Expecting ','", "此处应为逗号 , 或结束的括号"),
    ("Unterminated string", "字符串缺少结束的双引号"),
    ("Invalid control character", "字符串中有未转义的控制字符（如换行、制表符）"),
    ("Invalid \\uXXXX", "\\u 转义无效"),
    ("Invalid \\escape", "反斜杠转义无效"),
    ("Extra data", "一个 JSON 值之后还有多余的内容"),
    ("Illegal trailing comma", "结尾多了一个逗号"),
)
#: Messages of pydantic's parser (jiter) for what CPython's `json` accepts.
_JITER_MESSAGES_ZH = (
    ("recursion limit", "嵌套层数过多"),
    ("surrogate", "含有无效的 \\u 转义（单独的代理项）"),
    ("hex escape", "含有无效的 \\u 转义（单独的代理项）"),
    ("unicode code point", "含有无效的 Unicode 字符"),
    ("number out of range", "数字超出范围"),
    ("invalid number", "数字格式错误"),
)
_JITER_POSITION = re.compile(r"at line (\d+) column (\d+)")


@dataclass(frozen=True)
class JsonProblem:
    """Why a text is not JSON: line and column (from 1) and the reason in Chinese."""

    line: int | None
    column: int | None
    reason: str


def json_problem(data: bytes, parser_message: str = "", line: int | None = None) -> JsonProblem:
    """Explain why `data` (without its byte-order mark) is not valid JSON: not UTF-8, or the
    first syntax error CPython's `json` finds (`json.JSONDecodeError` has its line and column).
    `parser_message` is pydantic's own message, used when `json` accepts what pydantic refuses.
    `line`: `data` is that one line of a file (JSON Lines), and positions are on it."""
    where, words = _json_problem(data, parser_message)
    if where is None:
        return JsonProblem(line, None, f"不是合法的 JSON：{words}")
    row, column = where
    if line is not None:
        row = line
    place = f"第 {row} 行第 {column} 列"
    if words is None:
        return JsonProblem(row, column, f"不是 UTF-8 编码（{place}）：请将文件另存为 UTF-8")
    return JsonProblem(row, column, f"不是合法的 JSON（{place}）：{words}")


def _json_problem(data: bytes, parser_message: str) -> tuple[tuple[int, int] | None, str | None]:
    """((line, column) or None, Chinese words, or None when `data` is not UTF-8)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        row = data.count(b"\n", 0, exc.start) + 1
        return (row, len(data[line_start : exc.start].decode("utf-8", "replace")) + 1), None
    if not text.strip():
        return None, "内容为空"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        words = next((zh for en, zh in _JSON_MESSAGES_ZH if exc.msg.startswith(en)), "语法错误")
        if exc.colno == 1 and text.split("\n")[exc.lineno - 1].startswith("\ufeff"):
            words = "行首有字节顺序标记（BOM），它只能出现在文件开头"
        return (exc.lineno, exc.colno), words
    except (RecursionError, ValueError):
        pass  # too deep, or an integer too long for CPython: pydantic's position is used
    words = next((zh for en, zh in _JITER_MESSAGES_ZH if en in parser_message), "语法错误")
    m = _JITER_POSITION.search(parser_message)
    return ((int(m.group(1)), int(m.group(2))) if m else None), words
