"""第九条 ranking: the pruned scan picks exactly the institution that the full, recorded score
table puts first (SPEC §9: every decision records each candidate's score parts)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policy_builders import Run, case, firm, lawyer, office, worker

SPECIALTIES = ["劳动争议", "婚姻家庭", "交通事故"]
LOCALITIES = ["天生街道", "北温泉街道", "静观镇"]

institution_spec = st.tuples(
    st.booleans(),  # law firm or office
    st.sampled_from(LOCALITIES),
    st.lists(
        st.tuples(
            st.integers(50, 100),  # quality
            st.lists(st.sampled_from(SPECIALTIES), max_size=2, unique=True),
        ),
        min_size=1,
        max_size=4,
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    institutions=st.lists(institution_spec, min_size=1, max_size=8),
    cases=st.lists(
        st.tuples(
            st.sampled_from([None, *SPECIALTIES]),
            st.sampled_from(LOCALITIES),
            st.sampled_from([1, 1, 1, 10]),  # persons: now and then a group case
        ),
        min_size=1,
        max_size=25,
    ),
    conflict_every=st.integers(2, 7),
)
def test_winner_is_the_first_of_the_recorded_scores(institutions, cases, conflict_every) -> None:
    insts, people = [], []
    for n, (is_firm, locality, members) in enumerate(institutions, 1):
        iid = f"I{n}"
        insts.append((firm if is_firm else office)(iid, n, locality))
        make = lawyer if is_firm else worker
        for m, (quality, specialties) in enumerate(members, 1):
            people.append(make(f"{iid}-P{m}", iid, quality=quality, specialties=specialties))
    run = Run.of(insts, people)
    for k, (specialty, locality, persons) in enumerate(cases):
        conflicts = [f"I{k % len(insts) + 1}"] if k % conflict_every == 0 else []
        decision = run.assign(
            case(
                f"C{k}",
                specialty=specialty,
                locality=locality,
                aided_persons=persons,
                conflict_institutions=conflicts,
            )
        )
        scores = decision.scores
        if decision.institution is None:
            assert scores == ()
            continue
        assert scores[0].institution == decision.institution
        ranked = {s.institution for s in scores} | {c.institution for c in decision.ineligible}
        assert ranked == {i.id for i in insts}
