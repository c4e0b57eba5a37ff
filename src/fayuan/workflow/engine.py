"""The bridge from the database to the pure rules: plain values in, a decision out.

The policy never reaches into the database (DESIGN.md); this module hands it what it reads —
the roster, rotation credits, the parties of the cases each institution and handler holds, and
recent load — with a few queries per decision, none per row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import Q

from fayuan.cases.models import Case, CaseStatus, Party
from fayuan.holidays.calendar import service_calendar
from fayuan.policy import model as pm
from fayuan.policy.conflicts import HoldingsIndex
from fayuan.policy.deadlines import local_date
from fayuan.policy.params import Policy, load_policy
from fayuan.policy.ranking import LoadWindow
from fayuan.policy.roster import RosterView
from fayuan.policy.rotation import RotationState
from fayuan.policy.selection import AssignmentState
from fayuan.roster.models import Center, Institution, InstitutionStatus, Practitioner
from fayuan.security.fields import match_hashes
from fayuan.workdays import WorkdayCalendar
from fayuan.workflow.models import Assignment, Handler, RotationCredit

#: Cases that no longer hold anyone (SPEC §3 "the cases assigned to it now").
CLOSED = (CaseStatus.closed, CaseStatus.refused)


@lru_cache(maxsize=16)
def policy_named(name: str) -> Policy:
    return load_policy(name)


def policy_for(center: Center) -> Policy:
    return policy_named(center.policy or settings.FAYUAN_POLICY)


def calendar() -> WorkdayCalendar:
    """The service's calendar: chinese_calendar, the overrides file and the years the center
    entered, provisional for a year none of them knows (SPEC §5: never a refusal)."""
    return service_calendar()


def roster_view(center: Center) -> RosterView:
    """The center's roster as the rules read it: two queries of plain values (no model
    instances: this runs in every assignment transaction)."""
    institutions = list(
        Institution.objects.filter(center=center).values_list(
            "pk", "code", "name", "kind", "locality__name", "sequence", "status"
        )
    )
    by_id = {pk: code for pk, code, *_ in institutions}
    practitioners = (
        Practitioner.objects.filter(center=center)
        .order_by("code")
        .values_list(
            "code",
            "name",
            "institution_id",
            "kind",
            "licensed_on",
            "criminal_defense_cases",
            "specialties",
            "quality",
            "status",
            "minors_qualified",
            "quality_score",
            "quality_as_of",
        )
    )
    return RosterView(
        (
            pm.Institution(
                code,
                name,
                pm.InstitutionKind(kind),
                locality,
                sequence,
                status != InstitutionStatus.inactive,
            )
            for _, code, name, kind, locality, sequence, status in institutions
        ),
        (
            pm.Practitioner(
                code,
                name,
                by_id[institution],
                pm.PractitionerKind(kind),
                licensed_on,
                cases,
                tuple(specialties or ()),
                # 第九条: the computed score when there is one, else the roster's entry.
                float(quality if score is None else score),
                status == "active",
                minors,
                as_of if score is not None else None,
                # 第九条 暂停指派: not active either, but explained as suspended, not 非执业.
                status == "suspended",
            )
            for (
                code,
                name,
                institution,
                kind,
                licensed_on,
                cases,
                specialties,
                quality,
                status,
                minors,
                score,
                as_of,
            ) in practitioners
        ),
        frozenset(
            code for _, code, *_, status in institutions if status == InstitutionStatus.suspended
        ),
    )


def policy_parties(parties: list[Party]) -> tuple[pm.Party, ...]:
    return tuple(pm.Party(pm.PartyRole(p.role), p.name, p.id_number or None) for p in parties)


def policy_case(case: Case) -> pm.Case:
    """The case as the rules see it; `started_at` must be set (第六条)."""
    if case.started_at is None:
        raise ValueError(f"case {case.pk} has no start time yet")
    return policy_case_at(case, case.started_at)


def policy_case_at(case: Case, started_at: datetime) -> pm.Case:
    """The case as the rules see it, started at `started_at`."""
    return pm.Case(
        id=case.number,
        category=pm.Category(case.category),
        started_at=started_at,
        source=pm.Source(case.source),
        aided_persons=case.aided_persons,
        locality=case.locality.name,
        specialty=case.specialty or None,
        social_impact=case.social_impact,
        major_difficult=case.major_difficult,
        life_sentence_possible=case.life_sentence_possible,
        stability_risk=case.stability_risk,
        minor=case.minor,
        chosen_practitioner=case.chosen_practitioner.code if case.chosen_practitioner else None,
        chosen_institution=case.chosen_institution.code if case.chosen_institution else None,
        helped_by_institution=(
            case.helped_by_institution.code if case.helped_by_institution else None
        ),
        conflict_institutions=frozenset(i.code for i in case.conflict_institutions.all()),
        conflict_practitioners=frozenset(p.code for p in case.conflict_practitioners.all()),
        parties=policy_parties(list(case.parties.all())),
    )


def _holdings(center: Center, case: Case) -> tuple[HoldingsIndex, HoldingsIndex]:
    """Index only the held cases that share a person with this case: the conflicts the rules
    can find are among them (SPEC §3). ID numbers are encrypted: they match on their keyed
    hashes (`fayuan.security.fields.match_hash`)."""
    parties = list(case.parties.all())
    names = {p.name for p in parties}
    ids = match_hashes(p.id_number for p in parties)
    matching = (
        Party.objects.filter(case__center=center)
        .exclude(case=case)
        .exclude(case__status__in=CLOSED)
        .filter(Q(name__in=names) | Q(id_number_hash__in=ids))
        .values_list("case_id", flat=True)
    )
    held = {
        c.pk: c
        for c in Case.objects.filter(pk__in=set(matching))
        .select_related("institution")
        .prefetch_related("parties")
    }
    institutions, handlers = HoldingsIndex(), HoldingsIndex()
    if not held:
        return institutions, handlers
    codes: dict[int, list[str]] = {}
    for case_id, code in Handler.objects.filter(case_id__in=held, active=True).values_list(
        "case_id", "practitioner__code"
    ):
        codes.setdefault(case_id, []).append(code)
    for pk, other in held.items():
        shadow = pm.Case(
            id=other.number,
            category=pm.Category(other.category),
            started_at=other.started_at or other.created_at,
            parties=policy_parties(list(other.parties.all())),
        )
        if other.institution is not None:
            institutions.take(other.institution.code, shadow)
        for code in codes.get(pk, ()):
            handlers.take(code, shadow)
    return institutions, handlers


def rotation_state(center: Center) -> RotationState:
    return RotationState(
        dict(
            RotationCredit.objects.filter(center=center).values_list("institution__code", "credit")
        )
    )


def load_window(center: Center, on: datetime, days: int) -> LoadWindow:
    """Assignments per institution in the trailing window up to `on` (SPEC §9)."""
    window = LoadWindow()
    since = on - timedelta(days=days)
    rows = (
        Assignment.objects.filter(case__center=center, issued_at__gt=since, issued_at__lte=on)
        .order_by("issued_at")
        .values_list("institution__code", "issued_at")
    )
    for code, issued_at in rows:
        window.record(code, local_date(issued_at))
    window.expire(local_date(on), days)
    return window


def assignment_state(center: Center, case: Case, on: datetime) -> AssignmentState:
    policy = policy_for(center)
    days = policy.values_on(local_date(on)).ranking_load_window_days
    institutions, handlers = _holdings(center, case)
    return AssignmentState(
        roster=roster_view(center),
        rotation=rotation_state(center),
        institution_holdings=institutions,
        practitioner_holdings=handlers,
        load=load_window(center, on, days),
    )
