"""Writing the roster: import (SPEC.md §12), institution status changes, and export.

Every write is a `do_*` function that runs in one transaction and appends one audit event
(`fayuan.audit.log.record`). An import is checked completely before anything is written; a bad
roster raises `RosterImportError` listing every problem, and the database is left unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fayuan import locks
from fayuan.audit.log import record
from fayuan.exchange import RosterIn
from fayuan.limits import ROSTER_MAX_SPECIALTIES, text_problem
from fayuan.locks import action
from fayuan.roster.models import (
    Center,
    Institution,
    InstitutionStatus,
    InstitutionStatusChange,
    Locality,
    Practitioner,
    PractitionerStatus,
    PractitionerStatusChange,
)

Actor = AbstractBaseUser | AnonymousUser | None

INSTITUTIONS = "institutions"
PRACTITIONERS = "practitioners"

#: Reason written to the status history when an import changes an institution's or a
#: practitioner's status.
IMPORT_REASON = "名册导入"


@dataclass(frozen=True)
class RowError:
    """One problem in a roster file, located by sheet (or JSON section), row and column."""

    sheet_or_section: str
    row: int | None  # Excel row number, or 1-based position in a JSON section; None: whole part
    column: str  # Excel "E列（执业日期）", or a JSON field name; "" when not one cell
    message_zh: str
    unit: str = "行"  # "第7行" in a workbook, "第7条" in a JSON section

    def __str__(self) -> str:
        where = self.sheet_or_section
        if self.row is not None:
            where += f" 第{self.row}{self.unit}"
        if self.column:
            where += f" {self.column}"
        return f"{where}：{self.message_zh}"


class RosterImportError(Exception):
    """A roster that cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"名册有 {len(self.errors)} 处错误，未导入任何数据："]
        lines.extend(str(error) for error in self.errors)
        return "\n".join(lines)


class RosterActionError(ValueError):
    """A roster action refused, with the reason in Chinese."""


#: Places a problem: (section, 0-based index in the section, field, message) -> RowError.
Locator = Callable[[str, int, str, str], RowError]


def json_locator(section: str, index: int, field_name: str, message: str) -> RowError:
    return RowError(section, index + 1, field_name, message, unit="条")


def _max_length(model: Any, name: str) -> int:
    length = model._meta.get_field(name).max_length
    assert isinstance(length, int)
    return length


_CODE_MAX = min(_max_length(Institution, "code"), _max_length(Practitioner, "code"))
_LOCALITY_MAX = _max_length(Locality, "name")
_INSTITUTION_NAME_MAX = _max_length(Institution, "name")
_PRACTITIONER_NAME_MAX = _max_length(Practitioner, "name")
_INT_MAX = 2_147_483_647  # PositiveIntegerField on PostgreSQL


