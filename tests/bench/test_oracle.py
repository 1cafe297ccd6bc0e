"""Two independent evaluations of RULES.md agree: the naive one and the set-based sweep."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from casusregie.models import Case, Youth
from escalations.models import Escalation
from flags.models import Flag
from flags.rules import RULES, RULES_BY_CODE
from flags.services import sweep
from referrals.models import Referral
from tests import scenarios

from .generate import generate
from .naive import naive_flags

pytestmark = pytest.mark.django_db

REF_MODELS = {"youth": Youth, "case": Case, "referral": Referral, "escalation": Escalation}


def as_refs(hits) -> set[tuple]:
    out = set()
    for rule, kind, subject_id, severity, since in hits:
        ref = REF_MODELS[kind].objects.get(pk=subject_id).ref
        out.add((rule, kind, ref, severity, since.isoformat()))
    return out


@scenarios.parametrize("dossier, as_of, expected", scenarios.expectations())
def test_the_naive_evaluation_gives_the_scenario_s_expected_flags(dossier, as_of, expected):
    call_command("import_dossier", str(dossier), stdout=io.StringIO())
    want = {
        (f["rule"], f["subject"]["type"], f["subject"]["ref"], f["severity"], f["since"])
        for f in json.loads(expected.read_text())
    }
    assert as_refs(naive_flags(as_of)) == want


def swept(as_of: dt.date) -> set[tuple]:
    return set(
        Flag.objects.filter(resolved_on__isnull=True).values_list(
            "rule", "subject_type", "subject_id", "severity", "since"
        )
    )


@pytest.mark.parametrize(
    ("seed", "as_of"),
    [
        (1, dt.date(2026, 11, 24)),
        (2, dt.date(2026, 12, 31)),  # Christmas in the working days
        (3, dt.date(2028, 2, 29)),  # a leap day
        (4, dt.date(2027, 4, 27)),  # Koningsdag
    ],
)
def test_the_sweep_agrees_with_the_naive_evaluation_on_generated_data(seed, as_of):
    generate(600, as_of, seed=seed, progress=False)
    expected = naive_flags(as_of)
    assert len(expected) > 50  # the generated data exercise the rules
    sweep(as_of)
    assert swept(as_of) == expected
    # Every rule of the rulebook is exercised, each at every severity it has.
    assert {hit[0] for hit in expected} == set(RULES_BY_CODE)
    judged = {(hit[0], hit[3]) for hit in expected}
    for rule in RULES:
        if rule.defaults.warning is not None:
            assert (rule.code, "warning") in judged, rule.code
