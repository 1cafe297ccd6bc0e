"""No default secrets: start-up names each missing one; the embedded default makes its own once.

A careless staging server (PRODUCTION unset, no secrets, DATABASE_URL set) must stop; ``make run``
and ``config.embedded exec`` generate ``.data/secrets.env`` once and hand it to every child (web,
Celery worker and beat); a ``.data`` from before keeps its BSNs readable.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from casusregie.bsn_vault import bsn_digest, decrypt_bsn, encrypt_bsn
from config import embedded

SECRETS = ("SECRET_KEY", "BSN_ENCRYPTION_KEYS", "BSN_HASH_KEY", "ACCESS_LOG_KEY")
BASE_DIR = Path(settings.BASE_DIR)
SETUP = "import django; django.setup(); print('started')"


def careless_environment(**env: str) -> dict[str, str]:
    """This process's environment (DATABASE_URL and REDIS_URL set) without any secret."""
    environment = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "PRODUCTION"}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    environment.update(env)
    return environment


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and modules
        argv, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    "argv",
    [[sys.executable, "-c", SETUP], [sys.executable, "manage.py", "check"]],
    ids=["django.setup", "manage.py check"],
)
def test_a_careless_staging_server_stops_naming_every_missing_secret(argv):
    env = careless_environment()
    assert env.get("DATABASE_URL") and "PRODUCTION" not in env
    result = run(argv, env)
    assert result.returncode != 0
    assert "Missing secret(s): SECRET_KEY, BSN_ENCRYPTION_KEYS, BSN_HASH_KEY, ACCESS_LOG_KEY." in (
        result.stderr
    )
    assert "started" not in result.stdout


@pytest.mark.parametrize("missing", SECRETS)
def test_each_missing_secret_is_named_alone(missing):
    given = {"SECRET_KEY": "s" * 50, "BSN_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    given["BSN_HASH_KEY"] = "h" * 40
    given["ACCESS_LOG_KEY"] = "a" * 40
    del given[missing]
    result = run([sys.executable, "-c", SETUP], careless_environment(PRODUCTION="false", **given))
    assert result.returncode != 0
    assert f"Missing secret(s): {missing}." in result.stderr


def test_with_all_four_it_starts():
    given = embedded.generate_secrets()
    result = run([sys.executable, "-c", SETUP], careless_environment(**given))
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_the_embedded_default_writes_its_secrets_once_and_reuses_them(tmp_path):
    first = embedded.ensure_secrets(tmp_path)
    path = tmp_path / "secrets.env"
    assert set(first) == set(SECRETS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_bytes()
    assert embedded.ensure_secrets(tmp_path) == first
    assert path.read_bytes() == written
    Fernet(first["BSN_ENCRYPTION_KEYS"])  # one valid key, not derived from anything
    assert first["BSN_HASH_KEY"] not in (first["SECRET_KEY"], first["BSN_ENCRYPTION_KEYS"])
    assert embedded.ensure_secrets(tmp_path / "other") != first  # random, not a constant


def test_a_secret_added_later_is_appended_to_an_older_file_once(tmp_path):
    path = tmp_path / "secrets.env"
    older = embedded.generate_secrets()
    del older["ACCESS_LOG_KEY"]  # a file written before the access log's key was a secret
    path.write_text("".join(f"{k}={v}\n" for k, v in older.items()), encoding="utf-8")
    values = embedded.ensure_secrets(tmp_path)
    assert {k: values[k] for k in older} == older  # the old ones are kept: old data readable
    assert values["ACCESS_LOG_KEY"]
    assert embedded.ensure_secrets(tmp_path) == values
    assert path.read_text(encoding="utf-8").count("ACCESS_LOG_KEY=") == 1


def test_the_environment_wins_over_the_file(tmp_path):
    env = embedded.with_secrets({"SECRET_KEY": "mine"}, tmp_path)
    assert env["SECRET_KEY"] == "mine"
    assert env["BSN_HASH_KEY"] == embedded.read_secrets(tmp_path / "secrets.env")["BSN_HASH_KEY"]


PRINT_CHILD = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECRET_KEY, ','.join(s.BSN_ENCRYPTION_KEYS), s.BSN_HASH_KEY, s.ACCESS_LOG_KEY)"
)


