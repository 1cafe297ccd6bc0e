"""No names, no small cells: "<5", rounding to fives, and no hidden cell given away by a sum."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.publication import (
    HIDDEN,
    Sum,
    given_away,
    one_in,
    percent,
    protect,
    publish_count,
    publish_days,
    shown_range,
)


@pytest.mark.parametrize(
    "count, shown",
    [
        (0, HIDDEN),
        (1, HIDDEN),
        (4, HIDDEN),
        (5, 5),
        (6, 5),
        (7, 5),
        (8, 10),
        (12, 10),
        (13, 15),
        (102, 100),
        (None, HIDDEN),
    ],
)
def test_a_count_under_five_is_hidden_and_the_rest_rounded_to_fives(count, shown):
    assert publish_count(count) == shown


@pytest.mark.parametrize("observations, shown", [(4, None), (5, 12.5), (None, None)])
def test_a_median_needs_five_observations(observations, shown):
    assert publish_days(12.5, observations) == shown


def test_shares_are_computed_from_the_shown_counts_only():
    assert percent(10, 20) == 50
    assert percent(HIDDEN, 20) is None
    assert percent(10, None) is None
    assert one_in(10, 120_000) == 12_000
    assert one_in(HIDDEN, 120_000) is None


def test_a_total_minus_the_shown_cells_would_give_the_hidden_one_away():
    # 18 = 7 + 7 + 4 shows as 20, 5, 5, "<5": 18 − 7 − 7 leaves only 4 for the hidden cell
    cells = {
        "total": publish_count(18),
        "a": publish_count(7),
        "b": publish_count(7),
        "h": publish_count(4),
    }
    sums = [Sum("total", ("a", "b", "h"))]
    assert given_away(cells, sums) == ["h"]
    assert protect(cells, sums, fixed={"total"}) == {"a"}
    assert cells == {"total": 20, "a": None, "b": 5, "h": HIDDEN}
    assert given_away(cells, sums) == []


def test_two_hidden_cells_that_must_both_be_four_are_given_away_too():
    cells = {"total": publish_count(8), "a": HIDDEN, "b": HIDDEN}
    assert sorted(given_away(cells, [Sum("total", ("a", "b"))])) == ["a", "b"]


def _candidates(cells, total, parts):
    """Brute force: every value each part can have, given the cells as shown and the sum."""
    ranges = []
    for p in parts:
        low, high = shown_range(cells[p])
        ranges.append(range(int(low), int(min(high, 60)) + 1))
    t_low, t_high = shown_range(cells[total])
    possible = {p: set() for p in parts}
    for combo in itertools.product(*ranges):
        if t_low <= sum(combo) <= t_high:
            for p, v in zip(parts, combo, strict=True):
                possible[p].add(v)
    return possible


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=14), min_size=2, max_size=4))
def test_after_protection_no_hidden_cell_has_one_possible_value(values):
    parts = [f"c{i}" for i in range(len(values))]
    cells = {p: publish_count(v) for p, v in zip(parts, values, strict=True)}
    cells["total"] = publish_count(sum(values))
    sums = [Sum("total", tuple(parts))]
    protect(cells, sums, fixed={"total"})
    assert given_away(cells, sums) == []
    if cells["total"] != HIDDEN:  # brute force agrees: each hidden part keeps two values
        possible = _candidates(cells, "total", parts)
        for p in parts:
            if cells[p] == HIDDEN:
                assert len(possible[p]) >= 2, (values, cells, possible)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=3), min_size=2, max_size=4))
def test_rows_and_columns_that_add_up_are_guarded_together(grid):
    """Members × parts, each member's row adding up to its total, each column to the region."""
    cells, sums = {}, []
    columns = ("p0", "p1", "p2")
    for i, row in enumerate(grid):
        for c, v in zip(columns, row, strict=True):
            cells[(i, c)] = publish_count(v)
        cells[(i, "total")] = publish_count(sum(row))
        sums.append(Sum((i, "total"), tuple((i, c) for c in columns)))
    for c in (*columns, "total"):
        column = [sum(row) if c == "total" else row[columns.index(c)] for row in grid]
        cells[("region", c)] = publish_count(sum(column))
        sums.append(Sum(("region", c), tuple((i, c) for i in range(len(grid)))))
    fixed = {k for k in cells if k[0] == "region"}
    protect(cells, sums, fixed=fixed)
    assert given_away(cells, sums) == []
