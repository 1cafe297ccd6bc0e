"""What may be shown: small cells hidden, other counts rounded, and no hidden cell given away.

- A count under ``SMALL`` (0 to 4) is shown as ``"<5"``, in pages, CSV and JSON alike.
- Every other count is rounded to a multiple of five (5, 6 and 7 show as 5; 8 as 10), as CBS
  does with its youth-care figures. So a shown count is only known to within ±2.
- A median or percentile of days is shown only when it rests on at least ``SMALL``
  observations; otherwise ``None`` (a dash on the page, empty in CSV, null in JSON).
- Shares and "1 op N" are computed from the shown counts, never from the exact ones.
- Differencing: a table's counts add up (the members of a breakdown to the region's row; the
  parts of a row to its total, like the outcomes of the referrals sent). ``protect`` works out,
  from the shown counts alone, what each hidden cell can still be (interval propagation over
  every such sum); where a hidden cell would have one possible value left, the smallest shown
  cell beside it is withheld too (``None``), until none has. The region's own row is never
  changed by a breakdown, so it is the same in every view.
- Public figures (the CBS population) are shown as they are.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

SMALL = 5
HIDDEN = "<5"

Published = int | float | str | None


def publish_count(value: float | None) -> int | str:
    n = round(value or 0)
    if n < SMALL:
        return HIDDEN
    return (n + 2) // 5 * 5


def publish_days(value: float | None, observations: int | None) -> float | None:
    if value is None or (observations or 0) < SMALL:
        return None
    return round(value, 1)


def is_shown(value: Published) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def percent(part: Published, whole: Published) -> int | None:
    """``part`` as a whole percentage of ``whole``, both as shown; None if either is not."""
    if not (is_shown(part) and is_shown(whole)) or not whole:
        return None
    return round(100 * part / whole)


def one_in(part: Published, whole: Published) -> int | None:
    """ "1 op N": ``whole`` / ``part``, both as shown; None if either is not."""
    if not (is_shown(part) and is_shown(whole)) or not part:
        return None
    return round(whole / part)


# --- differencing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sum:
    """``total`` is the sum of ``parts`` (``exact``), or at most it and at least each part
    (a cover: one youth may count in several parts, such as care from two providers)."""

    total: Hashable
    parts: tuple[Hashable, ...]
    exact: bool = True


def shown_range(value: Published) -> tuple[float, float]:
    """What a shown count can be: "<5" is 0–4, 5 is 5–7 (3 and 4 show as "<5"), n is n±2, and a
    withheld count (None) anything."""
    if value == HIDDEN:
        return (0, SMALL - 1)
    if value is None:
        return (0, math.inf)
    if value == SMALL:
        return (SMALL, SMALL + 2)
    return (value - 2, value + 2)


def _bounds(ranges: dict, s: Sum) -> dict:
    """Bounds that ``s`` puts on its cells, given their ranges."""
    lows = [ranges[p][0] for p in s.parts]
    highs = [ranges[p][1] for p in s.parts]
    low = sum(lows)
    unbounded = sum(1 for h in highs if math.isinf(h))
    finite_high = sum(h for h in highs if not math.isinf(h))

    def rest_high(h: float) -> float:  # the sum of the other parts' highs
        if unbounded - math.isinf(h) > 0:
            return math.inf
        return finite_high - (0 if math.isinf(h) else h)

    t_low, t_high = ranges[s.total]
    high = math.inf if unbounded else finite_high
    if s.exact:
        bounds = {s.total: (low, high)}
        for p, lo, hi in zip(s.parts, lows, highs, strict=True):
            bounds[p] = (t_low - rest_high(hi), t_high - (low - lo))
    else:
        bounds = {s.total: (max(lows), high)}
        for p, hi in zip(s.parts, highs, strict=True):
            bounds[p] = (t_low - rest_high(hi), t_high)
    return bounds


def possible_values(cells: dict[Hashable, Published], sums: list[Sum]) -> dict:
    """Each cell's range of values consistent with every cell as shown and every sum
    (interval propagation to a fixed point)."""
    ranges = {key: list(shown_range(value)) for key, value in cells.items()}
    sums = [s for s in sums if s.total in ranges and all(p in ranges for p in s.parts)]
    for _round in range(10_000):  # a fixed point comes in a few rounds; this is a safety net
        changed = False
        for s in sums:
            for key, (lo, hi) in _bounds(ranges, s).items():
                r = ranges[key]
                if lo > r[0]:
                    r[0], changed = lo, True
                if hi < r[1]:
                    r[1], changed = hi, True
                if r[0] > r[1]:  # not a true sum: nothing more to learn from it
                    return ranges
        if not changed:
            break
    return ranges


def given_away(cells: dict[Hashable, Published], sums: list[Sum]) -> list[Hashable]:
    """The hidden cells whose value the shown cells and the sums pin down to one."""
    ranges = possible_values(cells, sums)
    return [k for k, v in cells.items() if v == HIDDEN and ranges[k][0] >= ranges[k][1]]


def _components(cells: dict, sums: list[Sum]) -> list[tuple[list, list[Sum]]]:
    """The sums that share cells, grouped (with their cells): each group is guarded alone."""
    parent: dict = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    usable = [s for s in sums if s.total in cells and all(p in cells for p in s.parts)]
    for s in usable:
        for p in s.parts:
            parent[root(p)] = root(s.total)
    groups: dict = {}
    for s in usable:
        groups.setdefault(root(s.total), []).append(s)
    return [
        (list(dict.fromkeys(c for s in group for c in (s.total, *s.parts))), group)
        for group in groups.values()
    ]


def protect(cells: dict[Hashable, Published], sums: list[Sum], fixed=frozenset()) -> set:
    """Withhold (set to None, "not shown") cells until no hidden cell is given away: the
    smallest shown cell in a sum with the first one given away, or, when every other cell of
    its sums is hidden or fixed, that cell itself. Never a cell in ``fixed``. Returns the cells
    withheld. Sums that share no cell are guarded one group at a time."""
    withheld: set = set()
    for keys, group in _components(cells, sums):
        if not any(cells[k] == HIDDEN for k in keys):
            continue
        part = {k: cells[k] for k in keys}
        while pinned := given_away(part, group):
            first = pinned[0]
            near = {c for s in group if first in (s.total, *s.parts) for c in (s.total, *s.parts)}
            shown = [k for k in near if is_shown(part[k]) and k not in fixed]
            if shown:
                chosen = min(shown, key=lambda k: (part[k], str(k)))
            elif first not in fixed:
                chosen = first
            else:
                break  # cannot happen for a fixed row guarded first on its own
            part[chosen] = cells[chosen] = None
            withheld.add(chosen)
    return withheld