def embedded_exec(data: Path) -> subprocess.CompletedProcess:
    """``python -m config.embedded exec -- python -c PRINT_CHILD`` with its .data in ``data``."""
    driver = (
        "import sys; from pathlib import Path; import config.embedded as e; "
        f"e.DATA = Path({str(data)!r}); "
        "sys.exit(e.main(['exec', '--', sys.executable, '-c', sys.argv[1]]))"
    )
    return run([sys.executable, "-c", driver, PRINT_CHILD], careless_environment())


def test_two_embedded_runs_give_their_commands_the_same_secrets(tmp_path):
    first, second = embedded_exec(tmp_path), embedded_exec(tmp_path)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    stored = embedded.read_secrets(tmp_path / "secrets.env")
    expected = " ".join(stored[name] for name in SECRETS)
    assert first.stdout.strip() == second.stdout.strip() == expected
    assert "generated" in first.stderr and "generated" not in second.stderr


def test_make_run_hands_the_same_secrets_to_web_worker_and_beat(tmp_path, monkeypatch):
    """``run()`` starts honcho (Procfile: web, worker, beat) with the environment it hands on."""
    started: dict[str, dict[str, str]] = {}

    class Honcho:
        def __init__(self, argv, cwd, env):
            started["honcho"] = env

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(embedded, "DATA", tmp_path)
    monkeypatch.setattr(embedded, "ENV_FILE", tmp_path / "embedded.env")
    monkeypatch.setattr(embedded, "manage", lambda env, *args: started.setdefault(args[0], env))
    monkeypatch.setattr(embedded.subprocess, "Popen", Honcho)
    for name in SECRETS:
        monkeypatch.delenv(name)
    assert embedded.run() == 0
    stored = embedded.read_secrets(tmp_path / "secrets.env")
    for env in (started["migrate"], started["demo_data"], started["honcho"]):
        assert {name: env[name] for name in SECRETS} == stored
    procfile = (BASE_DIR / "Procfile").read_text()
    assert {"web:", "worker:", "beat:"} <= {line.split()[0] for line in procfile.splitlines()}
    assert not any(name in procfile for name in SECRETS)  # nothing there overrides them


def test_an_existing_embedded_database_keeps_its_old_bsns_readable(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    old_encryption, old_lookup = embedded._legacy_bsn_keys(embedded._LEGACY_SECRET_KEY)
    stored_before = encrypt_bsn("123456782", keys=[old_encryption])
    (tmp_path / "postgres").mkdir()
    (tmp_path / "postgres" / "PG_VERSION").write_text("18\n")
    values = embedded.ensure_secrets(tmp_path)
    keys = values["BSN_ENCRYPTION_KEYS"].split(",")
    assert len(keys) == 2 and keys[1] == old_encryption  # the old key only decrypts
    assert keys[0] != old_encryption
    assert decrypt_bsn(stored_before, keys=keys) == "123456782"
    assert decrypt_bsn(encrypt_bsn("123456782", keys=keys), keys=[keys[0]]) == "123456782"
    assert values["BSN_HASH_KEY"] == old_lookup  # look-ups by BSN still find the old rows
    assert bsn_digest("123456782", key=values["BSN_HASH_KEY"]) == bsn_digest(
        "123456782", key=old_lookup
    )
    assert values["SECRET_KEY"] != embedded._LEGACY_SECRET_KEY


def test_a_fresh_data_folder_gets_no_old_key(tmp_path):
    values = embedded.ensure_secrets(tmp_path)
    old_encryption, old_lookup = embedded._legacy_bsn_keys(embedded._LEGACY_SECRET_KEY)
    assert old_encryption not in values["BSN_ENCRYPTION_KEYS"]
    assert values["BSN_HASH_KEY"] != old_lookup
