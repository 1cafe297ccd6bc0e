"""The code lists (iJw productcategorieën, redenen beëindiging, afwijsredenen): one data file."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "codes.json"


@cache
def _codes() -> dict[str, dict[str, str]]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def ijw_product_categories() -> dict[str, str]:
    return _codes()["ijw_product_categories"]


def ijw_end_reasons() -> dict[str, str]:
    return _codes()["ijw_end_reasons"]


def decline_reasons() -> dict[str, str]:
    return _codes()["decline_reasons"]


def ijw_referrers() -> dict[str, str]:
    return _codes()["ijw_referrers"]
