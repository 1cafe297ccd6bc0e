"""A BSN never appears in an error message, a log line or a URL."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.region import build_dossier
from tests.conftest import verified_login
from tests.factories import CaseFactory, WorkerFactory, YouthFactory

pytestmark = pytest.mark.django_db


def _dossier_with_youth_bsn(bad) -> dict:
    doc = build_dossier(dt.date(2026, 11, 24))
    doc["families"][0]["youths"][0]["bsn"] = bad
    return doc


@pytest.mark.parametrize("bad", ["123456783", "12345678X", "1234567890", 123456782])
def test_the_importer_does_not_echo_a_bad_bsn(tmp_path, bad):
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(_dossier_with_youth_bsn(bad)))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_dossier", str(path), stdout=out, stderr=err)
    output = out.getvalue() + err.getvalue()
    assert ".bsn:" in output
    assert str(bad) not in output


def test_no_log_line_and_no_url_carries_the_bsn(client, caplog):
    youth = YouthFactory()
    case = CaseFactory(family=youth.family)
    worker = WorkerFactory(local_team=case.local_team)
    case.local_team.municipalities.add(youth.family.municipality)
    verified_login(client, worker)
    with caplog.at_level(logging.DEBUG):
        page = client.get(reverse("family-detail", args=[youth.family.ref]))
        shown = client.post(
            reverse("family-reveal-bsn", args=[youth.family.ref]), {"person": youth.ref}
        )
    assert page.status_code == shown.status_code == 200
    assert youth.bsn in shown.content.decode()
    assert youth.bsn not in caplog.text
    assert youth.bsn not in page.content.decode()
    assert youth.bsn not in "".join(r.get("Location", "") for r in (page, shown))
