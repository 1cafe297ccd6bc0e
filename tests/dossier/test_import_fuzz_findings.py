"""What ``make fuzz`` found in the importer, each now refused cleanly (exit 1, nothing written):
files that are not UTF-8 (were a traceback), and schema problems one level above a BSN, whose
message quoted the youth with its BSN."""

import copy
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from casusregie.models import Family
from demo.region import build_dossier

pytestmark = pytest.mark.django_db


def run_import(path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_dossier", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"format": "casusregie-dossier", "families": [{"ref": "f-\xb2"}]}',
        b"\xff\xfe{}",
        '{"families": []}'.encode("utf-16"),
    ],
    ids=["latin-1 byte", "utf-16 bom", "utf-16"],
)
def test_a_file_that_is_not_utf8_is_refused_with_exit_1_and_nothing_written(tmp_path, raw):
    path = tmp_path / "dossier.json"
    path.write_bytes(raw)
    code, output = run_import(path)
    assert code == 1
    assert "not UTF-8 (byte" in output
    assert not Family.objects.exists()


@pytest.fixture
def doc() -> dict:
    return build_dossier(dt.date(2026, 11, 24), families=2)


@pytest.mark.parametrize(
    "break_youth",
    [
        lambda youth: str(youth),  # the youth as text
        lambda youth: [youth],  # the youth wrapped in a list
        lambda youth: {**youth, "extra": 1},  # a property the format does not have
        lambda youth: {k: v for k, v in youth.items() if k != "ref"},  # a required one gone
    ],
    ids=["as text", "in a list", "extra property", "missing ref"],
)
def test_a_problem_above_a_bsn_never_echoes_it(tmp_path, doc, break_youth):
    broken = copy.deepcopy(doc)
    youth = broken["families"][0]["youths"][0]
    bsn = youth["bsn"]
    broken["families"][0]["youths"][0] = break_youth(youth)
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(broken))
    code, output = run_import(path)
    assert code == 1
    assert "families[0].youths[0]" in output
    assert bsn not in output
    assert not Family.objects.exists()


def test_a_value_too_long_for_its_column_is_refused_whole_not_a_traceback(tmp_path, doc):
    broken = copy.deepcopy(doc)
    broken["families"][0]["youths"][0]["name"] = "x" * 100_000
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(broken))
    code, output = run_import(path)
    assert code == 1
    assert "refused by the database: value too long" in output
    assert not Family.objects.exists()
