"""案卷评查 (第十三条：区司法局应当定期采取案卷评查…方式…进行监督检查): the stratified sample and
its seed, who may review (not from the case's institution, not recused, took no part: 第八条),
the checklist of the policy with its pass mark and grade bands, and the second review of a
failed file."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import count

import pytest
from django.contrib.auth.models import User

from fayuan.accounts.models import DeclaredPerson, Role
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case, CaseStatus, Party
from fayuan.errors import ActionError
from fayuan.policy.params import load_policy
from fayuan.roster.models import Institution, Locality, Practitioner
from fayuan.supervision import actions
from fayuan.supervision.models import FileReview, ReviewRound, ReviewStatus
from fayuan.supervision.sampling import stratified_sample
from fayuan.workflow.models import Assignment, Handler

from .conftest import make_user

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
CLOSED = datetime(2026, 10, 20, 10, 0, tzinfo=CST)
PERIOD = (date(2026, 10, 1), date(2026, 10, 31))
_seq = count(1)


def closed_case(world, institution: str, category: str = "civil", handler: str = "") -> Case:
    """A closed case held by `institution` (rows made directly: the workflow that closes a case
    is tested in test_workflow_handlers)."""
    n = next(_seq)
    center = world.center
    case = Case.objects.create(
        center=center,
        number=f"REVIEW-{n}",
        category=category,
        status=CaseStatus.closed,
        locality=Locality.objects.get(center=center, name="天生街道"),
        institution=Institution.objects.get(center=center, code=institution),
        started_at=CLOSED - timedelta(days=40),
        closed_at=CLOSED,
        outcome="调解结案",
    )
    Party.objects.create(case=case, role="aided", is_applicant=True, name=f"受援人{n}")
    assignment = Assignment.objects.create(
        case=case,
        institution=case.institution,
        rule="ranking",
        notice_year=2026,
        notice_seq=n,
        notice_number=f"北碚法援指〔2026〕第{n:04d}号",
        issued_by=world.user("officer"),
        issued_at=CLOSED - timedelta(days=39),
        due_at=CLOSED - timedelta(days=38),
    )
    if handler:
        Handler.objects.create(
            case=case,
            assignment=assignment,
            practitioner=Practitioner.objects.get(center=center, code=handler),
            named_by=world.user("institution_admin"),
            named_at=CLOSED - timedelta(days=39),
        )
    return case


def reviewer(world, name: str, **profile) -> User:
    return make_user(world.center, name, Role.supervisor, **profile)


def draw(world, seed: int) -> ReviewRound:
    return actions.do_draw_file_review(world.center, world.user("bureau_section"), *PERIOD, seed)


@pytest.fixture
def population(world) -> list[Case]:
    """24 closed cases in 4 strata of different sizes (civil×F04: 12, civil×F07: 6,
    labor×F04: 5, criminal×F07: 1), and one case closed outside the period."""
    rows = [closed_case(world, "F04") for _ in range(12)]
    rows += [closed_case(world, "F07") for _ in range(6)]
    rows += [closed_case(world, "F04", "labor") for _ in range(5)]
    rows += [closed_case(world, "F07", "criminal")]
    late = closed_case(world, "F04")
    Case.objects.filter(pk=late.pk).update(closed_at=datetime(2026, 11, 1, 0, 0, tzinfo=CST))
    return rows


# ------------------------------------------------------------- the sample


def test_art13_same_seed_draws_the_same_sample_and_records_it(world, population) -> None:
    first = draw(world, 20261101)
    second = draw(world, 20261101)
    assert first.case_ids == second.case_ids
    assert first.seed == 20261101 and first.population == 24
    assert first.share == 0.1 and first.policy == "beibei-2023"
    # Anyone can draw it again from the recorded rows and seed.
    rows = [(c.pk, (c.category, c.institution_id)) for c in population]
    assert stratified_sample(rows, 0.1, 20261101) == first.case_ids
    event = AuditEvent.objects.filter(action="review.draw").last()
    assert event is not None and event.data["seed"] == 20261101


def test_art13_a_different_seed_draws_a_different_sample(world, population) -> None:
    assert draw(world, 1).case_ids != draw(world, 2).case_ids


def test_art13_every_non_empty_stratum_is_represented_with_its_share(world, population) -> None:
    drawn = Case.objects.filter(pk__in=draw(world, 7).case_ids)
    per_stratum: dict[tuple[str, str], int] = {}
    for case in drawn.select_related("institution"):
        key = (case.category, case.institution.code)
        per_stratum[key] = per_stratum.get(key, 0) + 1
    # ceil(10% × size), at least one: 12 → 2, 6 → 1, 5 → 1, 1 → 1.
    assert per_stratum == {
        ("civil", "F04"): 2,
        ("civil", "F07"): 1,
        ("labor", "F04"): 1,
        ("criminal", "F07"): 1,
    }
    assert all(c.closed_at < datetime(2026, 11, 1, tzinfo=CST) for c in drawn)


def test_art13_only_the_bureau_draws_and_an_empty_period_is_refused(world) -> None:
    with pytest.raises(ActionError) as refused:
        actions.do_draw_file_review(world.center, world.user("supervisor"), *PERIOD, 1)
    assert refused.value.kind == "forbidden"
    with pytest.raises(ActionError) as empty:
        draw(world, 1)
    assert empty.value.kind == "conflict"
    assert not ReviewRound.objects.exists()


# ------------------------------------------------------------- who may review


def test_art13_reviewer_from_the_case_institution_is_excluded(world) -> None:
    case = closed_case(world, "F04", handler="L013")
    f04 = Institution.objects.get(center=world.center, code="F04")
    own = reviewer(world, "sup-f04", institution=f04)
    assert "承办本案的机构" in actions.reviewer_refusal(case, own)
    other = reviewer(world, "sup-f07", institution=Institution.objects.get(code="F07"))
    assert actions.reviewer_refusal(case, other) == ""


def test_art08_reviewer_who_declared_a_relative_among_the_parties_is_excluded(world) -> None:
    case = closed_case(world, "F04")
    person = reviewer(world, "sup-relative")
    assert actions.reviewer_refusal(case, person) == ""
    DeclaredPerson.objects.create(
        user=person, kind=DeclaredPerson.Kind.relative, name=case.parties.get().name
    )
    why = actions.reviewer_refusal(case, person)
    assert "近亲属" in why and "第八条" in why
    drawn = ReviewRound.objects.create(
        center=world.center,
        period_start=PERIOD[0],
        period_end=PERIOD[1],
        seed=1,
        share=0.1,
        policy="beibei-2023",
        policy_since=date(2023, 4, 10),
        case_ids=[case.pk],
        population=1,
        drawn_by=world.user("bureau_section"),
        drawn_at=CLOSED,
    )
    with pytest.raises(ActionError) as refused:
        actions.do_assign_reviewer(drawn, case, world.user("bureau_section"), person)
    assert refused.value.field == "reviewer"
    assert not FileReview.objects.exists()


def test_art13_reviewer_who_handled_the_case_is_excluded(world) -> None:
    """Handled it: a handler of the case (here L001 of F01, named before the case moved to F07),
    or staff who acted on its assignment (issued the notice)."""
    case = closed_case(world, "F07")
    Handler.objects.create(
        case=case,
        assignment=case.assignments.get(),
        practitioner=Practitioner.objects.get(center=world.center, code="L001"),
        named_by=world.user("institution_admin"),
        named_at=CLOSED - timedelta(days=30),
        active=False,
    )
    handled = reviewer(world, "sup-l001", practitioner=Practitioner.objects.get(code="L001"))
    assert actions.reviewer_refusal(case, handled) == "评查人办理过本案，不得评查本案。"
    issuer = reviewer(world, "sup-issuer")
    assert actions.reviewer_refusal(case, issuer) == ""
    Assignment.objects.filter(case=case).update(issued_by=issuer)
    assert actions.reviewer_refusal(case, issuer) == "评查人办理过本案，不得评查本案。"
    # A supervisor practising at an institution that never held the case may review it.
    elsewhere = reviewer(world, "sup-l003", practitioner=Practitioner.objects.get(code="L003"))
    assert actions.reviewer_refusal(case, elsewhere) == ""
    # Not a supervisor: no reviewer at all.
    assert actions.reviewer_refusal(case, world.user("officer")) == "评查人须为监督人员。"


# ------------------------------------------------------------- the checklist and grades


def full_marks(values, minus: float = 0.0) -> dict[str, float]:
    """Every item at its weight, the last item lowered by `minus`."""
    points = {item: weight for item, weight in values.review_checklist}
    last = values.review_checklist[-1][0]
    points[last] -= minus
    return points


@pytest.mark.parametrize(
    ("policy", "on", "expected"),
    [
        # Beibei: 优秀 ≥ 90, 良好 ≥ 75, 合格 ≥ 60 (“以上”包括本数).
        ("beibei-2023", date(2026, 10, 1), [(90, "优秀"), (89.5, "良好"), (75, "良好"),
                                            (74.5, "合格"), (60, "合格"), (59.5, "不合格")]),
        # Lianhua (fictional): 优秀 ≥ 95, 良好 ≥ 85, 合格 ≥ 70.
        ("demo-lianhua-2025", date(2026, 10, 1), [(95, "优秀"), (94.5, "良好"), (85, "良好"),
                                                  (84.5, "合格"), (70, "合格"), (69.5, "不合格")]),
    ],
)  # fmt: skip
def test_art13_grade_bands_on_both_sides_of_each_threshold(policy, on, expected) -> None:
    values = load_policy(policy).supervision_on(on)
    assert sum(w for _, w in values.review_checklist) == 100
    for total, grade in expected:
        assert values.grade(total) == grade, total
        # Through the checklist too: full marks less the difference on the last item (or
        # spread when the last item is too small).
        points = {item: 0.0 for item, _ in values.review_checklist}
        left = float(total)
        for item, weight in values.review_checklist:
            points[item] = min(weight, left)
            left -= points[item]
        assert actions.score(values, points).grade == grade


def test_art13_checklist_weights_come_from_the_policy(world) -> None:
    beibei = load_policy("beibei-2023").supervision_on(date(2026, 10, 1))
    lianhua = load_policy("demo-lianhua-2025").supervision_on(date(2026, 10, 1))
    assert dict(beibei.review_checklist)["法律意见与辩护（代理）质量"] == 30
    assert beibei.review_pass_mark == 60 and lianhua.review_pass_mark == 70
    assert beibei.review_checklist != lianhua.review_checklist
    first_item, weight = beibei.review_checklist[0]
    with pytest.raises(ActionError) as over:
        actions.score(beibei, {**full_marks(beibei), first_item: weight + 1})
    assert over.value.field == "item_0"
    with pytest.raises(ActionError) as missing:
        actions.score(beibei, {first_item: weight})
    assert missing.value.field == "item_1"


# ------------------------------------------------------------- scoring and the second review


def test_art13_a_failed_file_gets_a_second_review_by_another_reviewer(world) -> None:
    case = closed_case(world, "F04", handler="L013")
    f07 = Institution.objects.get(center=world.center, code="F07")
    first, second = reviewer(world, "sup-a", institution=f07), reviewer(world, "sup-b")
    drawn = draw(world, 3)
    assert drawn.case_ids == [case.pk]
    section = world.user("bureau_section")
    review = actions.do_assign_reviewer(drawn, case, section, first)
    values = actions.values_for(world.center)

    with pytest.raises(ActionError) as not_named:
        actions.do_score_file_review(review, second, full_marks(values), "")
    assert not_named.value.kind == "forbidden"
    with pytest.raises(ActionError) as no_reason:
        actions.do_score_file_review(review, first, full_marks(values, 10) | _low(values), "")
    assert no_reason.value.field == "comments"

    scored = actions.do_score_file_review(
        review, first, full_marks(values, 10) | _low(values), "未按时归档，沟通记录缺失"
    )
    assert scored.status == ReviewStatus.scored and scored.grade == "不合格"
    assert scored.total is not None and scored.total < values.review_pass_mark

    with pytest.raises(ActionError) as same:
        actions.do_assign_second_review(scored, section, first)
    assert same.value.field == "reviewer"
    again = actions.do_assign_second_review(scored, section, second)
    assert again.second_of == scored and again.reviewer == second
    final = actions.do_score_file_review(again, second, full_marks(values), "复评：材料已补正")
    assert final.grade == "优秀"
    assert actions.final_review(case) == final
    events = AuditEvent.objects.filter(case_id_ref=case.pk).exclude(action="quality.update")
    assert list(events.values_list("action", flat=True))[-4:] == [
        "review.assign",
        "review.score",
        "review.assign_second",
        "review.score",
    ]


def test_art13_a_passed_file_has_no_second_review(world) -> None:
    case = closed_case(world, "F04")
    drawn = draw(world, 3)
    section = world.user("bureau_section")
    review = actions.do_assign_reviewer(drawn, case, section, reviewer(world, "sup-c"))
    values = actions.values_for(world.center)
    scored = actions.do_score_file_review(review, review.reviewer, full_marks(values), "")
    with pytest.raises(ActionError) as refused:
        actions.do_assign_second_review(scored, section, reviewer(world, "sup-d"))
    assert refused.value.kind == "conflict"


def _low(values) -> dict[str, float]:
    """The first three items at zero: a total under every district's pass mark here."""
    return {item: 0.0 for item, _ in values.review_checklist[:3]}


