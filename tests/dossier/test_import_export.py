"""The dossier exchange format: import is atomic and idempotent, export round-trips."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from casusregie.models import Case, Youth
from dossier.importer import DossierRefused, import_dossier
from dossier.schema import PUBLISHED_PATH, schema_json
from referrals.models import Referral
from tests import scenarios

pytestmark = pytest.mark.django_db

APP_LABELS = ("casusregie", "analyses", "plans", "referrals", "escalations")


def row_counts() -> dict[str, int]:
    """Rows of the domain (the access log and its chains' seals grow with every export, by
    design)."""
    return {
        m._meta.label: m.objects.count()
        for label in APP_LABELS
        for m in apps.get_app_config(label).get_models()
        if m._meta.model_name not in {"accesslogentry", "accesslogseal"}
    }


def run_import(path_or_doc, tmp_path: Path | None = None) -> tuple[int, str, str]:
    if isinstance(path_or_doc, dict):
        path = tmp_path / "dossier.json"
        path.write_text(json.dumps(path_or_doc))
    else:
        path = path_or_doc
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_dossier", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def export() -> dict:
    out = io.StringIO()
    call_command("export_dossier", stdout=out)
    return json.loads(out.getvalue())


def test_the_published_schema_is_the_one_used_for_validation():
    assert PUBLISHED_PATH.read_text() == schema_json()


@scenarios.parametrize("path", scenarios.dossiers())
def test_every_scenario_imports_and_a_second_import_changes_nothing(path):
    code, _, err = run_import(path)
    assert code == 0, err
    counts = row_counts()
    first_export = export()
    code, out, err = run_import(path)
    assert code == 0, err
    assert "(0 created, 0 updated, 0 replaced)" in out
    assert row_counts() == counts
    assert export() == first_export


@scenarios.parametrize("path", scenarios.dossiers())
def test_export_reproduces_the_scenario_families(path):
    doc = json.loads(path.read_text())
    run_import(path)
    exported = export()
    by_ref = {f["ref"]: f for f in exported["families"]}
    for family in doc["families"]:
        assert _normalised(by_ref[family["ref"]]) == _normalised(family)


def _normalised(family: dict) -> dict:
    """Drop nulls and order lists as the exporter does, to compare documents."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return sorted((clean(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return value

    return clean(family)


@pytest.mark.scenarios
def test_export_then_import_into_an_empty_database_then_export_is_the_same(edge_cases, tmp_path):
    import_dossier(edge_cases)
    first = export()
    from django.db import connection

    tables = [
        m._meta.db_table for label in APP_LABELS for m in apps.get_app_config(label).get_models()
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    assert Youth.objects.count() == 0
    code, _, err = run_import(first, tmp_path)
    assert code == 0, err
    assert export() == first


@pytest.mark.scenarios
def test_export_of_one_family(edge_cases):
    import_dossier(edge_cases)
    out = io.StringIO()
    call_command("export_dossier", "--family", "f-a", stdout=out)
    doc = json.loads(out.getvalue())
    assert [f["ref"] for f in doc["families"]] == ["f-a"]
    assert doc["families"][0]["youths"][0]["education"][1] == {
        "status": "not_enrolled",
        "from": "2026-09-30",
    }


@pytest.mark.scenarios
def test_the_three_problems_of_the_issue_are_located_and_nothing_is_written(edge_cases, tmp_path):
    doc = copy.deepcopy(edge_cases)
    doc["families"][0]["youths"][0]["bsn"] = "123456789"  # fails the 11-proef
    case_f = doc["families"][5]["cases"][0]
    referral = case_f["referrals"][0]
    referral.update(  # care that starts before the referral was sent
        status="started", sent_on="2026-12-23", answered_on="2026-12-24", started_on="2026-12-22"
    )
    doc["families"][1]["cases"][0]["local_team"] = "lt-onbekend"
    before = row_counts()

    code, _, err = run_import(doc, tmp_path)

    assert code == 1
    lines = err.strip().splitlines()
    problems = lines[:-1]
    assert problems == [
        "families[0].youths[0].bsn: not a valid BSN (11-proef)",
        "families[1].cases[0].local_team: unknown local team 'lt-onbekend'",
        "families[5].cases[0].referrals[0].started_on: started_on is before sent_on: "
        "dates go backwards",
    ]
    assert "123456789" not in err
    assert row_counts() == before


@pytest.mark.scenarios
@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("format"), "'format' is a required property"),
        (lambda d: d["families"][0].__setitem__("ref", 5), "families[0].ref: 5 is not of type"),
        (
            lambda d: d["families"][0]["youths"][0].__setitem__("birth_date", "2013-02-30"),
            "families[0].youths[0].birth_date: not a valid date",
        ),
        (
            lambda d: d["families"][0]["cases"][0].__setitem__("closed_on", "2026-08-01"),
            "families[0].cases[0].closed_on: a case cannot close before it opened",
        ),
        (
            lambda d: d["families"][0]["cases"].append(
                {**copy.deepcopy(d["families"][0]["cases"][0]), "ref": "k-a2"}
            ),
            "families[0].cases: a family has at most one open case",
        ),
        (
            lambda d: d["families"][0]["cases"][0]["regisseurs"].append(
                {"worker": "w-1", "from": "2026-10-01"}
            ),
            "families[0].cases[0].regisseurs[1]: regisseur periods overlap",
        ),
        (
            lambda d: d["families"][0]["cases"][0]["regisseurs"][0].__setitem__(
                "until", "2026-08-01"
            ),
            "families[0].cases[0].regisseurs[0].until: until is before from",
        ),
        (
            lambda d: d["families"][0]["youths"][0]["education"].reverse(),
            "families[0].youths[0].education[1].from: education periods out of order",
        ),
        (
            lambda d: d["families"].append(copy.deepcopy(d["families"][0])),
            "families[0].ref: family 'f-a' is defined more than once",
        ),
        (
            lambda d: d["families"][5]["cases"][0]["referrals"][0].__setitem__(
                "status", "accepted"
            ),
            "families[5].cases[0].referrals[0].answered_on: a referral with status 'accepted' "
            "needs answered_on",
        ),
        (
            lambda d: d["families"][5]["cases"][0]["referrals"][0].__setitem__("youth", "y-a"),
            "families[5].cases[0].referrals[0].youth: unknown youth 'y-a' in family",
        ),
    ],
    ids=[
        "missing-format",
        "wrong-type",
        "impossible-date",
        "closed-before-opened",
        "two-open-cases",
        "overlapping-regisseurs",
        "until-before-from",
        "education-out-of-order",
        "duplicate-ref",
        "status-without-date",
        "youth-of-another-family",
    ],
)
def test_a_bad_dossier_is_refused_whole_with_a_located_problem(
    edge_cases, tmp_path, mutate, expected
):
    doc = copy.deepcopy(edge_cases)
    mutate(doc)
    before = row_counts()
    code, _, err = run_import(doc, tmp_path)
    assert code == 1
    assert expected in err
    assert row_counts() == before


