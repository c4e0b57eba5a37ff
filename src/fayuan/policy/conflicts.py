"""Conflicts of interest (第七条 "但有利益冲突的除外", 第十二条; SPEC.md §3).

An institution or practitioner is in conflict for a case when the case lists it, or when it
holds a case whose aided person is an opposing party here, or whose opposing party is an aided
person here. `HoldingsIndex` answers the second question without rescanning history: it indexes
the persons of every held case once, when the case is taken, and forgets them when it leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fayuan.policy.model import Case, Party, PartyRole


@dataclass(frozen=True, slots=True)
class ConflictReason:
    """Why a holder is in conflict; `held_case` is None for a conflict the case lists itself."""

    held_case: str | None
    person: str

    def zh(self) -> str:
        if self.held_case is None:
            return "案件登记的利益冲突"
        return f"承办的案件 {self.held_case} 与本案当事人 {self.person} 处于对立一方"


class _PersonIndex:
    """Persons → holder → case ids. Persons match on id_number when both have one, else on
    exact name (SPEC §3)."""

    __slots__ = ("_by_id", "_by_name_all", "_by_name_no_id")

    def __init__(self) -> None:
        self._by_id: dict[str, dict[str, set[str]]] = {}
        self._by_name_no_id: dict[str, dict[str, set[str]]] = {}
        self._by_name_all: dict[str, dict[str, set[str]]] = {}

    @staticmethod
    def _add(table: dict[str, dict[str, set[str]]], key: str, holder: str, case_id: str) -> None:
        table.setdefault(key, {}).setdefault(holder, set()).add(case_id)

    @staticmethod
    def _remove(table: dict[str, dict[str, set[str]]], key: str, holder: str, case_id: str) -> None:
        holders = table.get(key)
        if holders is None or holder not in holders:
            return
        cases = holders[holder]
        cases.discard(case_id)
        if not cases:
            del holders[holder]
            if not holders:
                del table[key]

    def add(self, person: Party, holder: str, case_id: str) -> None:
        if person.id_number:
            self._add(self._by_id, person.id_number.upper(), holder, case_id)
        else:
            self._add(self._by_name_no_id, person.name, holder, case_id)
        self._add(self._by_name_all, person.name, holder, case_id)

    def remove(self, person: Party, holder: str, case_id: str) -> None:
        if person.id_number:
            self._remove(self._by_id, person.id_number.upper(), holder, case_id)
        else:
            self._remove(self._by_name_no_id, person.name, holder, case_id)
        self._remove(self._by_name_all, person.name, holder, case_id)

    def matches(self, person: Party) -> Iterable[tuple[str, set[str]]]:
        """(holder, case ids) pairs whose indexed persons match `person`."""
        if person.id_number:
            yield from self._by_id.get(person.id_number.upper(), {}).items()
            yield from self._by_name_no_id.get(person.name, {}).items()
        else:
            yield from self._by_name_all.get(person.name, {}).items()


class HoldingsIndex:
    """Who holds which parties: institutions hold the cases assigned to them now; practitioners
    the cases they are the named handler of."""

    __slots__ = ("_aided", "_opposing")

    def __init__(self) -> None:
        self._aided = _PersonIndex()
        self._opposing = _PersonIndex()

    def take(self, holder: str, case: Case) -> None:
        for party in case.parties:
            index = self._aided if party.role is PartyRole.aided else self._opposing
            index.add(party, holder, case.id)

    def release(self, holder: str, case: Case) -> None:
        for party in case.parties:
            index = self._aided if party.role is PartyRole.aided else self._opposing
            index.remove(party, holder, case.id)

    def conflicts(self, case: Case) -> dict[str, ConflictReason]:
        """第七条、第十二条：holders in conflict for `case` through the cases they hold."""
        found: dict[str, ConflictReason] = {}
        for party in case.parties:
            # An opposing party here who is aided in a held case, and the reverse.
            index = self._aided if party.role is PartyRole.opposing else self._opposing
            for holder, case_ids in index.matches(party):
                if holder not in found:
                    others = sorted(c for c in case_ids if c != case.id)
                    if others:
                        found[holder] = ConflictReason(others[0], party.name)
        return found


def listed_conflicts(ids: Iterable[str]) -> dict[str, ConflictReason]:
    """The conflicts the case lists itself (SPEC §3.1)."""
    return {i: ConflictReason(None, "") for i in ids}