def roster_problems(
    institutions: Sequence[Mapping[str, object]],
    practitioners: Sequence[Mapping[str, object]],
    locate: Locator = json_locator,
) -> list[RowError]:
    """The checks across rows (duplicate ids, duplicate sequence, unknown institution; the same
    as `fayuan.replay.load_roster`) and the database's length limits. Rows may be raw (not yet
    validated): a value of the wrong type is skipped here, its own check reports it."""
    problems: list[RowError] = []

    def row_of(section: str, index: int) -> str:
        first = locate(section, index, "id", "")
        return f"第{first.row}{first.unit}" if first.row is not None else ""

    def text_limit(section: str, n: int, row: Mapping[str, object], key: str, limit: int) -> None:
        value = row.get(key)
        if isinstance(value, str) and len(value) > limit:
            problems.append(locate(section, n, key, f"过长（不得超过 {limit} 个字符）"))

    def storable(section: str, n: int, row: Mapping[str, object]) -> None:
        # PostgreSQL refuses NUL in text, neither database encodes a lone surrogate, and no
        # control character belongs in a name or a code.
        for key, value in row.items():
            texts = value if isinstance(value, list) else [value]
            found = next(
                (p for p in (text_problem(t) for t in texts if isinstance(t, str)) if p), None
            )
            if found:
                problems.append(locate(section, n, str(key), found))

    def int_limit(section: str, n: int, row: Mapping[str, object], key: str) -> None:
        value = row.get(key)
        if isinstance(value, int) and value > _INT_MAX:
            problems.append(locate(section, n, key, f"数值过大（不得大于 {_INT_MAX}）"))

    institution_ids: dict[str, int] = {}
    sequences: dict[int, int] = {}
    for n, row in enumerate(institutions):
        code = row.get("id")
        if isinstance(code, str):
            if code in institution_ids:
                first = row_of(INSTITUTIONS, institution_ids[code])
                problems.append(locate(INSTITUTIONS, n, "id", f"机构编号 {code} 重复（同{first}）"))
            else:
                institution_ids[code] = n
        sequence = row.get("sequence")
        if isinstance(sequence, int) and not isinstance(sequence, bool):
            if sequence in sequences:
                first = row_of(INSTITUTIONS, sequences[sequence])
                problems.append(
                    locate(INSTITUTIONS, n, "sequence", f"公布顺序 {sequence} 重复（同{first}）")
                )
            else:
                sequences[sequence] = n
        locality = row.get("locality")
        if isinstance(locality, str) and not locality.strip():
            problems.append(locate(INSTITUTIONS, n, "locality", "镇街不能为空"))
        storable(INSTITUTIONS, n, row)
        text_limit(INSTITUTIONS, n, row, "id", _CODE_MAX)
        text_limit(INSTITUTIONS, n, row, "locality", _LOCALITY_MAX)
        text_limit(INSTITUTIONS, n, row, "name", _INSTITUTION_NAME_MAX)
        int_limit(INSTITUTIONS, n, row, "sequence")

    practitioner_ids: dict[str, int] = {}
    for n, row in enumerate(practitioners):
        code = row.get("id")
        if isinstance(code, str):
            if code in practitioner_ids:
                first = row_of(PRACTITIONERS, practitioner_ids[code])
                problems.append(
                    locate(PRACTITIONERS, n, "id", f"承办人编号 {code} 重复（同{first}）")
                )
            elif code in institution_ids:
                problems.append(locate(PRACTITIONERS, n, "id", f"编号 {code} 已用作机构编号"))
            else:
                practitioner_ids[code] = n
        institution = row.get("institution")
        if isinstance(institution, str) and institution not in institution_ids:
            problems.append(locate(PRACTITIONERS, n, "institution", f"未知机构 {institution}"))
        storable(PRACTITIONERS, n, row)
        specialties = row.get("specialties")
        if isinstance(specialties, list) and len(specialties) > ROSTER_MAX_SPECIALTIES:
            message = f"项数过多（最多 {ROSTER_MAX_SPECIALTIES} 项）"
            problems.append(locate(PRACTITIONERS, n, "specialties", message))
        text_limit(PRACTITIONERS, n, row, "id", _CODE_MAX)
        text_limit(PRACTITIONERS, n, row, "name", _PRACTITIONER_NAME_MAX)
        int_limit(PRACTITIONERS, n, row, "criminal_defense_cases")
    return problems


def _database_problems(center: Center, roster: RosterIn, locate: Locator) -> list[RowError]:
    """What the roster cannot do to this center's rows: belong to another center, or take a
    sequence held by an institution that the roster does not list."""
    problems: list[RowError] = []
    if roster.center.id != center.code:
        problems.append(
            RowError("center", None, "id", f"名册属于中心 {roster.center.id}，不是 {center.code}")
        )
    listed = {inst.id for inst in roster.institutions}
    held = {
        sequence: code
        for code, sequence in center.institutions.values_list("code", "sequence")
        if code not in listed
    }
    for n, inst in enumerate(roster.institutions):
        if inst.sequence in held:
            problems.append(
                locate(
                    INSTITUTIONS,
                    n,
                    "sequence",
                    f"公布顺序 {inst.sequence} 已由名册外的机构 {held[inst.sequence]} 使用",
                )
            )
    return problems


def check_roster(
    center: Center, roster: RosterIn, locate: Locator = json_locator
) -> list[RowError]:
    """Every problem that would stop `do_import_roster`, without writing anything."""
    return roster_problems(
        [inst.model_dump() for inst in roster.institutions],
        [p.model_dump() for p in roster.practitioners],
        locate,
    ) + _database_problems(center, roster, locate)


