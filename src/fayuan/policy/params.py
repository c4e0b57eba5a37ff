"""Policy parameters as dated data (SPEC.md: "every number below is a policy parameter").

A district's policy file (`src/fayuan/policies/<id>.toml`) gives every number and choice of the
assignment rules as a dated parameter with description, unit and source, in the manner of
OpenFisca: each parameter has `values = [{ since = <date>, value = … }, …]`, and the value in force
on a day is the last one whose `since` is not after it. Asking for a day before a parameter's first
date is an error (`PolicyDateError`), never a default.

Everything is validated when the file is loaded, against `SCHEMA`; every refusal is a
`PolicyError` naming the file, the parameter and the reason in Chinese.

Pure Python (stdlib + tomllib): nothing here imports Django or a database.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

__all__ = [
    "POLICIES_DIR",
    "QUALITY_SOURCES",
    "SCHEMA",
    "SUPERVISION_SCHEMA",
    "ParamSpec",
    "Parameter",
    "ParameterSource",
    "Policy",
    "PolicyDateError",
    "PolicyError",
    "PolicyValues",
    "SupervisionValues",
    "available_policies",
    "load_policy",
]

#: Where the packaged policy files live (`fayuan/policies/*.toml`).
POLICIES_DIR: Final[Path] = Path(__file__).resolve().parent.parent / "policies"


# ---------------------------------------------------------------------------------------------
# Errors


class PolicyError(ValueError):
    """A policy file that cannot be used, or a question it cannot answer.

    `str()` is ``政策文件 {file}：{key}：{reason}`` (``政策文件 {file}：{reason}`` when the error
    concerns no particular key, e.g. a TOML syntax error).
    """

    def __init__(self, file: str, key: str, reason: str) -> None:
        self.file = file
        self.key = key
        self.reason = reason
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.key:
            return f"政策文件 {self.file}：{self.key}：{self.reason}"
        return f"政策文件 {self.file}：{self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.key, self.reason))


class PolicyDateError(PolicyError):
    """A date before the first date a parameter has a value for (an error, never a default)."""


# ---------------------------------------------------------------------------------------------
# The schema: every parameter a policy file must give


Kind = Literal["int", "float", "bool", "choice", "pairs", "month_day", "table"]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """What one parameter must be: the `PolicyValues` field it fills, its kind, its unit, and
    its allowed range (inclusive; for `pairs`, the range of the second number of each row; for
    `table`, the range of each row's number) or its choices. A `table` is a TOML inline table
    of names to numbers, `{ "案卷材料齐全" = 10, … }`, read in the file's order as a tuple of
    (name, number) rows; `choices`, when given, are the names it must have, exactly."""

    field_name: str
    kind: Kind
    unit: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


SCHEMA: Final[Mapping[str, ParamSpec]] = MappingProxyType(
    {
        "serious_criminal.min_practice_years": ParamSpec(
            "serious_min_practice_years", "int", "years", 0, 60
        ),
        "serious_criminal.min_criminal_cases": ParamSpec(
            "serious_min_criminal_cases", "int", "cases", 0, 10_000
        ),
        "approval.major_group_min_persons": ParamSpec(
            "major_group_min_persons", "int", "persons", 2, 100_000
        ),
        "deadline.criminal_working_days": ParamSpec(
            "criminal_working_days", "int", "working_days", 1, 30
        ),
        "deadline.other_working_days": ParamSpec(
            "other_working_days", "int", "working_days", 1, 30
        ),
        "deadline.statutory_days": ParamSpec("statutory_days", "int", "days", 1, 30),
        "deadline.cap_by_statute": ParamSpec("cap_by_statute", "bool", "boolean"),
        "calendar.next_year_reminder_from": ParamSpec(
            "next_year_reminder_from", "month_day", "month-day"
        ),
        "group.min_persons": ParamSpec("group_min_persons", "int", "persons", 2, 10_000),
        "group.min_handlers": ParamSpec("group_min_handlers", "int", "handlers", 1, 50),
        "group.handlers_by_persons": ParamSpec(
            "group_handlers_by_persons", "pairs", "[persons, handlers]", 1, 50
        ),
        "group.major_difficult_extra_handlers": ParamSpec(
            "group_major_difficult_extra", "int", "handlers", 0, 10
        ),
        # 刑事诉讼法第三十三条：犯罪嫌疑人、被告人可以委托一至二人作为辩护人。
        "criminal.handlers_per_defendant": ParamSpec(
            "criminal_handlers_per_defendant", "int", "handlers_per_defendant", 1, 2
        ),
        "criminal_rotation.weight": ParamSpec(
            "rotation_weight", "choice", "choice", choices=("lawyers", "equal")
        ),
        "criminal_rotation.prefer_helping_institution": ParamSpec(
            "rotation_prefer_helping", "bool", "boolean"
        ),
        "criminal_rotation.choice_counts_as_turn": ParamSpec(
            "rotation_choice_counts_as_turn", "bool", "boolean"
        ),
        "ranking.load_window_days": ParamSpec("ranking_load_window_days", "int", "days", 1, 730),
        "ranking.weight.specialty": ParamSpec(
            "ranking_weight_specialty", "float", "points", 0, 1000
        ),
        "ranking.weight.quality": ParamSpec("ranking_weight_quality", "float", "points", 0, 1000),
        "ranking.weight.locality": ParamSpec("ranking_weight_locality", "float", "points", 0, 1000),
        "ranking.weight.load": ParamSpec("ranking_weight_load", "float", "points", 0, 1000),
        "ranking.max_share_ratio": ParamSpec("ranking_max_share_ratio", "float", "ratio", 1, 100),
        "handler_change.max_changes": ParamSpec(
            "handler_change_max_changes", "int", "changes", 0, 20
        ),
    }
)

#: The supervision parameters (第九、十三条; 法律援助法第五十五、五十六、五十九条): in the same
#: dated format and file as `SCHEMA`'s, validated on load, but kept apart from the assignment
#: rules (`Policy.supervision`, `Policy.supervision_on`), so a supervision value never moves an
#: assignment decision's `effective_from`.
#: The quality score's three sources (第九条：办案质量、受援人回访满意度、办案机关评价).
QUALITY_SOURCES: Final = ("案卷评查", "回访满意度", "办案机关评价")

SUPERVISION_SCHEMA: Final[Mapping[str, ParamSpec]] = MappingProxyType(
    {
        "supervision.review_share": ParamSpec("review_share", "float", "ratio", 0.01, 1),
        "supervision.review_checklist": ParamSpec("review_checklist", "table", "points", 1, 100),
        "supervision.review_pass_mark": ParamSpec("review_pass_mark", "float", "points", 1, 100),
        "supervision.review_grade_bands": ParamSpec(
            "review_grade_bands", "table", "points", 1, 100, choices=("优秀", "良好")
        ),
        "supervision.return_visit_share": ParamSpec(
            "return_visit_share", "float", "ratio", 0.01, 1
        ),
        "complaint.answer_days": ParamSpec("complaint_answer_days", "int", "days", 1, 180),
        # 第九条 办案质量、回访满意度、办案机关评价 → the quality score (fayuan.policy.quality).
        "quality.source_weights": ParamSpec(
            "quality_source_weights", "table", "points", 0, 100, choices=QUALITY_SOURCES
        ),
        "quality.window_days": ParamSpec("quality_window_days", "int", "days", 30, 1830),
        "quality.satisfaction_points": ParamSpec(
            "quality_satisfaction_points",
            "table",
            "points",
            0,
            100,
            choices=("1", "2", "3", "4", "5"),
        ),
        "quality.opinion_points": ParamSpec(
            "quality_opinion_points",
            "table",
            "points",
            0,
            100,
            choices=("满意", "基本满意", "不满意"),
        ),
        "quality.advice_threshold": ParamSpec(
            "quality_advice_threshold", "float", "points", 0, 100
        ),
        "quality.advice_min_records": ParamSpec(
            "quality_advice_min_records", "int", "records", 1, 100
        ),
    }
)

_RANKING_WEIGHTS: Final = (
    "ranking.weight.specialty",
    "ranking.weight.quality",
    "ranking.weight.locality",
    "ranking.weight.load",
)

_POLICY_FIELDS: Final = ("id", "district", "center", "title", "document", "issued_by", "effective")
_PARAMETER_FIELDS: Final = ("description", "unit", "source", "values")
_SOURCE_FIELDS: Final = ("document", "article", "quote", "note")
_VALUE_FIELDS: Final = ("since", "value")
_TOP_FIELDS: Final = ("policy", "parameters")

_CN_NUM = "〇零一二三四五六七八九十百千"
_ARTICLE_RE: Final = re.compile(rf"^第[{_CN_NUM}]+条(?:第[{_CN_NUM}]+款)?(?:第[{_CN_NUM}]+项)?$")
_POLICY_ID_RE: Final = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOML_POS_RE: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class ParameterSource:
    """Where a parameter comes from: document, article (第…条), a short quote of the text, and
    for readings SPEC.md chose where the text is open, a note naming SPEC.md's section."""

    document: str
    article: str
    quote: str = ""
    note: str = ""


@dataclass(frozen=True)
class Parameter:
    """One dated parameter. `values` is sorted by date, strictly increasing."""

    key: str
    description: str
    unit: str
    source: ParameterSource
    values: tuple[tuple[date, object], ...]
    #: The policy file it was read from (for error messages).
    file: str = field(default="", compare=False)

    def at(self, on: date) -> object:
        """The value in force on `on`; `PolicyDateError` before the first date.

        第十五条：本制度于正式印发之日起施行。[A day before a parameter's first effective date has
        no rule to apply: an error, never a default (DESIGN.md, after OpenFisca).]
        """
        _check_is_date(on)
        i = bisect_right(self.values, on, key=lambda row: row[0])
        if i == 0:
            first = self.values[0][0] if self.values else None
            raise PolicyDateError(
                self.file,
                self.key,
                f"{on.isoformat()} 早于本参数最早的生效日期 "
                f"{first.isoformat() if first else '（无）'}，该日没有可适用的值",
            )
        return self.values[i - 1][1]

    def since_at(self, on: date) -> date:
        """The `since` date of the value in force on `on`."""
        _check_is_date(on)
        i = bisect_right(self.values, on, key=lambda row: row[0])
        if i == 0:
            self.at(on)  # raises PolicyDateError
        return self.values[i - 1][0]


@dataclass(frozen=True, slots=True)
class PolicyValues:
    """Every parameter's value on one date, typed (see `SCHEMA` for which key fills which)."""

    serious_min_practice_years: int
    serious_min_criminal_cases: int
    major_group_min_persons: int
    criminal_working_days: int
    other_working_days: int
    statutory_days: int
    cap_by_statute: bool
    #: (month, day): from this day of each year, staff are reminded to enter next year's calendar.
    next_year_reminder_from: tuple[int, int]
    group_min_persons: int
    group_min_handlers: int
    group_handlers_by_persons: tuple[tuple[int, int], ...]
    group_major_difficult_extra: int
    criminal_handlers_per_defendant: int
    rotation_weight: str
    rotation_prefer_helping: bool
    rotation_choice_counts_as_turn: bool
    ranking_load_window_days: int
    ranking_weight_specialty: float
    ranking_weight_quality: float
    ranking_weight_locality: float
    ranking_weight_load: float
    ranking_max_share_ratio: float
    handler_change_max_changes: int
    #: The latest `since` among the values in force (for the record of a decision).
    effective_from: date


@dataclass(frozen=True, slots=True)
class SupervisionValues:
    """The supervision parameters' values on one date (see `SUPERVISION_SCHEMA`)."""

    #: 第十三条 案卷评查: the share of a period's closed cases drawn for review (per stratum).
    review_share: float
    #: The checklist: (item, weight in points), in the file's order; the weights sum to 100.
    review_checklist: tuple[tuple[str, float], ...]
    #: The lowest total that passes (合格); below it, 不合格.
    review_pass_mark: float
    #: (grade, lowest total): 优秀 and 良好, each above the next and above the pass mark.
    review_grade_bands: tuple[tuple[str, float], ...]
    #: 回访受援人: the share of closed cases visited (1.0: every closed case).
    return_visit_share: float
    #: Days within which the bureau answers a complaint (法律援助法第五十六条).
    complaint_answer_days: int
    #: 第九条 quality score: (source, weight) for 案卷评查、回访满意度、办案机关评价; sum 100.
    quality_source_weights: tuple[tuple[str, float], ...]
    #: The trailing window of records the score counts, in days up to its date.
    quality_window_days: int
    #: A reached visit's satisfaction ("1"–"5") as points out of 100.
    quality_satisfaction_points: tuple[tuple[str, float], ...]
    #: An organ's rating (满意、基本满意、不满意) as points out of 100.
    quality_opinion_points: tuple[tuple[str, float], ...]
    #: Below this score (with enough records), the center sends 指派建议 (第九条).
    quality_advice_threshold: float
    #: The fewest records in the window for a score to call for advice.
    quality_advice_min_records: int
    effective_from: date

    def grade(self, total: float) -> str:
        """优秀/良好/合格/不合格 for a total score: the highest band whose lowest total it reaches
        ("以上" includes the number itself, 民法典第一千二百五十九条)."""
        for name, lowest in self.review_grade_bands:
            if total >= lowest:
                return name
        return "合格" if total >= self.review_pass_mark else "不合格"


@dataclass(frozen=True)
class Policy:
    """A district's policy: its header and every parameter (validated on load)."""

    id: str
    district: str
    center: str
    title: str
    document: str
    issued_by: str
    effective: date
    path: str
    parameters: Mapping[str, Parameter]
    #: The supervision parameters (`SUPERVISION_SCHEMA`), apart from the assignment rules.
    supervision: Mapping[str, Parameter] = field(default_factory=dict)
    _cache: dict[date, PolicyValues] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __hash__(self) -> int:
        return hash((self.id, self.path, self.effective))

    def parameter(self, key: str) -> Parameter:
        try:
            return self.parameters[key]
        except KeyError:
            pass
        try:
            return self.supervision[key]
        except KeyError:
            raise PolicyError(self.path, key, _unknown_key_reason(key)) from None

    def value(self, key: str, on: date) -> object:
        """The value of parameter `key` in force on `on` (`PolicyDateError` before its first
        date; `PolicyError` for an unknown key)."""
        return self.parameter(key).at(on)

    def values_on(self, on: date) -> PolicyValues:
        """Every parameter's value on `on`, typed; computed once per date, then a dict lookup."""
        try:
            return self._cache[on]
        except KeyError:
            pass
        _check_is_date(on)
        kwargs: dict[str, Any] = {}
        latest = date.min
        for key, spec in SCHEMA.items():
            param = self.parameters[key]
            kwargs[spec.field_name] = param.at(on)
            latest = max(latest, param.since_at(on))
        result = PolicyValues(**kwargs, effective_from=latest)
        self._cache[on] = result
        return result

    def supervision_on(self, on: date) -> SupervisionValues:
        """The supervision parameters in force on `on` (`PolicyDateError` before their date)."""
        _check_is_date(on)
        kwargs: dict[str, Any] = {}
        latest = date.min
        for key, spec in SUPERVISION_SCHEMA.items():
            param = self.supervision[key]
            kwargs[spec.field_name] = param.at(on)
            latest = max(latest, param.since_at(on))
        return SupervisionValues(**kwargs, effective_from=latest)


def _check_is_date(on: object) -> None:
    if isinstance(on, datetime) or not isinstance(on, date):
        raise TypeError(
            f"政策参数按日期（datetime.date）查询，收到 {type(on).__name__}；"
            "时间请先换算为中国标准时间的日期（fayuan.policy.deadlines.local_date）"
        )


# ---------------------------------------------------------------------------------------------
# Loading


def available_policies() -> list[str]:
    """The ids of the packaged policy files, sorted."""
    if not POLICIES_DIR.is_dir():
        return []
    return sorted(p.stem for p in POLICIES_DIR.glob("*.toml"))


def load_policy(name_or_path: str) -> Policy:
    """Load and validate a policy: a packaged name (``"beibei-2023"``) or a path to a file."""
    packaged = POLICIES_DIR / f"{name_or_path}.toml"
    if _POLICY_ID_RE.match(name_or_path) and packaged.is_file():
        path = packaged
    else:
        path = Path(name_or_path)
        if not path.is_file():
            names = "、".join(available_policies()) or "（无）"
            if path.suffix != ".toml" and len(path.parts) == 1:
                reason = f"没有名为“{name_or_path}”的政策；可用的政策：{names}"
            else:
                reason = f"文件不存在；可用的内置政策：{names}"
            raise PolicyError(name_or_path, "", reason)
    return _load_file(path)


def _load_file(path: Path) -> Policy:
    file = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(file, "", f"文件不是 UTF-8 编码（第 {exc.start} 字节）") from None
    except OSError as exc:
        raise PolicyError(file, "", f"无法读取文件：{exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(file, "", toml_error_reason(str(exc))) from None
    return _build(file, data)


#: tomllib's messages (CPython 3.11–3.13), in Chinese; an unknown one reads as the generic reason.
_TOML_MESSAGES_ZH: Final = (
    ("Invalid value", "值无效（字符串要加引号，日期写作 2027-01-01，布尔值写作 true/false）"),
    ("Cannot overwrite a value", "同一个键写了两次"),
    ("Cannot declare", "同一张表声明了两次"),
    ("Unterminated string", "字符串缺少结尾的引号"),
    ("Expected ']'", "缺少右方括号 ]"),
    ("Expected '='", "键的后面应为 ="),
    ("Expected newline or end of document", "一行只能写一项，此处多出了内容"),
    ("Invalid statement", "无法识别的一行"),
    ("Invalid initial character for a key part", "键名以不允许的字符开头"),
    ("Unclosed array", "数组缺少右方括号 ]"),
    ("Unclosed inline table", "内联表缺少右花括号 }"),
    ("Illegal character", "含有不允许的控制字符"),
)


def toml_error_reason(message: str) -> str:
    """A TOML syntax error in Chinese, with its line and column when tomllib gives them."""
    m = _TOML_POS_RE.search(message)
    where = (
        f"，第 {m.group(1)} 行第 {m.group(2)} 列"
        if m
        else "，文件末尾"
        if "end of document" in message
        else ""
    )
    detail = next((zh for en, zh in _TOML_MESSAGES_ZH if message.startswith(en)), "格式不符合 TOML")
    return f"TOML 语法错误{where}：{detail}"


def _build(file: str, data: dict[str, Any]) -> Policy:
    for key in data:
        if key not in _TOP_FIELDS:
            raise PolicyError(file, key, f"未知的顶层表或字段；只允许 {_list(_TOP_FIELDS)}")
    header = _header(file, data.get("policy"))
    raw_params = data.get("parameters")
    if not isinstance(raw_params, dict):
        raise PolicyError(file, "parameters", '缺少 [parameters."…"] 参数表')
    for key, raw in raw_params.items():
        if key not in SCHEMA and key not in SUPERVISION_SCHEMA:
            raise PolicyError(file, key, _unknown_key_reason(key, raw))
    for key in (*SCHEMA, *SUPERVISION_SCHEMA):
        if key not in raw_params:
            raise PolicyError(
                file, key, f'缺少此参数；每个政策文件须给出全部参数，请添加 [parameters."{key}"]'
            )
    effective: date = header["effective"]
    parameters = {
        key: _parameter(file, key, SCHEMA[key], raw_params[key], effective) for key in SCHEMA
    }
    supervision = {
        key: _parameter(file, key, spec, raw_params[key], effective)
        for key, spec in SUPERVISION_SCHEMA.items()
    }
    policy = Policy(
        id=header["id"],
        district=header["district"],
        center=header["center"],
        title=header["title"],
        document=header["document"],
        issued_by=header["issued_by"],
        effective=effective,
        path=file,
        parameters=MappingProxyType(parameters),
        supervision=MappingProxyType(supervision),
    )
    _check_consistency(policy)
    _check_supervision(policy)
    return policy


def _header(file: str, raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise PolicyError(file, "policy", "缺少 [policy] 表（政策编号、地区、文号、施行日期等）")
    for name in raw:
        if name not in _POLICY_FIELDS:
            raise PolicyError(
                file,
                "policy",
                f"[policy] 中有未知字段“{name}”；允许的字段：{_list(_POLICY_FIELDS)}",
            )
    for name in _POLICY_FIELDS:
        if name not in raw:
            raise PolicyError(file, f"policy.{name}", "[policy] 缺少此字段")
        value = raw[name]
        if name == "effective":
            if not _is_plain_date(value):
                raise PolicyError(
                    file,
                    "policy.effective",
                    f"施行日期须为 TOML 日期（如 2023-04-10），实际为{_describe(value)}",
                )
        elif not isinstance(value, str) or not value.strip():
            raise PolicyError(file, f"policy.{name}", "须为非空字符串")
    if not _POLICY_ID_RE.match(raw["id"]):
        raise PolicyError(file, "policy.id", f"政策编号“{raw['id']}”只能含小写字母、数字、- 和 _")
    return raw


def _parameter(file: str, key: str, spec: ParamSpec, raw: object, effective: date) -> Parameter:
    if not isinstance(raw, dict):
        raise PolicyError(file, key, "参数须为一张表（description、unit、source、values）")
    for name in raw:
        if name not in _PARAMETER_FIELDS:
            raise PolicyError(
                file, key, f"未知字段“{name}”；参数允许的字段：{_list(_PARAMETER_FIELDS)}"
            )
    for name in _PARAMETER_FIELDS:
        if name not in raw:
            raise PolicyError(file, key, f"缺少字段 {name}")
    description = raw["description"]
    if not isinstance(description, str) or not description.strip():
        raise PolicyError(file, key, "description（中文说明）须为非空字符串")
    unit = raw["unit"]
    if unit != spec.unit:
        raise PolicyError(file, key, f"单位 unit 应为 “{spec.unit}”，实际为 {unit!r}")
    source = _source(file, key, raw["source"])
    values = _values(file, key, spec, raw["values"], effective)
    return Parameter(key, description, unit, source, values, file)


def _source(file: str, key: str, raw: object) -> ParameterSource:
    if not isinstance(raw, dict):
        raise PolicyError(
            file, key, "source（出处）须为表：{ document = …, article = …, quote = … }"
        )
    for name in raw:
        if name not in _SOURCE_FIELDS:
            raise PolicyError(
                file, key, f"source 中有未知字段“{name}”；允许的字段：{_list(_SOURCE_FIELDS)}"
            )
    for name in ("document", "article"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            what = "文号" if name == "document" else "条款，如“第六条”"
            raise PolicyError(file, key, f"缺少出处 source.{name}（{what}）")
    if not _ARTICLE_RE.match(raw["article"]):
        raise PolicyError(
            file, key, f"出处条款 source.article “{raw['article']}” 须形如“第六条”或“第六条第二款”"
        )
    for name in ("quote", "note"):
        if not isinstance(raw.get(name, ""), str):
            raise PolicyError(file, key, f"source.{name} 须为字符串")
    return ParameterSource(
        document=raw["document"],
        article=raw["article"],
        quote=raw.get("quote", ""),
        note=raw.get("note", ""),
    )


def _values(
    file: str, key: str, spec: ParamSpec, raw: object, effective: date
) -> tuple[tuple[date, object], ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError(file, key, "values 须为非空列表：[{ since = 日期, value = 值 }, …]")
    out: list[tuple[date, object]] = []
    for i, entry in enumerate(raw):
        where = f"values[{i}]"
        if not isinstance(entry, dict):
            raise PolicyError(file, key, f"{where} 须为 {{ since = 日期, value = 值 }}")
        for name in entry:
            if name not in _VALUE_FIELDS:
                raise PolicyError(file, key, f"{where} 中有未知字段“{name}”；只允许 since、value")
        for name in _VALUE_FIELDS:
            if name not in entry:
                raise PolicyError(file, key, f"{where} 缺少 {name}")
        since = entry["since"]
        if not _is_plain_date(since):
            raise PolicyError(
                file,
                key,
                f"{where}.since 须为 TOML 日期（如 2023-04-10），实际为{_describe(since)}",
            )
        if since < effective:
            raise PolicyError(
                file,
                key,
                f"{where}.since {since.isoformat()} 早于政策施行日期 "
                f"[policy].effective {effective.isoformat()}",
            )
        if out and since <= out[-1][0]:
            raise PolicyError(
                file,
                key,
                f"{where}.since {since.isoformat()} 须晚于前一项的 {out[-1][0].isoformat()}"
                "（values 按日期严格递增）",
            )
        out.append((since, _typed_value(file, key, spec, entry["value"], f"{where}.value")))
    return tuple(out)


def _typed_value(file: str, key: str, spec: ParamSpec, value: object, where: str) -> object:
    def fail(reason: str) -> PolicyError:
        return PolicyError(file, key, f"{where}：{reason}")

    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise fail(f"须为布尔值 true 或 false，实际为{_describe(value)}")
        return value
    if spec.kind == "choice":
        if not isinstance(value, str):
            raise fail(f"须为字符串，取值 {_list(spec.choices)}，实际为{_describe(value)}")
        if value not in spec.choices:
            raise fail(f"“{value}” 不是允许的取值；允许：{_list(spec.choices)}")
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(f"须为整数，实际为{_describe(value)}")
        _check_range(spec, value, fail)
        return value
    if spec.kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(f"须为数字，实际为{_describe(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise fail(f"须为有限的数字，实际为 {value}")
        _check_range(spec, number, fail)
        return number
    if spec.kind == "month_day":
        return _month_day(value, fail)
    if spec.kind == "table":
        return _table(spec, value, fail)
    # pairs: [[persons, handlers], …]
    if not isinstance(value, list) or not value:
        raise fail(f"须为非空的 [[人数, 承办人数], …] 列表，实际为{_describe(value)}")
    rows: list[tuple[int, int]] = []
    for r, row in enumerate(value, start=1):
        if (
            not isinstance(row, list)
            or len(row) != 2
            or any(isinstance(x, bool) or not isinstance(x, int) for x in row)
        ):
            raise fail(f"第 {r} 行须为两个整数 [人数, 承办人数]，实际为 {row!r}")
        persons, handlers = row
        if persons < 2:
            raise fail(f"第 {r} 行的人数 {persons} 须不少于 2")
        _check_range(spec, handlers, fail, f"第 {r} 行的承办人数")
        if rows and persons <= rows[-1][0]:
            raise fail(f"第 {r} 行的人数 {persons} 须大于上一行的人数 {rows[-1][0]}（人数须递增）")
        if rows and handlers < rows[-1][1]:
            raise fail(
                f"第 {r} 行的承办人数 {handlers} 少于上一行的 {rows[-1][1]}"
                "（人数越多，承办人数不应减少）"
            )
        rows.append((persons, handlers))
    return tuple(rows)


def _table(
    spec: ParamSpec, value: object, fail: Callable[[str], PolicyError]
) -> tuple[tuple[str, float], ...]:
    """A TOML inline table of names to numbers, e.g. a checklist `{ "案卷材料齐全" = 10, … }`:
    non-empty, every name non-empty text, every number in range; with `spec.choices`, exactly
    those names. Kept in the file's order."""
    if not isinstance(value, dict) or not value:
        raise fail(f'须为非空的内联表 {{ "名称" = 分值, … }}，实际为{_describe(value)}')
    rows: list[tuple[str, float]] = []
    for name, number in value.items():
        if not name.strip():
            raise fail("名称不能为空")
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise fail(f"“{name}” 的分值须为数字，实际为{_describe(number)}")
        if not math.isfinite(float(number)):
            raise fail(f"“{name}” 的分值须为有限的数字")
        _check_range(spec, float(number), fail, f"“{name}” 的分值")
        rows.append((name, float(number)))
    if spec.choices and {n for n, _ in rows} != set(spec.choices):
        raise fail(f"须恰好包含 {_list(spec.choices)}，实际为 {_list(tuple(n for n, _ in rows))}")
    return tuple(rows)


_MONTH_DAY_RE: Final = re.compile(r"^(\d{2})-(\d{2})$")


def _month_day(value: object, fail: Callable[[str], PolicyError]) -> tuple[int, int]:
    """A day of the year written "MM-DD" (e.g. "12-01"); 29 February is refused (not every year
    has it)."""
    m = _MONTH_DAY_RE.match(value) if isinstance(value, str) else None
    if m is None:
        raise fail(f'须为“月-日”字符串，如 "12-01"，实际为{_describe(value)}')
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2023, month, day)  # a common year: 02-29 is refused
    except ValueError:
        raise fail(f"“{value}” 不是每年都有的日期") from None
    return (month, day)


def _check_range(
    spec: ParamSpec, value: float, fail: Callable[[str], PolicyError], what: str = "值"
) -> None:
    lo, hi = spec.minimum, spec.maximum
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        low = "" if lo is None else f"{lo:g}"
        high = "" if hi is None else f"{hi:g}"
        raise fail(f"{what} {value:g} 超出允许范围 {low}–{high}（单位：{spec.unit}）")


def _check_consistency(policy: Policy) -> None:
    """Rules that join several parameters, checked on every date a value changes."""
    starts = [p.values[0][0] for p in policy.parameters.values()]
    first_complete = max(starts)
    dates = sorted(
        {
            since
            for p in policy.parameters.values()
            for since, _ in p.values
            if since >= first_complete
        }
        | {first_complete}
    )
    for on in dates:
        v = policy.values_on(on)
        weights = [float(getattr(v, SCHEMA[k].field_name)) for k in _RANKING_WEIGHTS]
        if not any(weights):
            raise PolicyError(
                policy.path,
                "ranking.weight.*",
                f"自 {on.isoformat()} 起四项排序权重（specialty、quality、locality、load）全为 0，"
                "至少一项须大于 0",
            )
        rows = v.group_handlers_by_persons
        if rows[0][0] != v.group_min_persons:
            raise PolicyError(
                policy.path,
                "group.handlers_by_persons",
                f"自 {on.isoformat()} 起第 1 行的人数 {rows[0][0]} 须等于 group.min_persons "
                f"{v.group_min_persons}（使每件集团案件都有适用的一行）",
            )
        for r, (persons, handlers) in enumerate(rows, start=1):
            if handlers < v.group_min_handlers:
                raise PolicyError(
                    policy.path,
                    "group.handlers_by_persons",
                    f"自 {on.isoformat()} 起第 {r} 行（{persons} 人）的承办人数 {handlers} "
                    f"少于 group.min_handlers {v.group_min_handlers}",
                )


def _check_supervision(policy: Policy) -> None:
    """第十三条 案卷评查 checklist: the weights sum to 100 points, and the grade bands stand in
    order above the pass mark (优秀 > 良好 > 合格), on every date a value changes."""
    dates = sorted(
        {since for p in policy.supervision.values() for since, _ in p.values}
        | {max(p.values[0][0] for p in policy.supervision.values())}
    )
    first = max(p.values[0][0] for p in policy.supervision.values())
    for on in (d for d in dates if d >= first):
        v = policy.supervision_on(on)
        total = sum(w for _, w in v.review_checklist)
        if abs(total - 100) > 1e-9:
            raise PolicyError(
                policy.path,
                "supervision.review_checklist",
                f"自 {on.isoformat()} 起评查项目的分值合计 {total:g}，须为 100",
            )
        bands = dict(v.review_grade_bands)
        if not bands["优秀"] > bands["良好"] > v.review_pass_mark:
            raise PolicyError(
                policy.path,
                "supervision.review_grade_bands",
                f"自 {on.isoformat()} 起须 优秀（{bands['优秀']:g}）> 良好（{bands['良好']:g}）"
                f"> 合格线 supervision.review_pass_mark（{v.review_pass_mark:g}）",
            )
        weights = sum(w for _, w in v.quality_source_weights)
        if abs(weights - 100) > 1e-9:
            raise PolicyError(
                policy.path,
                "quality.source_weights",
                f"自 {on.isoformat()} 起三项来源的权重合计 {weights:g}，须为 100",
            )
        # Highest band first, so `SupervisionValues.grade` reads them in order.
        ordered = tuple(sorted(v.review_grade_bands, key=lambda row: -row[1]))
        if ordered != v.review_grade_bands:
            raise PolicyError(
                policy.path,
                "supervision.review_grade_bands",
                "请按分数从高到低写：优秀在前，良好在后",
            )


# ---------------------------------------------------------------------------------------------
# Helpers


def _is_plain_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _describe(value: object) -> str:
    if isinstance(value, datetime):
        return f"日期时间 {value.isoformat()}"
    if isinstance(value, date):
        return f"日期 {value.isoformat()}"
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if isinstance(value, int):
        return f"整数 {value}"
    if isinstance(value, float):
        return f"小数 {value}"
    if isinstance(value, str):
        return f"字符串 “{value}”"
    if isinstance(value, list):
        return f"列表 {value!r}"
    if isinstance(value, dict):
        return "表"
    return f" {value!r}"


def _list(names: tuple[str, ...]) -> str:
    return "、".join(names)


def _unknown_key_reason(key: str, raw: object = None) -> str:
    known = [*SCHEMA, *SUPERVISION_SCHEMA]
    nested = [k for k in known if k.startswith(f"{key}.")]
    if nested and isinstance(raw, dict) and "values" not in raw:
        return (
            f'未知参数；参数名含点号时须加引号，如 [parameters."{nested[0]}"]，'
            f"而不是 [parameters.{nested[0]}]"
        )
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"；是否想写 “{close[0]}”？" if close else "；已知参数见 fayuan.policy.params.SCHEMA"
    return f"未知参数{hint}"


def _check_schema_matches_values() -> None:
    names = {f.name for f in fields(PolicyValues)} - {"effective_from"}
    mapped = {spec.field_name for spec in SCHEMA.values()}
    if names != mapped:  # pragma: no cover - a programming error, caught on import
        raise RuntimeError(f"SCHEMA and PolicyValues disagree: {sorted(names ^ mapped)}")


_check_schema_matches_values()
