"""The explanation an officer signs (第四条 公开公正、程序规范), for a dozen representative
decisions, against a golden file read by hand once: `tests/golden/explanations.txt`.

Regenerate after an intended change with
`FAYUAN_UPDATE_GOLDEN=1 pytest tests/test_explanation_golden.py` and read the diff before
committing it. Besides the golden text, each scenario checks the facts that must hold whatever
the wording (the limit is the decision's own, a line cites only the decision's articles, ties
are said to be lost on the published order).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from fayuan.policy.decision import Decision
from fayuan.policy.explain import explain_decision
from fayuan.workdays import WorkdayCalendar
from policy_builders import (
    Run,
    aided,
    case,
    criminal,
    firm,
    lawyer,
    lawyers,
    office,
    opposing,
    worker,
)

GOLDEN = Path(__file__).parent / "golden" / "explanations.txt"
_ARTICLE = re.compile(r"第[一二三四五六七八九十]+条")


def _district() -> Run:
    """Three firms with 2, 2 and 3 lawyers; one grassroots office."""
    return Run.of(
        [
            firm("F1", 1, name="甲律师事务所"),
            firm("F2", 2, name="乙律师事务所"),
            firm("F3", 3, "北温泉街道", name="丙律师事务所"),
            office("G1", 4, name="丁法律服务所"),
        ],
        [
            *lawyers("F1", 2),
            *lawyers("F2", 2),
            *lawyers("F3", 3),
            worker("W1", "G1"),
            worker("W2", "G1"),
        ],
    )


def rotation_tie_on_sequence() -> tuple[Run, Decision]:
    run = _district()
    run.assign(criminal("C0", "2024-06-03T09:00:00+08:00"))  # F3 (weight 3) first
    return run, run.assign(criminal("C1", "2024-06-03T11:00:00+08:00"))


def serious_criminal_firm_skipped() -> tuple[Run, Decision]:
    run = Run.of(
        [firm("F1", 1, name="甲律师事务所"), firm("F2", 2, name="乙律师事务所")],
        [
            lawyer("F1-L1", "F1", licensed_on="2022-09-01", cases=30),
            lawyer("F1-L2", "F1", cases=4),
            *lawyers("F2", 1),
        ],
    )
    return run, run.assign(criminal("C1", social_impact=True, life_sentence_possible=True))


def minor_firm_skipped() -> tuple[Run, Decision]:
    run = Run.of(
        [firm("F1", 1, name="甲律师事务所"), firm("F2", 2, name="乙律师事务所")],
        [*lawyers("F1", 2), replace(lawyer("F2-L1", "F2"), minors_qualified=True)],
    )
    return run, run.assign(criminal("C1", minor=True))


def criminal_by_choice() -> tuple[Run, Decision]:
    run = _district()
    return run, run.assign(criminal("C1", chosen_practitioner="F1-L2"))


def chosen_lawyer_declined_with_shortfall() -> tuple[Run, Decision]:
    run = Run.of(
        [firm("F1", 1, name="甲律师事务所"), firm("F2", 2, name="乙律师事务所")],
        [*lawyers("F1", 2), lawyer("F2-L1", "F2", cases=7, name="钱律师")],
    )
    return run, run.assign(criminal("C1", major_difficult=True, chosen_practitioner="F2-L1"))


def civil_ranking_statute_caps_and_tie() -> tuple[Run, Decision]:
    # Friday 2024-06-07: local 06-11..06-13 (端午 06-10); statutory 06-10 → 06-11 governs.
    run = Run.of(
        [office("G1", 1, name="甲法律服务所"), office("G2", 2, name="乙法律服务所")],
        [worker("W1", "G1"), worker("W2", "G2")],
    )
    return run, run.assign(case("C1", "civil", "2024-06-07T16:00:00+08:00"))


def group_case_bureau_short_of_recommendation() -> tuple[Run, Decision]:
    run = Run.of(
        [office("G1", 1, name="甲法律服务所")],
        [worker("W1", "G1"), worker("W2", "G1")],
    )
    return run, run.assign(case("C1", aided_persons=55, specialty="劳动争议"))


def helping_institution() -> tuple[Run, Decision]:
    run = _district()
    return run, run.assign(case("C1", "labor_arbitration", helped_by_institution="G1"))


def criminal_unassignable() -> tuple[Run, Decision]:
    run = Run.of(
        [firm("F1", 1, name="甲律师事务所"), office("G1", 2, name="乙法律服务所")],
        [lawyer("F1-L1", "F1", licensed_on="2023-01-01"), worker("W1", "G1")],
    )
    return run, run.assign(criminal("C1", life_sentence_possible=True))


def criminal_change_same_firm() -> tuple[Run, Decision]:
    run = _district()
    run.assign(criminal("C1", parties=[aided("赵某"), opposing("钱某")]))
    return run, run.change("C1", "2024-06-05T10:00:00+08:00")


def third_change_bureau_approved() -> tuple[Run, Decision]:
    run = _district()
    run.assign(case("C1", "civil"))
    run.change("C1", "2024-06-04T10:00:00+08:00", mode="other_institution")
    run.change("C1", "2024-06-05T10:00:00+08:00", mode="other_institution")
    return run, run.change(
        "C1", "2024-06-06T10:00:00+08:00", mode="other_institution", bureau_approved=True
    )


def civil_make_up_saturday() -> tuple[Run, Decision]:
    # SPEC §5: started 2026-09-30 civil: local 10-08, 10-09, make-up Sat 10-10; statutory 10-08.
    run = _district()
    return run, run.assign(case("C1", "civil", "2026-09-30T10:00:00+08:00"))


def provisional_next_year() -> tuple[Run, Decision]:
    run = _district()
    run.calendar = WorkdayCalendar.default(provisional=True)
    return run, run.assign(criminal("C1", "2026-12-31T17:00:00+08:00"))


SCENARIOS: dict[str, Callable[[], tuple[Run, Decision]]] = {
    f.__name__: f
    for f in (
        rotation_tie_on_sequence,
        serious_criminal_firm_skipped,
        minor_firm_skipped,
        criminal_by_choice,
        chosen_lawyer_declined_with_shortfall,
        civil_ranking_statute_caps_and_tie,
        group_case_bureau_short_of_recommendation,
        helping_institution,
        criminal_unassignable,
        criminal_change_same_firm,
        third_change_bureau_approved,
        civil_make_up_saturday,
        provisional_next_year,
    )
}


def _render() -> str:
    parts = []
    for name, scenario in SCENARIOS.items():
        run, decision = scenario()
        parts.append(f"=== {name} ===\n{explain_decision(decision, run.state.roster)}\n")
    return "\n".join(parts)


def _explained(name: str) -> tuple[Decision, str]:
    run, decision = SCENARIOS[name]()
    return decision, explain_decision(decision, run.state.roster)


def test_explanations_match_the_golden_file_read_by_hand() -> None:
    text = _render()
    if os.environ.get("FAYUAN_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_line_cites_only_the_decisions_own_articles_in_the_regulations_order(
    name: str,
) -> None:
    decision, text = _explained(name)
    order = list(decision.articles)
    for line in text.splitlines():
        prefix = line.split("：", 1)[0].split("、")
        if all(_ARTICLE.fullmatch(a) for a in prefix):
            assert all(a in order for a in prefix), (name, line)
            assert prefix == sorted(prefix, key=order.index), (name, line)
    assert text.splitlines()[-1] == f"引用条款：{'、'.join(decision.articles)}"


def test_a_criminal_change_within_the_firm_states_one_working_day_and_the_change_as_start() -> None:
    _, text = _explained("criminal_change_same_firm")
    assert "1 个工作日内指派" in text and "3 个工作日" not in text
    assert "自更换承办人之日 2024-06-05 起算" in text
    assert "由原承办机构" in text


def test_the_start_event_is_named_with_its_date() -> None:
    assert (
        "自收到通知辩护（通知代理）公函之日 2024-06-03 起算"
        in _explained("rotation_tie_on_sequence")[1]
    )
    assert (
        "自决定给予法律援助之日 2024-06-07 起算"
        in _explained("civil_ranking_statute_caps_and_tie")[1]
    )


def test_the_statutory_cap_is_said_to_govern_when_it_is_earlier() -> None:
    decision, text = _explained("civil_ranking_statute_caps_and_tie")
    assert decision.deadlines is not None and decision.deadlines.governs == "statutory"
    assert "法定期限早于本地期限，以法定期限为准" in text
    assert "2024-06-10（星期一）" in text and "顺延" in text


def test_a_make_up_working_day_is_marked() -> None:
    _, text = _explained("civil_make_up_saturday")
    assert "2026-10-10（星期六）为调休上班日" in text


def test_a_tie_is_said_to_be_lost_on_the_published_order_not_on_credit_or_score() -> None:
    _, rotation = _explained("rotation_tie_on_sequence")
    assert "积分与中选者相同，公布顺序号 2 在中选者（1）之后" in rotation
    _, ranking = _explained("civil_ranking_statute_caps_and_tie")
    assert "得分与中选者相同，公布顺序号 2 在中选者（1）之后" in ranking
    assert "得分低于中选者" not in ranking


def test_a_choice_in_a_criminal_case_does_not_describe_the_others_as_losing_on_credit() -> None:
    _, text = _explained("criminal_by_choice")
    assert "积分低于中选者" not in text
    assert "未参与比较" in text


def test_a_serious_case_names_its_grounds_and_the_policys_numbers() -> None:
    _, text = _explained("serious_criminal_firm_skipped")
    assert "本案具有一定社会影响、可能判处无期徒刑以上，须由执业满 3 年且刑事辩护 10 件以上" in text
    _, shortfall = _explained("chosen_lawyer_declined_with_shortfall")
    assert "钱律师（F2-L1）不能承办：刑事辩护 7 件，少于 10 件" in shortfall


def test_a_bureau_approved_third_change_is_no_collective_discussion() -> None:
    decision, text = _explained("third_change_bureau_approved")
    assert decision.route == "bureau"
    assert "须经区司法局书面批准" in text
    assert "集体讨论" not in text


def test_the_provisional_deadline_is_marked_as_such() -> None:
    decision, text = _explained("provisional_next_year")
    assert decision.deadlines is not None and decision.deadlines.provisional
    assert "【暂定】" in text
