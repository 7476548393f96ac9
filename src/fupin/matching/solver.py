"""The optimal one-to-one assignment of candidates to villages.

``solve`` takes the villages × candidates score grid (integer hundredths, as
``scoring`` makes it) with the excluded and fixed pairs and returns the assignment that

1. fills as many villages as possible (so when villages outnumber the candidates, or
   exclusions leave a village nobody, the fewest villages stay empty), then
2. maximises the total score,

never choosing an excluded pair and always choosing a fixed one.

How: fixed pairs are taken out first (their rows and columns removed, their scores
added). The rest is one rectangular assignment problem for
``scipy.optimize.linear_sum_assignment``: each village row gets the candidates' columns
plus one "left empty" column of its own. A permitted pair costs ``-(B + score)``, where
the bonus ``B`` exceeds any achievable total score, so filling one more village always
beats any gain in score; "left empty" costs 0; an excluded pair and another village's
empty column cost ``+inf``, which the solver treats as forbidden (the problem stays
feasible because every row has its own empty column). After solving, the chosen pairs
are checked against the forbidden ones (drop-and-check): a forbidden pair in the answer
would be a bug and raises rather than being returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from fupin.core.errors import InvalidInput

Pair = tuple[int, int]  # (village index, candidate index)


@dataclass(frozen=True)
class Assignment:
    """village index → candidate index (None: left empty), the total score (hundredths),
    and which villages are empty and which pairs came from the fixed ones."""

    chosen: dict[int, int | None]
    total: int
    empty: tuple[int, ...]
    fixed: frozenset[Pair]


def _name(labels: Sequence[str] | None, index: int) -> str:
    return labels[index] if labels is not None else str(index)


def validate(
    *,
    excluded: Iterable[Pair],
    fixed: Iterable[Pair],
    village_labels: Sequence[str] | None = None,
    candidate_labels: Sequence[str] | None = None,
) -> None:
    """Fixed pairs must not share a village or a candidate, nor be excluded too."""
    excluded, fixed = set(excluded), sorted(set(fixed))
    by_village: dict[int, int] = {}
    by_candidate: dict[int, int] = {}
    for i, j in fixed:
        village, person = _name(village_labels, i), _name(candidate_labels, j)
        if (i, j) in excluded:
            raise InvalidInput(
                _("%(person)s—%(village)s 既被指定又被排除。")
                % {"person": person, "village": village},
                fields={"rules": [_("指定与排除冲突")]},
            )
        if i in by_village:
            raise InvalidInput(
                _("%(village)s 被指定了两名人选：%(a)s、%(b)s。")
                % {"village": village, "a": _name(candidate_labels, by_village[i]), "b": person},
                fields={"rules": [_("指定人选冲突")]},
            )
        if j in by_candidate:
            raise InvalidInput(
                _("%(person)s 被指定到两个村：%(a)s、%(b)s。")
                % {"person": person, "a": _name(village_labels, by_candidate[j]), "b": village},
                fields={"rules": [_("指定人选冲突")]},
            )
        by_village[i], by_candidate[j] = j, i


def solve(
    scores: np.ndarray[Any, Any],
    *,
    excluded: Iterable[Pair] = (),
    fixed: Iterable[Pair] = (),
    village_labels: Sequence[str] | None = None,
    candidate_labels: Sequence[str] | None = None,
) -> Assignment:
    grid = np.asarray(scores, dtype=np.int64)
    n, m = grid.shape
    excluded, fixed = set(excluded), set(fixed)
    for i, j in excluded | fixed:
        if not (0 <= i < n and 0 <= j < m):
            raise InvalidInput(_("约束中的村或人选不在本轮范围内。"))
    if (grid < 0).any():
        raise InvalidInput(_("得分不能为负。"))
    validate(
        excluded=excluded,
        fixed=fixed,
        village_labels=village_labels,
        candidate_labels=candidate_labels,
    )

    chosen: dict[int, int | None] = {i: j for i, j in fixed}
    rows = [i for i in range(n) if i not in chosen]
    cols = [j for j in range(m) if j not in {j for _i, j in fixed}]
    if rows:
        sub = grid[np.ix_(rows, cols)] if cols else np.zeros((len(rows), 0), np.int64)
        bonus = int(sub.max(axis=1, initial=0).sum()) + 1
        cost = np.full((len(rows), len(cols) + len(rows)), np.inf)
        cost[:, : len(cols)] = -(bonus + sub).astype(float)
        position = {j: k for k, j in enumerate(cols)}
        row_position = {i: k for k, i in enumerate(rows)}
        for i, j in excluded:
            if i in row_position and j in position:
                cost[row_position[i], position[j]] = np.inf
        for k in range(len(rows)):
            cost[k, len(cols) + k] = 0.0
        picked_rows, picked_cols = linear_sum_assignment(cost)
        for r, c in zip(picked_rows.tolist(), picked_cols.tolist(), strict=True):
            chosen[rows[r]] = cols[c] if c < len(cols) else None
    # drop-and-check: the forbidden never survives, the fixed always does
    for i, pick in chosen.items():
        if pick is not None and (i, pick) in excluded:
            raise AssertionError(f"excluded pair chosen: {(i, pick)}")
    assert all(chosen.get(i) == j for i, j in fixed)
    taken = [j for j in chosen.values() if j is not None]
    assert len(taken) == len(set(taken))
    total = sum(int(grid[i, j]) for i, j in chosen.items() if j is not None)
    empty = tuple(sorted(i for i in range(n) if chosen.get(i) is None))
    return Assignment(
        chosen={i: chosen.get(i) for i in range(n)},
        total=total,
        empty=empty,
        fixed=frozenset(fixed),
    )
