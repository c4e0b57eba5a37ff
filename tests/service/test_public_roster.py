"""The published roster for 点援 (第四条、第九条; issue 9 item 4): /lawyers/ without login lists
the active institutions and practitioners of the public center with professional data only,
filters without JavaScript, links each entry to the application's choice, explains when the
choice cannot be honoured, and reads the database a fixed number of times whatever its size."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fayuan.accounts.models import StaffProfile
from fayuan.roster.models import Center, Institution, Locality, Practitioner
from fayuan.workstations.roster_page import licensed_by, practice_years

pytestmark = pytest.mark.django_db


def get(path: str = "/lawyers/", **params: str) -> str:
    response = Client().get(path, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def chosen_people(html: str) -> set[str]:
    return set(re.findall(r'href="/apply/\?practitioner=([A-Z0-9]+)"', html))


def chosen_places(html: str) -> set[str]:
    return set(re.findall(r'href="/apply/\?institution=([A-Z0-9]+)"', html))


def years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return date(today.year - years, 2, 28)


def test_lists_only_active_practitioners_of_active_institutions(world) -> None:
    center = world.center
    Practitioner.objects.filter(center=center, code="L013").update(status="inactive")
    listed: set[str] = set()
    for n in range(1, 20):  # every page of people (20 a page)
        html = get(page=str(n))
        listed |= chosen_people(html)
        if "下一页" not in html:
            break
    expected = set(
        Practitioner.objects.filter(
            center=center, status="active", institution__status="active"
        ).values_list("code", flat=True)
    )
    assert listed == expected
    assert "L013" not in listed
    # F01, F06, F10 are inactive in the example roster: none of their people, not them.
    inactive = set(
        Practitioner.objects.filter(institution__status="inactive").values_list("code", flat=True)
    )
    assert inactive and not (listed & inactive)
    places = get(show="places")
    assert chosen_places(places) == set(
        Institution.objects.filter(center=center, status="active")
        .filter(practitioners__status="active")
        .values_list("code", flat=True)
    )
    assert not chosen_places(places) & {"F01", "F06", "F10"}


def test_professional_data_only_no_id_numbers_no_personal_phones(world) -> None:
    center = world.center
    lawyer = Practitioner.objects.get(center=center, code="L013")
    lawyer.phone = "13912345678"
    lawyer.minors_qualified = True
    lawyer.save()
    # The practitioner's own account carries an ID number: never on the roster.
    account = StaffProfile.objects.get(user__username="l013")
    account.id_number = "500109198001010011"
    account.save()
    office = lawyer.institution
    office.phone = "023-68220000"
    office.address = "重庆市北碚区柳荫镇正街 1 号"
    office.save()
    html = get(locality=office.locality.name)
    assert lawyer.name in html
    assert "13912345678" not in html
    assert "500109198001010011" not in html
    assert "023-68220000" in html and "柳荫镇正街 1 号" in html
    assert "执业证" not in html and "评分" not in html
    # The plain-words explanation of when the choice is honoured (第四条、第九条、第十一条).
    assert "会告诉您，并说明理由" in html
    assert "利益冲突" in html and "执业 3 年以上" in html and "依次指派" in html
    # Phone first and light: no script at all, well under 300 KB.
    assert "<script" not in html and "style=" not in html
    assert len(html.encode()) < 300 * 1024


def test_choose_links_prefill_the_application(world) -> None:
    html = get(locality="柳荫镇")
    assert 'href="/apply/?practitioner=L013"' in html
    assert 'href="/apply/?institution=F04"' in html
    assert "选择此律师" in html and "选择此机构" in html
    worker = Practitioner.objects.filter(kind="grassroots_worker", status="active").first()
    assert worker is not None
    html = get(kind="grassroots_worker")
    assert "选择此法律服务工作者" in html and "选择此律师" not in html
    assert f"practitioner={worker.code}" in html


def test_practice_years_filter_on_both_sides_of_the_threshold(world) -> None:
    today = timezone.localdate()
    center = world.center
    exactly = Practitioner.objects.get(center=center, code="L013")
    exactly.licensed_on = years_ago(today, 3)
    exactly.save()
    short = Practitioner.objects.get(center=center, code="L014")
    short.licensed_on = years_ago(today, 3) + timedelta(days=1)
    short.save()
    html = get(years="3", locality=exactly.institution.locality.name)
    assert "L013" in chosen_people(html)
    assert "L014" not in chosen_people(html)
    assert "执业 3 年" in html
    html = get(years="2", locality=exactly.institution.locality.name)
    assert {"L013", "L014"} <= chosen_people(html)
    assert "执业 2 年" in html  # L014: a day short of three whole years
    assert practice_years(years_ago(today, 3), today) == 3
    assert practice_years(years_ago(today, 3) + timedelta(days=1), today) == 2
    # 29 February: the anniversary is the 28th in a year without it.
    assert licensed_by(date(2028, 2, 29), 1) == date(2027, 2, 28)
    assert practice_years(date(2024, 2, 29), date(2025, 2, 28)) == 0
    assert practice_years(date(2024, 2, 29), date(2025, 3, 1)) == 1


def test_filters_specialty_locality_kind_minors(world) -> None:
    center = world.center
    people = Practitioner.objects.filter(
        center=center, status="active", institution__status="active"
    )
    with_specialty = {p.code for p in people if "工伤赔偿" in p.specialties}
    assert with_specialty
    assert chosen_people(get(specialty="工伤赔偿")) == with_specialty
    kid = people.get(code="L013")
    kid.minors_qualified = True
    kid.save()
    assert chosen_people(get(minors="on")) == {"L013"}
    workers = {p.code for p in people if p.kind == "grassroots_worker"}
    assert workers and chosen_people(get(kind="grassroots_worker")) == workers
    here = {p.code for p in people if p.institution.locality.name == "龙凤桥街道"}
    assert here and chosen_people(get(locality="龙凤桥街道")) == here
    # The institutions view: those with someone who matches.
    assert chosen_places(get(show="places", minors="on")) == {kid.institution.code}
    # A wrong value is explained beside its field and filters nothing away silently.
    html = get(years="很多", minors="on")
    assert "请填写整数年数" in html
    assert chosen_people(html) == {"L013"}  # the valid filter still applies


def test_pages_keep_the_filters(world) -> None:
    html = get(kind="lawyer")
    assert "下一页" in html
    assert 'href="?kind=lawyer&amp;page=2"' in html
    second = get(kind="lawyer", page="2")
    assert chosen_people(second) and not chosen_people(second) & chosen_people(html)


def test_the_public_center_is_the_only_one_or_the_one_named(world, settings) -> None:
    other = Center.objects.create(code="hechuan", name="合川区法律援助中心", notice_prefix="合")
    # Two centers and none named: no roster rather than the wrong one.
    assert Client().get("/lawyers/").status_code == 404
    settings.FAYUAN_PUBLIC_CENTER = "beibei"
    assert "L013" in get(locality="柳荫镇")
    settings.FAYUAN_PUBLIC_CENTER = "hechuan"
    place = Locality.objects.create(center=other, name="钓鱼城街道")
    firm = Institution.objects.create(
        center=other, code="H01", name="合川律所", kind="law_firm", locality=place, sequence=1
    )
    Practitioner.objects.create(
        center=other,
        institution=firm,
        code="H001",
        name="合川律师",
        kind="lawyer",
        licensed_on=date(2015, 1, 1),
    )
    assert chosen_people(get()) == {"H001"}


def _grow_roster(center: Center, institutions: int, each: int) -> None:
    place = Locality.objects.get(center=center, name="天生街道")
    top = Institution.objects.filter(center=center).order_by("-sequence").first()
    start = (top.sequence if top else 0) + 1
    first = Institution.objects.filter(center=center, code__startswith="X").count()
    firms = Institution.objects.bulk_create(
        Institution(
            center=center,
            code=f"X{first + n:03d}",
            name=f"扩充律师事务所{first + n}",
            kind="law_firm",
            locality=place,
            sequence=start + n,
            phone="023-60000000",
        )
        for n in range(institutions)
    )
    Practitioner.objects.bulk_create(
        Practitioner(
            center=center,
            institution=firm,
            code=f"{firm.code}{k:02d}",
            name=f"律师{firm.code}{k}",
            kind="lawyer",
            licensed_on=date(2010, 1, 1),
            specialties=["劳动争议", "婚姻家庭"],
            minors_qualified=k == 0,
        )
        for firm in firms
        for k in range(each)
    )


def _queries(**params: str) -> int:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/lawyers/", params).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"show": "places"},
        {"specialty": "劳动争议", "years": "3", "minors": "on", "kind": "lawyer"},
        {"show": "places", "specialty": "劳动争议", "locality": "天生街道", "page": "2"},
    ],
)
def test_query_count_does_not_grow_with_the_roster(world, params) -> None:
    _grow_roster(world.center, institutions=30, each=4)
    district = _queries(**params)
    _grow_roster(world.center, institutions=120, each=10)
    large = _queries(**params)
    assert large == district, (district, large)
    assert large <= 7
