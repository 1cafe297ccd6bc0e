import json
from pathlib import Path

import pytest
from django.conf import settings

SCENARIOS = Path(settings.BASE_DIR).parent / "shared" / "scenarios"


def scenario_files() -> list[Path]:
    if not SCENARIOS.is_dir():
        return []
    return sorted(p for p in SCENARIOS.glob("*.json") if ".expected-" not in p.name)


@pytest.fixture
def edge_cases() -> dict:
    path = SCENARIOS / "edge-cases.json"
    if not path.exists():
        pytest.skip(f"shared scenarios not found at {SCENARIOS}")
    return json.loads(path.read_text())
