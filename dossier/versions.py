"""Reading a version-1 dossier as version 2 (DOSSIER.md, "Versions").

A version-1 file is read with: one segment per segment code used, named after it (a code the
database already holds keeps its record and name); ``out_of_home`` true for the segments
``verblijf``, ``pleegzorg`` and ``crisis``; ``crisis`` true for ``crisis``; an ``expired``
referral without a date gets ``expired_on`` = its ``sent_on`` + the expiry's working days
(``REFERRAL_EXPIRY_WORKING_DAYS``, 20 by default). Nothing else changes, so every problem is
still reported at the path it has in the file that was read.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.conf import settings

from casusregie.working_days import add_working_days

V1_OUT_OF_HOME = {"verblijf", "pleegzorg", "crisis"}
V1_CRISIS = {"crisis"}


def as_version_2(doc: dict[str, Any], known_segment_codes: set[str]) -> dict[str, Any]:
    """``doc`` as version 2 (a copy when it is version 1, else ``doc`` itself).

    ``doc`` has passed its version's schema. ``known_segment_codes``: the codes of segments in
    the database, which a version-1 file names without defining them."""
    if doc["version"] != 1:
        return doc
    out = copy.deepcopy(doc)
    out["version"] = 2
    regions = [r["code"] for r in doc.get("regions", [])]
    used = sorted({p["segment"] for p in doc.get("products", [])} - known_segment_codes)
    out["segments"] = [
        # With several regions in the file a segment must name one: the first of the file.
        {"code": code, "name": code, **({"region": regions[0]} if len(regions) > 1 else {})}
        for code in used
    ]
    for product in out.get("products", []):
        product["out_of_home"] = product["segment"] in V1_OUT_OF_HOME
        product["crisis"] = product["segment"] in V1_CRISIS
    days = settings.REFERRAL_EXPIRY_WORKING_DAYS
    for family in out.get("families", []):
        for case in family.get("cases", []):
            for referral in case.get("referrals", []):
                if referral["status"] == "expired" and referral.get("sent_on"):
                    sent = dt.date.fromisoformat(referral["sent_on"])
                    referral["expired_on"] = add_working_days(sent, days).isoformat()
    return out
