"""第十一条 按序依次指派: properties of the smooth weighted round robin (SPEC §8), for any pool.

* With no conflicts, after any N cases every firm's wins are within 1 of N·w/W, checked exactly
  (fractions): the firm's credit is N·w − wins·W and smooth WRR keeps every credit within
  [−W, W]. The bound is reached: weights 1, 6, 6, 1, 1 (sequences 1, 4, 5, 2, 3) give the third
  firm 3 wins of its share 4 after 10 cases.
* A firm skipped for conflict keeps its credit (it gains its weight and pays nothing), so it is
  next to win once eligible again whenever it then has the highest credit; with equal weights it
  always does.
* The same input always gives the same output, and deciding does not change the state.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fayuan.policy.decision import Status
from fayuan.policy.params import Policy
from policy_builders import Run, case, criminal, firm, lawyers, policy_with

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def equal_policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    return policy_with(tmp_path_factory.mktemp("policy"), {"criminal_rotation.weight": '"equal"'})


@st.composite
def pools(draw: st.DrawFn, min_firms: int = 1, max_firms: int = 5) -> tuple[list[int], list[int]]:
    """Weights (active lawyers) and a published order (distinct sequences) for 1–5 firms."""
    weights = draw(st.lists(st.integers(1, 6), min_size=min_firms, max_size=max_firms))
    sequences = draw(st.permutations(list(range(1, len(weights) + 1))))
    return weights, list(sequences)


def _run(weights: list[int], sequences: list[int], policy: Policy | None = None) -> Run:
    institutions = [firm(f"F{i}", s) for i, s in enumerate(sequences)]
    practitioners = [p for i, w in enumerate(weights) for p in lawyers(f"F{i}", w)]
    if policy is None:
        return Run.of(institutions, practitioners)
    return Run.of(institutions, practitioners, policy=policy)


def _next_in_line(run: Run, weights: list[int], sequences: list[int]) -> str:
    """Who has the highest credit + weight now, ties to the lower sequence."""
    best = max(
        range(len(weights)),
        key=lambda i: (run.credit(f"F{i}") + weights[i], -sequences[i]),
    )
    return f"F{best}"


# --------------------------------------------------------------------------------- fair shares


@settings(max_examples=50, deadline=None)
@given(pool=pools(), n=st.integers(1, 36))
def test_every_firm_wins_within_one_of_its_weighted_share(
    pool: tuple[list[int], list[int]], n: int
) -> None:
    weights, sequences = pool
    run = _run(weights, sequences)
    total = sum(weights)
    wins = dict.fromkeys((f"F{i}" for i in range(len(weights))), 0)
    for k in range(1, n + 1):
        decision = run.assign(criminal(f"C{k}"))
        assert decision.status is Status.assigned
        assert decision.institution is not None
        wins[decision.institution] += 1
        for i, w in enumerate(weights):
            share = Fraction(k * w, total)
            assert abs(wins[f"F{i}"] - share) <= 1, (weights, sequences, k, wins)
            # The credit is exactly what the firm is owed: k·w − wins·W.
            assert run.credit(f"F{i}") == k * w - wins[f"F{i}"] * total
    assert sum(run.credits().values()) == 0


def test_the_bound_of_one_is_reached_and_not_exceeded() -> None:
    weights, sequences = [1, 6, 6, 1, 1], [1, 4, 5, 2, 3]
    run = _run(weights, sequences)
    won = [run.assign(criminal(f"C{k}")).institution for k in range(10)]
    assert won.count("F2") == 3  # share 10·6/15 = 4
    assert run.credit("F2") == sum(weights)


@FAST
@given(pool=pools())
def test_after_total_weight_cases_every_firm_has_won_exactly_its_weight(
    pool: tuple[list[int], list[int]],
) -> None:
    weights, sequences = pool
    run = _run(weights, sequences)
    won = [run.assign(criminal(f"C{k}")).institution for k in range(sum(weights))]
    assert [won.count(f"F{i}") for i in range(len(weights))] == weights
    assert set(run.credits().values()) == {0}


# --------------------------------------------------------------------------------- conflicts


@FAST
@given(pool=pools(min_firms=2), before=st.integers(0, 12), skipped=st.integers(1, 3))
def test_skipped_firm_keeps_its_credit_and_wins_next_when_it_has_the_highest(
    pool: tuple[list[int], list[int]], before: int, skipped: int
) -> None:
    weights, sequences = pool
    run = _run(weights, sequences)
    for k in range(before):
        run.assign(criminal(f"P{k}"))
    x = _next_in_line(run, weights, sequences)
    wx = weights[int(x[1:])]
    start = run.credit(x)
    for k in range(skipped):
        decision = run.assign(criminal(f"S{k}", conflict_institutions=[x]))
        assert decision.status is Status.assigned
        assert decision.institution != x
        assert run.credit(x) == start + (k + 1) * wx
    expected = _next_in_line(run, weights, sequences)
    winner = run.assign(criminal("N1")).institution
    assert winner == expected
    if expected == x:
        assert run.credit(x) == start + (skipped + 1) * wx - sum(weights)


@FAST
@given(pool=pools(min_firms=2), before=st.integers(0, 12), skipped=st.integers(1, 3))
def test_with_equal_weights_a_skipped_firm_is_always_next_to_win(
    equal_policy: Policy, pool: tuple[list[int], list[int]], before: int, skipped: int
) -> None:
    lawyers_per_firm, sequences = pool
    run = _run(lawyers_per_firm, sequences, equal_policy)
    ones = [1] * len(sequences)
    for k in range(before):
        run.assign(criminal(f"P{k}"))
    x = _next_in_line(run, ones, sequences)
    for k in range(skipped):
        assert run.assign(criminal(f"S{k}", conflict_institutions=[x])).institution != x
    assert run.assign(criminal("N1")).institution == x


# --------------------------------------------------------------------------------- determinism


@st.composite
def streams(
    draw: st.DrawFn,
) -> tuple[list[int], list[int], list[tuple[bool, list[int], int | None]]]:
    weights, sequences = draw(pools(max_firms=4))
    n = len(weights)
    events = draw(
        st.lists(
            st.tuples(
                st.booleans(),  # criminal?
                st.lists(st.integers(0, n - 1), max_size=n, unique=True),  # conflicts
                st.none() | st.integers(0, n - 1),  # chosen institution
            ),
            min_size=1,
            max_size=20,
        )
    )
    return weights, sequences, events


def _replay(
    weights: list[int], sequences: list[int], events: list[tuple[bool, list[int], int | None]]
) -> tuple[list[dict[str, object]], dict[str, int]]:
    run = _run(weights, sequences)
    out = []
    for k, (is_criminal, conflicts, chosen) in enumerate(events):
        c = (criminal if is_criminal else case)(
            f"C{k}",
            conflict_institutions=[f"F{i}" for i in conflicts],
            chosen_institution=None if chosen is None else f"F{chosen}",
        )
        first = run.decide(c)
        again = run.decide(c)
        assert first.to_json() == again.to_json()  # deciding changes nothing
        out.append(run.assign(c).to_json())
    return out, run.credits()


@FAST
@given(stream=streams())
def test_the_same_input_always_gives_the_same_output(
    stream: tuple[list[int], list[int], list[tuple[bool, list[int], int | None]]],
) -> None:
    weights, sequences, events = stream
    assert _replay(weights, sequences, events) == _replay(weights, sequences, events)
