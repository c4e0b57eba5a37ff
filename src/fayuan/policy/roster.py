"""The roster as the rules read it: institutions, their practitioners and what is cached about
them so that a decision does not walk every practitioner of the district (SPEC.md §2, §8, §9)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fayuan.policy.model import Institution, Practitioner, PractitionerKind
from fayuan.policy.ranking import RankingWeights, static_score
from fayuan.policy.rotation import PoolMember, rotation_pool

StaticOrder = tuple[tuple[float, Institution, int, int, float], ...]


class RosterView:
    """Immutable view of one roster; `with_active` returns a new view after a suspension."""

    __slots__ = (
        "_fast_totals",
        "_pools",
        "_static_orders",
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
        self._static_orders: dict[tuple[str, str, RankingWeights], StaticOrder] = {}
        self._fast_totals: dict[int, tuple[int, tuple[str, ...]]] = {}

    def with_suspended(self, institution: str, suspended: bool) -> RosterView:
        """A new view with `institution` suspended or reinstated (SPEC §8)."""
        if (institution in self.suspended) == suspended:
            return self
        now = self.suspended | {institution} if suspended else self.suspended - {institution}
        view = RosterView(self.institutions.values(), self.practitioners.values(), now)
        # Suspension changes neither scores nor staffing: the ranking caches stay valid.
        view._static_orders = self._static_orders
        view._fast_totals = self._fast_totals
        return view

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

    def static_order(self, specialty: str, locality: str, w: RankingWeights) -> StaticOrder:
        """Active institutions by the load-free part of their score (SPEC §9), best first, as
        (static score, institution, active practitioners, specialists, mean quality); cached per
        specialty and locality. Valid for an institution eligible with all its practitioners."""
        key = (specialty, locality, w)
        order = self._static_orders.get(key)
        if order is None:
            rows = []
            for inst in self.ordered:
                members = self.active_members[inst.id]
                if not inst.active or not members:
                    continue
                specialists = self.specialty_counts[inst.id].get(specialty, 0)
                quality = self.mean_quality[inst.id]
                static = static_score(inst, specialists, quality, locality, w)
                rows.append((static, inst, len(members), specialists, quality))
            rows.sort(key=lambda r: (-round(r[0], 9), r[1].sequence))
            order = self._static_orders[key] = tuple(rows)
        return order

    def fast_totals(self, required: int) -> tuple[int, tuple[str, ...]]:
        """For cases needing `required` handlers: the active practitioners of the institutions
        that have enough of them, and the ids of the institutions that do not (or are inactive)."""
        totals = self._fast_totals.get(required)
        if totals is None:
            practitioners, short = 0, []
            for inst in self.ordered:
                n = len(self.active_members[inst.id])
                if inst.active and n >= required:
                    practitioners += n
                else:
                    short.append(inst.id)
            totals = self._fast_totals[required] = (practitioners, tuple(short))
        return totals

    def candidates_for(self, institution: str, criminal: bool) -> Sequence[Practitioner]:
        """Practitioners who may be considered at all: active ones; lawyers for criminal cases."""
        return (self.active_lawyers if criminal else self.active_members)[institution]