@dataclass(frozen=True)
class ImportSummary:
    localities_created: list[str] = field(default_factory=list)
    institutions_created: list[str] = field(default_factory=list)
    institutions_updated: list[str] = field(default_factory=list)
    institutions_unchanged: int = 0
    practitioners_created: list[str] = field(default_factory=list)
    practitioners_updated: list[str] = field(default_factory=list)
    practitioners_unchanged: int = 0

    def as_data(self) -> dict[str, Any]:
        return {
            "localities_created": self.localities_created,
            "institutions_created": self.institutions_created,
            "institutions_updated": self.institutions_updated,
            "institutions_unchanged": self.institutions_unchanged,
            "practitioners_created": self.practitioners_created,
            "practitioners_updated": self.practitioners_updated,
            "practitioners_unchanged": self.practitioners_unchanged,
        }

    def __str__(self) -> str:
        return (
            f"机构：新增 {len(self.institutions_created)}，更新 {len(self.institutions_updated)}，"
            f"未变 {self.institutions_unchanged}；"
            f"承办人：新增 {len(self.practitioners_created)}，"
            f"更新 {len(self.practitioners_updated)}，未变 {self.practitioners_unchanged}；"
            f"新增镇街 {len(self.localities_created)}"
        )


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _assign(obj: Any, values: Mapping[str, Any]) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _practitioner_status(active: bool, existing: Practitioner | None) -> PractitionerStatus:
    """The roster's `active` sets a practitioner's roster status; a suspension (第九条, set by the
    center with a reason: `do_set_practitioner_status`) is kept while the roster says active."""
    if not active:
        return PractitionerStatus.inactive
    if existing is not None and existing.status == PractitionerStatus.suspended:
        return PractitionerStatus.suspended
    if existing is not None and existing.status == PractitionerStatus.inactive:
        # Back on the roster after an import retired them: the center's last decision stands,
        # so a suspension it never lifted comes back with the practitioner.
        decided = (
            PractitionerStatusChange.objects.filter(practitioner=existing)
            .exclude(reason=IMPORT_REASON)
            .order_by("-at", "-id")
            .values_list("status", flat=True)
            .first()
        )
        if decided == PractitionerStatus.suspended:
            return PractitionerStatus.suspended
    return PractitionerStatus.active


@action
def do_import_roster(
    center: Center, roster: RosterIn, actor: Actor, *, locate: Locator = json_locator
) -> ImportSummary:
    """Create or update the center's localities, institutions and practitioners by code.

    Rows the roster does not list are left as they are. An institution's `active` sets its
    roster status (active or inactive); a suspension is kept while the roster says active, since
    suspending and reinstating go through `do_set_institution_status` with a reason. `locate`
    places problems found here in the source file (a workbook passes its own)."""
    with transaction.atomic():
        center = locks.center(center)
        problems = check_roster(center, roster, locate)
        if problems:
            raise RosterImportError(problems)
        now = timezone.now()
        by = _user(actor)

        localities = {loc.name: loc for loc in center.localities.all()}
        localities_created: list[str] = []
        for inst in roster.institutions:
            name = inst.locality.strip()
            if name not in localities:
                localities[name] = Locality.objects.create(center=center, name=name)
                localities_created.append(name)

        existing = {inst.code: inst for inst in center.institutions.all()}
        moving = [
            existing[inst.id]
            for inst in roster.institutions
            if inst.id in existing and existing[inst.id].sequence != inst.sequence
        ]
        if moving:
            # Sequences may be swapped; park the moving rows above every sequence first so the
            # unique (center, sequence) constraint holds after each single update.
            top = center.institutions.aggregate(top=Max("sequence"))["top"] or 0
            top = max(top, *(inst.sequence for inst in roster.institutions)) + 1
            for k, parked in enumerate(moving):
                Institution.objects.filter(pk=parked.pk).update(sequence=top + k)

        institutions_created: list[str] = []
        institutions_updated: list[str] = []
        institutions: dict[str, Institution] = {}
        for inst in roster.institutions:
            obj = existing.get(inst.id)
            if not inst.active:
                status = InstitutionStatus.inactive
            elif obj is not None and obj.status == InstitutionStatus.suspended:
                status = InstitutionStatus.suspended
            else:
                status = InstitutionStatus.active
            values = {
                "name": inst.name,
                "kind": inst.kind.value,
                "locality_id": localities[inst.locality.strip()].pk,
                "sequence": inst.sequence,
                "status": status.value,
            }
            if obj is None:
                obj = Institution.objects.create(center=center, code=inst.id, **values)
                institutions_created.append(inst.id)
            else:
                changed = _assign(obj, values)
                if changed:
                    obj.save(update_fields=changed)
                    institutions_updated.append(inst.id)
                if "status" in changed:
                    InstitutionStatusChange.objects.create(
                        institution=obj, status=status.value, reason=IMPORT_REASON, at=now, by=by
                    )
            institutions[inst.id] = obj

        people = {p.code: p for p in center.practitioners.all()}
        practitioners_created: list[str] = []
        practitioners_updated: list[str] = []
        for p in roster.practitioners:
            status_now = _practitioner_status(p.active, people.get(p.id)).value
            pvalues = {
                "institution_id": institutions[p.institution].pk,
                "name": p.name,
                "kind": p.kind.value,
                "licensed_on": p.licensed_on,
                "criminal_defense_cases": p.criminal_defense_cases,
                "specialties": list(p.specialties),
                "quality": float(p.quality),
                "minors_qualified": p.minors_qualified,
                "status": status_now,
            }
            person = people.get(p.id)
            if person is None:
                Practitioner.objects.create(center=center, code=p.id, **pvalues)
                practitioners_created.append(p.id)
            else:
                changed = _assign(person, pvalues)
                if changed:
                    person.save(update_fields=changed)
                    practitioners_updated.append(p.id)
                if "status" in changed:
                    PractitionerStatusChange.objects.create(
                        practitioner=person,
                        status=status_now,
                        reason=IMPORT_REASON,
                        at=now,
                        by=by,
                    )

        summary = ImportSummary(
            localities_created=localities_created,
            institutions_created=institutions_created,
            institutions_updated=institutions_updated,
            institutions_unchanged=len(roster.institutions)
            - len(institutions_created)
            - len(institutions_updated),
            practitioners_created=practitioners_created,
            practitioners_updated=practitioners_updated,
            practitioners_unchanged=len(roster.practitioners)
            - len(practitioners_created)
            - len(practitioners_updated),
        )
        record(actor, "roster.import", center, data=summary.as_data())
    return summary


