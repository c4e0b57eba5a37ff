"""The 第九条 quality score pages (/quality/scores/…): the list with each score, its date, its
records and its computation, the low ones flagged; a subject's page with the parts, every
record behind the score, the history, the advice notices and the suspensions; who may see what
(an institution only its own); no aided person's data; the director's forms (advice,
suspension with a reason) and the institution's confirmation."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from fayuan.accounts.models import Role
from fayuan.cases.models import Party
from fayuan.roster.models import (
    Institution,
    InstitutionStatus,
    InstitutionStatusChange,
    Practitioner,
    PractitionerStatus,
)
from fayuan.supervision import actions
from fayuan.supervision.models import QualityAdvice

from .conftest import make_user
from .test_file_review import closed_case

pytestmark = pytest.mark.django_db

FLAG = "低于 60 分，应提出指派建议"


def login(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def low_l013(world: Any) -> list[str]:
    """Three reached visits of 2 分 on cases L013 closed: 40 points; the case numbers."""
    numbers = []
    for _ in range(3):
        case = closed_case(world, "F04", handler="L013")
        actions.do_record_visit_attempt(
            case, world.user("supervisor"), "phone", "reached", satisfaction=2
        )
        numbers.append(case.number)
    return numbers


def test_the_list_shows_each_score_its_date_records_and_computation(world) -> None:
    low_l013(world)
    page = login(world, "director").get("/quality/scores/")
    assert page.status_code == 200
    html = page.content.decode()
    text = text_of(html)
    assert "/quality/scores/practitioner/L013/" in html
    assert "(30×40.0) ÷ 30 = 40.0；案卷评查、办案机关评价无记录，不计" in text
    assert FLAG in text
    l014 = Practitioner.objects.get(center=world.center, code="L014")
    assert f"名册录入 {l014.quality:g}" in text  # no record: the roster entry stands
    # The Excel export has the same rows.
    book = load_workbook(
        io.BytesIO(login(world, "director").get("/quality/scores/?export=xlsx").content)
    )
    rows = [[c.value for c in r] for r in book.active.iter_rows()]
    assert rows[0][:4] == ["承办人", "承办机构", "状态", "质量评分"]
    l013_row = next(r for r in rows if r[0] and "L013" in r[0])
    assert l013_row[3] == "40.0" and l013_row[-1] == FLAG
    # The institutions' tab.
    places = text_of(
        login(world, "director").get("/quality/scores/?of=institutions").content.decode()
    )
    assert (
        "F04" in places
        and FLAG in places
        and "/quality/scores/institution/F04/"
        in (login(world, "director").get("/quality/scores/?of=institutions").content.decode())
    )


def test_the_practitioner_page_shows_the_computation_and_every_record(world) -> None:
    numbers = low_l013(world)
    html = login(world, "officer").get("/quality/scores/practitioner/L013/").content.decode()
    text = text_of(html)
    assert FLAG in text
    # The parts: source, weight, records, mean.
    assert "回访满意度 30 3 40.0" in text
    assert "案卷评查 50 0 无记录，不计" in text
    assert "(30×40.0) ÷ 30 = 40.0" in text
    # Every record: date, source, case number linking to its supervision page, raw, points.
    for number in numbers:
        assert f'href="/quality/cases/{number}/"' in html
    assert text.count("回访满意度 REVIEW-") == 3 and "2 分 40" in text
    # The history: three assessments, one per visit, with their trigger.
    assert text.count("回访受援人") == 3
    # No aided person's name on the page.
    for name in Party.objects.values_list("name", flat=True):
        assert name not in html


def test_who_may_see_the_pages(world) -> None:
    low_l013(world)
    urls = (
        "/quality/scores/",
        "/quality/scores/practitioner/L013/",
        "/quality/scores/institution/F04/",
    )
    for role in ("officer", "director", "bureau_section", "bureau_leader", "supervisor"):
        for url in urls:
            assert login(world, role).get(url).status_code == 200, (role, url)
    for role in ("practitioner", "judicial_organ"):
        for url in urls:
            assert login(world, role).get(url).status_code == 403, (role, url)
    # An institution sees its own institution and practitioners, and only them.
    own = login(world, "institution_admin")
    for url in urls:
        assert own.get(url).status_code == 200, url
    listed = own.get("/quality/scores/").content.decode()
    assert "L013" in listed and "L024" not in listed
    assert own.get("/quality/scores/practitioner/L024/").status_code == 404
    assert own.get("/quality/scores/institution/F07/").status_code == 404
    f07 = Institution.objects.get(center=world.center, code="F07")
    other = Client()
    other.force_login(make_user(world.center, "f07admin", Role.institution_admin, institution=f07))
    assert other.get("/quality/scores/practitioner/L013/").status_code == 404
    assert other.get("/quality/scores/institution/F04/").status_code == 404
    assert "L013" not in other.get("/quality/scores/").content.decode()
    # Nobody but the director is offered the forms.
    assert "提出指派建议</button>" not in own.get(urls[1]).content.decode()
    assert "暂停指派</button>" not in login(world, "officer").get(urls[1]).content.decode()


def test_the_menus_and_the_review_results_link_to_the_scores(world) -> None:
    for role in ("officer", "director", "bureau_section", "bureau_leader", "supervisor"):
        html = login(world, role).get("/").content.decode()
        assert 'href="/quality/scores/">质量评分' in html, role
    assert (
        'href="/quality/scores/">质量评分'
        in login(world, "institution_admin").get("/").content.decode()
    )
    assert "质量评分" not in login(world, "practitioner").get("/").content.decode()


def test_the_director_issues_advice_and_the_institution_confirms_on_the_pages(world) -> None:
    low_l013(world)
    url = "/quality/scores/practitioner/L013/"
    director = login(world, "director")
    form = director.get(url).content.decode()
    assert "提出指派建议</button>" in form and "第九条" in form
    # An empty text is refused beside the field; nothing written.
    refused = director.post(url, {"form": "advice", "advice-text": ""})
    assert refused.status_code == 200 and "has-error" in refused.content.decode()
    assert not QualityAdvice.objects.exists()
    done = director.post(
        url, {"form": "advice", "advice-text": "建议安排其他承办人。"}, follow=True
    )
    assert "已向" in done.content.decode() and "提出指派建议。" in done.content.decode()
    made = QualityAdvice.objects.get()
    assert made.text == "建议安排其他承办人。"
    page = text_of(director.get(url).content.decode())
    assert "待确认" in page and "已就此评分提出指派建议" in page
    # The same score again: no form, a POST refused.
    assert director.post(url, {"form": "advice", "advice-text": "再次"}).status_code == 403

    own = login(world, "institution_admin")
    html = own.get("/quality/scores/institution/F04/").content.decode()
    assert "确认收到</button>" in html and "建议安排其他承办人。" in html
    own.post(
        "/quality/scores/institution/F04/",
        {"form": "ack", "ack-advice": str(made.pk), "ack-reply": "已调整"},
    )
    made.refresh_from_db()
    assert made.acknowledged_at is not None and made.reply == "已调整"
    assert "回复：已调整" in director.get(url).content.decode()


def test_no_advice_form_when_the_score_is_not_low(world) -> None:
    case = closed_case(world, "F04", handler="L013")
    actions.do_record_visit_attempt(
        case, world.user("supervisor"), "phone", "reached", satisfaction=5
    )
    url = "/quality/scores/practitioner/L013/"
    director = login(world, "director")
    html = director.get(url).content.decode()
    assert "提出指派建议</button>" not in html and "尚不足以提出指派建议" in html
    assert director.post(url, {"form": "advice", "advice-text": "建议"}).status_code == 403


def test_the_director_suspends_with_a_reason_on_the_pages(world) -> None:
    url = "/quality/scores/practitioner/L013/"
    director = login(world, "director")
    refused = director.post(url, {"form": "status", "status-reason": ""})
    assert refused.status_code == 200 and "has-error" in refused.content.decode()
    l013 = Practitioner.objects.get(center=world.center, code="L013")
    assert l013.status == PractitionerStatus.active
    assert (
        login(world, "officer").post(url, {"form": "status", "status-reason": "x"}).status_code
        == 403
    )
    director.post(url, {"form": "status", "status-reason": "质量评分低于 60 分"})
    l013.refresh_from_db()
    assert l013.status == PractitionerStatus.suspended
    page = text_of(director.get(url).content.decode())
    assert "暂停指派 质量评分低于 60 分" in page and "恢复指派" in page

    # An institution, through do_set_institution_status (SPEC §8).
    place = "/quality/scores/institution/F04/"
    refused = director.post(place, {"form": "status", "status-reason": " "})
    assert "has-error" in refused.content.decode()
    director.post(place, {"form": "status", "status-reason": "多名承办人评分偏低"})
    f04 = Institution.objects.get(center=world.center, code="F04")
    assert f04.status == InstitutionStatus.suspended
    change = InstitutionStatusChange.objects.get(institution=f04)
    assert change.reason == "多名承办人评分偏低" and change.by == world.user("director")
    director.post(place, {"form": "status", "status-reason": "整改完成"})
    f04.refresh_from_db()
    assert f04.status == InstitutionStatus.active


@pytest.mark.parametrize("key", ["²", "١", "x", "", "99999999999999999999"])
def test_an_odd_advice_key_is_refused_not_a_crash(world, key: str) -> None:
    low_l013(world)
    own = login(world, "institution_admin")
    response = own.post(
        "/quality/scores/institution/F04/", {"form": "ack", "ack-advice": key, "ack-reply": ""}
    )
    assert response.status_code == 403


def test_the_roster_page_shows_the_score_the_rules_use(world) -> None:
    low_l013(world)
    page = text_of(login(world, "director").get("/roster/?q=L013").content.decode())
    assert "40（" in page and "计算）" in page
    assert "（名册录入）" in text_of(login(world, "director").get("/roster/").content.decode())
