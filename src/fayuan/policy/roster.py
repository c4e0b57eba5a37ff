"""The roster as the rules read it: institutions, their practitioners and what is cached about
them so that a decision does not walk every practitioner of the district (SPEC.md §2, §8, §9)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fayuan.policy.model import Institution, Practitioner, PractitionerKind
from fayuan.policy.rotation import PoolMember, rotation_pool


class RosterView:
    """Immutable view of one roster; `with_active` returns a new view after a suspension."""

    __slots__ = (
        "_pools",
        "active_lawyers",
        "active_members",
        "institutions",
        "mean_quality",
        "members",
        "ordered",
        "practitioners",
        "specialty_counts",
        "suspended",
    )

    def __init__(
        self,
        institutions: Iterable[Institution],
        practitioners: Iterable[Practitioner],
        suspended: frozenset[str] = frozenset(),
    ):
        # Suspension (SPEC §8) is apart from the roster's own `active` status: reinstating an
        # institution lifts a suspension, it does not activate an institution the roster lists
        # as inactive.
        self.suspended = suspended
        self.institutions: dict[str, Institution] = {i.id: i for i in institutions}
        # Published order (sequence), the tie-breaker of every rule.
        self.ordered: tuple[Institution, ...] = tuple(
            sorted(self.institutions.values(), key=lambda i: (i.sequence, i.id))
        )
        self.practitioners: dict[str, Practitioner] = {p.id: p for p in practitioners}
        members: dict[str, list[Practitioner]] = {i: [] for i in self.institutions}
        for p in self.practitioners.values():
            members[p.institution].append(p)
        self.members: dict[str, tuple[Practitioner, ...]] = {
            k: tuple(v) for k, v in members.items()
        }
        self.active_members: dict[str, tuple[Practitioner, ...]] = {
            k: tuple(p for p in v if p.active) for k, v in self.members.items()
        }
        self.active_lawyers: dict[str, tuple[Practitioner, ...]] = {
            k: tuple(p for p in v if p.kind is PractitionerKind.lawyer)
            for k, v in self.active_members.items()
        }
        self.mean_quality: dict[str, float] = {
            k: (sum(p.quality for p in v) / len(v) if v else 0.0)
            for k, v in self.active_members.items()
        }
        self.specialty_counts: dict[str, dict[str, int]] = {}
        for k, v in self.active_members.items():
            counts: dict[str, int] = {}
            for p in v:
                for s in p.specialties:
                    counts[s] = counts.get(s, 0) + 1
            self.specialty_counts[k] = counts
        self._pools: dict[str, tuple[PoolMember, ...]] = {}

    def with_suspended(self, institution: str, suspended: bool) -> RosterView:
        """A new view with `institution` suspended or reinstated (SPEC §8)."""
        if (institution in self.suspended) == suspended:
            return self
        now = self.suspended | {institution} if suspended else self.suspended - {institution}
        return RosterView(self.institutions.values(), self.practitioners.values(), now)

    def available(self, institution: str) -> bool:
        """Takes new cases: active in the roster and not suspended."""
        return self.institutions[institution].active and institution not in self.suspended

    def pool(self, mode: str) -> tuple[PoolMember, ...]:
        """The criminal rotation pool (第十一条; SPEC §8), cached per weight mode."""
        pool = self._pools.get(mode)
        if pool is None:
            pool = rotation_pool(
                ((i, self.available(i.id), len(self.active_lawyers[i.id])) for i in self.ordered),
                mode,
            )
            self._pools[mode] = pool
        return pool

    def candidates_for(self, institution: str, criminal: bool) -> Sequence[Practitioner]:
        """Practitioners who may be considered at all: active ones; lawyers for criminal cases."""
        return (self.active_lawyers if criminal else self.active_members)[institution]
