"""Several centers in one installation (a city's districts): two centers, each with its own
roster, its own case assigned through the workflow and a user per role. No role of one center
sees or changes anything of the other: the API's lists and details (404, not 403, for the other
center's case), the actions (forbidden), the deadline lists, the admin changelists, the notice
downloads and the roster export."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from fayuan.accounts.access import ACTIONS, can, role_of
from fayuan.accounts.models import JudicialOrgan, OrganKind, Role, StaffProfile
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_notification
from fayuan.cases.models import Case
from fayuan.demo import ensure_groups, fictional_id_number
from fayuan.errors import ActionError
from fayuan.roster.models import Center, Institution, Locality, Practitioner
from fayuan.workflow import actions

from .conftest import load_example_roster, make_user
from .test_api_support import Api

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
AT = datetime(2026, 10, 9, 10, 0, tzinfo=CST)
#: Everything of the second center carries this mark (names, user names, letters): it must
#: not appear anywhere the first center's users look, and the reverse with ``BB``.
MARK = {"beibei": "北碚甲", "lianhua": "莲花乙"}


@dataclass
class Side:
    center: Center
    users: dict[Role, User]
    case: Case
    notice: str


def _center(code: str) -> Center:
    mark = MARK[code]
    center = Center.objects.create(
        code=code, name=f"{mark}法律援助中心", notice_prefix=f"{mark}法援指", policy="beibei-2023"
    )
    load_example_roster(center)
    for model in (Institution, Practitioner, Locality):
        for row in model.objects.filter(center=center):
            row.name = f"{mark}{row.name}"
            row.save(update_fields=["name"])
    return center


def _side(code: str) -> Side:
    mark = MARK[code]
    center = _center(code)
    organ = JudicialOrgan.objects.create(
        center=center, name=f"{mark}人民法院", kind=OrganKind.court
    )
    users = {
        role: make_user(center, f"{code}-{role.value}", role, email=f"{role.value}@{code}.cn")
        for role in Role
        if role not in (Role.institution_admin, Role.practitioner, Role.judicial_organ)
    }
    users[Role.judicial_organ] = make_user(
        center, f"{code}-court", Role.judicial_organ, organ=organ
    )
    officer, director = users[Role.officer], users[Role.director]
    party = PartyInput(
        "aided", f"{mark}张三", fictional_id_number(datetime(1980, 1, 1).date(), 5, False)
    )
    case, _ = do_intake_notification(
        center,
        users[Role.judicial_organ],
        CaseInput(
            category="criminal",
            locality=f"{mark}天生街道",
            parties=[party],
            organ_id=organ.pk,
            letter_number=f"{mark}刑通〔2026〕1号",
            letter_received_at=AT,
            summary=f"{mark}的案件",
        ),
    )
    proposal = actions.do_propose(case, officer)
    actions.do_director_decide(proposal, director, approve=True)
    assignment = actions.do_issue_assignment(proposal, officer)
    institution = assignment.institution
    lawyer = Practitioner.objects.filter(institution=institution, kind="lawyer").first()
    assert lawyer is not None
    users[Role.institution_admin] = make_user(
        center, f"{code}-inst", Role.institution_admin, institution=institution
    )
    users[Role.practitioner] = make_user(
        center, f"{code}-lawyer", Role.practitioner, practitioner=lawyer
    )
    case.refresh_from_db()
    actions.do_name_handlers(case, users[Role.institution_admin], [lawyer.code])
    # A second case, waiting to be assigned, for the deadline lists.
    do_intake_notification(
        center,
        officer,
        CaseInput(
            category="criminal",
            locality=f"{mark}天生街道",
            parties=[party],
            organ_id=organ.pk,
            letter_number=f"{mark}刑通〔2026〕2号",
            letter_received_at=AT,
            summary=f"{mark}待指派",
        ),
    )
    for user in users.values():
        user.is_staff = role_of(user) is not Role.judicial_organ
        user.save(update_fields=["is_staff"])
    case.refresh_from_db()
    return Side(center, users, case, assignment.notice_number)


@pytest.fixture
def sides(time_machine) -> dict[str, Side]:  # type: ignore[no-untyped-def]
    time_machine.move_to(AT + timedelta(hours=1), tick=False)
    ensure_groups()
    return {"beibei": _side("beibei"), "lianhua": _side("lianhua")}


def _pairs(sides: dict[str, Side]) -> list[tuple[Side, Side, str]]:
    a, b = sides["beibei"], sides["lianhua"]
    return [(a, b, MARK["lianhua"]), (b, a, MARK["beibei"])]


def _api(user: User) -> Api:
    if role_of(user) is Role.judicial_organ:
        return Api.token(user)
    return Api.session(user)


def test_each_center_has_its_own_roster_case_and_notice_numbers(sides) -> None:
    a, b = sides["beibei"], sides["lianhua"]
    assert a.case.center_id != b.case.center_id
    assert a.notice.startswith(f"{MARK['beibei']}法援指〔2026〕第0001号")
    assert b.notice.startswith(f"{MARK['lianhua']}法援指〔2026〕第0001号")


def test_the_api_shows_no_role_anything_of_the_other_center(sides) -> None:
    for own, other, mark in _pairs(sides):
        for role, user in own.users.items():
            api = _api(user)
            listing = api.get("/api/cases")
            if listing.status_code == 200:
                text = listing.content.decode()
                assert other.case.number not in text and mark not in text, (role, text[:500])
            detail = api.get(f"/api/cases/{other.case.number}")
            assert detail.status_code in (403, 404), role
            if can(user, "view_case"):
                assert detail.status_code == 404, role  # its existence is not disclosed
                # ... and its own center's case is there, for the roles that see it.
                if can(user, "view_case", own.case):
                    assert api.get(f"/api/cases/{own.case.number}").status_code == 200
            for path in ("notice.pdf", "notice.docx"):
                response = api.get(f"/api/cases/{other.case.number}/{path}")
                assert response.status_code in (403, 404), (role, path)
                if can(user, "view_personal_data"):
                    assert response.status_code == 404, (role, path)
            proposals = api.get(f"/api/cases/{other.case.number}/proposals")
            assert proposals.status_code in (403, 404) and mark not in proposals.content.decode()


def _case_events(sides: dict[str, Side]) -> int:
    return AuditEvent.objects.filter(case_id_ref__in=[s.case.pk for s in sides.values()]).count()


def test_no_action_of_one_center_reaches_the_other(sides) -> None:
    before = _case_events(sides)
    for own, other, _mark in _pairs(sides):
        for role, user in own.users.items():
            for action in ACTIONS:
                assert not can(user, action, other.case), (role, action)
            api = _api(user)
            number = other.case.number
            for path, body in (
                (f"/api/cases/{number}/grant", {}),
                (f"/api/cases/{number}/engine", {}),
                (f"/api/cases/{number}/proposals", {}),
                (f"/api/cases/{number}/handlers", {"practitioners": ["L013"]}),
                (f"/api/cases/{number}/agreement", {"signed_on": "2026-10-09"}),
                (f"/api/cases/{number}/close", {"outcome": "结案"}),
            ):
                status = api.post(path, body).status_code
                assert status in (403, 404), (role, path, status)
        officer, director = own.users[Role.officer], own.users[Role.director]
        inst, case = own.users[Role.institution_admin], other.case
        attempts = [
            partial(do_grant_aid, case, officer),
            partial(actions.do_propose, case, officer),
            partial(actions.do_run_engine, case, officer),
            partial(actions.do_close_case, case, director, "结案"),
            partial(actions.do_name_handlers, case, inst, ["L013"]),
        ]
        for attempt in attempts:
            with pytest.raises(ActionError) as refused:
                attempt()
            assert refused.value.kind == "forbidden"
    assert _case_events(sides) == before  # nothing was written about either case


def test_the_deadline_lists_show_only_the_own_center(sides) -> None:
    for own, other, mark in _pairs(sides):
        for role, user in own.users.items():
            if role is Role.judicial_organ:
                continue
            client = Client()
            client.force_login(user)
            page = client.get("/").content.decode()
            assert mark not in page and other.center.name not in page, role
            if can(user, "view_deadlines"):
                assert own.center.name in page, role


def test_the_roster_export_holds_only_the_own_center(sides) -> None:
    for own, _other, mark in _pairs(sides):
        for role, user in own.users.items():
            api = _api(user)
            response = api.get("/api/roster")
            if not can(user, "export_roster"):
                assert response.status_code == 403, role
                continue
            text = response.content.decode()
            assert response.status_code == 200 and mark not in text, role
            assert MARK[own.center.code] in text
            workbook = openpyxl.load_workbook(io.BytesIO(api.get("/api/roster.xlsx").content))
            cells = [
                str(cell.value)
                for sheet in workbook.worksheets
                for row in sheet.iter_rows()
                for cell in row
                if cell.value is not None
            ]
            assert not any(mark in cell for cell in cells), role


def test_the_admin_changelists_show_only_the_own_center(sides) -> None:
    checked = 0
    leaks: set[tuple[str, str, str]] = set()
    for own, other, mark in _pairs(sides):
        for role, user in own.users.items():
            if not user.is_staff:
                continue
            client = Client()
            client.force_login(user)
            for model, model_admin in admin.site._registry.items():
                if not model_admin.has_view_permission(_request(user)):
                    continue
                meta = model._meta
                url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
                response = client.get(url)
                assert response.status_code == 200, (role, url)
                page = response.content.decode()
                names = [u.username for u in other.users.values()]
                if mark in page or other.case.number in page or any(n in page for n in names):
                    leaks.add((role.value, url, _around(page, mark)))
                checked += 1
            # The other center's case page is not there either.
            url = reverse("admin:cases_case_change", args=[other.case.pk])
            response = client.get(url, follow=True)
            assert other.case.number not in response.content.decode() or response.status_code in (
                403,
                404,
            ), role
    assert not leaks, "\n".join(f"{r} {u}" for r, u, _ in sorted(leaks))
    assert checked > 20


def _request(user: User):  # type: ignore[no-untyped-def]
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _around(page: str, mark: str) -> str:
    at = page.find(mark)
    return page[max(0, at - 200) : at + 100]


def test_staff_profiles_are_per_center(sides) -> None:
    for own, other, _mark in _pairs(sides):
        for user in own.users.values():
            assert StaffProfile.objects.get(user=user).center_id == own.center.pk
        assert not StaffProfile.objects.filter(center=other.center, user__in=own.users.values())
