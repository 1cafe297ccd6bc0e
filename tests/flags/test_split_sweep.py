"""The sweep split per municipality (make bench-scaleout): same flags, idempotent, safe at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from escalations.models import Escalation
from flags.models import Flag
from flags.services import sweep
from flags.tasks import sweep_all
from tests.factories import CaseFactory, FamilyFactory, LocalTeamFactory, MunicipalityFactory

D = dt.date
AS_OF = D(2026, 9, 1)


def outcome() -> list[tuple]:
    return sorted(
        Flag.objects.values_list(
            "rule", "subject_type", "subject_id", "case_id", "severity", "since", "resolved_on"
        )
    )


@pytest.fixture
def two_municipalities(region, municipality, garp_case, youth_in):
    """Cases in Rotterdam (the fixture's) and Schiedam, some breaking rules, some not."""
    schiedam = MunicipalityFactory(code="GM0606", name="Schiedam", region=region)
    team = LocalTeamFactory(municipalities=[schiedam])
    for i in range(4):
        case = garp_case(D(2026, 1, 5) + dt.timedelta(days=i), with_regisseur=i % 2 == 0)
        youth_in(case)
        other = CaseFactory(
            family=FamilyFactory(municipality=schiedam),
            local_team=team,
            opened_on=D(2026, 2, 1) + dt.timedelta(days=i),
        )
        youth_in(other)
    return [municipality, schiedam]


def reset() -> None:
    Flag.objects.all().delete()
    Escalation.objects.filter(source="rulebook").delete()


@pytest.mark.django_db
def test_the_split_sweep_opens_what_the_region_sweep_opens_and_a_rerun_changes_nothing(
    two_municipalities,
):
    sweep(AS_OF)
    whole = outcome()
    assert {f[3] for f in whole}, "the data breaks rules"
    reset()
    assert sweep_all.delay(AS_OF.isoformat(), split=True).get() == {
        "as_of": AS_OF.isoformat(),
        "municipalities": 2,
    }
    assert outcome() == whole
    for m in two_municipalities:
        assert not sweep(AS_OF, municipality=m.pk).changed
    assert not sweep(AS_OF).changed


@pytest.mark.django_db
def test_a_municipality_sweep_judges_only_its_own_cases(two_municipalities):
    rotterdam, schiedam = two_municipalities
    sweep(AS_OF, municipality=schiedam.pk)
    cases = set(Flag.objects.values_list("case__family__municipality", flat=True))
    assert cases == {schiedam.pk}


@pytest.mark.django_db(transaction=True)
def test_municipality_and_region_sweeps_at_once_never_duplicate_a_flag(two_municipalities):
    jobs = [{"municipality": m.pk} for m in two_municipalities] * 2 + [{}]
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(kwargs) -> None:
        try:
            barrier.wait()
            sweep(AS_OF, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    together = outcome()
    keys = [f[:3] for f in together if f[6] is None]
    assert keys and len(keys) == len(set(keys))
    reset()
    sweep(AS_OF)
    assert outcome() == together
    reset()
    connection.close()
