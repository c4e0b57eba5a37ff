"""The exchange formats of SPEC.md §12 (roster JSON, event JSON Lines), validated strictly, and
their conversion into the policy's plain values. Errors name the field and the reason in Chinese."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

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

from fayuan.identity import id_number_problem
from fayuan.policy.model import (
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

    def to_policy(self) -> Practitioner:
        return Practitioner(
            self.id,
            self.name,
            self.institution,
            self.kind,
            self.licensed_on,
            self.criminal_defense_cases,
            tuple(self.specialties),
            float(self.quality),
            self.active,
            self.minors_qualified,
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
            problem = id_number_problem(value)
            if problem:
                raise ValueError(f"身份证号码无效：{problem}")
            # One spelling per person: the check digit X is written upper-case (GB 11643).
            return value.upper()
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
    "timezone_aware": "时间缺少时区（如 +08:00）",
    "date_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_type": "应为 YYYY-MM-DD 日期",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "bool_type": "应为 true 或 false",
    "string_type": "应为字符串",
    "list_type": "应为数组",
    "model_type": "应为对象",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "json_invalid": "不是合法的 JSON",
    "json_type": "不是合法的 JSON",
    "value_error": "取值无效",
}


def describe_error(error: ErrorDetails) -> tuple[str, str]:
    """(field path, Chinese reason) for one pydantic error."""
    parts = list(error["loc"])
    if parts and parts[0] in _UNION_TAGS:
        parts = parts[1:]  # the event type pydantic chose, not a field of the event
    kind = error["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        parts = ["type"]
    loc = ".".join(str(part) for part in parts)
    reason = _REASONS_ZH.get(kind, "取值无效")
    if kind == "value_error":
        reason = str(error.get("ctx", {}).get("error", error["msg"]))
    elif kind in ("enum", "literal_error"):
        reason = f"{reason}：{error.get('ctx', {}).get('expected', '')}"
    elif kind in ("greater_than_equal", "less_than_equal"):
        ctx = error.get("ctx", {})
        bound = ctx.get("ge", ctx.get("le"))
        reason = f"{reason}（{'不得小于' if kind == 'greater_than_equal' else '不得大于'} {bound}）"
    elif kind == "union_tag_invalid":
        reason = f"{reason}，应为 case、suspend、reinstate 或 change_handler"
    value = error.get("input")
    if kind not in ("missing", "json_invalid") and isinstance(value, str | int | float | bool):
        reason = f"{reason}（收到 {value!r}）"
    return loc or "(整行)", reason


_UNION_TAGS = {"case", "suspend", "reinstate", "change_handler"}


def first_error(exc: ValidationError) -> tuple[str, str]:
    return describe_error(exc.errors(include_url=False)[0])
