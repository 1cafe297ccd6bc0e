"""The referral's referrer (iJw verwijzer) in the dossier: an optional extension of version 2
that round-trips; absent is the gemeente; an unknown code is refused, located."""

from __future__ import annotations

import copy
import json

import pytest

from dossier.importer import import_dossier
from referrals.models import Referral, Referrer
from tests import scenarios

from .test_import_export import export, row_counts, run_import

pytestmark = [pytest.mark.django_db, pytest.mark.scenarios]


@pytest.fixture
def doc() -> dict:
    scenarios.fail_if_missing()
    path = scenarios.folder() / "crisis-and-silence.json"
    if not path.is_file():
        pytest.fail(f"the shared scenario {path} does not exist", pytrace=False)
    return copy.deepcopy(json.loads(path.read_text()))


def _referral(doc: dict, ref: str) -> dict:
    return next(
        r for f in doc["families"] for c in f["cases"] for r in c["referrals"] if r["ref"] == ref
    )


def test_the_referrer_round_trips_and_absent_is_the_gemeente(doc):
    _referral(doc, "r-5b")["referrer"] = Referrer.GP
    _referral(doc, "r-4a")["referrer"] = None
    import_dossier(doc)
    assert Referral.objects.get(ref="r-5b").referrer == Referrer.GP
    assert Referral.objects.get(ref="r-4a").referrer == Referrer.MUNICIPALITY
    assert Referral.objects.get(ref="r-5a").referrer == Referrer.MUNICIPALITY
    out = export()
    assert _referral(out, "r-5b")["referrer"] == "02"
    assert "referrer" not in _referral(out, "r-5a")  # the default stays out of the file


def test_an_unknown_referrer_is_refused_whole(doc, tmp_path):
    _referral(doc, "r-5b")["referrer"] = "99"
    before = row_counts()
    code, _, err = run_import(doc, tmp_path)
    assert code == 1
    assert "families[4].cases[0].referrals[1].referrer" in err, err
    assert row_counts() == before
