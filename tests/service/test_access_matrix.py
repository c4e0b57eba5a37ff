"""Roles and access (issue 3 item 5; 第三、五、八、十二条): every role, an anonymous user and a user
without a profile, against every action of `fayuan.accounts.access.ACTIONS`, with no case, on a
case the institution admin's institution holds ("own") and on a case another institution holds
("other"). The expected table is written out here, not derived from ACTIONS."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count

import pytest
from django.contrib.auth.models import AnonymousUser, User

from fayuan.accounts.access import ACTIONS, can, require, visible_cases
from fayuan.accounts.models import JudicialOrgan, OrganKind, Role, StaffProfile
from fayuan.cases.models import Case, CaseStatus
from fayuan.errors import ActionError
from fayuan.roster.models import Center, Institution, Locality, Practitioner, Workstation
from fayuan.workflow.models import Assignment, Handler

from .conftest import make_user

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
AT = datetime(2026, 10, 8, 9, 0, tzinfo=CST)
_seq = count(1)


COLUMNS = (
    "officer",
    "director",
    "bureau_section",
    "bureau_leader",
    "institution_admin",
    "practitioner",
    "judicial_organ",
    "supervisor",
    "workstation",
    "liaison",
    "anonymous",
    "no_profile",
)

# Each cell: may the user take the action with no case / on the own case / on the other case.
# The own case: held by F04 (the institution admin's), handled by L013 (the practitioner), sent
# by the world's court, and helped with by the workstation 天生街道司法所 and the liaison point
# G02 (第七条; fields set directly). The other case: an application held by F07, handled by L024.
# Center staff, the bureau and supervisors see all the center's cases; the others only theirs.
# Columns in the order of COLUMNS: officer, director, bureau section, bureau leader, institution
# admin, practitioner, judicial organ, supervisor, workstation (司法所) and liaison point staff,
# anonymous, a user without a profile. Workstation and liaison staff submit for a person at the
# counter and see only the cases they helped with, masked (no view_personal_data).
TABLE = """
action                 off   dir   sect  lead  inst  prac  organ sup   ws    liais anon  nopro
intake_application     YYY   ---   ---   ---   ---   ---   ---   ---   YY-   YY-   ---   ---
intake_notification    YYY   ---   ---   ---   ---   ---   YY-   ---   ---   ---   ---   ---
grant_aid              YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---
propose                YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---
director_decide        ---   YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---
record_discussion      YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---
report_to_bureau       ---   YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---
bureau_decide          ---   ---   YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---
issue_assignment       YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---
name_handlers          ---   ---   ---   ---   YY-   ---   ---   ---   ---   ---   ---   ---
sign_agreement         ---   ---   ---   ---   YY-   YY-   ---   ---   ---   ---   ---   ---
request_handler_change YYY   ---   YYY   ---   YY-   YY-   ---   ---   ---   ---   ---   ---
decide_handler_change  ---   YYY   YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---
close_case             YYY   ---   ---   ---   YY-   YY-   ---   ---   ---   ---   ---   ---
view_case              YYY   YYY   YYY   YYY   YY-   YY-   YY-   YYY   YY-   YY-   ---   ---
view_personal_data     YYY   YYY   YYY   YYY   YY-   YY-   ---   YYY   ---   ---   ---   ---
declare_persons        YYY   YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---
apply_recusal          YYY   YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---
decide_recusal         ---   YYY   YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---
import_roster          YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---
export_roster          YYY   YYY   YYY   YYY   ---   ---   ---   YYY   ---   ---   ---   ---
view_reports           ---   YYY   YYY   YYY   ---   ---   ---   YYY   ---   ---   ---   ---
set_institution_status ---   YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---
view_deadlines         YYY   YYY   YYY   YYY   ---   ---   ---   YYY   ---   ---   ---   ---
view_audit             ---   YYY   YYY   ---   ---   ---   ---   YYY   ---   ---   ---   ---
enter_calendar         ---   YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---
draw_file_review       ---   ---   YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---
assign_reviewer        ---   ---   YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---
score_file_review      ---   ---   ---   ---   ---   ---   ---   YYY   ---   ---   ---   ---
record_return_visit    YYY   ---   YYY   ---   ---   ---   ---   YYY   ---   ---   ---   ---
record_organ_opinion   ---   ---   ---   ---   ---   ---   YY-   ---   ---   ---   ---   ---
record_court_attendance ---  ---   ---   ---   ---   ---   ---   YYY   ---   ---   ---   ---
record_complaint       YYY   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---   ---
answer_complaint       ---   ---   YYY   YYY   ---   ---   ---   ---   ---   ---   ---   ---
view_supervision       YYY   YYY   YYY   YYY   ---   ---   ---   YYY   ---   ---   ---   ---
"""


def expected() -> dict[tuple[str, str], str]:
    rows = [line.split() for line in TABLE.strip().splitlines()[1:]]
    table = {}
    for action, *cells in rows:
        assert len(cells) == len(COLUMNS), action
        for column, cell in zip(COLUMNS, cells, strict=True):
            assert len(cell) == 3 and set(cell) <= {"Y", "-"}, (action, column)
            table[action, column] = cell
    return table


EXPECTED = expected()


def test_table_covers_every_action_in_access() -> None:
    assert {action for action, _ in EXPECTED} == set(ACTIONS)


def held_case(world, institution: str, handler: str, **fields) -> Case:
    """A case assigned to `institution` with `handler` named (rows made directly: the workflow
    itself is tested in test_workflow_*)."""
    n = next(_seq)
    center = world.center
    case = Case.objects.create(
        center=center,
        number=f"ACCESS-{n}",
        category="civil",
        status=CaseStatus.agreement_signed,
        locality=Locality.objects.get(center=center, name="天生街道"),
        institution=Institution.objects.get(center=center, code=institution),
        started_at=AT,
        due_at=AT,
        **fields,
    )
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
        practitioner=Practitioner.objects.get(center=center, code=handler),
        named_by=world.user("institution_admin"),
        named_at=AT,
    )
    return case


@pytest.fixture
def cases(world) -> dict[str, Case]:
    own = held_case(
        world,
        "F04",
        "L013",
        source="notification",
        organ=world.organ,
        letter_number="（2026）渝0109民初1号",
        channel="liaison",
        workstation=helper_workstation(world),
        helped_by_institution=Institution.objects.get(center=world.center, code="G02"),
    )
    other = held_case(world, "F07", "L024", source="application", channel="counter")
    return {"own": own, "other": other}


def helper_workstation(world) -> Workstation:
    return Workstation.objects.get_or_create(
        center=world.center,
        name="天生街道司法所",
        defaults={"locality": Locality.objects.get(center=world.center, name="天生街道")},
    )[0]


def user_for(world, column: str) -> User | AnonymousUser:
    if column == "anonymous":
        return AnonymousUser()
    if column == "no_profile":
        return User.objects.create_user("noprofile")
    if column == "workstation":
        return make_user(
            world.center, "ws-tiansheng", Role.workstation, workstation=helper_workstation(world)
        )
    if column == "liaison":
        g02 = Institution.objects.get(center=world.center, code="G02")
        return make_user(world.center, "liaison-g02", Role.liaison, institution=g02)
    return world.user(column)


@pytest.mark.parametrize("column", COLUMNS)
def test_access_every_action_for_role(world, cases, column) -> None:
    user = user_for(world, column)
    wrong = []
    for action in ACTIONS:
        got = "".join(
            "Y" if can(user, action, case) else "-" for case in (None, cases["own"], cases["other"])
        )
        if got != EXPECTED[action, column]:
            wrong.append(f"{action}: expected {EXPECTED[action, column]}, got {got}")
    assert wrong == []


@pytest.mark.parametrize("column", ["anonymous", "no_profile", "institution_admin"])
def test_access_require_refuses_with_forbidden(world, cases, column) -> None:
    with pytest.raises(ActionError) as refused:
        require(user_for(world, column), "propose", cases["own"])
    assert refused.value.kind == "forbidden"


def test_access_inactive_user_may_do_nothing(world, cases) -> None:
    officer = world.user("officer")
    officer.is_active = False
    officer.save()
    assert not any(can(officer, action, cases["own"]) for action in ACTIONS)
    assert not visible_cases(officer).exists()


# ------------------------------------------------------------------------- visibility


def visible(user) -> set[str]:
    return set(visible_cases(user).values_list("number", flat=True))


def test_visibility_center_staff_bureau_and_supervisor_see_all_center_cases(world, cases) -> None:
    everything = {cases["own"].number, cases["other"].number}
    for role in ("officer", "director", "bureau_section", "bureau_leader", "supervisor"):
        assert visible(world.user(role)) == everything, role


def test_visibility_institution_sees_only_its_cases_now_and_before(world, cases) -> None:
    moved = held_case(world, "F07", "L024")
    Assignment.objects.create(
        case=moved,
        institution=Institution.objects.get(center=world.center, code="F04"),
        rule="ranking",
        notice_year=2026,
        notice_seq=900,
        notice_number="北碚法援指〔2026〕第0900号",
        issued_by=world.user("officer"),
        issued_at=AT - timedelta(days=5),
        due_at=AT,
        current=False,
    )
    admin = world.user("institution_admin")
    assert visible(admin) == {cases["own"].number, moved.number}
    # It sees the case it held before, but acts on, and reads the personal data of, only the
    # cases it holds now (a case moves away mostly for a conflict of interest, 第十二条).
    assert can(admin, "view_case", moved)
    assert not can(admin, "close_case", moved)
    assert not can(admin, "view_personal_data", moved)


def test_visibility_practitioner_sees_only_cases_it_handles_or_handled(world, cases) -> None:
    past = held_case(world, "F07", "L024")
    Handler.objects.create(
        case=past,
        assignment=past.assignments.get(),
        practitioner=Practitioner.objects.get(center=world.center, code="L013"),
        named_by=world.user("institution_admin"),
        named_at=AT - timedelta(days=5),
        active=False,
        ended_at=AT,
    )
    practitioner = world.user("practitioner")
    assert visible(practitioner) == {cases["own"].number, past.number}
    assert can(practitioner, "view_case", past)
    assert not can(practitioner, "close_case", past)
    assert not can(practitioner, "view_personal_data", past)


def test_visibility_judicial_organ_sees_only_the_cases_it_sent(world, cases) -> None:
    other_court = JudicialOrgan.objects.create(
        center=world.center, name="重庆市北碚区人民检察院", kind=OrganKind.procuratorate
    )
    theirs = held_case(
        world, "F07", "L024", source="notification", organ=other_court, letter_number="检1号"
    )
    assert visible(world.user("judicial_organ")) == {cases["own"].number}
    assert not can(world.user("judicial_organ"), "view_case", theirs)


def test_visibility_workstation_and_liaison_see_only_the_cases_they_helped(world, cases) -> None:
    """第七条: a workstation by `Case.workstation`; a liaison point by the helping institution
    and the liaison channel (an institution's liaison does not see what it merely holds)."""
    workstation, liaison = user_for(world, "workstation"), user_for(world, "liaison")
    assert visible(workstation) == {cases["own"].number}
    assert visible(liaison) == {cases["own"].number}
    held_by_g02 = held_case(world, "G02", "L063", source="application", channel="counter")
    helped_elsewhere = held_case(
        world,
        "F07",
        "L024",
        source="application",
        channel="liaison",
        helped_by_institution=Institution.objects.get(center=world.center, code="F04"),
    )
    assert held_by_g02.number not in visible(liaison)
    assert helped_elsewhere.number not in visible(liaison)
    assert helped_elsewhere.number not in visible(workstation)
    # A workstation staff member with no workstation tied sees nothing.
    StaffProfile.objects.filter(user=workstation).update(workstation=None)
    assert visible(User.objects.get(pk=workstation.pk)) == set()


def test_visibility_staff_of_another_center_see_nothing(world, cases) -> None:
    elsewhere = Center.objects.create(
        code="hechuan", name="合川区法律援助中心", notice_prefix="合法援指"
    )
    for n, role in enumerate(
        (Role.officer, Role.director, Role.bureau_section, Role.bureau_leader, Role.supervisor)
    ):
        user = User.objects.create_user(f"hechuan{n}")
        StaffProfile.objects.create(user=user, role=role, center=elsewhere, full_name=f"合川{n}")
        assert visible(user) == set(), role
        assert not any(can(user, a, c) for a in ACTIONS for c in cases.values()), role


def test_visibility_anonymous_and_profileless_users_see_nothing(world, cases) -> None:
    assert visible(AnonymousUser()) == set()
    assert visible(User.objects.create_user("noprofile")) == set()
