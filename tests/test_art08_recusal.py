"""第八条：指派人员回避 — who decides, and the system's own flag of a likely relation."""

from __future__ import annotations

import pytest

from fayuan.policy.model import Party, PartyRole
from fayuan.policy.recusal import (
    Declaration,
    Person,
    RecusalDecider,
    StaffRole,
    recusal_decider,
    recusal_grounds,
)


@pytest.mark.parametrize(
    ("role", "decider"),
    [
        (StaffRole.officer, RecusalDecider.aid_center),
        (StaffRole.director, RecusalDecider.pls_section),
        (StaffRole.section_head, RecusalDecider.bureau),
    ],
)
def test_recusal_is_decided_by_the_body_above_the_person(role, decider) -> None:
    assert recusal_decider(role) is decider


APPLICANT = Party(PartyRole.aided, "王小明", "500109198809276835")
OPPONENT = Party(PartyRole.opposing, "李四")


def test_officer_who_is_the_applicant_is_flagged() -> None:
    me = Declaration(Person("王小明", "500109198809276835"))
    assert recusal_grounds(me, [APPLICANT]) == ["本人即本案当事人 王小明"]


def test_same_name_but_different_id_number_is_not_the_same_person() -> None:
    me = Declaration(Person("王小明", "50010919900101001X"))
    assert recusal_grounds(me, [APPLICANT]) == []


def test_declared_close_relative_among_the_parties_is_flagged() -> None:
    me = Declaration(Person("张三"), relatives=(Person("王小明"),))
    assert recusal_grounds(me, [APPLICANT, OPPONENT]) == ["申报的近亲属 王小明 是本案当事人"]


def test_declared_interest_with_the_opposing_party_is_flagged() -> None:
    me = Declaration(Person("张三"), interests=(Person("李四"),))
    assert recusal_grounds(me, [APPLICANT, OPPONENT]) == ["与本案当事人 李四 有申报的利害关系"]


def test_unrelated_officer_is_not_flagged() -> None:
    me = Declaration(Person("张三"), relatives=(Person("赵五"),))
    assert recusal_grounds(me, [APPLICANT, OPPONENT]) == []
