"""docs/configuration.md documents exactly the environment variables that config/ reads."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
READS = [
    re.compile(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"'),  # env.bool("DEBUG", ...), env.get("PORT")
]


def variables_read() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "config").glob("*.py"):
        text = path.read_text()
        for pattern in READS:
            found.update(pattern.findall(text))
    return found


def variables_documented() -> set[str]:
    table = (ROOT / "docs" / "configuration.md").read_text()
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", table, flags=re.MULTILINE))


def test_every_variable_read_is_documented():
    assert variables_read() - variables_documented() == set()


def test_nothing_documented_is_not_read():
    assert variables_documented() - variables_read() == set()


def test_the_scan_finds_the_essential_variables():
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= variables_read()
