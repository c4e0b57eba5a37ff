"""The admin asks the API's questions (`fayuan.accounts.access`): each role lists the same cases
in the admin as in the API, a case's page shows its parties unmasked exactly when the API's
detail does (`may_see_personal_data`), masked the API's way otherwise, and every unmasked view
is an audit event. An institution or a replaced lawyer still lists a case that moved on, but
reads it masked. Staff members' and declared persons' ID numbers are never shown back."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from fayuan.accounts.models import DeclaredPerson, StaffProfile
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case, CaseStatus, Party
from fayuan.demo import ensure_groups
from fayuan.roster.models import Institution, Locality, Practitioner
from fayuan.workflow.models import Assignment, Handler

from .test_api_support import ID_LIU, Api

pytestmark = pytest.mark.django_db

AT = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
MASKED_LIU = "5001**********7552"
NAME, PHONE, ADDRESS = "刘勇勇", "13812345678", "重庆市北碚区天生路1号"
SUMMARY = "被告人刘勇勇涉嫌盗窃罪。"
STAFF_ROLES = [
    "officer",
    "director",
    "bureau_section",
    "bureau_leader",
    "institution_admin",
    "practitioner",
    "supervisor",
]


def assign(world, case: Case, institution: str, handler: str, n: int) -> None:
    Assignment.objects.filter(case=case).update(current=False)
    Handler.objects.filter(case=case).update(active=False)
    case.institution = Institution.objects.get(center=world.center, code=institution)
    case.save(update_fields=["institution"])
    assignment = Assignment.objects.create(
        case=case,
        institution=case.institution,
        rule="ranking",
        notice_year=2026,
        notice_seq=n,
        notice_number=f"北碚法援指〔2026〕第{n:04d}号",
        issued_by=world.user("officer"),
        issued_at=AT,
        due_at=AT,
    )
    Handler.objects.create(
        case=case,
        assignment=assignment,
        practitioner=Practitioner.objects.get(center=world.center, code=handler),
        named_by=world.user("institution_admin"),
        named_at=AT,
    )


@pytest.fixture
def cases(world) -> dict[str, Case]:
    ensure_groups()  # the demo's admin permissions per role
    User.objects.exclude(username="court").update(is_staff=True)
    made = {}
    for n, key in enumerate(("own", "moved", "other", "sent"), 1):
        case = Case.objects.create(
            center=world.center,
            number=f"ADMIN-{n}",
            category="criminal" if key == "sent" else "civil",
            status=CaseStatus.agreement_signed,
            source="notification" if key == "sent" else "application",
            organ=world.organ if key == "sent" else None,
            letter_number=f"（2026）渝0109刑初{n}号" if key == "sent" else "",
            summary=SUMMARY,
            locality=Locality.objects.get(center=world.center, name="天生街道"),
            started_at=AT,
            due_at=AT,
        )
        Party.objects.create(
            case=case, role="aided", name=NAME, id_number=ID_LIU, phone=PHONE, address=ADDRESS
        )
        made[key] = case
    assign(world, made["own"], "F04", "L013", 1)
    # Held by F04 and handled by L013, then moved to F07 (第十二条): both still list it.
    assign(world, made["moved"], "F04", "L013", 2)
    assign(world, made["moved"], "F07", "L024", 3)
    assign(world, made["other"], "F07", "L024", 4)
    assign(world, made["sent"], "F07", "L024", 5)
    return made


def views() -> int:
    return AuditEvent.objects.filter(action="case.view_personal_data").count()


def admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_numbers(client: Client) -> set[str]:
    response = client.get("/admin/cases/case/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ID_LIU not in html and NAME not in html and PHONE not in html
    pks = set(re.findall(r'href="/admin/cases/case/(\d+)/change/', html))
    return set(Case.objects.filter(pk__in=pks).values_list("number", flat=True))


def assert_page(html: str, masked: bool) -> None:
    if masked:
        for secret in (ID_LIU, NAME, PHONE, ADDRESS, SUMMARY):
            assert secret not in html, secret
        assert MASKED_LIU in html and "刘*勇" in html and "138****5678" in html
        assert "个人信息已遮蔽" in html
    else:
        for shown in (ID_LIU, NAME, PHONE, ADDRESS, SUMMARY):
            assert shown in html, shown


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_sees_in_the_admin_what_it_sees_in_the_api(world, cases, role) -> None:
    user = world.user(role)
    api = Api.session(user)
    client = admin_client(user)
    listed = {item["number"] for item in api.ok("GET", "/api/cases")["items"]}
    assert admin_numbers(client) == listed

    for case in cases.values():
        url = f"/admin/cases/case/{case.pk}/change/"
        if case.number not in listed:
            response = client.get(url)
            assert response.status_code in (302, 404)  # the admin says it does not exist
            assert ID_LIU not in response.content.decode()
            continue
        before = views()
        masked = api.ok("GET", f"/api/cases/{case.number}")["personal_data_masked"]
        assert views() == before + (0 if masked else 1)
        before = views()
        page = client.get(url)
        assert page.status_code == 200
        assert_page(page.content.decode(), masked)
        assert "no-store" in page["Cache-Control"]
        assert views() == before + (0 if masked else 1), "every unmasked view is an event"
        if not masked:
            event = AuditEvent.objects.filter(action="case.view_personal_data").last()
            assert event is not None
            assert (event.actor_label, event.case_id_ref) == (user.username, case.pk)
            assert "管理后台" in event.data["what"] and ID_LIU not in str(event.data)


def test_an_institution_and_a_replaced_lawyer_read_a_moved_case_masked(world, cases) -> None:
    moved = cases["moved"]
    for role in ("institution_admin", "practitioner"):
        client = admin_client(world.user(role))
        assert moved.number in admin_numbers(client)
        before = views()
        page = client.get(f"/admin/cases/case/{moved.pk}/change/")
        assert_page(page.content.decode(), masked=True)
        assert views() == before
        own = client.get(f"/admin/cases/case/{cases['own'].pk}/change/")
        assert_page(own.content.decode(), masked=False)
        assert views() == before + 1


def test_the_judicial_organ_has_no_admin_and_the_superuser_reads_masked(world, cases) -> None:
    court = admin_client(world.user("judicial_organ"))
    assert court.get("/admin/cases/case/").status_code == 302  # to the admin login
    root = User.objects.create_superuser("root", "root@example.cn", "pw-root-long-enough")
    client = admin_client(root)
    assert admin_numbers(client) == {c.number for c in cases.values()}
    before = views()
    page = client.get(f"/admin/cases/case/{cases['own'].pk}/change/")
    assert_page(page.content.decode(), masked=True)
    assert views() == before


def test_staff_and_declared_id_numbers_are_masked_and_write_only(world, cases) -> None:
    officer = world.user("officer")
    profile = StaffProfile.objects.get(user=officer)
    profile.id_number = ID_LIU
    profile.save()
    declared = DeclaredPerson.objects.create(
        user=officer, kind="relative", name="刘某", id_number=ID_LIU
    )
    # The director may view declarations and profiles (not change them): masked only.
    director = admin_client(world.user("director"))
    for url in (
        f"/admin/accounts/declaredperson/{declared.pk}/change/",
        f"/admin/accounts/staffprofile/{profile.pk}/change/",
    ):
        html = director.get(url).content.decode()
        assert MASKED_LIU in html and ID_LIU not in html, url
    # The superuser's form: the input is empty; empty keeps the number, a new one replaces it.
    root = admin_client(User.objects.create_superuser("root", "r@example.cn", "pw-root-long"))
    url = f"/admin/accounts/declaredperson/{declared.pk}/change/"
    html = root.get(url).content.decode()
    assert MASKED_LIU in html and ID_LIU not in html
    form = {"user": officer.pk, "kind": "relative", "name": "刘某", "relation": "", "note": ""}
    assert root.post(url, {**form, "id_number": ""}).status_code == 302
    declared.refresh_from_db()
    assert declared.id_number == ID_LIU
    change = AuditEvent.objects.filter(action="admin.change").last()
    assert change is not None and "id_number" not in change.data["fields"]
    new = "11010519491231002X"
    assert root.post(url, {**form, "id_number": new}).status_code == 302
    declared.refresh_from_db()
    assert declared.id_number == new
    for event in AuditEvent.objects.all():
        assert ID_LIU not in str(event.data) and new not in str(event.data)
