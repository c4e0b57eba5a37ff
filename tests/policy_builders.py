"""Small hand-made rosters, cases and assignment states for the article tests.

Everything goes through the public policy API with the real packaged policy
(`load_policy("beibei-2023")`) and the real working-day calendar (`WorkdayCalendar.default()`).
Defaults are chosen so that a practitioner is qualified for anything (licensed 2010, 20 criminal
defences) and a case is an ordinary one-person civil case on Monday 2024-06-03 10:00 CST, unless
a test says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from fayuan.policy.conflicts import HoldingsIndex
from fayuan.policy.decision import Decision
from fayuan.policy.handler_change import ChangeRequest, HeldCase, decide_change
from fayuan.policy.ledger import apply_assignment, apply_change
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
from fayuan.policy.params import POLICIES_DIR, Policy, load_policy
from fayuan.policy.ranking import LoadWindow
from fayuan.policy.roster import RosterView
from fayuan.policy.rotation import RotationState
from fayuan.policy.selection import AssignmentState, decide_case
from fayuan.workdays import WorkdayCalendar

POLICY: Policy = load_policy("beibei-2023")
CALENDAR: WorkdayCalendar = WorkdayCalendar.default()

#: Monday 2024-06-03, an ordinary working day; the default start of every case.
DAY = "2024-06-03"
AT = f"{DAY}T10:00:00+08:00"
SENIOR = date(2010, 1, 4)  # licensed long ago: qualified for any serious criminal case


# --------------------------------------------------------------------------------- roster


def firm(
    id: str, sequence: int, locality: str = "天生街道", *, active: bool = True, name: str = ""
) -> Institution:
    """A law firm (律师事务所)."""
    return Institution(
        id, name or f"{id}律师事务所", InstitutionKind.law_firm, locality, sequence, active
    )


def office(
    id: str, sequence: int, locality: str = "天生街道", *, active: bool = True, name: str = ""
) -> Institution:
    """A grassroots legal service office (基层法律服务所)."""
    return Institution(
        id, name or f"{id}法律服务所", InstitutionKind.grassroots_office, locality, sequence, active
    )


def lawyer(
    id: str,
    institution: str,
    *,
    licensed_on: date | str = SENIOR,
    cases: int = 20,
    specialties: Iterable[str] = (),
    quality: float = 80.0,
    active: bool = True,
    name: str = "",
    minors_qualified: bool = False,
) -> Practitioner:
    """A practising lawyer (执业律师); by default qualified for serious criminal cases (not, unless
    `minors_qualified`, for a minor's: 《办理法律援助案件程序规定》第二十六条第二款)."""
    return Practitioner(
        id,
        name or f"律师{id}",
        institution,
        PractitionerKind.lawyer,
        _date(licensed_on),
        cases,
        tuple(specialties),
        quality,
        active,
        minors_qualified,
    )


def worker(
    id: str,
    institution: str,
    *,
    licensed_on: date | str = SENIOR,
    specialties: Iterable[str] = (),
    quality: float = 80.0,
    active: bool = True,
    name: str = "",
    minors_qualified: bool = False,
) -> Practitioner:
    """A grassroots legal service worker (基层法律服务工作者)."""
    return Practitioner(
        id,
        name or f"工作者{id}",
        institution,
        PractitionerKind.grassroots_worker,
        _date(licensed_on),
        0,
        tuple(specialties),
        quality,
        active,
        minors_qualified,
    )


def lawyers(
    institution: str, count: int, *, prefix: str = "", **kwargs: object
) -> list[Practitioner]:
    """`count` interchangeable lawyers of one firm: ids `{prefix or institution}-L1`, …"""
    stem = prefix or institution
    return [lawyer(f"{stem}-L{n}", institution, **kwargs) for n in range(1, count + 1)]  # type: ignore[arg-type]


def roster(
    institutions: Iterable[Institution],
    practitioners: Iterable[Practitioner],
    suspended: Iterable[str] = (),
) -> RosterView:
    return RosterView(institutions, practitioners, frozenset(suspended))


def fresh_state(view: RosterView, credits: dict[str, int] | None = None) -> AssignmentState:
    return AssignmentState(
        roster=view,
        rotation=RotationState(dict(credits or {})),
        institution_holdings=HoldingsIndex(),
        practitioner_holdings=HoldingsIndex(),
        load=LoadWindow(),
    )


# --------------------------------------------------------------------------------- cases


def at(text: str) -> datetime:
    """An aware time: `2024-06-03T10:00:00+08:00`, or a bare date meaning 10:00 CST that day."""
    if "T" not in text:
        text = f"{text}T10:00:00+08:00"
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


def id_number(birth: str = "19800101", serial: str = "001", region: str = "500109") -> str:
    """A valid 18-digit citizen identity number (GB 11643-1999 check digit)."""
    body = f"{region}{birth}{serial}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def aided(name: str, id_no: str | None = None) -> Party:
    return Party(PartyRole.aided, name, id_no)


def opposing(name: str, id_no: str | None = None) -> Party:
    return Party(PartyRole.opposing, name, id_no)


def case(
    id: str,
    category: str | Category = Category.civil,
    started_at: str | datetime = AT,
    *,
    conflict_institutions: Iterable[str] = (),
    conflict_practitioners: Iterable[str] = (),
    parties: Iterable[Party] = (),
    **kwargs: object,
) -> Case:
    """A case; `kwargs` are any other `Case` field (aided_persons, chosen_institution, …)."""
    category = Category(category)
    moment = at(started_at) if isinstance(started_at, str) else started_at
    source = Source.notification if category is Category.criminal else Source.application
    kwargs.setdefault("source", source)
    return Case(
        id=id,
        category=category,
        started_at=moment,
        conflict_institutions=frozenset(conflict_institutions),
        conflict_practitioners=frozenset(conflict_practitioners),
        parties=tuple(parties),
        **kwargs,  # type: ignore[arg-type]
    )


def criminal(id: str, started_at: str | datetime = AT, **kwargs: object) -> Case:
    return case(id, Category.criminal, started_at, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------- a run


@dataclass
class Run:
    """A sequence of decisions applied to one state, the way `replay` does it in memory."""

    state: AssignmentState
    policy: Policy = POLICY
    calendar: WorkdayCalendar = CALENDAR
    held: dict[str, HeldCase] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        institutions: Iterable[Institution],
        practitioners: Iterable[Practitioner],
        *,
        suspended: Iterable[str] = (),
        credits: dict[str, int] | None = None,
        policy: Policy = POLICY,
        calendar: WorkdayCalendar = CALENDAR,
    ) -> Run:
        view = roster(institutions, practitioners, suspended)
        return cls(fresh_state(view, credits), policy, calendar)

    def decide(self, c: Case) -> Decision:
        """Decide without applying (the state does not change)."""
        return decide_case(c, self.state, self.policy, self.calendar)

    def assign(self, c: Case) -> Decision:
        """Decide and apply, as one transaction."""
        decision = decide_case(c, self.state, self.policy, self.calendar)
        self.held[c.id] = apply_assignment(self.state, c, decision)
        return decision

    def change(
        self,
        case_id: str,
        when: str = "2024-06-05",
        *,
        mode: str = "same_institution",
        reason: str = "利益冲突",
        consent: bool = True,
        bureau_approved: bool = False,
    ) -> Decision:
        request = ChangeRequest(at(when), reason, consent, mode, bureau_approved)
        held = self.held[case_id]
        decision = decide_change(held, request, self.state, self.policy, self.calendar)
        self.held[case_id] = apply_change(self.state, held, decision)
        return decision

    def suspend(self, institution: str) -> None:
        self.state.roster = self.state.roster.with_suspended(institution, True)

    def reinstate(self, institution: str) -> None:
        self.state.roster = self.state.roster.with_suspended(institution, False)

    def credits(self) -> dict[str, int]:
        return {k: v for k, v in self.state.rotation.credits.items()}

    def credit(self, firm_id: str) -> int:
        return self.state.rotation.credit(firm_id)


def winners(run: Run, cases: Iterable[Case]) -> list[str | None]:
    """Assign each case in turn; the institution each went to (None: unassignable)."""
    return [run.assign(c).institution for c in cases]


# --------------------------------------------------------------------------------- policies


def policy_with(tmp_path: Path, changes: dict[str, str], name: str = "modified") -> Policy:
    """A copy of the packaged beibei-2023 policy with some parameters' (only) value replaced.

    `changes` maps a parameter key to the TOML text of its new value, e.g.
    ``{"criminal_rotation.weight": '"equal"'}``."""
    text = (POLICIES_DIR / "beibei-2023.toml").read_text(encoding="utf-8")
    for key, value in changes.items():
        header = f'[parameters."{key}"]'
        start = text.index(header)
        end = text.find("\n[", start + len(header))
        end = len(text) if end < 0 else end
        block = text[start:end]
        new_block, count = re.subn(
            r"values = \[\{ since = (\S+), value = .* \}\]",
            lambda m, value=value: f"values = [{{ since = {m.group(1)}, value = {value} }}]",
            block,
        )
        assert count == 1, f"{key}: expected exactly one dated value to replace"
        text = text[:start] + new_block + text[end:]
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(str(path))


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