@pytest.mark.scenarios
def test_a_second_open_case_next_to_one_in_the_database_is_refused(edge_cases, tmp_path):
    import_dossier(edge_cases)
    doc = copy.deepcopy(edge_cases)
    doc["families"][0]["cases"][0]["ref"] = "k-other"
    with pytest.raises(DossierRefused) as refused:
        import_dossier(doc)
    assert [str(p) for p in refused.value.problems] == [
        "families[0].cases: the family already has open case 'k-a' in the database"
    ]
    assert Case.objects.filter(ref="k-other").count() == 0


@pytest.mark.scenarios
def test_an_updated_dossier_updates_the_records(edge_cases):
    import_dossier(edge_cases)
    doc = copy.deepcopy(edge_cases)
    referral = doc["families"][5]["cases"][0]["referrals"][0]
    referral.update(status="accepted", answered_on="2026-12-28")
    doc["families"][0]["youths"][0]["education"].append(
        {"status": "attending", "from": "2026-12-01"}
    )
    result = import_dossier(doc)
    assert result.changed
    assert Referral.objects.get(ref=referral["ref"]).status == "accepted"
    assert Youth.objects.get(ref="y-a").education.count() == 3


def test_not_json_is_refused_with_exit_1(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    code, _, err = run_import(path)
    assert code == 1
    assert "not JSON" in err


@pytest.mark.scenarios
def test_a_referral_whose_dates_all_go_backwards_is_one_problem(edge_cases):
    doc = copy.deepcopy(edge_cases)
    doc["families"][5]["cases"][0]["referrals"][0].update(
        status="started", sent_on="2026-03-10", answered_on="2026-03-09", started_on="2026-03-05"
    )
    with pytest.raises(DossierRefused) as refused:
        import_dossier(doc)
    assert [str(p) for p in refused.value.problems] == [
        "families[5].cases[0].referrals[0].answered_on: answered_on is before sent_on: "
        "dates go backwards"
    ]


def test_the_closing_and_the_school_details_are_not_in_the_format_and_survive_a_re_import(
    tmp_path,
):
    """Issue 16: the format has closed_on only and no school kind, BRIN or leerplicht contact
    (docs/dossier.md, "Not in the format"); exporting and importing again keeps them."""
    import datetime as dt

    from casusregie.models import CloseReason, EducationPeriod
    from tests.factories import (
        CaseFactory,
        EducationPeriodFactory,
        FamilyFactory,
        LocalTeamFactory,
        YouthFactory,
    )

    team = LocalTeamFactory()
    family = FamilyFactory(municipality=team.municipalities.get())
    case = CaseFactory(family=family, local_team=team, opened_on=dt.date(2025, 1, 6))
    Case.objects.filter(pk=case.pk).update(
        closed_on=dt.date(2025, 12, 1),
        close_reason=CloseReason.GOALS_REACHED,
        handed_over_to="Buurthuis De Esch",
    )
    youth = YouthFactory(family=family)
    EducationPeriodFactory(
        youth=youth,
        school="De Brug",
        school_brin="12AB",
        school_type="special",
        attendance_officer="F. El Amrani",
    )
    document = export()
    [exported] = [f for f in document["families"] if f["ref"] == family.ref]
    assert set(exported["cases"][0]) <= {
        "ref", "opened_on", "closed_on", "local_team", "regisseurs", "analysis", "plan",
        "perspective_plans", "referrals", "escalations",
    }  # fmt: skip
    assert exported["youths"][0]["education"] == [
        {"status": "attending", "from": "2018-09-01", "school": "De Brug"}
    ]
    code, _, err = run_import(document, tmp_path)
    assert code == 0, err
    case.refresh_from_db()
    assert (case.close_reason, case.handed_over_to) == (
        CloseReason.GOALS_REACHED,
        "Buurthuis De Esch",
    )
    period = EducationPeriod.objects.get(youth=youth)
    assert (period.school_brin, period.school_type) == ("12AB", "special")

    # A file that has the case open again clears its closing (the constraints hold).
    exported["cases"][0].pop("closed_on")
    code, _, err = run_import(document, tmp_path)
    assert code == 0, err
    case.refresh_from_db()
    assert (case.closed_on, case.close_reason, case.handed_over_to) == (None, "", "")
