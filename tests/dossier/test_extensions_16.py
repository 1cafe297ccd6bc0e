"""Issue 16's extensions of dossier version 2: the referral's referrer (iJw verwijzer; absent is
the gemeente) and a case's involved professionals (regie bij de GI; absent leaves them be). Both
round-trip; bad values are refused, located."""

from __future__ import annotations

import copy
import json

import pytest

from casusregie.models import Case, InvolvedProfessional
from dossier.importer import import_dossier
from referrals.models import Referral, Referrer
from tests import scenarios
from tests.factories import InvolvedProfessionalFactory

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


def _case(doc: dict, ref: str) -> dict:
    return next(c for f in doc["families"] for c in f["cases"] if c["ref"] == ref)


def _first_case(doc: dict) -> dict:
    return doc["families"][4]["cases"][0]


GI = {
    "role": "gi_jeugdbescherming",
    "organisation": "Jeugdbescherming west",
    "from": "2027-03-02",
    "until": "2027-06-01",
    "contact_name": "F. El Amrani",
    "holds_regie": True,
}
GP = {"role": "huisarts", "organisation": "Huisartsenpraktijk De Linde", "from": "2027-03-02"}


def test_the_people_around_the_family_round_trip(doc):
    case = _first_case(doc)
    case["involved"] = [GI, GP]
    import_dossier(doc)
    stored = InvolvedProfessional.objects.filter(case__ref=case["ref"])
    assert sorted(stored.values_list("role", "holds_regie")) == [
        ("gi_jeugdbescherming", True),
        ("huisarts", False),
    ]
    out = export()
    assert _case(out, case["ref"])["involved"] == [GI, GP]
    assert not import_dossier(out).changed  # the same file again changes nothing


def test_a_file_without_people_leaves_the_case_s_people_be(doc):
    import_dossier(doc)
    case = _first_case(doc)
    InvolvedProfessionalFactory(case=Case.objects.get(ref=case["ref"]))
    import_dossier(doc)
    assert InvolvedProfessional.objects.filter(case__ref=case["ref"]).count() == 1
    assert "involved" in _case(export(), case["ref"])


@pytest.mark.parametrize(
    ("people", "expected"),
    [
        ([{**GP, "until": "2027-03-01"}], "involved[0].until: until is before from"),
        ([{**GP, "holds_regie": True}], "involved[0].holds_regie: only a GI holds regie"),
        (
            [GI, {**GI, "role": "gi_jeugdreclassering", "from": "2027-05-01"}],
            "involved[1]: periods of GI regie overlap",
        ),
        ([{**GP, "role": "tandarts"}], "involved[0].role"),
    ],
)
def test_bad_people_are_refused_whole_and_located(doc, tmp_path, people, expected):
    _first_case(doc)["involved"] = people
    before = row_counts()
    code, _, err = run_import(doc, tmp_path)
    assert code == 1
    assert f"families[4].cases[0].{expected}" in err, err
    assert row_counts() == before
