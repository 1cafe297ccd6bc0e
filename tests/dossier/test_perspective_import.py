"""A dossier names a perspective plan's status, not its parts: an agreed plan comes in agreed,
its parts not applicable with a note why (as migration plans 0006 did)."""

from __future__ import annotations

import json

import pytest

from dossier.importer import import_dossier
from plans.models import PerspectivePart, PerspectivePlan
from plans.services import PARTS_NOT_RECORDED_NOTE, missing_parts
from tests import scenarios

pytestmark = pytest.mark.django_db


def _with_agreed_perspective_plans() -> list:
    return [
        path
        for path in scenarios.dossiers()
        if '"status": "agreed"' in path.read_text() and "perspective_plans" in path.read_text()
    ]


@scenarios.parametrize("path", _with_agreed_perspective_plans())
def test_an_imported_agreed_plan_stays_agreed_with_its_parts_not_applicable(path):
    import_dossier(json.loads(path.read_text()))
    agreed = list(PerspectivePlan.objects.filter(status="agreed"))
    drafts = list(PerspectivePlan.objects.filter(status="draft"))
    assert agreed, "the scenario has an agreed perspective plan"
    for plan in agreed:
        assert missing_parts(plan) == {}
        assert all(getattr(plan, f"{part}_na") for part in PerspectivePart.values)
        assert plan.notes == PARTS_NOT_RECORDED_NOTE and plan.agreed_on == plan.started_on
    for plan in drafts:
        assert list(missing_parts(plan)) == list(PerspectivePart.values)