def test_art13_the_pages_draw_name_a_reviewer_score_and_show_the_result(world) -> None:
    from django.test import Client

    case = closed_case(world, "F04", handler="L013")
    person = reviewer(world, "sup-page")
    bureau = Client()
    bureau.force_login(world.user("bureau_section"))
    assert "抽取案卷" in bureau.get("/quality/reviews/").content.decode()
    drawn = bureau.post(
        "/quality/reviews/", {"period_start": "2026-10-01", "period_end": "2026-10-31", "seed": 5}
    )
    assert drawn.status_code == 302
    batch = ReviewRound.objects.get()
    assert batch.seed == 5 and batch.case_ids == [case.pk]
    named = bureau.post(f"/quality/reviews/{batch.pk}/", {"case": case.pk, "reviewer": person.pk})
    assert named.status_code == 302, named.content.decode()
    review = FileReview.objects.get()

    client = Client()
    client.force_login(person)
    page = client.get(f"/quality/review/{review.pk}/").content.decode()
    assert "法律意见与辩护（代理）质量（满分 30）" in page and "优秀：90 分以上" in page
    data = {"item_0": 20, "item_1": 18, "item_2": 20, "item_3": 25, "item_4": 5, "comments": ""}
    over = client.post(f"/quality/review/{review.pk}/", {**data, "item_4": 11})
    assert over.status_code == 200 and FileReview.objects.get().status == ReviewStatus.assigned
    done = client.post(f"/quality/review/{review.pk}/", data)
    assert done.status_code == 302
    shown = client.get(f"/quality/review/{review.pk}/").content.decode()
    assert "88 分，良好" in shown and "88.0" not in shown
    quality = bureau.get(f"/quality/cases/{case.number}/").content.decode()
    assert "评查结果：88 分，良好" in quality
    listed = bureau.get("/quality/practitioners/").content.decode()
    assert "L013" in listed and f"{case.number} 88 分 良好" in listed
