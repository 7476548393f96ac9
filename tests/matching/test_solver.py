"""The solver against brute force: on small random cases with excluded and fixed pairs,
the optimum found by linear_sum_assignment equals (exactly, in integer hundredths) the
best of every injective assignment enumerated with itertools.permutations; a forbidden
pair is never chosen however much its alternatives lose; conflicting rules are refused."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from fupin.core.errors import InvalidInput
from fupin.matching.solver import solve

CASES = 30


def brute_force(
    grid: np.ndarray, excluded: set[tuple[int, int]], fixed: set[tuple[int, int]]
) -> tuple[int, int]:
    """(villages filled, total score) of the best assignment, by enumeration: for each
    number k of villages filled, every choice of k villages (itertools.combinations)
    and every ordered choice of k distinct candidates for them (itertools.permutations)
    is tried, i.e. every injective partial assignment."""
    n, m = grid.shape
    best = (0, 0) if not fixed else (-1, -1)
    for k in range(1, min(n, m) + 1):
        for rows in itertools.combinations(range(n), k):
            for cols in itertools.permutations(range(m), k):
                pairs = list(zip(rows, cols, strict=True))
                if any(p in excluded for p in pairs):
                    continue
                if not fixed.issubset(pairs):
                    continue
                best = max(best, (k, sum(int(grid[i, j]) for i, j in pairs)))
    return best


def random_case(rng: random.Random) -> tuple[np.ndarray, set, set]:
    n, m = rng.randint(1, 5), rng.randint(1, 6)
    if rng.random() < 0.3:  # a few at the largest size: 6 villages, 7 candidates
        n, m = 6, 7
    if rng.random() < 0.25:  # and some with more villages than candidates
        n, m = rng.randint(3, 6), rng.randint(1, 2)
    grid = np.array([[rng.choice([0, 0, 500, 1250, 3000, 4567, 9999]) + rng.randint(0, 99) for _ in range(m)] for _ in range(n)], np.int64)  # fmt: skip
    cells = [(i, j) for i in range(n) for j in range(m)]
    excluded = set(rng.sample(cells, k=rng.randint(0, max(0, len(cells) // 3))))
    fixed: set[tuple[int, int]] = set()
    for i, j in rng.sample(cells, k=min(len(cells), rng.randint(0, 2))):
        if (i, j) not in excluded and all(a != i and b != j for a, b in fixed):
            fixed.add((i, j))
    return grid, excluded, fixed


def test_solver_equals_brute_force_on_random_small_cases() -> None:
    rng = random.Random(20260601)
    compared = 0
    biggest = 0
    for _ in range(CASES):
        grid, excluded, fixed = random_case(rng)
        result = solve(grid, excluded=excluded, fixed=fixed)
        filled = sum(1 for j in result.chosen.values() if j is not None)
        assert (filled, result.total) == brute_force(grid, excluded, fixed), (grid, excluded, fixed)
        assert not any((i, j) in excluded for i, j in result.chosen.items())
        assert all(result.chosen[i] == j for i, j in fixed)
        compared += 1
        biggest = max(biggest, grid.size)
    assert compared == CASES
    assert biggest >= 42  # at least one 6 × 7 case was compared


def test_a_forbidden_pair_is_never_chosen_even_when_all_else_scores_nothing() -> None:
    # the only positive score is excluded; the solver must take zeros instead
    grid = np.array([[10000, 0], [0, 0]], np.int64)
    result = solve(grid, excluded={(0, 0)})
    assert result.chosen[0] == 1 and result.chosen[1] == 0
    assert result.total == 0
    # a village whose every candidate is excluded stays empty rather than take one
    grid = np.array([[9999, 9999], [1, 1]], np.int64)
    result = solve(grid, excluded={(0, 0), (0, 1)})
    assert result.chosen[0] is None and result.empty == (0,)
    assert result.total == 1


def test_filling_villages_comes_before_score() -> None:
    # taking candidate 0 for village 0 (100) would leave village 1 empty
    grid = np.array([[10000, 1], [1, 0]], np.int64)
    result = solve(grid, excluded={(1, 1)})
    assert result.chosen == {0: 1, 1: 0}
    assert result.total == 2


def test_more_villages_than_candidates_leaves_the_fewest_empty() -> None:
    grid = np.array([[5, 1], [1, 5], [7, 7]], np.int64)
    result = solve(grid)
    assert len(result.empty) == 1
    assert result.total == 12  # 7 + 5
    assert result.chosen[2] is not None


def test_fixed_pairs_are_kept_even_when_they_cost_score() -> None:
    grid = np.array([[100, 0], [0, 100]], np.int64)
    result = solve(grid, fixed={(0, 1)})
    assert result.chosen == {0: 1, 1: 0}
    assert result.total == 0


@pytest.mark.parametrize(
    ("excluded", "fixed", "message"),
    [
        ({(0, 0)}, {(0, 0)}, "既被指定又被排除"),
        (set(), {(0, 0), (0, 1)}, "被指定了两名人选"),
        (set(), {(0, 0), (1, 0)}, "被指定到两个村"),
    ],
)
def test_conflicting_rules_are_refused_by_name(
    excluded: set[tuple[int, int]], fixed: set[tuple[int, int]], message: str
) -> None:
    grid = np.zeros((2, 2), np.int64)
    with pytest.raises(InvalidInput) as caught:
        solve(grid, excluded=excluded, fixed=fixed, village_labels=["甲村", "乙村"], candidate_labels=["张", "李"])  # fmt: skip
    assert message in str(caught.value.message)
    assert "甲村" in str(caught.value.message) or "张" in str(caught.value.message)
