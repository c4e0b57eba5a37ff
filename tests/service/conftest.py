"""Fixtures for the case service: a Beibei center with the example roster and one user per role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from fayuan.accounts.models import JudicialOrgan, OrganKind, Role, StaffProfile
from fayuan.roster.models import Center, Institution, Locality, Practitioner

ROSTER = Path(__file__).resolve().parents[2] / "examples/stream-7/roster.json"


@dataclass
class World:
    center: Center
    users: dict[str, User]
    organ: JudicialOrgan

    def user(self, role: str) -> User:
        return self.users[role]


def make_user(center: Center, username: str, role: Role, **profile: object) -> User:
    user = User.objects.create_user(username, password="pw-" + username)
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    StaffProfile.objects.create(user=user, role=role, center=center, full_name=username, **profile)
    return user


def load_example_roster(center: Center, path: Path = ROSTER) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    localities = {}
    for inst in data["institutions"]:
        if inst["locality"] not in localities:
            localities[inst["locality"]] = Locality.objects.create(
                center=center, name=inst["locality"]
            )
    for name in ("天生街道", "东阳街道"):
        if name not in localities:
            localities[name] = Locality.objects.create(center=center, name=name)
    institutions = {}
    for inst in data["institutions"]:
        institutions[inst["id"]] = Institution.objects.create(
            center=center,
            code=inst["id"],
            name=inst["name"],
            kind=inst["kind"],
            locality=localities[inst["locality"]],
            sequence=inst["sequence"],
            status="active" if inst["active"] else "inactive",
        )
    for p in data["practitioners"]:
        Practitioner.objects.create(
            center=center,
            institution=institutions[p["institution"]],
            code=p["id"],
            name=p["name"],
            kind=p["kind"],
            licensed_on=date.fromisoformat(p["licensed_on"]),
            criminal_defense_cases=p["criminal_defense_cases"],
            specialties=p["specialties"],
            quality=p["quality"],
            status="active" if p["active"] else "inactive",
        )


@pytest.fixture
def world(db: None) -> World:
    center = Center.objects.create(
        code="beibei",
        name="重庆市北碚区法律援助中心",
        notice_prefix="北碚法援指",
        policy="beibei-2023",
    )
    load_example_roster(center)
    organ = JudicialOrgan.objects.create(
        center=center, name="重庆市北碚区人民法院", kind=OrganKind.court
    )
    f04 = Institution.objects.get(center=center, code="F04")
    users = {
        "officer": make_user(center, "officer", Role.officer, email="officer@example.cn"),
        "officer2": make_user(center, "officer2", Role.officer),
        "director": make_user(center, "director", Role.director, email="director@example.cn"),
        "bureau_section": make_user(center, "section", Role.bureau_section, is_section_head=True),
        "bureau_leader": make_user(center, "leader", Role.bureau_leader),
        "institution_admin": make_user(center, "f04admin", Role.institution_admin, institution=f04),
        "practitioner": make_user(
            center,
            "l013",
            Role.practitioner,
            practitioner=Practitioner.objects.get(center=center, code="L013"),
        ),
        "judicial_organ": make_user(center, "court", Role.judicial_organ, organ=organ),
        "supervisor": make_user(center, "supervisor", Role.supervisor),
    }
    return World(center, users, organ)
