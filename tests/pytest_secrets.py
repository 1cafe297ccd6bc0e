"""The test suite's own secrets, generated once per test session before Django's settings load.

Loaded with ``-p tests.pytest_secrets`` (``addopts`` in pyproject.toml), so it is imported while
pytest reads its options, before pytest-django imports ``config.settings`` — which refuses to
start without ``SECRET_KEY``, ``BSN_ENCRYPTION_KEYS`` and ``BSN_HASH_KEY``. A value already in the
environment wins (``config.embedded exec`` hands over the embedded default's). The values go into
``os.environ``, so pytest-xdist's workers and every subprocess a test starts inherit the same
ones; a worker re-imports this module and keeps what it inherited.
"""

from __future__ import annotations

import os

from config.embedded import generate_secrets

for _name, _value in generate_secrets().items():
    if not os.environ.get(_name):
        os.environ[_name] = _value