@action
def do_set_institution_status(
    institution: Institution,
    status: InstitutionStatus | str,
    reason: str,
    actor: Actor,
    at: datetime | None = None,
) -> InstitutionStatusChange:
    """Suspend, reinstate or retire an institution, keeping the history with its reason."""
    if status not in InstitutionStatus.values:
        raise RosterActionError(f"未知的机构状态 {status}")
    new = InstitutionStatus(status)
    reason = (reason or "").strip()
    if not reason:
        raise RosterActionError("变更机构状态必须填写原因")
    limit = _max_length(InstitutionStatusChange, "reason")
    if len(reason) > limit:
        raise RosterActionError(f"原因过长（不得超过 {limit} 个字符）")
    if at is None:
        at = timezone.now()
    elif timezone.is_naive(at):
        raise RosterActionError("变更时间缺少时区")
    with transaction.atomic():
        locked = locks.institution(institution)
        if locked.status == new:
            raise RosterActionError(f"机构 {locked} 已是“{new.label}”状态")
        previous = locked.status
        locked.status = new.value
        locked.save(update_fields=["status"])
        change = InstitutionStatusChange.objects.create(
            institution=locked, status=new.value, reason=reason, at=at, by=_user(actor)
        )
        record(
            actor,
            "institution.status",
            locked,
            data={
                "code": locked.code,
                "from": previous,
                "to": new.value,
                "reason": reason,
                "at": at,
            },
        )
    institution.status = new.value
    return change


def export_roster(center: Center) -> dict[str, Any]:
    """The center's roster in the format of SPEC.md §12. `active` is the roster status (not
    inactive); a suspended institution or practitioner also carries `"suspended": true`, which
    `fayuan.roster.io_json.parse_roster_json` accepts and an import leaves to the status history."""
    institutions: list[dict[str, Any]] = []
    for inst in center.institutions.select_related("locality").order_by("sequence", "code"):
        row: dict[str, Any] = {
            "id": inst.code,
            "name": inst.name,
            "kind": inst.kind,
            "locality": inst.locality.name,
            "sequence": inst.sequence,
            "active": inst.status != InstitutionStatus.inactive,
        }
        if inst.status == InstitutionStatus.suspended:
            row["suspended"] = True
        institutions.append(row)
    practitioners = [
        {
            "id": p.code,
            "name": p.name,
            "institution": p.institution.code,
            "kind": p.kind,
            "licensed_on": p.licensed_on.isoformat(),
            "criminal_defense_cases": p.criminal_defense_cases,
            "specialties": [str(s) for s in p.specialties],
            # The score the rules use today (第九条: computed from the supervision records when
            # there are any, else the roster's entry), so a replay of the export decides as the
            # service does. Imported back, it becomes the entry; a computed score stays above it.
            "quality": p.quality if p.quality_score is None else p.quality_score,
            "minors_qualified": p.minors_qualified,
            "active": p.status != PractitionerStatus.inactive,
            **({"suspended": True} if p.status == PractitionerStatus.suspended else {}),
        }
        for p in center.practitioners.select_related("institution").order_by(
            "institution__sequence", "code"
        )
    ]
    return {
        "center": {"id": center.code, "name": center.name},
        "institutions": institutions,
        "practitioners": practitioners,
    }
