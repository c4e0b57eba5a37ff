"""Plain values the rules work on (SPEC.md §1, §12). No behaviour beyond simple derivations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Category(StrEnum):
    criminal = "criminal"
    civil = "civil"
    administrative = "administrative"
    labor_arbitration = "labor_arbitration"
    non_litigation = "non_litigation"


CATEGORY_ZH = {
    Category.criminal: "刑事",
    Category.civil: "民事",
    Category.administrative: "行政",
    Category.labor_arbitration: "劳动仲裁",
    Category.non_litigation: "其他非诉讼",
}


class InstitutionKind(StrEnum):
    law_firm = "law_firm"
    grassroots_office = "grassroots_office"


class PractitionerKind(StrEnum):
    lawyer = "lawyer"
    grassroots_worker = "grassroots_worker"


class Source(StrEnum):
    application = "application"
    notification = "notification"


class PartyRole(StrEnum):
    aided = "aided"
    opposing = "opposing"


@dataclass(frozen=True, slots=True)
class Institution:
    id: str
    name: str
    kind: InstitutionKind
    locality: str
    sequence: int
    active: bool = True


@dataclass(frozen=True, slots=True)
class Practitioner:
    id: str
    name: str
    institution: str
    kind: PractitionerKind
    licensed_on: date
    criminal_defense_cases: int = 0
    specialties: tuple[str, ...] = ()
    quality: float = 0.0
    active: bool = True
    #: 熟悉未成年人身心特点 (《办理法律援助案件程序规定》第二十六条第二款; SPEC §2).
    minors_qualified: bool = False
    #: The day `quality` was computed (第九条, `fayuan.policy.quality`); None: as entered.
    quality_as_of: date | None = None
    #: 暂停指派: the center has stopped new assignments to this practitioner (第九条). Such a
    #: practitioner is never `active` (forced below, as the service and the exchange map it): it
    #: takes no new case, and — SPEC §2 "only … active practitioners", §8 `w` = "the number of
    #: active lawyers" — it is not counted in its firm's rotation weight. This flag says why it is
    #: not active, so that an explanation does not call a licensed lawyer 非执业.
    suspended: bool = False

    def __post_init__(self) -> None:
        if self.suspended and self.active:
            object.__setattr__(self, "active", False)


@dataclass(frozen=True, slots=True)
class Party:
    role: PartyRole
    name: str
    id_number: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """A case as the rules see it. `started_at` is the decision to grant aid or the receipt of
    the notification letter (第六条)."""

    id: str
    category: Category
    started_at: datetime
    source: Source = Source.application
    aided_persons: int = 1
    locality: str = ""
    specialty: str | None = None
    social_impact: bool = False
    major_difficult: bool = False
    life_sentence_possible: bool = False
    stability_risk: bool = False
    #: 未成年人刑事案件 (《办理法律援助案件程序规定》第二十六条第二款; SPEC §2).
    minor: bool = False
    chosen_practitioner: str | None = None
    chosen_institution: str | None = None
    helped_by_institution: str | None = None
    conflict_institutions: frozenset[str] = field(default_factory=frozenset)
    conflict_practitioners: frozenset[str] = field(default_factory=frozenset)
    parties: tuple[Party, ...] = ()

    @property
    def is_criminal(self) -> bool:
        return self.category is Category.criminal
