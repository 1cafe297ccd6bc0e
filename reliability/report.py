"""The end of every scenario: figures and verdict as one JSON object, the last line printed."""

from __future__ import annotations

import json
import math
import sys
import traceback
from collections.abc import Callable


def run(scenario: Callable[[], tuple[dict, bool]]) -> int:
    """Run ``scenario`` (which returns its figures and verdict); print the JSON line last.

    The scenario's servers are stopped inside it (``with Lab(...)``), so nothing it started is
    left when the line is printed. An exception is a failed verdict, with its message.
    """
    try:
        figures, ok = scenario()
    except BaseException as exc:  # noqa: BLE001 - the verdict line must come, whatever happened
        traceback.print_exc(file=sys.stderr)
        figures, ok = {"error": f"{type(exc).__name__}: {exc}"[:500]}, False
    sys.stderr.flush()
    print(json.dumps({**figures, "ok": bool(ok)}), flush=True)
    return 0 if ok else 1


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]
