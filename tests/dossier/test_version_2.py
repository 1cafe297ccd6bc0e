"""Format version 2: segments as records, product marks, expired_on, bridging; version 1 read
as version 2 (DOSSIER.md, "Versions"); bad version-2 files refused whole, located."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from jsonschema import Draft202012Validator

from casusregie.models import Region
from dossier.importer import DossierRefused, import_dossier
from dossier.schema import PUBLISHED_PATHS, SCHEMAS, schema_json
from referrals.models import Product, Referral, Segment
from tests import scenarios

from .test_import_export import APP_LABELS, export, row_counts, run_import

pytestmark = pytest.mark.django_db


def load(path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture
def crisis_and_silence() -> dict:
    scenarios.fail_if_missing()
    path = scenarios.folder() / "crisis-and-silence.json"
    if not path.is_file():
        pytest.fail(f"the shared scenario {path} does not exist", pytrace=False)
    return load(path)


@pytest.fixture
def edge_cases_v1() -> dict:
    scenarios.fail_if_missing()
    return load(scenarios.root() / "edge-cases.json")


@pytest.mark.parametrize("version", [1, 2])
def test_each_published_schema_is_the_one_used_for_validation(version):
    assert PUBLISHED_PATHS[version].read_text() == schema_json(version)
    Draft202012Validator.check_schema(SCHEMAS[version])


@scenarios.parametrize("v1_dossier", scenarios.v1_dossiers())
def test_every_version_1_example_still_imports_and_exports_as_version_2(v1_dossier):
    code, _, err = run_import(v1_dossier)
    assert code == 0, err
    doc = export()
    assert doc["version"] == 2
    assert not list(Draft202012Validator(SCHEMAS[2]).iter_errors(doc))
    code, out, err = run_import(v1_dossier)  # and a second time changes nothing
    assert code == 0, err
    assert "(0 created, 0 updated, 0 replaced)" in out


@pytest.mark.scenarios
def test_version_1_is_read_as_dossier_md_says(edge_cases_v1):
    doc = copy.deepcopy(edge_cases_v1)
    doc["products"] = [
        {"code": code, "name": code, "segment": segment, "specialist": True}
        for code, segment in [
            ("P-AMB", "ambulant"),
            ("P-VERB", "verblijf"),
            ("P-PLEEG", "pleegzorg"),
            ("P-CRISIS", "crisis"),
        ]
    ]
    case = doc["families"][5]["cases"][0]
    referral = case["referrals"][0]
    # Sent Thu 11 Feb 2027: 20 working days (no holidays in between) → Thu 11 Mar 2027.
    referral.update(product="P-CRISIS", status="expired", sent_on="2027-02-11")
    doc["contracts"] = []
    import_dossier(doc)

    region = Region.objects.get()
    assert sorted(Segment.objects.values_list("region", "code", "name")) == [
        (region.pk, code, code) for code in ["ambulant", "crisis", "pleegzorg", "verblijf"]
    ]
    marks = {p.code: (p.segment.code, p.out_of_home, p.crisis) for p in Product.objects.all()}
    assert marks == {
        "P-AMB": ("ambulant", False, False),
        "P-VERB": ("verblijf", True, False),
        "P-PLEEG": ("pleegzorg", True, False),
        "P-CRISIS": ("crisis", True, True),
    }
    assert Referral.objects.get(ref=referral["ref"]).expired_on == dt.date(2027, 3, 11)


@pytest.mark.scenarios
def test_a_version_1_file_keeps_the_name_of_a_segment_already_held(crisis_and_silence):
    """A version-1 file names segments by code only: a segment the region already has (from a
    version-2 import) keeps its record and its name; a new code gets a segment in the one
    region, named after its code."""
    import_dossier(crisis_and_silence)
    doc = {
        "format": "casusregie-dossier",
        "version": 1,
        "products": [
            {"code": "P-AMB", "name": "Ambulant", "segment": "ambulant", "specialist": True},
            {"code": "P-VEIL", "name": "Veilig", "segment": "veiligheid", "specialist": True},
        ],
    }
    import_dossier(doc)
    assert Product.objects.get(code="P-AMB").segment.name == "Ambulante jeugdhulp"
    veiligheid = Product.objects.get(code="P-VEIL").segment
    assert (veiligheid.region.code, veiligheid.code, veiligheid.name) == (
        "hollandrijnland",
        "veiligheid",
        "veiligheid",
    )
    assert Segment.objects.count() == len(crisis_and_silence["segments"]) + 1


@pytest.mark.scenarios
def test_segments_marks_expiry_and_bridging_are_imported(crisis_and_silence):
    import_dossier(crisis_and_silence)
    assert sorted(Segment.objects.values_list("code", "name", "region__code")) == sorted(
        (s["code"], s["name"], "hollandrijnland") for s in crisis_and_silence["segments"]
    )
    pleeg = Product.objects.get(code="PLEEGZORG")
    assert (pleeg.segment.code, pleeg.out_of_home, pleeg.crisis) == ("wonen", True, False)
    assert Referral.objects.get(ref="r-4a").expired_on == dt.date(2027, 3, 15)
    bridged = Referral.objects.get(ref="r-5b")
    assert bridged.bridging_from == dt.date(2027, 3, 20)
    assert bridged.bridging_description.startswith("Wekelijks gesprek")
    assert Referral.objects.get(ref="r-5a").bridging_from is None


@pytest.mark.scenarios
def test_the_round_trip_of_version_2_is_exact(crisis_and_silence, tmp_path):
    doc = copy.deepcopy(crisis_and_silence)
    # The optional "by" of bridging travels too.
    doc["families"][4]["cases"][0]["referrals"][1]["bridging"]["by"] = "Jeugdconsulent Noord"
    import_dossier(doc)
    first = export()
    assert first["segments"] == sorted(
        ({**s, "region": "hollandrijnland"} for s in doc["segments"]), key=lambda s: s["code"]
    )
    tables = [
        m._meta.db_table for label in APP_LABELS for m in apps.get_app_config(label).get_models()
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    code, _, err = run_import(first, tmp_path)
    assert code == 0, err
    assert export() == first
    assert _referral(first, "r-5b")["bridging"] == {
        "from": "2027-03-20",
        "description": "Wekelijks gesprek met de jeugdconsulent tot de start",
        "by": "Jeugdconsulent Noord",
    }


def _referral(doc: dict, ref: str) -> dict:
    return next(
        r for f in doc["families"] for c in f["cases"] for r in c["referrals"] if r["ref"] == ref
    )


BAD = [
    (
        "expired-without-expired_on",
        lambda d: _referral(d, "r-4a").pop("expired_on"),
        "families[3].cases[0].referrals[0].expired_on: a referral with status 'expired' "
        "needs expired_on",
    ),
    (
        "expired_on-before-sent",
        lambda d: _referral(d, "r-4a").update(expired_on="2027-02-11"),
        "families[3].cases[0].referrals[0].expired_on: expired_on is before sent_on",
    ),
    (
        "expired_on-on-an-accepted-referral",
        lambda d: _referral(d, "r-5a").update(expired_on="2027-03-20"),
        "families[4].cases[0].referrals[0].expired_on: does not fit status 'accepted'",
    ),
    (
        "bridging-before-sent",
        lambda d: _referral(d, "r-5b")["bridging"].update({"from": "2027-03-02"}),
        "families[4].cases[0].referrals[1].bridging.from: bridging starts before the referral "
        "was sent",
    ),
    (
        "bridging-without-description",
        lambda d: _referral(d, "r-5b")["bridging"].pop("description"),
        "families[4].cases[0].referrals[1].bridging",
    ),
    (
        "unknown-segment",
        lambda d: d["products"][0].update(segment="opname"),
        "products[0].segment: unknown segment 'opname'",
    ),
    (
        "duplicate-segment",
        lambda d: d["segments"].append(dict(d["segments"][0])),
        "segments[0].code: segment 'behandeling_met_verblijf' is defined more than once",
    ),
    (
        "segment-code-not-a-code",
        lambda d: d["segments"][0].update(code="Behandeling met verblijf"),
        "segments[0].code",
    ),
    (
        "segment-without-region-among-two",
        lambda d: d["regions"].append({"code": "rijnmond", "name": "Rijnmond"}),
        "segments[0].region: required",
    ),
    (
        "segment-of-an-unknown-region",
        lambda d: d["segments"][0].update(region="nergens"),
        "segments[0].region: unknown region 'nergens'",
    ),
    (
        "a-mark-that-is-not-a-boolean",
        lambda d: d["products"][0].update(out_of_home="ja"),
        "products[0].out_of_home",
    ),
    ("unknown-version", lambda d: d.update(version=3), "version: unknown version 3"),
    (
        "version-2-fields-in-a-version-1-file",
        lambda d: d.update(version=1),
        "segments",  # a version-1 file has no segments: checked against its own schema
    ),
]


@pytest.mark.scenarios
@pytest.mark.parametrize(("mutate", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_version_2_file_is_refused_whole_with_a_located_problem(
    crisis_and_silence, tmp_path, mutate, expected
):
    doc = copy.deepcopy(crisis_and_silence)
    mutate(doc)
    before = row_counts()
    code, _, err = run_import(doc, tmp_path)
    assert code == 1
    assert expected in err, err
    assert "nothing written" in err
    assert row_counts() == before


@pytest.mark.scenarios
def test_a_product_may_name_a_segment_the_database_holds(crisis_and_silence):
    import_dossier(crisis_and_silence)
    doc = {
        "format": "casusregie-dossier",
        "version": 2,
        "products": [
            {"code": "WONEN-2", "name": "Gezinshuis", "segment": "wonen", "specialist": True}
        ],
    }
    import_dossier(doc)
    product = Product.objects.get(code="WONEN-2")
    assert (product.segment.name, product.out_of_home, product.crisis) == ("Wonen", False, False)


def test_a_segment_code_held_by_two_regions_must_be_defined_in_the_file():
    for code in ("noord", "zuid"):
        region = Region.objects.create(code=code, name=code)
        Segment.objects.create(region=region, code="ambulant", name="Ambulant")
    doc = {
        "format": "casusregie-dossier",
        "version": 2,
        "products": [{"code": "A", "name": "A", "segment": "ambulant", "specialist": True}],
    }
    with pytest.raises(DossierRefused) as refused:
        import_dossier(doc)
    assert [str(p) for p in refused.value.problems] == [
        "products[0].segment: segment 'ambulant' names two records (regions noord, zuid): "
        "define it in the file's segments"
    ]


def test_export_dossier_prints_version_2():
    out = io.StringIO()
    call_command("export_dossier", stdout=out)
    assert json.loads(out.getvalue())["version"] == 2
