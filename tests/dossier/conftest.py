import json

import pytest

from tests import scenarios


@pytest.fixture
def edge_cases() -> dict:
    """The shared ``edge-cases.json``; a failure naming the file when it is not there."""
    scenarios.fail_if_missing()
    path = scenarios.folder() / "edge-cases.json"
    if not path.is_file():
        pytest.fail(f"the shared scenario {path} does not exist", pytrace=False)
    return json.loads(path.read_text())
