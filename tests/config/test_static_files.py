"""gunicorn alone serves a styled site: the login page, its CSS, htmx and the dashboard's charts.

gunicorn (``config.wsgi``) runs as a subprocess with production settings (``PRODUCTION=true``,
keys of its own, the test database) on a free port. Nobody runs ``collectstatic`` — there is no
``STATIC_ROOT`` at all — so every static file comes from its source folder through WhiteNoise.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from http.client import HTTPConnection, HTTPResponse
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).parent / "gunicorn"
STARTUP_LIMIT_SECONDS = 60  # how long gunicorn may take to listen before the test gives up


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Server:
    port: int
    log: Path

    def get(self, path: str) -> Fetched:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            # The TLS proxy in front of gunicorn says the request came over HTTPS
            # (SECURE_PROXY_SSL_HEADER); without it production redirects to https://.
            connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
            response: HTTPResponse = connection.getresponse()
            headers = {name.lower(): value for name, value in response.getheaders()}
            return Fetched(response.status, headers, response.read())
        finally:
            connection.close()


class LinkedAssets(HTMLParser):
    """The stylesheets and scripts a page links."""

    def __init__(self) -> None:
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.stylesheets.append(a["href"])
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])


def _database_url() -> str:
    """The test database (created by pytest-django) as a DATABASE_URL."""
    from django.db import connection

    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def _production_env(database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        REDIS_URL=settings.REDIS_URL,
        PRODUCTION="true",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        BSN_ENCRYPTION_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        BSN_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_listening(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not listen on port {port}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, tmp_path_factory) -> Iterator[Server]:
    port = _free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own gunicorn from .venv
            [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=BASE_DIR,
            env=_production_env(_database_url()),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_listening(proc, port, log)
        yield Server(port, log)
    finally:
        proc.terminate()  # the master stops its worker
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the process group this fixture started, and only that
            proc.wait()


def test_nothing_is_collected():
    """The design under test: no STATIC_ROOT, files found where they live."""
    assert settings.STATIC_ROOT is None
    assert settings.WHITENOISE_USE_FINDERS is True


def test_the_login_page_links_css_and_htmx_that_gunicorn_serves(gunicorn: Server):
    page = gunicorn.get("/login/")
    assert page.status == 200, gunicorn.log.read_text()[-3000:]
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assets = LinkedAssets()
    assets.feed(page.body.decode())
    assert assets.stylesheets == ["/static/casusregie/casusregie.css"]
    assert "/static/django_htmx/htmx.min.js" in assets.scripts
    # same origin: a path on this server, nothing from elsewhere
    assert all(url.startswith("/static/") for url in assets.stylesheets + assets.scripts)

    css = gunicorn.get(assets.stylesheets[0])
    assert css.status == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.body == (BASE_DIR / "static" / "casusregie" / "casusregie.css").read_bytes()
    assert "default-src 'self'" in css.headers["content-security-policy"]

    for script in assets.scripts:
        js = gunicorn.get(script)
        assert js.status == 200, script
        assert js.headers["content-type"].startswith("text/javascript"), script
        assert js.body


@pytest.mark.parametrize(
    "path",
    ["dashboard/dashboard.js", "dashboard/vendor/chart.umd.min.js", "dashboard/dashboard.css"],
)
def test_the_dashboards_charts_and_styles_are_served(gunicorn: Server, path: str):
    response = gunicorn.get(f"/static/{path}")
    assert response.status == 200
    expected = "text/css" if path.endswith(".css") else "text/javascript"
    assert response.headers["content-type"].startswith(expected)
    assert response.body == (BASE_DIR / "static" / path).read_bytes()


def test_an_unknown_static_file_is_the_dutch_404_page(gunicorn: Server):
    response = gunicorn.get("/static/bestaat-niet.css")
    assert response.status == 404
    assert "Pagina niet gevonden" in response.body.decode()
