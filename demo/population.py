"""Demo youth population (CBS 0–17) for the demo region's municipalities: plausible numbers.

Rotterdam has about 120,000 residents aged 0–17 and Schiedam about 15,000 (CBS orders of
magnitude); the demo sets them for this year and the two before, a little growth each year.
"""

from __future__ import annotations

import datetime as dt

from casusregie.models import Municipality
from dashboard.models import MunicipalityPopulation

DEMO_YOUTH_POPULATION = {"GM0599": 120_000, "GM0606": 15_000}  # Rotterdam, Schiedam


def load_demo_population(today: dt.date) -> int:
    """Set the demo municipalities' youth population; returns the rows created. Idempotent."""
    created = 0
    for municipality in Municipality.objects.filter(code__in=DEMO_YOUTH_POPULATION):
        for back in range(3):
            _row, made = MunicipalityPopulation.objects.update_or_create(
                municipality=municipality,
                year=today.year - back,
                defaults={
                    "youth_population": round(
                        DEMO_YOUTH_POPULATION[municipality.code] * (1 - 0.005 * back)
                    )
                },
            )
            created += made
    return created
